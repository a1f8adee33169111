// Types and process-wide registries shared by the connection layer and the handlers.
// Handlers see a Client (reply target + session state) and never its socket.
import type { ReplyTarget } from '../protocol/reply';
import type { Db } from '../keyspace/db';
import type { CommandSpec } from './commandTable';
import type { BlockState } from './blocking';

export interface AclUserRef {
  name: string;
}

export interface Client extends ReplyTarget {
  readonly id: number;
  /** "ip:port" of the peer and of the local end. */
  addr: string;
  laddr: string;
  fd: number;
  name: string;
  libName: string;
  libVer: string;
  db: Db;
  /** Authenticated user (the default user until AUTH succeeds when a password is set). */
  user: AclUserRef;
  authenticated: boolean;
  /** ms timestamps */
  ctime: number;
  lastInteraction: number;
  /** Lower-case name of the last command, "config|get" form for subcommands. */
  lastCmd: string;
  /** CLIENT REPLY state: 'on' | 'off' | 'skip' (skip mutes only the next command). */
  replyMode: 'on' | 'off' | 'skip';
  noEvict: boolean;
  /** Flags shown by CLIENT LIST (e.g. "N", "O" for monitor, "x" in MULTI). */
  flagsText(): string;
  /** Query buffer and output sizes, for CLIENT LIST / INFO. */
  qbufLen(): number;
  outputLen(): number;
  /** Closes the connection after pending replies are written. */
  closeAfterReply(): void;
  /** Closes now (CLIENT KILL). */
  kill(): void;
  /** Set by MONITOR. */
  monitor: boolean;
  /** The command being executed (null between commands). */
  cmd: CommandSpec | null;
  /** Pub/sub subscriptions (channels + patterns + shard channels); maintained by the pub/sub handlers.
   *  In RESP2, a client with subscriptions may only run (P|S)(UN)SUBSCRIBE, PING, QUIT, RESET. */
  subscriptions: number;
  /** MULTI state; null when not in a transaction (the dispatcher queues commands while non-null). */
  multi: MultiState | null;
  /** WATCHed keys and the CAS-dirty flag; null when the client watches nothing. */
  watch: WatchState | null;
  /** Blocked on keys (BLPOP, BZPOPMIN ...): see server/blocking.ts. null when not blocked. */
  blocked: BlockState | null;
  /** Set while running EXEC (and scripts): blocking commands must answer as if timed out. */
  denyBlocking: boolean;
  /** Sequence number of the last propagated unit this client's replies acknowledge (0: none). Its
   *  output is held until the WAL made that unit as durable as appendfsync promises. */
  ackSeq: number;
  /** Called by the blocking layer after the client was unblocked (the connection resumes its input). */
  unblocked?(): void;
}

/** One command queued between MULTI and EXEC. */
export interface QueuedCommand {
  spec: CommandSpec;
  argv: string[];
  /** Per-command client flags to restore when it runs inside EXEC (e.g. ASKING in cluster mode). */
  flags: number;
}
export interface MultiState {
  cmds: QueuedCommand[];
  /** An error happened while queueing: EXEC answers EXECABORT. */
  dirtyExec: boolean;
}
export interface WatchedKey {
  client: Client;
  db: Db;
  key: string;
  /** The key was already logically expired when WATCH ran (Redis 7.0 semantics). */
  expired: boolean;
}
export interface WatchState {
  keys: WatchedKey[];
  /** A watched key was touched: EXEC answers a null array. */
  dirty: boolean;
}

export type Handler = (c: Client, argv: string[]) => void;

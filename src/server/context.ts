// Types and process-wide registries shared by the connection layer and the handlers.
// Handlers see a Client (reply target + session state) and never its socket.
import type { ReplyTarget } from '../protocol/reply';
import type { Db } from '../keyspace/db';
import type { CommandSpec } from './commandTable';

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
  /** Set to true for the command being executed if it was MULTI-queued etc. (reserved) */
  cmd: CommandSpec | null;
}

export type Handler = (c: Client, argv: string[]) => void;

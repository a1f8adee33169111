// One client connection: RESP parse -> dispatch -> replies batched into one socket write per read.
//
// The parser is hand-written and stateful (Redis' processMultibulkBuffer): it resumes mid-frame, so a
// large bulk arriving in many chunks is collected once, not re-parsed. Args are latin1 strings.
import type { Socket } from 'net';
import { lendScratch, isScratch } from '../protocol/reply';
import * as R from '../protocol/reply';
import { splitArgs } from '../util/splitargs';
import type { Client, AclUserRef, MultiState, WatchState } from './context';
import { forgetBlockedClient, type BlockState } from './blocking';
import type { Db } from '../keyspace/db';
import type { CommandSpec } from './commandTable';
import { limits, serverStats, clients } from './state';

const PROTO_INLINE_MAX_SIZE = 64 * 1024;
/** Pending output beyond which a pipeline stops running commands until the client reads. */
const OUTPUT_STALL_BYTES = 8 * 1024 * 1024;
const EMPTY = Buffer.alloc(0);
/** Bulks at least this big are collected as chunks instead of concatenating on every read. */
const BIG_ARG = 32 * 1024;

export type Dispatch = (c: Connection, argv: string[]) => void;

let nextClientId = 1;

export class Connection implements Client {
  readonly id: number;
  resp = 2;
  out: Buffer | null = null;
  opos = 0;
  mute = false;
  addr: string;
  laddr: string;
  fd: number;
  name = '';
  libName = '';
  libVer = '';
  db: Db;
  user: AclUserRef;
  authenticated: boolean;
  ctime: number;
  lastInteraction: number;
  lastCmd = 'NULL';
  replyMode: 'on' | 'off' | 'skip' = 'on';
  noEvict = false;
  monitor = false;
  cmd: CommandSpec | null = null;
  /** Peer is on the loopback interface (protected mode, DEBUG 'local'). */
  isLocal = true;
  subscriptions = 0;
  multi: MultiState | null = null;
  watch: WatchState | null = null;
  blocked: BlockState | null = null;
  denyBlocking = false;
  ackSeq = 0;
  /** Sent SYNC: receives the replication stream, held to the replica output limit. */
  isReplica = false;

  readonly socket: Socket;
  private readonly dispatch: Dispatch;
  // parser state
  private qbuf: Buffer | null = null; // unconsumed input
  private multibulk = 0; // args still expected in the current multibulk frame
  private bulklen = -1; // length of the bulk being read, -1 while reading its header
  private argv: string[] = [];
  private bigChunks: Buffer[] | null = null; // collecting a large bulk
  private bigHave = 0;
  private closing = false;
  private closed = false;
  private flushQueued = false;
  /** Set while this connection is processing input (its replies go to the scratch buffer). */
  private inProcess = false;
  private paused = false;
  private readonly onDrainBound: () => void;

  constructor(socket: Socket, dispatch: Dispatch, db: Db, user: AclUserRef, authenticated: boolean) {
    this.id = nextClientId++;
    this.socket = socket;
    this.dispatch = dispatch;
    this.db = db;
    this.user = user;
    this.authenticated = authenticated;
    this.addr = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.laddr = `${socket.localAddress ?? '?'}:${socket.localPort ?? 0}`;
    // The fd is not exposed by net.Socket's public API; Redis shows it in CLIENT LIST.
    this.fd = ((socket as unknown as { _handle?: { fd?: number } })._handle?.fd) ?? -1;
    this.ctime = this.lastInteraction = Date.now();
    this.onDrainBound = () => this.onDrain();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.destroy());
    socket.on('close', () => this.destroy());
    socket.on('drain', this.onDrainBound);
  }

  flagsText(): string {
    // Redis' order (getClientInfoString): O P x b d e; N when none.
    let f = '';
    if (this.monitor) f += 'O';
    if (this.subscriptions > 0) f += 'P';
    if (this.multi !== null) f += 'x';
    if (this.blocked !== null) f += 'b';
    if (this.watch !== null && this.watch.dirty) f += 'd';
    if (this.noEvict) f += 'e';
    return f === '' ? 'N' : f;
  }
  /** Called by the blocking layer once this client is unblocked: run the input that waited meanwhile. */
  unblocked(): void {
    if (this.resumeQueued) return;
    this.resumeQueued = true;
    // Not synchronously: the unblocking happens inside another client's command (which owns the
    // shared reply scratch); run once the current task is done, before any new I/O.
    queueMicrotask(() => {
      this.resumeQueued = false;
      if (this.closed || this.blocked !== null) return;
      if (this.qbuf !== null && !this.stalled) this.onData(EMPTY);
    });
  }
  private resumeQueued = false;
  qbufLen(): number {
    return (this.qbuf ? this.qbuf.length : 0) + this.bigHave;
  }
  outputLen(): number {
    return this.socket.writableLength + (this.out && !isScratch(this.out) ? this.opos : 0);
  }
  get isClosed(): boolean {
    return this.closed;
  }

  requestFlush(): void {
    if (this.inProcess || this.flushQueued) return;
    this.flushQueued = true;
    pendingFlush.push(this);
    if (pendingFlush.length === 1) setImmediate(flushPending);
  }

  closeAfterReply(): void {
    this.closing = true;
  }

  kill(): void {
    this.flush();
    this.destroy();
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    clients.delete(this.id);
    onClientClosed(this);
  }

  /** The deferred flush requested by requestFlush(). */
  flushQueuedOutput(): void {
    this.flushQueued = false;
    this.flush();
  }

  /** Writes pending replies in one socket write. */
  flush(): void {
    const b = this.out;
    if (b === null) return;
    const n = this.opos;
    // Replies that acknowledge a write wait until the WAL made it as durable as appendfsync promises.
    if (this.ackSeq > outputGate.ackedSeq && outputGate.enabled && n !== 0 && !this.closed) return this.hold(b, n);
    this.out = null;
    this.opos = 0;
    if (n === 0 || this.closed) return;
    let data: Buffer;
    if (isScratch(b)) {
      // The scratch is reused by the next client: copy out (allocUnsafe pools small sizes).
      data = Buffer.allocUnsafe(n);
      b.copy(data, 0, 0, n);
    } else {
      data = n === b.length ? b : b.subarray(0, n);
    }
    serverStats.netOutput += n;
    if (!this.socket.write(data)) this.applyBackpressure();
  }

  /** Output held for the WAL (see outputGate); released by releaseHeldOutput(). */
  held = false;
  private hold(b: Buffer, n: number): void {
    if (isScratch(b)) {
      // The scratch is lent to the next client: keep a private copy that later replies append to.
      const own = Buffer.allocUnsafe(Math.max(n * 2, 1024));
      b.copy(own, 0, 0, n);
      this.out = own;
    }
    if (!this.held) {
      this.held = true;
      heldConns.push(this);
    }
  }

  // A client that does not read its replies stops being read from, so its output cannot grow without
  // bound; beyond client-output-buffer-limit (if set) it is disconnected like in Redis.
  private applyBackpressure(): void {
    // Subscribers are held to the pubsub class of client-output-buffer-limit, everyone else to normal.
    const hard = this.isReplica ? limits.outputHardReplica : this.subscriptions > 0 ? limits.outputHardPubsub : limits.outputHard;
    if (hard > 0 && this.socket.writableLength > hard) {
      serverStats.clientOutputLimitDisconnections++;
      this.destroy();
      return;
    }
    if (!this.paused) {
      this.paused = true;
      this.socket.pause();
    }
  }
  private onDrain(): void {
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
    if (this.stalled) {
      // Continue the commands that were already received but not run.
      this.stalled = false;
      if (this.qbuf !== null) this.onData(EMPTY);
    }
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.closing) return;
    serverStats.netInput += chunk.length;
    this.lastInteraction = Date.now();
    // Resume a big bulk: collect chunks until it is complete, then parse once.
    if (this.bigChunks !== null) {
      this.bigChunks.push(chunk);
      this.bigHave += chunk.length;
      if (this.bigHave > limits.queryBufferLimit) return this.queryOverflow();
      if (this.bigHave < this.bulklen + 2) return;
      chunk = Buffer.concat(this.bigChunks, this.bigHave);
      this.bigChunks = null;
      this.bigHave = 0;
    } else if (this.qbuf !== null) {
      chunk = Buffer.concat([this.qbuf, chunk]);
      this.qbuf = null;
    }
    this.inProcess = true;
    if (this.out === null) lendScratch(this);
    else if (!isScratch(this.out)) {
      /* keep the private buffer with pending pushes; replies append to it */
    }
    try {
      this.parse(chunk);
    } finally {
      this.inProcess = false;
      this.flush();
      if (this.closing) this.closeNow();
    }
  }

  private queryOverflow(): void {
    serverStats.queryBufferLimitDisconnections++;
    this.destroy();
  }

  private closeNow(): void {
    if (this.closed || this.held) return; // a held reply (QUIT's +OK after writes) goes out first
    this.closed = true;
    this.socket.end();
    clients.delete(this.id);
    onClientClosed(this);
  }
  /** The WAL made this client's writes durable: write the held replies (and close if QUIT asked). */
  releaseHeld(): void {
    this.held = false;
    this.flush();
    if (this.closing && !this.held) this.closeNow();
  }
  private protocolError(msg: string): void {
    R.errorRaw(this, 'ERR Protocol error: ' + msg);
    serverStats.protocolErrors++;
    this.closing = true;
  }

  /** Parses and executes every complete command in buf; keeps the incomplete tail. */
  private parse(buf: Buffer): void {
    const len = buf.length;
    let pos = 0;
    while (pos < len && !this.closing && !this.stalled && this.blocked === null) {
      if (this.multibulk === 0) {
        const first = buf[pos];
        if (first !== 42 /* '*' */) {
          // Inline command
          let nl = buf.indexOf(10, pos);
          // Redis finds the line end with strchr(), which stops at a NUL byte: such a line never
          // completes and ends in "too big inline request". Mirror it rather than run half a line.
          if (nl !== -1) {
            const z = buf.indexOf(0, pos);
            if (z !== -1 && z < nl) nl = -1;
          }
          if (nl === -1) {
            if (len - pos > PROTO_INLINE_MAX_SIZE) return this.protocolError('too big inline request');
            break;
          }
          let end = nl;
          if (end > pos && buf[end - 1] === 13) end--;
          const line = buf.latin1Slice(pos, end);
          pos = nl + 1;
          const argv = splitArgs(line);
          if (argv === null) return this.protocolError('unbalanced quotes in request');
          if (argv.length === 0) continue;
          this.execute(argv);
          continue;
        }
        // *<count>\r\n
        const cr = findCR(buf, pos, len);
        if (cr === -1 || cr + 1 >= len) {
          if (len - pos > PROTO_INLINE_MAX_SIZE) return this.protocolError('too big mbulk count string');
          break;
        }
        const n = parseLen(buf, pos + 1, cr);
        if (n === null || n > 2147483647) return this.protocolError('invalid multibulk length');
        if (n > 10 && !this.authenticated) return this.protocolError('unauthenticated multibulk length');
        pos = cr + 2;
        if (n <= 0) continue;
        this.multibulk = n;
        this.argv = [];
        this.bulklen = -1;
      }
      // Read args
      while (this.multibulk > 0) {
        if (this.bulklen === -1) {
          const cr = findCR(buf, pos, len);
          if (cr === -1 || cr + 1 >= len) {
            if (len - pos > PROTO_INLINE_MAX_SIZE) return this.protocolError('too big bulk count string');
            this.keep(buf, pos);
            return;
          }
          if (buf[pos] !== 36 /* '$' */) {
            return this.protocolError(`expected '$', got '${String.fromCharCode(buf[pos])}'`);
          }
          const bl = parseLen(buf, pos + 1, cr);
          if (bl === null || bl < 0 || bl > limits.protoMaxBulkLen) return this.protocolError('invalid bulk length');
          if (bl > 16384 && !this.authenticated) return this.protocolError('unauthenticated bulk length');
          pos = cr + 2;
          this.bulklen = bl;
        }
        const bl = this.bulklen;
        if (len - pos < bl + 2) {
          // Incomplete bulk: large ones are collected chunk by chunk without re-parsing.
          if (bl >= BIG_ARG) {
            const rest = buf.subarray(pos);
            this.bigChunks = [rest];
            this.bigHave = rest.length;
            if (this.bigHave > limits.queryBufferLimit) this.queryOverflow();
            return;
          }
          this.keep(buf, pos);
          return;
        }
        this.argv.push(
          this.argv.length === 0 && bl <= 24
            ? this.commandName(buf, pos, bl)
            : bl <= 4
              ? shortArg(buf, pos, bl)
              : buf.latin1Slice(pos, pos + bl),
        );
        pos += bl + 2;
        this.bulklen = -1;
        this.multibulk--;
      }
      const argv = this.argv;
      this.argv = [];
      this.execute(argv);
    }
    if (pos < len && !this.closing) this.keep(buf, pos);
  }

  /**
   * Set when a pipeline's replies pile up in the socket faster than the client reads them: the rest of
   * the already-received input waits in qbuf until 'drain', so one read of small commands with large
   * replies cannot buffer unbounded output (Redis would grow the output buffer instead).
   */
  private stalled = false;

  // Pipelines repeat the same command name: when its bytes equal the previous one's, reuse that string.
  // Saves a latin1Slice and, since the dispatcher's map lookup then sees the same string object, a rehash.
  private lastName = '';
  private readonly lastNameBytes = Buffer.alloc(24);
  private commandName(buf: Buffer, pos: number, len: number): string {
    const last = this.lastName;
    if (last.length === len) {
      const lb = this.lastNameBytes;
      let i = 0;
      while (i < len && buf[pos + i] === lb[i]) i++;
      if (i === len) return last;
    }
    buf.copy(this.lastNameBytes, 0, pos, pos + len);
    return (this.lastName = buf.latin1Slice(pos, pos + len));
  }

  private keep(buf: Buffer, pos: number): void {
    // Copy the tail: the chunk may be a slice of a large allocation that we should not pin.
    const rest = buf.subarray(pos);
    if (rest.length > limits.queryBufferLimit) return this.queryOverflow();
    this.qbuf = Buffer.from(rest);
  }

  private execute(argv: string[]): void {
    this.dispatch(this, argv);
    // Large pipelines: write out what we have so the scratch does not grow without bound.
    if (this.out !== null && this.opos > 1024 * 1024) {
      this.flush();
      if (this.closed) return;
      if (this.out === null) lendScratch(this); // (held output stays in its private buffer)
      if (this.socket.writableLength > OUTPUT_STALL_BYTES) this.stalled = true;
    }
  }
}

/** Args of up to 4 bytes: String.fromCharCode beats latin1Slice's call into C++ (measured ~35 vs ~90 ns). */
function shortArg(buf: Buffer, p: number, n: number): string {
  switch (n) {
    case 0:
      return '';
    case 1:
      return String.fromCharCode(buf[p]);
    case 2:
      return String.fromCharCode(buf[p], buf[p + 1]);
    case 3:
      return String.fromCharCode(buf[p], buf[p + 1], buf[p + 2]);
    default:
      return String.fromCharCode(buf[p], buf[p + 1], buf[p + 2], buf[p + 3]);
  }
}

/**
 * Index of the next '\r' in buf[pos, len), or -1. RESP headers are a few bytes long, so a JS loop beats
 * Buffer.indexOf's call into C++; long runs (a client sending junk) fall back to indexOf.
 */
function findCR(buf: Buffer, pos: number, len: number): number {
  const stop = pos + 24 < len ? pos + 24 : len;
  for (let i = pos; i < stop; i++) if (buf[i] === 13) return i;
  return stop === len ? -1 : buf.indexOf(13, stop);
}

/** Parses a decimal length like Redis' string2ll over buf[start, end); null if invalid. */
function parseLen(buf: Buffer, start: number, end: number): number | null {
  if (start >= end || end - start > 20) return null;
  let neg = false;
  let p = start;
  if (buf[p] === 45) {
    neg = true;
    p++;
    if (p === end) return null;
  }
  if (buf[p] === 48 && end - p > 1) return null; // leading zero
  let v = 0;
  for (; p < end; p++) {
    const d = buf[p] - 48;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  if (v > Number.MAX_SAFE_INTEGER) return null;
  return neg ? -v : v;
}

/**
 * The WAL's side of reply holding: a client whose ackSeq is above ackedSeq keeps its output until the
 * WAL reports the unit written (everysec, no) or fsynced (always) and calls releaseHeldOutput().
 */
export const outputGate = { enabled: false, ackedSeq: 0 };
let heldConns: Connection[] = [];
export function releaseHeldOutput(): void {
  if (heldConns.length === 0) return;
  const list = heldConns;
  heldConns = [];
  const acked = outputGate.ackedSeq;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c.isClosed) continue;
    if (c.ackSeq > acked && outputGate.enabled) heldConns.push(c);
    else c.releaseHeld();
  }
}

const pendingFlush: Connection[] = [];
function flushPending(): void {
  const list = pendingFlush.splice(0);
  for (const c of list) {
    c.flushQueuedOutput();
  }
}

const closedHooks: ((c: Connection) => void)[] = [];
/** Adds a hook run when a client disconnects (MULTI/WATCH, pub/sub, tracking clean-up). */
export function addClientClosedHook(fn: (c: Connection) => void): void {
  if (!closedHooks.includes(fn)) closedHooks.push(fn);
}
/** Same as addClientClosedHook (kept for existing callers; hooks accumulate). */
export const setClientClosedHook = addClientClosedHook;
function onClientClosed(c: Connection): void {
  if (c.blocked !== null) forgetBlockedClient(c);
  for (let i = 0; i < closedHooks.length; i++) closedHooks[i](c);
}

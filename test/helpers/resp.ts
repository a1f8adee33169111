// A raw RESP client for tests: sends raw bytes (or an argv encoded as a RESP array) over a
// net.Socket and reads exactly one complete reply, returned as its raw bytes. Used for byte-exact
// comparisons with redis-server and for protocol-error tests.
//
// The framing parser understands every RESP2 and RESP3 reply type:
//   + - : _ , # ( (line types)   $ ! = (bulk types, including RESP3 streamed `$?` strings)
//   * ~ > (arrays, sets, pushes; `?` streamed form ended by `.`)   % (maps)   | (attribute, which
//   prefixes the reply it annotates: attribute + reply are returned together as one reply).
import * as net from 'net';

export type Arg = string | Buffer | number;

/** Encodes an argv as a RESP array of bulk strings (what clients send). */
export function encodeCommand(argv: readonly Arg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const a of argv) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a), 'utf8');
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Encodes many commands back to back (a pipeline). */
export function encodeCommands(cmds: readonly (readonly Arg[])[]): Buffer {
  return Buffer.concat(cmds.map(encodeCommand));
}

export class RespFramingError extends Error {}

const CR = 13;
const LF = 10;

function lineEnd(buf: Buffer, pos: number): number {
  // Returns the index of the '\r' of the first "\r\n" at or after pos, or -1 if not yet complete.
  let i = pos;
  for (;;) {
    const j = buf.indexOf(CR, i);
    if (j === -1 || j + 1 >= buf.length) return -1;
    if (buf[j + 1] === LF) return j;
    i = j + 1;
  }
}

function parseLen(buf: Buffer, start: number, end: number, what: string): number {
  const s = buf.toString('latin1', start, end);
  if (!/^-?\d+$/.test(s)) throw new RespFramingError(`bad ${what} length ${JSON.stringify(s)}`);
  return Number(s);
}

/**
 * Returns the offset just past one complete reply starting at `pos`, or -1 if the buffer does
 * not hold a complete reply yet. Throws RespFramingError on bytes that are not a RESP reply.
 */
export function replyEnd(buf: Buffer, pos = 0): number {
  if (pos >= buf.length) return -1;
  const t = String.fromCharCode(buf[pos]);
  const le = lineEnd(buf, pos + 1);
  if (le === -1) return -1;
  const after = le + 2;
  switch (t) {
    case '+': case '-': case ':': case '_': case ',': case '#': case '(':
      return after;
    case '$': case '!': case '=': {
      if (t === '$' && le === pos + 2 && buf[pos + 1] === 0x3f /* ? */) {
        // Streamed string: ;len\r\n data\r\n ... ;0\r\n
        let p = after;
        for (;;) {
          if (p >= buf.length) return -1;
          if (buf[p] !== 0x3b) throw new RespFramingError(`expected ';' in streamed string at ${p}`);
          const l2 = lineEnd(buf, p + 1);
          if (l2 === -1) return -1;
          const n = parseLen(buf, p + 1, l2, 'chunk');
          if (n === 0) return l2 + 2;
          const end = l2 + 2 + n + 2;
          if (end > buf.length) return -1;
          p = end;
        }
      }
      const n = parseLen(buf, pos + 1, le, 'bulk');
      if (n < 0) return after; // $-1 null bulk
      const end = after + n + 2;
      return end > buf.length ? -1 : end;
    }
    case '*': case '~': case '>': case '%': case '|': {
      if (le === pos + 2 && buf[pos + 1] === 0x3f /* ? */) {
        // Streamed aggregate: elements until ".\r\n"
        let p = after;
        for (;;) {
          if (p >= buf.length) return -1;
          if (buf[p] === 0x2e /* . */) {
            const l2 = lineEnd(buf, p + 1);
            return l2 === -1 ? -1 : l2 + 2;
          }
          p = replyEnd(buf, p);
          if (p === -1) return -1;
        }
      }
      let n = parseLen(buf, pos + 1, le, 'aggregate');
      if (n < 0) return after; // *-1 null array
      if (t === '%' || t === '|') n *= 2;
      let p = after;
      for (let i = 0; i < n; i++) {
        p = replyEnd(buf, p);
        if (p === -1) return -1;
      }
      if (t === '|') return replyEnd(buf, p); // the attribute annotates the next reply
      return p;
    }
    default:
      throw new RespFramingError(
        `unknown RESP type byte 0x${buf[pos].toString(16)} at ${pos}: ${escapeBytes(buf.subarray(pos, pos + 40))}`,
      );
  }
}

/** A decoded reply (for shape comparisons and convenience). */
export type RespValue =
  | { type: 'simple' | 'error' | 'bulk' | 'verbatim' | 'bigint' | 'double' | 'blobError'; value: Buffer }
  | { type: 'integer'; value: number | bigint }
  | { type: 'null' }
  | { type: 'boolean'; value: boolean }
  | { type: 'array' | 'set' | 'push'; value: RespValue[] | null }
  | { type: 'map' | 'attribute'; value: [RespValue, RespValue][] }
  | { type: 'attributed'; attributes: [RespValue, RespValue][]; value: RespValue };

/** Decodes one complete reply (throws if incomplete). Returns the value and the end offset. */
export function decodeReply(buf: Buffer, pos = 0): { value: RespValue; end: number } {
  const t = String.fromCharCode(buf[pos]);
  const le = lineEnd(buf, pos + 1);
  if (le === -1) throw new RespFramingError('incomplete reply');
  const line = buf.subarray(pos + 1, le);
  const after = le + 2;
  switch (t) {
    case '+': return { value: { type: 'simple', value: line }, end: after };
    case '-': return { value: { type: 'error', value: line }, end: after };
    case ':': {
      const s = line.toString('latin1');
      const n = Number(s);
      return { value: { type: 'integer', value: Number.isSafeInteger(n) ? n : BigInt(s) }, end: after };
    }
    case '_': return { value: { type: 'null' }, end: after };
    case ',': return { value: { type: 'double', value: line }, end: after };
    case '#': return { value: { type: 'boolean', value: line.toString() === 't' }, end: after };
    case '(': return { value: { type: 'bigint', value: line }, end: after };
    case '$': case '!': case '=': {
      const type = t === '$' ? 'bulk' : t === '!' ? 'blobError' : 'verbatim';
      if (line.toString() === '?') {
        const chunks: Buffer[] = [];
        let p = after;
        for (;;) {
          const l2 = lineEnd(buf, p + 1);
          const n = Number(buf.toString('latin1', p + 1, l2));
          if (n === 0) return { value: { type: 'bulk', value: Buffer.concat(chunks) }, end: l2 + 2 };
          chunks.push(buf.subarray(l2 + 2, l2 + 2 + n));
          p = l2 + 2 + n + 2;
        }
      }
      const n = Number(line.toString('latin1'));
      if (n < 0) return { value: { type: 'null' }, end: after };
      if (after + n + 2 > buf.length) throw new RespFramingError('incomplete reply');
      return { value: { type, value: buf.subarray(after, after + n) } as RespValue, end: after + n + 2 };
    }
    case '*': case '~': case '>': {
      const type = t === '*' ? 'array' : t === '~' ? 'set' : 'push';
      const items: RespValue[] = [];
      let p = after;
      if (line.toString() === '?') {
        while (buf[p] !== 0x2e) {
          const r = decodeReply(buf, p);
          items.push(r.value);
          p = r.end;
        }
        return { value: { type, value: items }, end: lineEnd(buf, p + 1) + 2 };
      }
      const n = Number(line.toString('latin1'));
      if (n < 0) return { value: { type, value: null }, end: after };
      for (let i = 0; i < n; i++) {
        const r = decodeReply(buf, p);
        items.push(r.value);
        p = r.end;
      }
      return { value: { type, value: items }, end: p };
    }
    case '%': case '|': {
      const pairs: [RespValue, RespValue][] = [];
      let p = after;
      const n = Number(line.toString('latin1'));
      for (let i = 0; i < n; i++) {
        const k = decodeReply(buf, p);
        const v = decodeReply(buf, k.end);
        pairs.push([k.value, v.value]);
        p = v.end;
      }
      if (t === '%') return { value: { type: 'map', value: pairs }, end: p };
      const inner = decodeReply(buf, p);
      return { value: { type: 'attributed', attributes: pairs, value: inner.value }, end: inner.end };
    }
    default:
      throw new RespFramingError(`unknown RESP type byte 0x${buf[pos].toString(16)}`);
  }
}

/** Converts a decoded reply to plain JS (strings for text, arrays, objects for maps, Error for errors). */
export function toJS(v: RespValue): unknown {
  switch (v.type) {
    case 'simple': case 'bulk': case 'verbatim': case 'double': case 'bigint':
      return v.value.toString('utf8');
    case 'error': case 'blobError':
      return new Error(v.value.toString('utf8'));
    case 'integer': return v.value;
    case 'null': return null;
    case 'boolean': return v.value;
    case 'array': case 'set': case 'push': return v.value === null ? null : v.value.map(toJS);
    case 'map': case 'attribute': {
      const o: Record<string, unknown> = {};
      for (const [k, val] of v.value) o[String(toJS(k))] = toJS(val);
      return o;
    }
    case 'attributed': return toJS(v.value);
  }
}

/** Printable form of raw bytes: "\r\n" visible, non-printables as \xHH. */
export function escapeBytes(b: Buffer | string | null | undefined, max = 2000): string {
  if (b === null || b === undefined) return '<none>';
  const buf = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
  let s = '';
  for (let i = 0; i < buf.length && s.length < max; i++) {
    const c = buf[i];
    if (c === 13) s += '\\r';
    else if (c === 10) s += '\\n';
    else if (c === 9) s += '\\t';
    else if (c === 92) s += '\\\\';
    else if (c === 34) s += '\\"';
    else if (c >= 32 && c < 127) s += String.fromCharCode(c);
    else s += '\\x' + c.toString(16).padStart(2, '0');
  }
  if (s.length >= max) s += `...(${buf.length} bytes)`;
  return '"' + s + '"';
}

export interface RespClientOptions {
  host?: string;
  /** Per-reply timeout in ms (default 10000). */
  timeout?: number;
}

/**
 * One raw connection. `call(argv)` / `send(bytes)` write and resolve with the raw bytes of the
 * next complete reply. Replies are consumed in order; `read()` takes the next reply without
 * writing. `closed` resolves when the server closes the connection.
 */
export class RespClient {
  readonly socket: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private waiters: { resolve: (b: Buffer) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] = [];
  private ended = false;
  private error: Error | null = null;
  /** Number of 'data' events received (socket reads). */
  reads = 0;
  readonly closed: Promise<void>;
  readonly timeout: number;

  private constructor(socket: net.Socket, timeout: number) {
    this.socket = socket;
    this.timeout = timeout;
    socket.on('data', (d) => {
      this.reads++;
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this.pump();
    });
    socket.on('error', (e) => {
      this.error = e;
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.ended = true;
        this.pump();
        resolve();
      });
    });
  }

  static connect(port: number, opts: RespClientOptions = {}): Promise<RespClient> {
    const host = opts.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host });
      s.setNoDelay(true);
      const onErr = (e: Error) => reject(e);
      s.once('error', onErr);
      s.once('connect', () => {
        s.off('error', onErr);
        resolve(new RespClient(s, opts.timeout ?? 10000));
      });
    });
  }

  get isClosed(): boolean {
    return this.ended;
  }

  /** Bytes received but not yet consumed as a reply. */
  get pending(): Buffer {
    return this.buf;
  }

  private pump(): void {
    while (this.waiters.length) {
      let end: number;
      try {
        end = replyEnd(this.buf, 0);
      } catch (e) {
        const w = this.waiters.shift()!;
        clearTimeout(w.timer);
        w.reject(new Error(`${(e as Error).message}; received ${escapeBytes(this.buf)}`));
        continue;
      }
      if (end === -1) {
        if (this.ended) {
          const w = this.waiters.shift()!;
          clearTimeout(w.timer);
          w.reject(
            new Error(
              `connection closed before a complete reply` +
                (this.buf.length ? ` (partial: ${escapeBytes(this.buf)})` : '') +
                (this.error ? ` (${this.error.message})` : ''),
            ),
          );
          continue;
        }
        return;
      }
      const reply = Buffer.from(this.buf.subarray(0, end));
      this.buf = this.buf.subarray(end);
      const w = this.waiters.shift()!;
      clearTimeout(w.timer);
      w.resolve(reply);
    }
  }

  /** Reads the next complete reply (raw bytes). */
  read(timeout = this.timeout): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.findIndex((w) => w.timer === timer);
        if (i !== -1) this.waiters.splice(i, 1);
        reject(new Error(`timeout after ${timeout} ms waiting for a reply; buffered ${escapeBytes(this.buf)}`));
      }, timeout);
      this.waiters.push({ resolve, reject, timer });
      this.pump();
    });
  }

  /** Takes (and clears) whatever was received but not consumed as a reply yet. */
  drain(): Buffer {
    const b = this.buf;
    this.buf = Buffer.alloc(0);
    return b;
  }

  /** Writes raw bytes without reading. */
  write(data: Buffer | string): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Writes raw bytes and reads one reply. */
  send(data: Buffer | string, timeout?: number): Promise<Buffer> {
    const p = this.read(timeout);
    this.write(data);
    return p;
  }

  /** Sends an argv as a RESP array and reads one reply (raw bytes). */
  call(...argv: Arg[]): Promise<Buffer> {
    return this.send(encodeCommand(argv));
  }

  /** Sends an argv and returns the reply as a utf8 string of the raw bytes. */
  async callStr(...argv: Arg[]): Promise<string> {
    return (await this.call(...argv)).toString('utf8');
  }

  /** Sends an argv and returns the decoded JS value (errors are returned, not thrown). */
  async callJS(...argv: Arg[]): Promise<unknown> {
    return toJS(decodeReply(await this.call(...argv)).value);
  }

  /** Sends many commands in one write and reads all their replies. */
  async pipeline(cmds: readonly (readonly Arg[])[]): Promise<Buffer[]> {
    const ps = cmds.map(() => this.read());
    this.write(encodeCommands(cmds));
    return Promise.all(ps);
  }

  /** Waits until the server closes the connection (or timeout). Returns true if it closed. */
  async waitClosed(timeout = 5000): Promise<boolean> {
    let t: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      this.closed.then(() => true),
      new Promise<boolean>((res) => (t = setTimeout(() => res(false), timeout))),
    ]);
    clearTimeout(t);
    return r;
  }

  /** Collects everything the server sends until it closes (or timeout), raw. */
  async readUntilClose(timeout = 5000): Promise<{ data: Buffer; closed: boolean }> {
    const closed = await this.waitClosed(timeout);
    const data = this.buf;
    this.buf = Buffer.alloc(0);
    return { data, closed };
  }

  close(): void {
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new Error('client closed'));
    }
    this.socket.destroy();
  }

  /** Sends QUIT-less close: end our side gracefully. */
  end(): void {
    this.socket.end();
  }
}

/** Connects, runs fn, always closes. */
export async function withClient<T>(port: number, fn: (c: RespClient) => Promise<T>, opts?: RespClientOptions): Promise<T> {
  const c = await RespClient.connect(port, opts);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

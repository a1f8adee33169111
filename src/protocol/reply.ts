import { fmtScore } from '../util/dtoa';
// RESP2/RESP3 reply encoding into a client's output buffer.
//
// Why this shape: replies of one pipeline must leave in one socket write, and the hot path must not
// allocate per reply. A client being served writes into the process-wide scratch buffer; the connection
// copies it out once at the end of the read event. Replies to a client that is not being served
// (pub/sub pushes, MONITOR, unblocked clients) go to a small private buffer flushed on the next tick.
// Strings are latin1: one char per byte, so keys and values stay binary-safe without Buffer objects.

export interface ReplyTarget {
  /** 2 or 3 */
  resp: number;
  out: Buffer | null;
  opos: number;
  /** CLIENT REPLY OFF/SKIP: when true, writes are dropped. */
  mute: boolean;
  /** Called when a private buffer (not the scratch) received data and needs a flush. */
  requestFlush(): void;
}

let scratch = Buffer.allocUnsafe(64 * 1024);
/** The scratch buffer is lent to one client at a time (the one whose input is being processed). */
export function lendScratch(c: ReplyTarget): void {
  c.out = scratch;
  c.opos = 0;
}
export function isScratch(b: Buffer | null): boolean {
  return b === scratch;
}

function grow(c: ReplyTarget, need: number): Buffer {
  const cur = c.out;
  if (cur === null) {
    const b = Buffer.allocUnsafe(Math.max(4096, need));
    c.out = b;
    c.opos = 0;
    c.requestFlush();
    return b;
  }
  let size = cur.length * 2;
  while (size < c.opos + need) size *= 2;
  const b = Buffer.allocUnsafe(size);
  cur.copy(b, 0, 0, c.opos);
  if (cur === scratch) scratch = b;
  c.out = b;
  return b;
}

/**
 * Ensures room for n more bytes and returns the buffer to write into at c.opos. For writers that encode
 * straight into the output (e.g. list replies copied from packed chunks); they advance c.opos themselves.
 */
export function reserve(c: ReplyTarget, n: number): Buffer {
  return room(c, n);
}
function room(c: ReplyTarget, n: number): Buffer {
  const b = c.out;
  if (b !== null && c.opos + n <= b.length) return b;
  return grow(c, n);
}

// Short ASCII writes: a JS byte loop beats latin1Write for a handful of bytes (see perf notes).
function putAscii(b: Buffer, pos: number, s: string): number {
  const n = s.length;
  if (n < 48) {
    for (let i = 0; i < n; i++) b[pos + i] = s.charCodeAt(i);
    return pos + n;
  }
  return pos + b.latin1Write(s, pos, n);
}

/** Writes raw bytes (already RESP-encoded). */
export function raw(c: ReplyTarget, s: string): void {
  if (c.mute) return;
  const b = room(c, s.length);
  c.opos = putAscii(b, c.opos, s);
}
export function rawBuf(c: ReplyTarget, data: Buffer): void {
  if (c.mute) return;
  const b = room(c, data.length);
  data.copy(b, c.opos);
  c.opos += data.length;
}

function prefixed(c: ReplyTarget, ch: number, s: string): void {
  if (c.mute) return;
  const b = room(c, s.length + 3);
  let p = c.opos;
  b[p++] = ch;
  p = putAscii(b, p, s);
  b[p++] = 13;
  b[p++] = 10;
  c.opos = p;
}

const OK = '+OK\r\n';
export function ok(c: ReplyTarget): void {
  raw(c, OK);
}
/** Simple string: +s */
export function simple(c: ReplyTarget, s: string): void {
  prefixed(c, 43, s);
}
/** Error: -s (s includes the code, e.g. "ERR syntax error"). Use errors.ts to keep stats. */
export function errorRaw(c: ReplyTarget, s: string): void {
  prefixed(c, 45, s);
}
export function int(c: ReplyTarget, n: number | bigint): void {
  prefixed(c, 58, typeof n === 'number' ? String(n) : n.toString());
}
export function arrayLen(c: ReplyTarget, n: number): void {
  prefixed(c, 42, String(n));
}
/** RESP3 map header (%n); RESP2 flat array of 2n. */
export function mapLen(c: ReplyTarget, n: number): void {
  if (c.resp === 3) prefixed(c, 37, String(n));
  else prefixed(c, 42, String(n * 2));
}
/** RESP3 set header (~n); RESP2 array. */
export function setLen(c: ReplyTarget, n: number): void {
  prefixed(c, c.resp === 3 ? 126 : 42, String(n));
}
/** RESP3 attribute-free push header (>n); RESP2 array. */
export function pushLen(c: ReplyTarget, n: number): void {
  prefixed(c, c.resp === 3 ? 62 : 42, String(n));
}

/** Bulk string from a latin1 string (binary-safe). */
export function bulk(c: ReplyTarget, s: string): void {
  if (c.mute) return;
  const n = s.length;
  const len = String(n);
  const b = room(c, n + len.length + 5);
  let p = c.opos;
  b[p++] = 36;
  for (let i = 0; i < len.length; i++) b[p++] = len.charCodeAt(i);
  b[p++] = 13;
  b[p++] = 10;
  if (n < 48) {
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
  } else {
    p += b.latin1Write(s, p, n);
  }
  b[p++] = 13;
  b[p++] = 10;
  c.opos = p;
}
/** Bulk string of UTF-8 text (INFO, CLIENT LIST, help texts). */
export function bulkText(c: ReplyTarget, s: string): void {
  bulkBuf(c, Buffer.from(s, 'utf8'));
}
export function bulkBuf(c: ReplyTarget, data: Buffer): void {
  if (c.mute) return;
  const len = String(data.length);
  const b = room(c, data.length + len.length + 5);
  let p = c.opos;
  b[p++] = 36;
  p = putAscii(b, p, len);
  b[p++] = 13;
  b[p++] = 10;
  data.copy(b, p);
  p += data.length;
  b[p++] = 13;
  b[p++] = 10;
  c.opos = p;
}
/**
 * Bulk string of src[start, start+len) without a Buffer view: range-index replies copy records straight
 * from B-tree pages. Short values by a byte loop (cheaper than a native copy call).
 */
export function bulkBytes(c: ReplyTarget, src: Buffer, start: number, len: number): void {
  if (c.mute) return;
  const b = room(c, len + 16);
  let p = c.opos;
  b[p++] = 36;
  if (len < 10) b[p++] = 48 + len;
  else if (len < 100) {
    b[p++] = 48 + ((len / 10) | 0);
    b[p++] = 48 + (len % 10);
  } else p = putAscii(b, p, String(len));
  b[p++] = 13;
  b[p++] = 10;
  if (len < 32) for (let i = 0; i < len; i++) b[p + i] = src[start + i];
  else src.copy(b, p, start, start + len);
  p += len;
  b[p++] = 13;
  b[p++] = 10;
  c.opos = p;
}
/** Bulk string of an integer value (GET of an int-encoded string). */
export function bulkInt(c: ReplyTarget, n: number): void {
  bulk(c, String(n));
}
/** Null bulk: $-1 (RESP2) or _ (RESP3). */
export function nullBulk(c: ReplyTarget): void {
  raw(c, c.resp === 3 ? '_\r\n' : '$-1\r\n');
}
/** Null array: *-1 (RESP2) or _ (RESP3). */
export function nullArray(c: ReplyTarget): void {
  raw(c, c.resp === 3 ? '_\r\n' : '*-1\r\n');
}
export function emptyArray(c: ReplyTarget): void {
  raw(c, '*0\r\n');
}
/** RESP3 boolean; RESP2 integer 1/0. */
export function bool(c: ReplyTarget, v: boolean): void {
  if (c.resp === 3) raw(c, v ? '#t\r\n' : '#f\r\n');
  else raw(c, v ? ':1\r\n' : ':0\r\n');
}
/** RESP3 double (,d); RESP2 bulk string. `text` is the Redis formatting of the number. */
export function double(c: ReplyTarget, d: number): void {
  const s = formatDouble(d);
  if (c.resp === 3) prefixed(c, 44, s);
  else bulk(c, s);
}
/** RESP3 verbatim string (=len\r\ntxt:...); RESP2 bulk. */
export function verbatim(c: ReplyTarget, s: string, format = 'txt'): void {
  if (c.resp === 3) {
    const body = Buffer.from(format + ':' + s, 'utf8');
    raw(c, '=' + body.length + '\r\n');
    rawBuf(c, body);
    raw(c, '\r\n');
  } else bulkText(c, s);
}
/** Array of latin1 bulk strings. */
export function bulkArray(c: ReplyTarget, items: readonly string[]): void {
  arrayLen(c, items.length);
  for (let i = 0; i < items.length; i++) bulk(c, items[i]);
}

/** Redis' addReplyDouble text: inf/-inf/nan, integers without ".0", others as C's %.17g. */
export function formatDouble(d: number): string {
  return fmtScore(d);
}

/** C's %.17g of a finite number. */
export function g17(d: number): string {
  return fmtScore(d);
}

/**
 * Redis' addReplyHelp: "<CMD> <subcommand> ..." header from the command as typed (ASCII upper-cased),
 * the subcommand lines, then the HELP footer every HELP subcommand ends with.
 */
export function help(c: ReplyTarget, cmdName: string, lines: readonly string[]): void {
  let up = '';
  for (let i = 0; i < cmdName.length; i++) {
    const ch = cmdName.charCodeAt(i);
    up += ch >= 97 && ch <= 122 ? String.fromCharCode(ch - 32) : cmdName[i];
  }
  arrayLen(c, lines.length + 3);
  simple(c, `${up} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
  for (const l of lines) simple(c, l);
  simple(c, 'HELP');
  simple(c, '    Prints this help.');
}

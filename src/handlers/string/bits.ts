// Bit commands (Redis 7.0 bitops.c): SETBIT GETBIT BITCOUNT BITPOS BITOP.
// Strings are latin1 (one char per byte); bit 0 is the most significant bit of byte 0.
import type { Client, Handler } from '../../server/context';
import { int, raw } from '../../protocol/reply';
import { error, E } from '../../protocol/errors';
import { SE, strOf, kw, maxBulkLen, zeros, clampRange, longLongOrReply, V8_MAX_STRING } from './util';
import { parseLL } from '../../util/strconv';

/** Set bits per byte value. */
const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1];

/**
 * getBitOffsetFromArgument (no '#' form, that is BITFIELD's): a bit offset in [0, proto-max-bulk-len*8),
 * or -1 after replying the error.
 */
function bitOffset(c: Client, arg: string): number {
  const v = parseLL(arg);
  if (typeof v !== 'number' || v < 0 || Math.floor(v / 8) >= maxBulkLen) {
    error(c, E.bitOffset);
    return -1;
  }
  return v;
}

function setbitCommand(c: Client, argv: string[]): void {
  const off = bitOffset(c, argv[2]);
  if (off < 0) return;
  const on = parseLL(argv[3]);
  if (on !== 0 && on !== 1) {
    error(c, E.bitValue); // not an integer, or not 0/1
    return;
  }
  const db = c.db;
  const key = argv[1];
  const v = db.getForWrite(key);
  if (typeof v === 'object') {
    error(c, E.wrongType);
    return;
  }
  const byte = Math.floor(off / 8);
  const shift = 7 - (off % 8);
  if (byte + 1 > V8_MAX_STRING && (v === undefined || byte >= strOf(v).length)) {
    error(c, E.stringTooLong); // cannot be represented as a JS string
    return;
  }
  if (v === undefined) {
    db.set(key, zeros(byte) + String.fromCharCode(on << shift));
    db.setEncoding(key, 'raw');
    raw(c, ':0\r\n');
    return;
  }
  const s = strOf(v);
  const len = s.length;
  if (byte >= len) {
    // Growing the string is a modification even when the bit is 0.
    db.update(key, s + zeros(byte - len) + String.fromCharCode(on << shift));
    db.setEncoding(key, 'raw');
    raw(c, ':0\r\n');
    return;
  }
  const cur = s.charCodeAt(byte);
  const bitval = (cur >> shift) & 1;
  if (bitval !== on) {
    // Like 7.0, only a changed bit signals a modification (an unchanged one leaves WATCH alone).
    const ch = String.fromCharCode(cur ^ (1 << shift));
    db.update(key, byte === len - 1 ? s.slice(0, byte) + ch : s.slice(0, byte) + ch + s.slice(byte + 1));
  }
  // Redis unshares the value into a raw string even when the bit did not change.
  db.setEncoding(key, 'raw');
  raw(c, bitval ? ':1\r\n' : ':0\r\n');
}

function getbitCommand(c: Client, argv: string[]): void {
  const off = bitOffset(c, argv[2]);
  if (off < 0) return;
  const v = c.db.get(argv[1]);
  if (v === undefined) {
    raw(c, ':0\r\n');
    return;
  }
  if (typeof v === 'object') {
    error(c, E.wrongType);
    return;
  }
  const s = strOf(v);
  const byte = Math.floor(off / 8);
  const bit = byte < s.length ? (s.charCodeAt(byte) >> (7 - (off % 8))) & 1 : 0;
  raw(c, bit ? ':1\r\n' : ':0\r\n');
}

function popcount(s: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i <= end; i++) n += POPCOUNT[s.charCodeAt(i)];
  return n;
}

/** The BIT|BYTE unit argument of BITCOUNT/BITPOS: true for BIT, false for BYTE, null after replying an error. */
function parseBitUnit(c: Client, arg: string): boolean | null {
  const unit = kw(arg);
  if (unit === 'bit') return true;
  if (unit === 'byte') return false;
  error(c, E.syntax);
  return null;
}

/** A BITCOUNT/BITPOS range as whole bytes, plus the masks of the bits outside it in the edge bytes. */
interface ByteSpan {
  start: number;
  end: number;
  firstMask: number;
  lastMask: number;
}

/**
 * Normalises a BITCOUNT/BITPOS start/end (bit indexes when isbit, else byte indexes) over a string of
 * strlen bytes, like GETRANGE; a bit range becomes the bytes it touches and the edge masks.
 */
function byteSpan(start: number, end: number, strlen: number, isbit: boolean): ByteSpan {
  [start, end] = clampRange(start, end, isbit ? strlen * 8 : strlen);
  let firstMask = 0;
  let lastMask = 0;
  if (isbit && start <= end) {
    firstMask = ~((1 << (8 - (start % 8))) - 1) & 0xff;
    lastMask = (1 << (7 - (end % 8))) - 1;
    start = Math.floor(start / 8);
    end = Math.floor(end / 8);
  }
  return { start, end, firstMask, lastMask };
}

function bitcountCommand(c: Client, argv: string[]): void {
  const v = c.db.get(argv[1]);
  if (v === undefined) {
    raw(c, ':0\r\n');
    return;
  }
  if (typeof v === 'object') {
    error(c, E.wrongType);
    return;
  }
  const s = strOf(v);
  const strlen = s.length;
  const argc = argv.length;
  let start: number;
  let end: number;
  let firstMask = 0;
  let lastMask = 0;
  if (argc === 4 || argc === 5) {
    const a = longLongOrReply(c, argv[2]);
    if (a === null) return;
    const b = longLongOrReply(c, argv[3]);
    if (b === null) return;
    // 7.0 answers 0 for this empty negative range before it looks at BIT/BYTE.
    if (a < 0 && b < 0 && a > b) {
      raw(c, ':0\r\n');
      return;
    }
    const isbit = argc === 5 ? parseBitUnit(c, argv[4]) : false;
    if (isbit === null) return;
    ({ start, end, firstMask, lastMask } = byteSpan(Number(a), Number(b), strlen, isbit));
  } else if (argc === 2) {
    start = 0;
    end = strlen - 1;
  } else {
    error(c, E.syntax);
    return;
  }
  if (start > end) {
    raw(c, ':0\r\n');
    return;
  }
  let count = popcount(s, start, end);
  if (firstMask !== 0) count -= POPCOUNT[s.charCodeAt(start) & firstMask];
  if (lastMask !== 0) count -= POPCOUNT[s.charCodeAt(end) & lastMask];
  int(c, count);
}

/**
 * redisBitpos over `count` bytes of s from `start`: position of the first bit equal to `bit`, relative to
 * `start`; when there is none: -1 looking for 1s, count*8 looking for 0s.
 */
function bitposRange(s: string, start: number, count: number, bit: number): number {
  const skip = bit ? 0 : 0xff;
  for (let i = 0; i < count; i++) {
    const b = s.charCodeAt(start + i);
    if (b !== skip) return i * 8 + bitposByte(b, bit);
  }
  return bit ? -1 : count * 8;
}

/** Position (0 = msb) of the first bit equal to `bit` in byte b; -1 / 8 when none. */
function bitposByte(b: number, bit: number): number {
  for (let k = 0; k < 8; k++) if (((b >> (7 - k)) & 1) === bit) return k;
  return bit ? -1 : 8;
}

function bitposCommand(c: Client, argv: string[]): void {
  const bv = longLongOrReply(c, argv[2]);
  if (bv === null) return;
  if (bv !== 0 && bv !== 1) {
    error(c, SE.bitArg);
    return;
  }
  const bit = bv;
  const v = c.db.get(argv[1]);
  if (v === undefined) {
    // A missing key is an infinite run of zeros.
    int(c, bit ? -1 : 0);
    return;
  }
  if (typeof v === 'object') {
    error(c, E.wrongType);
    return;
  }
  const s = strOf(v);
  const strlen = s.length;
  const argc = argv.length;
  let start: number;
  let end: number;
  let endGiven = false;
  let firstMask = 0;
  let lastMask = 0;
  if (argc === 4 || argc === 5 || argc === 6) {
    const a = longLongOrReply(c, argv[3]);
    if (a === null) return;
    const isbit = argc === 6 ? parseBitUnit(c, argv[5]) : false;
    if (isbit === null) return;
    if (argc >= 5) {
      const b = longLongOrReply(c, argv[4]);
      if (b === null) return;
      end = Number(b);
      endGiven = true;
    } else {
      end = isbit ? strlen * 8 + 7 : strlen - 1;
    }
    ({ start, end, firstMask, lastMask } = byteSpan(Number(a), end, strlen, isbit));
  } else if (argc === 3) {
    start = 0;
    end = strlen - 1;
  } else {
    error(c, E.syntax);
    return;
  }
  if (start > end) {
    raw(c, ':-1\r\n'); // an empty range holds neither 0s nor 1s
    return;
  }
  let bytes = end - start + 1;
  let pos: number;
  done: {
    if (firstMask !== 0) {
      let b = s.charCodeAt(start);
      b = bit ? b & ~firstMask & 0xff : b | firstMask;
      if (lastMask !== 0 && bytes === 1) b = bit ? b & ~lastMask & 0xff : b | lastMask;
      pos = bitposByte(b, bit);
      if (bytes === 1 || (pos !== -1 && pos !== 8)) break done;
      start++;
      bytes--;
    }
    // The last byte is handled apart when it has bits outside the range.
    const cur = bytes - (lastMask !== 0 ? 1 : 0);
    if (cur > 0) {
      pos = bitposRange(s, start, cur, bit);
      if (bytes === cur || (pos !== -1 && pos !== cur * 8)) break done;
      start += cur;
      bytes -= cur;
    }
    let b = s.charCodeAt(end);
    b = bit ? b & ~lastMask & 0xff : b | lastMask;
    pos = bitposByte(b, bit);
  }
  // Looking for 0s in an explicit range: the bit right after the range does not count.
  if (endGiven && bit === 0 && pos === bytes * 8) {
    raw(c, ':-1\r\n');
    return;
  }
  if (pos !== -1) pos += start * 8;
  int(c, pos);
}

const OP_AND = 0;
const OP_OR = 1;
const OP_XOR = 2;
const OP_NOT = 3;

function bitopCommand(c: Client, argv: string[]): void {
  const name = kw(argv[1]);
  let op: number;
  if (name === 'and') op = OP_AND;
  else if (name === 'or') op = OP_OR;
  else if (name === 'xor') op = OP_XOR;
  else if (name === 'not') op = OP_NOT;
  else {
    error(c, E.syntax);
    return;
  }
  const argc = argv.length;
  if (op === OP_NOT && argc !== 4) {
    error(c, SE.bitopNot);
    return;
  }
  const db = c.db;
  const n = argc - 3;
  const src: string[] = new Array(n);
  let maxlen = 0;
  for (let j = 0; j < n; j++) {
    const v = db.get(argv[j + 3]);
    if (v === undefined) {
      src[j] = ''; // a missing key is an empty string
      continue;
    }
    if (typeof v === 'object') {
      error(c, E.wrongType);
      return;
    }
    const s = strOf(v);
    src[j] = s;
    if (s.length > maxlen) maxlen = s.length;
  }
  const dest = argv[2];
  if (maxlen === 0) {
    db.delete(dest); // an empty result deletes the destination
    raw(c, ':0\r\n');
    return;
  }
  // Scratch bytes for the result only; the stored value is a latin1 string.
  const out = Buffer.allocUnsafe(maxlen);
  const s0 = src[0];
  const l0 = s0.length;
  if (op === OP_NOT) {
    for (let i = 0; i < maxlen; i++) out[i] = ~s0.charCodeAt(i) & 0xff;
  } else {
    for (let i = 0; i < maxlen; i++) out[i] = i < l0 ? s0.charCodeAt(i) : 0;
    for (let j = 1; j < n; j++) {
      const s = src[j];
      const l = s.length;
      if (op === OP_AND) {
        for (let i = 0; i < l; i++) out[i] &= s.charCodeAt(i);
        if (l < maxlen) out.fill(0, l, maxlen);
      } else if (op === OP_OR) {
        for (let i = 0; i < l; i++) out[i] |= s.charCodeAt(i);
      } else {
        for (let i = 0; i < l; i++) out[i] ^= s.charCodeAt(i);
      }
    }
  }
  db.set(dest, out.toString('latin1', 0, maxlen));
  db.setEncoding(dest, 'raw');
  int(c, maxlen);
}

export const commands: Record<string, Handler> = {
  setbit: setbitCommand,
  getbit: getbitCommand,
  bitcount: bitcountCommand,
  bitpos: bitposCommand,
  bitop: bitopCommand,
};

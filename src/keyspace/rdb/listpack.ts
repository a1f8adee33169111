// Listpacks (Redis 7.0 listpack.c): decoding with the full integrity check of lpValidateIntegrity(deep=1)
// and encoding with lpAppend's choice of entry encodings.
//
// Layout: <total bytes u32 LE> <element count u16 LE, 65535 = unknown> <entries> <0xFF>
// Entry:  <encoding+data> <backlen: the size of encoding+data, 1..5 bytes, read right to left>
//   0xxxxxxx                      7-bit unsigned int
//   10xxxxxx <data>               string, 6-bit length
//   110xxxxx yyyyyyyy             13-bit signed int
//   1110xxxx yyyyyyyy <data>      string, 12-bit length
//   11110000 <u32 LE len> <data>  string, 32-bit length
//   11110001 / 0010 / 0011 / 0100 16 / 24 / 32 / 64-bit signed int, little endian
import { fail } from './reader';
import { parseLL } from '../../util/strconv';

const LP_HDR_SIZE = 6;
const LP_EOF = 0xff;
const LP_HDR_NUMELE_UNKNOWN = 65535;

/** lpEncodeBacklen(NULL, l): how many bytes the back length of an l-byte entry takes. */
function backlenSize(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

/** lpCurrentEncodedSizeBytes: bytes of the encoding header needed to know the entry size (0 = invalid). */
function encodedSizeBytes(b: number): number {
  if ((b & 0x80) === 0) return 1; // 7-bit uint
  if ((b & 0xc0) === 0x80) return 1; // 6-bit str
  if ((b & 0xe0) === 0xc0) return 1; // 13-bit int
  if ((b & 0xf0) === 0xe0) return 2; // 12-bit str
  if (b === 0xf0) return 5; // 32-bit str
  if (b >= 0xf1 && b <= 0xf4) return 1; // 16/24/32/64-bit int
  if (b === LP_EOF) return 1;
  return 0;
}

/** lpCurrentEncodedSizeUnsafe: size of encoding + data. */
function encodedSize(lp: Uint8Array, p: number): number {
  const b = lp[p];
  if ((b & 0x80) === 0) return 1;
  if ((b & 0xc0) === 0x80) return 1 + (b & 0x3f);
  if ((b & 0xe0) === 0xc0) return 2;
  if ((b & 0xf0) === 0xe0) return 2 + (((b & 0x0f) << 8) | lp[p + 1]);
  if (b === 0xf1) return 3;
  if (b === 0xf2) return 4;
  if (b === 0xf3) return 5;
  if (b === 0xf4) return 9;
  if (b === 0xf0) return 5 + (lp[p + 1] | (lp[p + 2] << 8) | (lp[p + 3] << 16)) + lp[p + 4] * 16777216;
  return 1; // LP_EOF
}

/** lpDecodeBacklen reading right to left from p; -1 when longer than 5 bytes (UINT64_MAX in Redis). */
function decodeBacklen(lp: Uint8Array, p: number, lo: number): number {
  let val = 0;
  let mul = 1;
  let shift = 0;
  for (;;) {
    if (p < lo) return -1;
    const b = lp[p];
    val += (b & 127) * mul;
    if ((b & 128) === 0) break;
    shift += 7;
    mul *= 128;
    p--;
    if (shift > 28) return -1;
  }
  return val;
}

/** The value of the entry at p as a latin1 string (lpGet: integers as their decimal text). */
function entryString(lp: Buffer, p: number): string {
  const b = lp[p];
  if ((b & 0x80) === 0) return String(b & 0x7f);
  if ((b & 0xc0) === 0x80) return lp.latin1Slice(p + 1, p + 1 + (b & 0x3f));
  if ((b & 0xe0) === 0xc0) {
    const u = ((b & 0x1f) << 8) | lp[p + 1];
    return String(u >= 4096 ? u - 8192 : u);
  }
  if ((b & 0xf0) === 0xe0) {
    const len = ((b & 0x0f) << 8) | lp[p + 1];
    return lp.latin1Slice(p + 2, p + 2 + len);
  }
  switch (b) {
    case 0xf0: {
      const len = lp.readUInt32LE(p + 1);
      return lp.latin1Slice(p + 5, p + 5 + len);
    }
    case 0xf1:
      return String(lp.readInt16LE(p + 1));
    case 0xf2:
      return String(lp.readIntLE(p + 1, 3));
    case 0xf3:
      return String(lp.readInt32LE(p + 1));
    case 0xf4:
      return String(lp.readBigInt64LE(p + 1));
  }
  return fail('invalid listpack entry');
}

/**
 * Validates a listpack blob like lpValidateIntegrity(lp, size, deep=1) and returns its entries as latin1
 * strings. Throws RdbFormatError when Redis would reject it.
 */
export function lpDecode(lp: Buffer): string[] {
  const size = lp.length;
  if (size < LP_HDR_SIZE + 1) fail('listpack too short');
  const bytes = lp.readUInt32LE(0);
  if (bytes !== size) fail('listpack size mismatch');
  if (lp[size - 1] !== LP_EOF) fail('listpack without terminator');
  const numele = lp.readUInt16LE(4);
  const out: string[] = [];
  const lo = LP_HDR_SIZE;
  const hi = size - 1; // OUT_OF_RANGE(p): p < lo || p > hi
  let p = LP_HDR_SIZE;
  for (;;) {
    if (p < lo || p > hi) fail('listpack entry out of range');
    if (lp[p] === LP_EOF) break;
    // lpValidateNext
    const lenbytes = encodedSizeBytes(lp[p]);
    if (lenbytes === 0) fail('invalid listpack encoding');
    if (p + lenbytes > hi) fail('listpack entry header out of range');
    const entrylen = encodedSize(lp, p);
    const bl = backlenSize(entrylen);
    const total = entrylen + bl;
    if (p + total > hi) fail('listpack entry out of range');
    // Like Redis, the back length may be read from bytes before the entry (up to 5 bytes in all).
    const prevlen = decodeBacklen(lp, p + total - 1, 0);
    if (prevlen < 0 || prevlen + bl !== total) fail('listpack backlen mismatch');
    out.push(entryString(lp, p));
    p += total;
  }
  if (p !== size - 1) fail('listpack trailing bytes');
  if (numele !== LP_HDR_NUMELE_UNKNOWN && numele !== out.length) fail('listpack count mismatch');
  return out;
}

// ---- encoding ---------------------------------------------------------------------------------------

/** Bytes of the entry (encoding + data, without backlen) lpAppend would write for s. */
function entrySize(s: string): number {
  const n = s.length;
  if (n > 0 && n <= 20) {
    const v = parseLL(s);
    if (v !== null) {
      if (typeof v === 'bigint') return 9;
      if (v >= 0 && v <= 127) return 1;
      if (v >= -4096 && v <= 4095) return 2;
      if (v >= -32768 && v <= 32767) return 3;
      if (v >= -8388608 && v <= 8388607) return 4;
      if (v >= -2147483648 && v <= 2147483647) return 5;
      return 9;
    }
  }
  if (n < 64) return 1 + n;
  if (n < 4096) return 2 + n;
  return 5 + n;
}

/** lpBytes of a listpack holding these entries. */
export function lpEncodedBytes(items: readonly string[]): number {
  let total = LP_HDR_SIZE + 1;
  for (const s of items) {
    const e = entrySize(s);
    total += e + backlenSize(e);
  }
  return total;
}

function writeEntry(out: Buffer, p: number, s: string): number {
  const n = s.length;
  const start = p;
  let done = false;
  if (n > 0 && n <= 20) {
    const v = parseLL(s);
    if (v !== null) {
      done = true;
      if (typeof v === 'bigint') {
        out[p++] = 0xf4;
        out.writeBigInt64LE(v, p);
        p += 8;
      } else if (v >= 0 && v <= 127) {
        out[p++] = v;
      } else if (v >= -4096 && v <= 4095) {
        const u = v < 0 ? 8192 + v : v;
        out[p++] = (u >> 8) | 0xc0;
        out[p++] = u & 0xff;
      } else if (v >= -32768 && v <= 32767) {
        out[p++] = 0xf1;
        out.writeInt16LE(v, p);
        p += 2;
      } else if (v >= -8388608 && v <= 8388607) {
        out[p++] = 0xf2;
        out.writeIntLE(v, p, 3);
        p += 3;
      } else if (v >= -2147483648 && v <= 2147483647) {
        out[p++] = 0xf3;
        out.writeInt32LE(v, p);
        p += 4;
      } else {
        out[p++] = 0xf4;
        out.writeBigInt64LE(BigInt(v), p);
        p += 8;
      }
    }
  }
  if (!done) {
    if (n < 64) {
      out[p++] = 0x80 | n;
    } else if (n < 4096) {
      out[p++] = (n >> 8) | 0xe0;
      out[p++] = n & 0xff;
    } else {
      out[p++] = 0xf0;
      out.writeUInt32LE(n, p);
      p += 4;
    }
    out.latin1Write(s, p, n);
    p += n;
  }
  // lpEncodeBacklen
  const l = p - start;
  if (l <= 127) {
    out[p++] = l;
  } else if (l < 16383) {
    out[p++] = l >> 7;
    out[p++] = (l & 127) | 128;
  } else if (l < 2097151) {
    out[p++] = l >> 14;
    out[p++] = ((l >> 7) & 127) | 128;
    out[p++] = (l & 127) | 128;
  } else if (l < 268435455) {
    out[p++] = l >> 21;
    out[p++] = ((l >> 14) & 127) | 128;
    out[p++] = ((l >> 7) & 127) | 128;
    out[p++] = (l & 127) | 128;
  } else {
    out[p++] = Math.floor(l / 268435456);
    out[p++] = ((l >> 21) & 127) | 128;
    out[p++] = ((l >> 14) & 127) | 128;
    out[p++] = ((l >> 7) & 127) | 128;
    out[p++] = (l & 127) | 128;
  }
  return p;
}

/** A listpack of these entries, each encoded as lpAppend would (canonical integers as integers). */
export function lpEncode(items: readonly string[]): Buffer {
  const size = lpEncodedBytes(items);
  const out = Buffer.allocUnsafe(size);
  out.writeUInt32LE(size, 0);
  out.writeUInt16LE(items.length < LP_HDR_NUMELE_UNKNOWN ? items.length : LP_HDR_NUMELE_UNKNOWN, 4);
  let p = LP_HDR_SIZE;
  for (const s of items) p = writeEntry(out, p, s);
  out[p] = LP_EOF;
  return out;
}

/** Byte size of one listpack entry for s including its back length (for quicklist node sizing). */
export function lpEntryBytes(s: string): number {
  const e = entrySize(s);
  return e + backlenSize(e);
}

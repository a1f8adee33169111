// Ziplists (Redis <= 6.2 encodings of small lists, hashes and zsets; still loaded by 7.0): decoding with
// the full integrity check of ziplistValidateIntegrity(deep=1) / zipEntrySafe.
//
// Layout: <zlbytes u32 LE> <zltail u32 LE> <zllen u16 LE, 65535 = unknown> <entries> <0xFF>
// Entry:  <prevlen: 1 byte if < 254, else 0xFE + u32 LE> <encoding> <data>
//   00pppppp                  string, 6-bit length
//   01pppppp qqqqqqqq         string, 14-bit length (big endian)
//   10______ <u32 BE length>  string, 32-bit length
//   0xC0 / 0xD0 / 0xE0        int16 / int32 / int64 (little endian)
//   0xF0                      int24
//   0xFE                      int8
//   0xF1..0xFD                immediate 0..12
import { fail } from './reader';

const ZIPLIST_HEADER_SIZE = 10;
const ZIP_END = 0xff;
const ZIP_BIG_PREVLEN = 254;

/** zipEncodingLenSize: bytes of the encoding field, 0 when invalid. */
function encodingLenSize(enc: number): number {
  if (enc === 0xc0 || enc === 0xd0 || enc === 0xf0 || enc === 0xe0 || enc === 0xfe) return 1;
  if (enc >= 0xf1 && enc <= 0xfd) return 1;
  if (enc === 0x00) return 1;
  if (enc === 0x40) return 2;
  if (enc === 0x80) return 5;
  return 0;
}

/** Data bytes of an integer encoding. */
function intSize(enc: number): number {
  switch (enc) {
    case 0xfe:
      return 1;
    case 0xc0:
      return 2;
    case 0xf0:
      return 3;
    case 0xd0:
      return 4;
    case 0xe0:
      return 8;
  }
  return 0; // immediate
}

function intValue(zl: Buffer, enc: number, p: number): string {
  switch (enc) {
    case 0xfe:
      return String(zl.readInt8(p));
    case 0xc0:
      return String(zl.readInt16LE(p));
    case 0xf0:
      return String(zl.readIntLE(p, 3));
    case 0xd0:
      return String(zl.readInt32LE(p));
    case 0xe0:
      return String(zl.readBigInt64LE(p));
  }
  return String((enc & 0x0f) - 1);
}

/**
 * Validates a ziplist blob like ziplistValidateIntegrity(zl, size, deep=1) and returns its entries as
 * latin1 strings (integers as decimal text). Throws RdbFormatError when Redis would reject it.
 */
export function zlDecode(zl: Buffer): string[] {
  const size = zl.length;
  if (size < ZIPLIST_HEADER_SIZE + 1) fail('ziplist too short');
  if (zl.readUInt32LE(0) !== size) fail('ziplist size mismatch');
  if (zl[size - 1] !== ZIP_END) fail('ziplist without terminator');
  const tail = zl.readUInt32LE(4);
  if (tail > size - 1) fail('ziplist tail out of range');
  const headerCount = zl.readUInt16LE(8);
  const first = ZIPLIST_HEADER_SIZE;
  const last = size - 1;
  const out = (x: number): boolean => x < first || x > last;
  const items: string[] = [];
  let p = first;
  let prev = -1;
  let prevRawSize = 0;
  while (zl[p] !== ZIP_END) {
    // zipEntrySafe
    if (out(p)) fail('ziplist entry out of range');
    const prevlensize = zl[p] < ZIP_BIG_PREVLEN ? 1 : 5;
    if (out(p + prevlensize)) fail('ziplist entry header out of range');
    let enc = zl[p + prevlensize];
    if (enc < 0xc0) enc &= 0xc0;
    const lensize = encodingLenSize(enc);
    if (lensize === 0) fail('invalid ziplist encoding');
    if (out(p + prevlensize + lensize)) fail('ziplist entry header out of range');
    const prevlen = prevlensize === 1 ? zl[p] : zl.readUInt32LE(p + 1);
    const q = p + prevlensize;
    let len: number;
    if (enc === 0x00) len = zl[q] & 0x3f;
    else if (enc === 0x40) len = ((zl[q] & 0x3f) << 8) | zl[q + 1];
    else if (enc === 0x80) len = zl.readUInt32BE(q + 1);
    else len = intSize(enc);
    const headersize = prevlensize + lensize;
    if (out(p + headersize + len)) fail('ziplist entry out of range');
    if (out(p - prevlen)) fail('ziplist prevlen out of range');
    // ziplistValidateIntegrity
    if (prevlen !== prevRawSize) fail('ziplist prevlen mismatch');
    const data = p + headersize;
    items.push(enc < 0xc0 ? zl.latin1Slice(data, data + len) : intValue(zl, enc, data));
    prevRawSize = headersize + len;
    prev = p;
    p += headersize + len;
  }
  if (p !== size - 1) fail('ziplist trailing bytes');
  if (prev !== -1 && prev !== tail) fail('ziplist tail mismatch');
  if (headerCount !== 65535 && items.length !== headerCount) fail('ziplist count mismatch');
  return items;
}

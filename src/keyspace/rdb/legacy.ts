// Encoders of the encodings Redis 7.0 still loads but no longer writes (ziplists, zipmaps, the plain
// list/zset/quicklist-v1 forms), and a payload builder for hand-made payloads. Strata never writes these
// itself; tests use them to produce old-style payloads (and check real redis-server accepts them too).
import { crc64LE } from '../../util/crc64';
import { parseLL } from '../../util/strconv';
import { RDB_VERSION } from './constants';
import { RdbWriter } from './writer';
import { d2string } from './encode';

/** <body><version u16 LE><crc64 LE>: a DUMP payload around an already serialized <type><value>. */
export function buildPayload(body: Uint8Array, version = RDB_VERSION): Buffer {
  const out = Buffer.alloc(body.length + 10);
  out.set(body, 0);
  out.writeUInt16LE(version, body.length);
  crc64LE(out, 0, body.length + 2).copy(out, body.length + 2);
  return out;
}

/** Recomputes the CRC of a payload in place (after mutating it) and returns it. */
export function fixCrc(p: Buffer): Buffer {
  crc64LE(p, 0, p.length - 8).copy(p, p.length - 8);
  return p;
}

/** One ziplist entry's encoding+data as __ziplistInsert would write it (zipTryEncoding for integers). */
function zlEntryBody(s: string): Buffer {
  const n = s.length;
  if (n > 0 && n < 32) {
    const v = parseLL(s);
    if (v !== null) {
      const b = BigInt(v);
      if (b >= 0n && b <= 12n) return Buffer.from([0xf1 + Number(b)]);
      if (b >= -128n && b <= 127n) return Buffer.from([0xfe, Number(b) & 0xff]);
      if (b >= -32768n && b <= 32767n) {
        const o = Buffer.alloc(3);
        o[0] = 0xc0;
        o.writeInt16LE(Number(b), 1);
        return o;
      }
      if (b >= -8388608n && b <= 8388607n) {
        const o = Buffer.alloc(4);
        o[0] = 0xf0;
        o.writeIntLE(Number(b), 1, 3);
        return o;
      }
      if (b >= -2147483648n && b <= 2147483647n) {
        const o = Buffer.alloc(5);
        o[0] = 0xd0;
        o.writeInt32LE(Number(b), 1);
        return o;
      }
      const o = Buffer.alloc(9);
      o[0] = 0xe0;
      o.writeBigInt64LE(b, 1);
      return o;
    }
  }
  const data = Buffer.from(s, 'latin1');
  let hdr: Buffer;
  if (n <= 0x3f) hdr = Buffer.from([n]);
  else if (n <= 0x3fff) hdr = Buffer.from([0x40 | (n >> 8), n & 0xff]);
  else {
    hdr = Buffer.alloc(5);
    hdr[0] = 0x80;
    hdr.writeUInt32BE(n, 1);
  }
  return Buffer.concat([hdr, data]);
}

/** A ziplist of these entries. */
export function zlEncode(items: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  let prevlen = 0;
  let off = 10;
  let tail = 10;
  for (const s of items) {
    const body = zlEntryBody(s);
    let pl: Buffer;
    if (prevlen < 254) pl = Buffer.from([prevlen]);
    else {
      pl = Buffer.alloc(5);
      pl[0] = 0xfe;
      pl.writeUInt32LE(prevlen, 1);
    }
    tail = off;
    parts.push(pl, body);
    prevlen = pl.length + body.length;
    off += prevlen;
  }
  const total = off + 1;
  const hdr = Buffer.alloc(10);
  hdr.writeUInt32LE(total, 0);
  hdr.writeUInt32LE(tail, 4);
  hdr.writeUInt16LE(items.length < 65535 ? items.length : 65535, 8);
  return Buffer.concat([hdr, ...parts, Buffer.from([0xff])]);
}

function zmLen(n: number): Buffer {
  if (n < 254) return Buffer.from([n]);
  const b = Buffer.alloc(5);
  b[0] = 254;
  b.writeUInt32LE(n, 1);
  return b;
}

/** A zipmap of these pairs (Redis < 2.6 small hashes); `free` extra unused bytes after each value. */
export function zipmapEncode(pairs: readonly [string, string][], free = 0): Buffer {
  const parts: Buffer[] = [Buffer.from([pairs.length < 254 ? pairs.length : 254])];
  for (const [f, v] of pairs) {
    parts.push(zmLen(f.length), Buffer.from(f, 'latin1'), zmLen(v.length), Buffer.from([free]), Buffer.from(v, 'latin1'), Buffer.alloc(free));
  }
  parts.push(Buffer.from([0xff]));
  return Buffer.concat(parts);
}

/** rdbSaveDoubleValue (RDB_TYPE_ZSET): length-prefixed text, 253 nan, 254 inf, 255 -inf. */
export function writeStringDouble(w: RdbWriter, d: number): void {
  if (d !== d) return w.byte(253);
  if (d === Infinity) return w.byte(254);
  if (d === -Infinity) return w.byte(255);
  const s = d2string(d);
  w.byte(s.length);
  w.rawLatin1(s);
}

// Zipmaps (the small-hash encoding of Redis < 2.6, RDB_TYPE_HASH_ZIPMAP): decoding with the checks of
// zipmapValidateIntegrity(deep=1), iterated like zipmapNext.
//
// Layout: <count byte, 254 = unknown> (<len> <field> <len> <free byte> <value> <free bytes>)* <0xFF>
// where <len> is one byte below 254, else 254 followed by a u32 (little endian).
import { fail } from './reader';

const ZIPMAP_BIGLEN = 254;
const ZIPMAP_END = 255;

function lenSize(b: number): number {
  return b < ZIPMAP_BIGLEN ? 1 : 5;
}
function decodeLen(zm: Buffer, p: number): number {
  const l = zm[p];
  return l < ZIPMAP_BIGLEN ? l : zm.readUInt32LE(p + 1);
}

/** Field/value pairs of a zipmap, validated (not empty, in bounds, count byte consistent). */
export function zipmapDecode(zm: Buffer): [string, string][] {
  const size = zm.length;
  if (size < 2) fail('zipmap too short');
  if (zm[size - 1] !== ZIPMAP_END) fail('zipmap without terminator');
  const out = (p: number): boolean => p < 2 || p > size - 1;
  // Validation pass (zipmapValidateIntegrity).
  let count = 0;
  let p = 1;
  while (zm[p] !== ZIPMAP_END) {
    let s = lenSize(zm[p]);
    if (out(p + s)) fail('zipmap entry out of range');
    let l = decodeLen(zm, p);
    p += s + l;
    if (out(p)) fail('zipmap entry out of range');
    s = lenSize(zm[p]);
    if (out(p + s)) fail('zipmap entry out of range');
    l = decodeLen(zm, p);
    p += s;
    const free = zm[p++];
    p += l + free;
    count++;
    if (out(p)) fail('zipmap entry out of range');
  }
  if (count === 0) fail('empty zipmap');
  if (zm[0] !== ZIPMAP_BIGLEN && zm[0] !== count) fail('zipmap count mismatch');
  // Iteration (zipmapNext): the header size follows the decoded length, as in Redis.
  const pairs: [string, string][] = [];
  p = 1;
  while (zm[p] !== ZIPMAP_END) {
    const klen = decodeLen(zm, p);
    const kstart = p + (klen < ZIPMAP_BIGLEN ? 1 : 5);
    p = kstart + klen;
    const vlen = decodeLen(zm, p);
    const vhdr = vlen < ZIPMAP_BIGLEN ? 1 : 5;
    const vstart = p + vhdr + 1;
    const free = zm[p + vhdr];
    if (kstart + klen > size - 1 || vstart + vlen > size - 1 || vstart + vlen + free > size - 1) {
      fail('zipmap entry out of range');
    }
    pairs.push([zm.latin1Slice(kstart, kstart + klen), zm.latin1Slice(vstart, vstart + vlen)]);
    p = vstart + vlen + free;
  }
  return pairs;
}

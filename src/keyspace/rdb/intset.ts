// Intsets (sets of integers): <encoding u32 LE: 2, 4 or 8> <length u32 LE> <sorted little-endian ints>.
import { fail } from './reader';

/**
 * Validates an intset blob like intsetValidateIntegrity(p, size, deep=1) (known encoding, exact size,
 * not empty, strictly ascending) and returns its members as decimal strings.
 */
export function intsetDecode(b: Buffer): string[] {
  if (b.length < 8) fail('intset too short');
  const enc = b.readUInt32LE(0);
  if (enc !== 2 && enc !== 4 && enc !== 8) fail('invalid intset encoding');
  const count = b.readUInt32LE(4);
  if (8 + count * enc !== b.length) fail('intset size mismatch');
  if (count === 0) fail('empty intset');
  const out: string[] = new Array(count);
  if (enc === 8) {
    let prev = 0n;
    for (let i = 0; i < count; i++) {
      const v = b.readBigInt64LE(8 + i * 8);
      if (i > 0 && v <= prev) fail('intset not sorted');
      prev = v;
      out[i] = String(v);
    }
  } else {
    let prev = 0;
    for (let i = 0; i < count; i++) {
      const v = enc === 2 ? b.readInt16LE(8 + i * 2) : b.readInt32LE(8 + i * 4);
      if (i > 0 && v <= prev) fail('intset not sorted');
      prev = v;
      out[i] = String(v);
    }
  }
  return out;
}

/**
 * An intset of these integer members (each the canonical text of an int64), with the smallest encoding
 * that holds them all, sorted. Returns null if a member is not such an integer.
 */
export function intsetEncode(members: readonly string[], parse: (s: string) => number | bigint | null): Buffer | null {
  const vals: bigint[] = [];
  let min = 0n;
  let max = 0n;
  for (const m of members) {
    const v = parse(m);
    if (v === null) return null;
    const b = BigInt(v);
    if (b < min) min = b;
    if (b > max) max = b;
    vals.push(b);
  }
  vals.sort((a, c) => (a < c ? -1 : a > c ? 1 : 0));
  const enc = min >= -32768n && max <= 32767n ? 2 : min >= -2147483648n && max <= 2147483647n ? 4 : 8;
  const out = Buffer.allocUnsafe(8 + vals.length * enc);
  out.writeUInt32LE(enc, 0);
  out.writeUInt32LE(vals.length, 4);
  for (let i = 0; i < vals.length; i++) {
    if (enc === 2) out.writeInt16LE(Number(vals[i]), 8 + i * 2);
    else if (enc === 4) out.writeInt32LE(Number(vals[i]), 8 + i * 4);
    else out.writeBigInt64LE(vals[i], 8 + i * 8);
  }
  return out;
}

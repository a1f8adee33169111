// CRC-64/Jones (reflected, poly 0xad93d23594c935a9, init 0, no final xor): the checksum of Redis' RDB
// files and DUMP payloads. Computed on two 32-bit halves so it runs at table speed without BigInt.
// Reflected algorithm: the table uses the bit-reversed polynomial 0x95ac9329ac4bc9b5.
const POLY_LO = 0xac4bc9b5;
const POLY_HI = 0x95ac9329;
const TLO = new Uint32Array(256);
const THI = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let lo = i;
  let hi = 0;
  for (let k = 0; k < 8; k++) {
    const bit = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = hi >>> 1;
    if (bit) {
      lo = (lo ^ POLY_LO) >>> 0;
      hi = (hi ^ POLY_HI) >>> 0;
    }
  }
  TLO[i] = lo;
  THI[i] = hi;
}

/** Continues a CRC (given as [lo, hi]) over data; returns the new [lo, hi]. */
export function crc64Update(crc: [number, number], data: Uint8Array, start = 0, end = data.length): [number, number] {
  let lo = crc[0];
  let hi = crc[1];
  for (let i = start; i < end; i++) {
    const idx = (lo ^ data[i]) & 0xff;
    lo = (((lo >>> 8) | (hi << 24)) ^ TLO[idx]) >>> 0;
    hi = ((hi >>> 8) ^ THI[idx]) >>> 0;
  }
  return [lo, hi];
}

/** CRC-64 of data as 8 little-endian bytes (the layout DUMP payloads end with). */
export function crc64LE(data: Uint8Array, start = 0, end = data.length): Buffer {
  const [lo, hi] = crc64Update([0, 0], data, start, end);
  const out = Buffer.allocUnsafe(8);
  out.writeUInt32LE(lo, 0);
  out.writeUInt32LE(hi, 4);
  return out;
}

export function crc64(data: Uint8Array): bigint {
  const [lo, hi] = crc64Update([0, 0], data);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

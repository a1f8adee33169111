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

// Slicing-by-8 (as Redis' crcspeed): table k advances a byte through k more zero bytes, so eight input
// bytes cost eight lookups and no shifts between them. ~4x the byte loop on RDB-sized inputs.
const SLO: Uint32Array[] = [TLO];
const SHI: Uint32Array[] = [THI];
for (let k = 1; k < 8; k++) {
  const plo = SLO[k - 1];
  const phi = SHI[k - 1];
  const lo = new Uint32Array(256);
  const hi = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const idx = plo[i] & 0xff;
    lo[i] = (((plo[i] >>> 8) | (phi[i] << 24)) ^ TLO[idx]) >>> 0;
    hi[i] = ((phi[i] >>> 8) ^ THI[idx]) >>> 0;
  }
  SLO.push(lo);
  SHI.push(hi);
}
const [L0, L1, L2, L3, L4, L5, L6, L7] = SLO;
const [H0, H1, H2, H3, H4, H5, H6, H7] = SHI;

/** Continues a CRC (given as [lo, hi]) over data; returns the new [lo, hi]. */
export function crc64Update(crc: [number, number], data: Uint8Array, start = 0, end = data.length): [number, number] {
  let lo = crc[0];
  let hi = crc[1];
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const a = (lo ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24))) >>> 0;
    const b = (hi ^ (data[i + 4] | (data[i + 5] << 8) | (data[i + 6] << 16) | (data[i + 7] << 24))) >>> 0;
    lo =
      (L7[a & 0xff] ^ L6[(a >>> 8) & 0xff] ^ L5[(a >>> 16) & 0xff] ^ L4[a >>> 24] ^ L3[b & 0xff] ^ L2[(b >>> 8) & 0xff] ^ L1[(b >>> 16) & 0xff] ^ L0[b >>> 24]) >>>
      0;
    hi =
      (H7[a & 0xff] ^ H6[(a >>> 8) & 0xff] ^ H5[(a >>> 16) & 0xff] ^ H4[a >>> 24] ^ H3[b & 0xff] ^ H2[(b >>> 8) & 0xff] ^ H1[(b >>> 16) & 0xff] ^ H0[b >>> 24]) >>>
      0;
  }
  for (; i < end; i++) {
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

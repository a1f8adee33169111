// LZF (liblzf 3.6, as built into Redis: HLOG 16, VERY_FAST, CHECK_INPUT): the compression of RDB strings.
//
// Format: a sequence of
//   000LLLLL <L+1 literal bytes>                  literal run (1..32 bytes)
//   LLLooooo oooooooo                             back reference, length L+2 (L = 1..6), offset o+1
//   111ooooo LLLLLLLL oooooooo                    back reference, length L+9
// where the offset counts back from the current output position.

/** Largest output one input byte can produce (a 3-byte back reference yields 264 bytes). */
export const LZF_MAX_EXPANSION = 88;

/**
 * lzf_decompress() into a buffer of exactly outLen bytes. Returns the number of bytes produced, 0 on any
 * error (like liblzf: a truncated input, a reference before the start, or output overflow); Redis accepts
 * the result only when it equals outLen.
 */
export function lzfDecompress(src: Uint8Array, start: number, end: number, out: Uint8Array): number {
  let ip = start;
  let op = 0;
  const outEnd = out.length;
  // liblzf reads a first control byte even from an empty input; whatever it is, nothing can be produced.
  if (ip >= end) return 0;
  do {
    let ctrl = src[ip++];
    if (ctrl < 32) {
      ctrl++;
      if (op + ctrl > outEnd) return 0;
      if (ip + ctrl > end) return 0;
      out.set(src.subarray(ip, ip + ctrl), op);
      op += ctrl;
      ip += ctrl;
    } else {
      let len = ctrl >> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (ip >= end) return 0;
      if (len === 7) {
        len += src[ip++];
        if (ip >= end) return 0;
      }
      ref -= src[ip++];
      if (op + len + 2 > outEnd) return 0;
      if (ref < 0) return 0;
      len += 2;
      // Byte by byte: source and destination overlap for runs.
      do out[op++] = out[ref++];
      while (--len);
    }
  } while (ip < end);
  return op;
}

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

// The hash table holds input positions plus a per-call base, so that entries left by earlier calls read
// as "no candidate" without clearing 256 KiB for every string (DUMP compresses every long field).
let htab: Int32Array | null = null;
let htabBase = 1;

/**
 * lzf_compress() with an output limit of outLen bytes: the compressed bytes, or null when they do not fit
 * (the case where Redis stores the string uncompressed). Same algorithm and hash as Redis' copy, with a
 * zeroed hash table (Redis leaves it uninitialised, which can only find other, equally valid matches).
 */
export function lzfCompress(src: Uint8Array, outLen: number): Buffer | null {
  if (outLen <= 0) return null;
  const out = Buffer.allocUnsafe(outLen + 16);
  const n = lzfCompressInto(src, src.length, out, outLen);
  return n === 0 ? null : out.subarray(0, n);
}

/**
 * lzf_compress(src[0..inLen), out, outLen): the compressed size, 0 when it does not fit in outLen bytes.
 * `out` must have room for outLen + 16 bytes.
 */
export function lzfCompressInto(src: Uint8Array, inLen: number, out: Uint8Array, outLen: number): number {
  if (inLen === 0 || outLen <= 0) return 0;
  if (htab === null) htab = new Int32Array(HSIZE);
  if (htabBase + inLen + 1 > 0x7fffffff) {
    htab.fill(0);
    htabBase = 1;
  }
  const tab = htab;
  const base = htabBase;
  htabBase += inLen + 1;
  const inEnd = inLen;
  const outEnd = outLen;
  let ip = 0;
  let op = 0;
  let lit = 0;
  op++; // start run

  let hval = (src[0] << 8) | (inLen > 1 ? src[1] : 0);
  while (ip < inEnd - 2) {
    hval = ((hval << 8) | src[ip + 2]) >>> 0;
    const slot = ((hval >>> (24 - HLOG)) - Math.imul(hval, 5)) & (HSIZE - 1);
    const ref = tab[slot] - base; // < 0: left by an earlier call, no candidate
    tab[slot] = ip + base;
    let off: number;
    if (
      ref < ip &&
      (off = ip - ref - 1) < MAX_OFF &&
      ref > 0 &&
      src[ref + 2] === src[ip + 2] &&
      src[ref] === src[ip] &&
      src[ref + 1] === src[ip + 1]
    ) {
      let len = 2;
      let maxlen = inEnd - ip - len;
      if (maxlen > MAX_REF) maxlen = MAX_REF;
      if (op + 3 + 1 >= outEnd) {
        if (op - (lit === 0 ? 1 : 0) + 3 + 1 >= outEnd) return 0;
      }
      out[op - lit - 1] = (lit - 1) & 0xff; // stop run
      if (lit === 0) op--; // undo run if length is zero
      matching: {
        if (maxlen > 16) {
          for (let k = 0; k < 16; k++) {
            len++;
            if (src[ref + len] !== src[ip + len]) break matching;
          }
        }
        do len++;
        while (len < maxlen && src[ref + len] === src[ip + len]);
      }
      len -= 2; // len is now #octets - 1
      ip++;
      if (len < 7) {
        out[op++] = (off >> 8) + (len << 5);
      } else {
        out[op++] = (off >> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++; // start run
      ip += len + 1;
      if (ip >= inEnd - 2) break;
      // VERY_FAST: hash the two positions before the new ip.
      ip -= 2;
      hval = (src[ip] << 8) | src[ip + 1];
      hval = ((hval << 8) | src[ip + 2]) >>> 0;
      tab[((hval >>> (24 - HLOG)) - Math.imul(hval, 5)) & (HSIZE - 1)] = ip + base;
      ip++;
      hval = ((hval << 8) | src[ip + 2]) >>> 0;
      tab[((hval >>> (24 - HLOG)) - Math.imul(hval, 5)) & (HSIZE - 1)] = ip + base;
      ip++;
    } else {
      if (op >= outEnd) return 0;
      lit++;
      out[op++] = src[ip++];
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > outEnd) return 0;
  while (ip < inEnd) {
    lit++;
    out[op++] = src[ip++];
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = (lit - 1) & 0xff; // end run
  if (lit === 0) op--;
  return op;
}

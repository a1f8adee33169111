// Exact emulation of what INCRBYFLOAT does on x86-64 Redis with C `long double` (x87 80-bit extended:
// 64-bit significand, exponent range of 15 bits, subnormals):
//   string2ld  = glibc strtold (correctly rounded, decimal and hex input, inf, nan) + Redis' checks,
//   value += incr (one correctly rounded extended-precision addition),
//   ld2string(LD_STR_HUMAN) = printf("%.17Lf") (exact value rounded half-to-even) with trailing zeros
//   trimmed and "-0" turned into "0".
// Values are dyadic rationals mant * 2^exp kept in BigInt; not fast, but INCRBYFLOAT is not a hot path
// and doubles would print 0.1 as "0.10000000000000001" where Redis prints "0.1".

export interface LongDouble {
  neg: boolean;
  /** |value| = mant * 2^exp; mant < 2^64 after rounding. */
  mant: bigint;
  exp: number;
  inf: boolean;
}

/** Exponent of the least significant bit of the smallest subnormal (2^-16445). */
const EMIN = -16445;
/** Exponent of the lsb of the largest finite value ((2^64-1) * 2^16320). */
const EMAX = 16320;
const TWO63 = 1n << 63n;
const TWO64 = 1n << 64n;
/** Redis' MAX_LONG_DOUBLE_CHARS: string2ld refuses inputs this long or longer. */
const MAX_LONG_DOUBLE_CHARS = 5 * 1024;

function mk(neg: boolean, mant: bigint, exp: number, inf: boolean): LongDouble {
  return { neg, mant, exp, inf };
}

function bitLength(x: bigint): number {
  const hex = x.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0], 16)));
}

/** Rounds M * 2^E (M >= 0) to the nearest extended value, ties to even; overflow gives inf. */
function roundDyadic(neg: boolean, M: bigint, E: number): LongDouble {
  if (M === 0n) return mk(neg, 0n, 0, false);
  let e = E + bitLength(M) - 64;
  if (e < EMIN) e = EMIN;
  const shift = e - E;
  let m: bigint;
  if (shift <= 0) {
    m = M << BigInt(-shift);
  } else {
    const sh = BigInt(shift);
    m = M >> sh;
    const rem = M - (m << sh);
    const half = 1n << (sh - 1n);
    if (rem > half || (rem === half && (m & 1n) === 1n)) {
      m += 1n;
      if (m === TWO64) {
        m = TWO63;
        e += 1;
      }
    }
  }
  if (e > EMAX) return mk(neg, 0n, 0, true);
  return mk(neg, m, e, false);
}

/** Rounds N / Q (N, Q > 0) to the nearest extended value. */
function roundRational(neg: boolean, N: bigint, Q: bigint): LongDouble {
  // Scale so the integer quotient has >= 65 bits; the remainder becomes a sticky bit below it.
  const k = 66 - (bitLength(N) - bitLength(Q));
  let T: bigint;
  let R: bigint;
  if (k >= 0) {
    const num = N << BigInt(k);
    T = num / Q;
    R = num - T * Q;
  } else {
    const den = Q << BigInt(-k);
    T = N / den;
    R = N - T * den;
  }
  return roundDyadic(neg, T * 2n + (R === 0n ? 0n : 1n), -k - 1);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  c |= 0x20;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Parses an exponent's digits from i (sign allowed); returns [value saturated at 1e9, end] or null. */
function parseExp(s: string, i: number, end: number): [number, number] | null {
  let neg = false;
  let c = s.charCodeAt(i);
  if (c === 43 || c === 45) {
    neg = c === 45;
    i++;
  }
  if (i >= end || !isDigit(s.charCodeAt(i))) return null;
  let v = 0;
  while (i < end && isDigit((c = s.charCodeAt(i)))) {
    if (v < 1e9) v = v * 10 + (c - 48);
    i++;
  }
  return [neg ? -v : v, i];
}

function parseDecimal(s: string, i: number, end: number, neg: boolean): LongDouble | null {
  let digits = '';
  let nfrac = 0;
  let any = false;
  let c = 0;
  while (i < end && isDigit((c = s.charCodeAt(i)))) {
    if (digits.length !== 0 || c !== 48) digits += s[i];
    any = true;
    i++;
  }
  if (i < end && s.charCodeAt(i) === 46) {
    i++;
    while (i < end && isDigit((c = s.charCodeAt(i)))) {
      if (digits.length !== 0 || c !== 48) digits += s[i];
      nfrac++;
      any = true;
      i++;
    }
  }
  if (!any) return null;
  let exp = 0;
  if (i < end && (s.charCodeAt(i) | 0x20) === 101) {
    const r = parseExp(s, i + 1, end);
    if (r === null) return null; // 'e' not consumed: trailing garbage
    exp = r[0];
    i = r[1];
  }
  if (i !== end) return null;
  if (digits.length === 0) return mk(neg, 0n, 0, false); // an exact zero is fine
  // digits holds the significant digits, the value is digits * 10^(exp - fracDigitsKept).
  let nd = digits.length;
  // leading zeros of the fraction were dropped, so count the fraction digits kept
  let x = exp - nfrac;
  // trailing zeros cost nothing in value; strip them to keep the BigInts small
  while (nd > 1 && digits.charCodeAt(nd - 1) === 48) {
    nd--;
    x++;
  }
  if (nd !== digits.length) digits = digits.slice(0, nd);
  const top = nd + x; // value in [10^(top-1), 10^top)
  if (top > 4934) return null; // > 1e4933: overflow (ERANGE, HUGE_VAL)
  if (top < -4950) return null; // < 1e-4951: rounds to zero (ERANGE, 0)
  const D = BigInt(digits);
  const r = x >= 0 ? roundDyadic(neg, D * 10n ** BigInt(x), 0) : roundRational(neg, D, 10n ** BigInt(-x));
  if (r.inf || r.mant === 0n) return null;
  return r;
}

function parseHex(s: string, i: number, end: number, neg: boolean): LongDouble | null {
  let digits = '';
  let nfrac = 0;
  let any = false;
  let c = 0;
  while (i < end && hexVal((c = s.charCodeAt(i))) >= 0) {
    if (digits.length !== 0 || c !== 48) digits += s[i];
    any = true;
    i++;
  }
  if (i < end && s.charCodeAt(i) === 46) {
    i++;
    while (i < end && hexVal((c = s.charCodeAt(i))) >= 0) {
      if (digits.length !== 0 || c !== 48) digits += s[i];
      nfrac++;
      any = true;
      i++;
    }
  }
  if (!any) return null; // strtold takes "0" and stops at the 'x'
  let exp = 0;
  if (i < end && (s.charCodeAt(i) | 0x20) === 112) {
    const r = parseExp(s, i + 1, end);
    if (r === null) return null;
    exp = r[0];
    i = r[1];
  }
  if (i !== end) return null;
  if (digits.length === 0) return mk(neg, 0n, 0, false);
  const H = BigInt('0x' + digits);
  const e2 = exp - 4 * nfrac;
  const top = bitLength(H) + e2; // value in [2^(top-1), 2^top)
  if (top > 16385) return null;
  if (top < -16446) return null;
  const r = roundDyadic(neg, H, e2);
  if (r.inf || r.mant === 0n) return null;
  return r;
}

/**
 * Redis' string2ld(): strtold must consume the whole string (an embedded NUL fails too); leading
 * spaces, NaN, overflow and underflow to zero are refused. Returns null when Redis answers
 * "not a valid float".
 */
export function parseLongDouble(s: string): LongDouble | null {
  const n = s.length;
  if (n === 0 || n >= MAX_LONG_DOUBLE_CHARS) return null;
  const c0 = s.charCodeAt(0);
  if (c0 === 32 || (c0 >= 9 && c0 <= 13)) return null;
  const end = n;
  let i = 0;
  let neg = false;
  if (c0 === 43 || c0 === 45) {
    neg = c0 === 45;
    i = 1;
    if (i >= end) return null;
  }
  const c = s.charCodeAt(i) | 0x20;
  if (c === 105) {
    // "inf" / "infinity", any case
    const rest = s.slice(i, end).toLowerCase();
    return rest === 'inf' || rest === 'infinity' ? mk(neg, 0n, 0, true) : null;
  }
  if (c === 110) return null; // "nan...": refused (or garbage)
  if (s.charCodeAt(i) === 48 && i + 1 < end && (s.charCodeAt(i + 1) | 0x20) === 120) {
    return parseHex(s, i + 2, end, neg);
  }
  return parseDecimal(s, i, end, neg);
}

/** Exact conversion of an int64 (long -> long double never rounds). */
export function longDoubleFromInt(v: number | bigint): LongDouble {
  if (typeof v === 'number') return mk(v < 0, BigInt(v < 0 ? -v : v), 0, false);
  return mk(v < 0n, v < 0n ? -v : v, 0, false);
}

/** a + b correctly rounded; null when the result is NaN or infinite. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.inf || b.inf) return null; // inf+x is inf, inf-inf is NaN: both refused
  if (a.mant === 0n && b.mant === 0n) return mk(a.neg && b.neg, 0n, 0, false);
  const e = a.exp < b.exp ? a.exp : b.exp;
  let A = a.mant << BigInt(a.exp - e);
  let B = b.mant << BigInt(b.exp - e);
  if (a.neg) A = -A;
  if (b.neg) B = -B;
  const S = A + B;
  if (S === 0n) return mk(false, 0n, 0, false);
  const r = S < 0n ? roundDyadic(true, -S, e) : roundDyadic(false, S, e);
  return r.inf ? null : r;
}

const TEN17 = 10n ** 17n;

/** printf("%.17Lf") with trailing zeros (and a bare '.') removed, "-0" printed as "0" (LD_STR_HUMAN). */
export function formatLongDouble(x: LongDouble): string {
  if (x.inf) return x.neg ? '-inf' : 'inf';
  let ip: bigint;
  let fp: bigint;
  if (x.exp >= 0) {
    ip = x.mant << BigInt(x.exp);
    fp = 0n;
  } else {
    const sh = BigInt(-x.exp);
    const t = x.mant * TEN17;
    let q = t >> sh;
    const rem = t - (q << sh);
    const half = 1n << (sh - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
    ip = q / TEN17;
    fp = q - ip * TEN17;
  }
  let s = ip.toString();
  if (fp !== 0n) {
    let f = fp.toString().padStart(17, '0');
    let n = f.length;
    while (f.charCodeAt(n - 1) === 48) n--;
    f = f.slice(0, n);
    s += '.' + f;
  }
  if (x.neg && s !== '0') s = '-' + s;
  return s;
}

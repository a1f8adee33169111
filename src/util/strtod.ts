// C strtod() in the C locale as a prefix parser (glibc semantics): how Redis reads scores (string2d,
// zslParseRange) and how it reads scores stored as text in listpacks, ziplists and old RDB_TYPE_ZSET
// payloads (zzlStrtod, "%lg"). One implementation for the sorted-set commands and the RDB decoder.

import { isSpace } from './strconv';

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}
/** Case-insensitive ASCII match of `word` (lower case) at s[i]. */
function matchCI(s: string, i: number, word: string): boolean {
  if (i + word.length > s.length) return false;
  for (let j = 0; j < word.length; j++) if ((s.charCodeAt(i + j) | 0x20) !== word.charCodeAt(j)) return false;
  return true;
}

/** Result of strtodPrefix. */
export interface Strtod {
  value: number;
  /** Index just past the parsed number; equal to `start` when nothing was parsed (C leaves endptr = nptr). */
  end: number;
  /** errno == ERANGE: overflow to +-inf, or a non-zero number that underflowed to 0. */
  range: boolean;
}

/**
 * glibc strtod() from s[start]: leading whitespace, sign, decimal or hexadecimal ("0x1.8p3") floats,
 * "inf"/"infinity"/"nan"/"nan(...)" in any case. Decimal conversion uses JS' correctly rounded parser,
 * as glibc rounds correctly too.
 */
export function strtodPrefix(s: string, start = 0): Strtod {
  const n = s.length;
  let i = start;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  const sc = s.charCodeAt(i);
  if (sc === 43 || sc === 45) {
    neg = sc === 45;
    i++;
  }
  // inf / infinity / nan
  const c0 = s.charCodeAt(i) | 0x20;
  if (c0 === 105 /* i */ && matchCI(s, i, 'inf')) {
    const e = matchCI(s, i + 3, 'inity') ? i + 8 : i + 3;
    return { value: neg ? -Infinity : Infinity, end: e, range: false };
  }
  if (c0 === 110 /* n */ && matchCI(s, i, 'nan')) {
    let e = i + 3;
    if (s.charCodeAt(e) === 40 /* ( */) {
      let k = e + 1;
      while (k < n) {
        const ch = s.charCodeAt(k);
        if (isDigit(ch) || ((ch | 0x20) >= 97 && (ch | 0x20) <= 122) || ch === 95) k++;
        else break;
      }
      if (s.charCodeAt(k) === 41 /* ) */) e = k + 1;
    }
    return { value: NaN, end: e, range: false };
  }
  // hexadecimal
  if (s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 0x20) === 120 /* x */) {
    let k = i + 2;
    let mant = 0n;
    let digits = 0;
    let fracDigits = 0;
    let seenDot = false;
    for (; k < n; k++) {
      const ch = s.charCodeAt(k);
      if (ch === 46 && !seenDot) {
        seenDot = true;
        continue;
      }
      const h = hexVal(ch);
      if (h < 0) break;
      mant = mant * 16n + BigInt(h);
      digits++;
      if (seenDot) fracDigits++;
    }
    if (digits === 0) {
      // "0x" without hex digits: strtod converts the "0" only
      return { value: neg ? -0 : 0, end: i + 1, range: false };
    }
    let exp = -4 * fracDigits;
    let e = k;
    if ((s.charCodeAt(k) | 0x20) === 112 /* p */) {
      let m = k + 1;
      let eneg = false;
      const es = s.charCodeAt(m);
      if (es === 43 || es === 45) {
        eneg = es === 45;
        m++;
      }
      if (isDigit(s.charCodeAt(m))) {
        let ev = 0;
        while (m < n && isDigit(s.charCodeAt(m))) {
          if (ev < 1e6) ev = ev * 10 + (s.charCodeAt(m) - 48);
          m++;
        }
        exp += eneg ? -ev : ev;
        e = m;
      }
    }
    let v: number;
    if (mant === 0n) v = 0;
    else {
      // scale the mantissa to ~64 bits, then apply the binary exponent
      const bits = mant.toString(2).length;
      if (bits > 64) {
        const shift = bits - 64;
        const sticky = (mant & ((1n << BigInt(shift)) - 1n)) !== 0n ? 1n : 0n;
        mant = (mant >> BigInt(shift)) | sticky;
        exp += shift;
      }
      const e2 = exp > 2200 ? 2200 : exp < -2400 ? -2400 : exp;
      const half = Math.trunc(e2 / 2);
      v = Number(mant) * Math.pow(2, half) * Math.pow(2, e2 - half);
    }
    const range = v === Infinity || (v === 0 && mant !== 0n);
    return { value: neg ? -v : v, end: e, range };
  }
  // decimal
  const numStart = i;
  let k = i;
  let nonzero = false;
  let digits = 0;
  while (k < n && isDigit(s.charCodeAt(k))) {
    if (s.charCodeAt(k) !== 48) nonzero = true;
    k++;
    digits++;
  }
  if (k < n && s.charCodeAt(k) === 46) {
    k++;
    while (k < n && isDigit(s.charCodeAt(k))) {
      if (s.charCodeAt(k) !== 48) nonzero = true;
      k++;
      digits++;
    }
  }
  if (digits === 0) return { value: 0, end: start, range: false };
  if (k < n && (s.charCodeAt(k) | 0x20) === 101 /* e */) {
    let m = k + 1;
    const es = s.charCodeAt(m);
    if (es === 43 || es === 45) m++;
    if (m < n && isDigit(s.charCodeAt(m))) {
      while (m < n && isDigit(s.charCodeAt(m))) m++;
      k = m;
    }
  }
  let v = Number(s.slice(numStart, k));
  if (v !== v) v = 0; // cannot happen: the slice is valid decimal syntax
  const range = v === Infinity || (v === 0 && nonzero);
  return { value: neg ? -v : v, end: k, range };
}

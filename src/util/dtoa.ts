// Redis' "%.17g" formatting of doubles (addReplyDouble, ZSET scores, RDB text scores), exact
// to glibc including round-half-to-even on exact ties, without BigInt and mostly without allocation.

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer); // little-endian: u32[1] holds sign, exponent, top of mantissa

/**
 * True when |d| lies exactly halfway between two 17-significant-digit decimals and the lower one has
 * an even last digit: C's printf rounds such ties to even, JS' toPrecision/toExponential away from
 * zero. A double m * 2^-F (m odd) has exactly F fraction digits, the last one a 5, so it is a tie at 17
 * digits when it has 18 significant digits: X + F + 1 = 18 (X = decimal exponent of the leading digit).
 */
function fracDigits(a: number): number {
  f64[0] = a;
  const hi = u32[1];
  const lo = u32[0];
  const bexp = (hi >>> 20) & 0x7ff;
  // binary exponent of the lowest set mantissa bit
  let tz: number;
  if (lo !== 0) tz = 31 - Math.clz32(lo & -lo);
  else {
    const mh = (hi & 0xfffff) | (bexp === 0 ? 0 : 0x100000);
    tz = 32 + 31 - Math.clz32(mh & -mh);
  }
  return -((bexp === 0 ? -1074 : bexp - 1075) + tz);
}

function tieToEven(a: number, F: number): boolean {
  if (F <= 0) return false; // an integer: never a tie at 17 digits (see fmtScore)
  let X = Math.floor(Math.log10(a));
  if (Math.pow(10, X) > a) X--;
  else if (Math.pow(10, X + 1) <= a) X++;
  if (X + F + 1 !== 18) return false;
  // exact 18-digit value: round half to even looks at the 17th digit
  const t = a.toExponential(17); // "d.ddddddddddddddddd5e..."
  return (t.charCodeAt(17) & 1) === 0;
}

/** %.17g layout of 17 significant digits `digits` (no sign/point) with decimal exponent X. */
function layoutG(neg: boolean, digits: string, X: number): string {
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) === 48) end--;
  digits = digits.slice(0, end);
  const sign = neg ? '-' : '';
  if (X < -4 || X >= 17) {
    const ax = X < 0 ? -X : X;
    return sign + digits[0] + (digits.length > 1 ? '.' + digits.slice(1) : '') + 'e' + (X < 0 ? '-' : '+') + (ax < 10 ? '0' : '') + ax;
  }
  if (X >= 0) {
    const ip = digits.length > X + 1 ? digits.slice(0, X + 1) : digits + '0'.repeat(X + 1 - digits.length);
    const fp = digits.slice(X + 1);
    return sign + ip + (fp.length ? '.' + fp : '');
  }
  return sign + '0.' + '0'.repeat(-X - 1) + digits;
}

/**
 * Redis' "%.17g" text of a score (addReplyDouble in 7.0, glibc rounding): safe integers print as
 * themselves; finite values in [1e-4, 1e16) through toPrecision(17) (fixed notation, like %g there)
 * with trailing zeros removed; the rest through toExponential(16). Exact ties are rounded to even as
 * glibc does. Doubles >= 2^53 are even integers and never tie.
 */
export function fmtScore(d: number): string {
  if (Number.isSafeInteger(d)) return d === 0 && 1 / d < 0 ? '-0' : String(d);
  if (d !== d) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  const neg = d < 0;
  const a = neg ? -d : d;
  const F = fracDigits(a);
  if (F > 0 && F < 17) {
    // Exactly F fraction digits: when the shortest round-trip text has them all and at most 17
    // digits, it is the exact value, which is what %.17g prints (1.5, 0.25, 2.125 ...).
    const s = String(d);
    if (s.length <= (neg ? 19 : 18) && s.length - s.indexOf('.') - 1 === F && s.indexOf('e') === -1) return s;
  }
  if (tieToEven(a, F)) {
    // truncate the exact 18-digit expansion to 17 digits
    const t = a.toExponential(17);
    const ei = t.indexOf('e');
    return layoutG(neg, t[0] + t.slice(2, 18), Number(t.slice(ei + 1)));
  }
  if (a >= 1e-4 && a < 1e16) {
    const s = d.toPrecision(17);
    let end = s.length;
    while (s.charCodeAt(end - 1) === 48) end--;
    if (s.charCodeAt(end - 1) === 46) end--;
    return end === s.length ? s : s.slice(0, end);
  }
  const t = a.toExponential(16);
  const ei = t.indexOf('e');
  return layoutG(neg, t[0] + t.slice(2, ei), Number(t.slice(ei + 1)));
}


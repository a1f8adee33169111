// Integer parsing with the exact rules of the C functions Redis uses: string2ll() (util.c) and libc
// strtoll()/atoi(). Strings are latin1 (one char = one byte). Shared by the config parser, the command
// table (key extraction) and the command handlers.
//
// Which one to call:
//   string2ll(s)   bigint | null            exact int64 (config values, key-spec numkeys)
//   parseLL(s)     number | bigint | null   exact int64, a number when it is a safe integer (hot paths)
//   parseInt64(s)  number | null            string2ll rules, the value as a (possibly rounded) number
//   safeIntOf(s)   number (NaN)             the value when it is a safe integer; never allocates
//   strtoll/atoi                            libc semantics (leading spaces, '+', clamping, no full match)

export const LLONG_MAX = 9223372036854775807n;
export const LLONG_MIN = -9223372036854775808n;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const STRTOLL_CAP = 1n << 63n;

/** C isspace() in the C locale: space, \t \n \v \f \r. */
export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * The string2ll syntax over the whole string: optional '-', no '+', no spaces, no leading zeros ("0"
 * alone is fine, "-0" is not), 1 to 20 chars. Returns the value as a double, exact while it is a safe
 * integer (an inexact sum can only land at >= 2^53, never back inside the safe range), or NaN when the
 * text is not such an integer. The int64 range is not checked here.
 */
function scanLL(s: string): number {
  const n = s.length;
  if (n === 0 || n > 20) return NaN;
  let c = s.charCodeAt(0);
  let i = 0;
  let neg = false;
  if (c === 45) {
    if (n === 1) return NaN;
    neg = true;
    i = 1;
    c = s.charCodeAt(1);
  } else if (c === 48) {
    return n === 1 ? 0 : NaN;
  }
  if (c < 49 || c > 57) return NaN;
  let v = c - 48;
  for (i++; i < n; i++) {
    c = s.charCodeAt(i);
    if (c < 48 || c > 57) return NaN;
    v = v * 10 + (c - 48);
  }
  return neg ? -v : v;
}

/**
 * Redis' string2ll over the whole string. Returns a number when the value is a safe integer, a bigint for
 * the rest of the int64 range, null when the text is not an integer or overflows int64.
 */
export function parseLL(s: string): number | bigint | null {
  const v = scanLL(s);
  if (v !== v) return null;
  if (v <= MAX_SAFE && v >= -MAX_SAFE) return v;
  const b = BigInt(s);
  if (b > LLONG_MAX || b < LLONG_MIN) return null;
  return b;
}

/** Redis' string2ll, exact: the int64 as a bigint, or null. */
export function string2ll(s: string): bigint | null {
  const v = parseLL(s);
  return v === null ? null : BigInt(v);
}

/**
 * Redis' string2ll as a JS number (rounded to the nearest double beyond 2^53), or null. For arguments
 * that are only compared or clamped against small bounds (SELECT, CLIENT KILL ID, ACL LOG count...).
 */
export function parseInt64(s: string): number | null {
  const v = parseLL(s);
  return v === null ? null : typeof v === 'number' ? v : Number(v);
}

/**
 * The safe integer a string denotes under string2ll rules (what Redis' tryObjectEncoding would turn into
 * an int, within JS' exact range), or NaN. No allocation.
 */
export function safeIntOf(s: string): number {
  const v = scanLL(s);
  return v <= MAX_SAFE && v >= -MAX_SAFE ? v : NaN;
}

/**
 * C strtoll(s, &end, base) for base 8 or 10: skips leading whitespace, optional sign, digits;
 * clamps to LLONG_MIN/LLONG_MAX on overflow (errno ERANGE). `end` is the index of the first
 * unparsed char (0 when no digits were found, like C, which leaves endptr == s).
 */
export function strtoll(s: string, base = 10): { value: bigint; end: number; overflow: boolean } {
  let i = 0;
  const n = s.length;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  const sc = s.charCodeAt(i);
  if (sc === 43 || sc === 45) {
    neg = sc === 45;
    i++;
  }
  const start = i;
  const maxDigit = 48 + base - 1;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > maxDigit) break;
    i++;
  }
  if (i === start) return { value: 0n, end: 0, overflow: false };
  let v = 0n;
  const b = BigInt(base);
  // Past 2^63 the result clamps whatever follows: stop growing the bigint (long digit runs stay linear).
  for (let j = start; j < i && v <= STRTOLL_CAP; j++) v = v * b + BigInt(s.charCodeAt(j) - 48);
  if (neg) v = -v;
  let overflow = false;
  if (v > LLONG_MAX) {
    v = LLONG_MAX;
    overflow = true;
  } else if (v < LLONG_MIN) {
    v = LLONG_MIN;
    overflow = true;
  }
  return { value: v, end: i, overflow };
}

/** strtoll() used the way Redis often does: the whole string must be consumed (`*eptr == '\0'`). */
export function strtollFull(s: string, base = 10): bigint | null {
  const r = strtoll(s, base);
  if (r.end !== s.length) {
    // "" gives end 0 == length: C accepts it as 0 when the caller only checks *eptr.
    return null;
  }
  return r.value;
}

/** C atoi() / (int)strtoll(s, NULL, 10): the strtoll value truncated to a 32-bit int. */
export function atoi(s: string): number {
  return Number(BigInt.asIntN(32, strtoll(s).value));
}

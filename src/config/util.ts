// Number and string helpers with the exact semantics of the Redis C functions the config code uses
// (string2ll, strtoll, memtoull, sdscatrepr, sdssplitlen, ...). Values are 64-bit, so they are BigInt.

/** Version string that config errors and CONFIG-related texts print ("Redis 7.0.15"). */
export const REDIS_VERSION = '7.0.15';

export const LLONG_MAX = (1n << 63n) - 1n;
export const LLONG_MIN = -(1n << 63n);
export const ULLONG_MAX = (1n << 64n) - 1n;
export const INT_MAX = 2147483647n;
export const INT_MIN = -2147483648n;
export const UINT_MAX = 4294967295n;
export const LONG_MAX = LLONG_MAX;
export const SSIZE_MAX = LLONG_MAX;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
/** C isspace() in the C locale. */
export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * Redis string2ll(): strict base-10 long long. No spaces, no '+', no leading zeros, no "-0".
 * Returns null when the text is not exactly such a number or overflows.
 */
export function string2ll(s: string): bigint | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  if (n === 1 && s.charCodeAt(0) === 48) return 0n;
  let i = 0;
  let neg = false;
  if (s.charCodeAt(0) === 45) {
    neg = true;
    i = 1;
    if (n === 1) return null;
  }
  const first = s.charCodeAt(i);
  if (first < 49 || first > 57) return null;
  for (let j = i + 1; j < n; j++) if (!isDigit(s.charCodeAt(j))) return null;
  const v = BigInt(neg ? s : s.slice(i));
  if (v > LLONG_MAX || v < LLONG_MIN) return null;
  return v;
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
  for (let j = start; j < i; j++) v = v * b + BigInt(s.charCodeAt(j) - 48);
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

/**
 * Redis memtoull(): "<digits>[b|k|kb|m|mb|g|gb]" (unit case-insensitive; k=1000, kb=1024 ...).
 * Digits are parsed with strtoull (overflow clamps to ULLONG_MAX) and the product wraps mod 2^64,
 * exactly like Redis 7.0. An empty digit string is 0. Returns null on error.
 */
export function memtoull(p: string): bigint | null {
  if (p.charCodeAt(0) === 45) return null; // '-'
  let u = 0;
  while (u < p.length && isDigit(p.charCodeAt(u))) u++;
  const unit = p.slice(u).toLowerCase();
  let mul: bigint;
  switch (unit) {
    case '':
    case 'b':
      mul = 1n;
      break;
    case 'k':
      mul = 1000n;
      break;
    case 'kb':
      mul = 1024n;
      break;
    case 'm':
      mul = 1000000n;
      break;
    case 'mb':
      mul = 1048576n;
      break;
    case 'g':
      mul = 1000000000n;
      break;
    case 'gb':
      mul = 1073741824n;
      break;
    default:
      return null;
  }
  if (u >= 128) return null; // digits must fit Redis' 128-byte buffer
  let val = u === 0 ? 0n : BigInt(p.slice(0, u));
  if (val > ULLONG_MAX) val = ULLONG_MAX;
  return BigInt.asUintN(64, val * mul);
}

/** Redis rewriteConfigFormatMemory(): 1gb / 10mb / 3kb when divisible, else plain bytes (signed %lld). */
export function formatMemory(bytes: bigint): string {
  const gb = 1073741824n;
  const mb = 1048576n;
  const kb = 1024n;
  if (bytes !== 0n && bytes % gb === 0n) return `${bytes / gb}gb`;
  if (bytes !== 0n && bytes % mb === 0n) return `${bytes / mb}mb`;
  if (bytes !== 0n && bytes % kb === 0n) return `${bytes / kb}kb`;
  return bytes.toString();
}

/** Redis sdscatrepr(): a double-quoted, escaped representation (config rewrite, error echo). */
export function repr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 92:
        out += '\\\\';
        break;
      case 34:
        out += '\\"';
        break;
      case 10:
        out += '\\n';
        break;
      case 13:
        out += '\\r';
        break;
      case 9:
        out += '\\t';
        break;
      case 7:
        out += '\\a';
        break;
      case 8:
        out += '\\b';
        break;
      default:
        if (c >= 32 && c <= 126) out += s[i];
        else out += '\\x' + (c & 0xff).toString(16).padStart(2, '0');
    }
  }
  return out + '"';
}

/** Redis sdssplitlen(s, " "): split on single spaces, keeping empty fields; "" gives []. */
export function splitSpaces(s: string): string[] {
  if (s.length === 0) return [];
  return s.split(' ');
}

/** Redis sdstrim(s, chars). */
export function trimChars(s: string, chars: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && chars.indexOf(s[a]) !== -1) a++;
  while (b > a && chars.indexOf(s[b - 1]) !== -1) b--;
  return s.slice(a, b);
}

/** strerror() texts for the errno codes Node reports on file operations. */
const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EISDIR: 'Is a directory',
  EEXIST: 'File exists',
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  EMFILE: 'Too many open files',
  EIO: 'Input/output error',
  EBUSY: 'Device or resource busy',
  EINVAL: 'Invalid argument',
  EDQUOT: 'Disk quota exceeded',
};
export function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code && STRERROR[code]) return STRERROR[code];
  return (e as Error | null)?.message ?? String(e);
}

/**
 * C strtod()-compatible check used by Redis string2d(): decimal or hex float, inf/infinity, nan;
 * no leading space, the whole string consumed. Returns null when Redis would reject it
 * (including NaN, which string2d rejects).
 */
export function string2d(s: string): number | null {
  if (s.length === 0 || isSpace(s.charCodeAt(0))) return null;
  let v: number;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) v = Number(s);
  else if (/^[+-]?inf(inity)?$/i.test(s)) v = s[0] === '-' ? -Infinity : Infinity;
  else if (/^[+-]?0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)([pP][+-]?\d+)?$/.test(s)) v = parseHexFloat(s);
  else return null;
  if (Number.isNaN(v)) return null;
  return v;
}
function parseHexFloat(s: string): number {
  let sign = 1;
  let i = 0;
  if (s[0] === '+' || s[0] === '-') {
    if (s[0] === '-') sign = -1;
    i = 1;
  }
  const body = s.slice(i + 2);
  const [mant, exp] = body.split(/[pP]/);
  const [ip, fp = ''] = mant.split('.');
  let v = ip ? parseInt(ip, 16) : 0;
  for (let k = 0; k < fp.length; k++) v += parseInt(fp[k], 16) / Math.pow(16, k + 1);
  return sign * v * Math.pow(2, exp ? Number(exp) : 0);
}

/** C printf("%f") followed by Redis trimDoubleString() (drops trailing zeros and a bare '.'). */
export function formatPercentile(d: number): string {
  let s = (Object.is(d, -0) ? '-' : '') + d.toFixed(6);
  if (s.indexOf('.') !== -1) {
    s = s.replace(/0+$/, '');
    if (s.endsWith('.')) s = s.slice(0, -1);
  }
  return s;
}

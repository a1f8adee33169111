// Number and string helpers with the exact semantics of the Redis C functions the config code uses
// (memtoull, sdssplitlen, sdstrim, strtod, ...). Values are 64-bit, so they are BigInt. The ones other
// concerns share live in src/util/ (string2ll and strtoll in strconv.ts, sdscatrepr in repr.ts).
import { LLONG_MAX, isSpace } from '../util/strconv';

/** Version string that config errors and CONFIG-related texts print ("Redis 7.0.15"). */
export const REDIS_VERSION = '7.0.15';

export const ULLONG_MAX = (1n << 64n) - 1n;
export const INT_MAX = 2147483647n;
export const INT_MIN = -2147483648n;
export const UINT_MAX = 4294967295n;
export const LONG_MAX = LLONG_MAX;
export const SSIZE_MAX = LLONG_MAX;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
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

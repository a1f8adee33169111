// Helpers shared by the string-family handlers: Redis' integer parsing (string2ll), the int-encoding rule
// for stored values, C-string keyword matching, the size limit and error texts not in protocol/errors.ts.
import type { Client } from '../../server/context';
import { error, E } from '../../protocol/errors';
import { constants as bufferConstants } from 'buffer';

/** proto-max-bulk-len: the largest string value (config module will drive it). */
export let maxBulkLen = 512 * 1024 * 1024;
export function setMaxBulkLen(n: number): void {
  maxBulkLen = n;
}

/**
 * V8 cannot hold strings longer than this (2^29-24 on 64-bit), a hair under the default 512 MiB
 * proto-max-bulk-len. Growing a value past it answers the proto-max-bulk-len error instead of throwing.
 */
export const V8_MAX_STRING = bufferConstants.MAX_STRING_LENGTH;

/** Error texts of the string/bit commands that protocol/errors.ts does not have. */
export const SE = {
  decrOverflow: 'ERR decrement would overflow',
  nanOrInf: 'ERR increment would produce NaN or Infinity',
  bitArg: 'ERR The bit argument must be 1 or 0.',
  bitopNot: 'ERR BITOP NOT must be called with a single source key.',
  lcsWrongType: 'ERR The specified keys must contain string values',
  lcsLenAndIdx: 'ERR If you want both the length and indexes, please just use IDX.',
  lcsTooLong: 'ERR String too long for LCS',
  lcsMemLimit: 'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len',
  lcsAllocFail: 'ERR Insufficient memory, failed allocating transient memory for LCS',
} as const;

export const MAX_SAFE = Number.MAX_SAFE_INTEGER;
export const LLONG_MAX = 9223372036854775807n;
export const LLONG_MIN = -9223372036854775808n;

/**
 * Redis' string2ll over the whole string: optional '-', no '+', no spaces, no leading zeros ("0" alone
 * is fine, "-0" is not), at most 20 chars, int64 range. Returns a number when the value is a safe
 * integer, a bigint for the rest of the int64 range, null when the text is not an integer.
 */
export function parseLL(s: string): number | bigint | null {
  const n = s.length;
  if (n === 0 || n >= 21) return null;
  let c = s.charCodeAt(0);
  let i = 0;
  let neg = false;
  if (c === 45) {
    if (n === 1) return null;
    neg = true;
    i = 1;
    c = s.charCodeAt(1);
  } else if (c === 48 && n === 1) {
    return 0;
  }
  if (c < 49 || c > 57) return null;
  let v = c - 48;
  for (i++; i < n; i++) {
    c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
    v = v * 10 + (c - 48);
  }
  // Exact while the true value stays <= 2^53-1; anything above rounds to >= 2^53.
  if (v <= MAX_SAFE) return neg ? -v : v;
  const b = BigInt(s);
  if (b > LLONG_MAX || b < LLONG_MIN) return null;
  return b;
}

/**
 * The canonical safe integer a string denotes (what Redis' tryObjectEncoding would turn into an int),
 * or NaN. No allocation.
 */
export function safeIntOf(s: string): number {
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
  if (v > MAX_SAFE) return NaN;
  return neg ? -v : v;
}

/** The stored form of a value given by a client (SET, MSET, APPEND on a new key...): Redis' int encoding. */
export function encodeValue(s: string): string | number {
  const n = s.length;
  if (n === 0 || n > 20) return s;
  const c = s.charCodeAt(0);
  if (c > 57 || (c < 48 && c !== 45)) return s;
  const v = safeIntOf(s);
  return v === v ? v : s;
}

/** Text of an int-encoded value or the string itself. */
export function strOf(v: string | number): string {
  return typeof v === 'number' ? String(v) : v;
}

/** Length of the decimal text of a safe integer, without building it. */
export function intTextLen(v: number): number {
  let n = 1;
  if (v < 0) {
    n = 2;
    v = -v;
  }
  while (v >= 10) {
    v = Math.floor(v / 10);
    n++;
  }
  return n;
}

/** Byte length of a string value (STRLEN, APPEND). */
export function valueLen(v: string | number): number {
  return typeof v === 'number' ? intTextLen(v) : v.length;
}

/**
 * A keyword argument as C's strcasecmp sees it: cut at the first NUL, lower-cased (ASCII letters only map
 * to ASCII letters in latin1, so toLowerCase is safe). Long strings are never keywords.
 */
export function kw(s: string): string {
  const z = s.indexOf('\0');
  if (z !== -1) s = s.slice(0, z);
  return s.length > 16 ? '' : s.toLowerCase();
}

/**
 * Redis' checkStringLength(size, append): replies the proto-max-bulk-len error and returns false when
 * the result would be too long.
 */
export function checkStringLength(c: Client, size: number | bigint, append: number): boolean {
  if (typeof size === 'bigint' || size + append > maxBulkLen || size + append > V8_MAX_STRING) {
    error(c, E.stringTooLong);
    return false;
  }
  return true;
}

/** Zero bytes, for growing values (SETRANGE/SETBIT). */
export function zeros(n: number): string {
  return n <= 0 ? '' : '\0'.repeat(n);
}

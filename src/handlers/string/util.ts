// Helpers shared by the string-family handlers: the int-encoding rule for stored values, C-string keyword
// matching, the size limit and error texts not in protocol/errors.ts. Integer parsing (Redis' string2ll)
// is util/strconv.ts.
import type { Client } from '../../server/context';
import { error, E } from '../../protocol/errors';
import { constants as bufferConstants } from 'buffer';
import { parseLL, safeIntOf } from '../../util/strconv';

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
 * Redis' getLongLongFromObjectOrReply: the int64 argument (a number when safe, else a bigint), or null
 * after replying the "not an integer" error.
 */
export function longLongOrReply(c: Client, s: string): number | bigint | null {
  const v = parseLL(s);
  if (v === null) error(c, E.notInt);
  return v;
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

/**
 * Redis' start/end normalisation of GETRANGE, BITCOUNT and BITPOS over `len` units: a negative index
 * counts from the end, then both are clamped into [0, len - 1]. start > end afterwards is an empty range.
 * (The "both negative and start > end" shortcut that GETRANGE and BITCOUNT take on the raw values is the
 * callers' business.) Magnitudes beyond 2^53 only ever clamp, so numbers suffice.
 */
export function clampRange(start: number, end: number, len: number): [number, number] {
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  return [start, end];
}

/** Zero bytes, for growing values (SETRANGE/SETBIT). */
export function zeros(n: number): string {
  return n <= 0 ? '' : '\0'.repeat(n);
}

// Shared parsing and reply helpers of the sorted set commands (Redis 7.0 t_zset.c, util.c):
// strtod-exact score parsing (string2d for scores, zslParseRange for score ranges), lex range items,
// error texts, and the score/element reply shapes of RESP2 and RESP3.
import type { Client } from '../../server/context';
import type { Value } from '../../keyspace/db';
import * as R from '../../protocol/reply';
import { error, E } from '../../protocol/errors';
import { parseLL, isSpace } from '../../util/strconv';
import { fmtScore } from '../../util/dtoa';
import { strtodPrefix } from '../../util/strtod';
export { fmtScore };
import { RZSet, LexBound, ScoreRange } from '../../keyspace/types/zset';

export const ZE = {
  minMaxFloat: 'ERR min or max is not a float',
  minMaxLex: 'ERR min or max not valid string range item',
  nan: 'ERR resulting score is not a number (NaN)',
  xxnx: 'ERR XX and NX options at the same time are not compatible',
  gtltnx: 'ERR GT, LT, and/or NX options at the same time are not compatible',
  incrPair: 'ERR INCR option supports a single increment-element pair',
  weight: 'ERR weight value is not a float',
  limitRank: 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX',
  withscoresLex: 'ERR syntax error, WITHSCORES not supported in combination with BYLEX',
  positive: 'ERR value is out of range, must be positive',
  limitNeg: "ERR LIMIT can't be negative",
  numkeys: 'ERR numkeys should be greater than 0',
  count: 'ERR count should be greater than 0',
  atLeastOne: (cmd: string) => `ERR at least 1 input key is needed for '${cmd}' command`,
} as const;

// ---- strtod ---------------------------------------------------------------------------------------

export { strtodPrefix } from '../../util/strtod';
export type { Strtod } from '../../util/strtod';

/**
 * Redis' string2d (getDoubleFromObject): the whole string must be a strtod number, with no leading
 * space, no overflow or underflow to zero, not NaN. Returns NaN when invalid.
 */
export function string2d(s: string): number {
  const n = s.length;
  if (n === 0) return NaN;
  const c = s.charCodeAt(0);
  // fast path: plain integers of up to 15 digits
  if (n <= 15 && ((c >= 48 && c <= 57) || c === 45)) {
    let i = c === 45 ? 1 : 0;
    if (i < n) {
      let v = 0;
      for (; i < n; i++) {
        const d = s.charCodeAt(i) - 48;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
      }
      if (i === n) return c === 45 ? -v : v;
    }
  }
  if (isSpace(c)) return NaN;
  const r = strtodPrefix(s, 0);
  if (r.end !== n || r.range) return NaN;
  return r.value;
}

/** getDoubleFromObjectOrReply: the value, or null after replying `msg` (default: not a valid float). */
export function doubleOrReply(c: Client, s: string, msg: string = E.notFloat): number | null {
  const v = string2d(s);
  if (v !== v) {
    error(c, msg);
    return null;
  }
  return v;
}

/** One zslParseRange item: strtod, then only the end of the C string may follow. NaN when invalid. */
function rangeItem(s: string, from: number): number {
  const r = strtodPrefix(s, from);
  // C checks eptr[0] != '\0': the end of the string or an embedded NUL byte end the number.
  if (r.end < s.length && s.charCodeAt(r.end) !== 0) return NaN;
  return r.value; // NaN input ("nan") stays NaN: rejected
}

/** zslParseRange: a score range from min/max arguments ("(" = exclusive), or null (min or max is not a float). */
export function parseScoreRange(min: string, max: string): ScoreRange | null {
  let minex = false;
  let maxex = false;
  let a: number;
  let b: number;
  if (min.charCodeAt(0) === 40) {
    minex = true;
    a = rangeItem(min, 1);
  } else a = rangeItem(min, 0);
  if (a !== a) return null;
  if (max.charCodeAt(0) === 40) {
    maxex = true;
    b = rangeItem(max, 1);
  } else b = rangeItem(max, 0);
  if (b !== b) return null;
  return { min: a, max: b, minex, maxex };
}

/** zslParseLexRangeItem, or null. */
function lexItem(s: string): LexBound | null {
  switch (s.charCodeAt(0)) {
    case 43: // '+'
      if (s.length > 1 && s.charCodeAt(1) !== 0) return null;
      return { kind: 1, s: '', ex: true };
    case 45: // '-'
      if (s.length > 1 && s.charCodeAt(1) !== 0) return null;
      return { kind: -1, s: '', ex: true };
    case 40: // '('
      return { kind: 0, s: s.slice(1), ex: true };
    case 91: // '['
      return { kind: 0, s: s.slice(1), ex: false };
    default:
      return null;
  }
}

/** zslParseLexRange, or null (min or max not valid string range item). */
export function parseLexRange(min: string, max: string): { min: LexBound; max: LexBound } | null {
  const a = lexItem(min);
  if (a === null) return null;
  const b = lexItem(max);
  if (b === null) return null;
  return { min: a, max: b };
}

// ---- integers ------------------------------------------------------------------------------------

/** getLongFromObjectOrReply: an int64 as a number (rounded beyond 2^53), or null after the error. */
export function longOrReply(c: Client, s: string): number | null {
  const v = parseLL(s);
  if (v === null) {
    error(c, E.notInt);
    return null;
  }
  return typeof v === 'number' ? v : Number(v);
}

/** getPositiveLongFromObjectOrReply. */
export function positiveLongOrReply(c: Client, s: string, msg: string = ZE.positive): number | null {
  return rangeLongOrReply(c, s, 0, msg);
}

/**
 * getRangeLongFromObjectOrReply(min, LONG_MAX) with a message: the message also answers a value that is
 * not an integer at all (Redis passes it down to getLongFromObjectOrReply).
 */
export function rangeLongOrReply(c: Client, s: string, min: number, msg: string): number | null {
  const p = parseLL(s);
  if (p === null) {
    error(c, msg);
    return null;
  }
  const v = typeof p === 'number' ? p : Number(p);
  if (v < min) {
    error(c, msg);
    return null;
  }
  return v;
}


// ---- keywords -------------------------------------------------------------------------------------

/** strcasecmp(arg, word) == 0 for a lower-case ASCII word: C string compare (stops at NUL). */
export function isKw(arg: string, word: string): boolean {
  const n = word.length;
  if (arg.length < n) return false;
  if (arg.length > n && arg.charCodeAt(n) !== 0) return false;
  for (let i = 0; i < n; i++) if ((arg.charCodeAt(i) | 0x20) !== word.charCodeAt(i)) return false;
  return true;
}

// ---- lookups --------------------------------------------------------------------------------------

/** A keyspace value as a sorted set: the set, undefined when missing, or null after a WRONGTYPE reply. */
export function asZset(c: Client, v: Value | undefined): RZSet | undefined | null {
  if (v === undefined) return undefined;
  if (v instanceof RZSet) return v;
  error(c, E.wrongType);
  return null;
}

// ---- replies --------------------------------------------------------------------------------------

/** addReplyDouble: RESP3 double, RESP2 bulk string, Redis' %.17g text. */
export function replyScore(c: Client, d: number): void {
  const s = fmtScore(d);
  if (c.resp === 3) R.raw(c, ',' + s + '\r\n');
  else R.bulk(c, s);
}

/**
 * n bulk strings (latin1), the bulk of ZRANGE-style replies: written in one pass straight into the
 * reply buffer when it has room (one capacity check instead of one per element), else via R.bulk.
 */
export function replyBulks(c: Client, keys: readonly string[], n: number): void {
  const b = c.out;
  if (b !== null && !c.mute) {
    let need = 0;
    for (let i = 0; i < n; i++) need += keys[i].length + 16;
    let p = c.opos;
    if (p + need <= b.length) {
      for (let i = 0; i < n; i++) {
        const k = keys[i];
        const len = k.length;
        b[p++] = 36; // '$'
        if (len < 10) b[p++] = 48 + len;
        else if (len < 100) {
          b[p++] = 48 + ((len / 10) | 0);
          b[p++] = 48 + (len % 10);
        } else {
          const l = String(len);
          for (let j = 0; j < l.length; j++) b[p++] = l.charCodeAt(j);
        }
        b[p++] = 13;
        b[p++] = 10;
        if (len < 48) for (let j = 0; j < len; j++) b[p++] = k.charCodeAt(j);
        else p += b.latin1Write(k, p, len);
        b[p++] = 13;
        b[p++] = 10;
      }
      c.opos = p;
      return;
    }
  }
  for (let i = 0; i < n; i++) R.bulk(c, keys[i]);
}

/**
 * Elements as ZRANGE & co. reply them: RESP2 a flat array (member [score] ...), RESP3 with scores an
 * array of [member, score] pairs.
 */
export function replyElements(c: Client, keys: readonly string[], scores: readonly number[], n: number, withscores: boolean): void {
  if (!withscores) {
    R.arrayLen(c, n);
    replyBulks(c, keys, n);
    return;
  }
  const r3 = c.resp === 3;
  R.arrayLen(c, r3 ? n : n * 2);
  for (let i = 0; i < n; i++) {
    if (r3) R.arrayLen(c, 2);
    R.bulk(c, keys[i]);
    replyScore(c, scores[i]);
  }
}

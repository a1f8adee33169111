// Sorted set commands on single members (Redis 7.0 t_zset.c): ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE
// ZRANK ZREVRANK ZCOUNT ZLEXCOUNT ZRANDMEMBER ZSCAN.
import type { Client, Handler } from '../../server/context';
import * as R from '../../protocol/reply';
import { error, E } from '../../protocol/errors';
import { RZSet, ZSET_FULL_ERROR } from '../../keyspace/types/zset';
import { scanStep, parseCursor } from '../../keyspace/scan';
import { stringmatch } from '../../util/glob';
import { signalKeyAsReady } from '../../server/blocking';
import { ZE, string2d, asZset, isKw, longOrReply, parseScoreRange, parseLexRange, replyScore, fmtScore } from './util';
import { parseLL } from '../../util/strconv';
import { addDirty } from '../../keyspace/db';

// ---- ZADD / ZINCRBY ----

const F_INCR = 1;
const F_NX = 2;
const F_XX = 4;
const F_GT = 8;
const F_LT = 16;
const F_CH = 32;

/** Which ZADD option `a` is (strcasecmp), 0 if none. */
function zaddOption(a: string): number {
  const n = a.length;
  if (n < 2) return 0;
  const c0 = a.charCodeAt(0) | 0x20;
  // Scores start with a digit, sign, '.', 'i'(nf) or 'n'(an): rule most of them out cheaply.
  if (c0 !== 110 && c0 !== 120 && c0 !== 99 && c0 !== 105 && c0 !== 103 && c0 !== 108) return 0;
  if (isKw(a, 'nx')) return F_NX;
  if (isKw(a, 'xx')) return F_XX;
  if (isKw(a, 'ch')) return F_CH;
  if (isKw(a, 'incr')) return F_INCR;
  if (isKw(a, 'gt')) return F_GT;
  if (isKw(a, 'lt')) return F_LT;
  return 0;
}

// Scores of the current command (reused).
let scoreBuf: number[] = [];

function zaddGeneric(c: Client, argv: string[], flags: number): void {
  const argc = argv.length;
  let scoreidx = 2;
  while (scoreidx < argc) {
    const f = zaddOption(argv[scoreidx]);
    if (f === 0) break;
    flags |= f;
    scoreidx++;
  }
  const incr = (flags & F_INCR) !== 0;
  const nx = (flags & F_NX) !== 0;
  const xx = (flags & F_XX) !== 0;
  const gt = (flags & F_GT) !== 0;
  const lt = (flags & F_LT) !== 0;
  const ch = (flags & F_CH) !== 0;

  let elements = argc - scoreidx;
  if (elements % 2 !== 0 || elements === 0) {
    error(c, E.syntax);
    return;
  }
  elements /= 2;
  if (nx && xx) {
    error(c, ZE.xxnx);
    return;
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    error(c, ZE.gtltnx);
    return;
  }
  if (incr && elements > 1) {
    error(c, ZE.incrPair);
    return;
  }
  if (scoreBuf.length < elements) scoreBuf = new Array(elements).fill(0);
  const scores = scoreBuf;
  for (let j = 0; j < elements; j++) {
    const v = string2d(argv[scoreidx + j * 2]);
    if (v !== v) {
      error(c, E.notFloat);
      return;
    }
    scores[j] = v;
  }

  const db = c.db;
  const key = argv[1];
  const v = db.getForWrite(key);
  let z: RZSet;
  let created = false;
  if (v === undefined) {
    if (xx) {
      if (incr) R.nullBulk(c);
      else R.int(c, 0);
      return;
    }
    z = new RZSet();
    created = true;
  } else if (v instanceof RZSet) {
    z = v;
  } else {
    error(c, E.wrongType);
    return;
  }

  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  let nanError = false;
  let fullError = false;
  for (let j = 0; j < elements; j++) {
    const ele = argv[scoreidx + 1 + j * 2];
    let s = scores[j];
    const cur = z.score(ele);
    if (cur !== undefined) {
      if (nx) continue;
      if (incr) {
        s += cur;
        if (s !== s) {
          nanError = true;
          break;
        }
      }
      if ((lt && s >= cur) || (gt && s <= cur)) continue;
      score = s;
      processed++;
      if (s !== cur) {
        z.updateScore(ele, cur, s);
        updated++;
      }
    } else if (!xx) {
      if (!z.insertNew(ele, s)) {
        fullError = true;
        break;
      }
      score = s;
      processed++;
      added++;
    }
  }
  if (created) {
    if (z.size !== 0) {
      db.set(key, z);
      signalKeyAsReady(db, key);
    }
  } else if (added !== 0 || updated !== 0) {
    db.update(key, z);
  }
  if (added + updated > 1) addDirty(added + updated - 1); // Redis counts each member added or updated
  if (nanError || fullError) {
    error(c, nanError ? ZE.nan : ZSET_FULL_ERROR);
    return;
  }
  if (incr) {
    if (processed !== 0) replyScore(c, score);
    else R.nullBulk(c);
  } else {
    R.int(c, ch ? added + updated : added);
  }
}

function zaddCommand(c: Client, argv: string[]): void {
  zaddGeneric(c, argv, 0);
}
function zincrbyCommand(c: Client, argv: string[]): void {
  zaddGeneric(c, argv, F_INCR);
}

// ---- ZREM / ZCARD / ZSCORE / ZMSCORE / ZRANK ----

function zremCommand(c: Client, argv: string[]): void {
  const db = c.db;
  const key = argv[1];
  const z = asZset(c, db.getForWrite(key));
  if (z === null) return;
  if (z === undefined) {
    R.int(c, 0);
    return;
  }
  let deleted = 0;
  let removed = false;
  for (let j = 2; j < argv.length; j++) {
    if (z.delete(argv[j])) deleted++;
    if (z.size === 0) {
      db.delete(key);
      removed = true;
      break;
    }
  }
  if (deleted !== 0 && !removed) db.update(key, z);
  if (deleted > 1) addDirty(deleted - 1); // Redis counts each member removed
  R.int(c, deleted);
}

function zcardCommand(c: Client, argv: string[]): void {
  const z = asZset(c, c.db.get(argv[1]));
  if (z === null) return;
  R.int(c, z === undefined ? 0 : z.size);
}

function zscoreCommand(c: Client, argv: string[]): void {
  const z = asZset(c, c.db.get(argv[1]));
  if (z === null) return;
  const s = z === undefined ? undefined : z.score(argv[2]);
  if (s === undefined) R.nullBulk(c);
  else replyScore(c, s);
}

function zmscoreCommand(c: Client, argv: string[]): void {
  const z = asZset(c, c.db.get(argv[1]));
  if (z === null) return;
  R.arrayLen(c, argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const s = z === undefined ? undefined : z.score(argv[j]);
    if (s === undefined) R.nullBulk(c);
    else replyScore(c, s);
  }
}

/** ZRANK/ZREVRANK key member [WITHSCORE] (WITHSCORE as Redis 7.2 has it; 7.0's arity is 3). */
function zrankGeneric(c: Client, argv: string[], reverse: boolean): void {
  if (argv.length > 4) {
    error(c, E.wrongArity(argv[0].toLowerCase()));
    return;
  }
  let withscore = false;
  if (argv.length > 3) {
    if (isKw(argv[3], 'withscore')) withscore = true;
    else {
      error(c, E.syntax);
      return;
    }
  }
  const z = asZset(c, c.db.get(argv[1]));
  if (z === null) return;
  const rank = z === undefined ? -1 : z.rank(argv[2]);
  if (rank < 0) {
    if (withscore) R.nullArray(c);
    else R.nullBulk(c);
    return;
  }
  const r = reverse ? z!.size - 1 - rank : rank;
  if (withscore) {
    R.arrayLen(c, 2);
    R.int(c, r);
    replyScore(c, z!.score(argv[2])!);
  } else R.int(c, r);
}

function zrankCommand(c: Client, argv: string[]): void {
  zrankGeneric(c, argv, false);
}
function zrevrankCommand(c: Client, argv: string[]): void {
  zrankGeneric(c, argv, true);
}

// ---- ZCOUNT / ZLEXCOUNT ----

function zcountCommand(c: Client, argv: string[]): void {
  const range = parseScoreRange(argv[2], argv[3]);
  if (range === null) {
    error(c, ZE.minMaxFloat);
    return;
  }
  const z = asZset(c, c.db.get(argv[1]));
  if (z === null) return;
  R.int(c, z === undefined ? 0 : z.countInScore(range));
}

function zlexcountCommand(c: Client, argv: string[]): void {
  const range = parseLexRange(argv[2], argv[3]);
  if (range === null) {
    error(c, ZE.minMaxLex);
    return;
  }
  const z = asZset(c, c.db.get(argv[1]));
  if (z === null) return;
  if (z === undefined) {
    R.int(c, 0);
    return;
  }
  const first = z.firstInLex(range.min, range.max);
  if (first.leaf === null) {
    R.int(c, 0);
    return;
  }
  if (z.dict === null) {
    // listpack: count forward from the first element while <= max (zzl* scan)
    let n = 0;
    const rr = { max: range.max };
    for (const it = first; it.leaf !== null; it.next()) {
      const k = it.key;
      const cmp = range.max.kind === 1 ? -1 : range.max.kind === -1 ? 1 : k < rr.max.s ? -1 : k > rr.max.s ? 1 : 0;
      if (range.max.ex ? cmp >= 0 : cmp > 0) break;
      n++;
    }
    R.int(c, n);
    return;
  }
  // skiplist: rank arithmetic (zslGetRank of the first and last elements in range)
  const len = z.size;
  const r1 = z.rankOfIter(first) + 1;
  let count = len - (r1 - 1);
  const last = z.lastInLex(range.min, range.max);
  if (last.leaf !== null) {
    const r2 = z.rankOfIter(last) + 1;
    count -= len - r2;
  }
  R.int(c, count);
}

// ---- ZRANDMEMBER ----

/** Uniform random integer in [0, n). */
function rnd(n: number): number {
  return Math.floor(Math.random() * n);
}

/** A random element (rank order access: O(log n)). */
function randomAt(z: RZSet): [string, number] {
  const it = z.atRank(rnd(z.size));
  return [it.key, it.score];
}

const RANDOM_SAMPLE_LIMIT = 1000;
const SUB_STRATEGY_MUL = 3;

function zrandmemberCommand(c: Client, argv: string[]): void {
  if (argv.length >= 3) {
    // getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX), then the 7.0.15 overflow guard for WITHSCORES
    const lv = parseLL(argv[2]);
    if (lv === null) {
      error(c, E.notInt);
      return;
    }
    if (lv === -9223372036854775808n) {
      error(c, 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
      return;
    }
    let withscores = false;
    if (argv.length > 4 || (argv.length === 4 && !isKw(argv[3], 'withscores'))) {
      error(c, E.syntax);
      return;
    } else if (argv.length === 4) withscores = true;
    if (withscores && (BigInt(lv) < -4611686018427387903n || BigInt(lv) > 4611686018427387903n)) {
      error(c, 'ERR value is out of range');
      return;
    }
    const l = typeof lv === 'number' ? lv : Number(lv);
    zrandmemberWithCount(c, argv[1], l, withscores);
    return;
  }
  const z = asZset(c, c.db.get(argv[1]));
  if (z === null) return;
  if (z === undefined) {
    R.nullBulk(c);
    return;
  }
  R.bulk(c, randomAt(z)[0]);
}

function zrandmemberWithCount(c: Client, key: string, l: number, withscores: boolean): void {
  const z = asZset(c, c.db.get(key));
  if (z === null) return;
  if (z === undefined) {
    R.emptyArray(c);
    return;
  }
  const size = z.size;
  let count: number;
  let uniq = true;
  if (l >= 0) count = l;
  else {
    count = -l;
    uniq = false;
  }
  if (count === 0) {
    R.emptyArray(c);
    return;
  }
  const r3 = c.resp === 3;
  const emit = (k: string, s: number): void => {
    if (withscores && r3) R.arrayLen(c, 2);
    R.bulk(c, k);
    if (withscores) replyScore(c, s);
  };
  // CASE 1: negative count (repetitions allowed), or a single element.
  if (!uniq || count === 1) {
    R.arrayLen(c, withscores && !r3 ? count * 2 : count);
    while (count > 0) {
      const batch = count > RANDOM_SAMPLE_LIMIT ? RANDOM_SAMPLE_LIMIT : count;
      count -= batch;
      for (let i = 0; i < batch; i++) {
        const [k, s] = randomAt(z);
        emit(k, s);
      }
    }
    return;
  }
  const replySize = count < size ? count : size;
  R.arrayLen(c, withscores && !r3 ? replySize * 2 : replySize);
  // CASE 2: the whole set, in Redis' iteration order (from the highest element down).
  if (count >= size) {
    z.forEach((k, s) => {
      emit(k, s);
    }, true);
    return;
  }
  // CASE 3: count close to the size: copy, then remove random elements.
  if (count * SUB_STRATEGY_MUL > size) {
    const keys: string[] = new Array(size);
    const scores: number[] = new Array(size);
    let i = 0;
    z.forEach((k, s) => {
      keys[i] = k;
      scores[i++] = s;
    }, true);
    let n = size;
    while (n > count) {
      const j = rnd(n);
      n--;
      keys[j] = keys[n];
      scores[j] = scores[n];
    }
    for (let j = 0; j < n; j++) emit(keys[j], scores[j]);
    return;
  }
  // CASE 4: sample distinct random elements.
  const seen = new Set<string>();
  while (seen.size < count) {
    const [k, s] = randomAt(z);
    if (seen.has(k)) continue;
    seen.add(k);
    emit(k, s);
  }
}

// ---- ZSCAN ----

const EMPTY_SCAN = '*2\r\n$1\r\n0\r\n*0\r\n';

/**
 * Redis 7.0 d2string(): a score as ZSCAN shows it (and as a listpack stores it): integers up to 2^62
 * plainly, "-0" for negative zero, %.17g otherwise.
 */
export function d2string(d: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  if (Number.isInteger(d) && d >= -4611686018427387904 && d <= 4611686018427387904) {
    return d > -1e21 && d < 1e21 ? d.toFixed(0) : BigInt(d).toString();
  }
  return fmtScore(d);
}

function zscanCommand(c: Client, argv: string[]): void {
  const cursor = parseCursor(argv[2]);
  if (cursor === null) {
    error(c, 'ERR invalid cursor');
    return;
  }
  const z = asZset(c, c.db.get(argv[1]));
  if (z === null) return;
  if (z === undefined) {
    R.raw(c, EMPTY_SCAN);
    return;
  }
  let count = 10;
  let pat: string | null = null;
  for (let i = 3; i < argv.length; ) {
    const left = argv.length - i;
    if (isKw(argv[i], 'count') && left >= 2) {
      const n = longOrReply(c, argv[i + 1]);
      if (n === null) return;
      if (n < 1) {
        error(c, E.syntax);
        return;
      }
      count = n;
      i += 2;
    } else if (isKw(argv[i], 'match') && left >= 2) {
      const p = argv[i + 1];
      pat = p === '*' ? null : p;
      i += 2;
    } else {
      error(c, E.syntax);
      return;
    }
  }
  const items: string[] = [];
  let next = 0;
  if (z.dict === null) {
    z.forEach((k, s) => {
      if (pat === null || stringmatch(pat, k, false)) items.push(k, d2string(s));
    });
  } else {
    const dict = z.dict;
    next = scanStep(z, dict, cursor, count, (k) => {
      if (pat !== null && !stringmatch(pat, k, false)) return;
      items.push(k, d2string(dict.get(k)!));
    });
  }
  R.arrayLen(c, 2);
  R.bulk(c, String(next));
  R.bulkArray(c, items);
}

export const commands: Record<string, Handler> = {
  zadd: zaddCommand,
  zincrby: zincrbyCommand,
  zrem: zremCommand,
  zcard: zcardCommand,
  zscore: zscoreCommand,
  zmscore: zmscoreCommand,
  zrank: zrankCommand,
  zrevrank: zrevrankCommand,
  zcount: zcountCommand,
  zlexcount: zlexcountCommand,
  zrandmember: zrandmemberCommand,
  zscan: zscanCommand,
};

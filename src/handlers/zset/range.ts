// Range commands (Redis 7.0 zrangeGenericCommand and friends): ZRANGE (BYSCORE/BYLEX/REV/LIMIT/
// WITHSCORES), ZRANGESTORE, ZREVRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX,
// ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX.
import type { Client, Handler } from '../../server/context';
import * as R from '../../protocol/reply';
import { error, E } from '../../protocol/errors';
import { RZSet, ZIter, Leaf, LexBound, ScoreRange, lexGteMin, scoreGteMin, scoreLteMax } from '../../keyspace/types/zset';
import { signalKeyAsReady } from '../../server/blocking';
import { addDirty } from '../../keyspace/db';
import { ZE, asZset, isKw, longOrReply, parseScoreRange, parseLexRange, replyElements, replyBulks } from './util';

const T_AUTO = 0;
const T_RANK = 1;
const T_SCORE = 2;
const T_LEX = 3;
const D_AUTO = 0;
const D_FORWARD = 1;
const D_REVERSE = 2;

// Elements of the current range (reused between calls; a range never nests).
let outKeys: string[] = [];
let outScores: number[] = [];
let outN = 0;

function push(k: string, s: number): void {
  outKeys[outN] = k;
  outScores[outN++] = s;
}
/** Drops references to members once replied (the buffers may be large). */
function release(): void {
  if (outKeys.length > 4096) {
    outKeys = [];
    outScores = [];
  } else {
    for (let i = 0; i < outN; i++) outKeys[i] = '';
  }
  outN = 0;
}

/** Collects a rank range (genericZrangebyrankCommand's sanitizing). */
function collectRank(z: RZSet, start: number, end: number, reverse: boolean): void {
  const llen = z.size;
  if (start < 0) start = llen + start;
  if (end < 0) end = llen + end;
  if (start < 0) start = 0;
  if (start > end || start >= llen) return;
  if (end >= llen) end = llen - 1;
  let n = end - start + 1;
  const it = z.atRank(reverse ? llen - 1 - start : start);
  while (n-- > 0 && it.leaf !== null) {
    push(it.key, it.score);
    if (reverse) it.prev();
    else it.next();
  }
}

/** Moves `it` by `offset` steps (forward, or backward when reverse) without range checks. */
function skip(z: RZSet, it: ZIter, offset: number, reverse: boolean): void {
  if (offset <= 0 || it.leaf === null) return;
  if (offset < 64) {
    while (offset-- > 0 && it.leaf !== null) {
      if (reverse) it.prev();
      else it.next();
    }
    return;
  }
  const r = z.rankOfIter(it) + (reverse ? -offset : offset);
  if (r < 0 || r >= z.size) {
    it.leaf = null;
    return;
  }
  const j = z.atRank(r);
  it.leaf = j.leaf;
  it.idx = j.idx;
}

function collectScore(z: RZSet, range: ScoreRange, offset: number, limit: number, reverse: boolean): void {
  if (offset > 0 && offset >= z.size) return;
  if (offset < 0) return; // Redis' `while (ln && offset--)` walks off the end
  const it = reverse ? z.lastInScore(range) : z.firstInScore(range);
  skip(z, it, offset, reverse);
  while (it.leaf !== null && limit-- !== 0) {
    const s = it.score;
    if (reverse ? !scoreGteMin(s, range) : !scoreLteMax(s, range)) break;
    push(it.key, s);
    if (reverse) it.prev();
    else it.next();
  }
}

/** collectLex forward on a skiplist-encoded set: rank bounds from two seeks, then a plain copy. */
function collectLexSorted(z: RZSet, range: { min: LexBound; max: LexBound }, offset: number, limit: number): void {
  const rr = z.lexRankRange(range.min, range.max);
  if (rr === null) return;
  let n = rr.end - rr.start - offset;
  if (limit >= 0 && limit < n) n = limit;
  if (n <= 0) return;
  let leaf: Leaf | null = rr.it.leaf;
  let i = rr.it.idx;
  if (offset > 0) {
    const j = z.atRank(rr.start + offset);
    leaf = j.leaf;
    i = j.idx;
  }
  while (n-- > 0 && leaf !== null) {
    const keys = leaf.keys;
    outKeys[outN] = keys[i];
    outScores[outN++] = leaf.scores[i];
    if (++i >= keys.length) {
      leaf = leaf.next;
      i = 0;
    }
  }
}

function collectLex(z: RZSet, range: { min: LexBound; max: LexBound }, offset: number, limit: number, reverse: boolean): void {
  if (offset < 0) return;
  if (!reverse && z.dict !== null) {
    collectLexSorted(z, range, offset, limit);
    return;
  }
  const it = reverse ? z.lastInLex(range.min, range.max) : z.firstInLex(range.min, range.max);
  skip(z, it, offset, reverse);
  if (reverse) {
    while (it.leaf !== null && limit-- !== 0) {
      const k = it.key;
      if (!lexGteMin(k, range)) break;
      push(k, it.score);
      it.prev();
    }
    return;
  }
  // forward walk over the leaf arrays, checking max on each element (listpack: Redis' linear scan)
  let leaf: Leaf | null = it.leaf;
  let i = it.idx;
  const max = range.max;
  const kind = max.kind;
  const ms = max.s;
  const ex = max.ex;
  if (kind === -1) return; // nothing is <= "-"
  while (leaf !== null && limit-- !== 0) {
    const keys = leaf.keys;
    const k = keys[i];
    if (kind === 0 && (ex ? k >= ms : k > ms)) break;
    outKeys[outN] = k;
    outScores[outN++] = leaf.scores[i];
    if (++i >= keys.length) {
      leaf = leaf.next;
      i = 0;
    }
  }
}

/**
 * zrangeGenericCommand: `<src> <min> <max> [BYSCORE|BYLEX] [REV] [WITHSCORES] [LIMIT offset count]`
 * from argv[start]; `dst` set for ZRANGESTORE.
 */
function zrangeGeneric(c: Client, argv: string[], start: number, dst: string | null, rangetype: number, direction: number): void {
  const store = dst !== null;
  const key = argv[start];
  let minidx = start + 1;
  let maxidx = start + 2;
  let withscores = false;
  let offset = 0;
  let limit = -1;
  const argc = argv.length;
  for (let j = start + 3; j < argc; j++) {
    const leftargs = argc - j - 1;
    const a = argv[j];
    if (!store && isKw(a, 'withscores')) withscores = true;
    else if (isKw(a, 'limit') && leftargs >= 2) {
      const o = longOrReply(c, argv[j + 1]);
      if (o === null) return;
      const l = longOrReply(c, argv[j + 2]);
      if (l === null) return;
      offset = o;
      limit = l;
      j += 2;
    } else if (direction === D_AUTO && isKw(a, 'rev')) direction = D_REVERSE;
    else if (rangetype === T_AUTO && isKw(a, 'bylex')) rangetype = T_LEX;
    else if (rangetype === T_AUTO && isKw(a, 'byscore')) rangetype = T_SCORE;
    else {
      error(c, E.syntax);
      return;
    }
  }
  if (direction === D_AUTO) direction = D_FORWARD;
  if (rangetype === T_AUTO) rangetype = T_RANK;
  if (limit !== -1 && rangetype === T_RANK) {
    error(c, ZE.limitRank);
    return;
  }
  if (withscores && rangetype === T_LEX) {
    error(c, ZE.withscoresLex);
    return;
  }
  const reverse = direction === D_REVERSE;
  if (reverse && (rangetype === T_SCORE || rangetype === T_LEX)) {
    const t = maxidx;
    maxidx = minidx;
    minidx = t;
  }
  let rs = 0;
  let re = 0;
  let srange: ScoreRange | null = null;
  let lrange: { min: LexBound; max: LexBound } | null = null;
  if (rangetype === T_RANK) {
    const a = longOrReply(c, argv[minidx]);
    if (a === null) return;
    const b = longOrReply(c, argv[maxidx]);
    if (b === null) return;
    rs = a;
    re = b;
  } else if (rangetype === T_SCORE) {
    srange = parseScoreRange(argv[minidx], argv[maxidx]);
    if (srange === null) {
      error(c, ZE.minMaxFloat);
      return;
    }
  } else {
    lrange = parseLexRange(argv[minidx], argv[maxidx]);
    if (lrange === null) {
      error(c, ZE.minMaxLex);
      return;
    }
  }

  const z = asZset(c, c.db.get(key));
  if (z === null) return;
  if (z === undefined) {
    if (store) storeResult(c, dst!, false);
    else R.emptyArray(c);
    return;
  }
  outN = 0;
  if (rangetype === T_RANK) collectRank(z, rs, re, reverse);
  else if (rangetype === T_SCORE) collectScore(z, srange!, offset, limit, reverse);
  else collectLex(z, lrange!, offset, limit, reverse);
  if (store) storeResult(c, dst!, reverse);
  else replyElements(c, outKeys, outScores, outN, withscores);
  release();
}

/** ZRANGESTORE's result: the collected elements become `dst` (deleted when there are none). */
function storeResult(c: Client, dst: string, reverse: boolean): void {
  const db = c.db;
  const n = outN;
  if (n === 0) {
    R.int(c, 0);
    db.delete(dst);
    return;
  }
  const keys = outKeys.slice(0, n);
  const scores = outScores.slice(0, n);
  if (reverse) {
    keys.reverse();
    scores.reverse();
  }
  const z = RZSet.fromSorted(keys, scores);
  const existed = db.has(dst);
  db.set(dst, z);
  if (!existed) signalKeyAsReady(db, dst);
  R.int(c, n);
}

function zrangeCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, T_AUTO, D_AUTO);
}
function zrangestoreCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 2, argv[1], T_AUTO, D_AUTO);
}
function zrevrangeCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, T_RANK, D_REVERSE);
}
function zrangebyscoreCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, T_SCORE, D_FORWARD);
}
function zrevrangebyscoreCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, T_SCORE, D_REVERSE);
}
function zrevrangebylexCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, T_LEX, D_REVERSE);
}

/**
 * ZRANGEBYLEX key min max [LIMIT offset count]: the hot path (perf.md's range load) skips the generic
 * option loop for the common shapes; every other shape goes through zrangeGeneric.
 */
function zrangebylexCommand(c: Client, argv: string[]): void {
  const argc = argv.length;
  if (argc !== 4 && !(argc === 7 && isKw(argv[4], 'limit'))) {
    zrangeGeneric(c, argv, 1, null, T_LEX, D_FORWARD);
    return;
  }
  let offset = 0;
  let limit = -1;
  if (argc === 7) {
    const o = longOrReply(c, argv[5]);
    if (o === null) return;
    const l = longOrReply(c, argv[6]);
    if (l === null) return;
    offset = o;
    limit = l;
  }
  const range = parseLexRange(argv[2], argv[3]);
  if (range === null) {
    error(c, ZE.minMaxLex);
    return;
  }
  const z = asZset(c, c.db.get(argv[1]));
  if (z === null) return;
  if (z === undefined) {
    R.emptyArray(c);
    return;
  }
  outN = 0;
  collectLex(z, range, offset, limit, false);
  R.arrayLen(c, outN);
  replyBulks(c, outKeys, outN);
  release();
}

// ---- ZREMRANGEBY* ----

function zremrangeGeneric(c: Client, argv: string[], rangetype: number): void {
  let start = 0;
  let end = 0;
  let srange: ScoreRange | null = null;
  let lrange: { min: LexBound; max: LexBound } | null = null;
  if (rangetype === T_RANK) {
    const a = longOrReply(c, argv[2]);
    if (a === null) return;
    const b = longOrReply(c, argv[3]);
    if (b === null) return;
    start = a;
    end = b;
  } else if (rangetype === T_SCORE) {
    srange = parseScoreRange(argv[2], argv[3]);
    if (srange === null) {
      error(c, ZE.minMaxFloat);
      return;
    }
  } else {
    lrange = parseLexRange(argv[2], argv[3]);
    if (lrange === null) {
      error(c, ZE.minMaxLex);
      return;
    }
  }
  const db = c.db;
  const key = argv[1];
  const z = asZset(c, db.getForWrite(key));
  if (z === null) return;
  if (z === undefined) {
    R.int(c, 0);
    return;
  }
  outN = 0;
  if (rangetype === T_RANK) {
    const llen = z.size;
    if (start < 0) start = llen + start;
    if (end < 0) end = llen + end;
    if (start < 0) start = 0;
    if (start > end || start >= llen) {
      R.int(c, 0);
      return;
    }
    if (end >= llen) end = llen - 1;
    collectRank(z, start, end, false);
  } else if (rangetype === T_SCORE) {
    // zslDeleteRangeByScore: from the first element >= min (> min), while <= max (< max)
    const r = srange!;
    const it = z.firstInScore({ min: r.min, max: Infinity, minex: r.minex, maxex: false });
    while (it.leaf !== null && scoreLteMax(it.score, r)) {
      push(it.key, it.score);
      it.next();
    }
  } else {
    collectLex(z, lrange!, 0, -1, false);
  }
  const deleted = outN;
  if (deleted === z.size) {
    db.delete(key);
  } else if (deleted !== 0) {
    for (let i = 0; i < deleted; i++) z.deleteElement(outKeys[i], outScores[i]);
    db.update(key, z);
  }
  if (deleted > 1) addDirty(deleted - 1); // Redis counts each member removed
  release();
  R.int(c, deleted);
}

function zremrangebyrankCommand(c: Client, argv: string[]): void {
  zremrangeGeneric(c, argv, T_RANK);
}
function zremrangebyscoreCommand(c: Client, argv: string[]): void {
  zremrangeGeneric(c, argv, T_SCORE);
}
function zremrangebylexCommand(c: Client, argv: string[]): void {
  zremrangeGeneric(c, argv, T_LEX);
}

export const commands: Record<string, Handler> = {
  zrange: zrangeCommand,
  zrangestore: zrangestoreCommand,
  zrevrange: zrevrangeCommand,
  zrangebyscore: zrangebyscoreCommand,
  zrevrangebyscore: zrevrangebyscoreCommand,
  zrangebylex: zrangebylexCommand,
  zrevrangebylex: zrevrangebylexCommand,
  zremrangebyrank: zremrangebyrankCommand,
  zremrangebyscore: zremrangebyscoreCommand,
  zremrangebylex: zremrangebylexCommand,
};

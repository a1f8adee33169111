// ZUNION ZINTER ZDIFF, their STORE forms, and ZINTERCARD (Redis 7.0 zunionInterDiffGenericCommand).
// Inputs may be sorted sets or plain sets (every member of a set scores 1).
import type { Client, Handler } from '../../server/context';
import type { Value } from '../../keyspace/db';
import * as R from '../../protocol/reply';
import { error, E } from '../../protocol/errors';
import { RZSet, ZSET_FULL_ERROR } from '../../keyspace/types/zset';
import { signalKeyAsReady } from '../../server/blocking';
import { ZE, isKw, longOrReply, positiveLongOrReply, string2d, replyElements } from './util';

/** What the set type offers (src/keyspace/types/set.ts). */
interface SetLike {
  readonly type: string;
  readonly size: number;
  has(m: string): boolean;
  members(): Iterable<string>;
}

const OP_UNION = 0;
const OP_INTER = 1;
const OP_DIFF = 2;
const AGG_SUM = 0;
const AGG_MIN = 1;
const AGG_MAX = 2;

interface Src {
  z: RZSet | null;
  set: SetLike | null;
  obj: Value | null;
  weight: number;
  len: number;
}

function aggregate(target: number, val: number, agg: number): number {
  if (agg === AGG_SUM) {
    const t = target + val;
    return t !== t ? 0 : t; // +inf + -inf: Redis keeps 0
  }
  if (agg === AGG_MIN) return val < target ? val : target;
  return val > target ? val : target;
}

/** Score of `m` in a source, or undefined. */
function find(src: Src, m: string): number | undefined {
  if (src.z !== null) return src.z.score(m);
  if (src.set !== null) return src.set.has(m) ? 1 : undefined;
  return undefined;
}

/** Visits a source's elements: sorted sets from the highest element down (as Redis' zuiNext), sets in member order. */
function each(src: Src, fn: (m: string, s: number) => boolean | void): void {
  if (src.z !== null) src.z.forEach(fn, true);
  else if (src.set !== null) {
    for (const m of src.set.members()) if (fn(m, 1) === false) return;
  }
}

/**
 * The union / intersection / difference of the sources into `acc` (member -> score); for ZINTERCARD
 * (cardOnly) only the count, stopping at `limit` (0 = none). Returns the cardinality counted.
 */
function compute(src: Src[], setnum: number, op: number, agg: number, cardOnly: boolean, limit: number, acc: Map<string, number>): number {
  let cardinality = 0;
  if (op === OP_INTER) {
    if (src[0].len > 0) {
      const s0 = src[0];
      each(s0, (m, sc) => {
        let score = s0.weight * sc;
        if (score !== score) score = 0;
        let k = 1;
        for (; k < setnum; k++) {
          const sk = src[k];
          let value: number | undefined;
          if (sk.obj === s0.obj) value = sc * sk.weight;
          else {
            value = find(sk, m);
            if (value === undefined) break;
            value *= sk.weight;
          }
          score = aggregate(score, value, agg);
        }
        if (k === setnum) {
          if (cardOnly) {
            cardinality++;
            if (limit !== 0 && cardinality >= limit) return false;
          } else acc.set(m, score);
        }
        return true;
      });
    }
  } else if (op === OP_UNION) {
    for (let i = 0; i < setnum; i++) {
      const si = src[i];
      if (si.len === 0) continue;
      const w = si.weight;
      each(si, (m, sc) => {
        let score = w * sc;
        if (score !== score) score = 0;
        const cur = acc.get(m);
        acc.set(m, cur === undefined ? score : aggregate(cur, score, agg));
      });
    }
  } else {
    const s0 = src[0];
    if (s0.len > 0) {
      each(s0, (m, sc) => {
        for (let k = 1; k < setnum; k++) {
          const sk = src[k];
          if (sk.obj === s0.obj || find(sk, m) !== undefined) return;
        }
        acc.set(m, sc);
      });
    }
  }
  return cardinality;
}

function zsetop(c: Client, argv: string[], name: string, dstkey: string | null, numkeysIndex: number, op: number, cardOnly: boolean): void {
  const setnum = longOrReply(c, argv[numkeysIndex]);
  if (setnum === null) return;
  if (setnum < 1) {
    error(c, ZE.atLeastOne(name));
    return;
  }
  const argc = argv.length;
  if (setnum > argc - (numkeysIndex + 1)) {
    error(c, E.syntax);
    return;
  }
  const db = c.db;
  const src: Src[] = new Array(setnum);
  let j = numkeysIndex + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const v = db.get(argv[j]);
    const s: Src = { z: null, set: null, obj: null, weight: 1, len: 0 };
    if (v !== undefined) {
      if (v instanceof RZSet) {
        s.z = v;
        s.len = v.size;
      } else if (typeof v === 'object' && v.type === 'set') {
        s.set = v as unknown as SetLike;
        s.len = s.set.size;
      } else {
        error(c, E.wrongType);
        return;
      }
      s.obj = v;
    }
    src[i] = s;
  }
  let agg = AGG_SUM;
  let withscores = false;
  let limit = 0;
  if (j < argc) {
    let remaining = argc - j;
    while (remaining > 0) {
      const a = argv[j];
      if (op !== OP_DIFF && !cardOnly && remaining >= setnum + 1 && isKw(a, 'weights')) {
        j++;
        remaining--;
        for (let i = 0; i < setnum; i++, j++, remaining--) {
          const w = string2d(argv[j]);
          if (w !== w) {
            error(c, ZE.weight);
            return;
          }
          src[i].weight = w;
        }
      } else if (op !== OP_DIFF && !cardOnly && remaining >= 2 && isKw(a, 'aggregate')) {
        j++;
        remaining--;
        const b = argv[j];
        if (isKw(b, 'sum')) agg = AGG_SUM;
        else if (isKw(b, 'min')) agg = AGG_MIN;
        else if (isKw(b, 'max')) agg = AGG_MAX;
        else {
          error(c, E.syntax);
          return;
        }
        j++;
        remaining--;
      } else if (remaining >= 1 && dstkey === null && !cardOnly && isKw(a, 'withscores')) {
        j++;
        remaining--;
        withscores = true;
      } else if (cardOnly && remaining >= 2 && isKw(a, 'limit')) {
        j++;
        remaining--;
        const l = positiveLongOrReply(c, argv[j], ZE.limitNeg);
        if (l === null) return;
        limit = l;
        j++;
        remaining--;
      } else {
        error(c, E.syntax);
        return;
      }
    }
  }
  // smallest first (a stable sort, like glibc's merge-sort qsort)
  if (op !== OP_DIFF) src.sort((a, b) => a.len - b.len);

  const acc = new Map<string, number>();
  let cardinality = 0;
  try {
    cardinality = compute(src, setnum, op, agg, cardOnly, limit, acc);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    // the accumulator outgrew V8's Map cap (2^24 entries)
    error(c, ZSET_FULL_ERROR);
    return;
  }

  if (dstkey !== null) {
    if (acc.size !== 0) {
      const z = RZSet.fromMap(acc);
      db.set(dstkey, z);
      signalKeyAsReady(db, dstkey);
      R.int(c, z.size);
    } else {
      R.int(c, 0);
      db.delete(dstkey);
    }
  } else if (cardOnly) {
    R.int(c, cardinality);
  } else {
    const keys = [...acc.keys()];
    keys.sort((a, b) => {
      const sa = acc.get(a)!;
      const sb = acc.get(b)!;
      return sa < sb ? -1 : sa > sb ? 1 : a < b ? -1 : a > b ? 1 : 0;
    });
    const scores: number[] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) scores[i] = acc.get(keys[i])!;
    replyElements(c, keys, scores, keys.length, withscores);
  }
}

export const commands: Record<string, Handler> = {
  zunionstore: (c, argv) => zsetop(c, argv, 'zunionstore', argv[1], 2, OP_UNION, false),
  zinterstore: (c, argv) => zsetop(c, argv, 'zinterstore', argv[1], 2, OP_INTER, false),
  zdiffstore: (c, argv) => zsetop(c, argv, 'zdiffstore', argv[1], 2, OP_DIFF, false),
  zunion: (c, argv) => zsetop(c, argv, 'zunion', null, 1, OP_UNION, false),
  zinter: (c, argv) => zsetop(c, argv, 'zinter', null, 1, OP_INTER, false),
  zdiff: (c, argv) => zsetop(c, argv, 'zdiff', null, 1, OP_DIFF, false),
  zintercard: (c, argv) => zsetop(c, argv, 'zintercard', null, 1, OP_INTER, true),
};

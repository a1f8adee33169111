// List commands (Redis 7.0 t_list.c): LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET
// LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP. The blocking variants are in bpop.ts and share the
// pop/move helpers exported here.
//
// Argument checks run in Redis' order (some before the key lookup, some after), so the same bad call
// gets the same error. A list that becomes empty is deleted. Pushes signal blocked clients.
import type { Client, Handler } from '../../server/context';
import { addDirty, type Db } from '../../keyspace/db';
import { int, nullBulk, nullArray, ok, emptyArray, arrayLen, bulk } from '../../protocol/reply';
import { error, E } from '../../protocol/errors';
import { RList } from '../../keyspace/types/list';
import { parseLL, parseInt64, LLONG_MIN } from '../../util/strconv';
import { signalKeyAsReady } from '../../server/blocking';
import { replyRange, replyIndex, popAndReply } from './reply';
import { keyspaceHooks, propagateServed } from '../keyspace/keyspace';

export const LE = {
  notPositive: 'ERR value is out of range, must be positive',
  indexRange: 'ERR index out of range',
  rankZero:
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
  countNegative: "ERR COUNT can't be negative",
  maxlenNegative: "ERR MAXLEN can't be negative",
  numkeys: 'ERR numkeys should be greater than 0',
  countPositive: 'ERR count should be greater than 0',
} as const;

// ---- argument helpers ----------------------------------------------------------------------------

/** getLongFromObjectOrReply: the value (rounded beyond 2^53; only compared/clamped), or null after an error. */
export function longOrReply(c: Client, s: string): number | null {
  const v = parseInt64(s);
  if (v === null) error(c, E.notInt);
  return v;
}

/** getRangeLongFromObjectOrReply with a message: min..LONG_MAX, else `msg` (also for non-integers). */
export function rangeLongOrReply(c: Client, s: string, min: number, msg: string): number | null {
  const v = parseInt64(s);
  if (v === null || v < min) {
    error(c, msg);
    return null;
  }
  return v;
}

/** C strcasecmp(s, word) === 0 for a lower-case ASCII word (a NUL byte ends the C string). */
export function isWord(s: string, word: string): boolean {
  const n = word.length;
  if (s.length !== n) {
    if (s.length < n || s.charCodeAt(n) !== 0) return false;
  }
  for (let i = 0; i < n; i++) if ((s.charCodeAt(i) | 0x20) !== word.charCodeAt(i)) return false;
  return true;
}

/** LEFT -> 0 (head), RIGHT -> 1 (tail), else -1 after a syntax error. */
export function whereOrReply(c: Client, s: string): number {
  if (isWord(s, 'right')) return 1;
  if (isWord(s, 'left')) return 0;
  error(c, E.syntax);
  return -1;
}

/** The list at key for writing: the RList, undefined when missing, null after a WRONGTYPE reply. */
export function listForWrite(c: Client, db: Db, key: string): RList | undefined | null {
  const v = db.getForWrite(key);
  if (v === undefined || v instanceof RList) return v;
  error(c, E.wrongType);
  return null;
}

function listForRead(c: Client, key: string): RList | undefined | null {
  const v = c.db.get(key);
  if (v === undefined || v instanceof RList) return v;
  error(c, E.wrongType);
  return null;
}

/** After elements were removed from l: deletes the key when empty, else records the change. */
export function afterRemoval(db: Db, key: string, l: RList): void {
  if (l.len === 0) db.delete(key);
  else db.update(key, l);
}

// ---- pushes ----------------------------------------------------------------------------------------

function push(c: Client, argv: string[], tail: boolean, onlyExisting: boolean): void {
  const db = c.db;
  const key = argv[1];
  let l = listForWrite(c, db, key);
  if (l === null) return;
  if (l === undefined) {
    if (onlyExisting) return int(c, 0);
    l = new RList();
    l.pushAll(argv, 2, tail);
    db.set(key, l);
  } else {
    l.pushAll(argv, 2, tail);
    db.update(key, l);
  }
  addDirty(argv.length - 3); // Redis counts each element pushed
  int(c, l.len);
  signalKeyAsReady(db, key);
}

function lpush(c: Client, argv: string[]): void {
  push(c, argv, false, false);
}
function rpush(c: Client, argv: string[]): void {
  push(c, argv, true, false);
}
function lpushx(c: Client, argv: string[]): void {
  push(c, argv, false, true);
}
function rpushx(c: Client, argv: string[]): void {
  push(c, argv, true, true);
}

// ---- pops ------------------------------------------------------------------------------------------

/**
 * Pops up to `count` elements from the head (or tail) of a non-empty list and replies them as an
 * array, in pop order; deletes the key when it empties.
 */
export function popRangeAndReply(c: Client, db: Db, key: string, l: RList, tail: boolean, count: number): void {
  const n = count > l.len ? l.len : count;
  if (!tail) {
    replyRange(c, l, 0, n, false);
    l.deleteHead(n);
  } else {
    replyRange(c, l, l.len - 1, n, true);
    l.deleteTail(n);
  }
  afterRemoval(db, key, l);
  addDirty(n - 1); // Redis counts each element popped
}

function pop(c: Client, argv: string[], tail: boolean): void {
  if (argv.length > 3) return error(c, E.wrongArity(tail ? 'rpop' : 'lpop'));
  const hasCount = argv.length === 3;
  let count = 0;
  if (hasCount) {
    const v = rangeLongOrReply(c, argv[2], 0, LE.notPositive);
    if (v === null) return;
    count = v;
  }
  const db = c.db;
  const key = argv[1];
  const l = listForWrite(c, db, key);
  if (l === null) return;
  if (l === undefined) return hasCount ? nullArray(c) : nullBulk(c);
  if (!hasCount) {
    popAndReply(c, l, tail);
    afterRemoval(db, key, l);
    return;
  }
  if (count === 0) return emptyArray(c);
  popRangeAndReply(c, db, key, l, tail, count);
}

function lpop(c: Client, argv: string[]): void {
  pop(c, argv, false);
}
function rpop(c: Client, argv: string[]): void {
  pop(c, argv, true);
}

/**
 * LMPOP/BLMPOP/BLPOP/BRPOP attempt: pops from the first non-empty list among keys and replies [key, ...]:
 * `count` elements as an array (LMPOP), or with count -1 one element as a bulk (BLPOP). A key of another
 * type answers WRONGTYPE, or is skipped when `served` (a blocked client served by server/blocking.ts,
 * outside call()). The pop is propagated as `[LR]POP key [n]`, naming the key it came from (Redis 7.0).
 * 1 served, 0 nothing, -1 error replied.
 */
export function mpopFrom(c: Client, keys: readonly string[], tail: boolean, count: number, served: boolean): number {
  const db = c.db;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const v = db.getForWrite(key);
    if (v === undefined) continue;
    if (!(v instanceof RList)) {
      if (served) continue;
      error(c, E.wrongType);
      return -1;
    }
    if (v.len === 0) continue;
    const out = [tail ? 'RPOP' : 'LPOP', key];
    if (count >= 0) out.push(String(count > v.len ? v.len : count));
    arrayLen(c, 2);
    bulk(c, key);
    if (count < 0) {
      popAndReply(c, v, tail);
      afterRemoval(db, key, v);
      // Redis 7.0 does not count the pop of a served BLPOP/BRPOP (serveClientBlockedOnList).
      if (served) addDirty(-1);
    } else popRangeAndReply(c, db, key, v, tail, count);
    if (served) propagateServed(c, out);
    else keyspaceHooks.rewriteArgv(c, out);
    return 1;
  }
  return 0;
}

/**
 * LMPOP/BLMPOP arguments from argv[numkeysIdx] on. Returns null after an error reply.
 */
export function parseMpop(c: Client, argv: string[], numkeysIdx: number): { keys: string[]; tail: boolean; count: number } | null {
  const numkeys = rangeLongOrReply(c, argv[numkeysIdx], 1, LE.numkeys);
  if (numkeys === null) return null;
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) {
    error(c, E.syntax);
    return null;
  }
  const where = whereOrReply(c, argv[whereIdx]);
  if (where < 0) return null;
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    if (count === -1 && isWord(argv[j], 'count') && j < argv.length - 1) {
      const v = rangeLongOrReply(c, argv[++j], 1, LE.countPositive);
      if (v === null) return null;
      count = v;
    } else {
      error(c, E.syntax);
      return null;
    }
  }
  return { keys: argv.slice(numkeysIdx + 1, whereIdx), tail: where === 1, count: count === -1 ? 1 : count };
}

function lmpop(c: Client, argv: string[]): void {
  const p = parseMpop(c, argv, 1);
  if (p === null) return;
  if (mpopFrom(c, p.keys, p.tail, p.count, false) === 0) nullArray(c);
}

// ---- reads -----------------------------------------------------------------------------------------

function llen(c: Client, argv: string[]): void {
  const l = listForRead(c, argv[1]);
  if (l === null) return;
  int(c, l === undefined ? 0 : l.len);
}

/** Redis' LRANGE/LTRIM normalisation: [start, end] clamped, or null for an empty range. */
function normRange(start: number, end: number, len: number): [number, number] | null {
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return null;
  if (end >= len) end = len - 1;
  return [start, end];
}

function lrange(c: Client, argv: string[]): void {
  const start = longOrReply(c, argv[2]);
  if (start === null) return;
  const end = longOrReply(c, argv[3]);
  if (end === null) return;
  const l = listForRead(c, argv[1]);
  if (l === null) return;
  if (l === undefined) return emptyArray(c);
  const r = normRange(start, end, l.len);
  if (r === null) return emptyArray(c);
  replyRange(c, l, r[0], r[1] - r[0] + 1, false);
}

function lindex(c: Client, argv: string[]): void {
  const l = listForRead(c, argv[1]);
  if (l === null) return;
  if (l === undefined) return nullBulk(c);
  let i = longOrReply(c, argv[2]);
  if (i === null) return;
  if (i < 0) i = l.len + i;
  if (i < 0 || i >= l.len) return nullBulk(c);
  replyIndex(c, l, i);
}

function lpos(c: Client, argv: string[]): void {
  let rank = 1;
  let count = -1;
  let maxlen = 0;
  let fromTail = false;
  let rankIsMin = false;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j];
    const more = j < argv.length - 1;
    if (more && isWord(opt, 'rank')) {
      const v = parseLL(argv[++j]);
      if (v === null) return error(c, E.notInt);
      if (v === 0) return error(c, LE.rankZero);
      rankIsMin = v === LLONG_MIN;
      if (rankIsMin) {
        // C's -LONG_MIN stays LONG_MIN: Redis scans from the tail, every match counts, and the
        // COUNT test overflows so that COUNT never stops the scan.
        fromTail = true;
        rank = 1;
      } else if (v < 0) {
        fromTail = true;
        rank = -Number(v);
      } else {
        fromTail = false;
        rank = Number(v);
      }
    } else if (more && isWord(opt, 'count')) {
      const v = rangeLongOrReply(c, argv[++j], 0, LE.countNegative);
      if (v === null) return;
      count = v;
    } else if (more && isWord(opt, 'maxlen')) {
      const v = rangeLongOrReply(c, argv[++j], 0, LE.maxlenNegative);
      if (v === null) return;
      maxlen = v;
    } else return error(c, E.syntax);
  }
  const l = listForRead(c, argv[1]);
  if (l === null) return;
  if (l === undefined) return count !== -1 ? emptyArray(c) : nullBulk(c);
  const found = l.positions(argv[2], rank, count === -1 ? 1 : rankIsMin ? 0 : count, maxlen, fromTail);
  if (count !== -1) {
    arrayLen(c, found.length);
    for (let i = 0; i < found.length; i++) int(c, found[i]);
  } else if (found.length > 0) int(c, found[0]);
  else nullBulk(c);
}

// ---- in-place writes -------------------------------------------------------------------------------

function lset(c: Client, argv: string[]): void {
  const db = c.db;
  const key = argv[1];
  const l = listForWrite(c, db, key);
  if (l === null) return;
  if (l === undefined) return error(c, E.noSuchKey);
  let i = longOrReply(c, argv[2]);
  if (i === null) return;
  if (i < 0) i = l.len + i;
  if (!l.set(i, argv[3])) return error(c, LE.indexRange);
  db.update(key, l);
  ok(c);
}

function linsert(c: Client, argv: string[]): void {
  let after: boolean;
  if (isWord(argv[2], 'after')) after = true;
  else if (isWord(argv[2], 'before')) after = false;
  else return error(c, E.syntax);
  const db = c.db;
  const key = argv[1];
  const l = listForWrite(c, db, key);
  if (l === null) return;
  if (l === undefined) return int(c, 0);
  if (!l.insertAtPivot(argv[3], argv[4], after)) return int(c, -1);
  db.update(key, l);
  int(c, l.len);
}

function lrem(c: Client, argv: string[]): void {
  const count = longOrReply(c, argv[2]);
  if (count === null) return;
  const db = c.db;
  const key = argv[1];
  const l = listForWrite(c, db, key);
  if (l === null) return;
  if (l === undefined) return int(c, 0);
  const removed = l.removeMatches(argv[3], count < 0 ? -count : count, count < 0);
  if (removed > 0) {
    afterRemoval(db, key, l);
    addDirty(removed - 1); // Redis counts each element removed
  }
  int(c, removed);
}

function ltrim(c: Client, argv: string[]): void {
  const start = longOrReply(c, argv[2]);
  if (start === null) return;
  const end = longOrReply(c, argv[3]);
  if (end === null) return;
  const db = c.db;
  const key = argv[1];
  const l = listForWrite(c, db, key);
  if (l === null) return;
  if (l === undefined) return ok(c);
  const len = l.len;
  const r = normRange(start, end, len);
  if (r === null) l.clear();
  else {
    l.deleteTail(len - 1 - r[1]);
    l.deleteHead(r[0]);
  }
  afterRemoval(db, key, l);
  // Redis counts each element trimmed: trimming nothing is no change (the key is still signalled).
  addDirty(len - l.len - 1);
  ok(c);
}

// ---- moves -----------------------------------------------------------------------------------------

/**
 * LMOVE core on an existing non-empty source list: moves one element and replies it (true), or replies
 * WRONGTYPE (moving nothing, false) when the destination holds another type.
 */
export function moveElement(c: Client, src: string, sl: RList, dst: string, fromTail: boolean, toTail: boolean): boolean {
  const db = c.db;
  const dv = db.getForWrite(dst);
  if (dv !== undefined && !(dv instanceof RList)) {
    error(c, E.wrongType);
    return false;
  }
  const x = (fromTail ? sl.popTail() : sl.popHead())!;
  let dl = dv;
  if (dl === undefined) {
    // (src === dst cannot get here: the source exists)
    dl = new RList();
    if (toTail) dl.pushTail(x);
    else dl.pushHead(x);
    db.set(dst, dl);
  } else {
    if (toTail) dl.pushTail(x);
    else dl.pushHead(x);
    db.update(dst, dl);
  }
  signalKeyAsReady(db, dst);
  bulk(c, x);
  if (dl !== sl) {
    afterRemoval(db, src, sl);
    addDirty(-1); // Redis counts a move as one change
  }
  return true;
}

function moveGeneric(c: Client, argv: string[], fromTail: boolean, toTail: boolean): void {
  const src = argv[1];
  const sl = listForWrite(c, c.db, src);
  if (sl === null) return;
  if (sl === undefined) return nullBulk(c);
  moveElement(c, src, sl, argv[2], fromTail, toTail);
}

function lmove(c: Client, argv: string[]): void {
  const from = whereOrReply(c, argv[3]);
  if (from < 0) return;
  const to = whereOrReply(c, argv[4]);
  if (to < 0) return;
  moveGeneric(c, argv, from === 1, to === 1);
}

function rpoplpush(c: Client, argv: string[]): void {
  moveGeneric(c, argv, true, false);
}

export const commands: Record<string, Handler> = {
  lpush,
  rpush,
  lpushx,
  rpushx,
  lpop,
  rpop,
  lmpop,
  llen,
  lrange,
  lindex,
  lpos,
  lset,
  linsert,
  lrem,
  ltrim,
  lmove,
  rpoplpush,
};

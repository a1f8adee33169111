// The sorted set value (TYPE zset).
//
// Order: (score, member) ascending; members compare like Redis' sdscmp (memcmp, then length). Members
// are latin1 strings (one char per byte), so JS `<` on them is exactly that byte order.
//
// Structure, chosen for speed and memory in V8. Measured with 1M random 10-char members: ~108 heap
// bytes per element with random float scores (92 with small integer scores), Redis 7.0 uses ~110
// (used_memory); inserts run at Redis' speed (both are bound by cache misses at that size).
//
// - An order-statistics B+tree. Leaves hold up to LEAF_MAX elements in two parallel arrays (members:
//   string[], scores: number[], the latter an unboxed double array in V8) and are linked both ways for
//   range walks. Inner nodes hold their children, each child's element count (for rank) and a
//   separator per child: a lower bound of that child's elements that is also greater than every
//   element of the previous child (stale after deletes, which keeps it a valid bound). Insert, delete,
//   rank, select-by-rank and range seeks are O(log n); a range walk is sequential over arrays. Per
//   element the tree costs about two array slots (16 bytes) plus slack, against ~50 bytes for a
//   skiplist node object in JS.
// - `dict`: member -> score (Map), for O(1) ZSCORE/ZADD lookups. Like Redis' listpack encoding, a
//   small set (count <= zset-max-listpack-entries and every member <= zset-max-listpack-value bytes)
//   has no dict: lookups scan the (single) leaf, which is what Redis does over its listpack. The
//   first add that exceeds a limit builds the dict and the set reports 'skiplist' from then on
//   (one-way, as in Redis). A listpack stores -0 as the integer 0, so listpack-encoded sets hold no -0
//   scores (skiplist-encoded ones keep it, as Redis does).
//
// Lex ranges on a set whose scores differ are "undefined" in Redis; for listpack-encoded sets this
// module reproduces Redis' linear listpack scans exactly (see firstInLex/lastInLex), for larger sets
// the tree is searched as if members were sorted (Redis' skiplist result depends on random levels).
//
// Limits: a V8 Map holds at most 2^24 entries, so one sorted set holds at most 16,777,216 members
// (insertNew() reports a full set instead of throwing; the handlers answer ZSET_FULL_ERROR).
import type { RObj } from '../db';
import { config } from '../../config';
import { forgetScans } from '../scan';

export const LEAF_MAX = 128;
/** Below this many members the dict can always grow; above it insertNew() guards (V8 Map cap: 2^24). */
const SAFE_SIZE = 1 << 23;
/** Reply when a sorted set cannot grow any more (Redis has no such limit). */
export const ZSET_FULL_ERROR = 'ERR the sorted set has reached the maximum number of elements (16777216)';
const LEAF_MIN = 32; // a leaf under this merges with a sibling when both fit in one leaf
const INNER_MAX = 64;
const INNER_MIN = 16;
/** Leaves shorter than this are kept at their exact size (rebuilt on insert and delete). */
const SMALL = 16;

export class Leaf {
  keys: string[];
  scores: number[];
  next: Leaf | null = null;
  prev: Leaf | null = null;
  constructor(keys: string[], scores: number[]) {
    this.keys = keys;
    this.scores = scores;
  }
}

class Inner {
  /** Leaf[] at the last inner level, Inner[] above. */
  children: (Leaf | Inner)[];
  /** Element count of each child's subtree. */
  counts: number[];
  /** Separator of child i (i >= 1): <= every element of child i, > every element of child i - 1. */
  skeys: string[];
  sscores: number[];
  constructor(children: (Leaf | Inner)[], counts: number[], skeys: string[], sscores: number[]) {
    this.children = children;
    this.counts = counts;
    this.skeys = skeys;
    this.sscores = sscores;
  }
}

/** A lex range bound (Redis zlexrangespec item): kind -1 = "-", 1 = "+", 0 = the string `s`. */
export interface LexBound {
  kind: -1 | 0 | 1;
  s: string;
  ex: boolean;
}
/** A score range (Redis zrangespec). */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** sdscmplex: compares a member with a lex bound value. */
export function cmpLex(a: string, b: LexBound): number {
  if (b.kind === -1) return 1;
  if (b.kind === 1) return -1;
  return a < b.s ? -1 : a > b.s ? 1 : 0;
}
/** sdscmplex between two bounds (zslIsInLexRange's first test). */
function cmpBounds(a: LexBound, b: LexBound): number {
  if (a.kind === b.kind && a.kind !== 0) return 0;
  if (a.kind === -1 || b.kind === 1) return -1;
  if (a.kind === 1 || b.kind === -1) return 1;
  return a.s < b.s ? -1 : a.s > b.s ? 1 : 0;
}
export function lexGteMin(v: string, r: { min: LexBound }): boolean {
  const c = cmpLex(v, r.min);
  return r.min.ex ? c > 0 : c >= 0;
}
export function lexLteMax(v: string, r: { max: LexBound }): boolean {
  const c = cmpLex(v, r.max);
  return r.max.ex ? c < 0 : c <= 0;
}
export function scoreGteMin(v: number, r: ScoreRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}
export function scoreLteMax(v: number, r: ScoreRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}
/** A lex range that can never contain anything (zslIsInLexRange's first test). */
export function lexRangeEmpty(min: LexBound, max: LexBound): boolean {
  const c = cmpBounds(min, max);
  return c > 0 || (c === 0 && (min.ex || max.ex));
}
/** A score range that can never contain anything (zslIsInRange's first test). */
export function scoreRangeEmpty(r: ScoreRange): boolean {
  return r.min > r.max || (r.min === r.max && (r.minex || r.maxex));
}

/** A position in the ordered sequence; `leaf === null` past either end. */
export class ZIter {
  leaf: Leaf | null;
  idx: number;
  constructor(leaf: Leaf | null, idx: number) {
    this.leaf = leaf;
    this.idx = idx;
  }
  get key(): string {
    return this.leaf!.keys[this.idx];
  }
  get score(): number {
    return this.leaf!.scores[this.idx];
  }
  next(): void {
    const l = this.leaf!;
    if (++this.idx >= l.keys.length) {
      this.leaf = l.next;
      this.idx = 0;
    }
  }
  prev(): void {
    if (--this.idx < 0) {
      const l = this.leaf!.prev;
      this.leaf = l;
      this.idx = l === null ? 0 : l.keys.length - 1;
    }
  }
}

// ---- seek modes (one descent routine, no closures on the hot path) ----
const M_ELEM = 0; // before(x) = (score, key) of x < (s, k)
const M_SCORE = 1; // before(x) = x.score < s, or <= s when `ex`
const M_LEX = 2; // before(x) = x.key < k (or <= k when `ex`); kind -1: never, kind 1: always

// Descent path, reused (single-threaded).
const pathNodes: Inner[] = [];
const pathIdx: number[] = [];
// Seek results.
let seekLeaf: Leaf = null as unknown as Leaf;
let seekIdx = 0;
let seekRank = 0;

function before(mode: number, xs: number, xk: string, s: number, k: string, ex: boolean, kind: number): boolean {
  switch (mode) {
    case M_ELEM:
      return xs < s || (xs === s && xk < k);
    case M_SCORE:
      return ex ? xs <= s : xs < s;
    default:
      if (kind === -1) return false;
      if (kind === 1) return true;
      return ex ? xk <= k : xk < k;
  }
}

function listpackLimits(): [number, number] {
  return [config['zset-max-listpack-entries'], config['zset-max-listpack-value']];
}

export class RZSet implements RObj {
  declare readonly type: 'zset';
  private root: Leaf | Inner;
  /** Number of inner levels above the leaves. */
  private height = 0;
  private n = 0;
  /** member -> score; null while the set is listpack-encoded. */
  dict: Map<string, number> | null = null;
  /** First and last leaves (the linked list ends). */
  private head: Leaf;
  private tail: Leaf;

  constructor() {
    const l = new Leaf([], []);
    this.root = l;
    this.head = l;
    this.tail = l;
  }

  encoding(): string {
    return this.dict === null ? 'listpack' : 'skiplist';
  }

  get size(): number {
    return this.n;
  }

  // ---- construction ----

  /**
   * Builds a set from (member, score) pairs in any order (a repeated member keeps its last score). The
   * encoding follows Redis' zsetConvertToListpackIfNeeded / RDB load rule: listpack when the count and
   * the longest member fit the zset-max-listpack-* limits, skiplist otherwise (or when `skiplist`).
   */
  static from(pairs: [string, number][], skiplist = false): RZSet {
    const m = new Map<string, number>();
    for (let i = 0; i < pairs.length; i++) {
      const s = pairs[i][1];
      if (s !== s) throw new Error('RZSet.from: NaN score');
      m.set(pairs[i][0], s);
    }
    return RZSet.fromMap(m, skiplist);
  }

  /** Like from(), taking ownership of a member -> score Map. */
  static fromMap(m: Map<string, number>, skiplist = false): RZSet {
    const keys = [...m.keys()];
    keys.sort((a, b) => {
      const sa = m.get(a)!;
      const sb = m.get(b)!;
      return sa < sb ? -1 : sa > sb ? 1 : a < b ? -1 : a > b ? 1 : 0;
    });
    const sc: number[] = new Array(keys.length);
    let maxLen = 0;
    for (let i = 0; i < keys.length; i++) {
      sc[i] = m.get(keys[i])!;
      if (keys[i].length > maxLen) maxLen = keys[i].length;
    }
    const z = new RZSet();
    const [maxEntries, maxValue] = listpackLimits();
    if (skiplist || keys.length > maxEntries || maxLen > maxValue) z.dict = m;
    else for (let i = 0; i < sc.length; i++) sc[i] += 0; // listpack: no -0
    z.bulkLoad(keys, sc);
    return z;
  }

  /**
   * Builds a set from elements already in ascending (score, member) order, without duplicates; the
   * arrays are taken over. Encoding as in from().
   */
  static fromSorted(keys: string[], scores: number[], skiplist = false): RZSet {
    const z = new RZSet();
    let maxLen = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i].length > maxLen) maxLen = keys[i].length;
    const [maxEntries, maxValue] = listpackLimits();
    const lp = !(skiplist || keys.length > maxEntries || maxLen > maxValue);
    if (lp) for (let i = 0; i < scores.length; i++) scores[i] += 0; // listpack: no -0
    z.bulkLoad(keys, scores);
    if (!lp) z.convertToSkiplist();
    return z;
  }

  /** Replaces the content with sorted, distinct elements (leaves filled to 7/8). */
  private bulkLoad(keys: string[], scores: number[]): void {
    const total = keys.length;
    this.n = total;
    const per = (LEAF_MAX * 7) >> 3;
    if (total <= LEAF_MAX) {
      const l = new Leaf(keys, scores);
      this.root = this.head = this.tail = l;
      this.height = 0;
      return;
    }
    let level: (Leaf | Inner)[] = [];
    let counts: number[] = [];
    let fk: string[] = [];
    let fs: number[] = [];
    let prev: Leaf | null = null;
    for (let i = 0; i < total; i += per) {
      const l = new Leaf(keys.slice(i, i + per), scores.slice(i, i + per));
      l.prev = prev;
      if (prev) prev.next = l;
      else this.head = l;
      prev = l;
      level.push(l);
      counts.push(l.keys.length);
      fk.push(l.keys[0]);
      fs.push(l.scores[0]);
    }
    this.tail = prev!;
    let height = 0;
    const iper = (INNER_MAX * 7) >> 3;
    while (level.length > 1) {
      const up: (Leaf | Inner)[] = [];
      const ucounts: number[] = [];
      const ufk: string[] = [];
      const ufs: number[] = [];
      for (let i = 0; i < level.length; i += iper) {
        const node = new Inner(level.slice(i, i + iper), counts.slice(i, i + iper), fk.slice(i, i + iper), fs.slice(i, i + iper));
        let c = 0;
        for (let j = 0; j < node.counts.length; j++) c += node.counts[j];
        up.push(node);
        ucounts.push(c);
        ufk.push(fk[i]);
        ufs.push(fs[i]);
      }
      level = up;
      counts = ucounts;
      fk = ufk;
      fs = ufs;
      height++;
    }
    this.root = level[0];
    this.height = height;
  }

  /** Leaves the keyspace: drop parked ZSCAN iterators (they pin the dict). */
  free(): void {
    forgetScans(this);
  }

  /** Deep copy with the same encoding (COPY). Members are immutable strings and are shared. */
  clone(): RZSet {
    const keys: string[] = new Array(this.n);
    const scores: number[] = new Array(this.n);
    let i = 0;
    for (let l: Leaf | null = this.head; l !== null; l = l.next) {
      const k = l.keys;
      const s = l.scores;
      for (let j = 0; j < k.length; j++, i++) {
        keys[i] = k[j];
        scores[i] = s[j];
      }
    }
    const z = new RZSet();
    z.bulkLoad(keys, scores);
    if (this.dict !== null) z.dict = new Map(this.dict);
    return z;
  }

  // ---- ordered iteration ----

  /** (member, score) pairs in ascending order. */
  *entries(): IterableIterator<[string, number]> {
    for (let l: Leaf | null = this.head; l !== null; l = l.next) {
      for (let j = 0; j < l.keys.length; j++) yield [l.keys[j], l.scores[j]];
    }
  }
  [Symbol.iterator](): IterableIterator<[string, number]> {
    return this.entries();
  }
  /** Calls fn for every element, ascending (or descending when rev). Stops when fn returns false. */
  forEach(fn: (key: string, score: number) => boolean | void, rev = false): void {
    if (!rev) {
      for (let l: Leaf | null = this.head; l !== null; l = l.next) {
        const k = l.keys;
        const s = l.scores;
        for (let j = 0; j < k.length; j++) if (fn(k[j], s[j]) === false) return;
      }
    } else {
      for (let l: Leaf | null = this.tail; l !== null; l = l.prev) {
        const k = l.keys;
        const s = l.scores;
        for (let j = k.length - 1; j >= 0; j--) if (fn(k[j], s[j]) === false) return;
      }
    }
  }

  first(): ZIter {
    return new ZIter(this.n === 0 ? null : this.head, 0);
  }
  last(): ZIter {
    return new ZIter(this.n === 0 ? null : this.tail, this.tail.keys.length - 1);
  }

  // ---- lookups ----

  /** The score of `key`, or undefined. */
  score(key: string): number | undefined {
    if (this.dict !== null) return this.dict.get(key);
    for (let l: Leaf | null = this.head; l !== null; l = l.next) {
      const j = l.keys.indexOf(key);
      if (j !== -1) return l.scores[j];
    }
    return undefined;
  }

  has(key: string): boolean {
    return this.score(key) !== undefined;
  }

  /** 0-based rank of `key` in ascending order, or -1. */
  rank(key: string): number {
    if (this.dict === null) {
      let base = 0;
      for (let l: Leaf | null = this.head; l !== null; l = l.next) {
        const j = l.keys.indexOf(key);
        if (j !== -1) return base + j;
        base += l.keys.length;
      }
      return -1;
    }
    const s = this.dict.get(key);
    if (s === undefined) return -1;
    this.seek(M_ELEM, s, key, false, 0);
    return seekRank;
  }

  /** Iterator at 0-based rank r (0 <= r < size). */
  atRank(r: number): ZIter {
    if (r < 0 || r >= this.n) return new ZIter(null, 0);
    // Cheap ends first (ZRANGE 0 .. and ZREVRANGE 0 ..).
    if (r < this.head.keys.length) return new ZIter(this.head, r);
    const fromTail = this.n - 1 - r;
    if (fromTail < this.tail.keys.length) return new ZIter(this.tail, this.tail.keys.length - 1 - fromTail);
    let node = this.root;
    for (let h = this.height; h > 0; h--) {
      const inner = node as Inner;
      const counts = inner.counts;
      let i = 0;
      while (r >= counts[i]) r -= counts[i++];
      node = inner.children[i];
    }
    return new ZIter(node as Leaf, r);
  }

  /** First element with score >= min (> min when minex), as an iterator plus its rank. */
  firstInScore(r: ScoreRange): ZIter {
    if (this.n === 0 || scoreRangeEmpty(r)) return new ZIter(null, 0);
    this.seek(M_SCORE, r.min, '', r.minex, 0);
    const it = this.seekIter();
    if (it.leaf === null || !scoreLteMax(it.score, r)) it.leaf = null;
    return it;
  }
  /** Last element with score <= max (< max when maxex). */
  lastInScore(r: ScoreRange): ZIter {
    if (this.n === 0 || scoreRangeEmpty(r)) return new ZIter(null, 0);
    this.seek(M_SCORE, r.max, '', !r.maxex, 0);
    const it = this.seekIter();
    if (it.leaf === null) {
      it.leaf = this.tail;
      it.idx = this.tail.keys.length - 1;
    } else it.prev();
    if (it.leaf === null || !scoreGteMin(it.score, r)) it.leaf = null;
    return it;
  }
  /** Number of elements with a score in range. */
  countInScore(r: ScoreRange): number {
    if (this.n === 0 || scoreRangeEmpty(r)) return 0;
    this.seek(M_SCORE, r.min, '', r.minex, 0);
    const a = seekRank;
    this.seek(M_SCORE, r.max, '', !r.maxex, 0);
    const b = seekRank;
    return b > a ? b - a : 0;
  }

  /**
   * First element in a lex range (zzlFirstInLexRange / zslFirstInLexRange): null when the range is
   * empty or the first element >= min is beyond max.
   */
  firstInLex(min: LexBound, max: LexBound): ZIter {
    const r = { min, max };
    if (!this.lexInRange(min, max)) return new ZIter(null, 0);
    let it: ZIter;
    if (this.dict === null) {
      it = this.first();
      while (it.leaf !== null && !lexGteMin(it.key, r)) it.next();
    } else {
      this.seek(M_LEX, 0, min.s, min.ex, min.kind);
      it = this.seekIter();
    }
    if (it.leaf !== null && !lexLteMax(it.key, r)) it.leaf = null;
    return it;
  }
  /** Last element in a lex range (zzlLastInLexRange / zslLastInLexRange). */
  lastInLex(min: LexBound, max: LexBound): ZIter {
    const r = { min, max };
    if (!this.lexInRange(min, max)) return new ZIter(null, 0);
    let it: ZIter;
    if (this.dict === null) {
      it = this.last();
      while (it.leaf !== null && !lexLteMax(it.key, r)) it.prev();
    } else {
      this.seek(M_LEX, 0, max.s, !max.ex, max.kind);
      it = this.seekIter();
      if (it.leaf === null) {
        it.leaf = this.tail;
        it.idx = this.tail.keys.length - 1;
      } else it.prev();
    }
    if (it.leaf !== null && !lexGteMin(it.key, r)) it.leaf = null;
    return it;
  }
  /**
   * Rank range [start, end) of a lex range by two tree seeks (members assumed sorted, as for a
   * skiplist-encoded set), or null when empty; `it` is left at `start`.
   */
  lexRankRange(min: LexBound, max: LexBound): { start: number; end: number; it: ZIter } | null {
    if (!this.lexInRange(min, max)) return null;
    this.seek(M_LEX, 0, max.s, !max.ex, max.kind);
    const end = seekRank;
    this.seek(M_LEX, 0, min.s, min.ex, min.kind);
    const start = seekRank;
    if (start >= end) return null;
    return { start, end, it: this.seekIter() };
  }

  /** zslIsInLexRange / zzlIsInLexRange. */
  private lexInRange(min: LexBound, max: LexBound): boolean {
    if (this.n === 0 || lexRangeEmpty(min, max)) return false;
    const r = { min, max };
    if (!lexGteMin(this.tail.keys[this.tail.keys.length - 1], r)) return false;
    if (!lexLteMax(this.head.keys[0], r)) return false;
    return true;
  }

  /** Rank (0-based) of the element an iterator points at (O(log n)). */
  rankOfIter(it: ZIter): number {
    return this.rankOf(it.score, it.key);
  }
  rankOf(score: number, key: string): number {
    if (this.height === 0) {
      // single leaf: positions are ranks
      const l = this.root as Leaf;
      const j = lowerIn(l, M_ELEM, score, key, false, 0);
      return j;
    }
    this.seek(M_ELEM, score, key, false, 0);
    return seekRank;
  }

  private seekIter(): ZIter {
    let l: Leaf | null = seekLeaf;
    let i = seekIdx;
    if (i >= l.keys.length) {
      l = l.next;
      i = 0;
    }
    return new ZIter(l, i);
  }

  /**
   * Finds the first position whose element is not `before` the target (see the M_* modes): sets
   * seekLeaf/seekIdx (seekIdx may equal the leaf's length: the position is then the next leaf's first)
   * and seekRank. Records the descent path.
   */
  private seek(mode: number, s: number, k: string, ex: boolean, kind: number): void {
    let node = this.root;
    let rank = 0;
    for (let h = 0; h < this.height; h++) {
      const inner = node as Inner;
      const ss = inner.sscores;
      const sk = inner.skeys;
      // largest i >= 1 with before(sep[i]) (for M_ELEM: sep[i] <= target, so that an element is found
      // in the leaf that holds it), else 0
      let lo = 1;
      let hi = inner.children.length - 1;
      let found = 0;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (mode === M_ELEM ? ss[mid] < s || (ss[mid] === s && sk[mid] <= k) : before(mode, ss[mid], sk[mid], s, k, ex, kind)) {
          found = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      const counts = inner.counts;
      for (let j = 0; j < found; j++) rank += counts[j];
      pathNodes[h] = inner;
      pathIdx[h] = found;
      node = inner.children[found];
    }
    const leaf = node as Leaf;
    const j = lowerIn(leaf, mode, s, k, ex, kind);
    seekLeaf = leaf;
    seekIdx = j;
    seekRank = rank + j;
  }

  // ---- updates ----

  /**
   * Adds a member that is not in the set. Builds the dict (one-way 'skiplist' encoding) when the set
   * outgrows the listpack limits. Returns false (and adds nothing) when the dict cannot grow (V8 caps a
   * Map at 2^24 entries; see ZSET_FULL_ERROR).
   */
  insertNew(key: string, score: number): boolean {
    if (this.dict === null) {
      if (this.n + 1 > config['zset-max-listpack-entries'] || key.length > config['zset-max-listpack-value']) this.convertToSkiplist();
    }
    const d = this.dict;
    if (d !== null) {
      if (this.n < SAFE_SIZE) d.set(key, score);
      else {
        try {
          d.set(key, score);
        } catch {
          return false;
        }
      }
    } else score += 0; // a listpack stores -0 as the integer 0
    this.treeInsert(score, key);
    return true;
  }

  /** Builds the dict: the set reports 'skiplist' from now on. */
  convertToSkiplist(): void {
    if (this.dict !== null) return;
    const d = new Map<string, number>();
    for (let l: Leaf | null = this.head; l !== null; l = l.next) {
      for (let j = 0; j < l.keys.length; j++) d.set(l.keys[j], l.scores[j]);
    }
    this.dict = d;
  }

  /** Changes the score of an existing member from `old` to `score`. */
  updateScore(key: string, old: number, score: number): void {
    if (this.dict !== null) this.dict.set(key, score);
    else score += 0; // a listpack stores -0 as the integer 0
    // In place when the order does not change (zslUpdateScore's fast path).
    this.seek(M_ELEM, old, key, false, 0);
    const l = seekLeaf;
    const j = seekIdx;
    const ks = l.keys;
    const ss = l.scores;
    if (
      j > 0 &&
      j < ks.length - 1 &&
      (ss[j - 1] < score || (ss[j - 1] === score && ks[j - 1] < key)) &&
      (ss[j + 1] > score || (ss[j + 1] === score && ks[j + 1] > key))
    ) {
      ss[j] = score;
      return;
    }
    this.treeDeleteAt(l, j);
    this.treeInsert(score, key);
  }

  /** Removes a member; returns true if it was there. */
  delete(key: string): boolean {
    let s: number | undefined;
    if (this.dict !== null) {
      s = this.dict.get(key);
      if (s === undefined) return false;
      this.dict.delete(key);
    } else {
      s = this.score(key);
      if (s === undefined) return false;
    }
    this.seek(M_ELEM, s, key, false, 0);
    this.treeDeleteAt(seekLeaf, seekIdx);
    return true;
  }

  /** Removes the element an iterator points at (the iterator becomes invalid). */
  deleteElement(key: string, score: number): void {
    if (this.dict !== null) this.dict.delete(key);
    this.seek(M_ELEM, score, key, false, 0);
    this.treeDeleteAt(seekLeaf, seekIdx);
  }

  /** Removes every element (the set is about to be discarded or refilled). */
  clear(): void {
    const l = new Leaf([], []);
    this.root = this.head = this.tail = l;
    this.height = 0;
    this.n = 0;
    if (this.dict !== null) this.dict = new Map();
  }

  private treeInsert(score: number, key: string): void {
    let node = this.root;
    const height = this.height;
    for (let h = 0; h < height; h++) {
      const inner = node as Inner;
      const ss = inner.sscores;
      const sk = inner.skeys;
      let lo = 1;
      let hi = inner.children.length - 1;
      let found = 0;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const ms = ss[mid];
        // sep <= target (not <): the element (score, key) belongs to the child whose separator it reaches
        if (ms < score || (ms === score && sk[mid] <= key)) {
          found = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      inner.counts[found]++;
      pathNodes[h] = inner;
      pathIdx[h] = found;
      node = inner.children[found];
    }
    const leaf = node as Leaf;
    const ks = leaf.keys;
    const ss = leaf.scores;
    const len = ks.length;
    let j: number;
    if (len < SMALL) {
      // Small leaves (most small sets) are rebuilt at their exact size: growing arrays in place would
      // reserve 16+ spare slots each, more than the elements of a typical small set.
      j = lowerElem(leaf, score, key);
      const nk: string[] = new Array(len + 1);
      const ns: number[] = new Array(len + 1);
      for (let i = 0; i < j; i++) {
        nk[i] = ks[i];
        ns[i] = ss[i];
      }
      nk[j] = key;
      ns[j] = score;
      for (let i = j; i < len; i++) {
        nk[i + 1] = ks[i];
        ns[i + 1] = ss[i];
      }
      leaf.keys = nk;
      leaf.scores = ns;
    } else if (ss[len - 1] < score || (ss[len - 1] === score && ks[len - 1] < key)) {
      j = len;
      ks.push(key);
      ss.push(score);
    } else {
      j = lowerElem(leaf, score, key);
      ks.splice(j, 0, key);
      ss.splice(j, 0, score);
    }
    this.n++;
    if (len + 1 > LEAF_MAX) this.splitLeaf(leaf, j);
  }

  private splitLeaf(leaf: Leaf, insertedAt: number): void {
    const len = leaf.keys.length;
    // Appends at the very end / inserts at the very front (monotonic scores) split unevenly, so such
    // loads fill leaves instead of leaving them half empty.
    let at = len >>> 1;
    if (leaf.next === null && insertedAt === len - 1) at = len - 1;
    else if (leaf.prev === null && insertedAt === 0) at = 1;
    const right = new Leaf(leaf.keys.splice(at), leaf.scores.splice(at));
    right.next = leaf.next;
    right.prev = leaf;
    if (leaf.next !== null) leaf.next.prev = right;
    else this.tail = right;
    leaf.next = right;
    this.insertChild(this.height - 1, leaf, at, right, len - at, right.keys[0], right.scores[0]);
  }

  /**
   * After `left` (the child at pathIdx[h] of pathNodes[h]) split: inserts `right` after it. h = -1 means
   * `left` is the root.
   */
  private insertChild(h: number, left: Leaf | Inner, leftCount: number, right: Leaf | Inner, rightCount: number, sk: string, ss: number): void {
    if (h < 0) {
      this.root = new Inner([left, right], [leftCount, rightCount], [sk, sk], [ss, ss]);
      this.height++;
      return;
    }
    const p = pathNodes[h];
    const i = pathIdx[h];
    p.children.splice(i + 1, 0, right);
    p.counts[i] = leftCount;
    p.counts.splice(i + 1, 0, rightCount);
    p.skeys.splice(i + 1, 0, sk);
    p.sscores.splice(i + 1, 0, ss);
    if (p.children.length > INNER_MAX) {
      const n = p.children.length;
      const at = n >>> 1;
      const q = new Inner(p.children.splice(at), p.counts.splice(at), p.skeys.splice(at), p.sscores.splice(at));
      let lc = 0;
      for (let j = 0; j < p.counts.length; j++) lc += p.counts[j];
      let rc = 0;
      for (let j = 0; j < q.counts.length; j++) rc += q.counts[j];
      this.insertChild(h - 1, p, lc, q, rc, q.skeys[0], q.sscores[0]);
    }
  }

  /** Deletes position j of `leaf`, the leaf found by the last seek (its path is in pathNodes). */
  private treeDeleteAt(leaf: Leaf, j: number): void {
    if (j >= leaf.keys.length) throw new Error('RZSet: element not found');
    const height = this.height;
    for (let h = 0; h < height; h++) pathNodes[h].counts[pathIdx[h]]--;
    this.n--;
    const ks = leaf.keys;
    const len0 = ks.length;
    if (len0 <= SMALL) {
      // exact-size rebuild, as in treeInsert
      const ss = leaf.scores;
      const nk: string[] = new Array(len0 - 1);
      const ns: number[] = new Array(len0 - 1);
      for (let i = 0; i < j; i++) {
        nk[i] = ks[i];
        ns[i] = ss[i];
      }
      for (let i = j + 1; i < len0; i++) {
        nk[i - 1] = ks[i];
        ns[i - 1] = ss[i];
      }
      leaf.keys = nk;
      leaf.scores = ns;
    } else if (j === ks.length - 1) {
      ks.pop();
      leaf.scores.pop();
    } else {
      ks.splice(j, 1);
      leaf.scores.splice(j, 1);
    }
    if (height === 0) return;
    const len = leaf.keys.length;
    if (len === 0) {
      this.unlinkLeaf(leaf);
      this.removeChild(height - 1);
    } else if (len < LEAF_MIN) {
      this.mergeLeaf(leaf, height - 1);
    }
  }

  private unlinkLeaf(leaf: Leaf): void {
    if (leaf.prev !== null) leaf.prev.next = leaf.next;
    else this.head = leaf.next!;
    if (leaf.next !== null) leaf.next.prev = leaf.prev;
    else this.tail = leaf.prev!;
  }

  /** Removes child pathIdx[h] of pathNodes[h]; cascades when the node empties; collapses the root. */
  private removeChild(h: number): void {
    const p = pathNodes[h];
    const i = pathIdx[h];
    p.children.splice(i, 1);
    p.counts.splice(i, 1);
    p.skeys.splice(i, 1);
    p.sscores.splice(i, 1);
    if (p.children.length === 0) {
      if (h === 0) {
        // cannot happen while n > 0 (the root keeps at least one non-empty child)
        const l = new Leaf([], []);
        this.root = this.head = this.tail = l;
        this.height = 0;
        return;
      }
      this.removeChild(h - 1);
      return;
    }
    if (h === 0) this.collapseRoot();
    else if (p.children.length < INNER_MIN) this.mergeInner(h);
  }

  private collapseRoot(): void {
    while (this.height > 0 && (this.root as Inner).children.length === 1) {
      this.root = (this.root as Inner).children[0];
      this.height--;
    }
  }

  /** A small leaf (child pathIdx[h] of pathNodes[h]) joins a sibling in the same parent if both fit. */
  private mergeLeaf(leaf: Leaf, h: number): void {
    const p = pathNodes[h];
    const i = pathIdx[h];
    let li: number;
    if (i + 1 < p.children.length && (p.children[i + 1] as Leaf).keys.length + leaf.keys.length <= LEAF_MAX) li = i;
    else if (i > 0 && (p.children[i - 1] as Leaf).keys.length + leaf.keys.length <= LEAF_MAX) li = i - 1;
    else return;
    const left = p.children[li] as Leaf;
    const right = p.children[li + 1] as Leaf;
    const rk = right.keys;
    const rs = right.scores;
    for (let j = 0; j < rk.length; j++) {
      left.keys.push(rk[j]);
      left.scores.push(rs[j]);
    }
    p.counts[li] += p.counts[li + 1];
    this.unlinkLeaf(right);
    pathIdx[h] = li + 1;
    this.removeChild(h);
  }

  /** A small inner node (child pathIdx[h-1] of pathNodes[h-1]) joins a sibling if both fit. */
  private mergeInner(h: number): void {
    const p = pathNodes[h - 1];
    const i = pathIdx[h - 1];
    const me = p.children[i] as Inner;
    let li: number;
    if (i + 1 < p.children.length && (p.children[i + 1] as Inner).children.length + me.children.length <= INNER_MAX) li = i;
    else if (i > 0 && (p.children[i - 1] as Inner).children.length + me.children.length <= INNER_MAX) li = i - 1;
    else return;
    const left = p.children[li] as Inner;
    const right = p.children[li + 1] as Inner;
    // The separator of right's first child becomes the parent's separator for right.
    right.skeys[0] = p.skeys[li + 1];
    right.sscores[0] = p.sscores[li + 1];
    for (let j = 0; j < right.children.length; j++) {
      left.children.push(right.children[j]);
      left.counts.push(right.counts[j]);
      left.skeys.push(right.skeys[j]);
      left.sscores.push(right.sscores[j]);
    }
    p.counts[li] += p.counts[li + 1];
    pathIdx[h - 1] = li + 1;
    this.removeChild(h - 1);
  }

  // ---- consistency check (tests) ----

  /** Throws when an invariant does not hold. */
  check(): void {
    let count = 0;
    let prevS = -Infinity;
    let prevK: string | null = null;
    let prevLeaf: Leaf | null = null;
    for (let l: Leaf | null = this.head; l !== null; l = l.next) {
      if (l.prev !== prevLeaf) throw new Error('bad prev link');
      if (l.keys.length !== l.scores.length) throw new Error('keys/scores length');
      if (l.keys.length === 0 && this.n !== 0) throw new Error('empty leaf');
      if (l.keys.length > LEAF_MAX) throw new Error('leaf overflow');
      for (let j = 0; j < l.keys.length; j++) {
        const s = l.scores[j];
        const k = l.keys[j];
        if (prevK !== null && !(prevS < s || (prevS === s && prevK < k))) throw new Error(`order at ${k}`);
        if (this.dict !== null && this.dict.get(k) !== s) throw new Error(`dict mismatch at ${k}`);
        prevS = s;
        prevK = k;
        count++;
      }
      prevLeaf = l;
    }
    if (prevLeaf !== this.tail && this.n !== 0) throw new Error('bad tail');
    if (count !== this.n) throw new Error(`count ${count} != ${this.n}`);
    if (this.dict !== null && this.dict.size !== this.n) throw new Error('dict size');
    const walk = (node: Leaf | Inner, h: number, lo: [number, string] | null): number => {
      if (h === 0) {
        const l = node as Leaf;
        if (lo && l.keys.length && (l.scores[0] < lo[0] || (l.scores[0] === lo[0] && l.keys[0] < lo[1]))) throw new Error('separator above first');
        return l.keys.length;
      }
      const inner = node as Inner;
      if (inner.children.length === 0 || inner.children.length > INNER_MAX) throw new Error('inner size');
      let total = 0;
      for (let i = 0; i < inner.children.length; i++) {
        const c = walk(inner.children[i], h - 1, i === 0 ? lo : [inner.sscores[i], inner.skeys[i]]);
        if (c !== inner.counts[i]) throw new Error('count mismatch');
        total += c;
      }
      return total;
    };
    if (walk(this.root, this.height, null) !== this.n) throw new Error('tree total');
  }
}

/** First index in `leaf` whose element is not `before` the target. */
function lowerIn(leaf: Leaf, mode: number, s: number, k: string, ex: boolean, kind: number): number {
  if (mode === M_ELEM) return lowerElem(leaf, s, k);
  const ks = leaf.keys;
  const ss = leaf.scores;
  let lo = 0;
  let hi = ks.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(mode, ss[mid], ks[mid], s, k, ex, kind)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

Object.defineProperty(RZSet.prototype, 'type', { value: 'zset', writable: false, enumerable: false });

/** lowerIn for M_ELEM: first index whose (score, member) is >= (s, k). */
function lowerElem(leaf: Leaf, s: number, k: string): number {
  const ks = leaf.keys;
  const ss = leaf.scores;
  let lo = 0;
  let hi = ks.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const ms = ss[mid];
    if (ms < s || (ms === s && ks[mid] < k)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// The set value (Redis 7.0 t_set.c): a JS Set<string> of latin1 members.
//
// Encoding (OBJECT ENCODING) follows Redis 7.0's rules, which have no listpack sets: a set starts as
// 'intset' when its first member is an integer (string2ll-canonical, within int64), and turns into a
// 'hashtable' for good when a non-integer member arrives or when it grows past set-max-intset-entries.
// Sets built by the set-algebra commands start as an empty intset, like Redis' createIntsetObject().
// While a set is an intset, Redis iterates it in ascending numeric order (SMEMBERS, SSCAN, SINTER...);
// members() reproduces that order (a sorted copy cached until the next change).
//
// Random access (SPOP, SRANDMEMBER; HRANDFIELD for hashes): a JS Set cannot pick a random element, so a
// Sampler (a dense array of the members) is built on the first random operation and kept in step with
// later changes; it costs 8 bytes per member, only for sets that were sampled.
//
// Size limit: V8 caps a Set/Map at 2^24 entries (and may already fail to grow past 2^23 when deleted
// entries wait for compaction). add() returns -1 instead of throwing when the engine refuses to grow.
import type { RObj } from '../db';
import { config } from '../../config';
import { forgetScans } from '../scan';
import { parseLL } from '../../util/strconv';

/** Below this many entries a Set/Map can always grow (see the header); above it add() guards with try. */
export const SAFE_SIZE = 1 << 23;

/** Error text when a set or hash cannot grow any more (no Redis equivalent: Redis has no such limit). */
export const FULL_ERROR = 'ERR the set or hash has reached the maximum number of elements (16777216)';

/** Redis' isSdsRepresentableAsLongLong: is s the canonical text of an int64? */
export function isIntMember(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 20) return false;
  const c = s.charCodeAt(0);
  if (c > 57 || (c < 48 && c !== 45)) return false;
  return parseLL(s) !== null;
}

/** Ascending numeric order of two canonical int64 texts (exact, no parsing). */
export function compareIntText(a: string, b: string): number {
  const na = a.charCodeAt(0) === 45;
  const nb = b.charCodeAt(0) === 45;
  if (na !== nb) return na ? -1 : 1;
  const r = a.length !== b.length ? (a.length < b.length ? -1 : 1) : a < b ? -1 : a > b ? 1 : 0;
  return na ? -r : r;
}

/** Uniform random integer in [0, n). */
export function randomIndex(n: number): number {
  return Math.floor(Math.random() * n);
}

/**
 * Uniform random picks over the keys of a Set or Map. `arr` holds every live key once, plus keys
 * deleted since it was built (kept in `gone` and swept when picked, or all at once when they pile up).
 * The owner calls added(k) for every key it inserts and removed(k) for every key it deletes, except
 * keys it takes out through take().
 */
export class Sampler {
  arr: string[];
  gone: Set<string> | null = null;

  constructor(keys: Iterable<string>) {
    this.arr = Array.from(keys);
  }

  added(k: string): void {
    const g = this.gone;
    if (g !== null && g.delete(k)) {
      if (g.size === 0) this.gone = null;
      return; // its old slot in arr is live again
    }
    this.arr.push(k);
  }

  /** Returns false when the sampler holds too many dead keys and should be dropped. */
  removed(k: string): boolean {
    if (this.gone === null) this.gone = new Set();
    this.gone.add(k);
    return this.gone.size * 2 <= this.arr.length;
  }

  /** Index in arr of a random live key (the owner is not empty). */
  pick(): number {
    const arr = this.arr;
    for (;;) {
      const i = randomIndex(arr.length);
      const g = this.gone;
      if (g === null || !g.has(arr[i])) return i;
      g.delete(arr[i]);
      if (g.size === 0) this.gone = null;
      this.swapRemove(i);
    }
  }

  /** Removes arr[i] (order is not kept) and returns it. */
  swapRemove(i: number): string {
    const arr = this.arr;
    const k = arr[i];
    const last = arr.pop()!;
    if (i < arr.length) arr[i] = last;
    return k;
  }

  /** Drops dead keys: afterwards arr holds exactly the live keys. */
  compact(): string[] {
    const g = this.gone;
    if (g !== null) {
      const arr = this.arr;
      let w = 0;
      for (let r = 0; r < arr.length; r++) if (!g.has(arr[r])) arr[w++] = arr[r];
      arr.length = w;
      this.gone = null;
    }
    return this.arr;
  }

  /**
   * k distinct random live keys (k <= live count): a partial Fisher-Yates shuffle of arr, so the
   * result is arr[0..k) afterwards. O(k) after compaction.
   */
  sample(k: number): string[] {
    const arr = this.compact();
    const n = arr.length;
    for (let i = 0; i < k; i++) {
      const j = i + randomIndex(n - i);
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t;
    }
    return arr.slice(0, k);
  }
}

/** Up to this size a random pick walks the collection instead of building a Sampler. */
export const SMALL_PICK = 16;

/** The i-th key of a Set or Map in iteration order (i < size). */
export function nthKey(keys: Iterable<string>, i: number): string {
  for (const k of keys) if (i-- === 0) return k;
  throw new Error('nthKey: index out of range');
}

/** Adds to a Set that may be at V8's size limit: false when the engine refused to grow it. */
function guardedAdd(s: Set<string>, m: string): boolean {
  try {
    s.add(m);
    return true;
  } catch {
    return false;
  }
}

export class RSet implements RObj {
  declare readonly type: 'set';
  /** The members. Mutate only through add/delete/popRandom so caches stay right. */
  readonly s: Set<string>;
  /** OBJECT ENCODING is 'intset' (else 'hashtable'). */
  private int: boolean;
  /** Members in ascending order while intset-encoded, built on demand. */
  private ord: string[] | null = null;
  private rnd: Sampler | null = null;

  /** An empty set with the given encoding (Redis' createIntsetObject / createSetObject). */
  constructor(intset = true, s?: Set<string>) {
    this.int = intset;
    this.s = s ?? new Set();
  }

  /** Redis' setTypeCreate(): the empty set a first member `m` goes into. */
  static forMember(m: string): RSet {
    return new RSet(isIntMember(m));
  }

  /** A set of these members with the encoding a freshly built (or RDB-loaded) set has. */
  static from(members: Iterable<string>): RSet {
    const r = new RSet(true);
    for (const m of members) if (r.add(m) < 0) break;
    return r;
  }

  get size(): number {
    return this.s.size;
  }

  has(m: string): boolean {
    return this.s.has(m);
  }

  /** Redis' setTypeAdd: 1 when added, 0 when already there, -1 when the set cannot grow. */
  add(m: string): number {
    const s = this.s;
    const n = s.size;
    if (n < SAFE_SIZE) s.add(m);
    else if (!guardedAdd(s, m)) return -1;
    if (s.size === n) return 0;
    if (this.int) {
      if (!isIntMember(m) || n + 1 > config['set-max-intset-entries']) {
        this.int = false;
        this.ord = null;
      } else if (this.ord !== null) this.ord = null;
    }
    if (this.rnd !== null) this.rnd.added(m);
    return 1;
  }

  /** Redis' setTypeRemove: true when m was a member. */
  delete(m: string): boolean {
    if (!this.s.delete(m)) return false;
    this.ord = null;
    if (this.rnd !== null && !this.rnd.removed(m)) this.rnd = null;
    return true;
  }

  /** Members in Redis' iteration order (ascending for an intset). Do not mutate while iterating. */
  members(): Iterable<string> {
    if (!this.int) return this.s;
    let o = this.ord;
    if (o === null) {
      o = Array.from(this.s);
      o.sort(compareIntText);
      this.ord = o;
    }
    return o;
  }

  private sampler(): Sampler {
    let r = this.rnd;
    if (r === null) r = this.rnd = new Sampler(this.s);
    return r;
  }

  /** A random member (the set is not empty). */
  randomMember(): string {
    if (this.rnd === null && this.s.size <= SMALL_PICK) return nthKey(this.s, randomIndex(this.s.size));
    const r = this.sampler();
    return r.arr[r.pick()];
  }

  /** Removes and returns a random member (the set is not empty). */
  popRandom(): string {
    if (this.rnd === null && this.s.size <= SMALL_PICK) {
      const m = nthKey(this.s, randomIndex(this.s.size));
      this.delete(m);
      return m;
    }
    const r = this.sampler();
    const m = r.swapRemove(r.pick());
    this.s.delete(m);
    this.ord = null;
    return m;
  }

  /** k distinct random members, 0 < k < size, in random order. */
  sample(k: number): string[] {
    return this.sampler().sample(k);
  }

  /**
   * Gives the set the encoding a set freshly built from its current members would have (SPOP with a
   * count rebuilds the remaining members into a new set).
   */
  reencode(): void {
    let int = this.s.size <= config['set-max-intset-entries'];
    if (int) for (const m of this.s) if (!isIntMember(m)) { int = false; break; }
    this.int = int;
    this.ord = null;
  }

  encoding(): string {
    return this.int ? 'intset' : 'hashtable';
  }

  isIntset(): boolean {
    return this.int;
  }

  clone(): RSet {
    return new RSet(this.int, new Set(this.s));
  }

  free(): void {
    forgetScans(this);
    this.rnd = null;
    this.ord = null;
  }
}
Object.defineProperty(RSet.prototype, 'type', { value: 'set', writable: false, enumerable: false });

// Cursor-based iteration (SCAN, and usable by HSCAN/SSCAN/ZSCAN) over a JS Map or Set.
//
// Redis' guarantee: every element present for the whole duration of a full iteration is returned at
// least once; elements added or removed meanwhile may or may not be; duplicates are allowed. Redis
// gets this from its reverse-binary bucket cursor. A Map has no bucket cursor, but its iteration
// order is insertion order and its iterators survive mutation (deleted entries are skipped, new
// entries are appended at the end and visited). Hence:
//
// 1. Live iterators. A SCAN call that does not finish parks its Map iterator in a small registry keyed
//    by the cursor number it returns; the next call with that cursor resumes the same iterator, which
//    is exact. The registry is bounded (LRU over all sources, plus an idle timeout), so abandoned
//    scans cost nothing for long.
//
// 2. Termination under churn. An iterator would also visit keys inserted during the scan, so a
//    write-heavy workload could keep a scan going forever. Every element present when the scan
//    (re)started lies, in insertion order, before every element inserted later; so once the iterator
//    has yielded as many entries as the source held when the scan (re)started, it has passed all of
//    them (if fewer were old ones, some yield was a new entry, which comes after all old ones). The
//    scan ends there: a full scan visits at most as many entries as the source held at its start.
//
// 3. Self-describing cursors, for cursors not in the registry (evicted, idle-expired, another
//    process). A cursor packs three numbers, always < 2^53 so that clients which turn cursors into JS
//    numbers keep them exact: `anchor`, a 27-bit hash of the last entry yielded; `pos`, an upper bound
//    of the Map index of the next entry; `end`, an upper bound of the index of every entry present
//    at the scan's start and not yet passed (the size at start; it stays a bound because indexes
//    only ever decrease: deletions move entries towards the front, insertions append). pos and end
//    are stored as 13-bit floats rounded UP, so they stay bounds (end is rounded once per scan: the
//    rounding is idempotent).
//    Recovery walks indexes [0, pos) and resumes right after the FIRST entry whose hash equals the
//    anchor: the real anchor is in that range, so a false match only makes us resume earlier
//    (duplicates, never misses); the scan then runs until the next index reaches `end`, so it stays
//    bounded. If the anchor is gone (deleted meanwhile) the scan restarts from the beginning:
//    duplicates again, never misses. Recovery costs O(pos) once; the scan is live again afterwards.
//
// Known gaps (documented): after a process restart the keyspace is reloaded in snapshot order, which
// need not be the old order, so an old cursor resumes at its anchor and keys that moved before it are
// missed; a recovered scan whose anchor key was deleted and re-inserted (moved to the end) while the
// Map shrank below pos may skip entries; a scan whose parked iterator is evicted over and over while
// its anchor keys keep being deleted restarts each time.

/** Anything with an insertion-ordered, mutation-safe key iterator: Map<string, V> or Set<string>. */
export interface ScanSource {
  keys(): IterableIterator<string>;
  readonly size: number;
}

interface ScanState {
  it: Iterator<string>;
  /** Upper bound of the Map index of the next entry. */
  pos: number;
  /** Upper bound (exclusive) of the index of every entry present at (re)start not yet passed. */
  end: number;
  /** Last key yielded (the anchor). */
  last: string;
}

interface LiveEntry {
  cursor: number;
  state: ScanState;
  owner: Map<number, LiveEntry>;
  touched: number;
}

export const scanLimits = {
  /** Live iterators kept across all sources (LRU beyond that). */
  maxLive: 256,
  /** Live iterators idle longer than this are dropped (they pin old Map backing stores). */
  maxIdleMs: 10 * 60 * 1000,
};

const ANCHOR_BITS = 27;
const ANCHOR_MOD = 2 ** ANCHOR_BITS;
const FIELD_BITS = 13; // 5-bit exponent + 8-bit mantissa
const FIELD_MOD = 2 ** FIELD_BITS;

/** owner object (a Db, or a hash/set/zset value) -> its live scans by cursor */
const registries = new WeakMap<object, Map<number, LiveEntry>>();
/** All live entries, least recently used first. */
const lru = new Set<LiveEntry>();

/** 27-bit hash (FNV-1a, folded) of a latin1 string. */
export function anchorHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) % ANCHOR_MOD;
}

/** Non-negative integer -> 13-bit code of a value >= v (8-bit mantissa, 5-bit exponent). */
function upCode(v: number): number {
  let e = 0;
  let m = Math.ceil(v);
  while (m > 255) {
    e++;
    m = Math.ceil(v / 2 ** e);
  }
  if (e > 31) return FIELD_MOD - 1;
  return (e << 8) | m;
}
function fromCode(code: number): number {
  return (code & 255) * 2 ** (code >>> 8);
}

/** Packs (anchor, pos, end); pos and end are rounded up. */
export function encodeCursor(anchor: number, pos: number, end: number): number {
  return (anchor % ANCHOR_MOD) * FIELD_MOD * FIELD_MOD + upCode(pos) * FIELD_MOD + upCode(end);
}
/** The value `v` is stored as in a cursor (>= v). */
export function roundUp(v: number): number {
  return fromCode(upCode(v));
}

/** Splits any cursor (up to 2^64-1) into (anchor, pos, end). */
export function decodeCursor(cursor: number | bigint): { anchor: number; pos: number; end: number } {
  let lo: number; // low 26 bits
  let hi: number; // anchor
  if (typeof cursor === 'number') {
    lo = cursor % (FIELD_MOD * FIELD_MOD);
    hi = Math.floor(cursor / (FIELD_MOD * FIELD_MOD)) % ANCHOR_MOD;
  } else {
    lo = Number(cursor & BigInt(FIELD_MOD * FIELD_MOD - 1));
    hi = Number((cursor >> BigInt(2 * FIELD_BITS)) & BigInt(ANCHOR_MOD - 1));
  }
  return { anchor: hi, pos: fromCode(Math.floor(lo / FIELD_MOD)), end: fromCode(lo % FIELD_MOD) };
}

/**
 * Parses a SCAN cursor like Redis 7.0 (strtoul base 10: optional '+' or '-', leading zeros, empty
 * string is 0; a leading space, trailing garbage or a value >= 2^64 is invalid; '-n' wraps modulo 2^64).
 * Returns null when Redis answers "ERR invalid cursor".
 */
export function parseCursor(s: string): number | bigint | null {
  const n = s.length;
  if (n === 0) return 0;
  let i = 0;
  let neg = false;
  const c0 = s.charCodeAt(0);
  if (c0 === 43 /* + */ || c0 === 45 /* - */) {
    neg = c0 === 45;
    i = 1;
  }
  if (i === n) return null; // "+" or "-": no digits, strtoul leaves eptr at the sign
  for (let j = i; j < n; j++) {
    const ch = s.charCodeAt(j);
    if (ch < 48 || ch > 57) return null;
  }
  if (n - i <= 15) {
    const v = Number(i === 0 ? s : s.slice(i));
    if (!neg || v === 0) return v;
  }
  let b = BigInt(s.slice(i));
  if (b > 0xffffffffffffffffn) return null; // ERANGE
  if (neg) b = (0x10000000000000000n - b) & 0xffffffffffffffffn;
  return b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

function freshState(src: ScanSource): ScanState {
  return { it: src.keys(), pos: 0, end: src.size, last: '' };
}

/** Fallback for a cursor with no live iterator: see the header comment, point 3. */
function recoverState(src: ScanSource, cursor: number | bigint): ScanState {
  const { anchor, pos, end } = decodeCursor(cursor);
  const limit = Math.min(pos, src.size);
  if (limit > 0) {
    const it = src.keys();
    for (let i = 1; i <= limit; i++) {
      const r = it.next();
      if (r.done) break;
      if (anchorHash(r.value) === anchor) return { it, pos: i, end, last: r.value };
    }
  }
  return freshState(src);
}

function takeLive(owner: object, cursor: number | bigint): ScanState | null {
  if (typeof cursor !== 'number') return null;
  const reg = registries.get(owner);
  if (reg === undefined) return null;
  const e = reg.get(cursor);
  if (e === undefined) return null;
  reg.delete(cursor);
  lru.delete(e);
  return e.state;
}

function park(owner: object, cursor: number, state: ScanState): void {
  let reg = registries.get(owner);
  if (reg === undefined) {
    reg = new Map();
    registries.set(owner, reg);
  }
  const now = Date.now();
  const prev = reg.get(cursor);
  if (prev !== undefined) {
    // Two scans at the same position with the same last key: equivalent iterators. Keep one, with the
    // larger bound so that neither scan can stop early.
    if (prev.state.end > state.end) state.end = prev.state.end;
    lru.delete(prev);
  }
  const e: LiveEntry = { cursor, state, owner: reg, touched: now };
  reg.set(cursor, e);
  lru.add(e);
  // Evict idle entries (oldest first) and enforce the global bound.
  for (const old of lru) {
    if (lru.size > scanLimits.maxLive || now - old.touched > scanLimits.maxIdleMs) {
      lru.delete(old);
      if (old.owner.get(old.cursor) === old) old.owner.delete(old.cursor);
    } else break;
  }
}

/** Number of parked scan iterators (for tests / INFO). */
export function liveScanCount(): number {
  return lru.size;
}

/** Drops every parked iterator of one owner (e.g. when a Db is swapped or a value is rebuilt). */
export function forgetScans(owner: object): void {
  const reg = registries.get(owner);
  if (reg === undefined) return;
  for (const e of reg.values()) lru.delete(e);
  registries.delete(owner);
}

/**
 * One SCAN step over `src` (owned by `owner`, the object the live-iterator registry is keyed by).
 * Visits about `count` entries (COUNT is a hint, as in Redis: entries examined, not entries returned)
 * and calls visit(key) for each; `visit` may delete that key from `src`. Returns the next cursor,
 * 0 when the iteration is complete.
 */
export function scanStep(
  owner: object,
  src: ScanSource,
  cursor: number | bigint,
  count: number,
  visit: (key: string) => void,
): number {
  let st: ScanState;
  if (cursor === 0 || cursor === 0n) st = freshState(src);
  else st = takeLive(owner, cursor) ?? recoverState(src, cursor);
  const it = st.it;
  let n = 0;
  let done = false;
  while (n < count && st.pos < st.end) {
    const r = it.next();
    if (r.done) {
      done = true;
      break;
    }
    st.pos++;
    st.last = r.value;
    n++;
    visit(r.value);
  }
  if (done || st.pos >= st.end) return 0;
  // If the source emptied meanwhile the iterator may have nothing left: peek cheaply by size.
  if (src.size === 0) return 0;
  st.end = roundUp(st.end); // what a recovered cursor would use: live and recovered scans agree
  const next = encodeCursor(anchorHash(st.last), st.pos, st.end);
  park(owner, next, st);
  return next;
}

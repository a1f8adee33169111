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
//    scan ends there: total work is bounded by the size at start plus nothing.
//
// 3. Self-describing cursors, for cursors not in the registry (evicted, idle-expired, another
//    process). A cursor is `anchor * 2^32 + pos` (always < 2^53, so clients that turn cursors into JS
//    numbers keep them exact): `pos` is an upper bound of the Map index of the next entry (entries
//    only move towards the front, when earlier ones are deleted), `anchor` a 21-bit hash of the last
//    entry yielded. Recovery walks indexes [0, pos) and resumes right after the FIRST entry whose
//    hash equals the anchor: the real anchor is in that range, so a false match can only make us
//    resume earlier (duplicates), never later (misses). If the anchor is gone (deleted meanwhile),
//    the scan restarts from the beginning: duplicates again, never misses. Recovery costs O(pos) once,
//    after which the scan is live again.
//
// Known gaps (acceptable, documented): after a process restart the keyspace is reloaded in snapshot
// order, which need not be the old order, so an old cursor resumes at its anchor but keys that moved
// before it are missed; a recovered scan whose anchor key was deleted and re-inserted (moved to the
// end) within [0, pos) may skip entries.

/** Anything with an insertion-ordered, mutation-safe key iterator: Map<string, V> or Set<string>. */
export interface ScanSource {
  keys(): IterableIterator<string>;
  readonly size: number;
}

interface ScanState {
  it: Iterator<string>;
  /** Entries still to yield before every entry present at (re)start has been passed. */
  remaining: number;
  /** Upper bound of the Map index of the next entry. */
  pos: number;
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

const POS_BITS = 32;
const POS_MOD = 2 ** POS_BITS; // 4294967296
const ANCHOR_BITS = 21;
const ANCHOR_MASK = (1 << ANCHOR_BITS) - 1;

/** owner object (a Db, or a hash/set/zset value) -> its live scans by cursor */
const registries = new WeakMap<object, Map<number, LiveEntry>>();
/** All live entries, least recently used first. */
const lru = new Set<LiveEntry>();

/** 21-bit FNV-1a of a latin1 string. */
export function anchorHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h ^ (h >>> ANCHOR_BITS)) & ANCHOR_MASK;
}

export function encodeCursor(pos: number, anchor: number): number {
  if (pos >= POS_MOD) pos = POS_MOD - 1;
  return anchor * POS_MOD + pos;
}

/** Splits any cursor (up to 2^64-1) into (pos, anchor). */
export function decodeCursor(cursor: number | bigint): { pos: number; anchor: number } {
  if (typeof cursor === 'number' && Number.isSafeInteger(cursor) && cursor >= 0) {
    const pos = cursor % POS_MOD;
    return { pos, anchor: Math.floor(cursor / POS_MOD) & ANCHOR_MASK };
  }
  const b = BigInt(cursor);
  return { pos: Number(b & BigInt(POS_MOD - 1)), anchor: Number((b >> BigInt(POS_BITS)) & BigInt(ANCHOR_MASK)) };
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
  return { it: src.keys(), remaining: src.size, pos: 0, last: '' };
}

/** Fallback for a cursor with no live iterator: see the header comment, point 3. */
function recoverState(src: ScanSource, cursor: number | bigint): ScanState {
  const { pos, anchor } = decodeCursor(cursor);
  const limit = Math.min(pos, src.size);
  if (limit > 0) {
    const it = src.keys();
    for (let i = 1; i <= limit; i++) {
      const r = it.next();
      if (r.done) break;
      if (anchorHash(r.value) === anchor) return { it, remaining: src.size - i, pos: i, last: r.value };
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
    if (prev.state.remaining > state.remaining) state.remaining = prev.state.remaining;
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
  while (n < count && st.remaining > 0) {
    const r = it.next();
    if (r.done) {
      st.remaining = 0;
      break;
    }
    st.remaining--;
    st.pos++;
    st.last = r.value;
    n++;
    visit(r.value);
  }
  if (st.remaining <= 0) return 0;
  // If the source emptied meanwhile the iterator may have nothing left: peek cheaply by size.
  if (src.size === 0) return 0;
  const next = encodeCursor(st.pos, anchorHash(st.last));
  park(owner, next, st);
  return next;
}

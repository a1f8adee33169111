// A Redis database: key -> value, plus a separate expiry table (like Redis' `expires` dict), so keys
// without a TTL cost nothing extra.
//
// Values: a string value is stored as a latin1 JS string (one char per byte, binary-safe) or, when it
// is the canonical text of a safe integer, as a JS number (Redis' "int" encoding). Every other type
// is an object with a `type` field (see types.ts).

export interface RObj {
  /** Redis TYPE name: 'list' | 'hash' | 'set' | 'zset' | 'stream' | 'rangeindex' ... */
  readonly type: string;
  /** OBJECT ENCODING name. */
  encoding(): string;
  /** Called when the value leaves the keyspace for good (DEL, overwrite, expiry, FLUSH*). */
  free?(): void;
  /** Deep copy for COPY: an independent value the new key owns (its own external resources, if any). */
  clone?(): RObj;
}
export type Value = string | number | RObj;

export function typeName(v: Value): string {
  return typeof v === 'object' ? v.type : 'string';
}

/** Keyspace event sink: the WAL, WATCH, keyspace notifications and stats hook in here, not in handlers. */
export interface KeyspaceListener {
  /** A key's value or TTL changed (write path). */
  modified?(db: Db, key: string): void;
  /** A key expired (lazily or by the active cycle). */
  expired?(db: Db, key: string): void;
  /** The database is about to be emptied (FLUSHDB/FLUSHALL): called before any key is removed. */
  flushed?(db: Db): void;
}
/** The composed listener the keyspace calls: every method present (no-ops when nobody listens). */
interface ComposedListener {
  modified(db: Db, key: string): void;
  expired(db: Db, key: string): void;
  flushed(db: Db): void;
}
const noop = (): void => {};
export let listener: ComposedListener = { modified: noop, expired: noop, flushed: noop };
let primaryListener: KeyspaceListener | null = null;
const extraListeners: KeyspaceListener[] = [];
/** Sets the primary listener (the WAL); listeners added with addKeyspaceListener are kept. */
export function setKeyspaceListener(l: KeyspaceListener): void {
  primaryListener = l;
  composeListeners();
}
/** Adds a listener beside the primary one (WATCH, keyspace notifications). */
export function addKeyspaceListener(l: KeyspaceListener): void {
  if (!extraListeners.includes(l)) extraListeners.push(l);
  composeListeners();
}
export function removeKeyspaceListener(l: KeyspaceListener): void {
  const i = extraListeners.indexOf(l);
  if (i !== -1) extraListeners.splice(i, 1);
  composeListeners();
}
// Per event, only the listeners that handle it: one is called directly, several through a loop, so
// a write pays nothing for listeners that only care about expiry (propagation) and vice versa.
type KeyEvent = (db: Db, key: string) => void;
function fanOutKey(all: KeyspaceListener[], k: 'modified' | 'expired'): KeyEvent {
  const fns: KeyEvent[] = [];
  for (const l of all) {
    const f = l[k];
    if (f !== undefined) fns.push(f.bind(l));
  }
  if (fns.length === 0) return noop;
  if (fns.length === 1) return fns[0];
  return (db, key) => {
    for (let i = 0; i < fns.length; i++) fns[i](db, key);
  };
}
function fanOutFlush(all: KeyspaceListener[]): (db: Db) => void {
  const fns: ((db: Db) => void)[] = [];
  for (const l of all) if (l.flushed !== undefined) fns.push(l.flushed.bind(l));
  return (db) => {
    for (let i = 0; i < fns.length; i++) fns[i](db);
  };
}
function composeListeners(): void {
  const all = primaryListener === null ? extraListeners.slice() : [primaryListener, ...extraListeners];
  listener = { modified: fanOutKey(all, 'modified'), expired: fanOutKey(all, 'expired'), flushed: fanOutFlush(all) };
}

export class Db {
  readonly id: number;
  readonly dict = new Map<string, Value>();
  /** key -> absolute unix time in ms */
  readonly expires = new Map<string, number>();
  /** Counters for INFO keyspace / stats. */
  expiredKeys = 0;
  /** Cursor for the active expiry cycle (Map iterators survive mutation). */
  expireCursor: Iterator<[string, number]> | null = null;
  avgTtlMs = 0;
  /**
   * OBJECT ENCODING of string values that differs from what their content implies: Redis keeps
   * APPEND/SETRANGE/SETBIT/BITOP results "raw" and INCRBYFLOAT results "embstr" even when they read as
   * integers. Rare, so a side table instead of a field on every value.
   */
  readonly encOverride = new Map<string, string>();

  constructor(id: number) {
    this.id = id;
  }

  get size(): number {
    return this.dict.size;
  }

  /** Deletes the key if its TTL has passed; returns true if it was expired and removed. */
  expireIfNeeded(key: string, now?: number): boolean {
    const when = this.expires.get(key);
    // The clock is read only for keys that have a TTL. While the dataset loads nothing expires: the log
    // replays what happened when those keys were alive, and holds the DELs of the ones that expired.
    if (when === undefined || when > (now ?? Date.now()) || expiryControl.suspended) return false;
    this.removeExpired(key);
    return true;
  }

  removeExpired(key: string): void {
    if (cow.hook !== null) cow.hook(this, key);
    const v = this.dict.get(key);
    this.dict.delete(key);
    this.expires.delete(key);
    this.encOverride.delete(key);
    this.expiredKeys++;
    stats.expiredKeys++; // (not dirty: Redis does not count expiry; propagation logs the DEL itself)
    if (v !== undefined && typeof v === 'object' && v.free) v.free();
    listener.expired(this, key);
  }

  /** Lookup for reading: applies lazy expiry, counts hits/misses. */
  get(key: string): Value | undefined {
    if (cow.hook !== null) cow.hook(this, key);
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) {
      stats.misses++;
      return undefined;
    }
    const v = this.dict.get(key);
    if (v === undefined) stats.misses++;
    else stats.hits++;
    return v;
  }

  /** Lookup for writing: lazy expiry, no hit/miss accounting (Redis' lookupKeyWrite). */
  getForWrite(key: string): Value | undefined {
    if (cow.hook !== null) cow.hook(this, key);
    if (this.expires.size !== 0) this.expireIfNeeded(key);
    return this.dict.get(key);
  }

  /** Existence without touching stats. */
  has(key: string): boolean {
    if (cow.hook !== null) cow.hook(this, key);
    if (this.expires.size !== 0) this.expireIfNeeded(key);
    return this.dict.has(key);
  }

  /** Sets a value; drops the TTL unless keepTtl. Frees a replaced object value. */
  set(key: string, v: Value, keepTtl = false): void {
    if (cow.hook !== null) cow.hook(this, key);
    const old = this.dict.get(key);
    this.dict.set(key, v);
    if (!keepTtl && this.expires.size !== 0) this.expires.delete(key);
    if (this.encOverride.size !== 0) this.encOverride.delete(key);
    if (old !== undefined && old !== v && typeof old === 'object' && old.free) old.free();
    stats.dirty++;
    listener.modified(this, key);
  }

  /**
   * Bulk load (snapshot/RDB at start, DEBUG RELOAD): no copy-on-access, no dirty count, no WATCH;
   * listeners hear only of object values (the range-index catalog tracks its stubs).
   */
  loadEntry(key: string, v: Value, expireAt: number | undefined): void {
    // One Map operation per key: the size tells whether it replaced one (only a file with duplicate
    // keys does that, which Redis refuses outright; the later entry wins).
    const dict = this.dict;
    const n = dict.size;
    dict.set(key, v);
    if (expireAt !== undefined) this.expires.set(key, expireAt);
    else if (dict.size === n) this.expires.delete(key);
    if (typeof v === 'object') listener.modified(this, key);
  }

  /** Replaces the value in place (same key, TTL kept), e.g. APPEND/INCR results. */
  update(key: string, v: Value): void {
    if (cow.hook !== null) cow.hook(this, key);
    this.dict.set(key, v);
    if (this.encOverride.size !== 0) this.encOverride.delete(key);
    stats.dirty++;
    listener.modified(this, key);
  }

  /** Deletes a key; returns true if it existed. Frees object values. */
  delete(key: string): boolean {
    if (cow.hook !== null) cow.hook(this, key);
    const v = this.dict.get(key);
    if (v === undefined) return false;
    this.dict.delete(key);
    if (this.expires.size !== 0) this.expires.delete(key);
    if (this.encOverride.size !== 0) this.encOverride.delete(key);
    if (typeof v === 'object' && v.free) v.free();
    stats.dirty++;
    listener.modified(this, key);
    return true;
  }

  /** Removes a key without freeing its value (RENAME/MOVE hand the value to another key). */
  detach(key: string): Value | undefined {
    if (cow.hook !== null) cow.hook(this, key);
    const v = this.dict.get(key);
    if (v === undefined) return undefined;
    this.dict.delete(key);
    if (this.expires.size !== 0) this.expires.delete(key);
    if (this.encOverride.size !== 0) this.encOverride.delete(key);
    stats.dirty++;
    listener.modified(this, key);
    return v;
  }

  /**
   * An object value was changed in place (same object, TTL kept): only the write event is emitted
   * (WATCH, the WAL, the range-index catalog), without re-storing the value.
   */
  touchWrite(key: string): void {
    stats.dirty++;
    listener.modified(this, key);
  }

  /** Records the Redis encoding of a string value written in place (see encOverride). */
  setEncoding(key: string, enc: 'raw' | 'embstr'): void {
    this.encOverride.set(key, enc);
  }

  setExpire(key: string, whenMs: number): void {
    if (cow.hook !== null) cow.hook(this, key);
    this.expires.set(key, whenMs);
    stats.dirty++;
    listener.modified(this, key);
  }
  getExpire(key: string): number | undefined {
    return this.expires.get(key);
  }
  persist(key: string): boolean {
    if (cow.hook !== null) cow.hook(this, key);
    const had = this.expires.delete(key);
    if (had) {
      stats.dirty++;
      listener.modified(this, key);
    }
    return had;
  }

  /** Empties the database, freeing object values. Returns the number of keys removed. */
  flush(): number {
    if (cow.flushHook !== null) cow.flushHook(this);
    listener.flushed(this);
    const n = this.dict.size;
    stats.dirty += n;
    for (const v of this.dict.values()) if (typeof v === 'object' && v.free) v.free();
    this.dict.clear();
    this.expires.clear();
    this.encOverride.clear();
    this.expireCursor = null;
    return n;
  }

  /** Random existing (non-expired) key, or undefined. O(n) worst case; Map has no random access. */
  randomKey(): string | undefined {
    for (let tries = 0; tries < 100 && this.dict.size > 0; tries++) {
      const idx = Math.floor(Math.random() * this.dict.size);
      // Walking to a random index is O(n); bounded by the key count, acceptable for RANDOMKEY.
      let i = 0;
      for (const k of this.dict.keys()) {
        if (i++ === idx) {
          if (this.expires.size !== 0 && this.expireIfNeeded(k)) break;
          return k;
        }
      }
    }
    return undefined;
  }
}

/**
 * Copy-on-access for fork-less snapshots (persistence/snapshot.ts): while one runs, `hook` is called
 * before any access to a key and `flushHook` before a database is emptied, so the snapshot can write
 * the value as it was before the command changes it.
 */
export const cow = {
  hook: null as ((db: Db, key: string) => void) | null,
  flushHook: null as ((db: Db) => void) | null,
};

/** Set while a snapshot loads or the WAL replays (no key expires then, lazily or actively). */
export const expiryControl = { suspended: false };

/** Global keyspace stats (INFO stats). */
export const stats = {
  hits: 0,
  misses: 0,
  expiredKeys: 0,
  expiredStalePerc: 0,
  evictedKeys: 0,
  /** Keyspace changes since start (Redis' server.dirty, never reset: saves remember where they were). */
  dirty: 0,
};

/**
 * Adds n to the change count (Redis' `server.dirty += n`): Db write methods count 1 each; handlers add
 * the rest so a command counts per element as Redis 7.0 does (RPUSH of 3 elements: 3). n may be negative
 * where Redis counts one change for several Db calls (SET EX: set + setExpire); a command that wrote
 * must still end with a net change of at least 1 (propagation compares the count around it).
 */
export function addDirty(n: number): void {
  stats.dirty += n;
}

/** The process' databases (SELECT index -> Db). Sized once at startup from `databases`. */
export const keyspace = {
  dbs: [] as Db[],
  init(n: number): void {
    this.dbs = [];
    for (let i = 0; i < n; i++) this.dbs.push(new Db(i));
  },
};

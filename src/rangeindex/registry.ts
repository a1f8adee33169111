// The range-index registry: every live tree, the files under <dir>/rangeindex/, the commit scheduler,
// INFO rangeindex and the DUMP/RESTORE codec (RDB type 0xC8).
//
// Files: `<dir>/rangeindex/<16 hex>-<generation>.ri`. The 16 hex digits are FNV-1a 64 of (db id as u32 LE,
// key bytes) of the key the index was created (or restored) under; a COPY keeps its source's hash. The
// generation is a process-wide counter started above the highest generation found on disk, so a name is
// never reused, even for the same key. Key bytes never reach a path. MEMORY indexes have no file.
//
// Lifecycle: the keyspace owns RangeIndexStub objects. A stub leaving the keyspace for good (DEL, UNLINK,
// expiry, FLUSH*, overwrite, RESTORE REPLACE) calls free() -> release(): the tree leaves the registry and
// is destroyed (cache dropped, file unlinked asynchronously). RENAME/MOVE/SWAPDB move the stub object, so
// they keep the file. COPY calls clone(): a snapshot of the source is bulk-loaded into a new file.
//
// Commits: a write marks its tree dirty (markDirty); dirty trees are committed at most
// `rangeindex-commit-ms` later, and every tree is committed and closed at shutdown (closeAll).
//
// Start-up: initRangeIndexDir(dir) creates the directory and learns the highest generation on disk;
// sweepAfterRecovery() then removes every file no live stub references. Today nothing loads stubs at
// start, so the sweep empties the directory; the persistence layer will load its stubs first.
import * as fs from 'fs';
import * as path from 'path';
import { RangeTree, RangeTreeFullError } from './tree';
import { openTreeFiles } from './pager';
import { writeCatalog, readCatalog, mount, onCatalogDirty, markCatalogDirty, carryEntry, treeFileGeneration, CATALOG_FILE } from './catalog';
import type { TreeOptions } from './tree';
import { maxKeyLen as engineMaxKeyLen } from './page';
import { RangeIndexStub, RiConfig, StubOwner, FLAG_RECOVERED, BACKEND_DISK, BACKEND_MEMORY, CONFIG_OFFSET, CONFIG_SIZE, STUB_SIZE, readConfig, writeConfig } from './stub';
import { registerRdbType, RDB_TYPE_STRATA_RANGEINDEX, RdbReader, RdbWriter } from '../keyspace/rdb';
import type { RObj } from '../keyspace/db';
import { registerInfoSection } from '../server/info';
import { config } from '../config';
import { log } from '../server/log';

export { RangeTreeFullError };

// ---- configuration ------------------------------------------------------------------------------

export const DEFAULTS = {
  backend: BACKEND_DISK,
  cacheSize: 16 * 1024 * 1024,
  /** Garnet's default is 64; Strata's is 1 (any non-empty record). */
  minRecord: 1,
  maxRecord: 1024,
  maxKeyLen: 128,
  /** 0 = auto (Garnet's ComputeLeafPageSize). */
  pageSize: 0,
};

export const MIN_PAGE_SIZE = 4096;
export const MAX_PAGE_SIZE = 32768;
/** Page bytes a leaf needs besides one maximal record (header, slot, record header, spare). */
export const PAGE_OVERHEAD = 64;

/** Garnet's RangeIndexManager.ComputeLeafPageSize. */
export function autoPageSize(maxRecord: number): number {
  if (maxRecord <= 2048) return 4096;
  const want = Math.min(2.5 * maxRecord, MAX_PAGE_SIZE);
  let p = 1;
  while (p < want) p *= 2;
  return p;
}

/**
 * The checks that bf-tree's Config::validate would make (and Strata's page layout needs), after the
 * command-level ones. Resolves PAGESIZE 0 to the automatic size. Returns the error text or the config.
 */
export function validateConfig(cfg: RiConfig): RiConfig | string {
  if (cfg.cacheSize <= 0 || cfg.minRecord <= 0 || cfg.maxRecord <= 0 || cfg.maxKeyLen <= 0) {
    return 'ERR numeric options must be greater than zero';
  }
  if (cfg.minRecord > cfg.maxRecord) return 'ERR MINRECORD must not exceed MAXRECORD';
  if (cfg.maxRecord > 0xffffffff || cfg.maxKeyLen > 0xffffffff) return 'ERR numeric options must fit in 32 bits';
  if (cfg.maxKeyLen > cfg.maxRecord) return 'ERR cb_max_key_len cannot be greater than cb_max_record_size';
  const pageSize = cfg.pageSize === 0 ? autoPageSize(cfg.maxRecord) : cfg.pageSize;
  if (pageSize < 0) return 'ERR numeric options must be greater than zero';
  if (pageSize > MAX_PAGE_SIZE) return `ERR leaf_page_size cannot be larger than ${MAX_PAGE_SIZE}`;
  if (pageSize < MIN_PAGE_SIZE || (pageSize & (pageSize - 1)) !== 0) {
    return `ERR leaf_page_size should be a power of two between ${MIN_PAGE_SIZE} and ${MAX_PAGE_SIZE}`;
  }
  if (cfg.maxRecord + PAGE_OVERHEAD > pageSize) {
    const mode = cfg.backend === BACKEND_MEMORY ? 'In cache-only mode' : 'In non cache-only mode';
    return `ERR ${mode}, given the leaf_page_size the corresponding cb_max_record_size should be <= ${pageSize - PAGE_OVERHEAD}`;
  }
  // An inner entry may take at most a quarter of a page (the engine's split guarantee).
  const keyLimit = engineMaxKeyLen(pageSize);
  if (cfg.maxKeyLen > keyLimit) return `ERR cb_max_key_len cannot be larger than ${keyLimit}`;
  return { ...cfg, pageSize };
}

/** Garnet's InvalidKV text, or null when the record fits the index. */
export function recordSizeError(cfg: RiConfig, klen: number, vlen: number): string | null {
  const total = klen + vlen;
  if (total < cfg.minRecord || total > cfg.maxRecord || klen > cfg.maxKeyLen) {
    return `ERR key+value size must be between ${cfg.minRecord} and ${cfg.maxRecord} bytes (got ${total}), max key length ${cfg.maxKeyLen} (got ${klen})`;
  }
  return null;
}

export const ERR_FULL = 'ERR range index is full (CACHESIZE reached)';

// ---- files --------------------------------------------------------------------------------------

let baseDir: string | null = null;
let nextGeneration = 1;
let nextFileId = 1;

/** FNV-1a 64 over (db id u32 LE, key bytes), as 16 lower-case hex digits. */
export function keyHash(dbId: number, key: string): string {
  const P = 0x100000001b3n;
  const M = 0xffffffffffffffffn;
  let h = 0xcbf29ce484222325n;
  const step = (byte: number): void => {
    h = ((h ^ BigInt(byte)) * P) & M;
  };
  for (let i = 0; i < 4; i++) step((dbId >>> (8 * i)) & 0xff);
  for (let i = 0; i < key.length; i++) step(key.charCodeAt(i) & 0xff);
  return h.toString(16).padStart(16, '0');
}

/** Sets (and creates) the directory, and starts the generation counter above every file on disk. */
export function initRangeIndexDir(dataDir: string): string {
  baseDir = path.join(path.resolve(dataDir), 'rangeindex');
  fs.mkdirSync(baseDir, { recursive: true });
  for (const f of fs.readdirSync(baseDir)) {
    const g = treeFileGeneration(f);
    if (g !== null && g >= nextGeneration) nextGeneration = g + 1;
  }
  return baseDir;
}

export function rangeIndexDir(): string {
  if (baseDir === null) initRangeIndexDir(process.cwd());
  return baseDir!;
}

/**
 * Removes every regular file of the directory that no live index references. Call once the keyspace is
 * loaded (today: right after start, which empties the directory). Returns the number of files removed.
 */
export function sweepAfterRecovery(): number {
  const dir = rangeIndexDir();
  const entries = fs.readdirSync(dir, { withFileTypes: true });
  if (catalogUnreadable || entries.some((e) => e.name.startsWith(CATALOG_FILE + '.corrupt'))) {
    log.warn({ dir }, 'range index: a corrupt catalog was set aside (CATALOG.corrupt-*): no tree file is removed until it is dealt with');
    return 0;
  }
  const referenced = new Set<string>(preserved);
  for (const s of live.values()) if (s.fileName !== null) referenced.add(s.fileName);
  let n = 0;
  for (const e of entries) {
    if (!e.isFile() || referenced.has(e.name) || e.name === CATALOG_FILE) continue;
    try {
      fs.unlinkSync(path.join(dir, e.name));
      n++;
    } catch (err) {
      log.warn({ file: e.name, err: String(err) }, 'range index: cannot remove orphan file');
    }
  }
  if (n > 0) log.info({ removed: n, dir }, 'range index: removed orphan files');
  return n;
}

function newName(hash: string): { fileId: number; generation: number; fileName: string } {
  const generation = nextGeneration++;
  if (generation > 0xffffffff) throw new Error('range index generation counter exhausted');
  const fileId = nextFileId;
  nextFileId = nextFileId >= 0xffffffff ? 1 : nextFileId + 1;
  return { fileId, generation, fileName: `${hash}-${generation}.ri` };
}

function treeOptions(cfg: RiConfig, meta: Buffer): TreeOptions {
  return { pageSize: cfg.pageSize, cacheBytes: cfg.cacheSize, memory: cfg.backend === BACKEND_MEMORY, meta };
}

function metaOf(cfg: RiConfig): Buffer {
  const b = Buffer.alloc(CONFIG_SIZE);
  writeConfig(b, 0, cfg);
  return b;
}

// ---- live trees ---------------------------------------------------------------------------------

/** fileId -> stub, for every index present in some keyspace. */
const live = new Map<number, RangeIndexStub>();
const dirty = new Set<RangeIndexStub>();
let commitTimer: NodeJS.Timeout | null = null;
let commits = 0;
/** Stats of destroyed trees are not kept; counters of INFO are over the live ones plus these. */
let releasedTrees = 0;

const owner: StubOwner = {
  release(s) {
    releaseIndex(s);
  },
  clone(s) {
    return cloneIndex(s);
  },
};

function register(s: RangeIndexStub): RangeIndexStub {
  live.set(s.fileId, s);
  return s;
}

/**
 * Creates an empty index for (db, key) with a validated config. Throws what the engine throws (the
 * caller turns it into an error reply).
 */
export function createIndex(dbId: number, key: string, cfg: RiConfig): RangeIndexStub {
  const dir = rangeIndexDir();
  const n = newName(keyHash(dbId, key));
  const file = cfg.backend === BACKEND_MEMORY ? null : n.fileName;
  const tree = RangeTree.create(file === null ? null : path.join(dir, file), treeOptions(cfg, metaOf(cfg)));
  return register(new RangeIndexStub(owner, n.fileId, n.generation, cfg, file, tree));
}

/** Builds an index from records in strictly increasing field order (COPY, RESTORE). */
function loadIndex(hash: string, cfg: RiConfig, next: () => [Buffer, Buffer] | null, flags = 0): RangeIndexStub {
  const dir = rangeIndexDir();
  const n = newName(hash);
  const file = cfg.backend === BACKEND_MEMORY ? null : n.fileName;
  const full = file === null ? null : path.join(dir, file);
  let tree: RangeTree;
  try {
    tree = RangeTree.bulkLoad(full, treeOptions(cfg, metaOf(cfg)), next);
  } catch (e) {
    if (full !== null) fs.rm(full, { force: true }, () => undefined);
    throw e;
  }
  return register(new RangeIndexStub(owner, n.fileId, n.generation, cfg, file, tree, flags));
}

export function releaseIndex(s: RangeIndexStub): void {
  const tree = s.tree;
  if (tree === null) return;
  s.tree = null;
  live.delete(s.fileId);
  dirty.delete(s);
  releasedTrees++;
  try {
    tree.destroy();
  } catch (e) {
    log.warn({ file: s.fileName, err: String(e) }, 'range index: destroy failed');
    if (s.fileName !== null) fs.rm(path.join(rangeIndexDir(), s.fileName), { force: true }, () => undefined);
  }
}

const CHUNK = 1024;

/** Streams a snapshot in field order, CHUNK records at a time (the scan callback's views are copied). */
function snapshotReader(snap: { scan(start: Buffer, end: Buffer | null, limit: number, fn: (k: Buffer, v: Buffer) => void): number }): () => [Buffer, Buffer] | null {
  let buf: [Buffer, Buffer][] = [];
  let i = 0;
  let start: Buffer | null = Buffer.alloc(0);
  return () => {
    if (i >= buf.length) {
      if (start === null) return null;
      buf = [];
      i = 0;
      snap.scan(start, null, CHUNK, (k, v) => {
        buf.push([Buffer.from(k), Buffer.from(v)]);
      });
      if (buf.length < CHUNK) start = null;
      else {
        const last = buf[buf.length - 1][0];
        start = Buffer.concat([last, ZERO]);
      }
      if (buf.length === 0) return null;
    }
    return buf[i++];
  };
}
const ZERO = Buffer.from([0]);

export function cloneIndex(s: RangeIndexStub): RangeIndexStub {
  const tree = s.tree;
  if (tree === null) throw new Error('range index already released');
  const snap = tree.snapshot();
  try {
    const hash = s.fileName !== null ? s.fileName.slice(0, 16) : keyHash(0, String(s.fileId));
    return loadIndex(hash, s.config, snapshotReader(snap));
  } finally {
    snap.release();
  }
}

/** A write changed the tree: commit it within rangeindex-commit-ms. */
export function markDirty(s: RangeIndexStub): void {
  // MEMORY trees too: their commit only ends the txn, which lets pages freed by copy-on-write be reused.
  dirty.add(s);
  scheduleCommit();
}
function scheduleCommit(): void {
  if (commitTimer === null) {
    const ms = config['rangeindex-commit-ms'] ?? DEFAULT_COMMIT_MS;
    commitTimer = setTimeout(commitDirty, ms);
    commitTimer.unref();
  }
}
const DEFAULT_COMMIT_MS = 100;
// A placement change (create, rename, delete, TTL...) is written to the catalog on the same tick.
onCatalogDirty(scheduleCommit);

export function commitDirty(): void {
  if (commitTimer !== null) {
    clearTimeout(commitTimer);
    commitTimer = null;
  }
  const failed: RangeIndexStub[] = [];
  for (const s of dirty) if (!commitOne(s)) failed.push(s);
  dirty.clear();
  // e.g. ENOSPC: those trees keep their last commit on disk and their changes in memory; try again later.
  for (const s of failed) markDirty(s);
  // After the trees, so every file the catalog names holds a committed tree.
  saveCatalog();
}
let commitFailures = 0;

/** Commits one tree; false (logged, counted) when it fails. */
function commitOne(s: RangeIndexStub): boolean {
  const t = s.tree;
  if (t === null) return true;
  try {
    t.commit();
    commits++;
    return true;
  } catch (e) {
    commitFailures++;
    log.error({ file: s.fileName, err: String(e) }, 'range index: commit failed');
    return false;
  }
}

function saveCatalog(force = false): void {
  if (baseDir === null) return;
  try {
    writeCatalog(baseDir, force);
  } catch (e) {
    commitFailures++;
    log.error({ err: String(e) }, 'range index: writing the catalog failed, will retry');
    scheduleCommit();
  }
}

/** Files the sweep must keep although no stub references them (listed in the catalog but not mounted). */
const preserved = new Set<string>();
/** The catalog exists but could not be read: nothing may be swept. */
let catalogUnreadable = false;

/**
 * Start-up: mounts the range indexes the catalog lists into the keyspace (each tree reopened at its last
 * commit, flagged Recovered). Entries whose TTL has passed or whose file is gone are dropped. Entries that
 * cannot be mounted (a database beyond `databases`, a tree that fails to open) keep their files: the sweep
 * leaves them alone and a log line says why. An unreadable catalog disables the sweep. The catalog is then
 * rewritten, so entries it dropped cannot come back. Call before sweepAfterRecovery(). Returns the number
 * mounted.
 */
export function loadCatalog(dbCount: number): number {
  const dir = rangeIndexDir();
  const now = Date.now();
  const entries = readCatalog(dir);
  if (entries === null) {
    catalogUnreadable = true;
    return 0;
  }
  let n = 0;
  // Generations named in the catalog are never handed out again, even if their file is gone.
  const generations = entries.map((e) => treeFileGeneration(e.file)!);
  for (const g of generations) if (g >= nextGeneration) nextGeneration = g + 1;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const full = path.join(dir, e.file);
    if ((e.expireAt !== null && e.expireAt <= now) || !fs.existsSync(full)) continue;
    if (e.db >= dbCount) {
      preserved.add(e.file);
      carryEntry(e);
      log.error({ file: e.file, db: e.db, databases: dbCount }, 'range index: the catalog lists a tree in a database beyond `databases`; it is not loaded and its file is kept');
      continue;
    }
    let cfg = readConfig(e.config, 0);
    let tree: RangeTree;
    try {
      tree = RangeTree.open(full, { cacheBytes: cfg.cacheSize });
    } catch (err) {
      preserved.add(e.file);
      carryEntry(e);
      log.error({ file: e.file, err: String(err) }, 'range index: cannot open a tree listed in the catalog; it is not loaded and its file is kept');
      continue;
    }
    // The file's own meta blob is the tree's config; the catalog copy only serves when the blob is absent.
    if (tree.meta.length === CONFIG_SIZE) {
      try {
        cfg = readConfig(tree.meta, 0);
      } catch {
        /* keep the catalog's copy */
      }
    }
    const generation = generations[i];
    const fileId = nextFileId;
    nextFileId = nextFileId >= 0xffffffff ? 1 : nextFileId + 1;
    const stub = new RangeIndexStub(owner, fileId, generation, cfg, e.file, tree, FLAG_RECOVERED);
    if (!mount(e.db, e.key, stub, e.expireAt)) {
      // The key is taken (a duplicate entry): keep the file, close the tree.
      RangeIndexStub.instances--;
      tree.close();
      preserved.add(e.file);
      carryEntry(e);
      log.error({ file: e.file }, 'range index: a second catalog entry for the same key; its tree is not loaded and its file is kept');
      continue;
    }
    register(stub);
    n++;
  }
  // Entries dropped (expired, file gone) must not survive in the file: rewrite it on the first tick.
  if (n + preserved.size !== entries.length) markCatalogDirty();
  if (n > 0) log.info({ trees: n, dir }, 'range index: trees loaded from the catalog');
  return n;
}

/** Shutdown: commit and close every tree (files stay for the persistence layer). */
export function closeAll(): void {
  if (commitTimer !== null) {
    clearTimeout(commitTimer);
    commitTimer = null;
  }
  dirty.clear();
  for (const s of live.values()) commitOne(s);
  saveCatalog();
  for (const s of live.values()) {
    const t = s.tree;
    if (t === null) continue;
    try {
      t.close();
    } catch (e) {
      log.error({ file: s.fileName, err: String(e) }, 'range index: close failed');
    }
  }
}

export function liveIndexes(): IterableIterator<RangeIndexStub> {
  return live.values();
}

// ---- INFO rangeindex ----------------------------------------------------------------------------

export function infoFields(): [string, string | number][] {
  let cached = 0;
  let hits = 0;
  let misses = 0;
  let evictions = 0;
  let bytes = 0;
  let pinned = 0;
  let records = 0;
  for (const s of live.values()) {
    const t = s.tree;
    if (t === null) continue;
    const st = t.stats();
    cached += st.pagesCached;
    hits += st.cacheHits;
    misses += st.cacheMisses;
    evictions += st.evictions;
    bytes += st.bytesOnDisk;
    pinned += st.snapshotsPinned;
    records += st.records;
  }
  const ratio = hits + misses === 0 ? 0 : hits / (hits + misses);
  return [
    ['rangeindex_trees', live.size],
    ['rangeindex_records', records],
    ['rangeindex_pages_cached', cached],
    ['rangeindex_cache_hit_ratio', ratio.toFixed(4)],
    ['rangeindex_cache_hits', hits],
    ['rangeindex_cache_misses', misses],
    ['rangeindex_evictions', evictions],
    ['rangeindex_bytes_on_disk', bytes],
    ['rangeindex_snapshots_pinned', pinned],
    ['rangeindex_commits', commits],
    ['rangeindex_commit_failures', commitFailures],
    ['rangeindex_open_files', openTreeFiles()],
    ['rangeindex_dirty_trees', dirty.size],
    ['rangeindex_trees_released', releasedTrees],
  ];
}

// Not part of the default INFO (like Redis' commandstats/latencystats); shown by INFO rangeindex / all /
// everything.
registerInfoSection('rangeindex', 'Rangeindex', infoFields, false);

// ---- DUMP / RESTORE (RDB type 0xC8) ---------------------------------------------------------------
//
// Body: u8 format version (1) | 27 config bytes (stub offsets 8..34) | record count (RDB length) |
// count × (field, value) as RDB strings, fields strictly increasing. Read from a snapshot, so DUMP sees
// one consistent state. RESTORE validates everything (config, sizes, order, count) before it bulk-loads
// a new tree; any violation throws, which RESTORE answers with "Bad data format".

export const DUMP_FORMAT_VERSION = 1;

function encodeIndex(v: RObj, w: RdbWriter): boolean {
  if (!(v instanceof RangeIndexStub)) return false;
  const tree = v.tree;
  if (tree === null) throw new Error('range index already released');
  w.byte(DUMP_FORMAT_VERSION);
  w.raw(v.stub.subarray(CONFIG_OFFSET, STUB_SIZE));
  const snap = tree.snapshot();
  try {
    const count = snap.count();
    w.len(count);
    // One pass: DUMP runs to completion, nothing writes to the tree meanwhile.
    const written = snap.scan(Buffer.alloc(0), null, Infinity, (k, val) => {
      w.blob(k);
      w.blob(val);
    });
    if (written !== count) throw new Error(`range index snapshot count ${count} != records ${written}`);
  } finally {
    snap.release();
  }
  return true;
}

function decodeIndex(r: RdbReader, ctx: { key?: string; dbId?: number }): RObj {
  const ver = r.byte();
  if (ver !== DUMP_FORMAT_VERSION) throw new Error(`unsupported range index dump version ${ver}`);
  const raw = readConfig(r.bytes(CONFIG_SIZE), 0);
  const flags = 0;
  const checked = validateConfig(raw);
  if (typeof checked === 'string') throw new Error(checked);
  if (raw.pageSize !== checked.pageSize) throw new Error('range index page size not resolved');
  const cfg = checked;
  const count = r.len();
  const records: [Buffer, Buffer][] = [];
  let prev: Buffer | null = null;
  for (let i = 0; i < count; i++) {
    const k = r.stringBytes();
    const v = r.stringBytes();
    const err = recordSizeError(cfg, k.length, v.length);
    if (err !== null) throw new Error(err);
    if (prev !== null && Buffer.compare(prev, k) >= 0) throw new Error('range index records out of order');
    records.push([k, v]);
    prev = k;
  }
  let i = 0;
  const hash = keyHash(ctx.dbId ?? 0, ctx.key ?? '');
  return loadIndex(hash, cfg, () => (i < records.length ? records[i++] : null), flags);
}

registerRdbType(RDB_TYPE_STRATA_RANGEINDEX, encodeIndex, decodeIndex);

// Snapshots without fork: `<dir>/snapshots/snapshot-<seq>/dump.rdb`, a Redis RDB v10 file of the
// keyspace as it was after WAL record <seq>, and `<dir>/snapshots/CURRENT` naming the newest valid one.
//
// Node cannot fork, so a background snapshot serialises the keyspace in steps between client commands
// and keeps the point in time by copy-on-access (Dragonfly's fork-less snapshot): the keyspace calls
// `cowHook(db, key)` before any access to a key (keyspace/db.ts); a key the snapshot has not written
// yet is written right then, from its value before the command touches it. Keys are remembered in a
// per-database `seen` set, so each is written exactly once and keys created after the start never are.
// No value is copied and nothing else is held: memory grows by the `seen` set, not by the dataset.
//
// Range indexes are written as Strata's extension type (RDB type 0xC8, the whole tree), so a snapshot
// is self-contained; redis-server cannot load a file that holds one (it can load all the others).
import * as fs from 'fs';
import * as path from 'path';
import { keyspace, cow, type Db, type Value } from '../keyspace/db';
import { RdbFileWriter, RdbFileReader } from '../keyspace/rdb/file';
import { crc64Update } from '../util/crc64';
import { log } from '../server/log';
import { fsyncDir } from './wal';
import { replaceFileDurably } from '../util/fsync';

export const SNAP_PREFIX = 'snapshot-';

export function snapshotsDir(dataDir: string): string {
  return path.join(dataDir, 'snapshots');
}

export interface SnapshotInfo {
  name: string;
  seq: number;
  dir: string;
  rdb: string;
}

/** Valid-looking snapshot directories (with a dump.rdb), newest (highest seq) first. */
export function listSnapshots(dataDir: string): SnapshotInfo[] {
  const sd = snapshotsDir(dataDir);
  let names: string[];
  try {
    names = fs.readdirSync(sd);
  } catch {
    return [];
  }
  const out: SnapshotInfo[] = [];
  for (const name of names) {
    const m = /^snapshot-(\d+)$/.exec(name);
    if (m === null) continue;
    const dir = path.join(sd, name);
    const rdb = path.join(dir, 'dump.rdb');
    if (!fs.existsSync(rdb)) continue;
    out.push({ name, seq: Number(m[1]), dir, rdb });
  }
  out.sort((a, b) => b.seq - a.seq);
  return out;
}

/** The snapshot CURRENT names, or null (no file, or it names nothing valid). */
export function currentSnapshot(dataDir: string): string | null {
  try {
    return fs.readFileSync(path.join(snapshotsDir(dataDir), 'CURRENT'), 'latin1').trim() || null;
  } catch {
    return null;
  }
}

/** Replaces a file atomically: tmp, fsync, rename, fsync of the directory. */
export function writeFileAtomic(file: string, data: string | Buffer): void {
  replaceFileDurably(file, { data });
}

export interface SnapshotResult {
  name: string;
  seq: number;
  bytes: number;
  keys: number;
  ms: number;
}

/**
 * One snapshot being written. `step(budgetMs)` serialises keys for about that long; it returns true
 * when the file is complete. Accesses to keys in between go through the copy-on-access hook.
 */
export class SnapshotJob {
  readonly seq: number;
  readonly name: string;
  readonly tmpDir: string;
  readonly finalDir: string;
  private readonly fd: number;
  private readonly w: RdbFileWriter;
  private readonly sizesAtStart: number[];
  /** Index of the database being iterated; databases below it are complete. */
  private cur = -1;
  private iter: Iterator<string> | null = null;
  private readonly seen: (Set<string> | null)[];
  /** Entries of databases not reached yet, written on access (copy-on-access). */
  private readonly early: (Buffer[] | null)[];
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  bytes = 0;
  keys = 0;
  readonly startedAt = Date.now();
  private done = false;
  /** Progress for INFO: keys written of keys at start. */
  readonly totalKeys: number;

  /** False for SAVE: written in one go, nothing can touch the keyspace meanwhile (no hooks, no `seen`). */
  private readonly background: boolean;

  constructor(dataDir: string, seq: number, background = true) {
    this.background = background;
    this.seq = seq;
    this.name = SNAP_PREFIX + seq;
    const sd = snapshotsDir(dataDir);
    fs.mkdirSync(sd, { recursive: true });
    this.finalDir = path.join(sd, this.name);
    this.tmpDir = path.join(sd, `tmp-${this.name}-${process.pid}`);
    fs.rmSync(this.tmpDir, { recursive: true, force: true });
    fs.mkdirSync(this.tmpDir);
    this.fd = fs.openSync(path.join(this.tmpDir, 'dump.rdb'), 'w');
    // Entries of databases not reached yet are built early and written later: the CRC follows the file.
    this.w = new RdbFileWriter({ aux: { 'strata-seq': String(seq) }, externalCrc: true });
    const dbs = keyspace.dbs;
    this.sizesAtStart = dbs.map((d) => d.dict.size);
    this.totalKeys = this.sizesAtStart.reduce((a, b) => a + b, 0);
    this.seen = dbs.map((d) => (d.dict.size > 0 && background ? new Set<string>() : null));
    this.early = dbs.map(() => null);
    this.push(this.w.header());
    if (background) {
      cow.hook = (db, key) => this.beforeAccess(db, key);
      cow.flushHook = (db) => this.beforeFlush(db);
    }
    this.nextDb();
  }

  /** Queues a chunk for the file (after the writer's pending batch, which comes before it). */
  private push(b: Buffer): void {
    this.stageBatch();
    this.chunks.push(b);
    this.chunkBytes += b.length;
    if (this.chunkBytes >= 1 << 20) this.writeChunks();
  }

  /** Moves the writer's pending batch of entries into the chunks. */
  private stageBatch(): void {
    const batch = this.w.takeBatch();
    if (batch === null) return;
    this.chunks.push(batch);
    this.chunkBytes += batch.length;
  }

  private writeChunks(): void {
    this.stageBatch();
    if (this.chunkBytes === 0) return;
    const b = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.chunkBytes);
    this.chunks = [];
    this.chunkBytes = 0;
    this.writeOut(b);
  }

  /** CRC-64 of the file as written so far. */
  private fileCrc: [number, number] = [0, 0];
  private writeOut(b: Buffer): void {
    this.fileCrc = crc64Update(this.fileCrc, b);
    let off = 0;
    while (off < b.length) off += fs.writeSync(this.fd, b, off, b.length - off);
    this.bytes += b.length;
  }

  private entryOf(db: Db, key: string): Buffer | null {
    const v = db.dict.get(key);
    if (v === undefined) return null;
    this.keys++;
    this.flushBatch();
    return this.w.entry(key, v, db.expires.get(key));
  }

  /** Entries of the iteration go through the writer's batch (no Buffer per key). */
  private addEntry(key: string, v: Value, exp: number | undefined): void {
    this.keys++;
    if (this.w.addEntry(key, v, exp) >= 64 * 1024) this.flushBatch();
  }
  private flushBatch(): void {
    this.stageBatch();
    if (this.chunkBytes >= 1 << 20) this.writeChunks();
  }

  /** Copy-on-access: a key about to be read or written is written first if the snapshot has not. */
  private beforeAccess(db: Db, key: string): void {
    const id = db.id;
    if (id < this.cur) return;
    const seen = this.seen[id];
    if (seen === null || seen.has(key)) return;
    seen.add(key);
    const e = this.entryOf(db, key);
    if (e === null) return;
    if (id === this.cur) this.push(e);
    else (this.early[id] ?? (this.early[id] = [])).push(e);
  }

  /** FLUSHDB/FLUSHALL during the snapshot: every key not written yet is written now. */
  private beforeFlush(db: Db): void {
    if (db.id < this.cur || this.seen[db.id] === null) return;
    for (const key of db.dict.keys()) this.beforeAccess(db, key);
  }

  private nextDb(): void {
    const dbs = keyspace.dbs;
    this.iter = null;
    while (++this.cur < dbs.length) {
      if (this.sizesAtStart[this.cur] === 0) continue;
      const db = dbs[this.cur];
      this.push(this.w.selectDb(this.cur, this.sizesAtStart[this.cur], db.expires.size));
      const early = this.early[this.cur];
      if (early !== null) {
        for (const e of early) this.push(e);
        this.early[this.cur] = null;
      }
      this.iter = db.dict.keys();
      return;
    }
  }

  /** Serialises for about budgetMs (Infinity: to the end). True when every key is written. */
  step(budgetMs: number, maxKeys = Infinity): boolean {
    if (this.done) return true;
    if (!this.background) return this.writeAll();
    const t0 = performance.now();
    let n = 0;
    while (this.iter !== null) {
      const db = keyspace.dbs[this.cur];
      const seen = this.seen[this.cur]!;
      const r = this.iter.next();
      if (r.done === true) {
        this.seen[this.cur] = null;
        this.nextDb();
        continue;
      }
      const key = r.value;
      if (seen.has(key)) continue;
      seen.add(key);
      const v = db.dict.get(key);
      if (v !== undefined) this.addEntry(key, v, db.expires.get(key));
      if (++n >= maxKeys) return false;
      if ((n & 63) === 0 && performance.now() - t0 > budgetMs) return false;
    }
    this.writeChunks();
    this.writeOut(this.w.footerFor(this.fileCrc));
    this.done = true;
    this.detach();
    return true;
  }

  /** SAVE: every database in one pass over its entries. */
  private writeAll(): boolean {
    const dbs = keyspace.dbs;
    for (let id = 0; id < dbs.length; id++) {
      const db = dbs[id];
      if (db.dict.size === 0) continue;
      if (id !== this.cur) this.push(this.w.selectDb(id, db.dict.size, db.expires.size));
      const exp = db.expires;
      const noTtl = exp.size === 0;
      for (const [key, v] of db.dict) this.addEntry(key, v, noTtl ? undefined : exp.get(key));
    }
    this.iter = null;
    this.writeChunks();
    this.writeOut(this.w.footerFor(this.fileCrc));
    this.done = true;
    return true;
  }

  private detach(): void {
    if (cow.hook !== null) {
      cow.hook = null;
      cow.flushHook = null;
    }
  }

  /** Makes the finished file durable and publishes it: rename into place, then CURRENT. */
  commit(dataDir: string): SnapshotResult {
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    fsyncDir(this.tmpDir);
    fs.rmSync(this.finalDir, { recursive: true, force: true });
    fs.renameSync(this.tmpDir, this.finalDir);
    fsyncDir(snapshotsDir(dataDir));
    writeFileAtomic(path.join(snapshotsDir(dataDir), 'CURRENT'), this.name + '\n');
    return { name: this.name, seq: this.seq, bytes: this.bytes, keys: this.keys, ms: Date.now() - this.startedAt };
  }

  abort(): void {
    this.detach();
    this.done = true;
    try {
      fs.closeSync(this.fd);
    } catch {
      /* already closed */
    }
    fs.rmSync(this.tmpDir, { recursive: true, force: true });
  }
}

/** Keeps the `keep` newest snapshots (never the one CURRENT names); returns the oldest kept seq. */
export function pruneSnapshots(dataDir: string, keep: number): number {
  const all = listSnapshots(dataDir);
  const cur = currentSnapshot(dataDir);
  const kept = all.slice(0, Math.max(1, keep));
  for (const s of all.slice(Math.max(1, keep))) {
    if (s.name === cur) {
      kept.push(s);
      continue;
    }
    fs.rmSync(s.dir, { recursive: true, force: true });
    log.info({ snapshot: s.name }, 'snapshot removed (snapshot-keep)');
  }
  // Leftovers of snapshots that never completed.
  try {
    for (const n of fs.readdirSync(snapshotsDir(dataDir))) {
      if (n.startsWith('tmp-')) fs.rmSync(path.join(snapshotsDir(dataDir), n), { recursive: true, force: true });
    }
  } catch {
    /* no snapshots dir */
  }
  return kept.length === 0 ? 0 : Math.min(...kept.map((s) => s.seq));
}

export interface LoadResult {
  keys: number;
  expired: number;
  functions: number;
  seq: number | null;
}

/**
 * Loads an RDB file into the keyspace (empty databases expected); a generator that yields every few
 * milliseconds (see replay.ts runAsync/runSync). Keys whose TTL passed are skipped, as a Redis master does when loading.
 */
export function* loadRdbFile(file: string, progress?: (done: number, total: number) => void): Generator<void, LoadResult> {
  const buf = fs.readFileSync(file);
  const r = new RdbFileReader(buf, { databases: keyspace.dbs.length });
  const now = Date.now();
  const res: LoadResult = { keys: 0, expired: 0, functions: 0, seq: null };
  let t0 = performance.now();
  for (;;) {
    const it = r.next();
    if (it.kind === 'end') break;
    if (it.kind === 'aux') {
      if (it.name === 'strata-seq') res.seq = Number(it.value);
      continue;
    }
    if (it.kind === 'function') {
      res.functions++;
      continue;
    }
    if (it.expireAtMs !== undefined && it.expireAtMs < now) {
      res.expired++;
      const v = it.value;
      if (typeof v === 'object' && v.free) v.free();
      continue;
    }
    keyspace.dbs[it.db].loadEntry(it.key, it.value, it.expireAtMs);
    res.keys++;
    if ((res.keys & 255) === 0 && performance.now() - t0 > 20) {
      const p = r.progress();
      progress?.(p.pos, p.size);
      yield;
      t0 = performance.now();
    }
  }
  progress?.(buf.length, buf.length);
  return res;
}

// The range-index catalog: which key (db, key bytes, TTL) holds which tree file. It makes range indexes
// survive a restart or a kill -9 at their last commit, although the rest of the keyspace is not persisted
// yet: the trees are on disk already, only the stubs were missing.
//
// <dir>/rangeindex/CATALOG is one JSON document: { version, entries: [{ db, key (base64), file, config
// (hex of the stub's 27 config bytes), expireAt (ms or null) }] }. Key bytes are data here, never a path.
// It is rewritten atomically (CATALOG.tmp, fsync, rename, fsync of the directory) after the trees are
// committed, on the registry's commit tick and at shutdown, and only when a placement changed: a tree's
// records are in its file, the catalog only says where the tree is mounted.
//
// Placement is learned from the keyspace events every write emits (a keyspace listener), so RENAME, MOVE,
// COPY, RESTORE, DEL, expiry and FLUSH* need no range-index code: after any write to a key, the catalog
// looks at what the key holds now. A crash between a change and the next catalog write leaves the previous
// placement: a tree created since is an orphan (removed at start), a tree deleted since is skipped (its
// file is gone), a renamed tree comes back under its old name, as the last commit had it.
//
// The persistence issue's snapshots and WAL will carry stubs with the rest of the keyspace; the catalog is
// then what a snapshot records for range indexes.
import * as fs from 'fs';
import { fsyncDir } from '../util/fsync';
import * as path from 'path';
import { addKeyspaceListener, keyspace, type Db, type KeyspaceListener } from '../keyspace/db';
import { RangeIndexStub, CONFIG_SIZE, readConfig } from './stub';
import { log } from '../server/log';

export const CATALOG_FILE = 'CATALOG';

/** The generation of a tree file name `<16 hex>-<generation>.ri`, or null for any other name. */
export function treeFileGeneration(name: string): number | null {
  const m = /^[0-9a-f]{16}-(\d+)\.ri$/.exec(name);
  if (m === null) return null;
  const g = Number(m[1]);
  return Number.isSafeInteger(g) ? g : null;
}
const VERSION = 1;

interface Placement {
  stub: RangeIndexStub;
  expireAt: number | null;
}

/** Per db: key -> the range index it holds. Only keys holding a range index are here. */
let placed: Map<string, Placement>[] = [];
let count = 0;
let dirty = false;
let onDirty: () => void = () => undefined;

/** The registry schedules its commit tick (which writes the catalog) through this. */
export function onCatalogDirty(fn: () => void): void {
  onDirty = fn;
}
function changed(): void {
  if (!dirty) {
    dirty = true;
    onDirty();
  }
}

function mapFor(db: Db): Map<string, Placement> {
  while (placed.length <= db.id) placed.push(new Map());
  return placed[db.id];
}

/** After a write to (db, key): record what the key holds now. Cheap exit when no range index exists. */
function observe(db: Db, key: string): void {
  if (count === 0 && RangeIndexStub.instances === 0) return;
  const v = db.dict.get(key);
  const m = mapFor(db);
  const cur = m.get(key);
  if (v instanceof RangeIndexStub) {
    const exp = db.expires.get(key) ?? null;
    if (cur === undefined) {
      m.set(key, { stub: v, expireAt: exp });
      count++;
      changed();
    } else if (cur.stub !== v || cur.expireAt !== exp) {
      cur.stub = v;
      cur.expireAt = exp;
      changed();
    }
  } else if (cur !== undefined) {
    m.delete(key);
    count--;
    changed();
  }
}

const listener: KeyspaceListener = {
  modified: observe,
  expired: observe,
  flushed(db) {
    const m = placed[db.id];
    if (m !== undefined && m.size > 0) {
      count -= m.size;
      m.clear();
      changed();
    }
  },
};
addKeyspaceListener(listener);

/** Entries read at start that could not be mounted but whose files are kept: written back unchanged. */
const carried: object[] = [];
export function carryEntry(e: CatalogEntry): void {
  carried.push({ db: e.db, key: Buffer.from(e.key, 'latin1').toString('base64'), file: e.file, config: e.config.toString('hex'), expireAt: e.expireAt });
}

function entries(): object[] {
  const out: object[] = carried.slice();
  for (let id = 0; id < placed.length; id++) {
    for (const [key, p] of placed[id]) {
      const s = p.stub;
      if (s.tree === null || s.fileName === null) continue; // released, or MEMORY (nothing on disk)
      out.push({
        db: id,
        key: Buffer.from(key, 'latin1').toString('base64'),
        file: s.fileName,
        config: s.stub.subarray(8).toString('hex'),
        expireAt: p.expireAt,
      });
    }
  }
  return out;
}

/** Writes the catalog if a placement changed. Call after the trees' commit. Throws on I/O errors. */
export function writeCatalog(dir: string, force = false): boolean {
  if (!dirty && !force) return false;
  const file = path.join(dir, CATALOG_FILE);
  const tmp = file + '.tmp';
  const body = JSON.stringify({ version: VERSION, entries: entries() });
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, body);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(dir);
  dirty = false;
  return true;
}

export interface CatalogEntry {
  db: number;
  key: string; // latin1
  file: string;
  config: Buffer;
  expireAt: number | null;
}

/**
 * Reads the catalog: its entries (none when there is no catalog), or null when a catalog exists but cannot
 * be read at all (then nothing may be swept: the files are all that is left). A single malformed entry is
 * reported and skipped; so is a second entry naming a file already listed (two stubs writing one file would
 * corrupt it).
 */
export function readCatalog(dir: string): CatalogEntry[] | null {
  const file = path.join(dir, CATALOG_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    log.error({ file, err: String(err) }, 'range index: the catalog cannot be read; no tree is loaded and no file removed');
    return null;
  }
  let doc: { version: number; entries: Record<string, unknown>[] };
  try {
    doc = JSON.parse(text);
    if (doc.version !== VERSION || !Array.isArray(doc.entries)) throw new Error(`unknown catalog version ${doc.version}`);
  } catch (err) {
    // Set it aside: while a CATALOG.corrupt-* file exists no start removes tree files (see the sweep).
    const aside = `${file}.corrupt-${Date.now()}`;
    try {
      fs.renameSync(file, aside);
    } catch {
      /* left in place: the sweep is disabled for this start anyway */
    }
    log.error({ file, aside, err: String(err) }, 'range index: the catalog is unreadable; no tree is loaded and no file is removed until the corrupt catalog is dealt with');
    return null;
  }
  const out: CatalogEntry[] = [];
  const files = new Set<string>();
  for (const e of doc.entries) {
    try {
      const cfg = Buffer.from(String(e.config), 'hex');
      if (!Number.isInteger(e.db) || (e.db as number) < 0 || typeof e.file !== 'string' || typeof e.key !== 'string' || cfg.length !== CONFIG_SIZE) {
        throw new Error('bad entry');
      }
      if (treeFileGeneration(e.file) === null) throw new Error(`bad file name ${e.file}`);
      if (files.has(e.file)) throw new Error(`file ${e.file} listed twice`);
      readConfig(cfg, 0); // validates the backend byte
      files.add(e.file);
      out.push({
        db: e.db as number,
        key: Buffer.from(e.key, 'base64').toString('latin1'),
        file: e.file,
        config: cfg,
        expireAt: typeof e.expireAt === 'number' ? e.expireAt : null,
      });
    } catch (err) {
      log.error({ file, entry: JSON.stringify(e).slice(0, 200), err: String(err) }, 'range index: skipping a malformed catalog entry');
    }
  }
  return out;
}

/** Rewrites the catalog on the next write even if no placement changed (after loading it). */
export function markCatalogDirty(): void {
  changed();
}

/** Forgets every placement (tests, or a start without a catalog). */
export function resetCatalog(): void {
  placed = [];
  count = 0;
  dirty = false;
}

/** Keyspace access for the loader without emitting events (loading is not a write). */
export function mount(dbId: number, key: string, stub: RangeIndexStub, expireAt: number | null): boolean {
  const db = keyspace.dbs[dbId];
  if (db === undefined || db.dict.has(key)) return false;
  db.dict.set(key, stub);
  if (expireAt !== null) db.expires.set(key, expireAt);
  const m = mapFor(db);
  m.set(key, { stub, expireAt });
  count++;
  return true;
}

// Range-index commands: Garnet's RI.CREATE RI.SET RI.GET RI.DEL RI.SCAN RI.RANGE RI.EXISTS RI.CONFIG
// RI.METRICS (grammar, replies and error texts of libs/server/Resp/RangeIndex/RespServerSessionRangeIndex.cs
// and its storage session, see docs/RANGEINDEX.md) plus Strata's RI.MSET RI.MGET RI.MDEL RI.COUNT.
//
// Strata decisions that differ from Garnet: MINRECORD defaults to 1; RI.DEL answers :0 for an absent
// field; RI.RANGE with start > end answers an empty array; MEMORY indexes can scan and range; a full
// MEMORY index answers ERR_FULL.
//
// Order of checks follows Garnet: argument parsing first, then the key lookup (missing key, WRONGTYPE),
// then record sizes, then the tree.
import type { Client, Handler } from '../../server/context';
import * as R from '../../protocol/reply';
import { error, E } from '../../protocol/errors';
import { log } from '../../server/log';
import { parseLL } from '../../util/strconv';
import { kw } from '../string/util';
import { RangeIndexStub, BACKEND_DISK, BACKEND_MEMORY, FLAG_FLUSHED, FLAG_RECOVERED, RiConfig } from '../../rangeindex/stub';
import { createIndex, validateConfig, recordSizeError, markDirty, DEFAULTS, ERR_FULL, RangeTreeFullError } from '../../rangeindex/registry';
import type { RangeTree, RecordSink, TreeStats } from '../../rangeindex/tree';
import { addDirty } from '../../keyspace/db';

/** Garnet's CmdStrings.RESP_ERR_WRONG_TYPE (with the period). */
export const RI_WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value.';
const NOT_FOUND = 'ERR range index not found';
const NO_SUCH = 'ERR no such range index';

// ---- argument bytes ---------------------------------------------------------------------------------

// Hot path (RI.GET/RI.SET): arguments are latin1 strings; they are written into one reused buffer
// instead of allocating a Buffer per argument. The engine copies what it keeps.
let scratch = Buffer.allocUnsafe(64 * 1024);
function ensureScratch(n: number): void {
  if (scratch.length < n) scratch = Buffer.allocUnsafe(Math.max(n, scratch.length * 2));
}
/** `s` as bytes in scratch[off, off+len). Valid until the next call that uses the same range. */
function arg(s: string, off: number): Buffer {
  const n = s.length;
  const b = scratch.subarray(off, off + n);
  if (n < 32) for (let i = 0; i < n; i++) b[i] = s.charCodeAt(i);
  else b.latin1Write(s, 0, n);
  return b;
}
const L = (s: string): Buffer => Buffer.from(s, 'latin1');

// ---- lookup -----------------------------------------------------------------------------------------

/** The index at key: the stub, or null after replying (missing key -> `missing`, other type -> WRONGTYPE). */
function lookup(c: Client, key: string, missing: string, write: boolean): RangeIndexStub | null {
  const v = write ? c.db.getForWrite(key) : c.db.get(key);
  if (v === undefined) {
    error(c, missing);
    return null;
  }
  if (!(v instanceof RangeIndexStub) || v.tree === null) {
    error(c, RI_WRONGTYPE);
    return null;
  }
  return v;
}

function treeError(c: Client, e: unknown): void {
  if (e instanceof RangeTreeFullError) return error(c, ERR_FULL);
  error(c, 'ERR ' + ((e as Error)?.message ?? String(e)));
}

/**
 * `records` records were written or removed (at least 1): WATCH/notifications (db.touchWrite: the stub
 * object itself is unchanged), the change count (one per record, as Redis counts HSET/HDEL), commit scheduling.
 */
function written(c: Client, key: string, s: RangeIndexStub, records = 1): void {
  c.db.touchWrite(key);
  if (records > 1) addDirty(records - 1);
  markDirty(s);
}

// ---- RI.CREATE --------------------------------------------------------------------------------------

const OPTS: Record<string, keyof RiConfig> = {
  cachesize: 'cacheSize',
  minrecord: 'minRecord',
  maxrecord: 'maxRecord',
  maxkeylen: 'maxKeyLen',
  pagesize: 'pageSize',
};

function riCreate(c: Client, argv: string[]): void {
  const cfg: RiConfig = { ...DEFAULTS };
  for (let i = 2; i < argv.length; i++) {
    const opt = kw(argv[i]);
    if (opt === 'memory') cfg.backend = BACKEND_MEMORY;
    else if (opt === 'disk') cfg.backend = BACKEND_DISK;
    else if (Object.prototype.hasOwnProperty.call(OPTS, opt)) {
      if (i + 1 >= argv.length) return error(c, `ERR ${opt.toUpperCase()} requires a value`);
      const v = parseLL(argv[++i]);
      if (v === null || typeof v === 'bigint') return error(c, E.notInt);
      cfg[OPTS[opt]] = v;
    } else return error(c, 'ERR unknown option');
  }
  if (cfg.cacheSize <= 0 || cfg.minRecord <= 0 || cfg.maxRecord <= 0 || cfg.maxKeyLen <= 0) {
    return error(c, 'ERR numeric options must be greater than zero');
  }
  if (cfg.minRecord > cfg.maxRecord) return error(c, 'ERR MINRECORD must not exceed MAXRECORD');

  const db = c.db;
  const key = argv[1];
  const old = db.getForWrite(key);
  if (old !== undefined) return error(c, old instanceof RangeIndexStub ? 'ERR index already exists' : RI_WRONGTYPE);

  const checked = validateConfig(cfg);
  if (typeof checked === 'string') return error(c, checked);
  let s: RangeIndexStub;
  try {
    s = createIndex(db.id, key, checked);
  } catch (e) {
    // I/O failures (unwritable dir, ENOSPC, EMFILE): Garnet's text; the cause goes to the log, not the client.
    log.error({ err: String(e) }, 'RI.CREATE failed');
    return error(c, 'ERR failed to create range index');
  }
  db.set(key, s);
  R.ok(c);
}

// ---- point operations -------------------------------------------------------------------------------

function riSet(c: Client, argv: string[]): void {
  const s = lookup(c, argv[1], NO_SUCH, true);
  if (s === null) return;
  const f = argv[2];
  const v = argv[3];
  const err = recordSizeError(s.config, f.length, v.length);
  if (err !== null) return error(c, err);
  ensureScratch(f.length + v.length);
  try {
    s.tree!.set(arg(f, 0), arg(v, f.length));
  } catch (e) {
    return treeError(c, e);
  }
  written(c, argv[1], s);
  R.ok(c);
}

function riGet(c: Client, argv: string[]): void {
  const s = lookup(c, argv[1], NOT_FOUND, false);
  if (s === null) return;
  const f = argv[2];
  ensureScratch(f.length);
  sink.c = c;
  sink.mode = VALUE;
  if (!s.tree!.getRecord(arg(f, 0), sink)) R.nullBulk(c);
  sink.c = null;
}

function riDel(c: Client, argv: string[]): void {
  const s = lookup(c, argv[1], NOT_FOUND, true);
  if (s === null) return;
  const f = argv[2];
  ensureScratch(f.length);
  let removed: boolean;
  try {
    removed = s.tree!.delete(arg(f, 0));
  } catch (e) {
    return treeError(c, e);
  }
  if (removed) written(c, argv[1], s);
  R.int(c, removed ? 1 : 0);
}

// ---- RI.SCAN / RI.RANGE -----------------------------------------------------------------------------

const BOTH = 0;
const KEY = 1;
const VALUE = 2;

/**
 * Writes records straight from B-tree pages into the client's output as RESP (no Buffer per record):
 * BOTH as a 2-element array, KEY or VALUE as one bulk. One instance, pointed at the client for the
 * duration of a command (handlers do not re-enter).
 */
class RespSink implements RecordSink {
  c: Client | null = null;
  mode = BOTH;
  record(b: Buffer, ks: number, kl: number, vs: number, vl: number): void {
    const c = this.c!;
    if (this.mode === BOTH) {
      R.raw(c, '*2\r\n');
      R.bulkBytes(c, b, ks, kl);
      R.bulkBytes(c, b, vs, vl);
    } else if (this.mode === KEY) R.bulkBytes(c, b, ks, kl);
    else R.bulkBytes(c, b, vs, vl);
  }
}
const sink = new RespSink();

/** FIELDS <mode> at argv[i], argv[i+1] (Garnet: only there; an unknown mode means BOTH; rest ignored). */
function fieldsMode(argv: string[], i: number): number {
  if (argv.length >= i + 2 && kw(argv[i]) === 'fields') {
    const m = kw(argv[i + 1]);
    if (m === 'key') return KEY;
    if (m === 'value') return VALUE;
  }
  return BOTH;
}

// The reply is written while scanning (the callback's views are valid only inside it): elements go after
// a gap big enough for any array header, then the header is written and the elements moved next to it.
const HDR = 24;
function scanReply(c: Client, tree: RangeTree, start: Buffer, end: Buffer | null, limit: number, mode: number): void {
  if (c.mute) return;
  R.reserve(c, HDR);
  const at = c.opos;
  c.opos = at + HDR;
  let n: number;
  sink.c = c;
  sink.mode = mode;
  try {
    n = tree.scanRecords(start, end, limit, sink);
  } catch (e) {
    c.opos = at;
    return treeError(c, e);
  } finally {
    sink.c = null;
  }
  const b = c.out!;
  const hdr = `*${n}\r\n`;
  const h = b.latin1Write(hdr, at, hdr.length);
  b.copy(b, at + h, at + HDR, c.opos);
  c.opos -= HDR - h;
}

function riScan(c: Client, argv: string[]): void {
  if (kw(argv[3]) !== 'count') return error(c, 'ERR syntax error, expected COUNT');
  const count = parseLL(argv[4]);
  if (count === null || typeof count === 'bigint' || count <= 0 || count > 0x7fffffff) return error(c, 'ERR invalid count');
  const mode = fieldsMode(argv, 5);
  const s = lookup(c, argv[1], NOT_FOUND, false);
  if (s === null) return;
  scanReply(c, s.tree!, L(argv[2]), null, count, mode);
}

function riRange(c: Client, argv: string[]): void {
  const mode = fieldsMode(argv, 4);
  const s = lookup(c, argv[1], NOT_FOUND, false);
  if (s === null) return;
  const start = L(argv[2]);
  const end = L(argv[3]);
  if (Buffer.compare(start, end) > 0) return R.emptyArray(c);
  scanReply(c, s.tree!, start, end, Number.MAX_SAFE_INTEGER, mode);
}

// ---- RI.EXISTS / RI.CONFIG / RI.METRICS ---------------------------------------------------------------

function riExists(c: Client, argv: string[]): void {
  const v = c.db.get(argv[1]);
  R.int(c, v instanceof RangeIndexStub && v.tree !== null ? 1 : 0);
}

function riConfig(c: Client, argv: string[]): void {
  const s = lookup(c, argv[1], NOT_FOUND, false);
  if (s === null) return;
  const cfg = s.config;
  R.arrayLen(c, 12);
  R.bulk(c, 'storage_backend');
  R.bulk(c, cfg.backend === BACKEND_MEMORY ? 'MEMORY' : 'DISK');
  R.bulk(c, 'cache_size');
  R.bulk(c, String(cfg.cacheSize));
  R.bulk(c, 'min_record_size');
  R.bulk(c, String(cfg.minRecord));
  R.bulk(c, 'max_record_size');
  R.bulk(c, String(cfg.maxRecord));
  R.bulk(c, 'max_key_len');
  R.bulk(c, String(cfg.maxKeyLen));
  R.bulk(c, 'leaf_page_size');
  R.bulk(c, String(cfg.pageSize));
}

/** tree.stats() fields RI.METRICS shows after Garnet's four, in this order: [reply name, stats field]. */
const METRIC_FIELDS: [string, keyof TreeStats][] = [
  ['records', 'records'],
  ['height', 'height'],
  ['pages', 'pages'],
  ['pages_cached', 'pagesCached'],
  ['cache_hits', 'cacheHits'],
  ['cache_misses', 'cacheMisses'],
  ['evictions', 'evictions'],
  ['bytes_on_disk', 'bytesOnDisk'],
  ['txn', 'txn'],
  ['snapshots_pinned', 'snapshotsPinned'],
];

function riMetrics(c: Client, argv: string[]): void {
  const s = lookup(c, argv[1], NOT_FOUND, false);
  if (s === null) return;
  const st = s.tree!.stats();
  R.arrayLen(c, 8 + METRIC_FIELDS.length * 2);
  R.bulk(c, 'tree_handle');
  R.bulk(c, String(s.fileId));
  R.bulk(c, 'is_live');
  R.bulk(c, 'true');
  R.bulk(c, 'is_flushed');
  R.bulk(c, s.flags & FLAG_FLUSHED ? 'true' : 'false');
  R.bulk(c, 'is_recovered');
  R.bulk(c, s.flags & FLAG_RECOVERED ? 'true' : 'false');
  for (const [name, field] of METRIC_FIELDS) {
    R.bulk(c, name);
    R.bulk(c, String(st[field]));
  }
}

// ---- Strata extensions ------------------------------------------------------------------------------

/** RI.MSET key field value [field value ...] -> :n fields added (like HSET). All sizes are checked first. */
function riMset(c: Client, argv: string[]): void {
  if (argv.length % 2 !== 0) return error(c, E.wrongArity('RI.MSET'));
  const s = lookup(c, argv[1], NO_SUCH, true);
  if (s === null) return;
  for (let i = 2; i < argv.length; i += 2) {
    const err = recordSizeError(s.config, argv[i].length, argv[i + 1].length);
    if (err !== null) return error(c, err);
  }
  const tree = s.tree!;
  let added = 0;
  let done = 0;
  try {
    for (let i = 2; i < argv.length; i += 2) {
      const f = argv[i];
      const v = argv[i + 1];
      ensureScratch(f.length + v.length);
      if (tree.set(arg(f, 0), arg(v, f.length))) added++;
      done++;
    }
  } catch (e) {
    if (done > 0) written(c, argv[1], s, done);
    return treeError(c, e);
  }
  written(c, argv[1], s, done);
  R.int(c, added);
}

/** RI.MGET key field [field ...] -> array of bulk or null. */
function riMget(c: Client, argv: string[]): void {
  const s = lookup(c, argv[1], NOT_FOUND, false);
  if (s === null) return;
  const tree = s.tree!;
  R.arrayLen(c, argv.length - 2);
  sink.c = c;
  sink.mode = VALUE;
  for (let i = 2; i < argv.length; i++) {
    const f = argv[i];
    ensureScratch(f.length);
    if (!tree.getRecord(arg(f, 0), sink)) R.nullBulk(c);
  }
  sink.c = null;
}

/** RI.MDEL key field [field ...] -> :n removed. */
function riMdel(c: Client, argv: string[]): void {
  const s = lookup(c, argv[1], NOT_FOUND, true);
  if (s === null) return;
  const tree = s.tree!;
  let removed = 0;
  try {
    for (let i = 2; i < argv.length; i++) {
      const f = argv[i];
      ensureScratch(f.length);
      if (tree.delete(arg(f, 0))) removed++;
    }
  } catch (e) {
    if (removed > 0) written(c, argv[1], s, removed);
    return treeError(c, e);
  }
  if (removed > 0) written(c, argv[1], s, removed);
  R.int(c, removed);
}

/** RI.COUNT key [start end] -> :n records (in the closed interval when given; 0 when start > end). */
function riCount(c: Client, argv: string[]): void {
  if (argv.length !== 2 && argv.length !== 4) return error(c, E.syntax);
  const s = lookup(c, argv[1], NOT_FOUND, false);
  if (s === null) return;
  const tree = s.tree!;
  if (argv.length === 2) return R.int(c, tree.count());
  const start = L(argv[2]);
  const end = L(argv[3]);
  R.int(c, Buffer.compare(start, end) > 0 ? 0 : tree.countRange(start, end));
}

export const commands: Record<string, Handler> = {
  'ri.create': riCreate,
  'ri.set': riSet,
  'ri.get': riGet,
  'ri.del': riDel,
  'ri.scan': riScan,
  'ri.range': riRange,
  'ri.exists': riExists,
  'ri.config': riConfig,
  'ri.metrics': riMetrics,
  'ri.mset': riMset,
  'ri.mget': riMget,
  'ri.mdel': riMdel,
  'ri.count': riCount,
};

// RangeTree: copy-on-write B+tree over a pager and a buffer pool (docs/RANGEINDEX.md).
//
// Depth d = 0 is the root, d = height - 1 the leaves. Write operations descend read-only, recording the
// path (page ids, chosen slots, frames); only when a change is certain do they make the path writable
// top-down (shadow copies of pages from older txns), then change the leaf, fix subtree counts on the path,
// and split / rebalance bottom-up. Frames touched by the running operation are never evicted (pool.ts), so
// the recorded frames stay valid for the whole operation.
import * as fs from 'fs';
import {
  HDR, T_LEAF, T_INNER, T_FREELIST, FREELIST_FIRST, LEAF_OVH, INNER_OVH,
  u16, u32, w16, w32, checksum, validPageSize, maxKeyLen, maxRecordLen, initPage, restamp, setCrc, verifyPage,
  nslots, slotOff, usedBytes, freeBytes, leafSearch, leafRank, innerSearch, innerChild, setInnerChild, innerCount,
  setInnerCount, addInnerCount, leafInsert, innerInsert, removeSlot, rawRecord, buildPage,
  makeInnerRec, makeLeafRec, rawLeafKey, rawInnerKey, rawInnerCount, separatorLen, cmpBytes, pageType,
} from './page';
import { Pager, FilePager, MemPager } from './pager';
import { BufferPool, Frame } from './pool';

export interface TreeOptions {
  pageSize: number;
  cacheBytes: number;
  memory?: boolean;
  fsync?: boolean;
  meta?: Buffer;
}

export interface TreeStats {
  records: number;
  height: number;
  pageSize: number;
  pages: number;
  freePages: number;
  pagesCached: number;
  cacheFrames: number;
  dirtyPages: number;
  cacheHits: number;
  cacheMisses: number;
  evictions: number;
  pageReads: number;
  pageWrites: number;
  bytesOnDisk: number;
  txn: number;
  snapshotsPinned: number;
  commits: number;
}

/** MEMORY tree: the write would grow the pool past cacheBytes. The tree is unchanged. */
export class RangeTreeFullError extends Error {
  constructor() {
    super('range index is full (MEMORY backend reached its CACHESIZE)');
    this.name = 'RangeTreeFullError';
  }
}

export type ScanFn = (key: Buffer, value: Buffer) => void;

/**
 * Receives scanned records as byte ranges of a page (no Buffer per record): the key is b[ks, ks+kl), the
 * value b[vs, vs+vl). The page must not be kept past the call. Used by the RESP reply writers, which copy
 * the bytes straight into the output.
 */
export interface RecordSink {
  record(b: Buffer, ks: number, kl: number, vs: number, vl: number): void;
}

/** Adapts a ScanFn (views per record) to a RecordSink. */
class ViewSink implements RecordSink {
  constructor(private readonly fn: ScanFn) {}
  record(b: Buffer, ks: number, kl: number, vs: number, vl: number): void {
    this.fn(b.subarray(ks, ks + kl), b.subarray(vs, vs + vl));
  }
}

export interface TreeSnapshot {
  readonly txn: number;
  get(key: Buffer): Buffer | null;
  scan(start: Buffer, end: Buffer | null, limit: number, fn: ScanFn): number;
  scanRecords(start: Buffer, end: Buffer | null, limit: number, sink: RecordSink): number;
  count(): number;
  countRange(start: Buffer, end: Buffer): number;
  release(): void;
}

// ---- meta page layout ----
const MAGIC = Buffer.from('STRATARI', 'latin1');
const FORMAT_VERSION = 1;
const M_CRC = 8;
const M_VERSION = 12;
const M_PAGESIZE = 16;
const M_TXN = 20; // f64
const M_ROOT = 28;
const M_HEIGHT = 32;
const M_HIGHWATER = 36;
const M_COUNT = 40; // f64
const M_FREEHEAD = 48;
const M_FREELEN = 52;
const M_APPLIED = 56; // f64
const M_BLOBLEN = 64;
const M_BLOB = 66;

const MAX_DEPTH = 64;
const FIRST_PAGE = 2; // 0 and 1 are the meta pages

export class RangeTree {
  readonly pageSize: number;
  readonly memory: boolean;
  readonly path: string | null;
  private readonly pager: Pager;
  private readonly pool: BufferPool;
  private readonly fsync: boolean;
  private readonly cap: number; // usable bytes of a page (after the header)
  private readonly underflow: number; // rebalance when used bytes fall below this
  private readonly maxKey: number;
  private readonly maxRec: number;

  private root = FIRST_PAGE;
  private height = 1;
  private records = 0;
  private highWater = FIRST_PAGE;
  private txn = 1; // running (uncommitted) txn
  private committedTxn = 0;
  /** Meta slot (page 0 or 1) of the last commit; the next commit writes the other one. Not txn % 2:
   *  a snapshot of a dirty tree retires its txn without a commit, so txns of commits can skip. */
  private metaSlot = 0; // the first commit (txn 1) writes slot 1: slot = txn % 2 while no snapshot retires a txn
  private _dirty = false;
  private _meta: Buffer = Buffer.alloc(0);
  private _appliedSeq = 0;
  private closed = false;
  private scanning = 0;
  private commits = 0;

  // free space management
  private freeReady: number[] = [];
  private pendTxn: number[] = []; // groups of pages freed in txn pendTxn[i], awaiting reuse
  private pendIds: number[][] = [];
  private pendHead = 0;
  private pendCount = 0;
  private listPages: number[] = []; // free-list pages referenced by the last committed meta
  private listPagesFreed = false; // listPages already moved to pending by a commit that then failed
  private pinned = new Map<number, number>();
  private pinCount = 0;

  // per-operation path (reused, no allocation)
  private readonly pIds: number[] = new Array(MAX_DEPTH).fill(0);
  private readonly pIdx: number[] = new Array(MAX_DEPTH).fill(0);
  private readonly pFr: (Frame | null)[] = new Array(MAX_DEPTH).fill(null);

  private constructor(path: string | null, pageSize: number, cacheBytes: number, memory: boolean, fsync: boolean, create: boolean) {
    if (!validPageSize(pageSize)) throw new Error(`rangeindex: page size ${pageSize} must be a power of two in 256..32768`);
    this.path = path;
    this.pageSize = pageSize;
    this.memory = memory;
    this.fsync = fsync && !memory;
    this.pager = memory ? new MemPager(pageSize) : new FilePager(path!, pageSize, create);
    this.pool = new BufferPool(this.pager, pageSize, cacheBytes, memory);
    this.cap = pageSize - HDR;
    this.underflow = HDR + (this.cap >> 2);
    this.maxKey = maxKeyLen(pageSize);
    this.maxRec = maxRecordLen(pageSize);
  }

  // =====================================================================================================
  // construction
  // =====================================================================================================

  private static init(path: string | null, opts: TreeOptions): RangeTree {
    const memory = path === null || !!opts.memory;
    if (memory && path !== null) throw new Error('rangeindex: a MEMORY tree has no path');
    const t = new RangeTree(path, opts.pageSize, opts.cacheBytes, memory, !!opts.fsync, true);
    if (opts.meta) t.setMetaChecked(opts.meta);
    t.highWater = FIRST_PAGE;
    const id = t.alloc();
    const f = t.pool.create(id, t.txn);
    initPage(f.buf, id, t.txn, T_LEAF);
    t.root = id;
    t.height = 1;
    t._dirty = true;
    return t;
  }

  static create(path: string | null, opts: TreeOptions): RangeTree {
    const t = RangeTree.init(path, opts);
    try {
      t.commit();
    } catch (e) {
      t.destroy(); // no half-created file or open fd left behind (e.g. ENOSPC on the first commit)
      throw e;
    }
    return t;
  }

  static open(path: string, opts: { cacheBytes: number; fsync?: boolean }): RangeTree {
    const m = readMeta(path);
    const t = new RangeTree(path, m.pageSize, opts.cacheBytes, false, !!opts.fsync, false);
    try {
      t.root = m.root;
      t.height = m.height;
      t.highWater = m.highWater;
      t.records = m.count;
      t.committedTxn = m.txn;
      t.txn = m.txn + 1;
      t.metaSlot = m.slot;
      t._appliedSeq = m.appliedSeq;
      t._meta = m.blob;
      // Free list: every listed id is reusable (no snapshots exist across a restart).
      let id = m.freeHead;
      const buf = Buffer.allocUnsafe(m.pageSize);
      let guard = 0;
      while (id !== 0) {
        if (id >= m.highWater || ++guard > m.highWater) throw new Error(`rangeindex: free list of ${path} is corrupt`);
        t.pager.read(id, buf);
        verifyPage(buf, id);
        if (buf[16] !== T_FREELIST) throw new Error(`rangeindex: page ${id} of ${path} is not a free-list page`);
        const n = nslots(buf);
        for (let i = 0; i < n; i++) {
          const fid = u32(buf, FREELIST_FIRST + 4 * i);
          // A listed id outside the tree pages (a meta slot, past the high-water mark) would let a write
          // overwrite something live: refuse the file rather than trust it.
          if (fid < FIRST_PAGE || fid >= m.highWater) throw new Error(`rangeindex: free list of ${path} lists page ${fid} outside 2..${m.highWater - 1}`);
          t.freeReady.push(fid);
        }
        t.listPages.push(id);
        id = u32(buf, 24);
      }
      if (t.freeReady.length !== m.freeLen) throw new Error(`rangeindex: free list of ${path} has ${t.freeReady.length} ids, meta says ${m.freeLen}`);
      // Pop from the end = lowest ids first keeps the file dense.
      t.freeReady.sort((a, b) => b - a);
      for (let i = 1; i < t.freeReady.length; i++) {
        if (t.freeReady[i] === t.freeReady[i - 1]) throw new Error(`rangeindex: free list of ${path} lists page ${t.freeReady[i]} twice`);
      }
      t.pool.fetch(t.root); // fail now, not on first use, if the root is corrupt
    } catch (e) {
      t.pager.close();
      throw e;
    }
    return t;
  }

  /** Build a tree from records in strictly increasing key order; leaves ~90% full; commits at the end. */
  static bulkLoad(path: string | null, opts: TreeOptions, next: () => [Buffer, Buffer] | null): RangeTree {
    const t = RangeTree.init(path, opts);
    try {
      t.bulkBuild(next);
      t._dirty = true;
      t.commit();
    } catch (e) {
      t.destroy();
      throw e;
    }
    return t;
  }

  // =====================================================================================================
  // reads
  // =====================================================================================================

  get(key: Buffer): Buffer | null {
    this.checkOpen();
    this.pool.begin();
    return this.getAt(this.root, this.height, key);
  }

  count(): number {
    this.checkOpen();
    return this.records;
  }

  countRange(start: Buffer, end: Buffer): number {
    this.checkOpen();
    this.pool.begin();
    return this.countRangeAt(this.root, this.height, start, end);
  }

  scan(start: Buffer, end: Buffer | null, limit: number, fn: ScanFn): number {
    return this.scanRecords(start, end, limit, new ViewSink(fn));
  }

  /** scan() without a Buffer per record: the sink gets byte ranges of the page. */
  scanRecords(start: Buffer, end: Buffer | null, limit: number, sink: RecordSink): number {
    this.checkOpen();
    this.scanning++;
    try {
      return this.scanAt(this.root, this.height, start, end, limit, sink);
    } finally {
      this.scanning--;
    }
  }

  /**
   * O(1): pins the current root until release(). A clean tree pins its last commit. A dirty tree retires
   * its running txn without committing it: the next write starts txn+1, so every page the snapshot can
   * see (committed or still only in the pool) is shadowed before it changes, and pages freed from now on
   * are kept until the snapshot is released (releasePending). Dirty frames of the retired txn are still
   * written by eviction or by the next commit, at ids no committed meta references.
   */
  snapshot(): TreeSnapshot {
    this.checkOpen();
    if (this.scanning > 0) throw new Error('rangeindex: snapshot during a scan of the live tree');
    let st: number;
    if (this._dirty) st = this.txn++;
    else st = this.committedTxn;
    this.pinned.set(st, (this.pinned.get(st) ?? 0) + 1);
    this.pinCount++;
    return new Snapshot(this, this.root, this.height, this.records, st);
  }

  /** @internal used by Snapshot */
  _snapGet(root: number, height: number, key: Buffer): Buffer | null {
    this.checkOpen();
    this.pool.begin();
    return this.getAt(root, height, key);
  }
  /** @internal */
  _snapScan(root: number, height: number, start: Buffer, end: Buffer | null, limit: number, sink: RecordSink): number {
    this.checkOpen();
    return this.scanAt(root, height, start, end, limit, sink);
  }
  /** @internal */
  _snapCountRange(root: number, height: number, start: Buffer, end: Buffer): number {
    this.checkOpen();
    this.pool.begin();
    return this.countRangeAt(root, height, start, end);
  }
  /** @internal */
  _release(txn: number): void {
    if (this.closed) return;
    const n = this.pinned.get(txn);
    if (!n) return;
    if (n === 1) this.pinned.delete(txn);
    else this.pinned.set(txn, n - 1);
    this.pinCount--;
    this.releasePending();
  }

  /** get() without a view: hands the record to the sink and returns true, or returns false if absent. */
  getRecord(key: Buffer, sink: RecordSink): boolean {
    this.checkOpen();
    this.pool.begin();
    const b = this.leafFor(this.root, this.height, key);
    const r = leafSearch(b, key);
    if (r < 0) return false;
    const off = slotOff(b, r);
    const kl = u16(b, off);
    sink.record(b, off + LEAF_OVH, kl, off + LEAF_OVH + kl, u16(b, off + 2));
    return true;
  }

  private leafFor(root: number, height: number, key: Buffer): Buffer {
    const pool = this.pool;
    let id = root;
    for (let d = height - 1; d > 0; d--) {
      const b = pool.fetch(id).buf;
      id = innerChild(b, innerSearch(b, key));
    }
    return pool.fetch(id).buf;
  }

  private getAt(root: number, height: number, key: Buffer): Buffer | null {
    const b = this.leafFor(root, height, key);
    const r = leafSearch(b, key);
    if (r < 0) return null;
    const off = slotOff(b, r);
    const vs = off + LEAF_OVH + u16(b, off);
    return b.subarray(vs, vs + u16(b, off + 2));
  }

  private rankAt(root: number, height: number, key: Buffer, inclusive: boolean): number {
    const pool = this.pool;
    let id = root;
    let acc = 0;
    for (let d = height - 1; d > 0; d--) {
      const b = pool.fetch(id).buf;
      const i = innerSearch(b, key);
      for (let j = 0; j < i; j++) acc += innerCount(b, j);
      id = innerChild(b, i);
    }
    return acc + leafRank(pool.fetch(id).buf, key, inclusive);
  }

  private countRangeAt(root: number, height: number, start: Buffer, end: Buffer): number {
    if (cmpBytes(start, 0, start.length, end, 0, end.length) > 0) return 0;
    return this.rankAt(root, height, end, true) - this.rankAt(root, height, start, false);
  }

  /** Iterative scan: a stack of (page id, slot) per inner level; frames are re-fetched by id when climbing,
   *  and the current leaf is pinned while callbacks run (they may call back into the tree). */
  private scanAt(root: number, height: number, start: Buffer, end: Buffer | null, limit: number, sink: RecordSink): number {
    if (!(limit > 0)) limit = Infinity;
    const pool = this.pool;
    pool.begin();
    const ids = new Array<number>(height);
    const idxs = new Array<number>(height);
    let id = root;
    for (let d = 0; d < height - 1; d++) {
      const b = pool.fetch(id).buf;
      const i = innerSearch(b, start);
      ids[d] = id;
      idxs[d] = i;
      id = innerChild(b, i);
    }
    let f = pool.fetch(id);
    let i = leafSearch(f.buf, start);
    if (i < 0) i = ~i;
    let visited = 0;
    const endLen = end === null ? 0 : end.length;
    for (;;) {
      const b = f.buf;
      const n = nslots(b);
      pool.pin(f);
      try {
        for (; i < n; i++) {
          const off = slotOff(b, i);
          const kl = u16(b, off);
          const ks = off + LEAF_OVH;
          if (end !== null && cmpBytes(b, ks, kl, end, 0, endLen) > 0) return visited;
          sink.record(b, ks, kl, ks + kl, u16(b, off + 2));
          if (++visited >= limit) return visited;
        }
      } finally {
        pool.unpin(f);
      }
      // climb to the nearest ancestor with a next child, then descend its leftmost path
      pool.begin();
      let d = height - 2;
      while (d >= 0 && idxs[d] + 1 >= nslots(pool.fetch(ids[d]).buf)) d--;
      if (d < 0) return visited;
      idxs[d]++;
      id = innerChild(pool.fetch(ids[d]).buf, idxs[d]);
      for (let e = d + 1; e < height - 1; e++) {
        const pb = pool.fetch(id).buf;
        ids[e] = id;
        idxs[e] = 0;
        id = innerChild(pb, 0);
      }
      f = pool.fetch(id);
      i = 0;
    }
  }

  // =====================================================================================================
  // writes
  // =====================================================================================================

  /** true = inserted, false = replaced. */
  set(key: Buffer, value: Buffer): boolean {
    this.checkWrite();
    const kl = key.length;
    const vl = value.length;
    if (kl > this.maxKey) throw new Error(`rangeindex: key of ${kl} bytes exceeds the ${this.maxKey}-byte limit for page size ${this.pageSize}`);
    if (kl + vl > this.maxRec) throw new Error(`rangeindex: record of ${kl + vl} bytes does not fit a ${this.pageSize}-byte page (max ${this.maxRec})`);
    this.pool.begin();
    const h = this.height;
    if (this.memory) this.ensureRoom((this.pinCount > 0 ? h : 0) + h + 3);
    let f = this.descend(key);
    const r = leafSearch(f.buf, key);
    if (r >= 0) {
      const off = slotOff(f.buf, r);
      if (u16(f.buf, off + 2) === vl) {
        // Same-size replace: overwrite the value bytes (after shadowing the path if needed).
        if (!this.writable(f)) f = this.makePathWritable();
        value.copy(f.buf, slotOff(f.buf, r) + LEAF_OVH + kl);
        this.pool.markDirty(f);
        this._dirty = true;
        return false;
      }
      f = this.makePathWritable();
      removeSlot(f.buf, r);
      this.pool.markDirty(f);
      this._dirty = true;
      if (!leafInsert(f.buf, r, key, value)) this.splitLeaf(f, r, makeLeafRec(key, value));
      return false;
    }
    f = this.makePathWritable();
    const i = ~r;
    for (let d = 0; d < h - 1; d++) addInnerCount(this.pFr[d]!.buf, this.pIdx[d], 1);
    this.records++;
    this._dirty = true;
    this.pool.markDirty(f);
    if (!leafInsert(f.buf, i, key, value)) this.splitLeaf(f, i, makeLeafRec(key, value));
    return true;
  }

  /** true = the key was present. */
  delete(key: Buffer): boolean {
    this.checkWrite();
    this.pool.begin();
    const h = this.height;
    let f = this.descend(key);
    const r = leafSearch(f.buf, key);
    if (r < 0) return false;
    if (this.memory) this.ensureRoom(this.pinCount > 0 ? 2 * h : 0);
    f = this.makePathWritable();
    removeSlot(f.buf, r);
    this.pool.markDirty(f);
    for (let d = 0; d < h - 1; d++) addInnerCount(this.pFr[d]!.buf, this.pIdx[d], -1);
    this.records--;
    this._dirty = true;
    if (h > 1 && usedBytes(f.buf) < this.underflow) this.rebalance(h - 1);
    return true;
  }

  get dirty(): boolean {
    return this._dirty;
  }

  get meta(): Buffer {
    return this._meta;
  }

  setMeta(b: Buffer): void {
    this.checkOpen();
    this.setMetaChecked(b);
    this._dirty = true;
  }

  /** Last WAL sequence applied to this tree (persisted in the meta page at commit). */
  get appliedSeq(): number {
    return this._appliedSeq;
  }
  set appliedSeq(v: number) {
    this.checkOpen();
    this._appliedSeq = v;
    this._dirty = true;
  }

  private setMetaChecked(b: Buffer): void {
    if (b.length > this.pageSize - M_BLOB) throw new Error(`rangeindex: meta blob of ${b.length} bytes exceeds ${this.pageSize - M_BLOB}`);
    this._meta = Buffer.from(b);
  }

  // ---- path helpers ----

  private descend(key: Buffer): Frame {
    const pool = this.pool;
    const h = this.height;
    let id = this.root;
    for (let d = 0; d < h - 1; d++) {
      const f = pool.fetch(id);
      const i = innerSearch(f.buf, key);
      this.pIds[d] = id;
      this.pIdx[d] = i;
      this.pFr[d] = f;
      id = innerChild(f.buf, i);
    }
    const f = pool.fetch(id);
    this.pIds[h - 1] = id;
    this.pFr[h - 1] = f;
    return f;
  }

  private writable(f: Frame): boolean {
    // MEMORY trees without snapshots: no reader can see an old version and there is nothing to recover,
    // so pages are changed in place.
    return f.txn === this.txn || (this.memory && this.pinCount === 0);
  }

  /** Shadow every page of the recorded path that belongs to an older txn; returns the leaf frame. */
  private makePathWritable(): Frame {
    const h = this.height;
    for (let d = 0; d < h; d++) {
      const f = this.pFr[d]!;
      if (this.writable(f)) {
        // The caller changes every page of the path (leaf, counts, child pointers). A page of this txn
        // may have been written back and re-read clean, so mark it again.
        this.pool.markDirty(f);
        continue;
      }
      const n = this.shadow(f);
      if (d === 0) this.root = n.id;
      else {
        const p = this.pFr[d - 1]!;
        setInnerChild(p.buf, this.pIdx[d - 1], n.id);
      }
      this.pIds[d] = n.id;
      this.pFr[d] = n;
    }
    return this.pFr[h - 1]!;
  }

  private shadow(f: Frame): Frame {
    const id = this.alloc();
    const n = this.pool.create(id, this.txn);
    f.buf.copy(n.buf);
    restamp(n.buf, id, this.txn);
    this.freePage(f.id, f.txn);
    return n;
  }

  private alloc(): number {
    const id = this.freeReady.pop();
    if (id !== undefined) return id;
    return this.highWater++;
  }

  private freePage(id: number, pageTxn: number): void {
    if (pageTxn === this.txn || (this.memory && this.pinCount === 0)) {
      // Created in this txn (no committed state or snapshot references it), or MEMORY without readers.
      this.freeReady.push(id);
      this.pool.discard(id);
      return;
    }
    const last = this.pendTxn.length - 1;
    if (last >= this.pendHead && this.pendTxn[last] === this.txn) this.pendIds[last].push(id);
    else {
      this.pendTxn.push(this.txn);
      this.pendIds.push([id]);
    }
    this.pendCount++;
  }

  /** Move pending pages to freeReady: freed in F, reusable when F <= committed and no snapshot txn < F. */
  private releasePending(): void {
    let minPinned = Infinity;
    if (this.pinCount > 0) for (const t of this.pinned.keys()) if (t < minPinned) minPinned = t;
    while (this.pendHead < this.pendTxn.length) {
      const F = this.pendTxn[this.pendHead];
      if (F > this.committedTxn || minPinned < F) break;
      const ids = this.pendIds[this.pendHead];
      for (const id of ids) {
        this.freeReady.push(id);
        if (this.memory) this.pool.discard(id); // its frame was the only copy of the old version
      }
      this.pendCount -= ids.length;
      this.pendHead++;
    }
    if (this.pendHead > 64 && this.pendHead * 2 > this.pendTxn.length) {
      this.pendTxn = this.pendTxn.slice(this.pendHead);
      this.pendIds = this.pendIds.slice(this.pendHead);
      this.pendHead = 0;
    }
  }

  private ensureRoom(pages: number): void {
    if (this.pool.count + pages > this.pool.capacity) throw new RangeTreeFullError();
  }

  // ---- split ----

  private splitLeaf(f: Frame, at: number, rec: Buffer): void {
    const copy = Buffer.from(f.buf);
    const n = nslots(copy);
    const recs: Buffer[] = [];
    for (let j = 0; j < at; j++) recs.push(rawRecord(copy, j));
    recs.push(rec);
    for (let j = at; j < n; j++) recs.push(rawRecord(copy, j));
    const bounds = this.partition(recs, false, at === n && this.rightmost(this.height - 1));
    buildPage(f.buf, f.id, this.txn, T_LEAF, recs, 0, bounds[1]);
    this.pool.markDirty(f);
    const entries: Buffer[] = [];
    for (let p = 1; p < bounds.length - 1; p++) {
      const s = bounds[p];
      const e = bounds[p + 1];
      const id = this.alloc();
      const nf = this.pool.create(id, this.txn);
      buildPage(nf.buf, id, this.txn, T_LEAF, recs, s, e);
      const k = rawLeafKey(recs[s]);
      entries.push(makeInnerRec(id, e - s, k, 0, separatorLen(rawLeafKey(recs[s - 1]), k)));
    }
    this.insertIntoParent(this.height - 1, bounds[1], entries);
  }

  /** Node at depth d split: its own entry now covers `firstCount` records; `entries` follow it. */
  private insertIntoParent(d: number, firstCount: number, entries: Buffer[]): void {
    if (d === 0) {
      this.growRoot([makeInnerRec(this.pIds[0], firstCount, Buffer.alloc(0)), ...entries]);
      return;
    }
    const pf = this.pFr[d - 1]!;
    const pb = pf.buf;
    const at = this.pIdx[d - 1];
    setInnerCount(pb, at, firstCount);
    this.pool.markDirty(pf);
    let need = 0;
    for (const e of entries) need += e.length + 2;
    if (need <= freeBytes(pb)) {
      for (let k = 0; k < entries.length; k++) {
        const e = entries[k];
        innerInsert(pb, at + 1 + k, u32(e, 0), rawInnerCount(e), e, 12, e.length - 12);
      }
      return;
    }
    const copy = Buffer.from(pb);
    const n = nslots(copy);
    const recs: Buffer[] = [];
    for (let j = 0; j <= at; j++) recs.push(rawRecord(copy, j));
    for (const e of entries) recs.push(e);
    for (let j = at + 1; j < n; j++) recs.push(rawRecord(copy, j));
    const bounds = this.partition(recs, true, at + 1 === n && this.rightmost(d - 1));
    let first = 0;
    for (let j = 0; j < bounds[1]; j++) first += rawInnerCount(recs[j]);
    buildPage(pb, pf.id, this.txn, T_INNER, recs, 0, bounds[1]);
    const up: Buffer[] = [];
    for (let p = 1; p < bounds.length - 1; p++) {
      const s = bounds[p];
      const e = bounds[p + 1];
      const id = this.alloc();
      const nf = this.pool.create(id, this.txn);
      buildPage(nf.buf, id, this.txn, T_INNER, recs, s, e);
      let c = 0;
      for (let j = s; j < e; j++) c += rawInnerCount(recs[j]);
      up.push(makeInnerRec(id, c, rawInnerKey(recs[s])));
    }
    this.insertIntoParent(d - 1, first, up);
  }

  /** New root over `entries` (entry 0's key is ignored); adds levels while they do not fit one page. */
  private growRoot(entries: Buffer[]): void {
    for (;;) {
      let size = 0;
      for (const e of entries) size += e.length + 2;
      if (size <= this.cap) {
        const id = this.alloc();
        const f = this.pool.create(id, this.txn);
        buildPage(f.buf, id, this.txn, T_INNER, entries, 0, entries.length);
        this.root = id;
        this.height++;
        return;
      }
      const bounds = this.partition(entries, true);
      const up: Buffer[] = [];
      for (let p = 0; p < bounds.length - 1; p++) {
        const s = bounds[p];
        const e = bounds[p + 1];
        const id = this.alloc();
        const f = this.pool.create(id, this.txn);
        buildPage(f.buf, id, this.txn, T_INNER, entries, s, e);
        let c = 0;
        for (let j = s; j < e; j++) c += rawInnerCount(entries[j]);
        up.push(makeInnerRec(id, c, p === 0 ? Buffer.alloc(0) : rawInnerKey(entries[s])));
      }
      this.height++;
      entries = up;
    }
  }

  /** Split points [0, b1, ..., m]: the most balanced two-way split if one fits, else greedy fill (a huge
   *  record between two full halves needs three pages). */
  /** The node at depth d of the recorded path is the last one of its level (every ancestor's last child). */
  private rightmost(d: number): boolean {
    for (let e = 0; e < d; e++) if (this.pIdx[e] !== nslots(this.pFr[e]!.buf) - 1) return false;
    return true;
  }

  /**
   * Split points for an overfull node. Normally as even as possible; `append` (the new entries went to the
   * end of the last node of its level, i.e. ascending inserts) keeps the left node as full as possible, so
   * keys written in order fill pages instead of leaving every page half empty.
   */
  private partition(recs: Buffer[], inner: boolean, append = false): number[] {
    const cap = this.cap;
    const m = recs.length;
    let total = 0;
    for (const r of recs) total += r.length + 2;
    if (total <= cap) return [0, m];
    if (append) {
      let left = 0;
      let best = -1;
      for (let j = 1; j < m; j++) {
        left += recs[j - 1].length + 2;
        if (left > cap) break;
        const right = total - left - (inner ? rawInnerKey(recs[j]).length : 0);
        if (right <= cap) best = j;
      }
      if (best > 0) return [0, best, m];
    }
    let best = -1;
    let bestDiff = Infinity;
    let left = 0;
    for (let j = 1; j < m; j++) {
      left += recs[j - 1].length + 2;
      // the first entry of an inner page loses its key
      const right = total - left - (inner ? rawInnerKey(recs[j]).length : 0);
      if (left <= cap && right <= cap) {
        const diff = Math.abs(left - right);
        if (diff < bestDiff) {
          bestDiff = diff;
          best = j;
        }
      }
    }
    if (best > 0) return [0, best, m];
    const bounds = [0];
    let acc = 0;
    for (let j = 0; j < m; j++) {
      const s = recs[j].length + 2;
      if (acc > 0 && acc + s > cap) {
        bounds.push(j);
        acc = 0;
      }
      acc += s;
    }
    bounds.push(m);
    return bounds;
  }

  // ---- underflow ----

  /** Node at depth d (>= 1) is under 1/4 full: merge with a sibling if both fit one page, else borrow. */
  private rebalance(d: number): void {
    const pf = this.pFr[d - 1]!;
    const pb = pf.buf;
    const at = this.pIdx[d - 1];
    const pn = nslots(pb);
    if (pn < 2) {
      if (d - 1 === 0) this.collapseRoot();
      return;
    }
    const li = at + 1 < pn ? at : at - 1;
    const ri = li + 1;
    const sibIdx = li === at ? ri : li;
    let sf = this.pool.fetch(innerChild(pb, sibIdx));
    if (!this.writable(sf)) {
      sf = this.shadow(sf);
      setInnerChild(pb, sibIdx, sf.id);
    }
    this.pool.markDirty(pf);
    const nf = this.pFr[d]!;
    const lf = li === at ? nf : sf;
    const rf = li === at ? sf : nf;
    const leaf = pageType(lf.buf) === T_LEAF;
    const lc = Buffer.from(lf.buf);
    const rc = Buffer.from(rf.buf);
    const recs: Buffer[] = [];
    const ln = nslots(lc);
    const rn = nslots(rc);
    for (let j = 0; j < ln; j++) recs.push(rawRecord(lc, j));
    for (let j = 0; j < rn; j++) {
      if (!leaf && j === 0) {
        // pull the parent's separator down as the key of the right page's first entry
        const off = slotOff(pb, ri);
        recs.push(makeInnerRec(innerChild(rc, 0), innerCount(rc, 0), pb, off + 12, u16(pb, off + 10)));
      } else recs.push(rawRecord(rc, j));
    }
    const type = leaf ? T_LEAF : T_INNER;
    let total = 0;
    for (const r of recs) total += r.length + 2;
    if (total <= this.cap) {
      const cnt = innerCount(pb, li) + innerCount(pb, ri);
      buildPage(lf.buf, lf.id, this.txn, type, recs, 0, recs.length);
      this.pool.markDirty(lf);
      setInnerCount(pb, li, cnt);
      removeSlot(pb, ri);
      this.freePage(rf.id, rf.txn);
      if (d - 1 === 0) {
        if (nslots(pb) === 1) this.collapseRoot();
      } else if (usedBytes(pb) < this.underflow) this.rebalance(d - 1);
      return;
    }
    // Borrow: rebalance the two pages around a new separator, if the parent has room for it.
    const bounds = this.partition(recs, !leaf);
    if (bounds.length !== 3) return;
    const j = bounds[1];
    let sep: Buffer;
    if (leaf) {
      const k = rawLeafKey(recs[j]);
      sep = Buffer.from(k.subarray(0, separatorLen(rawLeafKey(recs[j - 1]), k)));
    } else sep = Buffer.from(rawInnerKey(recs[j]));
    const oldKl = u16(pb, slotOff(pb, ri) + 10);
    if (sep.length > oldKl && freeBytes(pb) < sep.length - oldKl) return;
    let lcount = 0;
    let rcount = 0;
    if (leaf) {
      lcount = j;
      rcount = recs.length - j;
    } else {
      for (let q = 0; q < j; q++) lcount += rawInnerCount(recs[q]);
      for (let q = j; q < recs.length; q++) rcount += rawInnerCount(recs[q]);
    }
    buildPage(lf.buf, lf.id, this.txn, type, recs, 0, j);
    buildPage(rf.buf, rf.id, this.txn, type, recs, j, recs.length);
    this.pool.markDirty(lf);
    this.pool.markDirty(rf);
    removeSlot(pb, ri);
    innerInsert(pb, ri, rf.id, rcount, sep, 0, sep.length);
    setInnerCount(pb, li, lcount);
  }

  private collapseRoot(): void {
    const rf = this.pool.fetch(this.root);
    if (pageType(rf.buf) !== T_INNER || nslots(rf.buf) !== 1) return;
    const child = innerChild(rf.buf, 0);
    this.freePage(rf.id, rf.txn);
    this.root = child;
    this.height--;
  }

  // ---- bulk load ----

  private bulkBuild(next: () => [Buffer, Buffer] | null): void {
    const pool = this.pool;
    const fill = HDR + Math.floor(this.cap * 0.9);
    type Level = { f: Frame; count: number; firstKey: Buffer };
    const levels: Level[] = [];
    const empty = Buffer.alloc(0);
    const leaf0 = pool.fetch(this.root);
    pool.pin(leaf0);
    levels.push({ f: leaf0, count: 0, firstKey: empty });
    let prevLast: Buffer | null = null; // last key of the previous leaf
    let records = 0;

    const newPage = (type: number): Frame => {
      if (this.memory) this.ensureRoom(1);
      const id = this.alloc();
      const f = pool.create(id, this.txn);
      initPage(f.buf, id, this.txn, type);
      pool.pin(f);
      return f;
    };
    const addEntry = (lv: number, child: number, count: number, key: Buffer): void => {
      let L = levels[lv];
      if (!L) {
        L = { f: newPage(T_INNER), count: 0, firstKey: key };
        levels.push(L);
        innerInsert(L.f.buf, 0, child, count, empty, 0, 0);
        L.count = count;
        return;
      }
      const b = L.f.buf;
      if (usedBytes(b) + INNER_OVH + key.length + 2 > fill) {
        pool.unpin(L.f);
        addEntry(lv + 1, L.f.id, L.count, L.firstKey);
        L.f = newPage(T_INNER);
        L.count = count;
        L.firstKey = key;
        innerInsert(L.f.buf, 0, child, count, empty, 0, 0);
        return;
      }
      innerInsert(b, nslots(b), child, count, key, 0, key.length);
      L.count += count;
    };

    for (;;) {
      const kv = next();
      if (kv === null) break;
      const [k, v] = kv;
      if (k.length > this.maxKey) throw new Error(`rangeindex: key of ${k.length} bytes exceeds the ${this.maxKey}-byte limit`);
      if (k.length + v.length > this.maxRec) throw new Error(`rangeindex: record of ${k.length + v.length} bytes does not fit a ${this.pageSize}-byte page`);
      const L0 = levels[0];
      let b = L0.f.buf;
      let n = nslots(b);
      if (n > 0) {
        const off = slotOff(b, n - 1);
        if (cmpBytes(b, off + 4, u16(b, off), k, 0, k.length) >= 0) throw new Error('rangeindex: bulkLoad keys must be strictly increasing');
      } else if (prevLast !== null && cmpBytes(prevLast, 0, prevLast.length, k, 0, k.length) >= 0) {
        throw new Error('rangeindex: bulkLoad keys must be strictly increasing');
      }
      if (n > 0 && usedBytes(b) + LEAF_OVH + k.length + v.length + 2 > fill) {
        const off = slotOff(b, n - 1);
        prevLast = Buffer.from(b.subarray(off + 4, off + 4 + u16(b, off)));
        pool.unpin(L0.f);
        addEntry(1, L0.f.id, n, L0.firstKey);
        pool.begin(); // finished pages (dirty) may now be written back and evicted
        L0.f = newPage(T_LEAF);
        L0.firstKey = Buffer.from(k.subarray(0, separatorLen(prevLast, k)));
        b = L0.f.buf;
        n = 0;
      }
      leafInsert(b, n, k, v);
      records++;
    }
    // Close levels bottom-up; the first level with no parent is the root.
    let lv = 0;
    for (;;) {
      const L = levels[lv];
      pool.unpin(L.f);
      if (lv + 1 >= levels.length) {
        this.root = L.f.id;
        this.height = lv + 1;
        break;
      }
      const cnt = lv === 0 ? nslots(L.f.buf) : L.count;
      addEntry(lv + 1, L.f.id, cnt, L.firstKey);
      lv++;
    }
    this.records = records;
    pool.begin();
  }

  // =====================================================================================================
  // commit / lifecycle
  // =====================================================================================================

  commit(): void {
    this.checkOpen();
    if (this.scanning > 0) throw new Error('rangeindex: commit during a scan of the live tree');
    if (!this._dirty) return;
    if (this.memory) {
      this.committedTxn = this.txn;
      this.txn++;
      this._dirty = false;
      this.commits++;
      this.releasePending();
      return;
    }
    // 1. The previous free-list pages are referenced only by the previous meta: free them in this txn.
    //    Once per list: a commit that failed after this step and is retried must not free them twice
    //    (two live pages would then get the same id).
    if (!this.listPagesFreed) {
      for (const id of this.listPages) this.freePage(id, this.txn - 1);
      this.listPagesFreed = true;
    }
    // 2. Choose pages for the new free list (taking a page off the list shrinks it).
    const per = ((this.pageSize - FREELIST_FIRST) / 4) | 0;
    const newList: number[] = [];
    // Never give a page back inside this loop (that could oscillate); a trailing list page may hold few ids.
    while (newList.length < Math.ceil((this.freeReady.length + this.pendCount) / per)) newList.push(this.alloc());
    try {
      this.writeCommit(newList, per);
    } catch (e) {
      // Nothing of this commit is referenced yet: the new list pages go back to the free pool, and the
      // tree stays dirty with its changes in memory; the previous commit is still the newest on disk.
      for (let i = newList.length - 1; i >= 0; i--) this.freeReady.push(newList[i]);
      throw e;
    }
  }

  /** Commit steps 3 and 4: free-list pages, tree pages, meta. State changes only once the meta is written. */
  private writeCommit(newList: number[], per: number): void {
    const ids: number[] = this.freeReady.slice();
    for (let g = this.pendHead; g < this.pendIds.length; g++) for (const id of this.pendIds[g]) ids.push(id);
    const buf = Buffer.alloc(this.pageSize);
    for (let p = 0; p < newList.length; p++) {
      const id = newList[p];
      this.pool.discard(id);
      initPage(buf, id, this.txn, T_FREELIST);
      const from = p * per;
      const to = Math.min(ids.length, from + per);
      w16(buf, 18, to - from);
      w32(buf, 24, p + 1 < newList.length ? newList[p + 1] : 0);
      for (let q = from; q < to; q++) w32(buf, FREELIST_FIRST + 4 * (q - from), ids[q]);
      buf.fill(0, FREELIST_FIRST + 4 * (to - from));
      setCrc(buf);
      this.pager.write(id, buf);
      this.pool.writes++;
    }
    // 3. Tree pages, then (after an optional fdatasync) the meta page of the slot the last commit did not use.
    this.pool.flushDirty();
    if (this.fsync) this.pager.sync();
    const m = Buffer.alloc(this.pageSize);
    MAGIC.copy(m, 0);
    m.writeUInt32LE(FORMAT_VERSION, M_VERSION);
    m.writeUInt32LE(this.pageSize, M_PAGESIZE);
    m.writeDoubleLE(this.txn, M_TXN);
    m.writeUInt32LE(this.root, M_ROOT);
    m.writeUInt32LE(this.height, M_HEIGHT);
    m.writeUInt32LE(this.highWater, M_HIGHWATER);
    m.writeDoubleLE(this.records, M_COUNT);
    m.writeUInt32LE(newList.length > 0 ? newList[0] : 0, M_FREEHEAD);
    m.writeUInt32LE(ids.length, M_FREELEN);
    m.writeDoubleLE(this._appliedSeq, M_APPLIED);
    m.writeUInt16LE(this._meta.length, M_BLOBLEN);
    this._meta.copy(m, M_BLOB);
    m.writeUInt32LE(checksum(m, M_VERSION, this.pageSize), M_CRC);
    const slot = 1 - this.metaSlot;
    this.pager.write(slot, m);
    // The meta is written: this is the newest commit now, whatever a later sync says (with fsync on, a
    // failing sync is reported, but the state must not let later writes touch pages this meta references).
    this.metaSlot = slot;
    this.pool.writes++;
    this.listPages = newList;
    this.listPagesFreed = false;
    this.committedTxn = this.txn;
    this.txn++;
    this._dirty = false;
    this.commits++;
    this.releasePending();
    if (this.fsync) this.pager.sync();
  }

  /** Commit and close the file. */
  close(): void {
    if (this.closed) return;
    if (!this.memory) this.commit();
    this.pager.close();
    this.pool.dropAll();
    this.closed = true;
  }

  /** Close without commit and unlink the file asynchronously (never stalls on a huge file). */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.pager.close();
    } catch {
      /* closing is best effort: the file goes away anyway */
    }
    this.pool.dropAll();
    if (this.path !== null) fs.unlink(this.path, () => {});
  }

  stats(): TreeStats {
    const pool = this.pool;
    const free = this.freeReady.length + this.pendCount;
    return {
      records: this.records,
      height: this.height,
      pageSize: this.pageSize,
      pages: this.highWater - FIRST_PAGE - free,
      freePages: free,
      pagesCached: pool.count,
      cacheFrames: pool.capacity,
      dirtyPages: pool.dirtyList.length,
      cacheHits: pool.hits,
      cacheMisses: pool.misses,
      evictions: pool.evictions,
      pageReads: pool.reads,
      pageWrites: pool.writes,
      bytesOnDisk: this.closed ? 0 : this.pager.size(),
      txn: this.committedTxn,
      snapshotsPinned: this.pinCount,
      commits: this.commits,
    };
  }

  /** Full structural check (tests, debugging): key order, separator bounds, subtree counts, uniform depth,
   *  no page reachable twice or listed free. O(pages); throws a descriptive Error. */
  verify(): void {
    this.checkOpen();
    const seen = new Set<number>();
    const free = new Set<number>(this.freeReady);
    for (let g = this.pendHead; g < this.pendIds.length; g++) for (const id of this.pendIds[g]) free.add(id);
    const walk = (id: number, depth: number, lo: Buffer | null, hi: Buffer | null): number => {
      if (seen.has(id)) throw new Error(`verify: page ${id} reachable twice`);
      if (free.has(id)) throw new Error(`verify: page ${id} is reachable and free`);
      seen.add(id);
      this.pool.begin();
      const b = Buffer.from(this.pool.fetch(id).buf);
      const n = nslots(b);
      const inRange = (k: Buffer): boolean =>
        (lo === null || Buffer.compare(k, lo) >= 0) && (hi === null || Buffer.compare(k, hi) < 0);
      if (depth === this.height - 1) {
        if (pageType(b) !== T_LEAF) throw new Error(`verify: page ${id} at leaf depth is not a leaf`);
        let prev: Buffer | null = null;
        for (let i = 0; i < n; i++) {
          const off = slotOff(b, i);
          const k = b.subarray(off + 4, off + 4 + u16(b, off));
          if (prev && Buffer.compare(prev, k) >= 0) throw new Error(`verify: leaf ${id} out of order at ${i}`);
          if (!inRange(k)) throw new Error(`verify: leaf ${id} key ${k.toString('hex')} outside its separators`);
          prev = k;
        }
        return n;
      }
      if (pageType(b) !== T_INNER) throw new Error(`verify: page ${id} at depth ${depth} is not inner`);
      if (n < 1) throw new Error(`verify: inner page ${id} is empty`);
      let total = 0;
      for (let i = 0; i < n; i++) {
        const off = slotOff(b, i);
        const k = i === 0 ? lo : Buffer.from(b.subarray(off + 12, off + 12 + u16(b, off + 10)));
        if (i > 0 && !inRange(k!)) throw new Error(`verify: inner ${id} separator ${i} outside its range`);
        let nk: Buffer | null = hi;
        if (i + 1 < n) {
          const o2 = slotOff(b, i + 1);
          nk = Buffer.from(b.subarray(o2 + 12, o2 + 12 + u16(b, o2 + 10)));
        }
        const c = walk(u32(b, off), depth + 1, k, nk);
        if (c !== innerCount(b, i)) throw new Error(`verify: inner ${id} entry ${i} counts ${innerCount(b, i)}, subtree has ${c}`);
        total += c;
      }
      return total;
    };
    const total = walk(this.root, 0, null, null);
    if (total !== this.records) throw new Error(`verify: tree holds ${total} records, count says ${this.records}`);
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('rangeindex: tree is closed');
  }

  private checkWrite(): void {
    if (this.closed) throw new Error('rangeindex: tree is closed');
    if (this.scanning > 0) throw new Error('rangeindex: write during a scan of the live tree');
  }
}

class Snapshot implements TreeSnapshot {
  private released = false;
  constructor(private tree: RangeTree, private root: number, private height: number, private records: number, readonly txn: number) {}
  get(key: Buffer): Buffer | null {
    this.check();
    return this.tree._snapGet(this.root, this.height, key);
  }
  scan(start: Buffer, end: Buffer | null, limit: number, fn: ScanFn): number {
    return this.scanRecords(start, end, limit, new ViewSink(fn));
  }
  scanRecords(start: Buffer, end: Buffer | null, limit: number, sink: RecordSink): number {
    this.check();
    return this.tree._snapScan(this.root, this.height, start, end, limit, sink);
  }
  count(): number {
    this.check();
    return this.records;
  }
  countRange(start: Buffer, end: Buffer): number {
    this.check();
    return this.tree._snapCountRange(this.root, this.height, start, end);
  }
  release(): void {
    if (this.released) return;
    this.released = true;
    this.tree._release(this.txn);
  }
  private check(): void {
    if (this.released) throw new Error('rangeindex: snapshot was released');
  }
}

// ---- meta page reading ----
interface MetaInfo {
  pageSize: number;
  txn: number;
  root: number;
  height: number;
  highWater: number;
  count: number;
  freeHead: number;
  freeLen: number;
  appliedSeq: number;
  slot: number;
  blob: Buffer;
}

function parseMeta(b: Buffer, ps: number, slot: number): MetaInfo | null {
  if (b.length < ps || !b.subarray(0, 8).equals(MAGIC)) return null;
  if (b.readUInt32LE(M_PAGESIZE) !== ps || b.readUInt32LE(M_VERSION) !== FORMAT_VERSION) return null;
  if (b.readUInt32LE(M_CRC) !== checksum(b, M_VERSION, ps)) return null;
  const blobLen = b.readUInt16LE(M_BLOBLEN);
  if (M_BLOB + blobLen > ps) return null;
  return {
    pageSize: ps,
    txn: b.readDoubleLE(M_TXN),
    root: b.readUInt32LE(M_ROOT),
    height: b.readUInt32LE(M_HEIGHT),
    highWater: b.readUInt32LE(M_HIGHWATER),
    count: b.readDoubleLE(M_COUNT),
    freeHead: b.readUInt32LE(M_FREEHEAD),
    freeLen: b.readUInt32LE(M_FREELEN),
    appliedSeq: b.readDoubleLE(M_APPLIED),
    slot,
    blob: Buffer.from(b.subarray(M_BLOB, M_BLOB + blobLen)),
  };
}

function readMeta(path: string): MetaInfo {
  const fd = fs.openSync(path, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const readAt = (off: number, len: number): Buffer => {
      const b = Buffer.alloc(len);
      const n = off + len <= size ? fs.readSync(fd, b, 0, len, off) : 0;
      return n === len ? b : Buffer.alloc(0);
    };
    const head = readAt(0, 24);
    let sizes: number[] = [];
    const ps0 = head.length ? head.readUInt32LE(M_PAGESIZE) : 0;
    if (head.length && head.subarray(0, 8).equals(MAGIC) && validPageSize(ps0)) sizes.push(ps0);
    for (let ps = 256; ps <= 32768; ps *= 2) if (ps !== ps0) sizes.push(ps);
    let best: MetaInfo | null = null;
    for (const ps of sizes) {
      for (const slot of [0, 1]) {
        const m = parseMeta(readAt(slot * ps, ps), ps, slot);
        if (m && (!best || m.txn > best.txn)) best = m;
      }
      if (best) break; // found a page size with a valid meta
    }
    if (!best) throw new Error(`rangeindex: ${path} has no valid meta page (not a range-index file or both metas corrupt)`);
    if (best.height < 1 || best.height > MAX_DEPTH || best.root < FIRST_PAGE || best.root >= best.highWater) {
      throw new Error(`rangeindex: ${path} meta is inconsistent`);
    }
    return best;
  } finally {
    fs.closeSync(fd);
  }
}

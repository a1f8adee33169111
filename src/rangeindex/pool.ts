// Buffer pool: page frames bounded by cacheBytes (at least 16 frames), LRU, write-back of dirty frames.
//
// Eviction never takes a frame the running operation has touched (frame.useOp === opSeq) or a pinned frame
// (a scan's current leaf while its callback runs). If every frame is in use the pool grows past its bound
// for the rest of the operation and shrinks back at the next operation boundary (begin()).
import { Pager } from './pager';
import { pageTxn, setCrc, verifyPage } from './page';

export class Frame {
  id = -1;
  /** txn that wrote this page version; a page is modified in place only in its own txn. */
  txn = 0;
  dirty = false;
  dirtyIdx = -1;
  pins = 0;
  useOp = 0;
  prev: Frame | null = null;
  next: Frame | null = null;
  constructor(public buf: Buffer) {}
}

export const MIN_FRAMES = 16;

export class BufferPool {
  readonly capacity: number;
  count = 0;
  hits = 0;
  misses = 0;
  evictions = 0;
  writes = 0;
  reads = 0;
  /** Failed write-backs on eviction (the page stayed cached and dirty). */
  writeErrors = 0;
  lastWriteError: Error | null = null;
  /** trusted[id] = 1: this process wrote or verified page id (see fetch). */
  private trusted = new Uint8Array(0);

  private trust(id: number): void {
    if (id >= this.trusted.length) {
      const t = new Uint8Array(Math.max(1024, id + 1, this.trusted.length * 2));
      t.set(this.trusted);
      this.trusted = t;
    }
    this.trusted[id] = 1;
  }
  opSeq = 1;
  readonly dirtyList: Frame[] = [];
  private byId: (Frame | null)[] = [];
  private head: Frame | null = null; // most recently used
  private tail: Frame | null = null;
  private spare: Frame[] = [];

  /** noEvict: MEMORY backend; frames are the only copy of the pages. */
  constructor(private pager: Pager, readonly pageSize: number, cacheBytes: number, readonly noEvict: boolean) {
    this.capacity = Math.max(MIN_FRAMES, Math.floor(cacheBytes / pageSize));
  }

  /** Operation boundary: frames touched before are evictable again; shrink back to the bound. */
  begin(): void {
    this.opSeq++;
    if (this.count > this.capacity && !this.noEvict) this.trim();
  }

  lookup(id: number): Frame | null {
    const f = id < this.byId.length ? this.byId[id] : null;
    return f === undefined ? null : f;
  }

  /** Frame for page id, read from the pager on a miss (CRC and id verified). */
  fetch(id: number): Frame {
    const f = id < this.byId.length ? this.byId[id] : null;
    if (f) {
      this.hits++;
      if (f !== this.head) this.toHead(f);
      f.useOp = this.opSeq;
      return f;
    }
    this.misses++;
    const g = this.obtain();
    try {
      this.pager.read(id, g.buf);
      this.reads++;
      // The CRC (~1.3 us for 4 KiB) is checked the first time this process reads a page from the file.
      // A page it wrote itself, or already verified, comes back from the OS exactly as written: its id
      // and type are still checked, not its CRC. A torn write only exists after a crash, and a new
      // process trusts nothing.
      const known = id < this.trusted.length && this.trusted[id] === 1;
      verifyPage(g.buf, id, !known);
      if (!known) this.trust(id);
    } catch (e) {
      this.release(g);
      throw e;
    }
    g.txn = pageTxn(g.buf);
    this.install(g, id);
    return g;
  }

  /** Frame for a page whose content the caller is about to write in full (new or reused id). */
  create(id: number, txn: number): Frame {
    let f = this.lookup(id);
    if (f) {
      if (f !== this.head) this.toHead(f);
      f.useOp = this.opSeq;
    } else {
      f = this.obtain();
      this.install(f, id);
    }
    f.txn = txn;
    this.markDirty(f);
    return f;
  }

  markDirty(f: Frame): void {
    // MEMORY pages are never written anywhere: no dirty tracking.
    if (!f.dirty && !this.noEvict) {
      f.dirty = true;
      f.dirtyIdx = this.dirtyList.length;
      this.dirtyList.push(f);
    }
  }

  private clearDirty(f: Frame): void {
    if (!f.dirty) return;
    const last = this.dirtyList.pop()!;
    if (last !== f) {
      this.dirtyList[f.dirtyIdx] = last;
      last.dirtyIdx = f.dirtyIdx;
    }
    f.dirty = false;
    f.dirtyIdx = -1;
  }

  /** Drop the frame of a freed page without writing it back. */
  discard(id: number): void {
    const f = this.lookup(id);
    if (!f || f.pins > 0) return;
    this.clearDirty(f);
    this.unlink(f);
    this.byId[id] = null;
    this.count--;
    this.release(f);
  }

  /** Write every dirty frame (sorted by id so adjacent pages coalesce), then mark them clean. */
  flushDirty(): number {
    const list = this.dirtyList;
    if (list.length === 0) return 0;
    list.sort((a, b) => a.id - b.id);
    const ids: number[] = new Array(list.length);
    const bufs: Buffer[] = new Array(list.length);
    for (let i = 0; i < list.length; i++) {
      const f = list[i];
      setCrc(f.buf);
      ids[i] = f.id;
      bufs[i] = f.buf;
    }
    this.pager.writeRun(ids, bufs);
    const n = list.length;
    this.writes += n;
    for (const f of list) {
      f.dirty = false;
      f.dirtyIdx = -1;
      this.trust(f.id);
    }
    list.length = 0;
    return n;
  }

  pin(f: Frame): void {
    f.pins++;
  }
  unpin(f: Frame): void {
    f.pins--;
  }

  /** Forget everything: O(cached frames) (no I/O). */
  dropAll(): void {
    this.byId = [];
    this.head = this.tail = null;
    this.spare = [];
    this.dirtyList.length = 0;
    this.count = 0;
  }

  // ---- internals ----
  private install(f: Frame, id: number): void {
    f.id = id;
    f.useOp = this.opSeq;
    f.pins = 0;
    const by = this.byId;
    while (by.length <= id) by.push(null);
    by[id] = f;
    this.count++;
    // link at head
    f.prev = null;
    f.next = this.head;
    if (this.head) this.head.prev = f;
    this.head = f;
    if (!this.tail) this.tail = f;
  }

  private toHead(f: Frame): void {
    this.unlink(f);
    f.next = this.head;
    if (this.head) this.head.prev = f;
    this.head = f;
    if (!this.tail) this.tail = f;
  }

  private unlink(f: Frame): void {
    if (f.prev) f.prev.next = f.next;
    else this.head = f.next;
    if (f.next) f.next.prev = f.prev;
    else this.tail = f.prev;
    f.prev = f.next = null;
  }

  private release(f: Frame): void {
    f.id = -1;
    f.dirty = false;
    if (this.spare.length < 8) this.spare.push(f);
  }

  /** A free frame: recycled buffer, an evicted victim's buffer, or a new one (no I/O beyond write-back). */
  private obtain(): Frame {
    if (this.count < this.capacity || this.noEvict) return this.spare.pop() ?? new Frame(Buffer.alloc(this.pageSize));
    const v = this.victim();
    if (v && this.tryEvict(v)) return v;
    return this.spare.pop() ?? new Frame(Buffer.alloc(this.pageSize));
  }

  /**
   * Evicts unless writing the dirty victim back fails (ENOSPC, EIO): then the frame stays cached and dirty
   * and the pool grows past its bound instead of throwing in the middle of an operation (a split half
   * done would lose records). The error surfaces at the next commit, which writes the same page.
   */
  private tryEvict(v: Frame): boolean {
    try {
      this.evict(v);
      return true;
    } catch (e) {
      this.writeErrors++;
      this.lastWriteError = e as Error;
      return false;
    }
  }

  private victim(): Frame | null {
    let f = this.tail;
    while (f) {
      if (f.pins > 0) {
        f = f.prev;
        continue;
      }
      if (f.useOp === this.opSeq) return null; // LRU order: everything older is in use too
      return f;
    }
    return null;
  }

  private evict(f: Frame): void {
    if (f.dirty) {
      // Dirty frames hold pages of the running txn at ids no committed meta or pinned snapshot references.
      setCrc(f.buf);
      this.pager.write(f.id, f.buf);
      this.writes++;
      this.trust(f.id);
      this.clearDirty(f);
    }
    this.unlink(f);
    this.byId[f.id] = null;
    this.count--;
    this.evictions++;
    f.id = -1;
  }

  private trim(): void {
    while (this.count > this.capacity) {
      const v = this.victim();
      if (!v || !this.tryEvict(v)) return;
      if (this.spare.length < 8) this.spare.push(v);
    }
  }
}

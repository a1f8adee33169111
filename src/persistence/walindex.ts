// Per-slot index files of closed WAL segments (`<dir>/wal/segment-<n>.idx`) and the checkpointer that
// writes them. Slot migration reads one slot's history through them without scanning whole segments;
// recovery trusts a closed segment that has a valid index and only CRC-scans the tail.
//
//   header (56 bytes): magic "STRATIDX" | version u32 | slot count u32 (16385) | segment number u32 |
//                      slot entries u32 | records u32 | reserved u32 (0) | segment bytes u64 (the
//                      length of the segment file indexed) | first seq u64 (the segment header's) |
//                      last seq u64 (the last record's; first seq - 1 when the segment has none)
//   slot entry:        slot u32 (0..16383; 16384 for records whose slot field is SLOT_MANY) |
//                      first seq u64 | last seq u64 | count u32 | count x record offset u32, ascending
//                      (entries in ascending slot order; only slots with records have one)
//   trailer:           CRC-32 u32 of every byte before it
//
// All integers little-endian. An index is written to `segment-<n>.idx.tmp`, fsynced, renamed, and the
// directory fsynced: a `.idx` is complete or absent; a damaged one fails its CRC and is rebuilt.
import * as fs from 'fs';
import * as path from 'path';
import { crc32 } from 'zlib';
import { log } from '../server/log';
import { fsyncDir, type ClosedSegment } from './wal';
import {
  decodeHeader,
  listSegments,
  readU64,
  scanRecords,
  writeU64,
  MAX_RECORD,
  REC_HEADER,
  SEG_HEADER,
  SLOT_MANY,
  type ScanEnd,
  type SegmentHeader,
  type WalRecord,
} from './segment';

export type { ClosedSegment } from './wal';

export const IDX_MAGIC = Buffer.from('STRATIDX', 'latin1');
export const IDX_VERSION = 1;
/** Slots 0..16383 plus the pseudo-slot of SLOT_MANY records. */
export const IDX_SLOTS = 16385;
/** Index slot of records whose slot field is SLOT_MANY. */
export const IDX_MANY = 16384;
export const IDX_HEADER = 56;
export const IDX_ENTRY = 24;
/** Offsets are u32: a larger segment cannot be indexed (readers then scan it). */
const MAX_INDEXED_SEGMENT = 0xffffffff;
/** Read sizes: the checkpointer reads in small chunks so one event-loop turn stays short. */
const ASYNC_CHUNK = 256 << 10;
const SYNC_CHUNK = 1 << 20;
/** Reads of indexed records are coalesced when they lie within this many bytes of each other. */
const WINDOW = 256 << 10;
/** Guess of a record's length when a read window is sized (a longer record gets a second read). */
const RECORD_GUESS = 1024;

export class IndexError extends Error {
  constructor(
    message: string,
    /** The index file does not exist (not written yet), as opposed to damaged. */
    readonly missing = false,
  ) {
    super(message);
  }
}

export function indexName(n: number): string {
  return `segment-${n}.idx`;
}
/** Index slot of a record's slot field. */
export function indexSlot(slot: number): number {
  return slot === SLOT_MANY ? IDX_MANY : slot;
}

export interface SlotEntry {
  /** 0..16383, or IDX_MANY. */
  slot: number;
  firstSeq: number;
  lastSeq: number;
  count: number;
  /** Byte offsets of the slot's records in the segment, ascending (so in seq order). */
  offsets: Uint32Array;
}

export interface SegmentIndex {
  segment: number;
  segmentBytes: number;
  firstSeq: number;
  lastSeq: number;
  records: number;
  /** By index slot (0..16384). Entries not asked for in readIndex(file, slots) are absent. */
  slots: Map<number, SlotEntry>;
}

// ---- scanning a segment (shared by the checkpointer, prepareIndexes and readSlotHistory) ----

interface ReadReq {
  pos: number;
  len: number;
}
export interface ScanResult {
  /** null when the segment has no valid header (nothing else is read then). */
  header: SegmentHeader | null;
  end: ScanEnd;
  /** The file size scanned. */
  size: number;
}

/**
 * Scans a segment of `size` bytes chunk by chunk, asking its driver for each byte range (yield) so the
 * same logic runs over sync and async reads. Verdicts (torn / corrupt) are those of scanRecords on the
 * whole file: a record cut by a chunk boundary is read again whole, and a bad spot is judged on
 * everything after it.
 */
function* scanSegment(size: number, onRecord: (r: WalRecord) => void, chunk: number): Generator<ReadReq, ScanResult, Buffer> {
  if (size < SEG_HEADER) return { header: null, end: { kind: 'eof' }, size };
  const header = decodeHeader(yield { pos: 0, len: SEG_HEADER });
  if (header === null) return { header: null, end: { kind: 'eof' }, size };
  let pos = SEG_HEADER;
  let want = chunk;
  while (pos < size) {
    const len = Math.min(size - pos, Math.max(chunk, want));
    const buf: Buffer = yield { pos, len };
    // A short read means the file shrank: what was read is all there is.
    const atEof = buf.length < len || pos + buf.length >= size;
    const base = pos;
    const end = scanRecords(
      buf,
      (r) => {
        r.offset += base;
        r.end += base;
        onRecord(r);
      },
      0,
    );
    if (end.kind === 'eof') {
      if (atEof) break;
      pos += buf.length;
      want = chunk;
      continue;
    }
    if (atEof) return { header, end: { ...end, offset: end.offset + base }, size };
    const rem = buf.length - end.offset;
    const plen = rem >= 4 ? buf.readUInt32LE(end.offset) : -1;
    pos += end.offset;
    if (plen === -1) want = chunk;
    else if (plen <= MAX_RECORD && REC_HEADER + plen > rem) want = REC_HEADER + plen; // cut by the chunk end
    else want = size - pos; // judge the bad spot on the rest of the file (torn only if zeros follow)
  }
  return { header, end: { kind: 'eof' }, size };
}

function readFullySync(fd: number, pos: number, len: number): Buffer {
  const b = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const n = fs.readSync(fd, b, got, len - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  return got < len ? b.subarray(0, got) : b;
}

async function readFully(fh: fs.promises.FileHandle, pos: number, len: number): Promise<Buffer> {
  const b = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(b, got, len - got, pos + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got < len ? b.subarray(0, got) : b;
}

// ---- building an index ----

/** The in-memory table of one segment while it is indexed (dropped once the file is written). */
class IndexBuilder {
  private slotOf = new Uint16Array(4096);
  private offs = new Uint32Array(4096);
  private n = 0;
  private readonly counts = new Uint32Array(IDX_SLOTS);
  private readonly first = new Float64Array(IDX_SLOTS);
  private readonly last = new Float64Array(IDX_SLOTS);
  private lastSeq = -1;

  constructor(private readonly file: string) {}

  readonly add = (r: WalRecord): void => {
    // Offsets in seq order is what lets readers merge slots by offset and binary-search by seq.
    if (r.seq <= this.lastSeq) throw new IndexError(`${this.file}: record at offset ${r.offset} has seq ${r.seq} after ${this.lastSeq}`);
    if (r.slot >= IDX_MANY && r.slot !== SLOT_MANY) throw new IndexError(`${this.file}: record at offset ${r.offset} has slot ${r.slot}`);
    const s = indexSlot(r.slot);
    if (this.n === this.offs.length) {
      const so = new Uint16Array(this.n * 2);
      so.set(this.slotOf);
      this.slotOf = so;
      const o = new Uint32Array(this.n * 2);
      o.set(this.offs);
      this.offs = o;
    }
    this.slotOf[this.n] = s;
    this.offs[this.n] = r.offset;
    this.n++;
    if (this.counts[s] === 0) this.first[s] = r.seq;
    this.counts[s]++;
    this.last[s] = r.seq;
    this.lastSeq = r.seq;
  };

  encode(segment: number, segmentBytes: number, firstSeq: number): Buffer {
    let entries = 0;
    for (let s = 0; s < IDX_SLOTS; s++) if (this.counts[s] > 0) entries++;
    const size = IDX_HEADER + entries * IDX_ENTRY + this.n * 4 + 4;
    const b = Buffer.alloc(size);
    IDX_MAGIC.copy(b, 0);
    b.writeUInt32LE(IDX_VERSION, 8);
    b.writeUInt32LE(IDX_SLOTS, 12);
    b.writeUInt32LE(segment, 16);
    b.writeUInt32LE(entries, 20);
    b.writeUInt32LE(this.n, 24);
    writeU64(b, 32, segmentBytes);
    writeU64(b, 40, firstSeq);
    writeU64(b, 48, this.n > 0 ? this.lastSeq : firstSeq - 1);
    // Entry headers first, remembering where each slot's offsets go; then the offsets in one pass
    // over the records (which keeps each slot's offsets ascending).
    const at = new Int32Array(IDX_SLOTS);
    let p = IDX_HEADER;
    for (let s = 0; s < IDX_SLOTS; s++) {
      const c = this.counts[s];
      if (c === 0) continue;
      b.writeUInt32LE(s, p);
      writeU64(b, p + 4, this.first[s]);
      writeU64(b, p + 12, this.last[s]);
      b.writeUInt32LE(c, p + 20);
      at[s] = p + IDX_ENTRY;
      p += IDX_ENTRY + c * 4;
    }
    for (let i = 0; i < this.n; i++) {
      const s = this.slotOf[i];
      b.writeUInt32LE(this.offs[i], at[s]);
      at[s] += 4;
    }
    b.writeUInt32LE(crc32(b.subarray(0, size - 4)), size - 4);
    return b;
  }
}

function checkScan(file: string, r: ScanResult): SegmentHeader {
  if (r.header === null) throw new IndexError(`${file}: not a valid WAL segment header`);
  // A closed segment was synced whole before the next one started: a torn end is damage too.
  if (r.end.kind !== 'eof') throw new IndexError(`${file}: ${r.end.kind} record at offset ${r.end.offset} (${r.end.reason})`);
  if (r.size > MAX_INDEXED_SEGMENT) throw new IndexError(`${file}: ${r.size} bytes is too large to index (offsets are u32)`);
  return r.header;
}

/**
 * Scans a segment file in chunks of `chunk` bytes (memory stays at about one chunk, however large the
 * segment), with the verdicts scanRecords gives on the whole file. Record payloads are views into a
 * chunk: copy one to keep it.
 */
export function scanSegmentFile(file: string, onRecord: (r: WalRecord) => void, chunk = SYNC_CHUNK): ScanResult {
  const fd = fs.openSync(file, 'r');
  try {
    const g = scanSegment(fs.fstatSync(fd).size, onRecord, chunk);
    let st = g.next();
    while (st.done !== true) st = g.next(readFullySync(fd, st.value.pos, st.value.len));
    return st.value;
  } finally {
    fs.closeSync(fd);
  }
}

/** Builds the index of a closed segment, reading it synchronously (start-up). */
export function buildIndexSync(file: string, n: number): Buffer {
  const b = new IndexBuilder(file);
  const r = scanSegmentFile(file, b.add);
  return b.encode(n, r.size, checkScan(file, r).firstSeq);
}

/** The same with async reads in small chunks (the checkpointer, beside the event loop's work). */
export async function buildIndex(file: string, n: number): Promise<{ buf: Buffer; lastSeq: number }> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const b = new IndexBuilder(file);
    const g = scanSegment(size, b.add, ASYNC_CHUNK);
    let st = g.next();
    while (st.done !== true) st = g.next(await readFully(fh, st.value.pos, st.value.len));
    const h = checkScan(file, st.value);
    const buf = b.encode(n, size, h.firstSeq);
    return { buf, lastSeq: readU64(buf, 48) };
  } finally {
    await fh.close();
  }
}

function writeIndexSync(idxFile: string, buf: Buffer): void {
  const tmp = idxFile + '.tmp';
  const fd = fs.openSync(tmp, 'w');
  try {
    let off = 0;
    while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, idxFile);
}

async function writeIndex(idxFile: string, buf: Buffer): Promise<void> {
  const tmp = idxFile + '.tmp';
  const fh = await fs.promises.open(tmp, 'w');
  try {
    let off = 0;
    while (off < buf.length) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.promises.rename(tmp, idxFile);
}

/** fsync of a directory without blocking the event loop (wal.ts fsyncDir is the sync one). */
async function fsyncDirAsync(dir: string): Promise<void> {
  let fh: fs.promises.FileHandle | null = null;
  try {
    fh = await fs.promises.open(dir, 'r');
    await fh.sync();
  } catch {
    /* some file systems refuse directory fsync */
  } finally {
    await fh?.close();
  }
}

// ---- reading an index ----

/**
 * Parses and verifies an index file (magic, version, CRC, structure). With `only`, the offsets of just
 * those index slots are decoded. Throws IndexError when the file is missing or damaged.
 */
export function readIndex(file: string, only?: readonly number[]): SegmentIndex {
  let b: Buffer;
  try {
    b = fs.readFileSync(file);
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new IndexError(`${file}: ${missing ? 'missing' : String(e)}`, missing);
  }
  const bad = (why: string): IndexError => new IndexError(`${file}: ${why}`);
  if (b.length < IDX_HEADER + 4 || !b.subarray(0, 8).equals(IDX_MAGIC)) throw bad('not an index file');
  if (b.readUInt32LE(b.length - 4) !== crc32(b.subarray(0, b.length - 4))) throw bad('checksum mismatch');
  if (b.readUInt32LE(8) !== IDX_VERSION) throw bad(`unknown version ${b.readUInt32LE(8)}`);
  if (b.readUInt32LE(12) !== IDX_SLOTS) throw bad(`slot count ${b.readUInt32LE(12)}`);
  const entries = b.readUInt32LE(20);
  const records = b.readUInt32LE(24);
  const idx: SegmentIndex = {
    segment: b.readUInt32LE(16),
    records,
    segmentBytes: readU64(b, 32),
    firstSeq: readU64(b, 40),
    lastSeq: readU64(b, 48),
    slots: new Map(),
  };
  const want = only === undefined ? null : new Set(only);
  const end = b.length - 4;
  let p = IDX_HEADER;
  let prevSlot = -1;
  let total = 0;
  for (let e = 0; e < entries; e++) {
    if (p + IDX_ENTRY > end) throw bad('truncated slot entry');
    const slot = b.readUInt32LE(p);
    const count = b.readUInt32LE(p + 20);
    if (slot <= prevSlot || slot >= IDX_SLOTS || count === 0) throw bad(`bad slot entry at ${p}`);
    if (p + IDX_ENTRY + count * 4 > end) throw bad(`slot ${slot} runs past the end`);
    if (want === null || want.has(slot)) {
      const offsets = new Uint32Array(count);
      let prev = SEG_HEADER - 1;
      for (let i = 0, q = p + IDX_ENTRY; i < count; i++, q += 4) {
        const o = b.readUInt32LE(q);
        if (o <= prev || o >= idx.segmentBytes) throw bad(`slot ${slot}: bad record offset ${o}`);
        offsets[i] = prev = o;
      }
      idx.slots.set(slot, { slot, firstSeq: readU64(b, p + 4), lastSeq: readU64(b, p + 12), count, offsets });
    }
    prevSlot = slot;
    total += count;
    p += IDX_ENTRY + count * 4;
  }
  if (p !== end || total !== records) throw bad('entries do not add up');
  return idx;
}

function readHeaderFd(fd: number): SegmentHeader | null {
  return decodeHeader(readFullySync(fd, 0, SEG_HEADER));
}

/** Why the index of segment `n` cannot be used for its segment, or null when it can. */
function mismatch(idx: SegmentIndex, n: number, size: number, header: SegmentHeader): string | null {
  if (idx.segment !== n) return `it indexes segment ${idx.segment}`;
  if (idx.segmentBytes !== size) return `it covers ${idx.segmentBytes} bytes, the segment has ${size}`;
  if (idx.firstSeq !== header.firstSeq) return `it starts at seq ${idx.firstSeq}, the segment at ${header.firstSeq}`;
  return null;
}

/** Reads and checks the index of a segment against the segment file. Throws IndexError. */
export function loadIndexFor(seg: { n: number; file: string }, only?: readonly number[]): SegmentIndex {
  const idxFile = path.join(path.dirname(seg.file), indexName(seg.n));
  const idx = readIndex(idxFile, only);
  const fd = fs.openSync(seg.file, 'r');
  try {
    const h = readHeaderFd(fd);
    if (h === null) throw new IndexError(`${seg.file}: not a valid WAL segment header`);
    const why = mismatch(idx, seg.n, fs.fstatSync(fd).size, h);
    if (why !== null) throw new IndexError(`${idxFile}: ${why}`);
  } finally {
    fs.closeSync(fd);
  }
  return idx;
}

// ---- start-up ----

export interface PrepareResult {
  /** Index files (re)built. */
  rebuilt: string[];
  /** Leftover .idx.tmp files, indexes of the tail segment and indexes without a segment, removed. */
  removed: string[];
  /** Closed segments that could not be indexed (damaged): recovery must not trust them. */
  failed: { file: string; reason: string }[];
}

/**
 * At start, after recovery cut the tail: removes leftover `*.idx.tmp`, the tail's index (the writer
 * appends to the tail, so one would go stale) and indexes whose segment is gone; then (re)builds the
 * index of every closed segment (all but the highest-numbered) whose index is missing, damaged or does
 * not match its segment.
 */
export function prepareIndexes(walDir: string): PrepareResult {
  const res: PrepareResult = { rebuilt: [], removed: [], failed: [] };
  let names: string[];
  try {
    names = fs.readdirSync(walDir);
  } catch {
    return res;
  }
  const segs = listSegments(walDir);
  const closed = new Set(segs.slice(0, -1).map((s) => indexName(s.n)));
  for (const name of names) {
    const stale = name.endsWith('.idx.tmp') || (/^segment-\d+\.idx$/.test(name) && !closed.has(name));
    if (!stale) continue;
    const file = path.join(walDir, name);
    log.warn({ file }, 'WAL index: removing a leftover file');
    fs.rmSync(file, { force: true });
    res.removed.push(file);
  }
  for (const seg of segs.slice(0, -1)) {
    try {
      loadIndexFor(seg);
      continue;
    } catch (e) {
      const idxFile = path.join(walDir, indexName(seg.n));
      log.warn({ segment: seg.file, index: idxFile, reason: (e as Error).message }, 'WAL index missing or invalid: rebuilding it');
      try {
        writeIndexSync(idxFile, buildIndexSync(seg.file, seg.n));
        res.rebuilt.push(idxFile);
        log.info({ segment: seg.file, index: idxFile }, 'WAL index rebuilt');
      } catch (e2) {
        fs.rmSync(idxFile + '.tmp', { force: true });
        log.error({ segment: seg.file, reason: (e2 as Error).message }, 'WAL index: the segment cannot be indexed');
        res.failed.push({ file: seg.file, reason: (e2 as Error).message });
      }
    }
  }
  if (res.rebuilt.length > 0 || res.removed.length > 0) fsyncDir(walDir);
  return res;
}

// ---- the checkpointer ----

export interface CheckpointerOptions {
  /** shouldStall() turns true when more than this many closed segments wait (default 4). */
  maxPending?: number;
  /** Called after each segment (indexed or failed): a stalled writer checks shouldStall() again. */
  onIndexed?: (seg: ClosedSegment, ok: boolean) => void;
}

export interface CheckpointerStats {
  pending: number;
  indexed: number;
  failed: number;
  /** Segments removed (retention) before they were indexed. */
  skipped: number;
  /** Duration of the last index build + write, in ms. */
  lastMs: number;
  lastError: string;
  /** Bytes of index files written. */
  bytes: number;
}

/**
 * Writes the index of each closed segment, one at a time, off the hot path: enqueue() only queues,
 * the work runs on async reads and writes. The queue is bounded by the writer: when more than
 * maxPending segments wait, shouldStall() tells it to stop appending until the checkpointer catches up.
 */
export class Checkpointer {
  private readonly queue: ClosedSegment[] = [];
  private running = false;
  private stopped = false;
  private waiters: (() => void)[] = [];
  private readonly maxPending: number;
  private readonly onIndexed?: (seg: ClosedSegment, ok: boolean) => void;
  private readonly st = { indexed: 0, failed: 0, skipped: 0, lastMs: 0, lastError: '', bytes: 0 };

  constructor(
    readonly walDir: string,
    opts: CheckpointerOptions = {},
  ) {
    this.maxPending = opts.maxPending ?? 4;
    this.onIndexed = opts.onIndexed;
  }

  /** A segment the writer closed (Wal onClosed). Returns at once. */
  enqueue(seg: ClosedSegment): void {
    if (this.stopped) return;
    this.queue.push(seg);
    if (!this.running) {
      this.running = true;
      setImmediate(() => void this.run());
    }
  }

  /** Closed segments not yet indexed, the one in progress included. */
  pending(): number {
    return this.queue.length;
  }

  shouldStall(): boolean {
    return this.queue.length > this.maxPending;
  }

  /** Resolves once every queued segment has been handled. */
  drain(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((res) => this.waiters.push(res));
  }

  /** Shutdown: drops what waits (prepareIndexes builds it at the next start) and finishes the current one. */
  stop(): Promise<void> {
    this.stopped = true;
    this.queue.splice(1);
    return this.drain();
  }

  stats(): CheckpointerStats {
    return { pending: this.queue.length, ...this.st };
  }

  private async run(): Promise<void> {
    while (this.queue.length > 0) {
      // The segment stays queued while it is worked on, so pending() and shouldStall() count it.
      const seg = this.queue[0];
      let ok = true;
      try {
        if (await this.indexOne(seg)) this.st.indexed++;
        else this.st.skipped++;
      } catch (e) {
        ok = false;
        this.st.failed++;
        this.st.lastError = (e as Error).message;
        // No index only costs a scan: readers fall back to one, and prepareIndexes retries at start.
        log.error({ segment: seg.file, err: String(e) }, 'WAL index could not be written');
      }
      this.queue.shift();
      this.onIndexed?.(seg, ok);
    }
    this.running = false;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** False when the segment is gone. */
  private async indexOne(seg: ClosedSegment): Promise<boolean> {
    const t0 = performance.now();
    const idxFile = path.join(path.dirname(seg.file), indexName(seg.n));
    let built: { buf: Buffer; lastSeq: number };
    try {
      built = await buildIndex(seg.file, seg.n);
    } catch (e) {
      // Dropped by retention meanwhile: nothing to index.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
    if (seg.lastSeq >= 0 && built.lastSeq !== seg.lastSeq) {
      log.warn({ segment: seg.file, expected: seg.lastSeq, found: built.lastSeq }, 'WAL index: the closed segment ends at another seq than the writer said');
    }
    try {
      await writeIndex(idxFile, built.buf);
    } catch (e) {
      await fs.promises.rm(idxFile + '.tmp', { force: true });
      throw e;
    }
    await fsyncDirAsync(this.walDir);
    // Retention may have removed the segment while its index was written: no orphan index.
    if (!fs.existsSync(seg.file)) await fs.promises.rm(idxFile, { force: true });
    this.st.bytes += built.buf.length;
    this.st.lastMs = performance.now() - t0;
    return true;
  }
}

// ---- one slot's history ----

/** Reads byte ranges of one segment, coalescing nearby records into one read. */
class RangeReader {
  private buf: Buffer = Buffer.alloc(0);
  private bufPos = 0;

  constructor(
    private readonly fd: number,
    private readonly size: number,
    private readonly file: string,
  ) {}

  has(pos: number, len: number): boolean {
    return pos >= this.bufPos && pos + len <= this.bufPos + this.buf.length;
  }

  /** Reads [pos, pos + len) into the window (len is clamped to the file). */
  load(pos: number, len: number): void {
    this.buf = readFullySync(this.fd, pos, Math.max(0, Math.min(len, this.size - pos)));
    this.bufPos = pos;
  }

  private bytes(pos: number, len: number): Buffer {
    if (!this.has(pos, len)) this.load(pos, len);
    if (!this.has(pos, len)) throw new IndexError(`${this.file}: record at offset ${pos} runs past the end of the file`);
    return this.buf.subarray(pos - this.bufPos, pos - this.bufPos + len);
  }

  seqAt(off: number): number {
    return readU64(this.bytes(off + 8, 8), 0);
  }

  /** The record at `off`, CRC verified; its payload is its own copy. */
  recordAt(off: number): WalRecord {
    const plen = this.bytes(off, REC_HEADER).readUInt32LE(0);
    if (plen > MAX_RECORD) throw new IndexError(`${this.file}: impossible record length ${plen} at offset ${off}`);
    const b = this.bytes(off, REC_HEADER + plen);
    if (crc32(b.subarray(8)) !== b.readUInt32LE(4)) throw new IndexError(`${this.file}: checksum mismatch in the record at offset ${off}`);
    return {
      seq: readU64(b, 8),
      db: b.readUInt16LE(16),
      slot: b.readUInt16LE(18),
      payload: Buffer.from(b.subarray(REC_HEADER)),
      offset: off,
      end: off + REC_HEADER + plen,
    };
  }
}

/** The records of `idx`'s wanted slots with seq > fromSeq, in offset (= seq) order. */
function* fromIndex(reader: RangeReader, idx: SegmentIndex, want: readonly number[], fromSeq: number, file: string): Generator<WalRecord> {
  const lists: { slot: number; offs: Uint32Array }[] = [];
  for (const s of want) {
    const e = idx.slots.get(s);
    if (e === undefined || e.lastSeq <= fromSeq) continue;
    let lo = 0;
    if (e.firstSeq <= fromSeq) {
      // First record past fromSeq: offsets ascend with seq, so binary search reading only seq fields.
      let hi = e.count - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (reader.seqAt(e.offsets[mid]) > fromSeq) hi = mid;
        else lo = mid + 1;
      }
    }
    lists.push({ slot: s, offs: e.offsets.subarray(lo) });
  }
  // Merge by offset into one list, remembering which slot each record was indexed under.
  const a = lists[0]?.offs ?? new Uint32Array(0);
  const b = lists[1]?.offs ?? new Uint32Array(0);
  const n = a.length + b.length;
  const offs = new Uint32Array(n);
  const fromA = new Uint8Array(n);
  for (let i = 0, j = 0, k = 0; k < n; k++) {
    if (j >= b.length || (i < a.length && a[i] < b[j])) {
      offs[k] = a[i++];
      fromA[k] = 1;
    } else offs[k] = b[j++];
  }
  for (let k = 0; k < n; k++) {
    const off = offs[k];
    if (!reader.has(off, REC_HEADER)) {
      // One read for the records within WINDOW of this one.
      let j = k;
      while (j + 1 < n && offs[j + 1] - off < WINDOW) j++;
      reader.load(off, offs[j] - off + RECORD_GUESS);
    }
    const r = reader.recordAt(off);
    const slot = fromA[k] === 1 ? lists[0].slot : lists[1].slot;
    if (indexSlot(r.slot) !== slot || r.seq <= fromSeq) {
      throw new IndexError(`${file}: the record at offset ${off} (slot ${r.slot}, seq ${r.seq}) does not match its index`);
    }
    yield r;
  }
}

/**
 * The records that touch `slot` (those of the slot and the SLOT_MANY ones) with seq > fromSeq, across
 * all segments, in seq order. Closed segments with a valid index are read at their indexed offsets;
 * the tail, and closed segments whose index is not written yet, are scanned. Throws when the WAL no
 * longer reaches back to fromSeq + 1 (retention dropped it) or a record is damaged. Records still in
 * the writer's buffer are not on disk: flush the Wal first. `slot` may be SLOT_MANY (those only).
 */
export function* slotHistory(walDir: string, slot: number, fromSeq: number): Generator<WalRecord, void, undefined> {
  if (!Number.isInteger(slot) || slot < 0 || (slot >= IDX_MANY && slot !== SLOT_MANY)) throw new RangeError(`bad slot ${slot}`);
  const want = slot === SLOT_MANY ? [IDX_MANY] : [slot, IDX_MANY];
  const segs = listSegments(walDir);
  if (segs.length === 0) return;
  // The first segment needed is the last one starting at or before fromSeq + 1; headers from the end.
  let start = segs.length - 1;
  for (;;) {
    const first = segmentFirstSeq(segs[start].file);
    if (first <= fromSeq + 1) break;
    if (start === 0) throw new IndexError(`${segs[0].file}: the WAL starts at seq ${first}: the history after seq ${fromSeq} is no longer complete`);
    start--;
  }
  for (let i = start; i < segs.length; i++) {
    const seg = segs[i];
    const isTail = i === segs.length - 1;
    let idx: SegmentIndex | null = null;
    if (!isTail) {
      try {
        idx = loadIndexFor(seg, want);
      } catch (e) {
        // Not written yet (the checkpointer lags) or unusable: scan the segment instead.
        if (!(e instanceof IndexError && e.missing)) log.warn({ segment: seg.file, reason: (e as Error).message }, 'WAL index unusable: scanning the segment');
      }
    }
    const fd = fs.openSync(seg.file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      if (idx !== null) yield* fromIndex(new RangeReader(fd, size, seg.file), idx, want, fromSeq, seg.file);
      else yield* scanForSlot(fd, size, seg.file, isTail, want, fromSeq);
    } finally {
      fs.closeSync(fd);
    }
  }
}

function* scanForSlot(fd: number, size: number, file: string, isTail: boolean, want: readonly number[], fromSeq: number): Generator<WalRecord> {
  const matched: WalRecord[] = [];
  const a = want[0];
  const b = want.length > 1 ? want[1] : -1;
  const g = scanSegment(
    size,
    (r) => {
      const s = indexSlot(r.slot);
      if (r.seq > fromSeq && (s === a || s === b)) {
        r.payload = Buffer.from(r.payload); // not a view that would pin the whole chunk
        matched.push(r);
      }
    },
    SYNC_CHUNK,
  );
  let st = g.next();
  while (st.done !== true) {
    st = g.next(readFullySync(fd, st.value.pos, st.value.len));
    for (const r of matched) yield r;
    matched.length = 0;
  }
  const { header, end } = st.value;
  if (header === null) throw new IndexError(`${file}: not a valid WAL segment header`);
  // The tail may end in a record being written; anywhere else a bad record is damage.
  if (end.kind === 'corrupt' || (end.kind === 'torn' && !isTail)) throw new IndexError(`${file}: ${end.kind} record at offset ${end.offset} (${end.reason})`);
}

function segmentFirstSeq(file: string): number {
  const fd = fs.openSync(file, 'r');
  try {
    const h = readHeaderFd(fd);
    if (h === null) throw new IndexError(`${file}: not a valid WAL segment header`);
    return h.firstSeq;
  } finally {
    fs.closeSync(fd);
  }
}

/** readSlotHistory with a callback returns the number of records; without, the records. */
export function readSlotHistory(walDir: string, slot: number, fromSeq: number): WalRecord[];
export function readSlotHistory(walDir: string, slot: number, fromSeq: number, onRecord: (r: WalRecord) => void): number;
export function readSlotHistory(walDir: string, slot: number, fromSeq: number, onRecord?: (r: WalRecord) => void): WalRecord[] | number {
  if (onRecord === undefined) return Array.from(slotHistory(walDir, slot, fromSeq));
  let n = 0;
  for (const r of slotHistory(walDir, slot, fromSeq)) {
    onRecord(r);
    n++;
  }
  return n;
}


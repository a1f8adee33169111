// The write-ahead log: every propagated unit becomes one CRC-checked record appended to the current
// segment (format in segment.ts), in seq order.
//
// Durability follows Redis' appendfsync:
//   always    a client's reply leaves only after the fdatasync that covers its write. Group commit:
//             records of one event-loop turn are written with one write(); one fdatasync runs at a
//             time off the event loop (libuv pool) and covers everything written before it started;
//             the next starts as soon as it returns if more was written meanwhile.
//   everysec  records reach the kernel (write()) before the replies that acknowledge them leave; a
//             background fdatasync runs once a second. A killed process loses nothing acknowledged.
//   no        like everysec without the timer (the kernel flushes when it likes).
// Replies wait in their connection (server/connection.ts outputGate) until `ackedSeq` covers them.
//
// A failed write keeps the records in memory and retries; meanwhile writes are refused with -MISCONF
// (server/state.ts persistState.writeError) and nothing unwritten is acknowledged.
import * as fs from 'fs';
import * as path from 'path';
import { crc32 } from 'zlib';
import type { PropUnit } from '../server/propagate';
import { getKeys } from '../server/commandTable';
import { lookupCommand } from '../server/commandTable';
import { keyHashSlot } from '../util/crc16';
import { outputGate, releaseHeldOutput } from '../server/connection';
import { persistState } from '../server/state';
import { log } from '../server/log';
import { fsyncDir } from '../util/fsync';
import { encodeHeader, segmentName, writeU64, REC_HEADER, SEG_HEADER, SLOT_MANY } from './segment';

export type FsyncPolicy = 'always' | 'everysec' | 'no';

export interface WalOptions {
  walDir: string;
  fsync: FsyncPolicy;
  segmentSize: number;
  /** Number of the segment to append to (a new one is created when absent) and the seq it starts after. */
  segment: number;
  /** Bytes of valid records already in that segment (recovery truncated any torn tail), and its first seq. */
  segmentBytes: number;
  segmentFirstSeq?: number;
  /** False while the checkpointer lags: the segment grows past segmentSize instead of rolling. */
  canRoll?: () => boolean;
  lastSeq: number;
  /** Called with a closed segment (its number, path and the seqs it holds). */
  onClosed?: (seg: ClosedSegment) => void;
  /** backup-dir's wal/: the current segment is mirrored there record by record (tiers.ts). */
  mirrorDir?: string;
  /** The mirror failed (it is dropped; the backup tier resilvers it later). */
  onMirrorFailed?: (err: unknown) => void;
}

export interface ClosedSegment {
  n: number;
  file: string;
  firstSeq: number;
  lastSeq: number;
}

export class Wal {
  readonly walDir: string;
  fsync: FsyncPolicy;
  segmentSize: number;
  /** Current segment: number, fd, bytes written, first seq in it. */
  segNo: number;
  private fd: number;
  segBytes: number;
  segFirstSeq: number;
  /** Records appended but not yet written (one write per event-loop turn). */
  private buf = Buffer.allocUnsafe(1 << 20);
  private bufLen = 0;
  private bufLastSeq = 0;
  /** Highest seq handed to the kernel, and the highest covered by an fdatasync. */
  writtenSeq: number;
  syncedSeq: number;
  private syncing = false;
  private flushQueued = false;
  private everysecTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  /** fds of rolled segments whose sync is still running (closed when it returns). */
  private readonly onClosed?: (seg: ClosedSegment) => void;
  private readonly canRoll?: () => boolean;
  /** Rolls deferred because the checkpointer lagged (INFO). */
  deferredRolls = 0;
  // INFO
  totalBytes = 0;
  lastFsyncMs = 0;
  /** Wall-clock ms of the last completed fdatasync. */
  lastFsyncAt = 0;
  lastWriteError = '';
  fsyncCount = 0;
  private closed = false;
  /** The backup copy of the current segment (-1: none or failed). */
  private mirrorFd = -1;
  private readonly mirrorDir: string | null;
  private readonly onMirrorFailed?: (err: unknown) => void;

  constructor(o: WalOptions) {
    this.mirrorDir = o.mirrorDir ?? null;
    this.onMirrorFailed = o.onMirrorFailed;
    this.walDir = o.walDir;
    this.fsync = o.fsync;
    this.segmentSize = o.segmentSize;
    this.onClosed = o.onClosed;
    this.canRoll = o.canRoll;
    fs.mkdirSync(o.walDir, { recursive: true });
    this.segNo = o.segment;
    this.writtenSeq = this.syncedSeq = this.bufLastSeq = o.lastSeq;
    const file = path.join(o.walDir, segmentName(o.segment));
    if (o.segmentBytes >= SEG_HEADER && fs.existsSync(file)) {
      this.fd = fs.openSync(file, 'r+');
      fs.ftruncateSync(this.fd, o.segmentBytes);
      this.segBytes = o.segmentBytes;
      if (this.mirrorDir !== null) {
        // The mirror starts as a copy of the segment appending resumes in.
        this.mirrorOp(() => {
          fs.mkdirSync(this.mirrorDir!, { recursive: true });
          const m = path.join(this.mirrorDir!, segmentName(o.segment));
          fs.copyFileSync(file, m);
          this.mirrorFd = fs.openSync(m, 'r+');
          fs.fdatasyncSync(this.mirrorFd);
        });
      }
      this.segFirstSeq = o.segmentFirstSeq ?? -1;
    } else {
      this.fd = this.createSegment(o.segment, o.lastSeq + 1);
      this.segBytes = SEG_HEADER;
      this.segFirstSeq = o.lastSeq + 1;
    }
    this.applyPolicy();
  }

  private createSegment(n: number, firstSeq: number): number {
    const file = path.join(this.walDir, segmentName(n));
    const fd = fs.openSync(file, 'w');
    const header = encodeHeader(firstSeq);
    try {
      fs.writeSync(fd, header);
      fs.fdatasyncSync(fd);
      fsyncDir(this.walDir);
    } catch (e) {
      // A half-made segment must not stay: recovery would read it as the next one.
      closeQuietly(fd);
      try {
        fs.unlinkSync(file);
      } catch {
        /* nothing more to do */
      }
      throw e;
    }
    if (this.mirrorDir !== null) {
      this.mirrorOp(() => {
        const oldMirror = this.mirrorFd;
        // A running fdatasync may still use the old mirror fd: close it once that returns.
        if (oldMirror !== -1) {
          if (this.syncing) setTimeout(() => closeQuietly(oldMirror), 1000).unref();
          else closeQuietly(oldMirror);
        }
        fs.mkdirSync(this.mirrorDir!, { recursive: true });
        this.mirrorFd = fs.openSync(path.join(this.mirrorDir!, segmentName(n)), 'w');
        fs.writeSync(this.mirrorFd, header);
        fs.fdatasyncSync(this.mirrorFd);
        fsyncDir(this.mirrorDir!);
      });
    }
    return fd;
  }

  /** Runs a mirror operation; a failure drops the mirror (the primary goes on alone, INFO says so). */
  private mirrorOp(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (this.mirrorFd !== -1) closeQuietly(this.mirrorFd);
      this.mirrorFd = -1;
      log.error({ err: String(e) }, 'WAL mirror to backup-dir failed: continuing on the primary only');
      this.onMirrorFailed?.(e);
    }
  }

  get mirroring(): boolean {
    return this.mirrorFd !== -1;
  }

  /** appendfsync changed (CONFIG SET): everysec runs a timer, the others do not. */
  applyPolicy(): void {
    if (this.everysecTimer !== null) clearInterval(this.everysecTimer);
    this.everysecTimer = null;
    if (this.fsync === 'everysec') {
      this.everysecTimer = setInterval(() => this.syncNow(), 1000);
      this.everysecTimer.unref();
    }
    this.updateGate();
  }

  /** The seq up to which replies may leave under the current policy. */
  private updateGate(): void {
    outputGate.ackedSeq = this.fsync === 'always' ? this.syncedSeq : this.writtenSeq;
  }

  /** Consumer of propagated units: encode and queue one record. */
  append(unit: PropUnit): void {
    const ops = unit.ops;
    // Payload size first (latin1: one byte per char), so the record is encoded in place.
    let size = 0;
    let curDb = ops[0].db;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      if (op.db !== curDb) {
        size += respSize(['select', String(op.db)]);
        curDb = op.db;
      }
      size += respSize(op.argv);
    }
    const need = REC_HEADER + size;
    if (this.bufLen + need > this.buf.length) this.growBuf(need);
    const b = this.buf;
    const start = this.bufLen;
    let p = start + REC_HEADER;
    curDb = ops[0].db;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      if (op.db !== curDb) {
        p = respWrite(b, p, ['select', String(op.db)]);
        curDb = op.db;
      }
      p = respWrite(b, p, op.argv);
    }
    b.writeUInt32LE(size, start);
    writeU64(b, start + 8, unit.seq);
    b.writeUInt16LE(ops[0].db, start + 16);
    b.writeUInt16LE(unitSlot(unit), start + 18);
    b.writeUInt32LE(crc32(b.subarray(start + 8, p)), start + 4);
    this.bufLen = p;
    this.bufLastSeq = unit.seq;
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(this.flushBound);
    }
  }

  private growBuf(need: number): void {
    let size = this.buf.length * 2;
    while (size < this.bufLen + need) size *= 2;
    const nb = Buffer.allocUnsafe(size);
    this.buf.copy(nb, 0, 0, this.bufLen);
    this.buf = nb;
  }

  private readonly flushBound = (): void => {
    this.flushQueued = false;
    this.flush();
  };

  /** Writes the queued records (one write), then releases or syncs per policy. */
  flush(): boolean {
    if (this.bufLen === 0 || this.closed) return true;
    try {
      // Explicit positions: a resumed segment is opened r+ (its file position is 0).
      let off = 0;
      while (off < this.bufLen) off += fs.writeSync(this.fd, this.buf, off, this.bufLen - off, this.segBytes + off);
    } catch (e) {
      this.writeFailed(e as NodeJS.ErrnoException);
      return false;
    }
    if (this.mirrorFd !== -1) {
      this.mirrorOp(() => {
        let off = 0;
        while (off < this.bufLen) off += fs.writeSync(this.mirrorFd, this.buf, off, this.bufLen - off, this.segBytes + off);
      });
    }
    this.segBytes += this.bufLen;
    this.totalBytes += this.bufLen;
    this.writtenSeq = this.bufLastSeq;
    this.bufLen = 0;
    if (this.buf.length > 8 << 20) this.buf = Buffer.allocUnsafe(1 << 20);
    if (this.segBytes >= this.segmentSize) {
      // A bounded queue of closed segments: while the checkpointer lags, keep appending here.
      if (this.canRoll === undefined || this.canRoll()) this.roll();
      else this.deferredRolls++;
    }
    if (this.errorClearable()) this.writeRecovered();
    if (this.fsync === 'always') this.syncNow();
    else {
      this.updateGate();
      releaseHeldOutput();
    }
    return true;
  }

  /** Starts an fdatasync of everything written so far (group commit: one at a time). */
  syncNow(): void {
    if (this.syncing || this.closed) return;
    if (this.syncedSeq >= this.writtenSeq) {
      // Already covered (a roll synced the segment): release whoever waits for it.
      this.updateGate();
      releaseHeldOutput();
      return;
    }
    this.syncing = true;
    const target = this.writtenSeq;
    const fd = this.fd;
    const t0 = performance.now();
    // With a backup tier both copies are synced; the write is durable when both are.
    const mfd = this.mirrorFd;
    let waiting = mfd !== -1 ? 2 : 1;
    let failed: NodeJS.ErrnoException | null = null;
    const done = (err: NodeJS.ErrnoException | null, mirror: boolean): void => {
      if (err && mirror) {
        if (mfd === this.mirrorFd)
          this.mirrorOp(() => {
            throw err;
          });
      } else if (err) failed = err;
      if (--waiting === 0) this.synced(failed, target, t0);
    };
    fs.fdatasync(fd, (err) => done(err, false));
    if (mfd !== -1) fs.fdatasync(mfd, (err) => done(err, true));
  }

  private synced(err: NodeJS.ErrnoException | null, target: number, t0: number): void {
    {
      this.syncing = false;
      if (err) {
        log.error({ err: String(err) }, 'WAL fdatasync failed');
        this.syncFailed = true;
        this.writeFailed(err, false);
        return;
      }
      this.syncFailed = false;
      this.fsyncCount++;
      this.lastFsyncMs = performance.now() - t0;
      this.lastFsyncAt = Date.now();
      if (this.errorClearable()) this.writeRecovered();
      if (target > this.syncedSeq) this.syncedSeq = target;
      if (this.fsync === 'always') {
        this.updateGate();
        releaseHeldOutput();
        if (this.writtenSeq > this.syncedSeq) this.syncNow();
      }
    }
  }

  /** Closes the current segment and starts the next (called after a write crossed segmentSize). */
  /** A failed segment creation (ENOSPC): appends stay in the old segment until a retry succeeds. */
  private rollFailed = false;
  /** The last fdatasync failed: not everything written is known to be durable. */
  private syncFailed = false;

  /** -MISCONF ends only when every record is written, the segment rolled if due and synced. */
  private errorClearable(): boolean {
    return persistState.writeError !== '' && this.bufLen === 0 && !this.rollFailed && !this.syncFailed;
  }

  roll(): boolean {
    // The next segment first: if it cannot be created (disk full), nothing changes but the error state.
    let newFd: number;
    try {
      newFd = this.createSegment(this.segNo + 1, this.writtenSeq + 1);
    } catch (e) {
      if (!this.rollFailed) log.error({ err: String(e) }, 'WAL: cannot start the next segment; appending to the current one meanwhile');
      this.rollFailed = true;
      this.writeFailed(e as NodeJS.ErrnoException, false);
      return false;
    }
    this.rollFailed = false;
    const old: ClosedSegment = {
      n: this.segNo,
      file: path.join(this.walDir, segmentName(this.segNo)),
      firstSeq: this.segFirstSeq,
      lastSeq: this.writtenSeq,
    };
    const oldFd = this.fd;
    // The closed segment must be on disk before the records of the next one are acknowledged under
    // `always`, and before its index file is written: sync it here (once per segment, rare).
    try {
      fs.fdatasyncSync(oldFd);
      if (this.mirrorFd !== -1) this.mirrorOp(() => fs.fdatasyncSync(this.mirrorFd));
      this.syncedSeq = this.writtenSeq;
    } catch (e) {
      log.error({ err: String(e), file: old.file }, 'WAL sync of a closed segment failed');
    }
    this.segNo++;
    this.fd = newFd;
    this.segBytes = SEG_HEADER;
    this.segFirstSeq = this.writtenSeq + 1;
    if (this.syncing) {
      // The running fdatasync uses the old fd: close it once that returns.
      setTimeout(() => closeQuietly(oldFd), 1000).unref();
    } else closeQuietly(oldFd);
    this.updateGate();
    log.info({ segment: old.n, firstSeq: old.firstSeq, lastSeq: old.lastSeq }, 'WAL segment closed');
    this.onClosed?.(old);
    return true;
  }

  private writeFailed(e: NodeJS.ErrnoException, truncate = true): void {
    // A partial write may have left part of a record in the file: cut the file back to the last
    // complete record so the retry appends after it.
    if (truncate) {
      try {
        fs.ftruncateSync(this.fd, this.segBytes);
      } catch {
        /* the retry will find out */
      }
    }
    const msg = e.code === 'ENOSPC' ? 'No space left on device' : (e.message ?? String(e));
    if (persistState.writeError === '') log.error({ err: String(e) }, 'Error writing to the WAL: refusing writes until it can be written again');
    this.lastWriteError = msg;
    persistState.writeError = `MISCONF Errors writing to the AOF file: ${msg}`;
    if (this.retryTimer === null) {
      this.retryTimer = setInterval(() => {
        if (this.bufLen > 0) this.flush();
        else if (this.rollFailed) this.roll();
        if (this.fsync === 'always' || this.syncFailed) this.syncNow();
        if (this.errorClearable()) this.writeRecovered();
      }, 1000);
      this.retryTimer.unref();
    }
  }

  private writeRecovered(): void {
    persistState.writeError = '';
    this.lastWriteError = '';
    if (this.retryTimer !== null) clearInterval(this.retryTimer);
    this.retryTimer = null;
    log.warn('WAL writes work again: accepting writes');
  }

  /** Writes and syncs everything (shutdown, before a snapshot's CURRENT moves). */
  flushSync(): void {
    this.flush();
    if (this.closed) return;
    try {
      fs.fdatasyncSync(this.fd);
      if (this.mirrorFd !== -1) this.mirrorOp(() => fs.fdatasyncSync(this.mirrorFd));
      this.syncedSeq = this.writtenSeq;
      this.updateGate();
      releaseHeldOutput();
    } catch (e) {
      log.error({ err: String(e) }, 'WAL sync failed');
    }
  }

  /** Starts a new segment now (BGREWRITEAOF: older segments can then be dropped whole). */
  rollNow(): void {
    this.flush();
    if (this.segBytes > SEG_HEADER) this.roll();
  }

  close(): void {
    if (this.closed) return;
    this.flushSync();
    this.closed = true;
    if (this.everysecTimer !== null) clearInterval(this.everysecTimer);
    if (this.retryTimer !== null) clearInterval(this.retryTimer);
    closeQuietly(this.fd);
    if (this.mirrorFd !== -1) closeQuietly(this.mirrorFd);
  }

  get pendingBytes(): number {
    return this.bufLen;
  }
}

/** The slot of a unit: that of all its keys when they share one, else SLOT_MANY (also for no keys). */
function unitSlot(unit: PropUnit): number {
  let slot = -1;
  const ops = unit.ops;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    const spec = op.spec ?? lookupCommand(op.argv).spec;
    if (spec === undefined || !spec.hasKeys) return SLOT_MANY;
    const keys = getKeys(spec, op.argv);
    if (keys.length === 0) return SLOT_MANY;
    for (let j = 0; j < keys.length; j++) {
      const s = keyHashSlot(op.argv[keys[j]]);
      if (slot === -1) slot = s;
      else if (s !== slot) return SLOT_MANY;
    }
  }
  return slot === -1 ? SLOT_MANY : slot;
}

function respSize(argv: string[]): number {
  let n = 3 + digits(argv.length);
  for (let i = 0; i < argv.length; i++) {
    const l = argv[i].length;
    n += 5 + digits(l) + l;
  }
  return n;
}
function digits(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}
function respWrite(b: Buffer, p: number, argv: string[]): number {
  b[p++] = 42;
  p += b.latin1Write(String(argv.length), p);
  b[p++] = 13;
  b[p++] = 10;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    b[p++] = 36;
    p += b.latin1Write(String(a.length), p);
    b[p++] = 13;
    b[p++] = 10;
    if (a.length > 0) p += b.latin1Write(a, p);
    b[p++] = 13;
    b[p++] = 10;
  }
  return p;
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    /* already closed */
  }
}

export { fsyncDir };

// Persistence, put together: the data-dir lock, recovery at start (newest valid snapshot + WAL replay),
// the WAL as the consumer of propagation, snapshots (SAVE, BGSAVE, the `save` points, BGREWRITEAOF,
// SHUTDOWN, FLUSHALL, DEBUG RELOAD), retention, and INFO persistence.
//
// Layout under `dir`:
//   strata.lock                     the lock (lock.ts)
//   wal/segment-<n>.bin             WAL segments (segment.ts, wal.ts)
//   snapshots/snapshot-<seq>/       dump.rdb: the keyspace after WAL record <seq> (snapshot.ts)
//   snapshots/CURRENT               the newest complete snapshot
//   <dbfilename> (dump.rdb)         a hard link to the newest snapshot's dump.rdb, for Redis tooling;
//                                   at first start, a Redis dump.rdb found here is loaded
//   rangeindex/                     range-index working files (recovery rebuilds them from the above)
import * as fs from 'fs';
import * as path from 'path';
import { config } from '../config';
import { keyspace, expiryControl, stats as ksStats } from '../keyspace/db';
import { prop, addPropConsumer, removePropConsumer, type PropUnit } from '../server/propagate';
import { outputGate, releaseHeldOutput } from '../server/connection';
import { persistState, serverStats } from '../server/state';
import { log } from '../server/log';
import { lockDataDir } from './lock';
import { Wal, type FsyncPolicy } from './wal';
import { listSegments, readSegmentHeader, segmentName, SEG_HEADER } from './segment';
import { replayWal, runAsync, runSync, RecoveryError, type ReplayResult } from './replay';
import { BackupTier, restoreFromBackup } from './tiers';
import { Checkpointer, prepareIndexes, indexName } from './walindex';
import { SnapshotJob, listSnapshots, currentSnapshot, pruneSnapshots, loadRdbFile, type SnapshotResult, type SnapshotInfo, type LoadResult } from './snapshot';

export { RecoveryError } from './replay';
export { LockHeldError } from './lock';

const st = {
  dataDir: '',
  release: null as (() => void) | null,
  wal: null as Wal | null,
  job: null as SnapshotJob | null,
  /** BGSAVE SCHEDULE / BGREWRITEAOF asked while a snapshot ran. */
  scheduled: false,
  rewriteScheduled: false,
  /** The running snapshot is a rewrite: roll the WAL before it, prune after. */
  jobIsRewrite: false,
  lastStatus: 'ok' as 'ok' | 'err',
  lastSaveSeconds: -1,
  lastSaveBytes: 0,
  lastSnapshot: '',
  lastSnapshotSeq: 0,
  snapshotsDone: 0,
  rewritesDone: 0,
  lastBgsaveStart: 0,
  // loading
  loadingStart: 0,
  loadingTotal: 0,
  loadingDone: 0,
  loadingPhase: '',
  loadedKeys: 0,
  loadedExpired: 0,
  replayedRecords: 0,
  recoveredFrom: '',
  /** WAL bytes when the last snapshot finished (auto rewrite compares against it). */
  walBytesAtSnapshot: 0,
  walBytesBase: 0,
  tier: null as BackupTier | null,
  checkpointer: null as Checkpointer | null,
  /** A BGSAVE asked inside EXEC starts once the transaction's unit is emitted. */
  deferredStart: false,
};

const walConsumer = (u: PropUnit): void => st.wal!.append(u);

function walDir(): string {
  return path.join(st.dataDir, 'wal');
}

/** Takes the lock of the data directory (the process's cwd). Throws LockHeldError. */
export function lockDir(dataDir: string): void {
  st.dataDir = dataDir;
  st.release = lockDataDir(dataDir);
}

/** The data directory without a lock (it could not be created). */
export function setDataDir(dataDir: string): void {
  st.dataDir = dataDir;
}

export function unlockDir(): void {
  st.release?.();
  st.release = null;
}

/**
 * True when the data directory holds Strata's log or snapshots: recovery rebuilds the keyspace (range
 * indexes included) from them, and the range-index catalog is not mounted.
 */
export function hasLogState(dataDir: string): boolean {
  return listSnapshots(dataDir).length > 0 || listSegments(path.join(dataDir, 'wal')).length > 0;
}

function setLoading(on: boolean, phase = ''): void {
  persistState.loading = on;
  expiryControl.suspended = on;
  prop.loading = on;
  st.loadingPhase = phase;
  if (on) {
    st.loadingStart = Date.now();
    st.loadingDone = 0;
    st.loadingTotal = 0;
  }
}

let lastProgressLog = 0;
function progress(phase: string) {
  return (done: number, total: number): void => {
    st.loadingDone = done;
    st.loadingTotal = total;
    const now = Date.now();
    if (now - lastProgressLog > 1000) {
      lastProgressLog = now;
      log.info({ phase, done, total, perc: total > 0 ? +((done * 100) / total).toFixed(2) : 100 }, 'Loading the dataset');
    }
  };
}

/** Loads the newest snapshot that reads back whole; older ones are tried when one is damaged. */
function* loadNewestSnapshot(): Generator<void, SnapshotInfo | null> {
  const all = listSnapshots(st.dataDir);
  const cur = currentSnapshot(st.dataDir);
  // CURRENT first (it is only written once its snapshot is complete), then by seq.
  all.sort((a, b) => (a.name === cur ? -1 : b.name === cur ? 1 : b.seq - a.seq));
  for (const s of all) {
    try {
      const r = yield* loadRdbFile(s.rdb, progress('snapshot'));
      st.loadedKeys = r.keys;
      st.loadedExpired = r.expired;
      if (r.functions > 0) log.warn({ snapshot: s.name, libraries: r.functions }, 'the snapshot holds function libraries; Strata has no Lua engine yet: skipped');
      log.info({ snapshot: s.name, seq: s.seq, keys: r.keys, expiredSkipped: r.expired }, 'snapshot loaded');
      return s;
    } catch (e) {
      const m = /db index (\d+) out of range/.exec(String(e));
      if (m !== null) {
        // Redis' rule: a file made with more databases is not loaded partially.
        throw new RecoveryError(
          `Data file was created with a server configured to handle more than ${keyspace.dbs.length} databases (it uses db ${m[1]}): start with a larger 'databases'`,
        );
      }
      log.error({ snapshot: s.name, err: String(e) }, 'snapshot unreadable: emptying the keyspace and trying an older one');
      for (const db of keyspace.dbs) db.flush();
    }
  }
  return null;
}

/**
 * Rebuilds the keyspace: newest valid snapshot, then the WAL after its seq; a Redis dump.rdb in an
 * otherwise empty dir is loaded instead. Returns the seq recovery ended at.
 */
function* recoverGen(): Generator<void, { seq: number; replay: ReplayResult | null; needBase: boolean }> {
  const dbfile = path.join(st.dataDir, config.str('dbfilename'));
  const snapshotsExist = listSnapshots(st.dataDir).length > 0;
  const segments = listSegments(walDir());
  let seq = 0;
  let needBase = false;
  if (snapshotsExist) {
    const s = yield* loadNewestSnapshot();
    if (s === null) {
      // Every snapshot was damaged: replaying the WAL alone would be silent loss unless it starts at 1.
      if (segments.length === 0 || firstSeqOf(segments[0].file) !== 1) {
        throw new RecoveryError('no snapshot could be read and the WAL does not reach back to seq 1: refusing to start with partial data');
      }
    } else {
      seq = s.seq;
      st.recoveredFrom = s.name;
      st.lastSnapshot = s.name;
      st.lastSnapshotSeq = s.seq;
    }
  } else if (segments.length === 0 && fs.existsSync(dbfile)) {
    // Moving from Redis: its dump.rdb, loaded once, then a snapshot becomes the base of the WAL.
    let r: LoadResult;
    try {
      r = yield* loadRdbFile(dbfile, progress('rdb'));
    } catch (e) {
      // Redis' texts, which its own tests look for in the log.
      const msg = String((e as Error).message ?? e);
      throw new RecoveryError(
        /checksum/i.test(msg) ? `Wrong RDB checksum in ${dbfile}: ${msg} (RDB CRC error). Aborting now.` : `Fatal error loading the DB: ${msg}. Exiting.`,
      );
    }
    st.loadedKeys = r.keys;
    st.loadedExpired = r.expired;
    st.recoveredFrom = path.basename(dbfile);
    if (r.functions > 0) log.warn({ file: dbfile, libraries: r.functions }, 'the RDB file holds function libraries; Strata has no Lua engine yet: skipped');
    log.info({ file: dbfile, keys: r.keys, expiredSkipped: r.expired }, 'RDB file loaded');
    needBase = true;
  }
  let replay: ReplayResult | null = null;
  if (segments.length > 0) {
    replay = yield* replayWal(walDir(), seq, progress('wal'));
    st.replayedRecords = replay.records;
    seq = replay.lastSeq;
    if (replay.truncated !== null) log.warn(replay.truncated, 'WAL torn tail truncated');
    log.info({ records: replay.records, lastSeq: replay.lastSeq }, 'WAL replayed');
  }
  return { seq, replay, needBase };
}

function firstSeqOf(file: string): number {
  return readSegmentHeader(file)?.firstSeq ?? -1;
}

/**
 * Recovery at start, while the server already answers (-LOADING meanwhile), then the WAL is opened for
 * appending. `legacyLoad` mounts what older versions kept (the range-index catalog) when the directory
 * has no log state yet.
 */
export async function startPersistence(opts: { fromBackup?: boolean } = {}): Promise<void> {
  const backupDir = config.str('backup-dir');
  if (opts.fromBackup) {
    if (backupDir === '') throw new RecoveryError('--recover-from-backup needs backup-dir');
    restoreFromBackup(st.dataDir, path.resolve(backupDir));
  }
  setLoading(true, 'start');
  let r: { seq: number; replay: ReplayResult | null; needBase: boolean };
  try {
    r = await runAsync(recoverGen());
  } finally {
    setLoading(false);
  }
  prop.seq = r.seq;
  serverStats.dirtyAtLastSave = ksStats.dirty;
  if (backupDir !== '') st.tier = new BackupTier(st.dataDir, path.resolve(backupDir));
  openWal(r.replay);
  // What the backup lacks (first use, a run without it, a failure) is copied in the background.
  st.tier?.resilver();
  if (r.needBase && config.bool('appendonly')) {
    // The loaded file is not in any snapshot of ours yet: make it the WAL's base.
    const e = saveSync();
    if (e !== null) log.error({ err: e }, 'could not snapshot the loaded RDB file');
  }
  log.info({ seq: r.seq, keys: keyspace.dbs.reduce((a, d) => a + d.size, 0), ms: Date.now() - st.loadingStart }, 'DB loaded from disk');
}

function openWal(replay: ReplayResult | null): void {
  if (!config.bool('appendonly')) {
    outputGate.enabled = false;
    return;
  }
  const resume = replay !== null && replay.segment >= 0 && replay.segmentBytes >= SEG_HEADER;
  const segs = listSegments(walDir());
  const next = segs.length > 0 ? segs[segs.length - 1].n + (resume ? 0 : 1) : 1;
  st.wal = new Wal({
    walDir: walDir(),
    fsync: config.str('appendfsync') as FsyncPolicy,
    segmentSize: config.num('wal-segment-size'),
    segment: next,
    segmentBytes: resume ? replay!.segmentBytes : 0,
    segmentFirstSeq: resume ? replay!.segmentFirstSeq : undefined,
    lastSeq: prop.seq,
    canRoll: () => !st.checkpointer!.shouldStall(),
    mirrorDir: st.tier !== null ? path.join(st.tier.backup, 'wal') : undefined,
    onMirrorFailed: () => {
      if (st.tier !== null) st.tier.state = 'degraded';
    },
    onClosed: (seg) => {
      st.checkpointer!.enqueue(seg);
      segmentClosed(seg.n);
    },
  });
  // Closed segments (the previous tail included, when a new segment was started) get their index.
  const prep = prepareIndexes(walDir());
  if (prep.rebuilt.length > 0) log.info({ rebuilt: prep.rebuilt }, 'WAL index files rebuilt');
  for (const f of prep.failed) log.error(f, 'WAL segment could not be indexed');
  if (st.tier !== null) st.tier.activeSegment = path.join('wal', segmentName(st.wal.segNo));
  st.checkpointer = new Checkpointer(walDir(), {
    onIndexed: (seg, ok) => {
      if (ok) st.tier?.enqueue(path.join('wal', indexName(seg.n)));
    },
  });
  st.walBytesBase = segs.reduce((a, s) => a + fs.statSync(s.file).size, 0);
  st.walBytesAtSnapshot = st.walBytesBase;
  addPropConsumer(walConsumer);
  outputGate.ackedSeq = prop.seq;
  outputGate.enabled = true;
}

/** A segment was closed: the backup gets it if the mirror did not (the checkpointer indexes it). */
function segmentClosed(n: number): void {
  const tier = st.tier;
  if (tier === null || st.wal === null) return;
  tier.activeSegment = path.join('wal', segmentName(st.wal.segNo));
  if (!st.wal.mirroring || tier.state === 'degraded') tier.enqueue(path.join('wal', segmentName(n)));
}

function closeWal(): void {
  if (st.wal === null) return;
  removePropConsumer(walConsumer);
  st.wal.close();
  st.wal = null;
  void st.checkpointer?.stop(); // what it did not index is rebuilt at the next start
  st.checkpointer = null;
  outputGate.enabled = false;
  releaseHeldOutput();
}

const RDB_ERROR =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/** Redis' writeCommandsDeniedByDiskError, RDB half: a failed save stops writes while save points exist. */
function refreshRdbError(): void {
  const deny = st.lastStatus === 'err' && config.bool('stop-writes-on-bgsave-error') && (config.save as unknown[]).length > 0;
  persistState.rdbError = deny ? RDB_ERROR : '';
}

/** CONFIG SET appendonly / appendfsync / wal-segment-size (and the RDB error's inputs). */
export function configChanged(name: string): void {
  if (name === 'save' || name === 'stop-writes-on-bgsave-error') refreshRdbError();
  if (name === 'appendonly') {
    if (config.bool('appendonly') && st.wal === null) {
      // Like Redis' AOF rewrite on `appendonly yes`: a snapshot is the base, the WAL continues from it.
      const e = saveSync();
      if (e !== null) log.error({ err: e }, 'snapshot for appendonly yes failed');
      openWal(null);
    } else if (!config.bool('appendonly') && st.wal !== null) closeWal();
  } else if (name === 'appendfsync' && st.wal !== null) {
    st.wal.fsync = config.str('appendfsync') as FsyncPolicy;
    st.wal.applyPolicy();
    st.wal.flush();
    st.wal.syncNow();
  } else if (name === 'wal-segment-size' && st.wal !== null) {
    st.wal.segmentSize = config.num('wal-segment-size');
  }
}

// ---- snapshots ----

export function snapshotInProgress(): boolean {
  return st.job !== null || st.deferredStart;
}

function startJob(background = true): SnapshotJob {
  // Records up to prop.seq are in the keyspace; the snapshot is the keyspace after that seq. A new
  // segment starts here (unless the current one is small), so recovery from this snapshot reads only
  // what follows it and retention can drop the segments before it whole.
  if (st.wal !== null) {
    if (st.wal.segBytes > 1 << 20) st.wal.rollNow();
    else st.wal.flush();
  }
  const job = new SnapshotJob(st.dataDir, prop.seq, background);
  st.job = job;
  st.lastBgsaveStart = Date.now();
  return job;
}

function finishJob(job: SnapshotJob, dirtyAtStart: number): SnapshotResult | string {
  try {
    const res = job.commit(st.dataDir);
    linkDumpFile(job);
    st.tier?.snapshotCommitted(job.finalDir);
    st.lastStatus = 'ok';
    refreshRdbError();
    st.lastSaveSeconds = Math.round(res.ms / 1000);
    st.lastSaveBytes = res.bytes;
    st.lastSnapshot = res.name;
    st.lastSnapshotSeq = res.seq;
    st.snapshotsDone++;
    serverStats.lastSave = Math.floor(Date.now() / 1000);
    serverStats.dirtyAtLastSave = dirtyAtStart;
    retention();
    log.info({ snapshot: res.name, keys: res.keys, bytes: res.bytes, ms: res.ms }, 'DB saved on disk');
    return res;
  } catch (e) {
    st.lastStatus = 'err';
    refreshRdbError();
    job.abort();
    log.error({ err: String(e) }, 'snapshot failed');
    return String(e);
  } finally {
    st.job = null;
  }
}

/** `<dir>/<dbfilename>` becomes the newest snapshot's dump.rdb (tools that copy dump.rdb keep working). */
function linkDumpFile(job: SnapshotJob): void {
  const target = path.join(st.dataDir, config.str('dbfilename'));
  const tmp = target + '.tmp-link';
  try {
    fs.rmSync(tmp, { force: true });
    fs.linkSync(path.join(job.finalDir, 'dump.rdb'), tmp);
    fs.renameSync(tmp, target);
  } catch (e) {
    log.warn({ err: String(e), file: target }, 'could not link dbfilename to the snapshot');
  }
}

/** Keeps snapshot-keep snapshots and drops WAL segments wholly below the oldest kept one. */
function retention(): void {
  const before = listSnapshots(st.dataDir).map((x) => x.dir);
  const oldest = pruneSnapshots(st.dataDir, config.num('snapshot-keep'));
  const after = new Set(listSnapshots(st.dataDir).map((x) => x.dir));
  st.tier?.removed(before.filter((d) => !after.has(d)));
  const segs = listSegments(walDir());
  const cur = st.wal?.segNo ?? Infinity;
  for (let i = 0; i + 1 < segs.length; i++) {
    if (segs[i].n >= cur) break;
    const nextFirst = firstSeqOf(segs[i + 1].file);
    if (nextFirst < 0 || nextFirst - 1 > oldest) break;
    const size = fs.statSync(segs[i].file).size;
    fs.rmSync(segs[i].file, { force: true });
    fs.rmSync(segs[i].file.replace(/\.bin$/, '.idx'), { force: true });
    st.tier?.removed([segs[i].file, segs[i].file.replace(/\.bin$/, '.idx')]);
    st.walBytesBase -= size;
    log.info({ segment: segs[i].n, lastSeq: nextFirst - 1 }, 'WAL segment removed (below the oldest kept snapshot)');
  }
  st.walBytesAtSnapshot = walBytes();
}

function walBytes(): number {
  return st.walBytesBase + (st.wal?.totalBytes ?? 0);
}

/** SAVE: the whole snapshot now, blocking. Returns an error text or null. */
export function saveSync(): string | null {
  if (snapshotInProgress()) return 'ERR Background save already in progress';
  const dirty = ksStats.dirty;
  let job: SnapshotJob | null = null;
  try {
    job = startJob(false);
    job.step(Infinity);
  } catch (e) {
    job?.abort();
    st.job = null;
    st.lastStatus = 'err';
    refreshRdbError();
    log.error({ err: String(e) }, 'SAVE failed');
    return 'ERR ' + String((e as Error).message ?? e);
  }
  const r = finishJob(job, dirty);
  return typeof r === 'string' ? 'ERR ' + r : null;
}

/** BGSAVE: a fork-less snapshot in steps between commands. */
export function bgsave(rewrite = false): void {
  if (prop.ops.length !== 0) {
    // Inside EXEC after writes: the snapshot must start after this unit has a seq (else it would hold
    // effects its seq says are still to be replayed).
    st.deferredStart = true;
    setImmediate(() => {
      st.deferredStart = false;
      bgsave(rewrite);
    });
    return;
  }
  const dirty = ksStats.dirty;
  if (rewrite) st.wal?.rollNow();
  st.jobIsRewrite = rewrite;
  const job = startJob();
  let lastEnd = performance.now();
  let lastCommands = serverStats.totalCommands;
  const tick = (): void => {
    if (st.job !== job) return; // aborted
    // Share the loop with clients: when commands ran since the last step, take half as long as they
    // had (0.1..1 ms: about a third of the CPU); an idle server gets 20 ms steps.
    const now = performance.now();
    const busy = serverStats.totalCommands !== lastCommands;
    const budget = busy ? Math.min(1, Math.max(0.1, (now - lastEnd) / 2)) : 20;
    // rdb-key-save-delay (µs per key, a Redis testing knob): the save is slowed without blocking clients.
    const delay = config.num('rdb-key-save-delay');
    let done: boolean;
    try {
      done = job.step(budget, delay > 0 ? Math.max(1, Math.floor(1000 / delay)) : Infinity);
      lastEnd = performance.now();
      lastCommands = serverStats.totalCommands;
    } catch (e) {
      st.lastStatus = 'err';
      refreshRdbError();
      job.abort();
      st.job = null;
      log.error({ err: String(e) }, 'Background saving error');
      return;
    }
    if (!done) {
      if (delay > 0) setTimeout(tick, 1);
      else setImmediate(tick);
      return;
    }
    const r = finishJob(job, dirty);
    if (typeof r !== 'string') {
      if (rewrite) st.rewritesDone++;
      log.info(rewrite ? 'Background AOF rewrite finished successfully' : 'Background saving terminated with success');
    }
    if (st.rewriteScheduled) {
      st.rewriteScheduled = false;
      st.scheduled = false;
      bgsave(true);
    } else if (st.scheduled) {
      st.scheduled = false;
      bgsave(false);
    }
  };
  setImmediate(tick);
}

/** BGSAVE [SCHEDULE]: Redis' reply texts. */
export function bgsaveCommand(schedule: boolean): { ok: string } | { err: string } {
  if (snapshotInProgress()) {
    if (schedule) {
      st.scheduled = true;
      return { ok: 'Background saving scheduled' };
    }
    return { err: 'ERR Background save already in progress' };
  }
  bgsave(false);
  return { ok: 'Background saving started' };
}

/** BGREWRITEAOF: a snapshot as the new base, then the WAL below it is dropped. */
export function bgrewriteaofCommand(): { ok: string } | { err: string } {
  if (snapshotInProgress()) {
    if (st.jobIsRewrite) return { err: 'ERR Background append only file rewriting already in progress' };
    st.rewriteScheduled = true;
    return { ok: 'Background append only file rewriting scheduled' };
  }
  bgsave(true);
  return { ok: 'Background append only file rewriting started' };
}

/** FLUSHALL: Redis stops a running save and saves the empty dataset when save points are configured. */
export function afterFlushAll(): void {
  if (st.job !== null) {
    st.job.abort();
    st.job = null;
  }
  if ((config.save as unknown[]).length > 0) {
    const e = saveSync();
    if (e !== null) log.error({ err: e }, 'FLUSHALL save failed');
  }
}

/** The once-a-second checks: `save` points and automatic WAL rewrites (auto-aof-rewrite-*). */
export function cron(): void {
  if (st.job !== null || persistState.loading) return;
  // A degraded backup is compared and recopied every 10 s until it is whole again.
  const tier = st.tier;
  if (tier !== null && tier.state === 'degraded' && Date.now() - lastResilver > 10000) {
    lastResilver = Date.now();
    tier.state = 'ok';
    tier.resilver();
  }
  const changes = ksStats.dirty - serverStats.dirtyAtLastSave;
  const elapsed = Date.now() / 1000 - serverStats.lastSave;
  for (const sp of config.save as { seconds: number; changes: number }[]) {
    // After a failed save Redis waits CONFIG_BGSAVE_RETRY_DELAY (5 s) before trying again.
    if (changes >= sp.changes && elapsed > sp.seconds && (st.lastStatus === 'ok' || Date.now() - st.lastBgsaveStart > 5000)) {
      log.info({ changes, seconds: sp.seconds }, `${sp.changes} changes in ${sp.seconds} seconds. Saving...`);
      bgsave(false);
      return;
    }
  }
  if (st.wal !== null) {
    const pct = config.num('auto-aof-rewrite-percentage');
    const min = config.num('auto-aof-rewrite-min-size');
    const size = walBytes();
    const base = Math.max(st.walBytesAtSnapshot, 1);
    if (pct > 0 && size > min && ((size - st.walBytesAtSnapshot) * 100) / base >= pct) {
      log.info({ walBytes: size }, 'Starting automatic rewriting of the WAL');
      bgsave(true);
    }
  }
}

let lastResilver = 0;

/** SHUTDOWN / SIGTERM: WAL synced; a snapshot when asked (or when save points exist and not NOSAVE). */
export function shutdownPersistence(save: boolean | null): string | null {
  if (st.job !== null) {
    st.job.abort();
    st.job = null;
  }
  st.wal?.flushSync();
  const wantSave = save === true || (save === null && (config.save as unknown[]).length > 0);
  let err: string | null = null;
  if (wantSave && st.dataDir !== '') {
    log.info('Saving the final snapshot before exiting.');
    err = saveSync();
  }
  closeWal();
  return err;
}

const MID_UNIT = 'ERR DEBUG RELOAD/LOADAOF after writes in the same transaction is not supported';

/** DEBUG RELOAD: snapshot, empty the keyspace, load the snapshot back (all blocking). */
export function debugReload(save: boolean): string | null {
  // After writes of the same transaction the snapshot would hold part of a unit its seq says is still
  // to replay (a restart would apply those writes twice).
  if (prop.ops.length !== 0) return MID_UNIT;
  if (save) {
    const e = saveSync();
    if (e !== null) return e;
  }
  const snap = listSnapshots(st.dataDir)[0];
  if (snap === undefined) return 'ERR Error trying to load the RDB dump, check server logs.';
  for (const db of keyspace.dbs) db.flush();
  setLoading(true, 'reload');
  try {
    runSync(loadRdbFile(snap.rdb));
    if (st.wal !== null && snap.seq < prop.seq) {
      // The keyspace after the snapshot: replay what the WAL holds past it.
      st.wal.flush();
      runSync(replayWal(walDir(), snap.seq));
    }
  } catch (e) {
    log.error({ err: String(e) }, 'DEBUG RELOAD failed');
    return 'ERR Error trying to load the RDB dump, check server logs.';
  } finally {
    setLoading(false);
  }
  return null;
}

/** DEBUG LOADAOF: the WAL is flushed and the keyspace rebuilt from snapshot + WAL. */
export function debugLoadAof(): string | null {
  if (st.wal === null) return null;
  if (prop.ops.length !== 0) return MID_UNIT;
  st.wal.flushSync();
  for (const db of keyspace.dbs) db.flush();
  setLoading(true, 'loadaof');
  try {
    const s = runSync(loadNewestSnapshot());
    runSync(replayWal(walDir(), s?.seq ?? 0));
  } catch (e) {
    log.error({ err: String(e) }, 'DEBUG LOADAOF failed');
    return 'ERR Error loading the AOF, check server logs.';
  } finally {
    setLoading(false);
  }
  return null;
}

// ---- INFO persistence ----

export function infoFields(): [string, string | number][] {
  const loading = persistState.loading;
  const elapsed = loading ? (Date.now() - st.loadingStart) / 1000 : 0;
  const perc = st.loadingTotal > 0 ? (st.loadingDone * 100) / st.loadingTotal : 0;
  const eta = loading && perc > 0 ? Math.round((elapsed * (100 - perc)) / perc) : 1;
  const job = st.job;
  const wal = st.wal;
  const fields: [string, string | number][] = [
    ['loading', loading ? 1 : 0],
    ['async_loading', 0],
    ['current_cow_peak', 0],
    ['current_cow_size', 0],
    ['current_cow_size_age', 0],
    ['current_fork_perc', job !== null && job.totalKeys > 0 ? ((job.keys * 100) / job.totalKeys).toFixed(2) : '0.00'],
    ['current_save_keys_processed', job?.keys ?? 0],
    ['current_save_keys_total', job?.totalKeys ?? 0],
  ];
  fields.push(
    ['rdb_changes_since_last_save', ksStats.dirty - serverStats.dirtyAtLastSave],
    ['rdb_bgsave_in_progress', job !== null ? 1 : 0],
    ['rdb_last_save_time', serverStats.lastSave],
    ['rdb_last_bgsave_status', st.lastStatus],
    ['rdb_last_bgsave_time_sec', st.lastSaveSeconds],
    ['rdb_current_bgsave_time_sec', job !== null ? Math.round((Date.now() - job.startedAt) / 1000) : -1],
    ['rdb_saves', st.snapshotsDone],
    ['rdb_last_cow_size', 0],
    ['rdb_last_load_keys_expired', st.loadedExpired],
    ['rdb_last_load_keys_loaded', st.loadedKeys],
    ['aof_enabled', wal !== null ? 1 : 0],
    ['aof_rewrite_in_progress', job !== null && st.jobIsRewrite ? 1 : 0],
    ['aof_rewrite_scheduled', st.rewriteScheduled ? 1 : 0],
    ['aof_last_rewrite_time_sec', -1],
    ['aof_current_rewrite_time_sec', -1],
    ['aof_last_bgrewrite_status', 'ok'],
    ['aof_rewrites', st.rewritesDone],
    ['aof_rewrites_consecutive_failures', 0],
    ['aof_last_write_status', persistState.writeError === '' ? 'ok' : 'err'],
    ['aof_last_cow_size', 0],
    ['module_fork_in_progress', 0],
    ['module_fork_last_cow_size', 0],
  );
  if (wal !== null) {
    fields.push(
      ['aof_current_size', walBytes()],
      ['aof_base_size', st.walBytesAtSnapshot],
      ['aof_pending_rewrite', 0],
      ['aof_buffer_length', wal.pendingBytes],
      ['aof_pending_bio_fsync', 0],
      ['aof_delayed_fsync', 0],
    );
  }
  // Redis' order: the loading_* fields follow the aof_* ones.
  if (loading) {
    fields.push(
      ['loading_start_time', Math.floor(st.loadingStart / 1000)],
      ['loading_total_bytes', st.loadingTotal],
      ['loading_rdb_used_mem', 0],
      ['loading_loaded_bytes', st.loadingDone],
      ['loading_loaded_perc', perc.toFixed(2)],
      ['loading_eta_seconds', eta],
      ['loading_phase', st.loadingPhase],
    );
  }
  fields.push(
    ['wal_fsync_policy', wal?.fsync ?? 'off'],
    ['wal_segment', wal?.segNo ?? -1],
    ['wal_segments', st.dataDir !== '' ? listSegments(walDir()).length : 0],
    ['wal_segment_bytes', wal?.segBytes ?? 0],
    ['wal_last_seq', prop.seq],
    ['wal_written_seq', wal?.writtenSeq ?? 0],
    ['wal_synced_seq', wal?.syncedSeq ?? 0],
    ['wal_fsyncs', wal?.fsyncCount ?? 0],
    ['wal_last_fsync_ms', wal !== null ? wal.lastFsyncMs.toFixed(3) : '0'],
    ['wal_last_fsync_time', wal !== null ? Math.floor(wal.lastFsyncAt / 1000) : 0],
    ['wal_last_write_error', wal?.lastWriteError ?? ''],
    ['snapshot_current', st.lastSnapshot],
    ['snapshot_current_seq', st.lastSnapshotSeq],
    ['recovered_from', st.recoveredFrom],
    ['recovered_wal_records', st.replayedRecords],
    ['wal_mirrored', wal !== null && wal.mirroring ? 1 : 0],
    ['wal_deferred_rolls', wal?.deferredRolls ?? 0],
    ['wal_checkpointer_pending', st.checkpointer?.pending() ?? 0],
    ['wal_indexed_segments', st.checkpointer?.stats().indexed ?? 0],
  );
  if (st.tier !== null) fields.push(...st.tier.info());
  else fields.push(['backup_state', 'off']);
  return fields;
}

/** The newest snapshot's RDB file (SYNC sends it), or null. */
export function lastSnapshotFile(): string | null {
  const s = listSnapshots(st.dataDir)[0];
  return s === undefined ? null : s.rdb;
}

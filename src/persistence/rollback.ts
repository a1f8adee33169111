// Rollback (`strata-server --rollback-to <seq|snapshot-name>`): go back to an earlier state on purpose.
// The target is validated before anything is touched: it must be reachable exactly (a snapshot at or
// below it that reads back whole, and an unbroken WAL from that snapshot up to the target). Then, in
// this order, so a crash midway leaves a state recovery still handles: snapshots above the target are
// removed (CURRENT first moves to the base), the WAL is cut right after the target's record, later
// segments are removed. Normal recovery then replays to exactly the target.
import * as fs from 'fs';
import * as path from 'path';
import { listSegments, readSegmentHeader, scanRecords } from './segment';
import { listSnapshots, snapshotsDir, writeFileAtomic, type SnapshotInfo } from './snapshot';
import { RdbFileReader } from '../keyspace/rdb/file';
import { log } from '../server/log';

export class RollbackError extends Error {}

export interface RollbackPlan {
  targetSeq: number;
  base: SnapshotInfo | null;
  dropSnapshots: SnapshotInfo[];
  /** The segment holding the target's record, cut at `cutAt`; later segments are removed. */
  cutSegment: { file: string; cutAt: number; size: number } | null;
  dropSegments: string[];
}

/** Reads a whole RDB file to check it is complete and its checksum matches. */
function rdbReadable(file: string): boolean {
  try {
    const r = new RdbFileReader(fs.readFileSync(file));
    for (;;) if (r.next().kind === 'end') return true;
  } catch {
    return false;
  }
}

/** Works out what a rollback to `target` must do, or throws RollbackError saying why it cannot. */
export function planRollback(dataDir: string, target: string): RollbackPlan {
  const snaps = listSnapshots(dataDir);
  let targetSeq: number;
  if (/^\d+$/.test(target)) targetSeq = Number(target);
  else {
    const s = snaps.find((x) => x.name === target);
    if (s === undefined) throw new RollbackError(`no snapshot named '${target}' in ${snapshotsDir(dataDir)}`);
    targetSeq = s.seq;
  }
  const walDir = path.join(dataDir, 'wal');
  const segs = listSegments(walDir).map((s) => {
    const h = readSegmentHeader(s.file);
    if (h === null) throw new RollbackError(`${s.file}: not a valid WAL segment`);
    return { ...s, firstSeq: h.firstSeq };
  });
  // The base: the newest readable snapshot at or below the target (or none when the WAL starts at 1).
  let base: SnapshotInfo | null = null;
  for (const s of snaps) {
    if (s.seq > targetSeq) continue;
    if (rdbReadable(s.rdb)) {
      base = s;
      break;
    }
    log.warn({ snapshot: s.name }, 'rollback: snapshot unreadable, not usable as a base');
  }
  const baseSeq = base?.seq ?? 0;
  if (base === null && (segs.length === 0 || segs[0].firstSeq !== 1) && targetSeq !== 0) {
    throw new RollbackError(`seq ${targetSeq} cannot be reached: no snapshot at or below it and the WAL does not start at seq 1`);
  }
  // Walk the WAL from the base to the target, checking every seq is there.
  let expected = baseSeq + 1;
  let cut: RollbackPlan['cutSegment'] = null;
  const drop: string[] = [];
  if (targetSeq > baseSeq) {
    let start = -1;
    for (let i = 0; i < segs.length; i++) if (segs[i].firstSeq <= expected) start = i;
    if (start === -1) throw new RollbackError(`seq ${targetSeq} cannot be reached: the WAL has no record ${expected}`);
    for (let i = start; i < segs.length && cut === null; i++) {
      const buf = fs.readFileSync(segs[i].file);
      let cutAt = -1;
      const end = scanRecords(buf, (r) => {
        if (cutAt !== -1 || r.seq < expected) return;
        if (r.seq !== expected) throw new RollbackError(`${segs[i].file}: gap at offset ${r.offset} (seq ${r.seq}, expected ${expected})`);
        if (r.seq === targetSeq) cutAt = r.end;
        expected++;
      });
      if (cutAt !== -1) {
        cut = { file: segs[i].file, cutAt, size: buf.length };
        for (let j = i + 1; j < segs.length; j++) drop.push(segs[j].file);
      } else if (end.kind !== 'eof') {
        throw new RollbackError(`${segs[i].file}: damaged at offset ${end.offset} (${end.reason}) before seq ${targetSeq}`);
      }
    }
    if (cut === null) throw new RollbackError(`seq ${targetSeq} cannot be reached: the WAL ends at seq ${expected - 1}`);
  } else {
    // The target is the base snapshot itself: every segment starting after it goes; the one holding
    // seq base+1 is cut before that record.
    for (const s of segs) {
      if (s.firstSeq > targetSeq + 1) drop.push(s.file);
      else {
        const buf = fs.readFileSync(s.file);
        let cutAt = -1;
        scanRecords(buf, (r) => {
          if (cutAt === -1 && r.seq > targetSeq) cutAt = r.offset;
        });
        if (cutAt !== -1) cut = { file: s.file, cutAt, size: buf.length };
      }
    }
  }
  return { targetSeq, base, dropSnapshots: snaps.filter((s) => s.seq > targetSeq), cutSegment: cut, dropSegments: drop };
}

/** Carries a plan out and logs what was dropped. */
export function applyRollback(dataDir: string, plan: RollbackPlan): void {
  const sd = snapshotsDir(dataDir);
  if (plan.base !== null) writeFileAtomic(path.join(sd, 'CURRENT'), plan.base.name + '\n');
  else fs.rmSync(path.join(sd, 'CURRENT'), { force: true });
  for (const s of plan.dropSnapshots) {
    fs.rmSync(s.dir, { recursive: true, force: true });
    log.warn({ snapshot: s.name, seq: s.seq }, 'rollback: snapshot removed');
  }
  for (const f of plan.dropSegments.slice().reverse()) {
    fs.rmSync(f, { force: true });
    fs.rmSync(f.replace(/\.bin$/, '.idx'), { force: true });
    log.warn({ segment: f }, 'rollback: WAL segment removed');
  }
  if (plan.cutSegment !== null && plan.cutSegment.cutAt < plan.cutSegment.size) {
    fs.truncateSync(plan.cutSegment.file, plan.cutSegment.cutAt);
    fs.rmSync(plan.cutSegment.file.replace(/\.bin$/, '.idx'), { force: true });
    log.warn(
      { segment: plan.cutSegment.file, offset: plan.cutSegment.cutAt, droppedBytes: plan.cutSegment.size - plan.cutSegment.cutAt },
      'rollback: WAL truncated after the target',
    );
  }
  // A dump.rdb link to a removed snapshot must not be mistaken for the current state.
  log.warn({ targetSeq: plan.targetSeq, base: plan.base?.name ?? null }, 'rollback done: recovery replays to the target');
}

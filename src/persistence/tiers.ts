// The backup tier (`backup-dir`, seed 003 TierStore): a second copy of the WAL and the snapshots.
//
// - The current WAL segment is mirrored record by record by the writer (wal.ts `mirrorDir`): with
//   appendfsync always a write is acknowledged only once both copies are fsynced.
// - Closed segments, index files and snapshots are copied after they are complete (tmp, fsync,
//   rename), in the background, one at a time.
// - At start (and after a backup failure) a resilver compares both trees and copies what the backup
//   lacks or holds at another size, with progress in INFO; files the primary dropped (retention,
//   rollback) are dropped from the backup too.
// - `--recover-from-backup` replaces the primary's WAL and snapshots with the backup's before recovery.
// A failing backup never stops the primary: it is marked degraded in INFO and resilvered later.
import * as fs from 'fs';
import * as path from 'path';
import { log } from '../server/log';
import { replaceFileDurably } from '../util/fsync';

export type BackupState = 'off' | 'ok' | 'resilvering' | 'degraded';

interface CopyJob {
  rel: string;
  size: number;
  /** Part of a resilver (counts toward its progress). */
  resilver?: boolean;
}

/** Files under wal/ and snapshots/ (relative paths), without temporaries. */
function listTree(root: string): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (rel: string): void => {
    let names: string[];
    try {
      names = fs.readdirSync(path.join(root, rel));
    } catch {
      return;
    }
    for (const n of names) {
      if (n.endsWith('.tmp') || n.startsWith('tmp-') || n.endsWith('.tmp-link')) continue;
      const r = path.join(rel, n);
      const st = fs.statSync(path.join(root, r), { throwIfNoEntry: false });
      if (st === undefined) continue;
      if (st.isDirectory()) walk(r);
      else out.set(r, st.size);
    }
  };
  walk('wal');
  walk('snapshots');
  return out;
}

function copyFileDurable(src: string, dst: string): void {
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  replaceFileDurably(dst, { src });
}

export class BackupTier {
  readonly primary: string;
  readonly backup: string;
  state: BackupState = 'ok';
  private queue: CopyJob[] = [];
  private running = false;
  resilverTotal = 0;
  resilverDone = 0;
  copies = 0;
  lastError = '';
  /** Relative path of the current (mirrored) segment: the resilver leaves it to the writer. */
  activeSegment = '';

  constructor(primary: string, backup: string) {
    this.primary = path.resolve(primary);
    this.backup = path.resolve(backup);
    fs.mkdirSync(path.join(this.backup, 'wal'), { recursive: true });
    fs.mkdirSync(path.join(this.backup, 'snapshots'), { recursive: true });
  }

  /** Compares both trees and queues what the backup lacks or holds stale; removes what the primary dropped. */
  resilver(): void {
    const p = listTree(this.primary);
    const b = listTree(this.backup);
    for (const [rel] of b) {
      if (!p.has(rel)) {
        fs.rmSync(path.join(this.backup, rel), { force: true });
        this.pruneEmptyDir(rel);
      }
    }
    const jobs: CopyJob[] = [];
    for (const [rel, size] of p) {
      if (rel === this.activeSegment) continue;
      if (rel.endsWith('CURRENT')) continue; // written last, after its snapshot
      if (b.get(rel) !== size) jobs.push({ rel, size });
    }
    const cur = path.join('snapshots', 'CURRENT');
    if (p.has(cur)) jobs.push({ rel: cur, size: p.get(cur)! });
    if (jobs.length === 0) {
      if (this.state !== 'degraded') this.state = 'ok';
      return;
    }
    this.state = 'resilvering';
    this.resilverTotal = jobs.reduce((a, j) => a + j.size, 0);
    this.resilverDone = 0;
    log.info({ files: jobs.length, bytes: this.resilverTotal, backup: this.backup }, 'backup: resilvering');
    for (const j of jobs) this.enqueue(j.rel, true);
  }

  private pruneEmptyDir(rel: string): void {
    const dir = path.dirname(path.join(this.backup, rel));
    if (path.basename(path.dirname(dir)) !== 'snapshots') return;
    try {
      if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
    } catch {
      /* not empty or gone */
    }
  }

  /** Copies one file of the primary (relative path) to the backup, in the background. */
  enqueue(rel: string, resilver = false): void {
    let size = 0;
    try {
      size = fs.statSync(path.join(this.primary, rel)).size;
    } catch {
      return;
    }
    this.queue.push({ rel, size, resilver });
    if (!this.running) {
      this.running = true;
      setImmediate(() => this.pump());
    }
  }

  /** Copies every file of a completed snapshot directory, CURRENT last. */
  snapshotCommitted(snapshotDir: string): void {
    const rel = path.relative(this.primary, snapshotDir);
    for (const n of fs.readdirSync(snapshotDir)) this.enqueue(path.join(rel, n));
    this.enqueue(path.join('snapshots', 'CURRENT'));
  }

  /** The primary removed these (retention, rollback): so does the backup. */
  removed(absPaths: string[]): void {
    for (const a of absPaths) {
      const rel = path.relative(this.primary, a);
      fs.rmSync(path.join(this.backup, rel), { recursive: true, force: true });
    }
  }

  private pump(): void {
    const job = this.queue.shift();
    if (job === undefined) {
      this.running = false;
      if (this.state === 'resilvering') {
        this.state = 'ok';
        log.info({ bytes: this.resilverDone }, 'backup: resilver done');
      }
      return;
    }
    try {
      const src = path.join(this.primary, job.rel);
      if (fs.existsSync(src)) {
        copyFileDurable(src, path.join(this.backup, job.rel));
        this.copies++;
      }
      if (job.resilver === true) this.resilverDone += job.size;
    } catch (e) {
      this.lastError = String(e);
      if (this.state !== 'degraded') log.error({ err: String(e), file: job.rel }, 'backup: copy failed; the backup is degraded until a resilver');
      this.state = 'degraded';
    }
    setImmediate(() => this.pump());
  }

  info(): [string, string | number][] {
    const perc = this.resilverTotal > 0 ? (this.resilverDone * 100) / this.resilverTotal : 100;
    return [
      ['backup_dir', this.backup],
      ['backup_state', this.state],
      ['backup_resilver_total_bytes', this.resilverTotal],
      ['backup_resilver_done_bytes', this.resilverDone],
      ['backup_resilver_perc', perc.toFixed(2)],
      ['backup_copies', this.copies],
      ['backup_queue', this.queue.length],
      ['backup_last_error', this.lastError],
    ];
  }
}

/** `--recover-from-backup`: the backup's WAL and snapshots replace the primary's (kept aside as *.replaced). */
export function restoreFromBackup(primary: string, backup: string): void {
  if (!fs.existsSync(backup)) throw new Error(`backup-dir ${backup} does not exist`);
  const stamp = Date.now();
  for (const sub of ['wal', 'snapshots']) {
    const p = path.join(primary, sub);
    if (fs.existsSync(p)) fs.renameSync(p, `${p}.replaced-${stamp}`);
    const files = [...listTree(backup).keys()].filter((r) => r.startsWith(sub + path.sep));
    fs.mkdirSync(p, { recursive: true });
    for (const rel of files) copyFileDurable(path.join(backup, rel), path.join(primary, rel));
  }
  // A dump.rdb link from before would be mistaken for a Redis file to import: the snapshots rule.
  log.warn({ backup, replacedSuffix: `.replaced-${stamp}` }, 'recovering from the backup: its WAL and snapshots replace the primary ones');
}

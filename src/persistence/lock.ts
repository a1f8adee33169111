// The data-directory lock: one server per `dir`. `<dir>/strata.lock` holds the owner's pid; it is
// created exclusively, so of two servers starting at once one wins. A lock whose pid is no longer a
// running Strata (node) process is stale and taken over.
import * as fs from 'fs';
import * as path from 'path';

export const LOCK_FILE = 'strata.lock';

export class LockHeldError extends Error {
  constructor(
    readonly pid: number,
    readonly file: string,
  ) {
    super(`the data directory is in use by another Strata server (pid ${pid}, lock file ${file})`);
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false; // our own pid from an earlier life of this container
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A recycled pid belongs to some other program: only a node process can be a Strata server.
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    return /node|strata/.test(cmd);
  } catch {
    return true;
  }
}

/** Takes the lock of `dir` or throws LockHeldError. Returns a release function. */
export function lockDataDir(dir: string): () => void {
  const file = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, `${process.pid}\n`);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          if (Number(fs.readFileSync(file, 'latin1').trim()) === process.pid) fs.unlinkSync(file);
        } catch {
          /* gone already */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let pid = NaN;
    try {
      pid = Number(fs.readFileSync(file, 'latin1').trim());
    } catch {
      continue; // removed meanwhile: try again
    }
    if (alive(pid)) throw new LockHeldError(pid, file);
    // Stale: remove it and retry the exclusive create (another starter may win that race).
    try {
      fs.unlinkSync(file);
    } catch {
      /* someone else removed it */
    }
  }
  throw new Error(`could not take the data directory lock ${file}`);
}

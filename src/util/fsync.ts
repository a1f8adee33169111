// Durable file-system steps shared by the persistence layer and the range-index catalog.
import * as fs from 'fs';
import * as path from 'path';

/** fsync of a directory, so a created or renamed entry survives a power loss. */
export function fsyncDir(dir: string): void {
  let fd = -1;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* some file systems refuse a directory fsync; the rename is still atomic */
  } finally {
    if (fd !== -1) fs.closeSync(fd);
  }
}

/** Replaces `file` atomically with `data` or a copy of `src`: tmp, fsync, rename, fsync of the directory. */
export function replaceFileDurably(file: string, from: { data: string | Buffer } | { src: string }): void {
  const tmp = file + '.tmp';
  if ('src' in from) fs.copyFileSync(from.src, tmp);
  const fd = fs.openSync(tmp, 'src' in from ? 'r+' : 'w');
  try {
    if ('data' in from) fs.writeSync(fd, typeof from.data === 'string' ? Buffer.from(from.data, 'latin1') : from.data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}

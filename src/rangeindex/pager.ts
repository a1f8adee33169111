// Page I/O. FilePager: one fd, positioned reads/writes (page n at n * pageSize). MemPager: MEMORY backend,
// pages never leave the buffer pool, so it has no storage at all.
import * as fs from 'fs';

export interface Pager {
  readonly pageSize: number;
  /** Read page `id` into buf (exactly pageSize bytes). Throws on a short read. */
  read(id: number, buf: Buffer): void;
  /** Write pages; ids sorted ascending. Adjacent ids are coalesced into one writev. */
  writeRun(ids: number[], bufs: Buffer[]): void;
  write(id: number, buf: Buffer): void;
  sync(): void;
  size(): number;
  close(): void;
}

// Open tree files are bounded: a server with many range indexes must not run out of file descriptors
// (accepting clients needs them too). The least recently used files are closed and reopened on their
// next page I/O; a closed file costs nothing but its name.
export const MAX_OPEN_TREE_FILES = 512;
let maxOpen = MAX_OPEN_TREE_FILES;
/** Open FilePagers, least recently used first (a Set iterates in insertion order). */
const openPagers = new Set<FilePager>();
let mru: FilePager | null = null;

/** Changes the bound (tests; a future config directive). Closes files above it now. */
export function setMaxOpenTreeFiles(n: number): void {
  maxOpen = Math.max(1, n);
  trimOpen();
}
export function openTreeFiles(): number {
  return openPagers.size;
}
function trimOpen(): void {
  while (openPagers.size > maxOpen) {
    const victim = openPagers.values().next().value as FilePager;
    victim.suspend();
  }
}

export class FilePager implements Pager {
  private fd = -1;
  private closed = false;
  constructor(readonly path: string, readonly pageSize: number, create: boolean) {
    this.fd = fs.openSync(path, create ? 'w+' : 'r+');
    this.track();
  }

  private track(): void {
    openPagers.add(this);
    mru = this;
    trimOpen();
  }

  /** The fd, reopening the file if the open-file bound closed it. */
  private get f(): number {
    if (this.fd >= 0) {
      if (mru !== this) {
        openPagers.delete(this);
        openPagers.add(this);
        mru = this;
      }
      return this.fd;
    }
    if (this.closed) throw new Error(`rangeindex: ${this.path} is closed`);
    this.fd = fs.openSync(this.path, 'r+');
    this.track();
    return this.fd;
  }

  /** Closes the fd but not the pager (open-file bound); the next I/O reopens it. */
  suspend(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
    openPagers.delete(this);
    if (mru === this) mru = null;
  }

  read(id: number, buf: Buffer): void {
    const n = fs.readSync(this.f, buf, 0, this.pageSize, id * this.pageSize);
    if (n !== this.pageSize) throw new Error(`rangeindex: short read of page ${id} (file truncated?)`);
  }

  write(id: number, buf: Buffer): void {
    const n = fs.writeSync(this.f, buf, 0, this.pageSize, id * this.pageSize);
    if (n !== this.pageSize) throw new Error(`rangeindex: short write of page ${id}`);
  }

  writeRun(ids: number[], bufs: Buffer[]): void {
    let i = 0;
    while (i < ids.length) {
      let j = i + 1;
      while (j < ids.length && ids[j] === ids[j - 1] + 1 && j - i < 64) j++;
      if (j - i === 1) this.write(ids[i], bufs[i]);
      else {
        const run = bufs.slice(i, j);
        const want = (j - i) * this.pageSize;
        const n = fs.writevSync(this.f, run, ids[i] * this.pageSize);
        if (n !== want) {
          // Partial writev is legal; finish page by page.
          for (let k = i; k < j; k++) this.write(ids[k], bufs[k]);
        }
      }
      i = j;
    }
  }

  sync(): void {
    // A suspended file was fully written before its fd closed; close() does not flush to disk, so sync
    // reopens it rather than skipping (fdatasync covers writes made through any fd of the file).
    fs.fdatasyncSync(this.f);
  }

  size(): number {
    if (this.closed) return 0;
    if (this.fd >= 0) return fs.fstatSync(this.fd).size;
    try {
      return fs.statSync(this.path).size;
    } catch {
      return 0;
    }
  }

  close(): void {
    this.suspend();
    this.closed = true;
  }
}

export class MemPager implements Pager {
  constructor(readonly pageSize: number) {}
  read(id: number): void {
    throw new Error(`rangeindex: MEMORY page ${id} is not resident (bug)`);
  }
  write(): void {}
  writeRun(): void {}
  sync(): void {}
  size(): number {
    return 0;
  }
  close(): void {}
}

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

export class FilePager implements Pager {
  private fd: number;
  constructor(readonly path: string, readonly pageSize: number, create: boolean) {
    this.fd = fs.openSync(path, create ? 'w+' : 'r+');
  }

  read(id: number, buf: Buffer): void {
    const n = fs.readSync(this.fd, buf, 0, this.pageSize, id * this.pageSize);
    if (n !== this.pageSize) throw new Error(`rangeindex: short read of page ${id} (file truncated?)`);
  }

  write(id: number, buf: Buffer): void {
    const n = fs.writeSync(this.fd, buf, 0, this.pageSize, id * this.pageSize);
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
        const n = fs.writevSync(this.fd, run, ids[i] * this.pageSize);
        if (n !== want) {
          // Partial writev is legal; finish page by page.
          for (let k = i; k < j; k++) this.write(ids[k], bufs[k]);
        }
      }
      i = j;
    }
  }

  sync(): void {
    fs.fdatasyncSync(this.fd);
  }

  size(): number {
    return this.fd < 0 ? 0 : fs.fstatSync(this.fd).size;
  }

  close(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
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

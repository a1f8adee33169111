import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RangeTree, RangeTreeFullError, TreeSnapshot } from '../../src/rangeindex/tree';
import { maxKeyLen, maxRecordLen } from '../../src/rangeindex/page';
import { setMaxOpenTreeFiles, openTreeFiles, MAX_OPEN_TREE_FILES } from '../../src/rangeindex/pager';
import { rng } from '../helpers/rng';

// ---- helpers ----

const ALPHA = [0x00, 0x01, 0x61, 0x62, 0x7f, 0xfe, 0xff];
function randKey(r: () => number, maxLen: number): Buffer {
  const n = Math.floor(r() * (maxLen + 1));
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = ALPHA[Math.floor(r() * ALPHA.length)];
  return b;
}
function randVal(r: () => number, maxLen: number): Buffer {
  const n = Math.floor(r() * (maxLen + 1));
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

/** Sorted model: latin1 strings order exactly like bytes. */
class Model {
  map = new Map<string, Buffer>();
  keys: string[] = [];
  private pos(k: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (this.keys[m] < k) lo = m + 1;
      else hi = m;
    }
    return lo;
  }
  set(k: Buffer, v: Buffer): boolean {
    const s = k.toString('latin1');
    const had = this.map.has(s);
    this.map.set(s, Buffer.from(v));
    if (!had) this.keys.splice(this.pos(s), 0, s);
    return !had;
  }
  delete(k: Buffer): boolean {
    const s = k.toString('latin1');
    if (!this.map.delete(s)) return false;
    this.keys.splice(this.pos(s), 1);
    return true;
  }
  get(k: Buffer): Buffer | null {
    return this.map.get(k.toString('latin1')) ?? null;
  }
  countRange(a: Buffer, b: Buffer): number {
    const sa = a.toString('latin1');
    const sb = b.toString('latin1');
    if (sa > sb) return 0;
    let hi = this.pos(sb);
    if (hi < this.keys.length && this.keys[hi] === sb) hi++;
    return hi - this.pos(sa);
  }
  scan(a: Buffer, b: Buffer | null, limit: number): string[] {
    const out: string[] = [];
    const sb = b === null ? null : b.toString('latin1');
    for (let i = this.pos(a.toString('latin1')); i < this.keys.length && out.length < limit; i++) {
      if (sb !== null && this.keys[i] > sb) break;
      const k = this.keys[i];
      out.push(k + '=' + this.map.get(k)!.toString('hex'));
    }
    return out;
  }
  clone(): Model {
    const m = new Model();
    m.map = new Map(this.map);
    m.keys = this.keys.slice();
    return m;
  }
}

/** n random sets (70%) and deletes (30%) of short keys, applied to the tree and the model alike. */
function randomWrites(t: RangeTree, m: Model, r: () => number, n: number): void {
  for (let i = 0; i < n; i++) {
    const k = randKey(r, 6);
    if (r() < 0.3) expect(t.delete(k)).toBe(m.delete(k));
    else {
      const v = randVal(r, 12);
      expect(t.set(k, v)).toBe(m.set(k, v));
    }
  }
}

type Reader = Pick<RangeTree, 'get' | 'scan' | 'countRange'> & { count(): number };

function scanAll(t: Reader, a: Buffer = Buffer.alloc(0), b: Buffer | null = null, limit = Infinity): string[] {
  const out: string[] = [];
  t.scan(a, b, limit, (k, v) => out.push(k.toString('latin1') + '=' + v.toString('hex')));
  return out;
}

function expectSame(t: Reader, m: Model): void {
  expect(t.count()).toBe(m.keys.length);
  const got = scanAll(t);
  expect(got.length).toBe(m.keys.length);
  expect(got).toEqual(m.scan(Buffer.alloc(0), null, Infinity));
}

let dirs: string[] = [];
function tmpFile(name = 't.ri'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ri-test-'));
  dirs.push(d);
  return path.join(d, name);
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** Abandon a tree without commit or close (simulates a crash for the file). */
function crash(t: RangeTree): void {
  (t as unknown as { pager: { close(): void } }).pager.close();
}

interface RunOpts {
  seed: number;
  ops: number;
  pageSize: number;
  cacheFrames: number;
  keyLen: number;
  valLen: number;
  file: boolean;
  delBias?: number; // probability of delete
}

function randomRun(o: RunOpts): { tree: RangeTree; model: Model } {
  const r = rng(o.seed);
  const p = o.file ? tmpFile() : null;
  const cacheBytes = o.cacheFrames * o.pageSize;
  let t = RangeTree.create(p, { pageSize: o.pageSize, cacheBytes });
  const m = new Model();
  let committed = m.clone();
  for (let i = 0; i < o.ops; i++) {
    const x = r();
    const k = randKey(r, o.keyLen);
    if (x < (o.delBias ?? 0.3)) {
      expect(t.delete(k)).toBe(m.delete(k));
    } else if (x < 0.75) {
      const v = randVal(r, o.valLen);
      expect(t.set(k, v)).toBe(m.set(k, v));
    } else if (x < 0.85) {
      const g = t.get(k);
      const e = m.get(k);
      if (e === null) expect(g).toBeNull();
      else expect(g && g.equals(e)).toBe(true);
    } else if (x < 0.9) {
      const k2 = randKey(r, o.keyLen);
      expect(t.countRange(k, k2)).toBe(m.countRange(k, k2));
    } else if (x < 0.95) {
      const k2 = r() < 0.2 ? null : randKey(r, o.keyLen);
      const lim = 1 + Math.floor(r() * 40);
      expect(scanAll(t, k, k2, lim)).toEqual(m.scan(k, k2, lim));
    } else if (x < 0.98) {
      t.commit();
      committed = m.clone();
    } else if (p !== null && x < 0.99) {
      // reopen: half the time after close (commits), half after a crash (uncommitted tail lost)
      if (r() < 0.5) {
        t.close();
        committed = m.clone();
      } else {
        crash(t);
        const mm = committed.clone();
        m.map = mm.map;
        m.keys = mm.keys;
      }
      t = RangeTree.open(p, { cacheBytes });
      expectSame(t, m);
    }
    if (i % 500 === 0) t.verify();
  }
  t.verify();
  expectSame(t, m);
  return { tree: t, model: m };
}

describe('RangeTree random operations vs model', () => {
  test.each([
    ['256B pages, 16-frame cache, file', { seed: 1, ops: 6000, pageSize: 256, cacheFrames: 16, keyLen: 8, valLen: 24, file: true }],
    ['512B pages, 16-frame cache, file, long values', { seed: 2, ops: 4000, pageSize: 512, cacheFrames: 16, keyLen: 10, valLen: 200, file: true }],
    ['4K pages, file', { seed: 3, ops: 6000, pageSize: 4096, cacheFrames: 64, keyLen: 12, valLen: 64, file: true }],
    ['256B pages, MEMORY', { seed: 4, ops: 6000, pageSize: 256, cacheFrames: 100000, keyLen: 8, valLen: 24, file: false }],
  ])('%s', (_name, o) => {
    const { tree } = randomRun(o as RunOpts);
    tree.destroy();
  });

  test('tree many times larger than a 16-frame cache, then delete everything (merges down to empty)', () => {
    const p = tmpFile();
    const ps = 256;
    const t = RangeTree.create(p, { pageSize: ps, cacheBytes: 16 * ps });
    const m = new Model();
    const r = rng(7);
    const keys: Buffer[] = [];
    for (let i = 0; i < 8000; i++) {
      const k = Buffer.from(`key:${Math.floor(r() * 1e9).toString(36)}:${i}`);
      keys.push(k);
      const v = randVal(r, 20);
      expect(t.set(k, v)).toBe(m.set(k, v));
      if (i % 1000 === 999) t.commit();
    }
    const s = t.stats();
    expect(s.pages).toBeGreaterThan(30 * 16);
    expect(s.evictions).toBeGreaterThan(0);
    expect(s.pagesCached).toBeLessThanOrEqual(16 + 16);
    t.verify();
    expectSame(t, m);
    const height = s.height;
    expect(height).toBeGreaterThanOrEqual(4);
    // delete in random order
    for (let i = keys.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [keys[i], keys[j]] = [keys[j], keys[i]];
    }
    for (let i = 0; i < keys.length; i++) {
      expect(t.delete(keys[i])).toBe(m.delete(keys[i]));
      if (i % 700 === 0) {
        t.verify();
        t.commit();
      }
    }
    t.verify();
    expect(t.count()).toBe(0);
    expect(t.stats().height).toBe(1);
    expect(scanAll(t)).toEqual([]);
    t.commit();
    t.commit();
    // the space comes back: live pages are just the root plus free-list pages
    const st = t.stats();
    expect(st.pages).toBeLessThan(st.freePages / 10 + 5);
    t.close();
    const u = RangeTree.open(p, { cacheBytes: 16 * ps });
    expect(u.count()).toBe(0);
    // file does not grow while reusing free pages
    const size = fs.statSync(p).size;
    for (let i = 0; i < 2000; i++) u.set(Buffer.from(`again${i}`), Buffer.from('x'));
    u.commit();
    expect(fs.statSync(p).size).toBe(size);
    u.verify();
    u.destroy();
  });

  test('big records force three-way leaf splits', () => {
    const ps = 512;
    const t = RangeTree.create(tmpFile(), { pageSize: ps, cacheBytes: 16 * ps });
    const m = new Model();
    const r = rng(11);
    for (let i = 0; i < 1500; i++) {
      const k = randKey(r, 10);
      const big = r() < 0.3;
      const vlen = big ? maxRecordLen(ps) - k.length : Math.floor(r() * 150);
      const v = Buffer.alloc(vlen, i & 0xff);
      expect(t.set(k, v)).toBe(m.set(k, v));
      if (r() < 0.3) {
        const d = randKey(r, 10);
        expect(t.delete(d)).toBe(m.delete(d));
      }
      if (i % 100 === 0) t.verify();
    }
    t.verify();
    expectSame(t, m);
    t.destroy();
  });

  test('ascending inserts fill pages (no half-empty pages behind an append)', () => {
    const ps = 4096;
    const t = RangeTree.create(null, { pageSize: ps, cacheBytes: 64 << 20 });
    let bytes = 0;
    for (let i = 0; i < 20000; i++) {
      const k = Buffer.from(`element:${String(i).padStart(12, '0')}`);
      const v = Buffer.from('vvvvvvvv');
      t.set(k, v);
      bytes += k.length + v.length + 6; // record header + slot
    }
    t.verify();
    const leavesIfFull = Math.ceil(bytes / (ps - 24));
    expect(t.stats().pages).toBeLessThan(leavesIfFull * 1.1);
    t.destroy();
  });

  test('empty key, 0x00/0xff keys, prefixes', () => {
    const t = RangeTree.create(null, { pageSize: 256, cacheBytes: 1 << 20 });
    const keys = [Buffer.alloc(0), Buffer.from([0]), Buffer.from([0, 0]), Buffer.from([0xff]), Buffer.from([0xff, 0xff]), Buffer.from([0x7f, 0]), Buffer.from('a'), Buffer.from('a\x00')];
    keys.forEach((k, i) => expect(t.set(k, Buffer.from([i]))).toBe(true));
    expect(t.set(Buffer.alloc(0), Buffer.from('empty'))).toBe(false);
    expect(t.get(Buffer.alloc(0))!.toString()).toBe('empty');
    const order = scanAll(t).map((s) => Buffer.from(s.split('=')[0], 'latin1').toString('hex'));
    expect(order).toEqual(['', '00', '0000', '61', '6100', '7f00', 'ff', 'ffff']);
    expect(t.countRange(Buffer.alloc(0), Buffer.alloc(0))).toBe(1);
    expect(t.countRange(Buffer.alloc(0), Buffer.from([0xff, 0xff, 0xff]))).toBe(8);
    expect(t.countRange(Buffer.from([0xff]), Buffer.from([0]))).toBe(0);
    expect(t.delete(Buffer.alloc(0))).toBe(true);
    expect(t.get(Buffer.alloc(0))).toBeNull();
    t.destroy();
  });

  test('size limits throw clear errors', () => {
    const t = RangeTree.create(null, { pageSize: 256, cacheBytes: 1 << 20 });
    expect(() => t.set(Buffer.alloc(maxKeyLen(256) + 1), Buffer.alloc(0))).toThrow(/key of/);
    expect(() => t.set(Buffer.alloc(10), Buffer.alloc(maxRecordLen(256) - 9))).toThrow(/does not fit/);
    t.set(Buffer.alloc(maxKeyLen(256), 1), Buffer.alloc(maxRecordLen(256) - maxKeyLen(256)));
    expect(t.count()).toBe(1);
    t.destroy();
  });
});

describe('MEMORY trees', () => {
  test('RangeTreeFullError leaves the tree unchanged', () => {
    const ps = 256;
    const t = RangeTree.create(null, { pageSize: ps, cacheBytes: 32 * ps });
    const m = new Model();
    let full = 0;
    for (let i = 0; i < 3000; i++) {
      const k = Buffer.from(`k${(i * 7919) % 3000}`);
      const v = Buffer.from(`value-${i}`);
      try {
        expect(t.set(k, v)).toBe(m.set(k, v));
      } catch (e) {
        expect(e).toBeInstanceOf(RangeTreeFullError);
        full++;
      }
    }
    expect(full).toBeGreaterThan(0);
    expect(t.stats().pagesCached).toBeLessThanOrEqual(32);
    t.verify();
    expectSame(t, m);
    // deletes still work when full, and free room again
    for (const k of m.keys.slice(0, 200)) expect(t.delete(Buffer.from(k, 'latin1'))).toBe(m.delete(Buffer.from(k, 'latin1')));
    t.commit();
    expect(t.set(Buffer.from('new'), Buffer.from('v'))).toBe(true);
    m.set(Buffer.from('new'), Buffer.from('v'));
    expectSame(t, m);
    t.destroy();
  });

  test('snapshots on a MEMORY tree stay frozen', () => {
    const t = RangeTree.create(null, { pageSize: 512, cacheBytes: 1 << 22 });
    const m = new Model();
    for (let i = 0; i < 2000; i++) m.set(Buffer.from(`k${i}`), Buffer.from(`v${i}`)) && t.set(Buffer.from(`k${i}`), Buffer.from(`v${i}`));
    const snap = t.snapshot();
    const frozen = m.clone();
    for (let i = 0; i < 2000; i += 3) {
      t.delete(Buffer.from(`k${i}`));
      m.delete(Buffer.from(`k${i}`));
      t.set(Buffer.from(`k${i + 1}`), Buffer.from('changed'));
      m.set(Buffer.from(`k${i + 1}`), Buffer.from('changed'));
    }
    expectSame(snap, frozen);
    expectSame(t, m);
    snap.release();
    t.commit();
    t.verify();
    t.destroy();
  });

  test('bulkLoad into MEMORY beyond its size throws RangeTreeFullError', () => {
    let i = 0;
    expect(() =>
      RangeTree.bulkLoad(null, { pageSize: 256, cacheBytes: 16 * 256 }, () => (i < 5000 ? [Buffer.from(`k${String(i++).padStart(6, '0')}`), Buffer.from('v')] : null)),
    ).toThrow(RangeTreeFullError);
  });
});

describe('snapshots', () => {
  test('stay frozen while writers continue; their pages are not reused until release', () => {
    const ps = 256;
    const p = tmpFile();
    const t = RangeTree.create(p, { pageSize: ps, cacheBytes: 16 * ps });
    const m = new Model();
    const r = rng(21);
    for (let i = 0; i < 3000; i++) {
      const k = randKey(r, 7);
      const v = randVal(r, 16);
      t.set(k, v);
      m.set(k, v);
    }
    const s1 = t.snapshot();
    const f1 = m.clone();
    const snaps: [TreeSnapshot, Model][] = [[s1, f1]];
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 1500; i++) {
        const k = randKey(r, 7);
        if (r() < 0.5) {
          t.delete(k);
          m.delete(k);
        } else {
          const v = randVal(r, 16);
          t.set(k, v);
          m.set(k, v);
        }
        if (i % 300 === 0) t.commit(); // commits make freed pages reusable unless pinned
      }
      if (round === 1) snaps.push([t.snapshot(), m.clone()]);
      for (const [s, fm] of snaps) {
        expectSame(s, fm);
        const a = randKey(r, 7);
        const b = randKey(r, 7);
        expect(s.countRange(a, b)).toBe(fm.countRange(a, b));
        expect(scanAll(s, a, b, 50)).toEqual(fm.scan(a, b, 50));
        const g = s.get(a);
        expect(g === null ? null : g.toString('hex')).toBe(fm.get(a)?.toString('hex') ?? null);
      }
    }
    expectSame(t, m);
    expect(t.stats().snapshotsPinned).toBe(2);
    const pinnedFree = t.stats().freePages;
    for (const [s] of snaps) s.release();
    expect(() => s1.count()).toThrow(/released/);
    expect(t.stats().snapshotsPinned).toBe(0);
    // after release, the pages held for the snapshots get reused: the file stops growing
    t.commit();
    const size = fs.statSync(p).size;
    expect(pinnedFree).toBeGreaterThan(50);
    for (let i = 0; i < 300; i++) t.set(randKey(r, 7), randVal(r, 16));
    t.commit();
    expect(fs.statSync(p).size).toBe(size);
    t.verify();
    t.destroy();
  });

  test('a snapshot of a dirty tree writes nothing (O(1)), sees the uncommitted state, and survives evictions, commits and a crash', () => {
    const ps = 256;
    const p = tmpFile();
    const cacheBytes = 16 * ps;
    let t = RangeTree.create(p, { pageSize: ps, cacheBytes });
    const m = new Model();
    const r = rng(77);
    const write = (n: number): void => randomWrites(t, m, r, n);
    write(2000);
    t.commit();
    write(800); // uncommitted: only in the pool, partly written back by evictions of the 16-frame cache
    const before = t.stats();
    const s = t.snapshot();
    const frozen = m.clone();
    const after = t.stats();
    // The pin itself does no I/O: no page written, no commit.
    expect(after.pageWrites).toBe(before.pageWrites);
    expect(after.commits).toBe(before.commits);
    expectSame(s, frozen);
    // Writers go on, with commits; the snapshot stays as it was.
    for (let round = 0; round < 3; round++) {
      write(700);
      t.commit();
      expectSame(s, frozen);
      t.verify();
    }
    // Crash with the snapshot pinned: the file opens at the last commit (the live state, not the snapshot).
    const committed = m.clone();
    write(300);
    crash(t);
    t = RangeTree.open(p, { cacheBytes });
    expectSame(t, committed);
    t.verify();
    m.map = committed.map;
    m.keys = committed.keys;
    // Two snapshots in a row (the second retires a txn with no writes in it), then commits still write
    // the other meta slot each time: a crash after them reopens the newest commit.
    write(100);
    const a = t.snapshot();
    const ma = m.clone();
    const b = t.snapshot();
    write(200);
    t.commit();
    write(50);
    t.commit();
    expectSame(a, ma);
    expectSame(b, ma);
    a.release();
    b.release();
    crash(t);
    t = RangeTree.open(p, { cacheBytes });
    expectSame(t, m);
    t.verify();
    t.destroy();
  });

  test('scan callback may read the tree; writes during a live scan throw', () => {
    const t = RangeTree.create(tmpFile(), { pageSize: 256, cacheBytes: 16 * 256 });
    for (let i = 0; i < 2000; i++) t.set(Buffer.from(`k${String(i).padStart(5, '0')}`), Buffer.from(`v${i}`));
    let n = 0;
    t.scan(Buffer.from('k'), null, 0, (k, v) => {
      // random reads inside the callback evict other frames; the scan's leaf is pinned
      const g = t.get(Buffer.from(`k${String((n * 997) % 2000).padStart(5, '0')}`));
      expect(g).not.toBeNull();
      expect(v.toString()).toBe('v' + Number(k.toString().slice(1)));
      n++;
    });
    expect(n).toBe(2000);
    expect(() => t.scan(Buffer.alloc(0), null, 1, () => t.set(Buffer.from('x'), Buffer.from('y')))).toThrow(/during a scan/);
    // a snapshot scan tolerates writers in its callback
    const s = t.snapshot();
    let c = 0;
    s.scan(Buffer.alloc(0), null, 0, (k) => {
      t.set(Buffer.from(`z${c}`), Buffer.from(k));
      t.delete(Buffer.from(`k${String(c).padStart(5, '0')}`));
      c++;
    });
    expect(c).toBe(2000);
    expect(t.count()).toBe(2000);
    s.release();
    t.verify();
    t.destroy();
  });
});

describe('durability', () => {
  test('reopen sees exactly the committed state; uncommitted writes vanish', () => {
    const p = tmpFile();
    const t = RangeTree.create(p, { pageSize: 512, cacheBytes: 16 * 512, meta: Buffer.from('cfg') });
    for (let i = 0; i < 3000; i++) t.set(Buffer.from(`a${i}`), Buffer.from(`${i}`));
    t.appliedSeq = 42;
    t.commit();
    for (let i = 0; i < 3000; i++) t.set(Buffer.from(`b${i}`), Buffer.from(`${i}`)); // evictions write these back
    for (let i = 0; i < 1000; i++) t.delete(Buffer.from(`a${i}`));
    t.setMeta(Buffer.from('other'));
    crash(t);
    const u = RangeTree.open(p, { cacheBytes: 16 * 512 });
    expect(u.count()).toBe(3000);
    expect(u.meta.toString()).toBe('cfg');
    expect(u.appliedSeq).toBe(42);
    expect(u.get(Buffer.from('a5'))!.toString()).toBe('5');
    expect(u.get(Buffer.from('b5'))).toBeNull();
    u.verify();
    // continue writing on top of the recovered state
    for (let i = 0; i < 1000; i++) u.delete(Buffer.from(`a${i}`));
    u.close();
    const w = RangeTree.open(p, { cacheBytes: 1 << 20 });
    expect(w.count()).toBe(2000);
    w.verify();
    w.destroy();
  });

  test('torn newest meta falls back to the previous commit; both invalid throws', () => {
    const p = tmpFile();
    const ps = 256;
    const t = RangeTree.create(p, { pageSize: ps, cacheBytes: 1 << 20 });
    t.set(Buffer.from('one'), Buffer.from('1'));
    t.commit();
    t.set(Buffer.from('two'), Buffer.from('2'));
    t.commit();
    const txn = t.stats().txn;
    t.close();
    const fd = fs.openSync(p, 'r+');
    fs.writeSync(fd, Buffer.from([0xaa]), 0, 1, (txn % 2) * ps + 100);
    fs.closeSync(fd);
    const u = RangeTree.open(p, { cacheBytes: 1 << 20 });
    expect(u.get(Buffer.from('one'))!.toString()).toBe('1');
    expect(u.get(Buffer.from('two'))).toBeNull();
    crash(u);
    const fd2 = fs.openSync(p, 'r+');
    fs.writeSync(fd2, Buffer.from([0xaa]), 0, 1, ((txn + 1) % 2) * ps + 100);
    fs.closeSync(fd2);
    expect(() => RangeTree.open(p, { cacheBytes: 1 << 20 })).toThrow(/no valid meta/);
    fs.writeFileSync(p, Buffer.alloc(10));
    expect(() => RangeTree.open(p, { cacheBytes: 1 << 20 })).toThrow(/no valid meta/);
  });

  test('write errors (ENOSPC) during commits and evictions lose nothing and never double-free a page', () => {
    const ps = 256;
    const p = tmpFile();
    const cacheBytes = 16 * ps;
    let t = RangeTree.create(p, { pageSize: ps, cacheBytes });
    const m = new Model();
    const r = rng(99);
    const write = (n: number): void => randomWrites(t, m, r, n);
    write(1500);
    t.commit();
    // Fault injection at the pager: after `budget` page writes every write fails as a full disk would.
    const pager = (t as unknown as { pager: { write: (...a: unknown[]) => void; writeRun: (...a: unknown[]) => void } }).pager;
    const realWrite = pager.write.bind(pager);
    const realRun = pager.writeRun.bind(pager);
    let budget = 0;
    const enospc = (): never => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    pager.write = (...a: unknown[]) => (budget-- > 0 ? realWrite(...a) : enospc());
    pager.writeRun = (...a: unknown[]) => (budget-- > 0 ? realRun(...a) : enospc());
    for (let round = 0; round < 4; round++) {
      budget = round; // fail at different steps: free-list pages, tree pages, meta
      write(400); // evictions of the 16-frame cache fail too: frames stay dirty, the pool grows
      expect(() => t.commit()).toThrow(/ENOSPC/);
      expect(t.dirty).toBe(true);
      expectSame(t, m);
    }
    pager.write = realWrite;
    pager.writeRun = realRun;
    t.commit();
    t.verify();
    write(300);
    t.commit();
    t.close();
    t = RangeTree.open(p, { cacheBytes }); // open() refuses a free list with duplicate or foreign ids
    expectSame(t, m);
    t.verify();
    write(2000); // page reuse after the failures must not clobber live pages
    t.commit();
    t.verify();
    expectSame(t, m);
    t.destroy();
  });

  test('a corrupt page is detected on read, never served', () => {
    const p = tmpFile();
    const ps = 256;
    const t = RangeTree.create(p, { pageSize: ps, cacheBytes: 16 * ps });
    for (let i = 0; i < 2000; i++) t.set(Buffer.from(`k${i}`), Buffer.from(`v${i}`));
    t.close();
    const size = fs.statSync(p).size;
    const fd = fs.openSync(p, 'r+');
    // flip one byte in every node page past the metas (some are free, all reachable ones are checked)
    for (let off = 2 * ps + 200; off < size; off += ps) fs.writeSync(fd, Buffer.from([0x5a]), 0, 1, off);
    fs.closeSync(fd);
    expect(() => {
      const u = RangeTree.open(p, { cacheBytes: 16 * ps });
      for (let i = 0; i < 2000; i++) u.get(Buffer.from(`k${i}`));
    }).toThrow(/checksum mismatch/);
  });

  test('destroy unlinks the file asynchronously', async () => {
    const p = tmpFile();
    const t = RangeTree.create(p, { pageSize: 4096, cacheBytes: 1 << 20 });
    t.set(Buffer.from('a'), Buffer.from('b'));
    t.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(fs.existsSync(p)).toBe(false);
    expect(() => t.get(Buffer.from('a'))).toThrow(/closed/);
  });
});

describe('open-file bound', () => {
  test('many trees share a bounded number of fds; suspended files reopen transparently', () => {
    setMaxOpenTreeFiles(4);
    try {
      const ps = 256;
      const trees: RangeTree[] = [];
      const models: Model[] = [];
      const paths: string[] = [];
      for (let i = 0; i < 12; i++) {
        paths.push(tmpFile(`t${i}.ri`));
        trees.push(RangeTree.create(paths[i], { pageSize: ps, cacheBytes: 16 * ps }));
        models.push(new Model());
      }
      expect(openTreeFiles()).toBeLessThanOrEqual(4);
      const r = rng(5);
      for (let round = 0; round < 6; round++) {
        for (let i = 0; i < trees.length; i++) {
          for (let j = 0; j < 150; j++) {
            const k = randKey(r, 6);
            const v = randVal(r, 10);
            trees[i].set(k, v); // 16-frame caches: evictions write back, misses read, through reopened fds
            models[i].set(k, v);
          }
          if (round % 2 === 1) trees[i].commit();
          expect(openTreeFiles()).toBeLessThanOrEqual(4);
        }
      }
      for (let i = 0; i < trees.length; i++) {
        expectSame(trees[i], models[i]);
        expect(trees[i].stats().bytesOnDisk).toBeGreaterThan(0);
        trees[i].close();
        const u = RangeTree.open(paths[i], { cacheBytes: 16 * ps });
        expectSame(u, models[i]);
        u.close();
      }
      expect(openTreeFiles()).toBe(0);
    } finally {
      setMaxOpenTreeFiles(MAX_OPEN_TREE_FILES);
    }
  });
});

describe('bulkLoad', () => {
  test.each([
    [256, 16, 20000],
    [4096, 64, 30000],
    [512, 16, 0],
    [512, 16, 1],
  ])('pageSize %i, %i frames, %i records', (ps, frames, n) => {
    const p = tmpFile();
    const r = rng(ps + n);
    const m = new Model();
    let i = 0;
    const t = RangeTree.bulkLoad(p, { pageSize: ps, cacheBytes: frames * ps, meta: Buffer.from('m') }, () => {
      if (i >= n) return null;
      const k = Buffer.from(`k${String(i++).padStart(8, '0')}`);
      const v = randVal(r, 30);
      m.set(k, v);
      return [k, v];
    });
    t.verify();
    expectSame(t, m);
    const a = Buffer.from('k00000100');
    const b = Buffer.from('k00009999');
    expect(t.countRange(a, b)).toBe(m.countRange(a, b));
    // it is a normal tree afterwards
    for (let j = 0; j < Math.min(n, 3000); j += 2) {
      const k = Buffer.from(`k${String(j).padStart(8, '0')}`);
      expect(t.delete(k)).toBe(m.delete(k));
      t.set(Buffer.from(`x${j}`), Buffer.from('y'));
      m.set(Buffer.from(`x${j}`), Buffer.from('y'));
    }
    t.verify();
    t.close();
    const u = RangeTree.open(p, { cacheBytes: frames * ps });
    expect(u.meta.toString()).toBe('m');
    expectSame(u, m);
    u.destroy();
  });

  test('keys must be strictly increasing (also across leaves)', () => {
    const recs = [Buffer.from('b'), Buffer.from('a')];
    let i = 0;
    expect(() => RangeTree.bulkLoad(null, { pageSize: 256, cacheBytes: 1 << 20 }, () => (i < recs.length ? [recs[i++], Buffer.alloc(0)] : null))).toThrow(/strictly increasing/);
    let j = 0;
    expect(() =>
      RangeTree.bulkLoad(tmpFile(), { pageSize: 256, cacheBytes: 1 << 20 }, () => {
        j++;
        if (j > 400) return null;
        return [Buffer.from(j === 300 ? 'k00000100' : `k${String(j).padStart(8, '0')}`), Buffer.alloc(30)];
      }),
    ).toThrow(/strictly increasing/);
  });
});

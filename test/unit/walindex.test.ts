// WAL index files and the checkpointer (src/persistence/walindex.ts), on real segments written by the
// real Wal in a temp dir: every closed segment gets a valid .idx, one slot's history read through the
// indexes equals what a full scan of the segments holds (slot + SLOT_MANY records, seq > fromSeq, in
// order), and start-up rebuilds missing or damaged indexes and removes leftovers.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadCommandTable, registerHandlers } from '../../src/server/commandTable';
import { keyHashSlot } from '../../src/util/crc16';
import { Wal, type ClosedSegment } from '../../src/persistence/wal';
import { listSegments, scanRecords, decodePayload, SLOT_MANY, SEG_HEADER, type WalRecord } from '../../src/persistence/segment';
import type { PropOp, PropUnit } from '../../src/server/propagate';
import {
  Checkpointer,
  prepareIndexes,
  readIndex,
  readSlotHistory,
  slotHistory,
  indexName,
  buildIndexSync,
  scanSegmentFile,
  IndexError,
  IDX_MANY,
  IDX_HEADER,
} from '../../src/persistence/walindex';
import { rng } from '../helpers/rng';

const KEYS = ['a', 'b', 'c', 'user:1', 'user:2', '{u}1', '{u}2'];
const slotOf = (k: string): number => keyHashSlot(k);
const U = slotOf('{u}1');

let tmp: string;
beforeAll(() => {
  loadCommandTable();
  // The Wal looks ops with spec null up (lookupCommand needs a handler): no-ops stand in for the
  // real handler modules, which these tests do not need.
  const noop = (): void => {};
  registerHandlers({ set: noop, mset: noop, flushall: noop, del: noop, incr: noop });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-walindex-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let dirNo = 0;
function newDir(): string {
  const d = path.join(tmp, `wal${dirNo++}`);
  fs.mkdirSync(d);
  return d;
}

interface Model {
  /** The slot each seq's record must carry, and its commands as the payload encodes them. */
  slot: Map<number, number>;
  cmds: Map<number, string[][]>;
  lastSeq: number;
}

function op(db: number, ...argv: string[]): PropOp {
  return { db, argv, spec: null };
}

/** A random unit and the slot it must be logged under. */
function randomUnit(r: () => number, seq: number, bigValues: boolean): { unit: PropUnit; slot: number } {
  const key = (): string => KEYS[Math.floor(r() * KEYS.length)];
  const val = (): string => {
    const big = bigValues ? r() < 0.05 : r() < 0.02;
    const n = big ? 1500 + Math.floor(r() * 3000) : 1 + Math.floor(r() * 200);
    return String.fromCharCode(97 + (seq % 26)).repeat(n);
  };
  const x = r();
  if (x < 0.5) {
    const k = key();
    return { unit: { seq, ops: [op(0, 'set', k, val())] }, slot: slotOf(k) };
  }
  if (x < 0.6) return { unit: { seq, ops: [op(0, 'mset', 'a', val(), 'b', val())] }, slot: SLOT_MANY };
  if (x < 0.7) return { unit: { seq, ops: [op(1, 'mset', '{u}1', val(), '{u}2', val())] }, slot: U };
  if (x < 0.75) return { unit: { seq, ops: [op(0, 'flushall')] }, slot: SLOT_MANY };
  if (x < 0.87) {
    // One key in two databases (EXEC-like): one slot, a SELECT between them in the payload.
    const k = key();
    return { unit: { seq, ops: [op(0, 'set', k, val()), op(3, 'del', k)] }, slot: slotOf(k) };
  }
  return { unit: { seq, ops: [op(0, 'set', 'a', val()), op(0, 'incr', 'c')] }, slot: SLOT_MANY };
}

function expectedCmds(u: PropUnit): string[][] {
  const out: string[][] = [];
  let db = u.ops[0].db;
  for (const o of u.ops) {
    if (o.db !== db) {
      out.push(['select', String(o.db)]);
      db = o.db;
    }
    out.push(o.argv);
  }
  return out;
}

/**
 * Writes `count` units through a real Wal (flushing every few units: several records per write), the
 * closed segments going to `onClosed`. Returns the model of what was logged.
 */
function writeWal(
  dir: string,
  count: number,
  o: { seed?: number; segmentSize?: number; onClosed?: (s: ClosedSegment) => void; bigValues?: boolean; huge?: { key: string; size: number }[] } = {},
): Model {
  const model: Model = { slot: new Map(), cmds: new Map(), lastSeq: 0 };
  const wal = new Wal({ walDir: dir, fsync: 'no', segmentSize: o.segmentSize ?? 16384, segment: 1, segmentBytes: 0, lastSeq: 0, onClosed: o.onClosed });
  const r = rng(o.seed ?? 1);
  for (let i = 0; i < count; i++) {
    const seq = ++model.lastSeq;
    const { unit, slot } = randomUnit(r, seq, o.bigValues ?? false);
    model.slot.set(seq, slot);
    model.cmds.set(seq, expectedCmds(unit));
    wal.append(unit);
    if (r() < 0.3) wal.flush();
  }
  for (const h of o.huge ?? []) {
    const seq = ++model.lastSeq;
    const unit: PropUnit = { seq, ops: [op(0, 'set', h.key, 'z'.repeat(h.size))] };
    model.slot.set(seq, slotOf(h.key));
    model.cmds.set(seq, expectedCmds(unit));
    wal.append(unit);
    wal.flush();
  }
  wal.close();
  return model;
}

/** Every record on disk, by a plain scan of every segment (the ground truth). */
function scanAll(dir: string): WalRecord[] {
  const out: WalRecord[] = [];
  for (const s of listSegments(dir)) {
    const buf = fs.readFileSync(s.file);
    const end = scanRecords(buf, (r) => out.push(r));
    expect(end.kind).toBe('eof');
  }
  return out;
}

function expectedHistory(all: WalRecord[], slot: number, fromSeq: number): WalRecord[] {
  return all.filter((r) => r.seq > fromSeq && (r.slot === slot || r.slot === SLOT_MANY));
}

/** readSlotHistory equals the scan's records (seq, db, slot, offset, payload) and the model's commands. */
function checkHistory(dir: string, model: Model, slot: number, fromSeq: number, all = scanAll(dir)): number {
  const got = readSlotHistory(dir, slot, fromSeq);
  const want = expectedHistory(all, slot, fromSeq);
  // One comparison of plain tuples (per-record expects are slow with thousands of records).
  const row = (r: WalRecord): unknown[] => [r.seq, r.db, r.slot, r.offset, r.end, r.payload.toString('latin1')];
  expect(got.map(row)).toEqual(want.map(row));
  expect(got.map((r) => [r.slot, decodePayload(r.payload)])).toEqual(got.map((r) => [model.slot.get(r.seq), model.cmds.get(r.seq)]));
  // The model agrees independently: every seq of the slot or SLOT_MANY past fromSeq, nothing else.
  const fromModel = [...model.slot].filter(([seq, s]) => seq > fromSeq && (s === slot || s === SLOT_MANY)).map(([seq]) => seq);
  expect(got.map((r) => r.seq)).toEqual(fromModel);
  return got.length;
}

/** A WAL with several closed segments, all indexed by a checkpointer. */
async function indexedWal(count = 1500, seed = 7): Promise<{ dir: string; model: Model; cp: Checkpointer; closed: ClosedSegment[] }> {
  const dir = newDir();
  const cp = new Checkpointer(dir);
  const closed: ClosedSegment[] = [];
  const model = writeWal(dir, count, {
    seed,
    onClosed: (s) => {
      closed.push(s);
      cp.enqueue(s);
    },
  });
  await cp.drain();
  return { dir, model, cp, closed };
}

const idxFile = (dir: string, n: number): string => path.join(dir, indexName(n));

describe('checkpointer', () => {
  test('writes a valid index for every closed segment, none for the tail', async () => {
    const { dir, cp, closed } = await indexedWal();
    const segs = listSegments(dir);
    expect(segs.length).toBeGreaterThan(5);
    expect(closed.map((s) => s.n)).toEqual(segs.slice(0, -1).map((s) => s.n));
    expect(cp.stats()).toMatchObject({ pending: 0, indexed: closed.length, failed: 0, skipped: 0, lastError: '' });
    expect(fs.existsSync(idxFile(dir, segs[segs.length - 1].n))).toBe(false);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    for (const s of closed) {
      const idx = readIndex(idxFile(dir, s.n));
      const recs: WalRecord[] = [];
      scanRecords(fs.readFileSync(s.file), (r) => recs.push(r));
      expect(idx).toMatchObject({ segment: s.n, segmentBytes: fs.statSync(s.file).size, firstSeq: s.firstSeq, lastSeq: s.lastSeq, records: recs.length });
      // Each slot entry: exactly the offsets of that slot's records, ascending, with their seq range.
      const bySlot = new Map<number, WalRecord[]>();
      for (const r of recs) {
        const k = r.slot === SLOT_MANY ? IDX_MANY : r.slot;
        bySlot.set(k, [...(bySlot.get(k) ?? []), r]);
      }
      expect([...idx.slots.keys()]).toEqual([...bySlot.keys()].sort((x, y) => x - y));
      for (const [k, rs] of bySlot) {
        const e = idx.slots.get(k)!;
        expect([...e.offsets]).toEqual(rs.map((r) => r.offset));
        expect([e.firstSeq, e.lastSeq, e.count]).toEqual([rs[0].seq, rs[rs.length - 1].seq, rs.length]);
      }
      // The async build and the start-up build write the same bytes.
      expect(fs.readFileSync(idxFile(dir, s.n)).equals(buildIndexSync(s.file, s.n))).toBe(true);
    }
  });

  test('bounded queue: shouldStall() while more than maxPending segments wait', async () => {
    const dir = newDir();
    const closed: ClosedSegment[] = [];
    writeWal(dir, 1200, { seed: 3, onClosed: (s) => closed.push(s) });
    expect(closed.length).toBeGreaterThanOrEqual(6);
    const done: number[] = [];
    const cp = new Checkpointer(dir, { maxPending: 4, onIndexed: (s, ok) => ok && done.push(s.n) });
    expect(cp.shouldStall()).toBe(false);
    for (const s of closed.slice(0, 4)) cp.enqueue(s);
    expect([cp.pending(), cp.shouldStall()]).toEqual([4, false]);
    for (const s of closed.slice(4)) cp.enqueue(s);
    expect(cp.pending()).toBe(closed.length);
    expect(cp.shouldStall()).toBe(true);
    // enqueue() only queues: nothing was indexed synchronously.
    expect(done).toEqual([]);
    await cp.drain();
    expect([cp.pending(), cp.shouldStall()]).toEqual([0, false]);
    expect(done).toEqual(closed.map((s) => s.n));
    for (const s of closed) expect(() => readIndex(idxFile(dir, s.n))).not.toThrow();
    await cp.drain(); // idle: resolves at once
  });

  test('stop(): finishes the segment in progress, drops the rest', async () => {
    const dir = newDir();
    const closed: ClosedSegment[] = [];
    writeWal(dir, 600, { seed: 13, onClosed: (s) => closed.push(s) });
    const cp = new Checkpointer(dir);
    for (const s of closed.slice(0, 3)) cp.enqueue(s);
    await cp.stop();
    cp.enqueue(closed[3]);
    await cp.drain();
    expect(cp.stats()).toMatchObject({ pending: 0, indexed: 1 });
    expect(closed.slice(0, 4).map((s) => fs.existsSync(idxFile(dir, s.n)))).toEqual([true, false, false, false]);
  });

  test('a segment the writer resumed after a restart (firstSeq -1) and a removed segment', async () => {
    const dir = newDir();
    const closed: ClosedSegment[] = [];
    const model = writeWal(dir, 600, { seed: 12, onClosed: (s) => closed.push(s) });
    // What roll() reports for a segment it resumed: firstSeq unknown; the index takes the header's.
    const cp = new Checkpointer(dir);
    cp.enqueue({ ...closed[0], firstSeq: -1 });
    await cp.drain();
    expect(readIndex(idxFile(dir, 1))).toMatchObject({ firstSeq: 1, lastSeq: closed[0].lastSeq });
    checkHistory(dir, model, slotOf('a'), 0);
    // Gone before the checkpointer got to it (retention): no error, no index.
    fs.rmSync(closed[1].file);
    cp.enqueue(closed[1]);
    await cp.drain();
    expect(fs.existsSync(idxFile(dir, 2))).toBe(false);
    expect(cp.stats()).toMatchObject({ indexed: 1, failed: 0, skipped: 1 });
  });

  test('a damaged closed segment is not indexed and is reported', async () => {
    const dir = newDir();
    const closed: ClosedSegment[] = [];
    writeWal(dir, 300, { seed: 5, onClosed: (s) => closed.push(s) });
    const f = closed[0].file;
    const b = fs.readFileSync(f);
    b[SEG_HEADER + 30] ^= 0xff; // inside the first record's payload
    fs.writeFileSync(f, b);
    const cp = new Checkpointer(dir);
    cp.enqueue(closed[0]);
    await cp.drain();
    expect(cp.stats()).toMatchObject({ failed: 1, indexed: 0 });
    expect(cp.stats().lastError).toMatch(/corrupt record at offset 32/);
    expect(fs.existsSync(idxFile(dir, closed[0].n))).toBe(false);
    expect(fs.existsSync(idxFile(dir, closed[0].n) + '.tmp')).toBe(false);
    const p = prepareIndexes(dir);
    expect(p.failed.map((x) => x.file)).toEqual([f]);
    expect(p.rebuilt.length).toBe(closed.length - 1);
  });
});

describe('readSlotHistory', () => {
  let w: Awaited<ReturnType<typeof indexedWal>>;
  let all: WalRecord[];
  beforeAll(async () => {
    w = await indexedWal(1500, 21);
    all = scanAll(w.dir);
  });

  test('the records of a slot and the SLOT_MANY ones, seq > fromSeq, in order', () => {
    const segs = listSegments(w.dir);
    const bounds = [0, 1, 17, w.closed[2].firstSeq - 1, w.closed[2].firstSeq, w.closed[3].lastSeq - 3, w.closed[w.closed.length - 1].lastSeq, w.model.lastSeq - 5, w.model.lastSeq];
    expect(segs.length).toBeGreaterThan(5);
    for (const slot of [slotOf('a'), slotOf('b'), U, slotOf('user:1'), 1234 /* no records of its own */]) {
      for (const from of bounds) checkHistory(w.dir, w.model, slot, from, all);
    }
    // Only the multi-slot records.
    for (const from of bounds) {
      const got = readSlotHistory(w.dir, SLOT_MANY, from);
      expect(got.map((r) => r.seq)).toEqual(all.filter((r) => r.seq > from && r.slot === SLOT_MANY).map((r) => r.seq));
    }
    expect(readSlotHistory(w.dir, slotOf('a'), w.model.lastSeq)).toEqual([]);
    expect(checkHistory(w.dir, w.model, U, 0, all)).toBeGreaterThan(100);
  });

  test('callback and generator forms', () => {
    const seqs: number[] = [];
    const n = readSlotHistory(w.dir, U, 100, (r) => seqs.push(r.seq));
    expect(n).toBe(seqs.length);
    expect(seqs).toEqual(readSlotHistory(w.dir, U, 100).map((r) => r.seq));
    const g = slotHistory(w.dir, U, 100);
    expect(g.next().value?.seq).toBe(seqs[0]);
    g.return(); // closes its file
    expect(() => readSlotHistory(w.dir, 16384, 0)).toThrow(RangeError);
    expect(() => readSlotHistory(w.dir, -1, 0)).toThrow(RangeError);
  });

  test('reads indexed segments only at the slot offsets (a damaged record elsewhere is not read)', () => {
    const dir = newDir();
    for (const f of fs.readdirSync(w.dir)) fs.copyFileSync(path.join(w.dir, f), path.join(dir, f));
    // Damage a record of slot b in the second closed segment.
    const seg = w.closed[1];
    const victim = all.find((r) => r.seq >= seg.firstSeq && r.seq <= seg.lastSeq && r.slot === slotOf('b'))!;
    const segFile = path.join(dir, path.basename(seg.file));
    const b = fs.readFileSync(segFile);
    b[victim.offset + 22] ^= 0x55;
    fs.writeFileSync(segFile, b);
    checkHistory(dir, w.model, slotOf('a'), 0, all);
    expect(() => readSlotHistory(dir, slotOf('b'), 0)).toThrow(/checksum mismatch in the record at offset/);
    // Without its index the segment is scanned, and the damage is found whatever the slot.
    fs.rmSync(idxFile(dir, seg.n));
    expect(() => readSlotHistory(dir, slotOf('a'), 0)).toThrow(/corrupt record/);
    // Past the damaged segment nothing of it is read.
    checkHistory(dir, w.model, slotOf('a'), seg.lastSeq, all);
  });

  test('closed segments without an index (checkpointer behind) and a torn tail are scanned', () => {
    const dir = newDir();
    for (const f of fs.readdirSync(w.dir)) if (f.endsWith('.bin')) fs.copyFileSync(path.join(w.dir, f), path.join(dir, f));
    for (const slot of [slotOf('a'), U]) for (const from of [0, 500, 1400]) checkHistory(dir, w.model, slot, from, all);
    // A record being written at the end of the tail: not returned, no error.
    const tail = listSegments(dir).pop()!;
    fs.appendFileSync(tail.file, Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 5]));
    checkHistory(dir, w.model, slotOf('a'), 0, all);
    // The same in a closed segment is damage.
    fs.appendFileSync(listSegments(dir)[2].file, Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 5]));
    expect(() => readSlotHistory(dir, slotOf('a'), 0)).toThrow(/torn record/);
  });

  test('an index that does not match its segment is not used', () => {
    const dir = newDir();
    for (const f of fs.readdirSync(w.dir)) fs.copyFileSync(path.join(w.dir, f), path.join(dir, f));
    // The index of segment 2 put in place of segment 3's.
    fs.copyFileSync(idxFile(dir, w.closed[1].n), idxFile(dir, w.closed[2].n));
    checkHistory(dir, w.model, slotOf('c'), 0, all);
  });

  test('refuses a history the WAL no longer holds', () => {
    const dir = newDir();
    for (const f of fs.readdirSync(w.dir)) fs.copyFileSync(path.join(w.dir, f), path.join(dir, f));
    fs.rmSync(w.closed[0].file.replace(w.dir, dir));
    expect(() => readSlotHistory(dir, U, 0)).toThrow(/no longer complete/);
    expect(() => readSlotHistory(dir, U, w.closed[1].firstSeq - 2)).toThrow(IndexError);
    checkHistory(dir, w.model, U, w.closed[1].firstSeq - 1, all);
    expect(readSlotHistory(newDir(), U, 0)).toEqual([]);
  });

  test('large segments: chunk boundaries, records larger than a read chunk', async () => {
    const dir = newDir();
    const cp = new Checkpointer(dir);
    const closed: ClosedSegment[] = [];
    // Records far larger than the 256 KB / 1 MB read chunks at the end.
    const huge = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({ key: i % 2 === 0 ? '{u}1' : 'b', size: 700_000 + i * 100_000 }));
    const model = writeWal(dir, 3000, { seed: 9, segmentSize: 3 << 20, bigValues: true, huge, onClosed: (s) => (closed.push(s), cp.enqueue(s)) });
    await cp.drain();
    expect(closed.length).toBeGreaterThanOrEqual(2);
    expect(cp.stats().indexed).toBe(closed.length);
    const all2 = scanAll(dir);
    // Some records over 1 MB lie in indexed segments.
    expect(all2.filter((x) => x.end - x.offset > 1 << 20 && x.seq <= closed[closed.length - 1].lastSeq).length).toBeGreaterThan(0);
    for (const slot of [U, slotOf('b'), slotOf('a')]) for (const from of [0, 1000, 2999]) checkHistory(dir, model, slot, from, all2);
    // And by scanning alone.
    for (const s of closed) fs.rmSync(idxFile(dir, s.n));
    checkHistory(dir, model, U, 0, all2);
  });
});

describe('scanSegmentFile (chunked reads, the verdicts of scanRecords on the whole file)', () => {
  test('damaged, torn and zero-padded segments, several chunk sizes', () => {
    const dir = newDir();
    writeWal(dir, 400, { seed: 41, bigValues: true, segmentSize: 1 << 20 });
    const orig = fs.readFileSync(listSegments(dir)[0].file);
    const r = rng(42);
    const f = path.join(tmp, 'fuzz.bin');
    const pick = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo));
    for (let iter = 0; iter < 150; iter++) {
      let b = Buffer.from(orig);
      const at = pick(SEG_HEADER, b.length);
      switch (iter % 6) {
        case 0:
          b[at] ^= 1 << pick(0, 8);
          break;
        case 1:
          b = b.subarray(0, at);
          break;
        case 2:
          b = Buffer.concat([b.subarray(0, at), Buffer.alloc(pick(1, 5000))]);
          break;
        case 3:
          b.fill(0, at);
          break;
        case 4:
          b = Buffer.concat([b, Buffer.from([pick(0, 256), pick(0, 256), 0, 0, 9, 9])]);
          break;
        case 5:
          b.writeUInt32LE(0x7fffffff, at - ((at - SEG_HEADER) % 4));
          break;
      }
      fs.writeFileSync(f, b);
      const want: number[] = [];
      const wantEnd = scanRecords(b, (x) => want.push(x.offset, x.seq));
      for (const chunk of [29, 1000, 4096, 65536]) {
        const got: number[] = [];
        const res = scanSegmentFile(f, (x) => got.push(x.offset, x.seq), chunk);
        expect(res.header).not.toBeNull();
        expect([res.end, res.size]).toEqual([wantEnd, b.length]);
        expect(got).toEqual(want);
      }
    }
  });
});

describe('prepareIndexes', () => {
  test('rebuilds a missing index, byte for byte', async () => {
    const { dir, closed } = await indexedWal(800, 31);
    const orig = fs.readFileSync(idxFile(dir, closed[1].n));
    fs.rmSync(idxFile(dir, closed[1].n));
    const p = prepareIndexes(dir);
    expect(p).toEqual({ rebuilt: [idxFile(dir, closed[1].n)], removed: [], failed: [] });
    expect(fs.readFileSync(idxFile(dir, closed[1].n)).equals(orig)).toBe(true);
    expect(prepareIndexes(dir)).toEqual({ rebuilt: [], removed: [], failed: [] });
  });

  test('detects a damaged index (one flipped byte anywhere) and rebuilds it', async () => {
    const { dir, model, closed } = await indexedWal(800, 32);
    const f = idxFile(dir, closed[2].n);
    const orig = fs.readFileSync(f);
    for (const at of [3, 13, IDX_HEADER + 1, Math.floor(orig.length / 2), orig.length - 6, orig.length - 1]) {
      const b = Buffer.from(orig);
      b[at] ^= 0x10;
      fs.writeFileSync(f, b);
      expect(() => readIndex(f)).toThrow(IndexError);
      // Readers do not trust it meanwhile (they scan).
      checkHistory(dir, model, U, 0);
      expect(prepareIndexes(dir).rebuilt).toEqual([f]);
      expect(fs.readFileSync(f).equals(orig)).toBe(true);
    }
    // Truncated.
    fs.writeFileSync(f, orig.subarray(0, orig.length - 9));
    expect(() => readIndex(f)).toThrow(/checksum mismatch/);
    expect(prepareIndexes(dir).rebuilt).toEqual([f]);
  });

  test('removes leftover .idx.tmp, the tail index and orphans; indexes the closed segments', () => {
    const dir = newDir();
    writeWal(dir, 700, { seed: 33 }); // no checkpointer: no index yet
    const segs = listSegments(dir);
    const tail = segs[segs.length - 1];
    fs.writeFileSync(idxFile(dir, segs[0].n) + '.tmp', 'partial');
    fs.writeFileSync(idxFile(dir, tail.n), 'stale');
    fs.writeFileSync(idxFile(dir, 999), 'orphan');
    fs.writeFileSync(path.join(dir, 'other.txt'), 'kept');
    const p = prepareIndexes(dir);
    expect(p.removed.sort()).toEqual([idxFile(dir, segs[0].n) + '.tmp', idxFile(dir, tail.n), idxFile(dir, 999)].sort());
    expect(p.rebuilt).toEqual(segs.slice(0, -1).map((s) => idxFile(dir, s.n)));
    expect(p.failed).toEqual([]);
    const names = fs.readdirSync(dir);
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(names).toContain('other.txt');
    expect(names).not.toContain(indexName(tail.n));
    for (const s of segs.slice(0, -1)) expect(readIndex(idxFile(dir, s.n)).segment).toBe(s.n);
    expect(prepareIndexes(newDir())).toEqual({ rebuilt: [], removed: [], failed: [] });
    expect(prepareIndexes(path.join(tmp, 'absent'))).toEqual({ rebuilt: [], removed: [], failed: [] });
  });

  test('an index that does not match its segment (another segment\'s) is rebuilt', async () => {
    const { dir, closed } = await indexedWal(800, 34);
    const orig = fs.readFileSync(idxFile(dir, closed[1].n));
    fs.copyFileSync(idxFile(dir, closed[0].n), idxFile(dir, closed[1].n));
    expect(prepareIndexes(dir).rebuilt).toEqual([idxFile(dir, closed[1].n)]);
    expect(fs.readFileSync(idxFile(dir, closed[1].n)).equals(orig)).toBe(true);
  });
});

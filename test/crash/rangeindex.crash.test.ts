// kill -9 a writer at random moments; the file must reopen at a commit >= the last one the writer reported,
// with exactly the content of the deterministic op stream at that commit. Needs the compiled engine in
// dist/ (`npm test` builds first; for local runs: npx tsc -p .).
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RangeTree } from '../../src/rangeindex/tree';
import { rng } from '../helpers/rng';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { opAt } = require('./ri-writer.js') as { opAt: (seed: number, keySpace: number, i: number) => [string, Buffer, Buffer?] };

const WRITER = path.join(__dirname, 'ri-writer.js');
const DIST = path.resolve(__dirname, '../../dist/rangeindex/tree.js');


/** Run the writer for `ms`, then SIGKILL it. Resolves with the last op count it reported after a commit. */
function runAndKill(args: string[], ms: number): Promise<{ reported: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited early (code ${code}): ${err}`));
      const lines = out.split('\n').filter((l) => l.length > 0);
      resolve({ reported: lines.length ? Number(lines[lines.length - 1]) : -1, stderr: err });
    });
  });
}

interface Cfg {
  name: string;
  pageSize: number;
  cacheFrames: number;
  K: number;
  keySpace: number;
  seed: number;
  rounds: number;
}

const CFGS: Cfg[] = [
  { name: 'tiny pages and a 16-frame cache (evictions mid-txn)', pageSize: 256, cacheFrames: 16, K: 37, keySpace: 3000, seed: 5, rounds: 12 },
  { name: '4K pages', pageSize: 4096, cacheFrames: 64, K: 250, keySpace: 20000, seed: 9, rounds: 10 },
];

const haveDist = fs.existsSync(DIST);
(haveDist ? describe : describe.skip)('range index survives kill -9', () => {
  let dir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ri-crash-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each(CFGS.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    const file = path.join(dir, `${c.seed}.ri`);
    const r = rng(c.seed * 7);
    const model = new Map<string, string>();
    let modelSeq = 0;
    let lastReported = 0;
    let kills = 0;
    for (let round = 0; round < c.rounds; round++) {
      const ms = 120 + Math.floor(r() * 300);
      const { reported } = await runAndKill([file, String(c.pageSize), String(c.cacheFrames), String(c.K), String(c.keySpace), String(c.seed)], ms);
      kills++;
      if (reported >= 0) lastReported = Math.max(lastReported, reported);
      if (!fs.existsSync(file)) continue; // killed before create finished
      let t: RangeTree;
      try {
        t = RangeTree.open(file, { cacheBytes: 1 << 22 });
      } catch (e) {
        // Only acceptable before the very first commit (create() writes the file, then its meta).
        if (lastReported <= 0 && /no valid meta/.test(String(e))) {
          fs.unlinkSync(file);
          continue;
        }
        throw e;
      }
      const seq = t.appliedSeq;
      // the opened state is a commit at or after the last one reported (a later one may have landed)
      expect(seq).toBeGreaterThanOrEqual(lastReported);
      expect(seq % c.K).toBe(0);
      for (; modelSeq < seq; modelSeq++) {
        const op = opAt(c.seed, c.keySpace, modelSeq);
        const k = op[1].toString('latin1');
        if (op[0] === 'set') model.set(k, op[2]!.toString('latin1'));
        else model.delete(k);
      }
      const want = [...model.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      const got: [string, string][] = [];
      t.scan(Buffer.alloc(0), null, 0, (k, v) => got.push([k.toString('latin1'), v.toString('latin1')]));
      expect(t.count()).toBe(want.length);
      expect(got).toEqual(want);
      t.verify();
      lastReported = seq;
      t.close(); // not dirty: writes nothing; the next round continues the same file
    }
    expect(kills).toBe(c.rounds);
    expect(modelSeq).toBeGreaterThan(c.K * 3); // the writer made real progress
  }, 60000);
});

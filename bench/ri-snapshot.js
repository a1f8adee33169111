#!/usr/bin/env node
'use strict';
// Range-index snapshot benchmark: how long does taking a consistent snapshot of a large tree stall its
// writers? Builds a tree of --mb MiB (default 1024) with the engine (dist/rangeindex), runs a writer
// that keeps updating random records (committing every 100 ms, as the server does), takes a snapshot
// while it runs, and reports:
//   - the snapshot call's own time (the pin: O(1), target <= 10 ms),
//   - the longest writer stall around it,
//   - the time to stream the frozen snapshot out (a full ordered read while writes go on), and a check
//     that the snapshot really is frozen (count and sampled values as of the pin).
// For comparison it loads the same volume into a real redis-server (DEBUG POPULATE) and reads the fork
// time of a BGSAVE (`latest_fork_usec`), Redis' own "snapshot while writers run" cost. Garnet's CPR
// snapshot of a 1 GB Bf-Tree takes ~5.1 s (reference/garnet.md A8).
// Usage: node bench/ri-snapshot.js [--mb N] [--json] [--no-redis]

const fs = require('fs');
const os = require('os');
const path = require('path');
const net = require('net');
const { spawn, execFileSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? Number(args[i + 1]) : def;
};
const MB = opt('--mb', Number(process.env.BENCH_RI_SNAPSHOT_MB || 1024));
const VLEN = 1000;
const KLEN = 16;
const RECORDS = Math.max(1000, Math.floor((MB * 1048576) / (VLEN + KLEN)));
const log = (s) => process.stderr.write(`ri-snapshot: ${s}\n`);

function keyOf(i) {
  return Buffer.from(`k${String(i).padStart(KLEN - 1, '0')}`, 'latin1');
}
function valueOf(i, gen) {
  const b = Buffer.alloc(VLEN, 0x61 + (gen % 26));
  b.writeUInt32LE(i, 0);
  b.writeUInt32LE(gen, 4);
  return b;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => Number(process.hrtime.bigint()) / 1e6;

async function strataSide(dir) {
  const { RangeTree } = require(path.join(ROOT, 'dist', 'rangeindex', 'tree.js'));
  const file = path.join(dir, 'snap.ri');
  const opts = { pageSize: 4096, cacheBytes: 16 * 1048576 };
  log(`building a ${MB} MiB tree: ${RECORDS} records of ${KLEN}+${VLEN} bytes (bulk load)`);
  let i = 0;
  const t0 = now();
  const built = RangeTree.bulkLoad(file, opts, () => (i < RECORDS ? [keyOf(i), valueOf(i++, 0)] : null));
  built.close();
  const buildMs = now() - t0;
  const fileBytes = fs.statSync(file).size;
  log(`built in ${(buildMs / 1000).toFixed(1)} s, file ${(fileBytes / 1048576).toFixed(0)} MiB`);

  const tree = RangeTree.open(file, { cacheBytes: opts.cacheBytes });
  // Writer: batches of 200 random updates per event-loop turn, commit every 100 ms.
  let gen = 1;
  let writes = 0;
  let running = true;
  let lastTurn = now();
  let maxGap = 0;
  let lastCommit = now();
  const touched = new Map(); // record -> generation written after the snapshot
  let snapTaken = false;
  const writer = () => {
    if (!running) return;
    const t = now();
    maxGap = Math.max(maxGap, t - lastTurn);
    for (let k = 0; k < 200; k++) {
      const r = Math.floor(Math.random() * RECORDS);
      tree.set(keyOf(r), valueOf(r, gen));
      if (snapTaken) touched.set(r, gen);
      writes++;
    }
    gen++;
    if (t - lastCommit >= 100) {
      tree.commit();
      lastCommit = now();
    }
    lastTurn = now();
    setImmediate(writer);
  };
  setImmediate(writer);
  await sleep(1500);
  const writesBefore = writes;
  const gapBefore = maxGap;
  maxGap = 0;

  // The snapshot, timed on its own.
  const ts = now();
  const snap = tree.snapshot();
  const pinMs = now() - ts;
  snapTaken = true;
  const countAtPin = snap.count();

  // Stream the frozen snapshot out in ordered chunks while the writer keeps going.
  const tStream = now();
  let streamed = 0;
  let bytes = 0;
  let start = Buffer.alloc(0);
  let badValue = 0;
  const checkGen = (k, v) => {
    // A record's value in the snapshot must predate the pin: its generation < the first post-pin gen.
    const g = v.readUInt32LE(4);
    if (g >= firstPostPinGen) badValue++;
  };
  const firstPostPinGen = gen;
  while (true) {
    let last = null;
    const n = snap.scan(start, null, 1000, (k, v) => {
      streamed++;
      bytes += k.length + v.length;
      checkGen(k, v);
      last = Buffer.from(k);
    });
    if (n === 0 || last === null) break;
    start = Buffer.concat([last, Buffer.from([0])]);
    await new Promise((r) => setImmediate(r)); // let writers run between chunks
  }
  const streamMs = now() - tStream;
  const writesDuring = writes;
  running = false;
  await sleep(10);
  const liveCount = tree.count();
  const st = tree.stats();
  snap.release();
  tree.close();
  fs.rmSync(file, { force: true });
  const writeRate = ((writesDuring - writesBefore) / streamMs) * 1000;
  return {
    records: RECORDS, fileMiB: fileBytes / 1048576, buildSecs: buildMs / 1000, pinMs, maxWriterGapMs: maxGap, gapBeforeMs: gapBefore,
    streamSecs: streamMs / 1000, streamed, streamedMiB: bytes / 1048576, countAtPin, liveCount, frozenOk: streamed === countAtPin && badValue === 0,
    badValue, writesPerSecDuringStream: writeRate, postPinWrites: touched.size, snapshotsPinnedAfter: st.snapshotsPinned,
  };
}

// ---- Redis: BGSAVE fork time with the same volume

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}
function cli(port, ...a) {
  return execFileSync('redis-cli', ['-p', String(port), ...a], { encoding: 'latin1', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}
async function redisSide(dir) {
  const port = await freePort();
  const srv = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir, '--enable-debug-command', 'yes', '--dbfilename', 'snap.rdb'], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100; i++) {
      try { if (cli(port, 'PING') === 'PONG') break; } catch { /* not up yet */ }
      await sleep(100);
    }
    log(`loading ${RECORDS} keys of ${VLEN} bytes into redis-server (DEBUG POPULATE)`);
    cli(port, 'DEBUG', 'POPULATE', String(RECORDS), 'k', String(VLEN));
    const used = Number(/used_memory:(\d+)/.exec(cli(port, 'INFO', 'memory'))[1]);
    // A writer runs during the BGSAVE, as on the Strata side.
    const bench = spawn('redis-benchmark', ['-p', String(port), '-c', '4', '-n', '100000000', '-r', String(RECORDS), '-d', String(VLEN), '-t', 'set', '-q'], { stdio: 'ignore' });
    await sleep(1500);
    cli(port, 'BGSAVE');
    let fork = NaN;
    for (let i = 0; i < 600; i++) {
      await sleep(100);
      const info = cli(port, 'INFO', 'persistence');
      if (/rdb_bgsave_in_progress:0/.test(info)) {
        fork = Number(/latest_fork_usec:(\d+)/.exec(cli(port, 'INFO', 'stats'))[1]) / 1000;
        const took = Number(/rdb_last_bgsave_time_sec:(-?\d+)/.exec(info)[1]);
        bench.kill('SIGKILL');
        return { usedMiB: used / 1048576, forkMs: fork, bgsaveSecs: took };
      }
    }
    bench.kill('SIGKILL');
    return { usedMiB: used / 1048576, forkMs: fork, bgsaveSecs: NaN };
  } finally {
    srv.kill('SIGKILL');
  }
}

async function main() {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'rangeindex', 'tree.js'))) {
    execFileSync('npx', ['tsc', '-p', ROOT], { stdio: 'inherit' });
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-ri-snap-'));
  try {
    const strata = await strataSide(dir);
    let redis = null;
    if (!flag('--no-redis')) {
      try { redis = await redisSide(dir); } catch (e) { redis = { error: String(e.message || e) }; }
    }
    const res = { mb: MB, strata, redis, target: { pinMs: 10 } };
    if (flag('--json')) process.stdout.write(`${JSON.stringify(res)}\n`);
    else {
      const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
      process.stdout.write([
        `range-index snapshot of a ${f(strata.fileMiB, 0)} MiB tree (${strata.records} records) while a writer runs:`,
        `  snapshot (pin) time       ${f(strata.pinMs, 3)} ms   target <= 10 ms: ${strata.pinMs <= 10 ? 'pass' : 'MISS'}`,
        `  longest writer stall      ${f(strata.maxWriterGapMs, 2)} ms (before the snapshot: ${f(strata.gapBeforeMs, 2)} ms)`,
        `  stream the snapshot out   ${f(strata.streamSecs, 2)} s, ${strata.streamed} records, ${f(strata.streamedMiB, 0)} MiB; writer kept ${f(strata.writesPerSecDuringStream, 0)} writes/s`,
        `  frozen                    ${strata.frozenOk ? 'yes' : 'NO'} (count at pin ${strata.countAtPin}, records changed after the pin ${strata.postPinWrites}, values newer than the pin seen ${strata.badValue})`,
        redis && !redis.error
          ? `  redis-server BGSAVE fork  ${f(redis.forkMs, 1)} ms for ${f(redis.usedMiB, 0)} MiB used_memory (whole BGSAVE ${redis.bgsaveSecs} s); Strata pin / Redis fork = ${f(strata.pinMs / redis.forkMs, 3)}`
          : `  redis-server              ${redis ? redis.error : 'skipped'}`,
        '  Garnet (reference/garnet.md A8): CPR snapshot of a 1 GB Bf-Tree ~5.1 s',
      ].join('\n') + '\n');
    }
    return strata.frozenOk ? 0 : 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then((c) => process.exit(c), (e) => { process.stderr.write(`ri-snapshot: ${e.stack || e}\n`); process.exit(1); });

#!/usr/bin/env node
'use strict';
// Long kill -9 soak of Strata's persistence (not run by jest): the same cycles as
// test/crash/persistence.crash.*.test.ts, as many as you like.
//
//   npm run build
//   node test/crash/persistence-soak.js --cycles 300
//   node test/crash/persistence-soak.js --cycles 1000 --fsync always --seed 7 --conns 6 --keep
//
// Options: --cycles N (300), --fsync always|everysec|no (a different one each 50 cycles when absent),
// --seed N (random; printed, so a failure can be replayed), --conns N (4), --segment-size BYTES (32768),
// --kill-min MS (80), --kill-max MS (800), --dbs N (2: connection i writes to database i % N), --filler N
// (20000 static keys in database 0, so snapshots take many steps), --keep (keep the data dir), --verbose,
// -- <extra server args>.
// Exits 0 when every cycle passed, 1 with the failure (and the data dir kept) otherwise.
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const { runCrashCycles } = require('./persistence-writer.js');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'strata-server');

function parseArgs(argv) {
  const o = { cycles: 300, fsync: null, seed: null, conns: 4, segmentSize: 32768, killMin: 80, killMax: 800, dbs: 2, filler: 20000, keep: false, verbose: false, extra: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--') {
      o.extra = argv.slice(i + 1);
      break;
    } else if (a === '--cycles') o.cycles = Number(val());
    else if (a === '--fsync') o.fsync = val();
    else if (a === '--seed') o.seed = Number(val());
    else if (a === '--conns') o.conns = Number(val());
    else if (a === '--segment-size') o.segmentSize = Number(val());
    else if (a === '--kill-min') o.killMin = Number(val());
    else if (a === '--kill-max') o.killMax = Number(val());
    else if (a === '--dbs') o.dbs = Number(val());
    else if (a === '--filler') o.filler = Number(val());
    else if (a === '--keep') o.keep = true;
    else if (a === '--verbose') o.verbose = true;
    else if (a === '--help' || a === '-h') {
      const lines = fs.readFileSync(__filename, 'utf8').split('\n').slice(2);
      const n = lines.findIndex((l) => !l.startsWith('//'));
      process.stdout.write(lines.slice(0, n).join('\n').replace(/^\/\/ ?/gm, '') + '\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (o.seed === null) o.seed = Math.floor(Math.random() * 2 ** 31);
  return o;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

const live = new Set();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

/** Starts bin/strata-server on a free port; resolves once it answers (possibly -LOADING). */
async function startServer(dir, args, logFile) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const proc = spawn(process.execPath, ['--single-threaded-gc', BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: ROOT,
    });
    live.add(proc);
    let log = '';
    const onData = (d) => {
      const s = d.toString();
      log += s;
      if (log.length > 4 << 20) log = log.slice(-(2 << 20));
      fs.appendFileSync(logFile, s);
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    const exited = new Promise((res) => proc.on('exit', (code, signal) => (live.delete(proc), res({ code, signal }))));
    let gone = null;
    exited.then((e) => (gone = e));
    const handle = {
      port,
      logs: () => log,
      async kill9() {
        if (gone) return gone;
        proc.kill('SIGKILL');
        return exited;
      },
      async stop() {
        if (gone) return gone;
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 20000);
        const r = await exited;
        clearTimeout(t);
        return r;
      },
    };
    const until = Date.now() + 30000;
    while (Date.now() < until) {
      if (gone) break;
      if (await answers(port)) return handle;
      await new Promise((r) => setTimeout(r, 30));
    }
    if (gone && /EADDRINUSE/.test(log)) continue;
    await handle.kill9();
    throw new Error(`strata-server did not start (exit ${JSON.stringify(gone)}):\n${log.slice(-4000)}`);
  }
  throw new Error('strata-server: no free port after 5 attempts');
}

function answers(port) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    let got = '';
    const done = (v) => {
      clearTimeout(t);
      s.destroy();
      resolve(v);
    };
    const t = setTimeout(() => done(false), 500);
    s.on('error', () => done(false));
    s.on('connect', () => s.write('*1\r\n$4\r\nPING\r\n'));
    s.on('data', (d) => {
      got += d;
      if (got.includes('\r\n')) done(true);
    });
  });
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(path.join(ROOT, 'dist', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-soak-'));
  const modes = o.fsync ? [o.fsync] : ['everysec', 'always', 'no'];
  const chunk = o.fsync ? o.cycles : 50;
  console.log(`persistence soak: ${o.cycles} cycles, seed ${o.seed}, fsync ${modes.join('/')}, ${o.conns} connections, data in ${root}`);
  const t0 = Date.now();
  let done = 0;
  let part = 0;
  let ok = true;
  while (done < o.cycles) {
    const n = Math.min(chunk, o.cycles - done);
    const fsync = modes[part % modes.length];
    const dir = path.join(root, `run-${part}-${fsync}`);
    const ackDir = path.join(root, `acks-${part}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.mkdirSync(ackDir, { recursive: true });
    const logFile = path.join(root, `server-${part}.log`);
    const args = ['--appendonly', 'yes', '--appendfsync', fsync, '--wal-segment-size', String(o.segmentSize), '--save', '5', '1000', ...o.extra];
    const seed = o.seed + part;
    const st = await runCrashCycles({
      cycles: n,
      seed,
      conns: o.conns,
      ackDir,
      killMinMs: o.killMin,
      killMaxMs: o.killMax,
      dbs: o.dbs,
      filler: o.filler,
      start: () => startServer(dir, args, logFile),
      log: o.verbose ? (m) => console.log(`  [${fsync}] ${m}`) : () => {},
    }).catch((e) => ({ cycles: 0, acked: 0, unackedApplied: 0, snapshots: 0, rewrites: 0, doubleKills: 0, terms: 0, failures: [String(e && e.stack ? e.stack : e)] }));
    done += st.cycles;
    console.log(
      `  ${fsync}: ${st.cycles}/${n} cycles, seed ${seed}, ${st.acked} ops acknowledged, ${st.unackedApplied} unacknowledged ops applied, ` +
        `${st.snapshots} BGSAVE, ${st.rewrites} BGREWRITEAOF, ${st.doubleKills} kills during recovery, ${st.terms} SIGTERMs under load (${Math.round((Date.now() - t0) / 1000)} s)`,
    );
    if (st.failures.length > 0) {
      ok = false;
      console.error(`FAILED (seed ${seed}, fsync ${fsync}):\n${st.failures.join('\n')}\ndata dir kept: ${dir}\nserver log: ${logFile}`);
      break;
    }
    if (!o.keep) {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(ackDir, { recursive: true, force: true });
      fs.rmSync(logFile, { force: true });
    }
    part++;
  }
  if (ok) {
    console.log(`OK: ${done} kill -9 cycles in ${Math.round((Date.now() - t0) / 1000)} s`);
    if (!o.keep) fs.rmSync(root, { recursive: true, force: true });
  }
  for (const p of live) p.kill('SIGKILL');
  process.exit(ok ? 0 : 1);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});

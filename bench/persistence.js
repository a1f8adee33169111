#!/usr/bin/env node
'use strict';
// Persistence benchmarks, Strata vs redis-server, both always with the same settings in the same run:
//   1. throughput with appendonly yes + appendfsync everysec, and with appendfsync always: redis-benchmark
//      -c 50 at -P 1 and -P 16 for SET, LPUSH, RPUSH, SADD, HSET, ZADD, INCR (medians of alternating
//      runs, server CPU us/op from /proc, p99 from redis-benchmark --csv);
//   2. restart time with 1 M keys of 100 B values: process start to PING answering and `loading:0`,
//      after kill -9, from snapshot + log tail, from the log alone, and from a snapshot alone
//      (Redis: AOF with RDB preamble + tail, AOF of commands, dump.rdb);
//   3. BGSAVE of 1 M keys under a SET load (-c 50 -P 1): RSS growth during the save (Redis: parent RSS +
//      the fork child's Private_Dirty, i.e. the pages copied on write) and the load's p99 latency during
//      saves against the same load without a save.
// Data dirs live on a real disk (os.tmpdir() unless that is tmpfs, then <repo>/data), never /dev/shm.
// Servers are pinned to one CPU and the load generator (and this harness) to another with taskset.
// Run: `npm run bench -- --persistence` (after the other benchmarks), `npm run bench -- --only persistence`,
// or `node bench/persistence.js [--quick]` (needs `npm run build`). `--help` for the flags.
// Writes its section of docs/benchmarks.md (between the persistence markers), leaving the rest as is.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const B = require('./run.js');

const { ROOT, Conn, RespError, withConn, startPair, benchOnce, serverDead, which, sleep, checkAborted, tmpDirs,
  median, geomean, fmtOps, fmtRatio, fmtUs, fmtBytes, textTable, mdTable, rssBytes, envInfo, shQuote } = B;

const LOADS = ['set', 'lpush', 'rpush', 'sadd', 'hset', 'zadd', 'incr'];
const MODES = ['everysec', 'always'];
const RESTART_TARGET_S = 2; // Strata restart with 1 M keys, and faster than Redis from RDB and from AOF
const RSS_TARGET = 0.10; // RSS growth during BGSAVE
const P99_TARGET = 2; // p99 during BGSAVE / p99 idle
const VLEN = 100;
const BEGIN = '<!-- persistence:begin -->';
const END = '<!-- persistence:end -->';
const CARRIED = '> **Not re-run by the latest `npm run bench`**';

// ------------------------------------------------------------------ options

const HELP = `Usage: node bench/persistence.js [flags]
   or: npm run bench -- --persistence        (after the other benchmarks)
       npm run bench -- --only persistence   (alone)

  --quick             smoke run: n=20000, 2 reps, 250000 keys, 1 restart, 1 BGSAVE rep (1-2 min;
                      the full run takes about 7-8 min on a 2-CPU box)
  --parts a,b         throughput,restart,bgsave (default: all three)
  --modes a,b         appendfsync policies for the throughput part (default everysec,always)
  --reps N            alternating runs per throughput cell, median shown (default 3; 2 with --quick)
  --n N               requests per throughput run (default 100000; 20000 with --quick)
  --warmup N          warm-up requests per load, depth, server and policy (default 10000; 2000 with --quick)
  --pipelines 1,16    pipeline depths (default 1,16)
  --clients N         redis-benchmark -c (default 50)
  --keys N            keys of ${VLEN} B for the restart and BGSAVE parts (default 1000000; 250000 with --quick)
  --tail N            writes after the snapshot for "snapshot + log tail" (default keys/10)
  --restart-reps N    restarts per server and scenario, median shown (default 3; 1 with --quick)
  --bgsave-n N        SET requests per BGSAVE-part run (default 100000; 50000 with --quick)
  --bgsave-reps N     idle + BGSAVE run pairs per server, median shown (default 3; 1 with --quick)
  --data-dir DIR      parent of the data dirs (default: os.tmpdir() unless it is tmpfs, else <repo>/data)
  --no-pin            do not pin servers / load generator to CPUs with taskset
  --timeout S         seconds before one redis-benchmark run or one restart is given up (default 300)
  --out FILE          markdown file whose persistence section is replaced (default docs/benchmarks.md)
  --no-write          do not write the markdown file

Env STRATA_CMD works as for bench/run.js (the persistence directives are appended to it).
`;

function die(msg) { process.stderr.write(`bench/persistence: ${msg}\n`); process.exit(2); }
function posInt(s, what) { const n = Number(s); if (!Number.isInteger(n) || n <= 0) die(`${what}: expected a positive integer, got "${s}"`); return n; }
function nonNegInt(s, what) { const n = Number(s); if (!Number.isInteger(n) || n < 0) die(`${what}: expected an integer >= 0, got "${s}"`); return n; }
function list(s) { return String(s).split(',').map((x) => x.trim().toLowerCase()).filter(Boolean); }

function parseCli(argv) {
  const o = { argv: `node bench/persistence.js ${argv.join(' ')}`.trim() };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let v;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { v = a.slice(eq + 1); a = a.slice(0, eq); }
    const val = () => {
      if (v !== undefined) return v;
      if (i + 1 >= argv.length) die(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--quick': o.quick = true; break;
      case '--parts': o.parts = list(val()); break;
      case '--modes': o.modes = list(val()); break;
      case '--reps': o.reps = posInt(val(), a); break;
      case '--n': o.n = posInt(val(), a); break;
      case '--warmup': o.warmup = nonNegInt(val(), a); break;
      case '--pipelines': o.pipelines = list(val()).map((x) => posInt(x, a)); break;
      case '--clients': o.clients = posInt(val(), a); break;
      case '--keys': o.keys = posInt(val(), a); break;
      case '--tail': o.tail = nonNegInt(val(), a); break;
      case '--restart-reps': o.restartReps = posInt(val(), a); break;
      case '--bgsave-n': o.bgsaveN = posInt(val(), a); break;
      case '--bgsave-reps': o.bgsaveReps = posInt(val(), a); break;
      case '--data-dir': o.dataDir = path.resolve(val()); break;
      case '--no-pin': o.pin = false; break;
      case '--timeout': o.timeout = posInt(val(), a); break;
      case '--out': o.out = path.resolve(val()); break;
      case '--no-write': o.write = false; break;
      case '-h': case '--help': process.stdout.write(HELP); process.exit(0); // eslint-disable-line no-fallthrough
      default: die(`unknown argument ${argv[i]} (try --help)`);
    }
  }
  return finalize(o);
}

/** Options when run from bench/run.js (--persistence): its --quick, --clients, --timeout, --out, --no-write,
 *  --pipelines, and --reps / --n when given explicitly. */
function optionsFrom(r) {
  return finalize({
    argv: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    quick: r.quick, clients: r.clients, timeout: r.timeout, out: r.out, write: r.write, pipelines: r.pipelines,
    reps: r.repsSet ? r.reps : undefined, n: r.nSet ? r.n : undefined,
  });
}

function finalize(o) {
  const q = !!o.quick;
  const d = (x, full, quick) => (x !== undefined ? x : q ? quick : full);
  const f = {
    argv: o.argv || '',
    quick: q,
    parts: o.parts || ['throughput', 'restart', 'bgsave'],
    modes: o.modes || MODES,
    reps: d(o.reps, 3, 2),
    n: d(o.n, 100000, 20000),
    warmup: d(o.warmup, 10000, 2000),
    pipelines: o.pipelines || [1, 16],
    clients: o.clients || 50,
    keys: d(o.keys, 1000000, 250000),
    restartReps: d(o.restartReps, 3, 1),
    bgsaveN: d(o.bgsaveN, 100000, 50000),
    bgsaveReps: d(o.bgsaveReps, 3, 1),
    dataDir: o.dataDir || null,
    pin: o.pin !== false,
    timeout: o.timeout || 300,
    out: o.out || path.join(ROOT, 'docs', 'benchmarks.md'),
    write: o.write !== false,
  };
  f.tail = o.tail !== undefined ? o.tail : Math.floor(f.keys / 10);
  if (f.tail > f.keys) die('--tail must be <= --keys');
  for (const p of f.parts) if (!['throughput', 'restart', 'bgsave'].includes(p)) die(`--parts: unknown part "${p}"`);
  for (const m of f.modes) if (!['everysec', 'always', 'no'].includes(m)) die(`--modes: unknown appendfsync "${m}"`);
  return f;
}

// ------------------------------------------------------------------ environment: disk, CPUs

const MEMFS = new Set(['tmpfs', 'ramfs', 'devtmpfs', 'hugetlbfs']);

/** The mount holding p (longest mount-point prefix of its real path), from /proc/self/mounts. */
function mountOf(p) {
  let real = p;
  try { real = fs.realpathSync(p); } catch { /* as given */ }
  let best = null;
  for (const line of fs.readFileSync('/proc/self/mounts', 'latin1').split('\n')) {
    const f = line.split(' ');
    if (f.length < 3) continue;
    const mnt = f[1].replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
    const inside = real === mnt || real.startsWith(mnt.endsWith('/') ? mnt : `${mnt}/`);
    if (inside && (!best || mnt.length >= best.mnt.length)) best = { src: f[0], mnt, type: f[2] };
  }
  return best || { src: '?', mnt: '?', type: '?' };
}

/** A fresh temp dir on a disk file system for the servers' data dirs (removed at exit). */
function dataRoot(o) {
  const cands = o.dataDir ? [o.dataDir] : [os.tmpdir(), path.join(ROOT, 'data')];
  for (const c of cands) {
    try { fs.mkdirSync(c, { recursive: true }); } catch { continue; }
    const m = mountOf(c);
    if (MEMFS.has(m.type) && !o.dataDir) continue;
    const dir = fs.mkdtempSync(path.join(c, 'strata-pbench-'));
    tmpDirs.add(dir);
    const warn = MEMFS.has(m.type) ? ' **WARNING: a memory file system, fsync figures are not representative**' : '';
    return { dir, note: `${dir} (${m.type} on ${m.src}, mounted at ${m.mnt})${warn}` };
  }
  die(`no disk-backed temp dir found (tried ${cands.join(', ')}); use --data-dir`);
  return null;
}

function cpuList(s) {
  const out = [];
  for (const part of String(s).trim().split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (!Number.isInteger(a)) continue;
    for (let c = a; c <= (Number.isInteger(b) ? b : a); c++) out.push(c);
  }
  return out;
}
function allowedCpus() {
  try {
    const m = /^Cpus_allowed_list:\s*(\S+)/m.exec(fs.readFileSync('/proc/self/status', 'latin1'));
    if (m) return { list: cpuList(m[1]), text: m[1] };
  } catch { /* fall through */ }
  const n = os.cpus().length;
  return { list: Array.from({ length: n }, (_, i) => i), text: `0-${n - 1}` };
}

/** Servers on one CPU, redis-benchmark and this harness on another (taskset), when possible. */
function cpuPlan(o) {
  const cpus = allowedCpus();
  if (!o.pin) return { note: 'not pinned (--no-pin)' };
  if (!which('taskset')) return { note: 'not pinned (taskset not found)' };
  if (cpus.list.length < 2) return { note: `not pinned (only CPU ${cpus.text} allowed)` };
  const [s, l, ...rest] = cpus.list;
  return {
    server: String(s), load: String(l), original: cpus.text,
    note: `\`taskset\`: both servers (with all their threads, and Redis' fork children, which inherit it) on CPU ${s}; ` +
      `redis-benchmark and this harness (fills, INFO polling, /proc sampling) on CPU ${l}` +
      `${rest.length ? `; CPUs ${rest.join(',')} unused` : ''}. The servers run one at a time (alternating), so they never compete. ` +
      '(bench/run.js\'s own tables are not pinned.)',
  };
}
function pinSelf(cpus) {
  try { execFileSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' }); return true; } catch { return false; }
}

// ------------------------------------------------------------------ small helpers

function parseInfo(s) {
  const o = {};
  for (const l of String(s).split(/\r?\n/)) {
    const i = l.indexOf(':');
    if (i > 0 && l[0] !== '#') o[l.slice(0, i)] = l.slice(i + 1);
  }
  return o;
}
async function info(c, section) {
  const r = await c.cmd('INFO', section);
  if (r instanceof RespError) throw new Error(`INFO ${section}: ${r.message}`);
  return parseInfo(r);
}
async function okCmd(c, ...args) {
  const r = await c.cmd(...args);
  if (r instanceof RespError) throw new Error(`${args.join(' ')}: ${r.message}`);
  return r;
}
const now = () => Number(process.hrtime.bigint()) / 1e9;

/** ['--a', 'x', '--b', 'y'] -> [['a', 'x'], ['b', 'y']] (every directive here takes one value). */
function directivePairs(extra) {
  const out = [];
  for (let i = 0; i + 1 < extra.length; i += 2) out.push([extra[i].replace(/^--/, ''), extra[i + 1]]);
  return out;
}
/** CONFIG GET of every directive we set (and save), on one server: the mismatches. */
async function verifySettings(srv, extra) {
  const want = [['save', ''], ...directivePairs(extra)];
  return withConn(srv.port, async (c) => {
    const bad = [];
    for (const [k, v] of want) {
      const r = await c.cmd('CONFIG', 'GET', k);
      const got = Array.isArray(r) ? r[1] : r instanceof RespError ? `-${r.message}` : r;
      if (String(got) !== v) bad.push(`${k}=${JSON.stringify(got)} (expected ${JSON.stringify(v)})`);
    }
    return bad;
  });
}
function settingsText(extra) { return ['--save', "''", ...extra.map(shQuote)].join(' '); }

function rmDir(d) { try { if (d) fs.rmSync(d, { recursive: true, force: true }); } catch { /* best effort */ } }

/** Bytes of the files under d (hard links counted once). */
function duBytes(d, seen = new Set()) {
  let t = 0;
  let ents;
  try { ents = fs.readdirSync(d, { withFileTypes: true }); } catch { return 0; }
  for (const e of ents) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) t += duBytes(p, seen);
    else if (e.isFile()) {
      try { const st = fs.statSync(p); const id = `${st.dev}:${st.ino}`; if (!seen.has(id)) { seen.add(id); t += st.size; } } catch { /* gone */ }
    }
  }
  return t;
}
/** "wal/ 83 MiB, snapshots/ 44 MiB" : the sizes of d's top-level entries. */
function dirSizes(d) {
  const parts = [];
  const seen = new Set();
  let ents = [];
  try { ents = fs.readdirSync(d, { withFileTypes: true }); } catch { return '-'; }
  // directories first: Strata's <dir>/dump.rdb is a hard link to the newest snapshot's file
  for (const e of ents.sort((a, b) => (b.isDirectory() - a.isDirectory()) || a.name.localeCompare(b.name))) {
    const p = path.join(d, e.name);
    const bytes = e.isDirectory() ? duBytes(p, seen) : (() => { try { const st = fs.statSync(p); const id = `${st.dev}:${st.ino}`; if (seen.has(id)) return 0; seen.add(id); return st.size; } catch { return 0; } })();
    if (bytes >= 65536) parts.push(`${e.name}${e.isDirectory() ? '/' : ''} ${fmtBytes(bytes)}`);
  }
  return parts.join(', ') || '-';
}

// ---- memory of a server, with its fork children (Redis' BGSAVE child)

function childrenOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    const out = [];
    for (const d of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const s = fs.readFileSync(`/proc/${d}/stat`, 'latin1');
        if (Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(d));
      } catch { /* gone */ }
    }
    return out;
  }
}
function privateDirty(pid) {
  try {
    const m = /^Private_Dirty:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch { return 0; }
}
/** parent VmRSS, and for each child its Private_Dirty (pages copied on write since the fork) and VmRSS. */
function memNow(pid) {
  const parent = rssBytes(pid);
  let childDirty = 0;
  let childRss = 0;
  for (const c of childrenOf(pid)) {
    childDirty += privateDirty(c);
    const r = rssBytes(c);
    if (Number.isFinite(r)) childRss += r;
  }
  return { parent, childDirty, childRss, total: parent + childDirty };
}

// ---- data: keys in redis-benchmark's own format (key:<12 digits>), so `-r N` loads overwrite them

const keyName = (i) => `key:${String(i).padStart(12, '0')}`;
const PAD = 'x'.repeat(VLEN);
function valueOf(i, tag) { const s = `${tag}${i}:`; return s + PAD.slice(s.length); }
function* setStream(from, to, tag) { for (let i = from; i < to; i++) yield ['SET', keyName(i), valueOf(i, tag)]; }

async function fill(srv, from, to, tag) {
  const t0 = now();
  const r = await withConn(srv.port, (c) => c.pipeline(setStream(from, to, tag)));
  if (r.errors) throw new Error(`${srv.label}: ${r.errors} of ${to - from} SETs failed, first: ${r.firstError}`);
  return (to - from) / (now() - t0);
}

// ------------------------------------------------------------------ 1. throughput with AOF / WAL

const BIND = ['--bind', '127.0.0.1'];
function tputArgs(mode) { return [...BIND, '--appendonly', 'yes', '--appendfsync', mode]; }

async function throughputPart(o, root, plan, progress) {
  const out = { modes: {}, cmds: {} };
  const bo = { clients: o.clients, timeout: o.timeout, loadCpus: plan.load };
  const tests = LOADS.map((name) => ({ name }));
  for (const mode of o.modes) {
    checkAborted();
    const extra = tputArgs(mode);
    const { redis, strata } = await startPair(root, `tput-${mode}`, { extra, cpus: plan.server });
    const servers = { redis, strata };
    const M = (out.modes[mode] = { results: {}, counters: {}, settings: [], deaths: [] });
    out.cmds[mode] = { redis: redis.display, strata: strata.display };
    // A server that died is reported (its run fails) and started again on a fresh dir, so one death does
    // not void the rest of the table.
    let lives = 0;
    const revive = async (srv) => {
      const dead = serverDead(srv);
      if (!dead) return;
      M.deaths.push(`${dead}${srv.lastLogLine ? `; its last log line: ${srv.lastLogLine}` : ''}`);
      if (++lives > 3) return; // bounded: after 3 restarts the remaining runs fail
      const old = srv.dir;
      await srv.start(`tput-${mode}-restart${lives}`);
      rmDir(old);
      progress(`persistence: ${dead}; restarted it on a fresh data dir`);
    };
    try {
      for (const s of [redis, strata]) {
        const bad = await verifySettings(s, extra);
        if (bad.length) M.settings.push(`${s.label}: ${bad.join(', ')}`);
      }
      if (o.warmup > 0) {
        progress(`persistence: appendfsync ${mode}: warm-up ${o.warmup} requests per load, depth and server`);
        for (const P of o.pipelines) {
          for (const t of tests) {
            for (const side of ['redis', 'strata']) {
              const r = await benchOnce(servers[side], servers[side === 'redis' ? 'strata' : 'redis'], t, P, o.warmup, bo);
              if (r.error && !r.skipped) progress(`  warm-up ${t.name} -P ${P} on ${servers[side].label}: ${r.error}`);
            }
          }
        }
      }
      for (let rep = 0; rep < o.reps; rep++) {
        const order = rep % 2 === 0 ? ['redis', 'strata'] : ['strata', 'redis'];
        for (const P of o.pipelines) {
          for (const t of tests) {
            const line = [];
            for (const side of order) {
              await revive(servers[side]);
              const r = await benchOnce(servers[side], servers[side === 'redis' ? 'strata' : 'redis'], t, P, o.n, bo);
              if (serverDead(servers[side])) servers[side].lastLogLine = lastLine(servers[side].log);
              r.n = o.n;
              ((M.results[t.name] ||= {})[P] ||= { redis: [], strata: [] })[side].push(r);
              line.push(`${servers[side].label} ${r.error ? `FAIL (${r.error})` : `${fmtOps(r.rps)} p99 ${r.lat.p99} ms`}`);
            }
            progress(`persistence: ${mode} rep ${rep + 1}/${o.reps} -P ${String(P).padEnd(2)} ${t.name.padEnd(6)} ${line.join('   ')}`);
          }
        }
      }
      for (const s of [redis, strata]) {
        if (serverDead(s)) { M.counters[s.side] = { dead: serverDead(s) }; continue; }
        try {
          M.counters[s.side] = await withConn(s.port, (c) => info(c, 'persistence'));
        } catch (e) { M.counters[s.side] = { error: e.message }; }
      }
    } finally {
      await Promise.all([redis.stop(), strata.stop()]);
      rmDir(redis.dir); rmDir(strata.dir);
    }
  }
  return out;
}

function throughputSummary(o, T) {
  const showReps = o.reps > 1;
  const head = ['appendfsync', 'test', 'P', 'Redis ops/s', 'Strata ops/s', 'Strata/Redis', 'Redis CPU us/op', 'Strata CPU us/op',
    'Redis p99 ms', 'Strata p99 ms', 'other CPU'];
  if (showReps) head.push('per-rep ratios');
  const rows = [];
  const failures = [];
  const notes = [];
  for (const mode of o.modes) {
    const M = T.modes[mode];
    if (!M) continue;
    for (const w of M.settings) notes.push(`appendfsync ${mode}: settings differ from what was asked: ${w}`);
    for (const P of o.pipelines) {
      const ratios = [];
      const opsR = [];
      const opsS = [];
      const cpuR = [];
      const cpuS = [];
      for (const t of LOADS) {
        const cell = M.results[t] && M.results[t][P];
        if (!cell) continue;
        const stat = (runs) => {
          const ok = runs.filter((r) => !r.error);
          for (const r of runs) if (r.error && !r.skipped) failures.push(`appendfsync ${mode} ${t} -P ${P}: ${r.error}`);
          return {
            ok: ok.length,
            rps: median(ok.map((r) => r.rps)),
            cpu: median(ok.map((r) => (r.srvSecs * 1e6) / r.n)),
            p99: median(ok.map((r) => r.lat.p99)),
            other: Math.max(0, ...ok.map((r) => r.otherCores)),
          };
        };
        const R = stat(cell.redis);
        const S = stat(cell.strata);
        const ratio = S.rps / R.rps;
        if (Number.isFinite(ratio)) {
          ratios.push(ratio); opsR.push(R.rps); opsS.push(S.rps);
          if (R.cpu > 0 && S.cpu > 0) { cpuR.push(R.cpu); cpuS.push(S.cpu); }
        }
        const row = [mode, t, String(P), R.ok ? fmtOps(R.rps) : 'FAIL', S.ok ? fmtOps(S.rps) : 'FAIL', fmtRatio(ratio),
          fmtUs(R.cpu), fmtUs(S.cpu), fmtMs(R.p99), fmtMs(S.p99), `${Math.max(R.other, S.other).toFixed(2)}${Math.max(R.other, S.other) > 0.12 ? ' !' : ''}`];
        if (showReps) {
          const per = [];
          for (let i = 0; i < Math.max(cell.redis.length, cell.strata.length); i++) {
            const a = cell.redis[i];
            const b = cell.strata[i];
            per.push(a && b && !a.error && !b.error ? (b.rps / a.rps).toFixed(2) : '-');
          }
          row.push(per.join(' '));
        }
        rows.push(row);
      }
      if (ratios.length) {
        const row = [mode, `geomean (${ratios.length})`, String(P), fmtOps(geomean(opsR)), fmtOps(geomean(opsS)), fmtRatio(geomean(ratios)),
          fmtUs(geomean(cpuR)), fmtUs(geomean(cpuS)), '', '', ''];
        if (showReps) row.push('');
        rows.push(row);
      }
    }
    for (const d of M.deaths) failures.push(`appendfsync ${mode}: ${d}`);
    if (M.deaths.length) notes.push(`appendfsync ${mode}: a server was restarted during this mode; its counters below are those of the last process`);
    const c = M.counters;
    const cnt = (x, keys) => (!x ? '?' : x.dead || x.error ? `(${x.dead || x.error})` : keys.map((k) => `${k}=${x[k] === undefined ? '-' : x[k]}`).join(' '));
    notes.push(`appendfsync ${mode}, counters at the end (auto rewrites with the default auto-aof-rewrite-percentage 100 / min-size 64mb ran under the load): ` +
      `Redis ${cnt(c.redis, ['aof_rewrites', 'aof_current_size'])}; Strata ${cnt(c.strata, ['aof_rewrites', 'rdb_saves', 'aof_current_size', 'wal_fsyncs'])}`);
  }
  return { head, rows, failures, notes };
}
function lastLine(file) {
  try { return fs.readFileSync(file, 'utf8').trimEnd().split('\n').pop().slice(0, 300); } catch { return ''; }
}
function fmtMs(x) { return Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) : '-'; }
function fmtS(x) { return Number.isFinite(x) ? x.toFixed(2) : '-'; }
function fmtPct(x) { return Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '-'; }

// ------------------------------------------------------------------ 2. restart time

const AOF_BASE = [...BIND, '--appendonly', 'yes', '--appendfsync', 'everysec', '--auto-aof-rewrite-percentage', '0'];
const SCENARIOS = [
  {
    id: 'snaptail', label: 'snapshot + log tail', extra: [...AOF_BASE, '--aof-use-rdb-preamble', 'yes'], tail: true,
    base: { strata: ['SAVE'], redis: ['BGREWRITEAOF'] },
    what: {
      strata: 'fill, SAVE (snapshot), tail writes: loads snapshots/ + the WAL after it',
      redis: 'fill, BGREWRITEAOF (base = RDB preamble), tail writes: loads appendonlydir/ base.rdb + incr.aof',
    },
  },
  {
    id: 'log', label: 'log only', extra: [...AOF_BASE, '--aof-use-rdb-preamble', 'no'], tail: false, base: null,
    what: { strata: 'fill: replays the WAL alone (no snapshot)', redis: 'fill: replays an AOF of commands (no RDB preamble, no rewrite)' },
  },
  {
    id: 'snap', label: 'snapshot only', extra: [...BIND, '--appendonly', 'no'], tail: false,
    base: { strata: ['SAVE'], redis: ['SAVE'] },
    what: { strata: 'fill, SAVE: loads the snapshot (no WAL: appendonly no)', redis: 'fill, SAVE: loads dump.rdb (appendonly no)' },
  },
];

async function waitRewrite(c, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const inf = await info(c, 'persistence');
    if (inf.aof_rewrite_in_progress === '0' && inf.aof_rewrite_scheduled === '0' && inf.rdb_bgsave_in_progress === '0') {
      if (inf.aof_last_bgrewrite_status && inf.aof_last_bgrewrite_status !== 'ok') throw new Error(`AOF rewrite failed (aof_last_bgrewrite_status ${inf.aof_last_bgrewrite_status})`);
      return;
    }
    await sleep(50);
  }
  throw new Error(`AOF rewrite still running after ${timeoutMs / 1000} s`);
}

/** The server's own "loaded in" figure from its log (Redis: "DB loaded from ...: X seconds"; Strata: pino "DB loaded from disk" ms). */
async function serverLoadSecs(srv) {
  for (let i = 0; i < 20; i++) {
    let t = '';
    try { t = fs.readFileSync(srv.log, 'utf8'); } catch { /* not yet */ }
    let m = /DB loaded from (?:disk|append only file): ([\d.]+) seconds/.exec(t);
    if (m) return Number(m[1]);
    for (const line of t.split('\n')) {
      if (!line.includes('"DB loaded from disk"')) continue;
      try { const j = JSON.parse(line); if (Number.isFinite(j.ms)) return j.ms / 1000; } catch { /* not JSON */ }
      m = /"ms":(\d+)/.exec(line);
      if (m) return Number(m[1]) / 1000;
    }
    await sleep(50);
  }
  return NaN;
}

/** Starts srv on its data dir and times it from the spawn to PING = PONG and INFO persistence loading:0. */
async function timedStart(srv, tag, timeoutMs) {
  await srv.launch(tag);
  const t0 = srv.spawnedAt;
  const deadline = Date.now() + timeoutMs;
  let c = null;
  let last = 'no connection yet';
  let sawLoading = false;
  try {
    while (Date.now() < deadline) {
      checkAborted();
      if (srv.exit) throw new Error(`${srv.label} exited during recovery (${srv.exitText()})\n${srv.logTail()}`);
      if (!c || c.failed) {
        if (c) c.close();
        c = null;
        try { c = await Conn.open(srv.port, 1000); } catch (e) { last = e.message; await sleep(5); continue; }
      }
      const r = await Promise.race([c.cmd('PING').catch((e) => e), sleep(5000).then(() => null)]);
      if (r === 'PONG') {
        const inf = await Promise.race([info(c, 'persistence').catch((e) => e), sleep(5000).then(() => null)]);
        if (inf && !(inf instanceof Error) && inf.loading === '0') {
          const secs = Number(process.hrtime.bigint() - t0) / 1e9;
          return { secs, sawLoading, conn: c };
        }
        if (inf && !(inf instanceof Error)) sawLoading = true;
        last = inf instanceof Error ? inf.message : inf ? 'PONG but loading:1' : 'INFO timed out';
        if (!inf || inf instanceof Error) { c.close(); c = null; }
      } else if (r instanceof RespError) {
        if (/^LOADING/.test(r.message)) sawLoading = true;
        last = `-${r.message}`;
      } else {
        last = r === null ? 'PING timed out' : r instanceof Error ? r.message : JSON.stringify(r);
        c.close(); c = null;
      }
      await sleep(10);
    }
  } catch (e) {
    if (c) c.close();
    throw e;
  }
  if (c) c.close();
  throw new Error(`${srv.label} not ready ${timeoutMs / 1000} s after the restart (${last})\n${srv.logTail()}`);
}

async function restartPart(o, root, plan, progress) {
  const out = { scenarios: {}, cmds: {} };
  for (const sc of SCENARIOS) {
    checkAborted();
    const { redis, strata } = await startPair(root, `rs-${sc.id}`, { extra: sc.extra, cpus: plan.server });
    const servers = { redis, strata };
    const S = (out.scenarios[sc.id] = { redis: { runs: [] }, strata: { runs: [] }, settings: [] });
    out.cmds[sc.id] = { redis: redis.display, strata: strata.display };
    try {
      for (const srv of [redis, strata]) {
        const bad = await verifySettings(srv, sc.extra);
        if (bad.length) S.settings.push(`${srv.label}: ${bad.join(', ')}`);
      }
      // the same data in both: keys 0..N-1 (value tag 'v'), then the tail writes overwrite keys 0..tail-1 (tag 't')
      for (const side of ['redis', 'strata']) {
        const srv = servers[side];
        const X = S[side];
        try {
          progress(`persistence: restart "${sc.label}": filling ${srv.label} with ${o.keys} keys of ${VLEN} B`);
          X.fillRate = await fill(srv, 0, o.keys, 'v');
          if (sc.base) {
            const t0 = now();
            await withConn(srv.port, async (c) => {
              await okCmd(c, ...sc.base[side]);
              if (sc.base[side][0] === 'BGREWRITEAOF') await waitRewrite(c, o.timeout * 1000);
            });
            X.baseSecs = now() - t0;
          }
          const tail = sc.tail ? o.tail : 0;
          if (tail) await fill(srv, 0, tail, 't');
          X.expect = [[keyName(0), tail ? valueOf(0, 't') : valueOf(0, 'v')], [keyName(o.keys - 1), o.keys - 1 < tail ? valueOf(o.keys - 1, 't') : valueOf(o.keys - 1, 'v')]];
          srv.fixedDir = srv.dir; // restarts reuse this data dir
          X.files = dirSizes(srv.dir);
        } catch (e) {
          X.error = serverDead(srv) || e.message;
        }
      }
      for (let rep = 0; rep < o.restartReps; rep++) {
        const order = rep % 2 === 0 ? ['redis', 'strata'] : ['strata', 'redis'];
        for (const side of order) {
          const srv = servers[side];
          const X = S[side];
          if (X.error) continue;
          checkAborted();
          let r;
          try {
            await srv.kill9();
            const st = await timedStart(srv, `rs-${sc.id}-${rep + 1}`, o.timeout * 1000);
            r = { secs: st.secs, sawLoading: st.sawLoading };
            try {
              const dbsize = await st.conn.cmd('DBSIZE');
              const checks = [];
              if (dbsize !== o.keys) checks.push(`DBSIZE ${dbsize} (expected ${o.keys})`);
              for (const [k, v] of X.expect) {
                const got = await st.conn.cmd('GET', k);
                if (got !== v) checks.push(`GET ${k} = ${JSON.stringify(got && String(got).slice(0, 20))}... (expected ${JSON.stringify(v.slice(0, 20))}...)`);
              }
              r.check = checks.length ? checks.join('; ') : 'ok';
            } finally { st.conn.close(); }
            r.serverSecs = await serverLoadSecs(srv);
            r.rss = rssBytes(srv.pid);
          } catch (e) {
            r = { error: serverDead(srv) || e.message };
          }
          X.runs.push(r);
          progress(`persistence: restart "${sc.label}" ${rep + 1}/${o.restartReps} ${srv.label}: ${r.error ? `FAIL ${r.error.split('\n')[0]}` : `${r.secs.toFixed(3)} s (server says ${fmtS(r.serverSecs)} s), check ${r.check}`}`);
        }
      }
    } finally {
      await Promise.all([redis.stop(), strata.stop()]);
      rmDir(redis.dir); rmDir(strata.dir);
    }
  }
  return out;
}

function restartSummary(o, R) {
  const head = ['scenario', 'Redis loads', 'Strata loads', 'Redis s', 'Strata s', 'Strata/Redis', 'Redis s (own log)', 'Strata s (own log)',
    'Redis files', 'Strata files', 'RSS after R / S', 'check R / S'];
  const rows = [];
  const failures = [];
  const notes = [];
  const med = {};
  for (const sc of SCENARIOS) {
    const S = R.scenarios[sc.id];
    if (!S) continue;
    for (const w of S.settings) notes.push(`${sc.label}: settings differ from what was asked: ${w}`);
    const stat = (side) => {
      const X = S[side];
      const ok = X.runs.filter((r) => !r.error);
      if (X.error) failures.push(`restart "${sc.label}" ${side}: ${X.error.split('\n')[0]}`);
      for (const r of X.runs) if (r.error) failures.push(`restart "${sc.label}" ${side}: ${r.error.split('\n')[0]}`);
      for (const r of ok) if (r.check !== 'ok') failures.push(`restart "${sc.label}" ${side}: wrong data after recovery: ${r.check}`);
      return {
        secs: median(ok.map((r) => r.secs)), own: median(ok.map((r) => r.serverSecs)), rss: median(ok.map((r) => r.rss)),
        all: ok.map((r) => r.secs.toFixed(2)).join(' '), check: X.error ? 'FAIL' : ok.length ? [...new Set(ok.map((r) => (r.check === 'ok' ? 'ok' : 'BAD')))].join(',') : 'FAIL',
        files: X.files || '-', fill: X.fillRate,
      };
    };
    const r = stat('redis');
    const s = stat('strata');
    med[sc.id] = { redis: r.secs, strata: s.secs };
    rows.push([sc.label, sc.what.redis, sc.what.strata, r.secs ? `${fmtS(r.secs)}${o.restartReps > 1 ? ` (${r.all})` : ''}` : 'FAIL',
      s.secs ? `${fmtS(s.secs)}${o.restartReps > 1 ? ` (${s.all})` : ''}` : 'FAIL', fmtRatio(s.secs / r.secs), fmtS(r.own), fmtS(s.own),
      r.files, s.files, `${fmtBytes(r.rss)} / ${fmtBytes(s.rss)}`, `${r.check} / ${s.check}`]);
    notes.push(`${sc.label}: fill rate (pipelined SETs from this harness) Redis ${fmtOps(r.fill)}/s, Strata ${fmtOps(s.fill)}/s` +
      (S.redis.baseSecs !== undefined ? `; ${sc.base.redis[0]} Redis ${fmtS(S.redis.baseSecs)} s, ${sc.base.strata[0]} Strata ${fmtS(S.strata.baseSecs)} s` : ''));
  }
  // targets: every Strata path <= 2 s and faster than Redis from RDB (snapshot only) and from AOF (log only: commands)
  const rdb = med.snap && med.snap.redis;
  const aof = med.log && med.log.redis;
  const aofPre = med.snaptail && med.snaptail.redis;
  const tHead = ['Strata recovers from', 'Strata s', `<= ${RESTART_TARGET_S} s`, '/ Redis from RDB', '/ Redis from AOF (commands)', '/ Redis from AOF (RDB preamble + tail)', 'result'];
  const tRows = [];
  for (const sc of SCENARIOS) {
    const s = med[sc.id] && med[sc.id].strata;
    if (!med[sc.id]) continue;
    const okT = Number.isFinite(s) && s <= RESTART_TARGET_S;
    const okR = Number.isFinite(s / rdb) && s < rdb;
    const okA = Number.isFinite(s / aof) && s < aof;
    tRows.push([sc.label, fmtS(s), okT ? 'yes' : 'no', fmtRatio(s / rdb), fmtRatio(s / aof), fmtRatio(s / aofPre),
      okT && okR && okA ? 'pass' : 'MISS']);
  }
  if (o.keys !== 1000000) notes.push(`the restart target is stated for 1000000 keys; this run used ${o.keys}`);
  return { head, rows, tHead, tRows, failures, notes };
}

// ------------------------------------------------------------------ 3. BGSAVE under write load

const BGSAVE_ARGS = [...AOF_BASE];

/** One redis-benchmark SET run (-c 50 -P 1 -r keys -d 100); with `save`, BGSAVE is running all along. */
async function loadRun(o, srv, other, save, bo, test) {
  const c = await Conn.open(srv.port);
  try {
    const pid = srv.pid;
    const m0 = memNow(pid);
    const before = m0.parent;
    let peakTotal = m0.total;
    let peakFirst = m0.total; // during the first save (the RSS target is about one save)
    let peakParent = m0.parent;
    let peakChildDirty = 0;
    let peakChildRss = 0;
    let saves = 0;
    let started = 0;
    let saveT0 = NaN;
    let firstSaveSecs = NaN;
    const saveSecs = [];
    let saveErr = null;
    const startSave = async () => {
      const r = await c.cmd('BGSAVE');
      if (r instanceof RespError) { if (!/in progress/i.test(r.message)) saveErr = `BGSAVE: ${r.message}`; return; }
      started++;
      saveT0 = now();
    };
    if (save) await startSave();
    let done = false;
    let res = null;
    const benchP = benchOnce(srv, other, test, 1, o.bgsaveN, bo).then((r) => { res = r; done = true; return r; });
    const deadline = Date.now() + o.timeout * 1000 + 60000;
    while (Date.now() < deadline && !saveErr) {
      await sleep(save ? 25 : 50);
      const m = memNow(pid);
      if (Number.isFinite(m.total)) peakTotal = Math.max(peakTotal, m.total);
      if (Number.isFinite(m.total) && saves === 0) peakFirst = Math.max(peakFirst, m.total);
      if (Number.isFinite(m.parent)) peakParent = Math.max(peakParent, m.parent);
      peakChildDirty = Math.max(peakChildDirty, m.childDirty);
      peakChildRss = Math.max(peakChildRss, m.childRss);
      if (save) {
        if (srv.exit) break;
        const inf = await info(c, 'persistence');
        if (inf.rdb_bgsave_in_progress === '0') {
          if (started > saves) {
            saves++;
            saveSecs.push(now() - saveT0);
            if (saves === 1) firstSaveSecs = now() - saveT0;
            if (inf.rdb_last_bgsave_status !== 'ok') saveErr = `rdb_last_bgsave_status ${inf.rdb_last_bgsave_status}`;
          }
          if (done) break;
          await startSave();
        }
      } else if (done) break;
    }
    await benchP;
    if (!done) throw new Error('bounded wait over');
    const extra = {};
    if (save && !srv.exit) {
      const st = await info(c, 'stats');
      const ps = await info(c, 'persistence');
      extra.forkUsec = Number(st.latest_fork_usec);
      extra.cowSize = Number(ps.rdb_last_cow_size);
    }
    return {
      bench: res, before, peakTotal, peakParent, peakChildDirty, peakChildRss, growth: (peakTotal - before) / before,
      growthFirst: (peakFirst - before) / before,
      saves, firstSaveSecs, saveSecs, saveErr, ...extra,
    };
  } finally { c.close(); }
}

async function bgsavePart(o, root, plan, progress) {
  const out = { sides: { redis: [], strata: [] }, cmds: {}, settings: [], dbsize: {} };
  const bo = { clients: o.clients, timeout: o.timeout, loadCpus: plan.load };
  const test = { name: 'set', args: ['-r', String(o.keys), '-d', String(VLEN)] };
  const { redis, strata } = await startPair(root, 'bgsave', { extra: BGSAVE_ARGS, cpus: plan.server });
  const servers = { redis, strata };
  out.cmds = { redis: redis.display, strata: strata.display };
  try {
    for (const srv of [redis, strata]) {
      const bad = await verifySettings(srv, BGSAVE_ARGS);
      if (bad.length) out.settings.push(`${srv.label}: ${bad.join(', ')}`);
    }
    for (const srv of [redis, strata]) {
      progress(`persistence: BGSAVE: filling ${srv.label} with ${o.keys} keys of ${VLEN} B`);
      await fill(srv, 0, o.keys, 'v');
    }
    for (let rep = 0; rep < o.bgsaveReps; rep++) {
      const order = rep % 2 === 0 ? ['redis', 'strata'] : ['strata', 'redis'];
      for (const side of order) {
        const srv = servers[side];
        const other = servers[side === 'redis' ? 'strata' : 'redis'];
        checkAborted();
        const r = {};
        try {
          await sleep(1000);
          r.idle = await loadRun(o, srv, other, false, bo, test);
          await sleep(1000);
          r.save = await loadRun(o, srv, other, true, bo, test);
        } catch (e) {
          r.error = serverDead(srv) || e.message;
        }
        for (const k of ['idle', 'save']) if (r[k] && r[k].bench && r[k].bench.error) r.error = `${k} run: ${r[k].bench.error}`;
        if (!r.error && r.save.saveErr) r.error = r.save.saveErr;
        out.sides[side].push(r);
        progress(`persistence: BGSAVE rep ${rep + 1}/${o.bgsaveReps} ${srv.label}: ${r.error ? `FAIL ${r.error}` :
          `idle p99 ${r.idle.bench.lat.p99} ms, RSS +${fmtPct(r.idle.growth)}; BGSAVE p99 ${r.save.bench.lat.p99} ms, ` +
          `RSS +${fmtPct(r.save.growthFirst)} during the first save, +${fmtPct(r.save.growth)} over the run, ` +
          `${r.save.saves} save(s), first ${fmtS(r.save.firstSaveSecs)} s`}`);
      }
    }
    for (const srv of [redis, strata]) {
      try { out.dbsize[srv.side] = await withConn(srv.port, (c) => c.cmd('DBSIZE')); } catch (e) { out.dbsize[srv.side] = e.message; }
    }
  } finally {
    await Promise.all([redis.stop(), strata.stop()]);
    rmDir(redis.dir); rmDir(strata.dir);
  }
  return out;
}

function bgsaveSummary(o, G) {
  const failures = [];
  const notes = [];
  for (const w of G.settings) notes.push(`settings differ from what was asked: ${w}`);
  const agg = {};
  for (const side of ['redis', 'strata']) {
    const runs = G.sides[side].filter((r) => !r.error);
    for (const r of G.sides[side]) if (r.error) failures.push(`BGSAVE ${side}: ${r.error}`);
    const m = (f) => median(runs.map(f));
    agg[side] = {
      n: runs.length,
      idleRps: m((r) => r.idle.bench.rps), saveRps: m((r) => r.save.bench.rps),
      idleP50: m((r) => r.idle.bench.lat.p50), saveP50: m((r) => r.save.bench.lat.p50),
      idleP99: m((r) => r.idle.bench.lat.p99), saveP99: m((r) => r.save.bench.lat.p99),
      idleMax: m((r) => r.idle.bench.lat.max), saveMax: m((r) => r.save.bench.lat.max),
      p99x: m((r) => r.save.bench.lat.p99 / r.idle.bench.lat.p99),
      before: m((r) => r.save.before), growth: m((r) => r.save.growth), growthFirst: m((r) => r.save.growthFirst), idleGrowth: m((r) => r.idle.growth),
      peakParent: m((r) => r.save.peakParent - r.save.before), childDirty: m((r) => r.save.peakChildDirty), childRss: m((r) => r.save.peakChildRss),
      first: m((r) => r.save.firstSaveSecs), saves: m((r) => r.save.saves),
      fork: m((r) => r.save.forkUsec), cow: m((r) => r.save.cowSize),
    };
    if (o.keys && G.dbsize[side] !== o.keys) notes.push(`${side}: DBSIZE ${G.dbsize[side]} after the BGSAVE part (expected ${o.keys})`);
  }
  const R = agg.redis;
  const S = agg.strata;
  const pass = (ok) => (ok ? 'pass' : 'MISS');
  const head = ['metric', 'Redis', 'Strata', 'Strata/Redis', 'target (Strata)', 'result'];
  const rows = [
    ['SET ops/s, no save', fmtOps(R.idleRps), fmtOps(S.idleRps), fmtRatio(S.idleRps / R.idleRps), '', ''],
    ['SET ops/s during BGSAVE', fmtOps(R.saveRps), fmtOps(S.saveRps), fmtRatio(S.saveRps / R.saveRps), '', ''],
    ['p50 ms, no save / during BGSAVE', `${fmtMs(R.idleP50)} / ${fmtMs(R.saveP50)}`, `${fmtMs(S.idleP50)} / ${fmtMs(S.saveP50)}`, fmtRatio(S.saveP50 / R.saveP50), '', ''],
    ['p99 ms, no save', fmtMs(R.idleP99), fmtMs(S.idleP99), fmtRatio(S.idleP99 / R.idleP99), '', ''],
    ['p99 ms, during BGSAVE', fmtMs(R.saveP99), fmtMs(S.saveP99), fmtRatio(S.saveP99 / R.saveP99), '', ''],
    ['p99 during BGSAVE / p99 no save', fmtRatio(R.p99x), fmtRatio(S.p99x), fmtRatio(S.p99x / R.p99x), `<= ${P99_TARGET.toFixed(1)}`, S.n ? pass(Number(S.p99x.toFixed(2)) <= P99_TARGET) : 'FAIL'],
    ['max latency ms, no save / during BGSAVE', `${fmtMs(R.idleMax)} / ${fmtMs(R.saveMax)}`, `${fmtMs(S.idleMax)} / ${fmtMs(S.saveMax)}`, fmtRatio(S.saveMax / R.saveMax), '', ''],
    ['RSS before the save', fmtBytes(R.before), fmtBytes(S.before), fmtRatio(S.before / R.before), '', ''],
    ['peak RSS growth during the first BGSAVE (Redis: parent + child Private_Dirty)', fmtPct(R.growthFirst), fmtPct(S.growthFirst), fmtRatio(S.growthFirst / R.growthFirst),
      `<= ${(RSS_TARGET * 100).toFixed(0)}%`, S.n ? pass(Number((S.growthFirst * 100).toFixed(1)) <= RSS_TARGET * 100) : 'FAIL'],
    ['peak RSS growth over the whole run (all its BGSAVEs)', fmtPct(R.growth), fmtPct(S.growth), fmtRatio(S.growth / R.growth), '', ''],
    ['  server process RSS growth (whole run)', fmtBytes(R.peakParent), fmtBytes(S.peakParent), '', '', ''],
    ['  fork child Private_Dirty, peak (child VmRSS incl. shared)', `${fmtBytes(R.childDirty)} (${fmtBytes(R.childRss)})`, '- (no fork)', '', '', ''],
    ['RSS growth, same load without a save', fmtPct(R.idleGrowth), fmtPct(S.idleGrowth), '', '', ''],
    ['first BGSAVE under the load, s', fmtS(R.first), fmtS(S.first), fmtRatio(S.first / R.first), '', ''],
    ['BGSAVEs completed during the run', String(R.saves), String(S.saves), '', '', ''],
    ['Redis latest_fork_usec / rdb_last_cow_size', `${Number.isFinite(R.fork) ? R.fork : '-'} us / ${fmtBytes(R.cow)}`, '-', '', '', ''],
  ];
  return { head, rows, failures, notes };
}

// ------------------------------------------------------------------ run + report

/** Runs the parts; returns { text, markdown, failures }. */
async function run(o, progress = (s) => process.stderr.write(`${s}\n`)) {
  const env = envInfo();
  const plan = cpuPlan(o);
  const root = dataRoot(o);
  let pinnedSelf = false;
  if (plan.load) pinnedSelf = pinSelf(plan.load);
  if (plan.load && !pinnedSelf) plan.note += ' (pinning this harness failed: it floats)';
  progress(`persistence: parts ${o.parts.join(',')}; data dirs under ${root.note}; CPUs: ${plan.note}`);
  const res = {};
  const failures = [];
  const t0 = now();
  try {
    for (const part of o.parts) {
      checkAborted();
      try {
        if (part === 'throughput') res.tput = await throughputPart(o, root.dir, plan, progress);
        if (part === 'restart') res.restart = await restartPart(o, root.dir, plan, progress);
        if (part === 'bgsave') res.bgsave = await bgsavePart(o, root.dir, plan, progress);
      } catch (e) {
        if (B.isAborted()) throw e;
        failures.push(`${part}: ${e.message}`);
        progress(`persistence: ${part} failed: ${e.message}`);
      }
    }
  } finally {
    if (pinnedSelf) pinSelf(plan.original);
    rmDir(root.dir);
    tmpDirs.delete(root.dir);
  }
  const secs = now() - t0;
  const tput = res.tput ? throughputSummary(o, res.tput) : null;
  const rs = res.restart ? restartSummary(o, res.restart) : null;
  const bg = res.bgsave ? bgsaveSummary(o, res.bgsave) : null;
  for (const x of [tput, rs, bg]) if (x) failures.push(...x.failures);
  const ctx = { o, env, plan, root, secs, failures, res };
  return { text: renderText(ctx, tput, rs, bg), markdown: renderMarkdown(ctx, tput, rs, bg), failures };
}

function renderText(ctx, tput, rs, bg) {
  const { o, plan, root, secs, failures } = ctx;
  const out = [];
  out.push(`Persistence benchmarks (${o.quick ? '--quick, ' : ''}${(secs / 60).toFixed(1)} min). Data dirs: ${root.note}`);
  out.push(`CPU pinning: ${plan.note.replace(/`/g, '')}`);
  if (tput) {
    out.push('', `Throughput, appendonly yes, appendfsync ${o.modes.join(' / ')} on both (redis-benchmark -c ${o.clients} -n ${o.n}, median of ${o.reps} alternating runs)`, '');
    out.push(textTable(tput.head, tput.rows, [0, 1, 11]));
    for (const n of tput.notes) out.push(`  ${n}`);
  }
  if (rs) {
    out.push('', `Restart after kill -9 with ${o.keys} keys of ${VLEN} B (seconds from process start to PING = PONG and loading:0; median of ${o.restartReps})`, '');
    out.push(textTable(['scenario', 'Redis s', 'Strata s', 'Strata/Redis', 'Redis s (own log)', 'Strata s (own log)', 'Redis files', 'Strata files', 'RSS after R / S', 'check R / S'],
      rs.rows.map((r) => [r[0], ...r.slice(3)])));
    for (const sc of SCENARIOS) out.push(`  ${sc.label}: Redis ${sc.what.redis}; Strata ${sc.what.strata}`);
    out.push('', textTable(rs.tHead, rs.tRows));
    for (const n of rs.notes) out.push(`  ${n}`);
  }
  if (bg) {
    out.push('', `BGSAVE of ${o.keys} keys under redis-benchmark -t set -r ${o.keys} -d ${VLEN} -c ${o.clients} -P 1 -n ${o.bgsaveN} (median of ${o.bgsaveReps})`, '');
    out.push(textTable(bg.head, bg.rows));
    for (const n of bg.notes) out.push(`  ${n}`);
  }
  if (failures.length) { out.push('', 'Failures:'); for (const f of failures) out.push(`  ${f}`); }
  return out.join('\n');
}

function renderMarkdown(ctx, tput, rs, bg) {
  const { o, env, plan, root, secs, failures, res } = ctx;
  const L = [BEGIN, '## Persistence', ''];
  L.push(`Generated by \`${o.argv || 'node bench/persistence.js'}\` (bench/persistence.js) on ${env.date}, ${(secs / 60).toFixed(1)} min. ` +
    'Replaced by every run with persistence; kept as is by runs without it.', '');
  if (process.env.STRATA_CMD) L.push(`> **STRATA_CMD override in effect**: the "Strata" column is \`${process.env.STRATA_CMD}\`, not Strata.`, '');
  if (o.quick) L.push('> **--quick smoke run**: small counts, numbers are noisy.', '');
  L.push('| | |', '|---|---|');
  L.push(`| machine | ${env.nproc} CPUs (\`nproc\`), ${env.cpu}, ${env.kernel}, ${env.node}, ${env.redis.replace(/\|/g, '/')} |`);
  L.push(`| data dirs | ${root.note} (not /dev/shm: fsync must reach a disk) |`);
  L.push(`| CPU pinning | ${plan.note} |`);
  L.push('| settings | both servers get the same directives in each part; checked with CONFIG GET after start |');
  L.push('');
  const cmds = (c) => { if (!c) return; L.push(`  - Redis: \`${c.redis}\``, `  - Strata: \`${c.strata}\``); };
  if (tput) {
    L.push('### Throughput with the AOF / WAL on', '');
    L.push(`\`redis-benchmark -h 127.0.0.1 -p PORT -c ${o.clients} -n ${o.n} -P {${o.pipelines.join(',')}} -t <test> --csv -q\`, ` +
      `median of ${o.reps} runs per cell, Redis/Strata order alternating per rep, after a warm-up of ${o.warmup} requests per test. Servers (PORT/TMP per run):`);
    for (const m of o.modes) { L.push(`- appendfsync ${m}:`); cmds(res.tput.cmds[m]); }
    L.push('', mdTable(tput.head, tput.rows), '');
    L.push('CPU us/op = server CPU (all threads, /proc/PID/task/*/schedstat) / requests; p99 = redis-benchmark\'s own p99 (ms); ' +
      '"other CPU" = cores used by anything else during the run ("!" > 0.12: disturbed). No throughput target is set for these; ' +
      'compare with the no-persistence table above (bench/run.js runs its servers with `--appendonly no`).', '');
    for (const n of tput.notes) L.push(`- ${n}`);
    L.push('');
  }
  if (rs) {
    L.push(`### Restart time, ${o.keys} keys of ${VLEN} B`, '');
    L.push(`Each server is filled with \`SET key:<12 digits> <${VLEN} B>\` (pipelined from this harness), prepared as below, killed with SIGKILL and restarted on the same dir; ` +
      `time = from the spawn to the first PING answered PONG with \`INFO persistence\` \`loading:0\` (polled every 10 ms), median of ${o.restartReps} restart(s) ` +
      `(order alternating); "own log" is the load time the server itself logs. Data files are in the page cache (no cache drop). ` +
      'After each restart DBSIZE and two keys (one overwritten by the tail) are checked. Servers:');
    for (const sc of SCENARIOS) { if (res.restart.cmds[sc.id]) { L.push(`- ${sc.label}:`); cmds(res.restart.cmds[sc.id]); } }
    L.push('', mdTable(rs.head, rs.rows), '');
    L.push(`Targets: Strata restart <= ${RESTART_TARGET_S} s with 1 M keys, and faster than Redis from RDB ("snapshot only", Redis) and from AOF ("log only", Redis):`, '');
    L.push(mdTable(rs.tHead, rs.tRows), '');
    for (const n of rs.notes) L.push(`- ${n}`);
    L.push('');
  }
  if (bg) {
    L.push(`### BGSAVE of ${o.keys} keys under a write load`, '');
    L.push(`Both filled with ${o.keys} keys of ${VLEN} B, then per server and rep: \`redis-benchmark -h 127.0.0.1 -p PORT -c ${o.clients} -n ${o.bgsaveN} -P 1 -r ${o.keys} -d ${VLEN} -t set --csv -q\` ` +
      'once without a save, then once with BGSAVE running all along (sent just before the load starts, and again as soon as one finishes while the load runs). ' +
      'p50/p99/max = redis-benchmark\'s own figures over the whole run. RSS sampled every 25-50 ms from /proc/PID/status; for Redis the fork child\'s ' +
      '`Private_Dirty` (/proc/CHILD/smaps_rollup: the pages copied on write) is added to the parent RSS — the child\'s VmRSS counts shared pages and is shown for reference only. ' +
      'Growth = (peak - RSS when the first BGSAVE is sent) / that RSS; the target is judged on the first BGSAVE (until it completes), the whole-run peak ' +
      `(several BGSAVEs back to back) is shown too. Median of ${o.bgsaveReps} rep(s), order alternating. Servers:`);
    cmds(res.bgsave.cmds);
    L.push('', mdTable(bg.head, bg.rows), '');
    for (const n of bg.notes) L.push(`- ${n}`);
    L.push('');
  }
  if (failures.length) { L.push('Failures:', ''); for (const f of failures) L.push(`- ${f.replace(/\n/g, ' ')}`); L.push(''); }
  L.push(END);
  return L.join('\n');
}

/** The persistence section of a markdown text, or null; `carried` marks it as from an earlier run. */
function extractSection(text, carried = false) {
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END, a);
  if (a < 0 || b < 0) return null;
  let s = text.slice(a, b + END.length);
  if (carried && !s.includes(CARRIED)) {
    s = s.replace('## Persistence\n', `## Persistence\n\n${CARRIED} (no \`--persistence\`): this section is from the run dated below, not from the run above.\n`);
  }
  return s;
}

/** Replaces the persistence section of `file` (or appends it). */
function writeSection(file, md) {
  let text = '';
  try { text = fs.readFileSync(file, 'utf8'); } catch { /* new file */ }
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END, a);
  if (a >= 0 && b >= 0) text = text.slice(0, a) + md + text.slice(b + END.length);
  else text = `${text.replace(/\s*$/, '')}${text.trim() ? '\n\n' : ''}${md}\n`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

module.exports = { run, optionsFrom, extractSection, writeSection };

if (require.main === module) {
  const o = parseCli(process.argv.slice(2));
  if (process.platform !== 'linux' || !fs.existsSync('/proc/self/stat')) die('needs Linux /proc');
  const missing = ['redis-server', 'redis-benchmark'].filter((x) => !which(x));
  if (missing.length) die(`${missing.join(' and ')} not found in PATH`);
  if (!process.env.STRATA_CMD && !fs.existsSync(path.join(ROOT, 'dist', 'main.js'))) die('dist/ is missing: run `npm run build` first');
  run(o).then(
    async (r) => {
      const lines = [r.text];
      if (o.write) { writeSection(o.out, r.markdown); lines.push('', `wrote the persistence section of ${path.relative(process.cwd(), o.out) || o.out}`); }
      process.stdout.write(`${lines.join('\n')}\n`);
      await B.cleanup();
      process.exit(r.failures.length ? 1 : 0);
    },
    async (e) => {
      if (B.isAborted()) return; // the signal handler cleans up and exits
      process.stderr.write(`bench/persistence: ${e && e.stack ? e.stack : e}\n`);
      await B.cleanup();
      process.exit(1);
    },
  );
}

#!/usr/bin/env node
'use strict';
// Strata vs Redis benchmark: starts a real redis-server and Strata side by side on free loopback
// ports, runs the same redis-benchmark loads on both (servers interleaved, order alternating per
// rep), measures server CPU from /proc, compares memory per key, prints a table and writes
// docs/benchmarks.md. Plain Node, no dependencies. `node bench/run.js --help` for the flags.
// Method: /work/shared/reference/perf.md (2-core box: at -P 1 redis-benchmark is the bottleneck).
// Persistence (AOF/WAL throughput, restart time, BGSAVE under load): bench/persistence.js, run with
// --persistence or --only persistence; it requires this file for its helpers (exported at the end).

// ---------------------------------------------------------------------------------------------
// Loads. Add a row to benchmark another command. Fields:
//   name   row label; also the redis-benchmark `-t` test name unless `cmd` is given
//   cmd    custom command argv, run as `redis-benchmark [opts] <argv...>`; or
//          { redis: argv | null, strata: argv } to run a different command on each side
//          (redis: null = Strata-only row: no ratio, not in the geomean; e.g. RI.* commands)
//   args   extra redis-benchmark options, e.g. ['-r', '100000'] or ['-d', '100']
//   n      requests per run for this row (default: --n; --n and --quick override it)
//   setup  (side) => array of argv, sent pipelined to the server before every run of this row
//   once   true: run setup only before the first run (warm-up) on each server
//   off    true: not in the default set; run it with --only <name> or --all
// Rows run in table order within one pipeline depth, so producers go before consumers
// (lpush before lpop, ...), as in redis-benchmark's own order.
// ---------------------------------------------------------------------------------------------
const TESTS = [
  { name: 'set' },
  { name: 'get' },
  { name: 'incr' },
  { name: 'mset' },
  { name: 'lpush' },
  { name: 'rpush' },
  { name: 'lpop' },
  { name: 'rpop' },
  { name: 'sadd' },
  { name: 'hset' },
  { name: 'spop' },
  { name: 'zadd' },
  { name: 'zpopmin' },
  // redis-benchmark's own -t lrange_* also runs an LPUSH fill in the same process (it would
  // pollute the CPU numbers), so these are custom loads on a list filled by setup (600 x 'xxx').
  { name: 'lrange_100', cmd: ['LRANGE', 'bench:list', '0', '99'], setup: () => fillList('bench:list', 600), once: true },
  { name: 'lrange_600', cmd: ['LRANGE', 'bench:list', '0', '599'], setup: () => fillList('bench:list', 600), once: true },
  // perf.md's range load: 100k members (score 0, random 10-char lowercase), ~3.9k in [a, b).
  { name: 'zrangebylex', n: 100000, cmd: ['ZRANGEBYLEX', 'bench:lexz', '[a', '(b', 'LIMIT', '0', '100'], setup: () => lexZset('bench:lexz', 100000), once: true },
  // Range index (Strata) against the nearest Redis structure, the sorted set. group 'ri' rows have
  // their own targets and are left out of the core geomean.
  // RI.SET vs ZADD: random fields/members in a 100k space, as redis-benchmark's own zadd test.
  { name: 'ri.set', group: 'ri', target: { 16: 1.0 }, args: ['-r', '100000'],
    cmd: { redis: ['ZADD', 'bench:riz', '__rand_int__', 'element:__rand_int__'], strata: ['RI.SET', 'bench:ri', 'element:__rand_int__', '__rand_int__'] },
    setup: (side) => (side === 'redis' ? [['DEL', 'bench:riz']] : [['DEL', 'bench:ri'], ['RI.CREATE', 'bench:ri']]), once: true },
  // RI.GET vs ZSCORE on 100k prefilled fields/members.
  { name: 'ri.get', group: 'ri', target: { 16: 1.0 }, args: ['-r', '100000'],
    cmd: { redis: ['ZSCORE', 'bench:rigz', 'element:__rand_int__'], strata: ['RI.GET', 'bench:rig', 'element:__rand_int__'] },
    setup: (side) => riFill(side, 'bench:rig', 'bench:rigz', 100000, 'element:', 8), once: true },
  // RI.SCAN from a random start, 100 fields, vs ZRANGEBYLEX [start + LIMIT 0 100 (same 100k members:
  // 12-digit numbers, the format of __rand_int__, so random starts land inside).
  { name: 'ri.scan', group: 'ri', target: { 1: 1.5, 16: 1.5 }, n: 100000, args: ['-r', '1000000'],
    cmd: { redis: ['ZRANGEBYLEX', 'bench:risz', '[__rand_int__', '+', 'LIMIT', '0', '100'], strata: ['RI.SCAN', 'bench:ris', '__rand_int__', 'COUNT', '100', 'FIELDS', 'KEY'] },
    setup: (side) => riFill(side, 'bench:ris', 'bench:risz', 100000, '', 0, 10), once: true },
  // Larger than memory: random RI.GET on a tree whose data is ~10x its CACHESIZE (1 MiB), against the
  // same tree fully cached. Strata-only rows; the report prints cold/hot (target >= 0.5).
  { name: 'ri.get.hot', group: 'ri', args: ['-r', '100000'],
    cmd: { redis: null, strata: ['RI.GET', 'bench:rihot', 'element:__rand_int__'] },
    setup: (side) => riFill(side, 'bench:rihot', null, 100000, 'element:', 100, 1, 67108864), once: true },
  { name: 'ri.get.cold', group: 'ri', relative: { to: 'ri.get.hot', target: 0.5 }, args: ['-r', '100000'],
    cmd: { redis: null, strata: ['RI.GET', 'bench:ricold', 'element:__rand_int__'] },
    setup: (side) => riFill(side, 'bench:ricold', null, 100000, 'element:', 100, 1, 1048576), once: true },
];

const TARGETS = { 1: 0.9, 16: 1.0 }; // Strata/Redis ops/s at -P 1 / -P 16
const MEM_TARGET = 1.5; // Strata/Redis bytes per key
const NOISE_CORES = 0.12; // "other CPU" above this marks a run as disturbed (perf.md)

const fs = require('fs');
const os = require('os');
const net = require('net');
const path = require('path');
const { spawn, execFileSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');

// ------------------------------------------------------------------ options

const HELP = `Usage: npm run bench -- [flags]      (or: node bench/run.js [flags])

  --reps N          repetitions per test, median reported (default 1; env BENCH_REPS)
  --n N             requests per redis-benchmark run (default 200000; env BENCH_N)
  --quick           smoke run: n=20000, warm-up 2000, 100k keys for memory (env BENCH_QUICK=1)
  --only a,b        run only these rows (any row of TESTS, also off ones); add "mem" to include
                    the memory test, or "--only mem" for memory alone (env BENCH_ONLY)
  --all             run every row of TESTS, including the ones marked off
  --pipelines 1,16  pipeline depths (default 1,16)
  --clients N       redis-benchmark -c (default 50)
  --warmup N        warm-up requests per test, server and depth (default 20000)
  --mem-keys N      keys loaded for the memory test (default 1000000)
  --no-mem          skip the memory test
  --no-snapshot     skip the range-index snapshot test (bench/ri-snapshot.js)
  --snapshot-mb N   size of the tree for the snapshot test (default 1024; 128 with --quick)
  --no-persistence  skip the persistence benchmarks (bench/persistence.js: AOF/WAL throughput with
                    everysec and always, restart time with 1 M keys, BGSAVE under load), which run
                    after the others by default; "--only persistence" runs them alone (and only
                    updates their section of the markdown file). Skipped, the file keeps the
                    persistence section of an earlier run, marked as such.
                    More knobs: node bench/persistence.js --help
  --timeout S       seconds before one redis-benchmark run is killed (default 300)
  --out FILE        markdown output (default docs/benchmarks.md)
  --no-write        do not write the markdown file
  --list            list the rows of TESTS and exit

Env STRATA_CMD overrides the Strata command line. It runs through /bin/sh with {port} and {dir}
replaced (" --port {port}" is appended when {port} is absent), e.g. to compare Redis with Redis:
  STRATA_CMD="redis-server --port {port} --save '' --appendonly no --dir {dir}" npm run bench -- --quick
`;

function parseArgs(argv) {
  const env = process.env;
  const o = {
    reps: 1, n: 200000, nSet: false, quick: false, only: null, all: false, pipelines: [1, 16],
    clients: 50, warmup: 20000, warmupSet: false, memKeys: 1000000, memKeysSet: false, mem: true,
    timeout: 300, out: path.join(ROOT, 'docs', 'benchmarks.md'), write: true, list: false,
    snapshot: true, snapshotMb: 1024, snapshotMbSet: false, persistence: true, repsSet: false,
  };
  if (env.BENCH_REPS) { o.reps = posInt(env.BENCH_REPS, 'BENCH_REPS'); o.repsSet = true; }
  if (env.BENCH_N) { o.n = posInt(env.BENCH_N, 'BENCH_N'); o.nSet = true; }
  if (env.BENCH_QUICK && env.BENCH_QUICK !== '0') o.quick = true;
  if (env.BENCH_ONLY) o.only = list(env.BENCH_ONLY);
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
      case '--reps': o.reps = posInt(val(), a); o.repsSet = true; break;
      case '--n': o.n = posInt(val(), a); o.nSet = true; break;
      case '--quick': o.quick = true; break;
      case '--only': o.only = list(val()); break;
      case '--all': o.all = true; break;
      case '--pipelines': o.pipelines = list(val()).map((x) => posInt(x, a)); break;
      case '--clients': o.clients = posInt(val(), a); break;
      case '--warmup': o.warmup = nonNegInt(val(), a); o.warmupSet = true; break;
      case '--mem-keys': o.memKeys = posInt(val(), a); o.memKeysSet = true; break;
      case '--no-mem': o.mem = false; break;
      case '--no-snapshot': o.snapshot = false; break;
      case '--snapshot-mb': o.snapshotMb = posInt(val(), a); o.snapshotMbSet = true; break;
      case '--persistence': o.persistence = true; break;
      case '--no-persistence': o.persistence = false; o.noPersistence = true; break;
      case '--timeout': o.timeout = posInt(val(), a); break;
      case '--out': o.out = path.resolve(val()); break;
      case '--no-write': o.write = false; break;
      case '--list': o.list = true; break;
      case '-h': case '--help': process.stdout.write(HELP); process.exit(0); // eslint-disable-line no-fallthrough
      default: die(`unknown argument ${argv[i]} (try --help)`);
    }
  }
  if (o.quick) {
    if (!o.nSet) o.n = 20000;
    if (!o.warmupSet) o.warmup = 2000;
    if (!o.memKeysSet) o.memKeys = 100000;
    if (!o.snapshotMbSet) o.snapshotMb = 128;
  }
  const names = new Set(TESTS.map((t) => t.name));
  if (o.only) {
    for (const x of o.only) if (x !== 'mem' && x !== 'snapshot' && x !== 'persistence' && !names.has(x)) die(`--only: unknown test "${x}"; known: ${[...names].join(',')},mem,snapshot,persistence`);
    o.tests = TESTS.filter((t) => o.only.includes(t.name));
    o.mem = o.mem && o.only.includes('mem');
    o.snapshot = o.snapshot && o.only.includes('snapshot');
    o.persistence = !o.noPersistence && o.only.includes('persistence');
  } else {
    o.tests = TESTS.filter((t) => o.all || !t.off);
  }
  return o;
}
function list(s) { return String(s).split(',').map((x) => x.trim().toLowerCase()).filter(Boolean); }
function posInt(s, what) { const n = Number(s); if (!Number.isInteger(n) || n <= 0) die(`${what}: expected a positive integer, got "${s}"`); return n; }
function nonNegInt(s, what) { const n = Number(s); if (!Number.isInteger(n) || n < 0) die(`${what}: expected an integer >= 0, got "${s}"`); return n; }
function die(msg) { process.stderr.write(`bench: ${msg}\n`); process.exit(2); }

// ------------------------------------------------------------------ setup data for custom loads

function fillList(key, count) {
  const push = ['RPUSH', key];
  for (let i = 0; i < count; i++) push.push('xxx');
  return [['DEL', key], push];
}

let lexMembersCache = null;
function lexZset(key, count) {
  if (!lexMembersCache || lexMembersCache.length !== count) {
    let s = 0x5eed1234; // mulberry32: the same members on both servers and on every run
    const rnd = () => { s = (s + 0x6d2b79f5) | 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
    lexMembersCache = [];
    for (let i = 0; i < count; i++) {
      let m = '';
      for (let j = 0; j < 10; j++) m += String.fromCharCode(97 + Math.floor(rnd() * 26));
      lexMembersCache.push(m);
    }
  }
  return zaddBatches(key, lexMembersCache);
}

/** ZADD commands of up to 1000 members each, all with score 0. */
function zaddBatches(key, members) {
  const cmds = [];
  for (let i = 0; i < members.length; i += 1000) {
    const c = ['ZADD', key];
    for (const m of members.slice(i, i + 1000)) c.push('0', m);
    cmds.push(c);
  }
  return cmds;
}

// Range index fill (Strata) and the equivalent sorted set (Redis): `count` fields named
// <prefix><i as 12 digits, times step>, values of `vlen` bytes (0: the sorted set's score, "0").
function riFill(side, riKey, zKey, count, prefix, vlen, step = 1, cache = 0) {
  const name = (i) => `${prefix}${String(i * step).padStart(12, '0')}`;
  const val = vlen ? 'v'.repeat(vlen) : '0';
  if (side === 'redis') {
    if (!zKey) return [];
    return [['DEL', zKey], ...zaddBatches(zKey, Array.from({ length: count }, (_, i) => name(i)))];
  }
  const cmds = [];
  cmds.push(['DEL', riKey], cache ? ['RI.CREATE', riKey, 'CACHESIZE', String(cache)] : ['RI.CREATE', riKey]);
  for (let i = 0; i < count; i += 1000) {
    const c = ['RI.MSET', riKey];
    for (let j = i; j < Math.min(count, i + 1000); j++) c.push(name(j), val);
    cmds.push(c);
  }
  return cmds;
}

// ------------------------------------------------------------------ RESP client (tiny)

const NEED = Symbol('need');
class RespError { constructor(m) { this.message = m; } }

class RespReader {
  constructor() { this.buf = Buffer.alloc(0); this.pos = 0; }
  push(d) {
    this.buf = this.pos >= this.buf.length ? d : Buffer.concat([this.buf.subarray(this.pos), d]);
    this.pos = 0;
  }
  next() {
    const start = this.pos;
    const v = this.parse();
    if (v === NEED) this.pos = start;
    return v;
  }
  line() {
    const i = this.buf.indexOf('\r\n', this.pos, 'latin1');
    if (i < 0) return null;
    const s = this.buf.toString('latin1', this.pos, i);
    this.pos = i + 2;
    return s;
  }
  parse() {
    if (this.pos >= this.buf.length) return NEED;
    const t = String.fromCharCode(this.buf[this.pos++]);
    const line = this.line();
    if (line === null) return NEED;
    switch (t) {
      case '+': return line;
      case '-': return new RespError(line);
      case ':': case ',': return Number(line);
      case '(': return line;
      case '_': return null;
      case '#': return line === 't';
      case '$': case '=': case '!': {
        const len = parseInt(line, 10);
        if (len < 0) return null;
        if (this.pos + len + 2 > this.buf.length) return NEED;
        const s = this.buf.toString('utf8', this.pos, this.pos + len);
        this.pos += len + 2;
        return t === '!' ? new RespError(s) : s;
      }
      case '*': case '~': case '>': case '%': case '|': {
        let n = parseInt(line, 10);
        if (n < 0) return null;
        if (t === '%' || t === '|') n *= 2;
        const a = [];
        for (let i = 0; i < n; i++) {
          const v = this.parse();
          if (v === NEED) return NEED;
          a.push(v);
        }
        return t === '|' ? this.parse() : a; // attributes: skip, return the value after them
      }
      default: throw new Error(`bad RESP reply type byte ${JSON.stringify(t)}`);
    }
  }
}

function encodeCommand(args) {
  let s = `*${args.length}\r\n`;
  for (const a of args) { const x = String(a); s += `$${Buffer.byteLength(x)}\r\n${x}\r\n`; }
  return s;
}

class Conn {
  static open(port, timeoutMs = 2000) {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: '127.0.0.1', port });
      const timer = setTimeout(() => { sock.destroy(); reject(new Error(`connect to :${port} timed out`)); }, timeoutMs);
      sock.once('connect', () => { clearTimeout(timer); sock.removeAllListeners('error'); resolve(new Conn(sock)); });
      sock.once('error', (e) => { clearTimeout(timer); reject(e); });
    });
  }
  constructor(sock) {
    this.sock = sock;
    sock.setNoDelay(true);
    this.reader = new RespReader();
    this.waiters = []; // per-command promises (cmd)
    this.sink = null; // bulk mode (pipeline)
    this.failed = null;
    this.onFail = null;
    sock.on('data', (d) => this.onData(d));
    sock.on('error', (e) => this.fail(e));
    sock.on('close', () => this.fail(new Error('connection closed by server')));
  }
  onData(d) {
    this.reader.push(d);
    for (;;) {
      let v;
      try { v = this.reader.next(); } catch (e) { this.fail(e); this.sock.destroy(); return; }
      if (v === NEED) return;
      if (this.sink) this.sink(v);
      else if (this.waiters.length) this.waiters.shift().resolve(v);
    }
  }
  fail(e) {
    if (this.failed) return;
    this.failed = e;
    for (const w of this.waiters.splice(0)) w.reject(e);
    if (this.onFail) this.onFail(e);
  }
  cmd(...args) {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.sock.write(encodeCommand(args));
    });
  }
  // Sends every argv of `cmds` with at most `window` replies outstanding. Resolves with counts.
  async pipeline(cmds, { window = 10000, batch = 500 } = {}) {
    let sent = 0;
    let got = 0;
    let errors = 0;
    let firstError = null;
    let wait = null; // { until, resolve, reject }
    this.sink = (v) => {
      got++;
      if (v instanceof RespError) { errors++; if (!firstError) firstError = v.message; }
      if (wait && wait.until()) { const w = wait; wait = null; w.resolve(); }
    };
    this.onFail = (e) => { if (wait) { const w = wait; wait = null; w.reject(e); } };
    const until = (pred) => (pred() ? Promise.resolve() : new Promise((resolve, reject) => { wait = { until: pred, resolve, reject }; }));
    try {
      const it = cmds[Symbol.iterator]();
      let done = false;
      while (!done) {
        let s = '';
        let k = 0;
        for (; k < batch; k++) {
          const r = it.next();
          if (r.done) { done = true; break; }
          s += encodeCommand(r.value);
        }
        if (k) {
          if (this.failed) throw this.failed;
          sent += k;
          if (!this.sock.write(s)) {
            await new Promise((resolve, reject) => {
              const ok = () => { this.sock.off('close', bad); resolve(); };
              const bad = () => { this.sock.off('drain', ok); reject(this.failed || new Error('connection closed')); };
              this.sock.once('drain', ok);
              this.sock.once('close', bad);
            });
          }
        }
        if (sent - got > window) await until(() => sent - got <= window / 2);
      }
      await until(() => got === sent);
    } finally {
      this.sink = null;
      this.onFail = null;
    }
    return { sent, errors, firstError };
  }
  close() { this.sock.destroy(); }
}

async function withConn(port, fn) {
  const c = await Conn.open(port);
  try { return await fn(c); } finally { c.close(); }
}

// ------------------------------------------------------------------ /proc sampling

const CLK_TCK = (() => { try { return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100; } catch { return 100; } })();

function procStat(pid) {
  // fields after "(comm)": [0]=state ... [11]=utime [12]=stime [13]=cutime [14]=cstime
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return { cpu: Number(f[11]) + Number(f[12]), childCpu: Number(f[13]) + Number(f[14]) };
}
// Server CPU in seconds: the sum of the on-CPU nanoseconds of all its threads from
// /proc/PID/task/*/schedstat (ns resolution; 10 ms ticks from /proc/PID/stat as a fallback).
function procCpu(pid) {
  try {
    let ns = 0;
    for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
      try { ns += Number(fs.readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'latin1').split(' ')[0]); } catch { /* thread gone */ }
    }
    if (Number.isFinite(ns) && ns > 0) return ns / 1e9;
  } catch { /* fall through */ }
  try { return procStat(pid).cpu / CLK_TCK; } catch { return NaN; }
}
function systemBusyTicks() {
  const f = fs.readFileSync('/proc/stat', 'latin1').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: count user+nice+system+steal (irq/softirq
  // mostly come from the loopback traffic of the benchmark itself, which no process is billed for)
  return f[0] + f[1] + f[2] + (f[7] || 0);
}
function rssBytes(pid) {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch { return NaN; }
}

// ------------------------------------------------------------------ process bookkeeping / cleanup

const live = new Set(); // ChildProcess objects still running
const tmpDirs = new Set();
let cleaning = null;
let aborted = false; // set on a signal: start nothing new

class Aborted extends Error {}
function checkAborted() { if (aborted) throw new Aborted('aborted'); }

function track(child) {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

function cleanup() {
  if (cleaning) return cleaning;
  cleaning = (async () => {
    const kids = [...live];
    for (const c of kids) { try { c.kill('SIGTERM'); } catch { /* gone */ } }
    const deadline = Date.now() + 3000;
    while (live.size && Date.now() < deadline) await sleep(50);
    for (const c of live) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
    while (live.size && Date.now() < deadline + 2000) await sleep(50);
    for (const d of tmpDirs) { try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* best effort */ } }
    tmpDirs.clear();
  })();
  return cleaning;
}

process.on('exit', () => { // last resort, synchronous
  for (const c of live) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
  for (const d of tmpDirs) { try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* best effort */ } }
});
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.on(sig, () => {
    if (cleaning) process.exit(code); // second signal: give up waiting (the exit hook SIGKILLs)
    aborted = true;
    process.stderr.write(`\nbench: ${sig}, stopping servers and removing temp dirs\n`);
    cleanup().finally(() => process.exit(code));
  });
}
process.on('unhandledRejection', (e) => { throw e; });
process.on('uncaughtException', (e) => {
  if (aborted) return;
  process.stderr.write(`bench: ${e && e.stack ? e.stack : e}\n`);
  cleanup().finally(() => process.exit(1));
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ servers

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

function which(bin) {
  for (const d of (process.env.PATH || '').split(path.delimiter)) {
    const p = path.join(d || '.', bin);
    try { fs.accessSync(p, fs.constants.X_OK); if (fs.statSync(p).isFile()) return p; } catch { /* next */ }
  }
  return null;
}

function shQuote(s) { return /^[\w@%+=:,./{}<>-]+$/.test(s) ? s : `'${String(s).replace(/'/g, `'\\''`)}'`; }

// Display forms of the two server command lines ({port}/{dir} are placeholders).
// `extra`: more `--directive value` pairs; one that is already in the base list replaces its value
// there (so the command line shows each directive once), the others are appended.
function withDirectives(base, extra) {
  const out = [...base];
  for (let i = 0; i + 1 < extra.length; i += 2) {
    const at = out.findIndex((a, j) => a === extra[i] && j % 2 === 0);
    if (at >= 0) out[at + 1] = extra[i + 1];
    else out.push(extra[i], extra[i + 1]);
  }
  return out;
}
function redisArgv(port, dir, extra = []) {
  return ['redis-server', ...withDirectives(['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], extra)];
}
function strataCommand(port, dir, extra = []) {
  const custom = process.env.STRATA_CMD;
  if (custom) {
    let c = custom.includes('{port}') ? custom : `${custom} --port {port}`;
    c = c.split('{port}').join(String(port)).split('{dir}').join(shQuote(dir));
    if (extra.length) c += ` ${extra.map(shQuote).join(' ')}`;
    return { display: c, file: '/bin/sh', args: ['-c', `exec ${c}`] };
  }
  // --appendonly no spelled out, as for Redis: the throughput and memory tables compare both without persistence
  // whatever Strata's default is (bench/persistence.js turns it on for both).
  const args = ['--single-threaded-gc', path.join('bin', 'strata-server'), ...withDirectives(['--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'no'], extra)];
  return { display: ['node', ...args].map(shQuote).join(' '), file: process.execPath, args };
}

// CPU pinning: [file, args] run under `taskset -c cpus` when cpus is given (and taskset exists).
// taskset execs the program, so the pid (CPU and RSS accounting) is the program's own.
let tasksetPath;
function pinned(cpus, file, args) {
  if (tasksetPath === undefined) tasksetPath = which('taskset');
  if (!cpus || !tasksetPath) return [file, args];
  return [tasksetPath, ['-c', String(cpus), file, ...args]];
}

class Server {
  // o.extra: more server arguments (both sides get the same), o.cpus: taskset CPU list,
  // o.dir: a fixed data directory (restarts on the same data); default: a new one per start.
  constructor(side, root, o = {}) {
    this.side = side; // 'redis' | 'strata'
    this.label = side === 'redis' ? 'Redis' : 'Strata';
    this.root = root;
    this.extra = o.extra || [];
    this.cpus = o.cpus || null;
    this.fixedDir = o.dir || null;
    this.proc = null;
    this.exit = null;
    this.broken = null; // reason the remaining runs on this server are skipped
    this.warnings = new Set(); // stderr lines of redis-benchmark against this server
    this.setupDone = new Set();
  }
  get pid() { return this.proc.pid; }
  async start(tag, readyTimeoutMs = 30000) {
    await this.launch(tag);
    await this.waitReady(readyTimeoutMs);
  }
  // Spawns the server (a new port; a new data dir unless fixed). this.spawnedAt: hrtime (ns) of the spawn.
  async launch(tag) {
    checkAborted();
    this.port = await freePort();
    this.dir = this.fixedDir || fs.mkdtempSync(path.join(this.root, `${this.side}-${tag}-`));
    this.log = path.join(this.root, `${this.side}-${tag}.log`);
    const logFd = fs.openSync(this.log, 'w');
    let file;
    let args;
    if (this.side === 'redis') {
      [file, ...args] = redisArgv(this.port, this.dir, this.extra);
      this.display = [file, ...args].map(shQuote).join(' ');
    } else {
      ({ file, args, display: this.display } = strataCommand(this.port, this.dir, this.extra));
    }
    [file, args] = pinned(this.cpus, file, args);
    if (this.cpus && tasksetPath) this.display = `taskset -c ${this.cpus} ${this.display}`;
    this.exit = null;
    this.broken = null;
    this.deathReported = false;
    this.spawnedAt = process.hrtime.bigint();
    const proc = track(spawn(file, args, { cwd: ROOT, stdio: ['ignore', logFd, logFd] }));
    this.proc = proc;
    fs.closeSync(logFd);
    proc.once('exit', (code, signal) => { if (this.proc === proc) this.exit = { code, signal }; });
    proc.once('error', (e) => { if (this.proc === proc) this.exit = { error: e.message }; });
  }
  async waitReady(timeoutMs = 30000) {
    const deadline = Date.now() + timeoutMs;
    let last = null;
    while (Date.now() < deadline) {
      if (this.exit) throw new Error(`${this.label} exited during startup (${this.exitText()}); command: ${this.display}\n${this.logTail()}`);
      try {
        const pong = await withConn(this.port, (c) => Promise.race([c.cmd('PING'), sleep(1000).then(() => { throw new Error('no reply to PING'); })]));
        if (pong === 'PONG') { await sleep(100); if (!this.exit) return; continue; }
        last = `PING answered ${JSON.stringify(pong instanceof RespError ? `-${pong.message}` : pong)}`;
      } catch (e) { last = e.message; }
      await sleep(100);
    }
    throw new Error(`${this.label} not ready on port ${this.port} after ${timeoutMs / 1000} s (${last}); command: ${this.display}\n${this.logTail()}`);
  }
  exitText() {
    const e = this.exit || {};
    return e.error ? e.error : e.signal ? `signal ${e.signal}` : `exit code ${e.code}`;
  }
  logTail(lines = 15) {
    try {
      const t = fs.readFileSync(this.log, 'utf8').trimEnd().split('\n').slice(-lines);
      return t.length && t[0] ? `--- last lines of ${this.label} output ---\n${t.join('\n')}` : `(${this.label} printed nothing)`;
    } catch { return ''; }
  }
  async stop() {
    if (!this.proc || this.exit) return;
    this.proc.kill('SIGTERM');
    const deadline = Date.now() + 5000;
    while (!this.exit && Date.now() < deadline) await sleep(25);
    if (!this.exit) { this.proc.kill('SIGKILL'); while (!this.exit) await sleep(25); }
  }
  // kill -9 (a crash), then wait until it is gone.
  async kill9() {
    if (!this.proc || this.exit) return;
    this.proc.kill('SIGKILL');
    const deadline = Date.now() + 10000;
    while (!this.exit && Date.now() < deadline) await sleep(5);
    if (!this.exit) throw new Error(`${this.label} (pid ${this.pid}) still running 10 s after SIGKILL`);
  }
}

async function startPair(root, tag, o = {}) {
  const redis = new Server('redis', root, o);
  const strata = new Server('strata', root, o);
  const r = await Promise.allSettled([redis.start(tag), strata.start(tag)]);
  const bad = r.filter((x) => x.status === 'rejected');
  if (bad.length) throw new Error(bad.map((x) => x.reason.message).join('\n'));
  return { redis, strata };
}

// ------------------------------------------------------------------ one redis-benchmark run

function commandFor(test, side) {
  if (!test.cmd) return undefined; // a -t test
  if (Array.isArray(test.cmd)) return test.cmd;
  return test.cmd[side]; // null: not run on this side
}

function benchArgv(test, side, port, P, n, clients) {
  const argv = ['-h', '127.0.0.1', '-p', String(port), '-c', String(clients), '-n', String(n), '-P', String(P), ...(test.args || [])];
  const cmd = commandFor(test, side);
  if (cmd) argv.push('--csv', '-q', ...cmd);
  else argv.push('-t', test.name, '--csv', '-q');
  return argv;
}

function serverDead(srv) {
  if (!srv.exit) return null;
  const msg = `${srv.label} died (${srv.exitText()})`;
  if (!srv.deathReported) {
    srv.deathReported = true;
    process.stderr.write(`bench: ${msg}\n${srv.logTail()}\n`);
  }
  return msg;
}

async function runSetup(srv, test) {
  if (!test.setup || (test.once && srv.setupDone.has(test.name))) return;
  const cmds = test.setup(srv.side);
  const r = await withConn(srv.port, (c) => c.pipeline(cmds));
  if (r.errors) throw new Error(`setup of ${test.name} on ${srv.label}: ${r.errors} error replies, first: ${r.firstError}`);
  srv.setupDone.add(test.name);
}

// Returns { rps, srvSecs, clientSecs, otherCores, secs } or { error }.
async function benchOnce(srv, other, test, P, n, opts) {
  checkAborted();
  if (srv.broken) return { error: srv.broken, skipped: true };
  const dead = serverDead(srv);
  if (dead) { srv.broken = dead; return { error: dead }; }
  const argv = benchArgv(test, srv.side, srv.port, P, n, opts.clients);
  try { await runSetup(srv, test); } catch (e) { return { error: e.message }; }

  const self0 = procStat(process.pid);
  const srv0 = procCpu(srv.pid);
  const oth0 = procCpu(other.pid);
  const sys0 = systemBusyTicks();
  const t0 = process.hrtime.bigint();
  const res = await new Promise((resolve) => {
    checkAborted();
    const [file, args] = pinned(opts.loadCpus, 'redis-benchmark', argv);
    const child = track(spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeout * 1000);
    child.once('error', (e) => { clearTimeout(timer); resolve({ spawnError: e.message, out, err }); });
    child.once('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, timedOut, out, err }); });
  });
  checkAborted();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const self1 = procStat(process.pid);
  const srvSecs = procCpu(srv.pid) - srv0;
  const othSecs = (procCpu(other.pid) - oth0) || 0; // NaN if the other server is gone
  const sysSecs = (systemBusyTicks() - sys0) / CLK_TCK;
  const clientSecs = (self1.childCpu - self0.childCpu) / CLK_TCK; // redis-benchmark, reaped by us (10 ms ticks)
  const selfSecs = (self1.cpu - self0.cpu) / CLK_TCK;

  const stderrLines = res.err.split('\n').map((l) => l.trim()).filter(Boolean);
  const errorLines = stderrLines.filter((l) => /^Error/i.test(l));
  for (const l of stderrLines) if (!errorLines.includes(l)) srv.warnings.add(l);
  const rows = res.out.split('\n').filter((l) => l.startsWith('"') && !l.startsWith('"test"'));
  const fail = (msg) => {
    const extra = errorLines[0] || stderrLines[0] || '';
    return { error: extra ? `${msg}: ${extra}` : msg };
  };
  if (res.spawnError) return fail(`cannot run redis-benchmark (${res.spawnError})`);
  if (res.timedOut) {
    const alive = await ping(srv.port);
    if (!alive) srv.broken = `${srv.label} stopped answering (redis-benchmark timed out after ${opts.timeout} s)`;
    return fail(`timed out after ${opts.timeout} s`);
  }
  const deadNow = serverDead(srv);
  if (deadNow) { srv.broken = deadNow; return { error: deadNow }; }
  if (res.code !== 0 || !rows.length) return fail(`redis-benchmark exit ${res.signal || res.code}${rows.length ? '' : ', no CSV result'}`);
  const cols = rows[rows.length - 1].split('","');
  const rps = parseFloat(cols[1]);
  if (!Number.isFinite(rps)) return fail(`cannot parse redis-benchmark output ${JSON.stringify(rows[rows.length - 1])}`);
  const otherSecs = sysSecs - srvSecs - othSecs - clientSecs - selfSecs;
  // redis-benchmark 7 --csv: "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  const ms = (i) => (cols.length > i ? parseFloat(cols[i].replace(/"/g, '')) : NaN);
  const lat = { avg: ms(2), min: ms(3), p50: ms(4), p95: ms(5), p99: ms(6), max: ms(7) };
  return { rps, srvSecs, clientSecs, otherCores: Math.max(0, otherSecs) / secs, secs, lat };
}

async function ping(port) {
  try {
    return (await withConn(port, (c) => Promise.race([c.cmd('PING'), sleep(2000).then(() => null)]))) === 'PONG';
  } catch { return false; }
}

// ------------------------------------------------------------------ throughput phase

async function throughput(opts, root, progress) {
  const { redis, strata } = await startPair(root, 'tput');
  const servers = { redis, strata };
  const results = {}; // name -> P -> side -> [run]
  const nFor = (t) => (opts.nSet || opts.quick ? (opts.quick && !opts.nSet && t.n ? Math.min(t.n, opts.n) : opts.n) : t.n || opts.n);
  const sidesFor = (t) => ['redis', 'strata'].filter((s) => commandFor(t, s) !== null);
  try {
    if (opts.warmup > 0) {
      progress(`warm-up: ${opts.warmup} requests per test, depth and server`);
      for (const P of opts.pipelines) {
        for (const t of opts.tests) {
          for (const side of sidesFor(t)) {
            const r = await benchOnce(servers[side], servers[side === 'redis' ? 'strata' : 'redis'], t, P, opts.warmup, opts);
            if (r.error && !r.skipped) progress(`  warm-up ${t.name} -P ${P} on ${servers[side].label}: ${r.error}`);
          }
        }
      }
    }
    for (let rep = 0; rep < opts.reps; rep++) {
      const order = rep % 2 === 0 ? ['redis', 'strata'] : ['strata', 'redis'];
      for (const P of opts.pipelines) {
        for (const t of opts.tests) {
          const n = nFor(t);
          const line = [];
          for (const side of order) {
            if (!sidesFor(t).includes(side)) continue;
            const r = await benchOnce(servers[side], servers[side === 'redis' ? 'strata' : 'redis'], t, P, n, opts);
            r.n = n;
            ((results[t.name] ||= {})[P] ||= { redis: [], strata: [] })[side].push(r);
            line.push(`${servers[side].label} ${r.error ? `FAIL (${r.error})` : fmtOps(r.rps)}`);
          }
          progress(`rep ${rep + 1}/${opts.reps}  -P ${String(P).padEnd(2)}  ${t.name.padEnd(12)} ${line.join('   ')}`);
        }
      }
    }
  } finally {
    await Promise.all([redis.stop(), strata.stop()]);
  }
  return { results, servers, nFor };
}

// ------------------------------------------------------------------ memory phase

// Memory workloads: 1 M small strings (one key each), and 1 M elements of one hash, set and sorted set.
const MEM_WORKLOADS = [
  { name: 'string', unit: 'key', desc: '`SET key:<i> v<i as 9 digits>`',
    *stream(n) { for (let i = 0; i < n; i++) yield ['SET', `key:${i}`, `v${String(i).padStart(9, '0')}`]; } },
  { name: 'hash', unit: 'field', desc: '`HSET bench:hash field:<i> v<i as 9 digits>`',
    *stream(n) { for (let i = 0; i < n; i++) yield ['HSET', 'bench:hash', `field:${i}`, `v${String(i).padStart(9, '0')}`]; } },
  { name: 'set', unit: 'member', desc: '`SADD bench:set member:<i>`',
    *stream(n) { for (let i = 0; i < n; i++) yield ['SADD', 'bench:set', `member:${i}`]; } },
  { name: 'zset', unit: 'member', desc: '`ZADD bench:zset <i> member:<i>`',
    *stream(n) { for (let i = 0; i < n; i++) yield ['ZADD', 'bench:zset', String(i), `member:${i}`]; } },
];

function usedMemory(info) {
  const m = /^used_memory:(\d+)\s*$/m.exec(typeof info === 'string' ? info : '');
  return m ? Number(m[1]) : NaN;
}

async function memoryOne(srv, keys, wl) {
  return withConn(srv.port, async (c) => {
    const flush = await c.cmd('FLUSHALL');
    if (flush instanceof RespError) throw new Error(`FLUSHALL: ${flush.message}`);
    await sleep(500);
    // MEMORY PURGE on both: Redis returns allocator pages, Strata runs a full GC, so used_memory counts
    // live data only (V8's heap figure otherwise includes garbage not collected yet: +-20% run to run).
    await c.cmd('MEMORY', 'PURGE');
    const before = usedMemory(await c.cmd('INFO', 'memory'));
    const rss0 = rssBytes(srv.pid);
    const cpu0 = procCpu(srv.pid);
    const t0 = process.hrtime.bigint();
    const r = await c.pipeline(wl.stream(keys));
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = procCpu(srv.pid) - cpu0; // seconds
    if (r.errors) throw new Error(`${r.errors} of ${keys} ${wl.name} writes failed, first: ${r.firstError}`);
    const dbsize = wl.name === 'string' ? await c.cmd('DBSIZE') : keys;
    await sleep(1000); // let lazy free settle before reading the counters
    await c.cmd('MEMORY', 'PURGE');
    const after = usedMemory(await c.cmd('INFO', 'memory'));
    const rss1 = rssBytes(srv.pid);
    return {
      keys, dbsize, before, after, perKey: (after - before) / keys, rssPerKey: (rss1 - rss0) / keys,
      rss1, loadRate: keys / secs, cpuUsPerOp: (cpu * 1e6) / keys,
    };
  });
}

async function memory(opts, root, progress) {
  const out = {};
  for (const wl of MEM_WORKLOADS) {
    const { redis, strata } = await startPair(root, `mem-${wl.name}`);
    const res = (out[wl.name] = {});
    try {
      for (const srv of [redis, strata]) {
        checkAborted();
        progress(`memory: loading ${opts.memKeys} ${wl.name} ${wl.unit}s into ${srv.label}`);
        try {
          res[srv.side] = await memoryOne(srv, opts.memKeys, wl);
          if (!Number.isFinite(res[srv.side].perKey)) res[srv.side].error = 'no used_memory in INFO memory';
        } catch (e) {
          res[srv.side] = { error: serverDead(srv) || e.message };
        }
      }
    } finally {
      await Promise.all([redis.stop(), strata.stop()]);
    }
  }
  return out;
}

// ------------------------------------------------------------------ report

function median(xs) {
  const a = xs.filter(Number.isFinite).sort((x, y) => x - y);
  if (!a.length) return NaN;
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
}
function geomean(xs) { return xs.length ? Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length) : NaN; }
function fmtOps(x) { return !Number.isFinite(x) ? '-' : x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : `${(x / 1e3).toFixed(1)}k`; }
function fmtRatio(x) { return Number.isFinite(x) ? x.toFixed(2) : '-'; }
function fmtUs(x) { return Number.isFinite(x) ? x.toFixed(2) : '-'; }
function fmtBytes(x) { return Number.isFinite(x) ? (Math.abs(x) >= 1048576 ? `${(x / 1048576).toFixed(1)} MiB` : `${Math.round(x)} B`) : '-'; }
function verdict(ratio, P, t) {
  const tgt = t && t.relative ? t.relative.target : t && t.target && t.target[P] !== undefined ? t.target[P] : TARGETS[P];
  if (tgt === undefined || !Number.isFinite(ratio)) return ['-', ''];
  // judged on the 2-decimal value that is shown, so the table never says "0.90 MISS" against 0.9
  return [`>= ${tgt.toFixed(1)}`, Number(ratio.toFixed(2)) >= tgt ? 'pass' : 'MISS'];
}

function summarize(opts, tput) {
  const showReps = opts.reps > 1;
  const head = ['test', 'P', 'Redis ops/s', 'Strata ops/s', 'Strata/Redis', 'target', 'result',
    'Redis CPU us/op', 'Strata CPU us/op', 'bench CPU us/op R/S', 'other CPU'];
  if (showReps) head.push('per-rep ratios');
  const rows = [];
  const failures = [];
  let noisy = 0;
  for (const P of opts.pipelines) {
    const ratios = [];
    const cpuR = [];
    const cpuS = [];
    const opsR = [];
    const opsS = [];
    for (const t of opts.tests) {
      const cell = tput.results[t.name] && tput.results[t.name][P];
      if (!cell) continue;
      const stat = (runs) => {
        const ok = runs.filter((r) => !r.error);
        for (const r of runs) if (r.error && !r.skipped) failures.push(`${t.name} -P ${P}: ${r.error}`);
        return {
          ran: runs.length > 0,
          ok: ok.length,
          rps: median(ok.map((r) => r.rps)),
          cpu: median(ok.map((r) => (r.srvSecs * 1e6) / r.n)),
          client: median(ok.map((r) => (r.clientSecs * 1e6) / r.n)),
          other: Math.max(0, ...ok.map((r) => r.otherCores)),
          err: runs.find((r) => r.error),
        };
      };
      const R = stat(cell.redis);
      const S = stat(cell.strata);
      const both = R.ran && S.ran;
      // A relative row compares Strata with itself on another row (e.g. cold cache / hot cache).
      const base = t.relative && tput.results[t.relative.to] && tput.results[t.relative.to][P];
      const baseRps = base ? median(base.strata.filter((r) => !r.error).map((r) => r.rps)) : NaN;
      const ratio = both ? S.rps / R.rps : t.relative ? S.rps / baseRps : NaN;
      const [target, result] = both || (t.relative && Number.isFinite(ratio)) ? verdict(ratio, P, t) : ['-', ''];
      const other = Math.max(R.other, S.other);
      const noise = other > NOISE_CORES;
      if (noise) noisy++;
      if (both && Number.isFinite(ratio) && !t.group) {
        ratios.push(ratio); opsR.push(R.rps); opsS.push(S.rps);
        if (R.cpu > 0 && S.cpu > 0) { cpuR.push(R.cpu); cpuS.push(S.cpu); }
      }
      const opsCell = (X) => (!X.ran ? 'n/a' : X.ok ? fmtOps(X.rps) : 'FAIL');
      const label = t.relative ? `${t.name} / ${t.relative.to}` : t.group ? `${t.name} (${t.group})` : t.name;
      const row = [label, String(P), opsCell(R), opsCell(S), fmtRatio(ratio), target,
        S.ran && S.ok === 0 ? 'FAIL' : result, fmtUs(R.cpu), fmtUs(S.cpu),
        `${fmtUs(R.client)} / ${fmtUs(S.client)}`, `${other.toFixed(2)}${noise ? ' !' : ''}`];
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
      const g = geomean(ratios);
      const [target, result] = verdict(g, P);
      const row = [`geomean (${ratios.length} core rows)`, String(P), fmtOps(geomean(opsR)), fmtOps(geomean(opsS)), fmtRatio(g), target, result,
        fmtUs(geomean(cpuR)), fmtUs(geomean(cpuS)), '', ''];
      if (showReps) row.push('');
      rows.push(row);
    }
  }
  return { head, rows, failures, noisy };
}

function textTable(head, rows, left = [0]) {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const numeric = (i) => !left.includes(i);
  const fmt = (r) => r.map((c, i) => (numeric(i) ? String(c).padStart(w[i]) : String(c).padEnd(w[i]))).join('  ').trimEnd();
  return [fmt(head), w.map((x) => '-'.repeat(x)).join('  '), ...rows.map(fmt)].join('\n');
}
function mdTable(head, rows) {
  const esc = (c) => String(c).replace(/\|/g, '\\|');
  return [`| ${head.map(esc).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

function memorySummary(mem) {
  if (!mem) return null;
  const head = ['workload', 'server', 'elements', 'used_memory before', 'used_memory after', 'bytes/element', 'RSS bytes/element', 'load ops/s', 'server CPU us/op', 'Strata/Redis'];
  const rows = [];
  const ratios = [];
  for (const wl of MEM_WORKLOADS) {
    const w = mem[wl.name] || {};
    const r = w.redis && w.strata ? w.strata.perKey / w.redis.perKey : NaN;
    const rss = w.redis && w.strata ? w.strata.rssPerKey / w.redis.rssPerKey : NaN;
    ratios.push(`${wl.name} ${Number.isFinite(r) ? r.toFixed(2) : 'n/a'}${Number.isFinite(r) && Number(r.toFixed(2)) > MEM_TARGET ? ' MISS' : ''}`);
    for (const side of ['redis', 'strata']) {
      const m = w[side] || { error: 'not run' };
      const label = side === 'redis' ? 'Redis' : 'Strata';
      if (m.error && !Number.isFinite(m.loadRate)) { rows.push([wl.name, label, '-', '-', '-', `FAIL: ${m.error}`, '-', '-', '-', '-']); continue; }
      const keysCell = m.dbsize === m.keys ? String(m.keys) : `${m.keys} (DBSIZE ${m.dbsize}!)`;
      rows.push([wl.name, label, keysCell, fmtBytes(m.before), fmtBytes(m.after), Number.isFinite(m.perKey) ? m.perKey.toFixed(1) : `- (${m.error})`,
        m.rssPerKey.toFixed(1), fmtOps(m.loadRate), fmtUs(m.cpuUsPerOp),
        side === 'strata' ? `${fmtRatio(r)} (RSS ${fmtRatio(rss)})` : '']);
    }
  }
  const line = `Strata/Redis bytes per element (used_memory), target <= ${MEM_TARGET}: ${ratios.join(', ')}`;
  return { head, rows, line };
}

function envInfo() {
  const run = (f, a) => { try { return execFileSync(f, a, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim(); } catch { return '?'; } };
  let cpu = '?';
  try { const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'latin1')); if (m) cpu = m[1]; } catch { /* ignore */ }
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    nproc: run('nproc', []),
    cpu,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    redis: run('redis-server', ['--version']),
    benchmark: run('redis-benchmark', ['--version']),
  };
}

function writeMarkdown(opts, env, cmdInfo, tput, summary, memSum, snap, persMd) {
  // The persistence section (bench/persistence.js) has its own header; when it did not run this time,
  // the one of the earlier run is kept (it says when and how it was made).
  const persistence = require('./persistence.js');
  let persSection = persMd;
  if (!persSection) {
    let old = '';
    try { old = fs.readFileSync(opts.out, 'utf8'); } catch { /* no earlier file */ }
    persSection = persistence.extractSection(old, true);
  }
  const L = [];
  L.push('# Strata vs Redis benchmarks', '');
  L.push(`Generated by \`npm run bench\` (bench/run.js) on ${env.date}. Overwritten by every run; do not edit by hand.`, '');
  if (process.env.STRATA_CMD) L.push(`> **STRATA_CMD override in effect**: the "Strata" column is \`${process.env.STRATA_CMD}\`, not Strata.`, '');
  if (opts.quick) L.push('> **--quick smoke run**: small request counts, numbers are noisy.', '');
  L.push('| | |', '|---|---|');
  L.push(`| machine | ${env.nproc} CPUs (\`nproc\`), ${env.cpu}, ${env.kernel} |`);
  L.push(`| node | ${env.node} |`);
  L.push(`| redis | ${env.redis} |`);
  L.push(`| redis-benchmark | ${env.benchmark} |`);
  L.push(`| flags | \`${cmdInfo.argv || '(none)'}\` |`);
  L.push(`| reps | ${opts.reps} (median shown; Redis/Strata order alternates per rep; warm-up ${opts.warmup} requests per test, depth and server) |`);
  L.push('');
  L.push('Command lines (PORT/TMP are a free loopback port and a temp dir per run):', '');
  L.push(`- Redis: \`${cmdInfo.redis}\``);
  L.push(`- Strata: \`${cmdInfo.strata}\``);
  if (cmdInfo.loads.length) {
    L.push('- Loads, run once per server and rep:');
    for (const l of cmdInfo.loads) L.push(`  - \`${l}\``);
  }
  if (cmdInfo.mem) L.push(`- Memory: ${cmdInfo.mem}`);
  L.push('');
  if (summary) {
    L.push('## Throughput', '');
    L.push(mdTable(summary.head, summary.rows), '');
    L.push('Ratio = median Strata ops/s / median Redis ops/s. Targets: >= 0.9 at -P 1, >= 1.0 at -P 16. ' +
      'Rows marked (ri) compare the range index with the nearest Redis structure (RI.SET/ZADD, RI.GET/ZSCORE, ' +
      'RI.SCAN COUNT 100/ZRANGEBYLEX LIMIT 100, target >= 1.5) and are not in the core geomean; ' +
      '"ri.get.cold / ri.get.hot" is Strata against itself: random RI.GET on a tree ~10x its 1 MiB CACHESIZE over the same tree fully cached (target >= 0.5). ' +
      'CPU us/op = server CPU time (sum over its threads of /proc/PID/task/*/schedstat, ns resolution) / requests; "bench" is redis-benchmark\'s own CPU ' +
      '(cutime+cstime of this harness, 10 ms ticks) ' +
      '(at -P 1 it is the bottleneck on a 2-core box, so the server CPU ratio is the better capacity measure there). ' +
      `"other CPU" = cores used by anything but the two servers, redis-benchmark and this harness during the run (max over runs); ` +
      `"!" marks > ${NOISE_CORES} cores, i.e. a disturbed run.`, '');
    if (summary.failures.length) { L.push('Failures:', ''); for (const f of summary.failures) L.push(`- ${f}`); L.push(''); }
  }
  if (memSum) {
    L.push('## Memory per element', '');
    L.push(mdTable(memSum.head, memSum.rows), '');
    L.push(`**${memSum.line}**`, '');
  }
  if (snap) {
    L.push('## Range-index snapshot while writers run', '');
    L.push('`node bench/ri-snapshot.js --mb ' + opts.snapshotMb + '` (engine in-process; Redis side: DEBUG POPULATE + BGSAVE under a SET load, `latest_fork_usec`):', '');
    L.push('```', snap.text || `FAIL ${snap.error}`, '```', '');
  }
  const warn = warnings(tput);
  if (warn.length) { L.push('redis-benchmark warnings:', ''); for (const w of warn) L.push(`- ${w}`); L.push(''); }
  if (persSection) L.push(persSection, '');
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  fs.writeFileSync(opts.out, `${L.join('\n')}\n`);
}

function warnings(tput) {
  if (!tput) return [];
  const out = [];
  for (const s of Object.values(tput.servers)) for (const w of s.warnings) out.push(`${s.label}: ${w}`);
  return out;
}

// ------------------------------------------------------------------ main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.list) {
    for (const t of TESTS) process.stdout.write(`${t.name.padEnd(14)}${t.off ? 'off ' : 'on  '}${t.cmd ? JSON.stringify(t.cmd) : `-t ${t.name}`}\n`);
    return 0;
  }
  if (process.platform !== 'linux' || !fs.existsSync('/proc/self/stat')) die('needs Linux /proc (CPU accounting)');
  const missing = ['redis-server', 'redis-benchmark'].filter((b) => !which(b));
  if (missing.length) die(`${missing.join(' and ')} not found in PATH; install Redis 7 (e.g. apt-get install redis-server redis-tools)`);
  if (!process.env.STRATA_CMD && !fs.existsSync(path.join(ROOT, 'bin', 'strata-server'))) {
    die('bin/strata-server not found; run from the repo via `npm run bench`, or set STRATA_CMD (see --help)');
  }
  if (!opts.tests.length && !opts.mem && !opts.snapshot && !opts.persistence) die('nothing to run');

  const env = envInfo();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-'));
  tmpDirs.add(root);
  const progress = (s) => process.stderr.write(`${s}\n`);
  progress(`bench: ${opts.tests.map((t) => t.name).join(',') || '(no throughput tests)'}; -P ${opts.pipelines.join(',')}; n=${opts.n}; reps=${opts.reps}` +
    `${opts.mem ? `; memory ${opts.memKeys} keys` : ''}${process.env.STRATA_CMD ? '; STRATA_CMD override' : ''}`);

  const cmdInfo = {
    argv: process.argv.slice(2).join(' '),
    redis: redisArgv('PORT', 'TMP').map(shQuote).join(' '),
    strata: strataCommand('PORT', 'TMP').display,
    loads: [],
    mem: null,
  };
  let tput = null;
  if (opts.tests.length) {
    tput = await throughput(opts, root, progress);
    for (const t of opts.tests) {
      for (const side of ['redis', 'strata']) {
        if (commandFor(t, side) === null) continue;
        const argv = benchArgv(t, side, 'PORT', 'P', tput.nFor(t), opts.clients);
        const both = !t.cmd || Array.isArray(t.cmd);
        cmdInfo.loads.push(`${both ? '' : `${side}: `}redis-benchmark ${argv.map(shQuote).join(' ')}`.replace('-P P', `-P {${opts.pipelines.join(',')}}`) +
          (t.setup ? `  (after setup: ${describeSetup(t, side)})` : ''));
        if (both) break;
      }
    }
  }
  let mem = null;
  if (opts.mem) {
    mem = await memory(opts, root, progress);
    cmdInfo.mem = `per workload, fresh servers; FLUSHALL; \`used_memory\` from \`INFO memory\`; then ${opts.memKeys} x one of ${MEM_WORKLOADS.map((w) => w.desc).join(', ')} ` +
      'sent by a pipelined raw-socket RESP writer in bench/run.js (<= 10000 outstanding); DBSIZE check; 1 s pause; MEMORY PURGE (Strata: full GC); `INFO memory` again. ' +
      'bytes/element = delta used_memory / elements (RSS from /proc/PID/status for comparison).';
  }
  let snap = null;
  if (opts.snapshot) {
    checkAborted();
    progress(`range-index snapshot: ${opts.snapshotMb} MiB tree (bench/ri-snapshot.js)`);
    snap = riSnapshot(opts);
  }
  let pers = null;
  if (opts.persistence) {
    checkAborted();
    const persistence = require('./persistence.js');
    pers = await persistence.run(persistence.optionsFrom(opts), progress);
  }
  checkAborted();
  await cleanup();

  const summary = tput ? summarize(opts, tput) : null;
  const memSum = memorySummary(mem);
  const out = [];
  if (process.env.STRATA_CMD) out.push(`NOTE: STRATA_CMD override: the Strata column is \`${process.env.STRATA_CMD}\``);
  if (summary) {
    out.push('', `Throughput (redis-benchmark -c ${opts.clients}, median of ${opts.reps} rep${opts.reps > 1 ? 's' : ''}; targets >= 0.9 at -P 1, >= 1.0 at -P 16)`, '');
    out.push(textTable(summary.head, summary.rows, [0, 5, 6, 11]));
    if (summary.noisy) out.push('', `! = more than ${NOISE_CORES} cores of other CPU load during the run: that row is disturbed, re-run.`);
    if (summary.failures.length) { out.push('', 'Failures:'); for (const f of summary.failures) out.push(`  ${f}`); }
  }
  if (memSum) {
    out.push('', 'Memory per element (used_memory from INFO memory, before/after loading)', '');
    out.push(textTable(memSum.head, memSum.rows), '', memSum.line);
  }
  if (snap) out.push('', snap.text || `range-index snapshot: FAIL ${snap.error}`);
  const warn = warnings(tput);
  if (warn.length) { out.push('', 'redis-benchmark warnings:'); for (const w of warn) out.push(`  ${w}`); }
  if (pers) out.push('', pers.text);
  if (opts.write) {
    if (pers && !tput && !mem && !snap) {
      // persistence alone: only its section of the file is replaced (or appended)
      require('./persistence.js').writeSection(opts.out, pers.markdown);
    } else {
      writeMarkdown(opts, env, cmdInfo, tput, summary, memSum, snap, pers && pers.markdown);
    }
    out.push('', `wrote ${path.relative(process.cwd(), opts.out) || opts.out}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  const failed = (summary && summary.failures.length) || (mem && Object.values(mem).some((w) => (w.redis && w.redis.error) || (w.strata && w.strata.error))) ||
    (pers && pers.failures.length);
  return failed ? 1 : 0;
}

// The snapshot test runs in its own process (it holds a large tree in the engine).
function riSnapshot(opts) {
  try {
    const text = execFileSync(process.execPath, [path.join(__dirname, 'ri-snapshot.js'), '--mb', String(opts.snapshotMb)], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 1800 * 1000,
    });
    return { text: text.trimEnd() };
  } catch (e) {
    return { error: (e.stdout && String(e.stdout).trim()) || e.message };
  }
}

function describeSetup(t, side) {
  const cmds = t.setup(side);
  const names = [...new Set(cmds.map((c) => c[0]))].join('+');
  return `${cmds.length} pipelined ${names} command${cmds.length > 1 ? 's' : ''}${t.once ? ', once per server' : ', before every run'}`;
}

// Helpers for bench/persistence.js (which requires this file; main runs only when run directly).
module.exports = {
  ROOT, Conn, RespError, withConn, Server, startPair, benchOnce, serverDead, ping, pinned, which, shQuote, freePort,
  procCpu, rssBytes, sleep, checkAborted, cleanup, isAborted: () => aborted, tmpDirs, track, envInfo,
  median, geomean, fmtOps, fmtRatio, fmtUs, fmtBytes, textTable, mdTable, redisArgv, strataCommand,
};

if (require.main === module) {
  main().then(
    (code) => cleanup().then(() => process.exit(code)),
    (e) => {
      if (aborted) return; // the signal handler cleans up and exits
      process.stderr.write(`bench: ${e && e.message ? e.message : e}\n`);
      cleanup().then(() => process.exit(1));
    },
  );
}

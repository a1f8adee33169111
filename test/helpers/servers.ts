// Start and stop real server processes for tests: Strata (bin/strata-server, or whatever
// STRATA_CMD says) and a reference redis-server. Every process started here is killed when the
// test file ends (afterAll) and, as a last resort, when the jest worker exits.
//
// Environment:
//   STRATA_CMD            command line for the "Strata" side, e.g. `redis-server` (to prove the harness
//                         against real Redis) or `node /path/to/bin/strata-server`. Default:
//                         `<repo>/bin/strata-server` (via its shebang; `node <it>` if not executable).
//   REDIS_SERVER          path of the reference redis-server (default: redis-server on PATH).
//   STRATA_READY_TIMEOUT  ms to wait for a server to become ready (default 20000).
//   STRATA_KEEP_DIRS=1    keep temp data dirs (their paths are in the logs of failures).
//   STRATA_TEST_LOGS=1    echo server output to the test's stderr as it arrives.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const HOST = '127.0.0.1';

export interface StartOptions {
  /** Extra arguments (directives as `--name value`). */
  args?: string[];
  /** Data directory; a fresh temp dir under os.tmpdir() when absent. Reuse it to restart on the same data. */
  dir?: string;
  /** Extra environment variables for the process. */
  env?: NodeJS.ProcessEnv;
  /** Config file, passed as the first positional argument. */
  configFile?: string;
  /** Fixed port (e.g. to restart on the same port). A free one is chosen when absent. */
  port?: number;
  /** Shortcut for `--requirepass x`. */
  requirepass?: string;
  /** ms to wait for readiness. */
  readyTimeout?: number;
}

export interface ServerHandle {
  name: string;
  host: string;
  port: number;
  dir: string;
  proc: ChildProcess;
  /** The argv the process was started with (command first). */
  argv: string[];
  /** Everything the process wrote to stdout and stderr so far (tail of at most 4 MiB). */
  logs(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** True while the process runs. */
  alive(): boolean;
  /** SIGTERM, wait up to `timeout` ms, then SIGKILL. Resolves with how it exited. No-op if already exited. */
  stop(timeout?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL and wait for the exit. */
  kill9(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

// ---------------------------------------------------------------------------------------------
// Cleanup registry (one per test file: jest gives each test file its own module registry)

const live = new Set<ChildProcess>();
const createdDirs = new Set<string>();

function killAllSync(): void {
  for (const p of live) {
    try {
      p.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  live.clear();
}

function removeDirsSync(): void {
  if (process.env.STRATA_KEEP_DIRS === '1') return;
  for (const d of createdDirs) {
    try {
      fs.rmSync(d, { recursive: true, force: true });
    } catch {
      /* ignore */
    }
  }
  createdDirs.clear();
}

const onExit = (): void => {
  killAllSync();
  removeDirsSync();
};
process.on('exit', onExit);

/** Stops every server this test file started (SIGTERM then SIGKILL) and removes temp dirs. */
export async function stopAll(): Promise<void> {
  const handles = [...allHandles];
  allHandles.clear();
  await Promise.all(handles.map((h) => h.stop(3000).catch(() => undefined)));
  killAllSync();
  removeDirsSync();
}

const allHandles = new Set<ServerHandle>();

const jestAfterAll = (globalThis as { afterAll?: (fn: () => Promise<void>, timeout?: number) => void }).afterAll;
if (typeof jestAfterAll === 'function') {
  jestAfterAll(async () => {
    await stopAll();
    process.off('exit', onExit);
  }, 20000);
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** A free loopback port: bind :0, read the port, close. (Races are handled by retrying the start.) */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export function makeTempDir(prefix = 'strata-test-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  createdDirs.add(d);
  return d;
}

/** Finds an executable on PATH (or checks an absolute path). */
export function which(cmd: string): string | null {
  if (cmd.includes('/')) return isExecutable(cmd) ? cmd : null;
  for (const d of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!d) continue;
    const p = path.join(d, cmd);
    if (isExecutable(p)) return p;
  }
  return null;
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Splits a command line on whitespace, honouring simple single/double quotes. */
export function splitCommandLine(s: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2] ?? m[3]);
  return out;
}

/** Path of the reference redis-server, or null when not installed. */
export function redisServerPath(): string | null {
  return which(process.env.REDIS_SERVER || 'redis-server');
}

/** Path of redis-cli, or null. */
export function redisCliPath(): string | null {
  return which(process.env.REDIS_CLI || 'redis-cli');
}

/** Synchronous check, usable when defining tests (`(redisAvailable() ? it : it.skip)(...)`). */
export function redisAvailable(): boolean {
  return redisServerPath() !== null;
}

let warned = false;
/** Warns once per test file that redis-server is missing. */
export function warnRedisMissing(what = 'differential tests'): void {
  if (warned) return;
  warned = true;
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED: redis-server not installed — ${what} skipped`);
}

/** The command (argv prefix) used for the Strata side. */
export function strataCommand(): string[] {
  const override = process.env.STRATA_CMD;
  if (override && override.trim()) return splitCommandLine(override.trim());
  const bin = path.join(REPO_ROOT, 'bin', 'strata-server');
  // Run the script itself when executable so its shebang flags (node options) apply; else via node.
  return isExecutable(bin) && fs.readFileSync(bin, 'latin1').startsWith('#!') ? [bin] : [process.execPath, bin];
}

/** True when the "Strata" side is really a redis-server (harness self-test mode). */
export function strataIsRedis(): boolean {
  const cmd = strataCommand();
  return cmd.some((a) => path.basename(a) === 'redis-server');
}

const READY_RE = /Ready to accept connections/;
const ADDR_IN_USE_RE = /EADDRINUSE|Address already in use|address in use/i;

/** Sends PING on a fresh connection; resolves true if any complete line comes back. */
function pingOnce(port: number, timeout = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: HOST });
    let done = false;
    let got = '';
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(t);
      s.destroy();
      resolve(ok);
    };
    const t = setTimeout(() => finish(false), timeout);
    s.on('error', () => finish(false));
    s.on('connect', () => s.write('*1\r\n$4\r\nPING\r\n'));
    s.on('data', (d) => {
      got += d.toString('latin1');
      // +PONG, or -NOAUTH ... when a password is set: any reply line means it is serving.
      if (got.includes('\r\n')) finish(true);
    });
    s.on('close', () => finish(false));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

interface LaunchSpec {
  name: string;
  command: string[];
  /** Builds the args for a given port. */
  args: (port: number) => string[];
  dir: string;
  env?: NodeJS.ProcessEnv;
  fixedPort?: number;
  readyTimeout: number;
}

async function launch(spec: LaunchSpec): Promise<ServerHandle> {
  const attempts = spec.fixedPort ? 1 : 5;
  let lastErr: Error | null = null;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = spec.fixedPort ?? (await freePort());
    try {
      return await launchOnce(spec, port);
    } catch (e) {
      lastErr = e as Error;
      if (!(e as { addrInUse?: boolean }).addrInUse) throw e;
    }
  }
  throw lastErr!;
}

async function launchOnce(spec: LaunchSpec, port: number): Promise<ServerHandle> {
  const [cmd, ...pre] = spec.command;
  const argv = [cmd, ...pre, ...spec.args(port)];
  const proc = spawn(cmd, argv.slice(1), {
    cwd: REPO_ROOT,
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(proc);

  const MAX_LOG = 4 * 1024 * 1024;
  let log = '';
  let sawReady = false;
  const echo = process.env.STRATA_TEST_LOGS === '1';
  const onData = (d: Buffer) => {
    const s = d.toString('utf8');
    if (echo) process.stderr.write(`[${spec.name}:${port}] ${s}`);
    log += s;
    if (log.length > MAX_LOG) log = log.slice(log.length - MAX_LOG);
    if (!sawReady && READY_RE.test(log)) sawReady = true;
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);

  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  let spawnError: Error | null = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('error', (e) => {
      spawnError = e;
      exitInfo = { code: null, signal: null };
      live.delete(proc);
      resolve(exitInfo);
    });
    proc.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      live.delete(proc);
      resolve(exitInfo);
    });
  });

  const handle: ServerHandle = {
    name: spec.name,
    host: HOST,
    port,
    dir: spec.dir,
    proc,
    argv,
    logs: () => log,
    exited,
    alive: () => exitInfo === null,
    async stop(timeout = 10000) {
      if (exitInfo) return exitInfo;
      proc.kill('SIGTERM');
      const t = setTimeout(() => {
        if (!exitInfo) proc.kill('SIGKILL');
      }, timeout);
      const r = await exited;
      clearTimeout(t);
      allHandles.delete(handle);
      return r;
    },
    async kill9() {
      if (exitInfo) return exitInfo;
      proc.kill('SIGKILL');
      const r = await exited;
      allHandles.delete(handle);
      return r;
    },
  };
  allHandles.add(handle);

  const describeFailure = (why: string) =>
    `${spec.name} failed to start: ${why}\n  command: ${argv.map((a) => (a === '' ? "''" : a)).join(' ')}\n  dir: ${spec.dir}\n` +
    `  --- output (tail) ---\n${log.slice(-8000) || '(no output)'}\n  ---------------------`;

  const deadline = Date.now() + spec.readyTimeout;
  const getExit = (): { code: number | null; signal: NodeJS.Signals | null } | null => exitInfo;
  for (;;) {
    const ei = getExit();
    if (ei) {
      const why = spawnError
        ? `spawn error: ${(spawnError as Error).message}`
        : `exited early with code ${ei.code} signal ${ei.signal}`;
      const err = new Error(describeFailure(why)) as Error & { addrInUse?: boolean };
      err.addrInUse = ADDR_IN_USE_RE.test(log);
      allHandles.delete(handle);
      throw err;
    }
    if (sawReady || (await pingOnce(port))) {
      if (sawReady) {
        // The log line can precede the listen() by a hair in some servers: confirm with a PING.
        const until = Date.now() + 2000;
        while (!(await pingOnce(port)) && Date.now() < until && !getExit()) await sleep(20);
      }
      if (getExit()) continue;
      return handle;
    }
    if (Date.now() > deadline) {
      await handle.kill9();
      throw new Error(describeFailure(`not ready after ${spec.readyTimeout} ms (no "Ready to accept connections" line, no PING reply)`));
    }
    await sleep(50);
  }
}

function readyTimeout(opts: StartOptions): number {
  return opts.readyTimeout ?? (Number(process.env.STRATA_READY_TIMEOUT) || 20000);
}

// ---------------------------------------------------------------------------------------------
// Public starters

/**
 * Starts the Strata server: `<STRATA_CMD or node bin/strata-server> [configFile] --port N
 * --bind 127.0.0.1 --dir DIR [--requirepass x] ...args`, and waits until it serves.
 */
export async function startStrata(opts: StartOptions = {}): Promise<ServerHandle> {
  const dir = opts.dir ?? makeTempDir('strata-test-');
  fs.mkdirSync(dir, { recursive: true });
  const command = strataCommand();
  const isRedis = strataIsRedis();
  return launch({
    name: isRedis ? 'strata(redis-server stand-in)' : 'strata',
    command,
    dir,
    env: opts.env,
    fixedPort: opts.port,
    readyTimeout: readyTimeout(opts),
    args: (port) => [
      ...(opts.configFile ? [opts.configFile] : []),
      '--port', String(port),
      '--bind', HOST,
      '--dir', dir,
      // A redis-server stand-in should not write dump.rdb files around the tests.
      ...(isRedis ? ['--save', '', '--appendonly', 'no'] : []),
      ...(opts.requirepass !== undefined ? ['--requirepass', opts.requirepass] : []),
      ...(opts.args ?? []),
    ],
  });
}

/**
 * Starts a reference redis-server (`--save '' --appendonly no --dir tmp`). Returns null, with a
 * console.warn "SKIPPED: redis-server not installed", when it is absent.
 */
export async function startRedis(opts: StartOptions = {}): Promise<ServerHandle | null> {
  const bin = redisServerPath();
  if (!bin) {
    // eslint-disable-next-line no-console
    console.warn('SKIPPED: redis-server not installed');
    return null;
  }
  const dir = opts.dir ?? makeTempDir('redis-ref-');
  fs.mkdirSync(dir, { recursive: true });
  return launch({
    name: 'redis',
    command: [bin],
    dir,
    env: opts.env,
    fixedPort: opts.port,
    readyTimeout: readyTimeout(opts),
    args: (port) => [
      ...(opts.configFile ? [opts.configFile] : []),
      '--port', String(port),
      '--bind', HOST,
      '--save', '',
      '--appendonly', 'no',
      '--dir', dir,
      ...(opts.requirepass !== undefined ? ['--requirepass', opts.requirepass] : []),
      ...(opts.args ?? []),
    ],
  });
}

/** True when the process with this handle is still running (checks with signal 0 too). */
export function isRunning(h: ServerHandle): boolean {
  if (!h.alive() || h.proc.pid === undefined) return false;
  try {
    process.kill(h.proc.pid, 0);
    return true;
  } catch {
    return false;
  }
}

// RESP fuzzing: thousands of random and mutated frames (valid commands, flipped bytes,
// truncations, huge and negative lengths, nested junk, RESP3 request types, random binary, inline
// junk) thrown at one Strata process over many short connections, each sent in random chunks.
// Afterwards the process must be alive and a fresh client gets PONG and a SET/GET round trip.
//
// Reproducible: every connection draws from its own PRNG seeded by (seed, index).
//   FUZZ_SEED=<n>          seed (printed at start; default fixed)
//   FUZZ_CONNECTIONS=<n>   number of connections (default 4000)
//   FUZZ_BUDGET_MS=<n>     stop starting connections after this long (default 35000)
//   FUZZ_ONLY=<i>          replay only connection i (prints its frames)
import * as net from 'net';
import { encodeCommand, escapeBytes, RespClient } from '../helpers/resp';
import { ServerHandle, isRunning, startStrata } from '../helpers/servers';

const SEED = (Number(process.env.FUZZ_SEED ?? 0x5eed2024) >>> 0) || 1;
const CONNECTIONS = Number(process.env.FUZZ_CONNECTIONS ?? 4000);
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 35000);
const ONLY = process.env.FUZZ_ONLY !== undefined ? Number(process.env.FUZZ_ONLY) : null;
const CONCURRENCY = 12;

// ---------------------------------------------------------------------------------------------
// PRNG (mulberry32) and helpers

class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  range(a: number, b: number): number {
    return a + this.int(b - a + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

function connSeed(seed: number, i: number): number {
  let h = (seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) >>> 0 || 1;
}

// ---------------------------------------------------------------------------------------------
// Frame generators

const KEYS = Array.from({ length: 24 }, (_, i) => `fz:${i}`);

function key(r: Rng): string | Buffer {
  if (r.chance(0.05)) return r.bytes(r.range(0, 12));
  return r.pick(KEYS);
}

function smallInt(r: Rng): string {
  return String(r.range(-5, 1000));
}

function weirdNumber(r: Rng): string {
  return r.pick(['0', '-1', '1', '9223372036854775807', '-9223372036854775808', '99999999999999999999', '1.5', 'nan', 'inf', '-inf', '1e400', '0x10', '', ' 1', 'abc', '-0', String(r.range(-100000, 100000))]);
}

function value(r: Rng): string | Buffer {
  const k = r.int(6);
  if (k === 0) return '';
  if (k === 1) return smallInt(r);
  if (k === 2) return weirdNumber(r);
  if (k === 3) return r.bytes(r.range(1, 64));
  if (k === 4) return 'x'.repeat(r.range(1, 300));
  return Buffer.from('\r\n$3\r\n*1\r\n:', 'latin1');
}

function pattern(r: Rng): string {
  return r.pick(['*', 'fz:*', 'fz:1?', 'fz:[0-9]', 'fz:[^1]*', '*a*a*a*a*a*a*b', '[', '\\', 'fz:\\*', '*[a-', '?*?*?*?*?*?*?*?*x', '']);
}

type Gen = (r: Rng) => (string | Buffer)[];

const COMMANDS: Gen[] = [
  (r) => (r.chance(0.5) ? ['PING'] : ['PING', value(r)]),
  (r) => ['ECHO', value(r)],
  (r) => {
    const a: (string | Buffer)[] = ['SET', key(r), value(r)];
    const opts = ['NX', 'XX', 'GET', 'KEEPTTL', 'EX', 'PX', 'EXAT', 'PXAT'];
    for (let i = r.int(4); i > 0; i--) {
      const o = r.pick(opts);
      a.push(o);
      if (o.startsWith('EX') || o.startsWith('PX')) a.push(r.chance(0.8) ? String(r.range(1, 100000)) : weirdNumber(r));
    }
    return a;
  },
  (r) => ['GET', key(r)],
  (r) => ['DEL', ...Array.from({ length: r.range(1, 4) }, () => key(r))],
  (r) => ['EXISTS', ...Array.from({ length: r.range(1, 4) }, () => key(r))],
  (r) => ['INCR', key(r)],
  (r) => ['DECRBY', key(r), weirdNumber(r)],
  (r) => ['INCRBY', key(r), weirdNumber(r)],
  (r) => ['INCRBYFLOAT', key(r), weirdNumber(r)],
  (r) => ['APPEND', key(r), value(r)],
  (r) => ['STRLEN', key(r)],
  (r) => ['GETRANGE', key(r), weirdNumber(r), weirdNumber(r)],
  (r) => ['SETRANGE', key(r), String(r.range(-2, 5000)), value(r)],
  (r) => ['MGET', ...Array.from({ length: r.range(1, 6) }, () => key(r))],
  (r) => {
    const a: (string | Buffer)[] = ['MSET'];
    for (let i = r.range(0, 4); i > 0; i--) a.push(key(r), value(r));
    if (r.chance(0.2)) a.push(key(r));
    return a;
  },
  (r) => ['KEYS', pattern(r)],
  (r) => {
    const a: (string | Buffer)[] = ['SCAN', r.chance(0.7) ? '0' : weirdNumber(r)];
    if (r.chance(0.5)) a.push('MATCH', pattern(r));
    if (r.chance(0.5)) a.push('COUNT', r.chance(0.8) ? String(r.range(1, 100)) : weirdNumber(r));
    if (r.chance(0.2)) a.push('TYPE', r.pick(['string', 'list', 'zset', 'nope']));
    return a;
  },
  (r) => ['TYPE', key(r)],
  (r) => [r.pick(['TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME', 'PERSIST']), key(r)],
  (r) => {
    const a: (string | Buffer)[] = [r.pick(['EXPIRE', 'PEXPIRE', 'EXPIREAT', 'PEXPIREAT']), key(r), r.chance(0.7) ? String(r.range(-10, 100000)) : weirdNumber(r)];
    if (r.chance(0.4)) a.push(r.pick(['NX', 'XX', 'GT', 'LT', 'FOO']));
    return a;
  },
  (r) => [r.pick(['RENAME', 'RENAMENX', 'COPY']), key(r), key(r)],
  (r) => ['SELECT', r.chance(0.8) ? String(r.range(0, 17)) : weirdNumber(r)],
  (r) => ['MOVE', key(r), String(r.range(0, 17))],
  (r) => (r.chance(0.7) ? ['HELLO', r.pick(['2', '3'])] : ['HELLO', weirdNumber(r), 'SETNAME', value(r)]),
  (r) => ['CLIENT', r.pick(['SETNAME', 'GETNAME', 'ID', 'NOSUCH']), value(r)],
  (r) => ['DBSIZE'],
  (r) => ['RANDOMKEY'],
  (r) => ['SETBIT', key(r), String(r.range(-1, 100000)), r.pick(['0', '1', '2'])],
  (r) => ['GETBIT', key(r), weirdNumber(r)],
  (r) => ['BITCOUNT', key(r), ...(r.chance(0.5) ? [weirdNumber(r), weirdNumber(r)] : [])],
  (r) => ['BITPOS', key(r), r.pick(['0', '1', '2']), ...(r.chance(0.5) ? [smallInt(r)] : [])],
  (r) => ['BITOP', r.pick(['AND', 'OR', 'XOR', 'NOT', 'NAND']), key(r), key(r), ...(r.chance(0.5) ? [key(r)] : [])],
  (r) => ['GETSET', key(r), value(r)],
  (r) => ['GETDEL', key(r)],
  (r) => ['GETEX', key(r), ...(r.chance(0.5) ? [r.pick(['EX', 'PX', 'PERSIST']), smallInt(r)] : [])],
  (r) => ['OBJECT', r.pick(['ENCODING', 'REFCOUNT', 'FREQ', 'NOSUCH']), key(r)],
  (r) => ['COMMAND', r.pick(['INFO', 'COUNT', 'DOCS']), r.pick(['get', 'set', 'nosuch'])],
  (r) => ['TOUCH', key(r)],
  (r) => ['AUTH', value(r)],
  (r) => [r.pick(['NOSUCHCMD', 'GETX', '', 'S\x00ET']), value(r)],
  (r) => [r.pick(['MULTI', 'EXEC', 'DISCARD'])],
  (r) => [r.pick(['get', 'sEt', 'ping'])],
  // Range indexes share the key pool, so RENAME/COPY/MOVE/DEL/EXPIRE/DUMP above also hit them.
  (r) => {
    const a: (string | Buffer)[] = ['RI.CREATE', key(r)];
    const opts = ['DISK', 'MEMORY', 'CACHESIZE', 'MINRECORD', 'MAXRECORD', 'MAXKEYLEN', 'PAGESIZE', 'BOGUS'];
    for (let i = r.int(4); i > 0; i--) {
      const o = r.pick(opts);
      a.push(o);
      if (o !== 'DISK' && o !== 'MEMORY' && o !== 'BOGUS' && r.chance(0.9)) a.push(r.pick(['65536', '4096', '8192', '1', '64', '100000', ...[weirdNumber(r)]]));
    }
    return a;
  },
  (r) => ['RI.SET', key(r), value(r), value(r)],
  (r) => ['RI.GET', key(r), value(r)],
  (r) => ['RI.DEL', key(r), value(r)],
  (r) => {
    const a: (string | Buffer)[] = ['RI.MSET', key(r)];
    for (let i = r.range(0, 5); i > 0; i--) a.push(value(r), value(r));
    if (r.chance(0.2)) a.push(value(r));
    return a;
  },
  (r) => ['RI.MGET', key(r), ...Array.from({ length: r.range(1, 5) }, () => value(r))],
  (r) => ['RI.MDEL', key(r), ...Array.from({ length: r.range(1, 5) }, () => value(r))],
  (r) => ['RI.SCAN', key(r), value(r), r.pick(['COUNT', 'count', 'LIMIT']), r.chance(0.7) ? String(r.range(-1, 50)) : weirdNumber(r), ...(r.chance(0.5) ? ['FIELDS', r.pick(['KEY', 'VALUE', 'BOTH', 'x'])] : [])],
  (r) => ['RI.RANGE', key(r), value(r), value(r), ...(r.chance(0.5) ? ['FIELDS', r.pick(['KEY', 'VALUE', 'BOTH', 'x'])] : [])],
  (r) => ['RI.COUNT', key(r), ...(r.chance(0.5) ? [value(r), value(r)] : [])],
  (r) => [r.pick(['RI.EXISTS', 'RI.CONFIG', 'RI.METRICS', 'DUMP']), key(r)],
  (r) => ['MEMORY', 'USAGE', key(r), ...(r.chance(0.3) ? ['SAMPLES', weirdNumber(r)] : [])],
];

function validFrame(r: Rng): Buffer {
  const argv = r.pick(COMMANDS)(r);
  return encodeCommand(argv);
}

function flipBytes(r: Rng, b: Buffer): Buffer {
  const out = Buffer.from(b);
  for (let i = r.range(1, 4); i > 0 && out.length; i--) {
    const p = r.int(out.length);
    out[p] = r.chance(0.5) ? r.int(256) : r.pick([0x2a, 0x24, 0x0d, 0x0a, 0x2d, 0x30, 0x39, 0x3a, 0x20, 0x22]);
  }
  return out;
}

function truncate(r: Rng, b: Buffer): Buffer {
  return b.subarray(0, r.int(b.length));
}

function hugeLength(r: Rng): Buffer {
  const n = r.pick(['536870912', '536870913', '2147483647', '2147483648', '4294967296', '9223372036854775807', '99999999999999999999999', '1048577', '100000000']);
  const k = r.int(4);
  if (k === 0) return Buffer.from(`*${n}\r\n`);
  if (k === 1) return Buffer.from(`*1\r\n$${n}\r\n`);
  if (k === 2) return Buffer.from(`*2\r\n$3\r\nGET\r\n$${n}\r\nabc`);
  return Buffer.from(`*${r.pick(['3', n])}\r\n$3\r\nSET\r\n$1\r\nk\r\n$${n}\r\n`);
}

function negativeLength(r: Rng): Buffer {
  const n = r.pick(['-1', '-2', '-5', '-2147483648', '-9223372036854775808', '-99999999999999999999', '-0']);
  return r.chance(0.5) ? Buffer.from(`*${n}\r\nPING\r\n`) : Buffer.from(`*2\r\n$4\r\nECHO\r\n$${n}\r\nabc\r\n`);
}

function nestedJunk(r: Rng, depth = 0): Buffer {
  const t = r.pick(['*', '%', '~', '>', '|', '$', ':', '+', '-', '_', ',', '#', '(', '!', '=']);
  if (depth > 4 || '$:+-_,#(!='.includes(t)) {
    switch (t) {
      case '$': case '!': case '=': {
        const body = r.bytes(r.range(0, 10));
        return Buffer.concat([Buffer.from(`${t}${body.length}\r\n`), body, Buffer.from('\r\n')]);
      }
      case '_': return Buffer.from('_\r\n');
      case '#': return Buffer.from(`#${r.pick(['t', 'f', 'x'])}\r\n`);
      default: return Buffer.from(`${t}${r.pick(['1', 'OK', '3.14', '-7', 'inf', ''])}\r\n`);
    }
  }
  const n = r.range(0, 3);
  const parts: Buffer[] = [Buffer.from(`${t}${n}\r\n`)];
  for (let i = 0; i < n * (t === '%' || t === '|' ? 2 : 1); i++) parts.push(nestedJunk(r, depth + 1));
  return Buffer.concat(parts);
}

function randomBinary(r: Rng): Buffer {
  return r.bytes(r.range(1, 2000));
}

function inlineJunk(r: Rng): Buffer {
  const alphabet = ['a', 'b', ' ', '"', "'", '\\', 'x', '4', '1', 'n', '\t', 'SET', 'GET', 'PING', 'ECHO', 'fz:1', '\\x4', '\\x41', '""', "''"];
  let s = '';
  for (let i = r.range(0, 30); i > 0; i--) s += r.pick(alphabet);
  return Buffer.from(s + r.pick(['\r\n', '\n', '\r', '']), 'latin1');
}

function genFrame(r: Rng): Buffer {
  const x = r.next();
  if (x < 0.32) return validFrame(r);
  if (x < 0.52) return flipBytes(r, validFrame(r));
  if (x < 0.62) return truncate(r, validFrame(r));
  if (x < 0.66) return hugeLength(r);
  if (x < 0.70) return negativeLength(r);
  if (x < 0.80) return nestedJunk(r);
  if (x < 0.88) return randomBinary(r);
  return inlineJunk(r);
}

// ---------------------------------------------------------------------------------------------
// Driver

interface ConnResult {
  index: number;
  frames: Buffer[];
  refused: boolean;
  received: number;
  closedByServer: boolean;
}

function fuzzConnection(port: number, index: number): Promise<ConnResult> {
  const r = new Rng(connSeed(SEED, index));
  const frames: Buffer[] = [];
  for (let i = r.range(1, 14); i > 0; i--) frames.push(genFrame(r));
  const data = Buffer.concat(frames);
  const chunks: Buffer[] = [];
  for (let off = 0; off < data.length; ) {
    const n = r.chance(0.3) ? r.range(1, 16) : r.range(1, data.length);
    chunks.push(data.subarray(off, off + n));
    off += n;
  }
  const result: ConnResult = { index, frames, refused: false, received: 0, closedByServer: false };
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.setNoDelay(true);
    let done = false;
    let idle: NodeJS.Timeout | undefined;
    const hard = setTimeout(() => finish(), 1500);
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(idle);
      clearTimeout(hard);
      s.destroy();
      resolve(result);
    };
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(finish, 40);
    };
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED') result.refused = true;
      finish();
    });
    s.on('close', () => {
      result.closedByServer = !done;
      finish();
    });
    s.on('data', (d) => {
      result.received += d.length;
      arm();
    });
    s.on('connect', async () => {
      for (const c of chunks) {
        if (done) return;
        s.write(c);
        if (r.chance(0.2)) await new Promise((res) => setImmediate(res));
      }
      arm();
    });
  });
}

jest.setTimeout(90000);

describe('RESP fuzz', () => {
  let server: ServerHandle;

  beforeAll(async () => {
    server = await startStrata();
  }, 60000);
  afterAll(async () => {
    await server?.stop();
  });

  it(`survives random and mutated frames (seed ${SEED})`, async () => {
    // eslint-disable-next-line no-console
    console.log(`RESP fuzz: seed=${SEED} (FUZZ_SEED to change), connections=${CONNECTIONS}, budget=${BUDGET_MS} ms`);
    const t0 = Date.now();
    const indexes = ONLY !== null ? [ONLY] : Array.from({ length: CONNECTIONS }, (_, i) => i);
    const inFlight = new Map<number, Promise<ConnResult>>();
    const results: ConnResult[] = [];
    let next = 0;
    let died: { at: number; inFlight: number[] } | null = null;

    while (next < indexes.length || inFlight.size) {
      while (next < indexes.length && inFlight.size < CONCURRENCY && Date.now() - t0 < BUDGET_MS && !died) {
        const i = indexes[next++];
        inFlight.set(i, fuzzConnection(server.port, i));
      }
      if (!inFlight.size) break;
      const done = await Promise.race([...inFlight.values()]);
      inFlight.delete(done.index);
      results.push(done);
      if (!died && (done.refused || !server.alive())) {
        died = { at: done.index, inFlight: [done.index, ...inFlight.keys()] };
      }
      if (Date.now() - t0 >= BUDGET_MS) next = indexes.length; // budget spent: drain and stop
    }

    const frames = results.reduce((n, x) => n + x.frames.length, 0);
    const closed = results.filter((x) => x.closedByServer).length;
    // eslint-disable-next-line no-console
    console.log(
      `RESP fuzz: ${results.length} connections, ${frames} frames in ${Date.now() - t0} ms; ` +
        `${closed} connections closed by the server (protocol errors / QUIT)`,
    );
    if (ONLY !== null) {
      // eslint-disable-next-line no-console
      console.log(results[0].frames.map((f, i) => `frame ${i}: ${escapeBytes(f, 400)}`).join('\n'));
    }

    if (died || !isRunning(server)) {
      const suspects = (died?.inFlight ?? [])
        .map((i) => results.find((x) => x.index === i))
        .filter((x): x is ConnResult => !!x)
        .map((x) => `  connection #${x.index} (replay: FUZZ_SEED=${SEED} FUZZ_ONLY=${x.index}):\n` + x.frames.map((f) => `    ${escapeBytes(f, 300)}`).join('\n'))
        .join('\n');
      const exit = await Promise.race([server.exited, new Promise((r) => setTimeout(() => r('still running but refusing connections'), 1000))]);
      throw new Error(`Strata died during the fuzz (seed ${SEED}; exit: ${JSON.stringify(exit)}). Connections in flight:\n${suspects}\n--- server logs (tail) ---\n${server.logs().slice(-6000)}`);
    }
    expect(results.length).toBeGreaterThan(0);

    // A fresh client is served normally.
    const c = await RespClient.connect(server.port, { timeout: 10000 });
    try {
      expect((await c.call('PING')).toString()).toBe('+PONG\r\n');
      expect((await c.call('SELECT', '0')).toString()).toBe('+OK\r\n');
      expect((await c.call('SET', 'fuzz:after', 'still-alive')).toString()).toBe('+OK\r\n');
      expect((await c.call('GET', 'fuzz:after')).toString()).toBe('$11\r\nstill-alive\r\n');
      const bin = Buffer.from([0, 1, 2, 13, 10, 255]);
      expect((await c.call('SET', 'fuzz:bin', bin)).toString()).toBe('+OK\r\n');
      const got = await c.call('GET', 'fuzz:bin');
      expect(got.equals(Buffer.concat([Buffer.from('$6\r\n'), bin, Buffer.from('\r\n')]))).toBe(true);
    } finally {
      c.close();
    }
    // Several clients at once, too.
    const many = await Promise.all(Array.from({ length: 20 }, () => RespClient.connect(server.port)));
    try {
      const pongs = await Promise.all(many.map((m) => m.call('PING')));
      expect(pongs.every((p) => p.toString() === '+PONG\r\n')).toBe(true);
    } finally {
      many.forEach((m) => m.close());
    }
    expect(isRunning(server)).toBe(true);
    // A handler that threw is a bug even though the dispatcher contained it ("internal error" reply).
    const thrown = server.logs().split('\n').filter((l) => l.includes('command handler failed'));
    expect(thrown).toEqual([]);
  });
});

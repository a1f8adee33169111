// Differential check of the string handlers against a real redis-server (7.0): seeded random command
// sequences go to both, every reply is compared byte for byte and, after each command, so is the value
// of every key. RESP2 and RESP3. Skipped with a warning when redis-server is not installed.
import type { Client } from '../../src/server/context';
import { Db } from '../../src/keyspace/db';
import { commands } from '../../src/handlers/string';
import { startRedis, stopAll, ServerHandle } from '../helpers/servers';
import { RespClient } from '../helpers/resp';

let redis: ServerHandle | null = null;
let rc: RespClient;

beforeAll(async () => {
  redis = await startRedis();
  if (redis) rc = await RespClient.connect(redis.port);
});
afterAll(async () => {
  if (rc) rc.socket.destroy();
  await stopAll();
});

// ---- seeded generator ----

let seed = 1;
function rnd(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x80000000;
}
const ri = (n: number) => Math.floor(rnd() * n);
const pick = <T>(a: readonly T[]): T => a[ri(a.length)];

const KEYS = ['k1', 'k2', 'k3', 'n1', 'n2', 'lst'];
const VALS = [
  '', '0', '1', '-1', '12', '-0', '01', '+1', ' 1', '1 ', 'abc', 'foobar', '\x00', '\xff\xf0\x00\x0f',
  '9223372036854775807', '-9223372036854775808', '9223372036854775806', '-9223372036854775807', '9007199254740991',
  '9007199254740992', '-9007199254740993', '18446744073709551615', '3.5', '1e3', '0x10', 'inf', '-inf', 'nan', '1.0e-5',
  '  ', '\x01\x02\x03', 'ohmytext', 'mynewtext', 'aaaa', 'a\x00b', '1\x002', '0.1', '1e-4940', '1.7976931348623157e308',
  '12345678901234567890', '99999999999999999', '-12.5e-1', '.5', '5.', '0.000003814697265625',
];
const INTS = [
  '0', '1', '-1', '2', '-2', '3', '7', '8', '-8', '100', '-100', '9223372036854775807', '-9223372036854775808',
  '9007199254740993', '-9007199254740993', '4294967295', '4294967296', '536870911', 'x', '1.5', '', '01', '-0', '+1',
];
const SMALL = [
  '0', '1', '2', '3', '4', '-1', '-2', '-3', '-5', '5', '7', '8', '9', '15', '16', '17', '23', '24', '31', '-9', '-16',
  '-17', '100', '-100', '9223372036854775807', '-9223372036854775808', '-9223372036854775807', 'a',
];
const FLOATS = [
  '0', '1', '-1', '0.1', '-0.1', '1.5', '1e10', '-1e10', '3.0e-3', 'inf', '-inf', 'nan', 'abc', '', ' 1', '1 ', '0x1p-2',
  '0X1.8P1', '1e4000', '-1e4000', '1e-4940', '1e-5000', '5.0e3', '1.', '.1', '-.5e1', '1e', '1e+', '0x', '1\x00x', '\x00',
  '+', '-', '0.0000000000000000001', '123456789.123456789', '2.5e-18', '7.62939453125e-6', '1e4932',
  '1.18973149535723176502e4932', '1.18973149535723176509e4932', '-0', 'Infinity', 'INF', 'infinit',
  '0e99999999999999999999', '1e99999999999999999999', '1e-99999999999999999999',
];

const key = () => pick(KEYS);
const val = () => (rnd() < 0.15 ? 'x'.repeat(ri(60)) : pick(VALS));
const kwcase = (s: string) =>
  rnd() < 0.5 ? s : s.split('').map((ch) => (rnd() < 0.5 ? ch.toUpperCase() : ch.toLowerCase())).join('');
const rint = (span: number) => String(ri(2 * span + 1) - span);
function rstr(alpha: string, max: number): string {
  let s = '';
  for (let n = ri(max + 1); n > 0; n--) s += alpha[ri(alpha.length)];
  return s;
}
function rbytes(max: number): string {
  let s = '';
  for (let n = ri(max + 1); n > 0; n--) s += String.fromCharCode(pick([0, 255, ri(256), ri(256), 1, 128, 0x0f, 0xf0]));
  return s;
}
function expireVal(unit: string): string {
  const now = Date.now();
  if (unit === 'ex') return pick(['10', '100', '0', '-1', 'x', '9223372036854775', '9223372036854774', '9223372036854', '1.5']);
  if (unit === 'px') return pick(['10000', '100000', '0', '-5', '9223372036854775807', '9223370000000000000', '9007199254740993']);
  if (unit === 'exat') return pick([String(Math.floor(now / 1000) + 100), '1', '0', '-1', '9223372036854775', '9223372036854776']);
  return pick([String(now + 100000), '1', '0', '9223372036854775807', 'abc']);
}
function rfloat(): string {
  const sign = rnd() < 0.4 ? '-' : rnd() < 0.1 ? '+' : '';
  switch (ri(8)) {
    case 0: return sign + ri(1000) + '.' + String(ri(1e6)).padStart(ri(8), '0');
    case 1: return sign + ri(10) + '.' + ri(1e9) + 'e' + (ri(80) - 40);
    case 2: return sign + '0x' + ri(65536).toString(16) + (rnd() < 0.5 ? '.' + ri(4096).toString(16) : '') + (rnd() < 0.7 ? 'p' + (ri(200) - 100) : '');
    case 3: return sign + (rnd() * 10 ** (ri(40) - 20)).toPrecision(1 + ri(20));
    case 4: return sign + ri(100) + 'e' + (ri(9900) - 4950);
    case 5: return sign + String(ri(1 << 30)) + String(ri(1 << 30));
    case 6: return sign + '0.' + '0'.repeat(ri(20)) + ri(1e9);
    default: return pick(FLOATS);
  }
}
function withOptions(a: string[], opts: string[], max: number): string[] {
  for (let n = ri(max); n > 0; n--) {
    const o = pick(opts);
    a.push(kwcase(o));
    if (['ex', 'px', 'exat', 'pxat'].includes(o) && rnd() < 0.95) a.push(expireVal(o));
  }
  return a;
}

function genMixed(): string[] {
  switch (ri(34)) {
    case 0: return ['get', key()];
    case 1: case 2: return withOptions(['set', key(), val()], ['nx', 'xx', 'get', 'keepttl', 'ex', 'px', 'exat', 'pxat', 'persist', 'bogus'], 4);
    case 3: return ['setnx', key(), val()];
    case 4: return ['setex', key(), expireVal('ex'), val()];
    case 5: return ['psetex', key(), expireVal('px'), val()];
    case 6: return ['getset', key(), val()];
    case 7: return ['getdel', key()];
    case 8: return withOptions(['getex', key()], ['ex', 'px', 'exat', 'pxat', 'persist', 'nx', 'keepttl'], 3);
    case 9: { const a = ['mget']; for (let n = 1 + ri(4); n > 0; n--) a.push(key()); return a; }
    case 10: case 11: {
      const a = [ri(2) ? 'mset' : 'msetnx'];
      for (let n = 1 + ri(3); n > 0; n--) a.push(key(), val());
      if (rnd() < 0.1) a.push(key());
      return a;
    }
    case 12: return ['append', key(), val()];
    case 13: return ['strlen', key()];
    case 14: return ['getrange', key(), pick(SMALL), pick(SMALL)];
    case 15: return ['setrange', key(), pick(['0', '1', '3', '10', '-1', 'x', '536870912', '9223372036854775807', '100']), val()];
    case 16: return ['incr', key()];
    case 17: return ['decr', key()];
    case 18: return ['incrby', key(), pick(INTS)];
    case 19: return ['decrby', key(), pick(INTS)];
    case 20: case 21: return ['incrbyfloat', key(), pick(FLOATS)];
    case 22: {
      const a = ['lcs', key(), key()];
      for (let n = ri(4); n > 0; n--) {
        const o = pick(['len', 'idx', 'withmatchlen', 'minmatchlen', 'bogus']);
        a.push(kwcase(o));
        if (o === 'minmatchlen' && rnd() < 0.9) a.push(pick(['0', '1', '2', '3', '-1', 'x', '100']));
      }
      return a;
    }
    case 23: return ['setbit', key(), pick(['0', '1', '7', '8', '13', '31', '100', '-1', 'x', '4294967296', '#1']), pick(['0', '1', '2', '-1', 'x'])];
    case 24: return ['getbit', key(), pick(['0', '1', '7', '8', '13', '31', '100', '-1', 'x', '4294967296'])];
    case 25: case 26: case 27: case 28: {
      const a = ri(2) ? ['bitcount', key()] : ['bitpos', key(), pick(['0', '1', '1', '0', '2', 'x'])];
      const n = ri(4);
      if (n >= 1) a.push(pick(SMALL));
      if (n >= 2) a.push(pick(SMALL));
      if (n >= 3) a.push(kwcase(pick(['bit', 'byte', 'bits'])));
      if (rnd() < 0.05) a.push('extra');
      return a;
    }
    case 29: {
      const a = ['bitop', kwcase(pick(['and', 'or', 'xor', 'not', 'nand'])), key()];
      for (let n = 1 + ri(3); n > 0; n--) a.push(key());
      return a;
    }
    case 30: return ['ttl', key()];
    case 31: return ['rpush', 'lst', 'x'];
    case 32: return ['del', key()];
    default: return ['exists', key()];
  }
}

function genBits(): string[] {
  switch (ri(8)) {
    case 0: return ['set', key(), rbytes(6)];
    case 1: return ['setbit', key(), String(ri(60)), String(ri(2))];
    case 2: { const a = ['bitcount', key(), rint(50), rint(50)]; if (rnd() < 0.6) a.push(pick(['bit', 'byte'])); return a; }
    case 3: case 4: {
      const a = ['bitpos', key(), String(ri(2))];
      const n = ri(4);
      if (n >= 1) a.push(rint(50));
      if (n >= 2) a.push(rint(50));
      if (n >= 3) a.push(pick(['bit', 'byte']));
      return a;
    }
    case 5: {
      const a = ['bitop', pick(['and', 'or', 'xor', 'not']), key(), key()];
      if (a[1] !== 'not') for (let n = ri(3); n > 0; n--) a.push(key());
      return a;
    }
    case 6: return ['getrange', key(), rint(10), rint(10)];
    default: return ['getbit', key(), String(ri(60))];
  }
}

function genLcs(): string[] {
  if (rnd() < 0.5) return ['set', key(), rstr(rnd() < 0.5 ? 'ab' : 'abcde', 14)];
  const a = ['lcs', key(), key()];
  for (const o of ['idx', 'len', 'withmatchlen']) if (rnd() < 0.35) a.push(o);
  if (rnd() < 0.4) a.push('minmatchlen', String(ri(5)));
  return a;
}

function genFloat(): string[] {
  const r = ri(6);
  if (r === 0) return ['set', key(), rfloat()];
  if (r === 1) return ['del', key()];
  return ['incrbyfloat', key(), rfloat()];
}

function genInt(): string[] {
  const operand = () => pick([rint(100), pick(INTS), '9223372036854775' + ri(1000), '-9223372036854775' + ri(1000), '900719925474' + ri(10000)]);
  switch (ri(6)) {
    case 0: return ['set', key(), operand()];
    case 1: return ['incr', key()];
    case 2: return ['decr', key()];
    case 3: return ['incrby', key(), operand()];
    case 4: return ['decrby', key(), operand()];
    default: return ['incrbyfloat', key(), pick(['1', '-1', '0.5', '1e15', '-1e15', '9007199254740993'])];
  }
}

// ---- the two sides ----

const NULL2 = '$-1\r\n';
const NULL3 = '_\r\n';

/** Runs argv on the handlers; the few non-string commands used by the generator are emulated. */
function local(c: Client, argv: string[]): string {
  const db = c.db;
  const name = argv[0];
  if (name === 'ttl') {
    if (!db.has(argv[1])) return ':-2\r\n';
    const w = db.getExpire(argv[1]);
    return w === undefined ? ':-1\r\n' : ':' + Math.floor((w - Date.now() + 500) / 1000) + '\r\n';
  }
  if (name === 'rpush') {
    const v = db.getForWrite(argv[1]) as unknown as { type: string; n: number } | string | number | undefined;
    if (v !== undefined && typeof v !== 'object') return '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n';
    if (v === undefined) {
      db.set(argv[1], { type: 'list', n: 1, encoding: () => 'quicklist' } as never);
      return ':1\r\n';
    }
    v.n++;
    return ':' + v.n + '\r\n';
  }
  if (name === 'del') return db.delete(argv[1]) ? ':1\r\n' : ':0\r\n';
  if (name === 'exists') return db.has(argv[1]) ? ':1\r\n' : ':0\r\n';
  c.out = null;
  c.opos = 0;
  commands[name](c, argv);
  return c.out === null ? '' : (c.out as Buffer).toString('latin1', 0, c.opos);
}

async function remote(argv: string[]): Promise<string> {
  return (await rc.call(...argv.map((a) => Buffer.from(a, 'latin1')))).toString('latin1');
}

/** The value of every key as a GET reply would show it, from the local keyspace. */
function localState(db: Db, resp: number, k: string): string {
  const v = db.dict.get(k);
  const w = db.expires.get(k);
  if (v === undefined || (w !== undefined && w <= Date.now())) return resp === 3 ? NULL3 : NULL2;
  if (typeof v === 'object') return '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n';
  const s = typeof v === 'number' ? String(v) : v;
  return '$' + s.length + '\r\n' + s + '\r\n';
}

async function run(gen: () => string[], n: number, s: number, resp: number): Promise<string[]> {
  seed = s;
  await remote(['flushall']);
  await remote(['hello', String(resp)]);
  const db = new Db(0);
  const c = { resp, out: null, opos: 0, mute: false, requestFlush() {}, db } as unknown as Client;
  const diffs: string[] = [];
  for (let i = 0; i < n && diffs.length < 10; i++) {
    const argv = gen();
    const want = await remote(argv);
    const got = local(c, argv);
    if (got !== want) diffs.push(`#${i} ${JSON.stringify(argv)}\n  redis: ${JSON.stringify(want)}\n  local: ${JSON.stringify(got)}`);
    const states = await rc.pipeline(KEYS.map((k) => ['get', k]));
    for (let j = 0; j < KEYS.length; j++) {
      const want2 = states[j].toString('latin1');
      const got2 = localState(db, resp, KEYS[j]);
      if (got2 !== want2) {
        diffs.push(`#${i} ${JSON.stringify(argv)} left ${KEYS[j]}\n  redis: ${JSON.stringify(want2)}\n  local: ${JSON.stringify(got2)}`);
        break;
      }
    }
  }
  await remote(['hello', '2']);
  return diffs;
}

const cases: [string, () => string[], number][] = [
  ['mixed', genMixed, 2500],
  ['bits', genBits, 2000],
  ['lcs', genLcs, 1500],
  ['float', genFloat, 2000],
  ['int', genInt, 2000],
];

describe('string commands vs redis-server', () => {
  for (const [name, gen, n] of cases) {
    for (const resp of [2, 3]) {
      test(`${name} RESP${resp}`, async () => {
        if (!redis) return;
        expect(await run(gen, n, 1000 + name.length * 7 + resp, resp)).toEqual([]);
      });
    }
  }
});

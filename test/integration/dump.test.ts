// DUMP / RESTORE between a real Strata process and a real redis-server 7.0 (skipped with a warning when
// redis-server is missing):
//   - Redis -> Strata -> Redis: every encoding Redis writes is restored by Strata (same TYPE, same OBJECT
//     ENCODING) and Strata's DUMP of it restores in Redis to the same content;
//   - Strata -> Redis: values built with Strata's own commands dump into payloads Redis accepts, byte-
//     identical to Redis' DUMP of the same commands where Redis' layout is deterministic;
//   - RESTORE's replies and errors match Redis' byte for byte; MIGRATE from Redis into Strata works;
//   - RESTORE wakes a client blocked in BLPOP on the key.
import { startStrata, startRedis, stopAll, redisAvailable, ServerHandle } from '../helpers/servers';
import { RespClient, decodeReply, toJS, escapeBytes } from '../helpers/resp';
import { fixCrc } from '../../src/keyspace/rdb/legacy';

let strata: ServerHandle;
let redis: ServerHandle | null = null;
let sc: RespClient;
let rc: RespClient;
const maybe = redisAvailable() ? test : test.skip;

beforeAll(async () => {
  strata = await startStrata();
  sc = await RespClient.connect(strata.port);
  if (redisAvailable()) {
    redis = await startRedis({ args: ['--sanitize-dump-payload', 'yes'] });
    if (redis) rc = await RespClient.connect(redis.port);
  }
}, 60000);
afterAll(async () => {
  sc?.socket.destroy();
  rc?.socket.destroy();
  await stopAll();
});

type Arg = string | Buffer;
const L = (s: string) => Buffer.from(s, 'latin1');

async function js(c: RespClient, ...argv: Arg[]): Promise<unknown> {
  return toJS(decodeReply(await c.call(...argv)).value);
}
async function bulk(c: RespClient, ...argv: Arg[]): Promise<Buffer | null> {
  const v = decodeReply(await c.call(...argv)).value;
  if (v.type === 'null') return null;
  if (v.type !== 'bulk') throw new Error(`${argv[0]}: expected a bulk reply, got ${JSON.stringify(toJS(v))}`);
  return Buffer.from(v.value);
}
async function strings(c: RespClient, ...argv: Arg[]): Promise<string[]> {
  const v = decodeReply(await c.call(...argv)).value;
  if (v.type !== 'array' || v.value === null) throw new Error(`${argv[0]}: expected an array, got ${JSON.stringify(toJS(v))}`);
  return v.value.map((x) => (x as { value: Buffer }).value.toString('latin1'));
}

/** The content of a key, read with the type's own commands (sets and hashes as sorted lists). */
async function content(c: RespClient, key: string): Promise<unknown> {
  const type = (await js(c, 'TYPE', key)) as string;
  switch (type) {
    case 'string':
      return [type, (await bulk(c, 'GET', key))!.toString('latin1')];
    case 'list':
      return [type, await strings(c, 'LRANGE', key, '0', '-1')];
    case 'hash': {
      const flat = await strings(c, 'HGETALL', key);
      const pairs: string[] = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push(flat[i] + '\u0000' + flat[i + 1]);
      return [type, pairs.sort()];
    }
    case 'set':
      return [type, (await strings(c, 'SMEMBERS', key)).sort()];
    case 'zset':
      return [type, await strings(c, 'ZRANGE', key, '0', '-1', 'WITHSCORES')];
  }
  return [type];
}

/** Content through Redis: restore a payload there under a scratch key and read it back. */
async function contentViaRedis(payload: Buffer): Promise<unknown> {
  expect(await js(rc, 'RESTORE', '__probe', '0', payload, 'REPLACE')).toBe('OK');
  const c = await content(rc, '__probe');
  await js(rc, 'DEL', '__probe');
  return c;
}

const CONFIG_DEFAULTS: [string, string][] = [
  ['list-max-listpack-size', '-2'],
  ['list-compress-depth', '0'],
  ['hash-max-listpack-entries', '512'],
  ['hash-max-listpack-value', '64'],
  ['set-max-intset-entries', '512'],
  ['zset-max-listpack-entries', '128'],
  ['zset-max-listpack-value', '64'],
];
async function configBoth(pairs: [string, string][]): Promise<void> {
  for (const [k, v] of pairs) {
    expect(await js(rc, 'CONFIG', 'SET', k, v)).toBe('OK');
    expect(await js(sc, 'CONFIG', 'SET', k, v)).toBe('OK');
  }
}

interface Case {
  name: string;
  config?: [string, string][];
  cmds: Arg[][];
  /** Strata's DUMP after the same commands is byte-identical to Redis'. */
  identical?: boolean;
}
const n = (count: number, f: (i: number) => string) => Array.from({ length: count }, (_, i) => f(i));
const CASES: Case[] = [
  { name: 'string', cmds: [['SET', 'k', 'hello']], identical: true },
  { name: 'string int', cmds: [['SET', 'k', '-12345']], identical: true },
  { name: 'string big int', cmds: [['SET', 'k', '9223372036854775807']], identical: true },
  { name: 'string long (LZF)', cmds: [['SET', 'k', 'abcdefgh'.repeat(100)]], identical: true },
  { name: 'string binary', cmds: [['SET', 'k', L('\u0000\u00ff\r\n\u0080')]], identical: true },
  { name: 'list', cmds: [['RPUSH', 'k', 'a', 'b', '1', '-70000', 'x'.repeat(100)]], identical: true },
  { name: 'list many nodes', cmds: [['RPUSH', 'k', ...n(5000, (i) => (i % 3 ? 'el' + i : String(i)))]], identical: true },
  { name: 'list fill 4', config: [['list-max-listpack-size', '4']], cmds: [['RPUSH', 'k', ...n(30, (i) => 'v' + i)]], identical: true },
  { name: 'list compressed', config: [['list-compress-depth', '1']], cmds: [['RPUSH', 'k', ...n(4000, (i) => 'same-' + (i % 5))]] },
  { name: 'list LPUSH/LINSERT', cmds: [['LPUSH', 'k', ...n(300, (i) => 'p' + i)], ['LINSERT', 'k', 'BEFORE', 'p10', 'ins']] },
  { name: 'hash listpack', cmds: [['HSET', 'k', 'f', 'v', 'n', '42', 'e', '', 'neg', '-1']], identical: true },
  { name: 'hash hashtable', cmds: [['HSET', 'k', ...n(1200, (i) => (i % 2 ? 'val' + i : 'field' + i))]] },
  { name: 'hash long value', cmds: [['HSET', 'k', 'a', 'v'.repeat(100), 'b', '1']] },
  { name: 'set intset', cmds: [['SADD', 'k', '3', '1', '-2', '70000']], identical: true },
  { name: 'set intset 64', cmds: [['SADD', 'k', '5000000000', '-1']], identical: true },
  { name: 'set hashtable', cmds: [['SADD', 'k', 'a', 'b', 'c', '1']] },
  { name: 'set too many ints', config: [['set-max-intset-entries', '3']], cmds: [['SADD', 'k', '1', '2', '3', '4']] },
  { name: 'zset listpack', cmds: [['ZADD', 'k', '1', 'a', '2.5', 'b', '-inf', 'c', '0.1', 'd', '100', 'e']], identical: true },
  { name: 'zset skiplist', cmds: [['ZADD', 'k', ...n(400, (i) => (i % 2 ? 'm' + i : String(i / 4)))]] },
  { name: 'zset long member', cmds: [['ZADD', 'k', '1', 'm'.repeat(100), '2', 'b']] },
];

async function flushBoth(): Promise<void> {
  await js(rc, 'FLUSHALL');
  await js(sc, 'FLUSHALL');
  await configBoth(CONFIG_DEFAULTS);
}

describe('Redis -> Strata -> Redis', () => {
  for (const c of CASES) {
    maybe(c.name, async () => {
      await flushBoth();
      await configBoth(c.config ?? []);
      for (const cmd of c.cmds) await js(rc, ...cmd);
      const fromRedis = (await bulk(rc, 'DUMP', 'k'))!;
      expect(await js(sc, 'RESTORE', 'k', '0', fromRedis)).toBe('OK');
      expect(await js(sc, 'TYPE', 'k')).toBe(await js(rc, 'TYPE', 'k'));
      expect(await js(sc, 'OBJECT', 'ENCODING', 'k')).toBe(await js(rc, 'OBJECT', 'ENCODING', 'k'));
      const fromStrata = (await bulk(sc, 'DUMP', 'k'))!;
      expect(await contentViaRedis(fromStrata)).toEqual(await content(rc, 'k'));
    }, 60000);
  }
});

describe('Strata -> Redis', () => {
  for (const c of CASES) {
    maybe(c.name, async () => {
      await flushBoth();
      await configBoth(c.config ?? []);
      for (const cmd of c.cmds) {
        await js(rc, ...cmd);
        const r = await js(sc, ...cmd);
        if (r instanceof Error) throw new Error(`Strata: ${cmd[0]}: ${r.message}`);
      }
      expect(await content(sc, 'k')).toEqual(await content(rc, 'k'));
      const fromStrata = (await bulk(sc, 'DUMP', 'k'))!;
      const fromRedis = (await bulk(rc, 'DUMP', 'k'))!;
      if (c.identical) expect(escapeBytes(fromStrata, 400)).toBe(escapeBytes(fromRedis, 400));
      expect(await js(rc, 'RESTORE', 'k2', '0', fromStrata)).toBe('OK');
      expect(await content(rc, 'k2')).toEqual(await content(rc, 'k'));
      expect(await js(rc, 'OBJECT', 'ENCODING', 'k2')).toBe(await js(rc, 'OBJECT', 'ENCODING', 'k'));
    }, 60000);
  }
});

describe('RESTORE semantics match Redis', () => {
  /** Runs the same commands on both servers and compares the raw replies. */
  async function same(...argv: Arg[]): Promise<string> {
    const a = await sc.call(...argv);
    const b = await rc.call(...argv);
    expect(escapeBytes(a)).toBe(escapeBytes(b));
    return a.toString('latin1');
  }

  maybe('errors, options, TTLs, REPLACE, missing keys', async () => {
    await flushBoth();
    await same('SET', 'src', 'value');
    const p = (await bulk(rc, 'DUMP', 'src'))!;
    await same('DUMP', 'nokey');
    await same('RESTORE', 'k');
    await same('RESTORE', 'k', '0');
    await same('RESTORE', 'k', 'x', p);
    await same('RESTORE', 'k', '-5', p);
    await same('RESTORE', 'k', '0', 'garbage');
    await same('RESTORE', 'k', '0', '');
    await same('RESTORE', 'k', '0', p, 'BOGUS');
    await same('RESTORE', 'k', '0', p, 'IDLETIME');
    await same('RESTORE', 'k', '0', p, 'IDLETIME', '-1');
    await same('RESTORE', 'k', '0', p, 'IDLETIME', 'x');
    await same('RESTORE', 'k', '0', p, 'FREQ', '256');
    await same('RESTORE', 'k', '0', p, 'FREQ', '-1');
    await same('RESTORE', 'k', '0', p, 'FREQ', '1', 'IDLETIME', '1');
    await same('RESTORE', 'k', '0', p, 'IDLETIME', '1', 'FREQ', '1');
    const corrupt = Buffer.from(p);
    corrupt[1] ^= 0x10;
    await same('RESTORE', 'k', '0', corrupt);
    const newer = Buffer.from(p);
    newer[newer.length - 10] = 11;
    await same('RESTORE', 'k', '0', newer);
    await same('RESTORE', 'src', 'x', p); // BUSYKEY is checked before the TTL
    await same('RESTORE', 'k', '0', p);
    await same('GET', 'k');
    await same('TTL', 'k');
    await same('RESTORE', 'k', '0', p);
    await same('RESTORE', 'k', '100000', p, 'REPLACE');
    await same('TTL', 'k');
    await same('RESTORE', 'k', '0', p, 'REPLACE', 'IDLETIME', '1000');
    await same('TTL', 'k');
    await same('RESTORE', 'k', '1', p, 'REPLACE', 'ABSTTL');
    await same('EXISTS', 'k');
    await same('RESTORE', 'k', '1', p, 'ABSTTL');
    await same('EXISTS', 'k');
    await same('RESTORE', 'k', String(Date.now() + 100000), p, 'ABSTTL', 'FREQ', '10');
    await same('TTL', 'k');
    await same('RESTORE', 'k2', '9223372036854775807', p);
    await same('EXISTS', 'k2');
    await same('RESTORE-ASKING', 'k3', '0', p);
    await same('GET', 'k3');
    await same('RESTORE', 'k4', '0', p, 'replace', 'absttl');
    await same('DUMP', 'k4');
  });

  maybe('Redis MIGRATE into Strata (Redis sends RESTORE)', async () => {
    await flushBoth();
    await js(rc, 'RPUSH', 'mk1', 'a', 'b', 'c');
    await js(rc, 'HSET', 'mk2', 'f', 'v');
    await js(rc, 'SET', 'mk3', 'x', 'PX', '100000');
    expect(await js(rc, 'MIGRATE', '127.0.0.1', String(strata.port), 'mk1', '0', '5000', 'COPY')).toBe('OK');
    expect(await js(rc, 'MIGRATE', '127.0.0.1', String(strata.port), '', '0', '5000', 'KEYS', 'mk2', 'mk3')).toBe('OK');
    expect(await js(rc, 'EXISTS', 'mk2', 'mk3')).toBe(0);
    expect(await js(sc, 'EXISTS', 'mk1', 'mk2', 'mk3')).toBe(3);
    const pttl = (await js(sc, 'PTTL', 'mk3')) as number;
    expect(pttl).toBeGreaterThan(90000);
    expect(await content(sc, 'mk1')).toEqual(['list', ['a', 'b', 'c']]);
    expect(await content(sc, 'mk2')).toEqual(['hash', ['f\u0000v']]);
    // A second MIGRATE of an existing key: BUSYKEY relayed by Redis; REPLACE works.
    const busy = (await js(rc, 'MIGRATE', '127.0.0.1', String(strata.port), 'mk1', '0', '5000', 'COPY')) as Error;
    expect(busy.message).toBe('ERR Target instance replied with error: BUSYKEY Target key name already exists.');
    expect(await js(rc, 'MIGRATE', '127.0.0.1', String(strata.port), 'mk1', '0', '5000', 'COPY', 'REPLACE')).toBe('OK');
  });
});

describe('hostile payloads', () => {
  test('mutated payloads get an error or OK, never a crash; the server keeps serving', async () => {
    const seeds: Buffer[] = [];
    await js(sc, 'DEL', 'h1', 'l1', 'z1', 's1');
    await js(sc, 'HSET', 'h1', 'f', 'v', 'n', '12');
    await js(sc, 'RPUSH', 'l1', 'a', 'b', '300', 'x'.repeat(70));
    await js(sc, 'ZADD', 'z1', '1', 'a', '2.5', 'b');
    await js(sc, 'SADD', 's1', '1', '2', '70000');
    for (const k of ['h1', 'l1', 'z1', 's1']) seeds.push((await bulk(sc, 'DUMP', k))!);
    let a = 12345;
    const rand = () => ((a = (Math.imul(a, 1103515245) + 12345) >>> 0) >>> 8) / 16777216;
    let ok = 0;
    for (let i = 0; i < 2000; i++) {
      const p = Buffer.from(seeds[i % seeds.length]);
      const body = p.length - 10;
      for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) p[Math.floor(rand() * body)] = Math.floor(rand() * 256);
      const reply = await js(sc, 'RESTORE', 'fz', '0', fixCrc(p), 'REPLACE');
      if (reply === 'OK') ok++;
      else expect(['ERR Bad data format', 'ERR DUMP payload version or checksum are wrong']).toContain((reply as Error).message);
    }
    expect(ok).toBeGreaterThan(0);
    expect(await js(sc, 'PING')).toBe('PONG');
    expect(strata.alive()).toBe(true);
  }, 60000);
});

describe('RESTORE and blocked clients', () => {
  test('RESTORE of a list wakes a client blocked in BLPOP on it', async () => {
    await js(sc, 'DEL', 'bl');
    const blocked = await RespClient.connect(strata.port);
    try {
      const pending = blocked.call('BLPOP', 'bl', '5');
      await new Promise((r) => setTimeout(r, 100));
      // A list payload in Redis 7.0's format (quicklist of one listpack node: "x", "y").
      const payload = await (async () => {
        const tmp = await RespClient.connect(strata.port);
        try {
          await js(tmp, 'RPUSH', 'bl-src', 'x', 'y');
          return (await bulk(tmp, 'DUMP', 'bl-src'))!;
        } finally {
          tmp.socket.destroy();
        }
      })();
      expect(await js(sc, 'RESTORE', 'bl', '0', payload)).toBe('OK');
      expect(toJS(decodeReply(await pending).value)).toEqual(['bl', 'x']);
      expect(await strings(sc, 'LRANGE', 'bl', '0', '-1')).toEqual(['y']);
    } finally {
      blocked.socket.destroy();
    }
  });
});

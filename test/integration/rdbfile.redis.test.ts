// RDB files between Strata's RdbFileWriter/RdbFileReader and a real redis-server 7.0 (skipped with a
// warning when redis-server is missing):
//   (a) a file written by RdbFileWriter (every type and encoding, TTLs, an already-expired key, a function
//       library, 3 dbs) passes redis-check-rdb, and redis-server started on it holds the same keys, TTLs,
//       encodings and library; its DUMP of each key is byte-identical to Strata's where Redis' layout is
//       deterministic (everything but hashtable sets and hashes);
//   (b) a dump.rdb saved by redis-server (small and big encodings, TTLs, several dbs, a function, LFU and
//       LRU metadata) is read fully by RdbFileReader with the same contents, and written back by
//       RdbFileWriter into a file that redis-server loads to the same contents.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Value } from '../../src/keyspace/db';
import { RdbFileWriter, RdbFileReader, RdbFileItem, RdbFileEntry, createDumpPayload } from '../../src/keyspace/rdb';
import { RList } from '../../src/keyspace/types/list';
import { RHash } from '../../src/keyspace/types/hash';
import { RSet } from '../../src/keyspace/types/set';
import { RZSet } from '../../src/keyspace/types/zset';
import { formatDouble } from '../../src/protocol/reply';
import { startRedis, stopAll, redisAvailable, warnRedisMissing, makeTempDir, which, redisServerPath, ServerHandle } from '../helpers/servers';
import { RespClient, decodeReply, toJS } from '../helpers/resp';
import { rng } from '../helpers/rng';

const maybe = redisAvailable() ? test : test.skip;
if (!redisAvailable()) warnRedisMissing('RDB file tests against redis-server');

const clients: RespClient[] = [];
afterAll(async () => {
  for (const c of clients) c.socket.destroy();
  await stopAll();
});

type Arg = string | Buffer;
const L = (s: string) => Buffer.from(s, 'latin1');
const range = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

async function connect(h: ServerHandle): Promise<RespClient> {
  const c = await RespClient.connect(h.port);
  clients.push(c);
  return c;
}
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

/** A key's content read with its type's commands (sets and hashes sorted), as contentOf() gives it. */
async function content(c: RespClient, key: string): Promise<unknown> {
  const type = (await js(c, 'TYPE', L(key))) as string;
  switch (type) {
    case 'string':
      return [type, (await bulk(c, 'GET', L(key)))!.toString('latin1')];
    case 'list':
      return [type, await strings(c, 'LRANGE', L(key), '0', '-1')];
    case 'hash': {
      const flat = await strings(c, 'HGETALL', L(key));
      const pairs: string[] = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push(flat[i] + '\0' + flat[i + 1]);
      return [type, pairs.sort()];
    }
    case 'set':
      return [type, (await strings(c, 'SMEMBERS', L(key))).sort()];
    case 'zset':
      return [type, await strings(c, 'ZRANGE', L(key), '0', '-1', 'WITHSCORES')];
  }
  return [type];
}

function contentOf(v: Value): unknown {
  if (typeof v === 'string' || typeof v === 'number') return ['string', String(v)];
  if (v instanceof RList) return ['list', v.toArray()];
  if (v instanceof RHash) return ['hash', [...v.entries()].map(([f, x]) => f + '\0' + x).sort()];
  if (v instanceof RSet) return ['set', [...v.members()].sort()];
  if (v instanceof RZSet) {
    const flat: string[] = [];
    v.forEach((m, s) => {
      flat.push(m, formatDouble(s));
    });
    return ['zset', flat];
  }
  return [v.type];
}

/**
 * Checks that the server holds exactly these keys in db `db`: content, TTL (PEXPIRETIME), OBJECT ENCODING
 * of aggregates, and DUMP bytes where Redis' layout does not depend on hash table order.
 */
async function expectDb(c: RespClient, db: number, keys: { key: string; value: Value; expireAtMs?: number }[]): Promise<void> {
  expect(await js(c, 'SELECT', String(db))).toBe('OK');
  expect([db, await js(c, 'DBSIZE')]).toEqual([db, keys.length]);
  for (const k of keys) {
    const where = `db ${db} key ${JSON.stringify(k.key.slice(0, 40))}`;
    expect([where, await content(c, k.key)]).toEqual([where, contentOf(k.value)]);
    expect([where, await js(c, 'PEXPIRETIME', L(k.key))]).toEqual([where, k.expireAtMs ?? -1]);
    const enc = (await js(c, 'OBJECT', 'ENCODING', L(k.key))) as string;
    if (typeof k.value === 'object') expect([where, enc]).toEqual([where, k.value.encoding()]);
    // Strata keeps only safe integers as numbers; Redis int-encodes any int64.
    else if (typeof k.value === 'number' || enc === 'int') expect([where, enc, String(BigInt(k.value))]).toEqual([where, 'int', String(k.value)]);
    if (enc !== 'hashtable') {
      const dump = (await bulk(c, 'DUMP', L(k.key)))!;
      expect([where, dump.toString('hex')]).toEqual([where, createDumpPayload(k.value).toString('hex')]);
    }
  }
}

function checkRdb(file: string): void {
  const tool = which('redis-check-rdb') ?? path.join(path.dirname(redisServerPath()!), 'redis-check-rdb');
  if (!which(tool)) {
    // eslint-disable-next-line no-console
    console.warn('redis-check-rdb not installed: check skipped');
    return;
  }
  const r = spawnSync(tool, [file], { encoding: 'latin1' });
  const out = `${r.stdout}\n${r.stderr}`;
  if (r.status !== 0 || !out.includes('RDB looks OK')) throw new Error(`redis-check-rdb failed (status ${r.status}):\n${out.slice(-4000)}`);
}

/** Writes a file chunk by chunk, as a background save would. */
function writeRdb(file: string, produce: (emit: (b: Buffer) => void) => void): void {
  const fd = fs.openSync(file, 'w');
  try {
    produce((b) => fs.writeSync(fd, b));
  } finally {
    fs.closeSync(fd);
  }
}

function readAll(buf: Buffer): RdbFileItem[] {
  const r = new RdbFileReader(buf);
  const out: RdbFileItem[] = [];
  for (let it = r.next(); ; it = r.next()) {
    out.push(it);
    if (it.kind === 'end') return out;
  }
}

interface Key {
  key: string;
  value: Value;
  expireAtMs?: number;
}

const LIB = "#!lua name=strata_rdb_test\nredis.register_function('answer', function(keys, args) return 42 end)";

describe('(a) RdbFileWriter -> redis-server', () => {
  maybe('redis-check-rdb accepts the file and redis-server loads the same contents', async () => {
    const rnd = rng(11);
    const noise = range(5000, () => String.fromCharCode(Math.floor(rnd() * 256))).join('');
    const bytes = range(256, (i) => String.fromCharCode(i)).join('');
    const now = Date.now();
    const db0: Key[] = [
      { key: 'str', value: 'hello', expireAtMs: now + 3_600_000 },
      { key: 'empty', value: '' },
      { key: 'bin', value: bytes },
      { key: 'lzf', value: 'abcdefgh'.repeat(200) },
      { key: 'noise', value: noise },
      { key: 'embstr-limit', value: 'e'.repeat(44) },
      { key: 'raw', value: 'r'.repeat(45) },
      ...[0, -1, 127, 128, 32768, -70000, 2 ** 31, 2 ** 53 - 1, -(2 ** 53 - 1)].map((n) => ({ key: `int:${n}`, value: n })),
      { key: '4242', value: 'int-looking key' },
      { key: 'k'.repeat(300), value: 'long compressible key' },
      { key: '\x00\xff\r\n key', value: 'binary key' },
      { key: 'list:small', value: RList.from(['a', 'b', '1', '-70000', '']) },
      { key: 'list:big', value: RList.from(range(5000, (i) => (i % 3 ? `el${i}` : String(i)))), expireAtMs: now + 86_400_000 },
      { key: 'list:huge-items', value: RList.from(['s', 'y'.repeat(20_000), noise, 'z'.repeat(9000), '42']) },
      { key: 'set:intset', value: RSet.from(['3', '1', '-2', '70000']) },
      { key: 'set:intset64', value: RSet.from(['5000000000', '-1', '9223372036854775807']) },
      { key: 'set:ht', value: RSet.from(['a', 'b', 'c', '1']) },
      { key: 'set:many-ints', value: RSet.from(range(600, (i) => String(i * 3))) },
      { key: 'hash:lp', value: RHash.from([['f', 'v'], ['n', '42'], ['e', ''], ['neg', '-1']]) },
      { key: 'hash:longval', value: RHash.from([['a', 'v'.repeat(100)], ['b', '1']]) },
      { key: 'hash:big', value: RHash.from(range(1200, (i) => [`field${i}`, i % 2 ? `val${i}` : String(i)] as [string, string])) },
      { key: 'zset:lp', value: RZSet.from([['a', 1], ['b', 2.5], ['c', -Infinity], ['d', 0.1], ['e', 100], ['f', Infinity]]) },
      { key: 'zset:big', value: RZSet.from(range(400, (i) => [i % 2 ? `m${i}` : String(i), i / 4] as [string, number])), expireAtMs: now + 1_000_000 },
      { key: 'zset:longmember', value: RZSet.from([['m'.repeat(100), 1], ['b', 2]]) },
    ];
    const db7: Key[] = [
      { key: 'str', value: 'in db 7' },
      { key: 'set', value: RSet.from(['x', 'y']), expireAtMs: now + 500_000 },
    ];
    const db15: Key[] = [{ key: 'last', value: RList.from(['only']) }];
    const expired: Key = { key: 'gone', value: 'expired before the load', expireAtMs: now - 60_000 };

    const dir = makeTempDir('rdbfile-a-');
    const file = path.join(dir, 'dump.rdb');
    writeRdb(file, (emit) => {
      const w = new RdbFileWriter({ aux: { '%strata': 'test' } });
      emit(w.header());
      emit(w.functionLib(LIB));
      const dbs: [number, Key[]][] = [
        [0, [...db0, expired]],
        [7, db7],
        [15, db15],
      ];
      for (const [id, keys] of dbs) {
        emit(w.selectDb(id, keys.length, keys.filter((k) => k.expireAtMs !== undefined).length));
        for (const k of keys) emit(w.entry(k.key, k.value, k.expireAtMs));
      }
      emit(w.footer());
    });
    checkRdb(file);

    const redis = (await startRedis({ dir, args: ['--dbfilename', 'dump.rdb'] }))!;
    expect(redis.logs()).toContain(`Done loading RDB, keys loaded: ${db0.length + db7.length + db15.length}, keys expired: 1.`);
    const c = await connect(redis);
    await expectDb(c, 0, db0);
    await expectDb(c, 7, db7);
    await expectDb(c, 15, db15);
    expect(await js(c, 'FCALL', 'answer', '0')).toBe(42);
    expect(await js(c, 'SELECT', '1')).toBe('OK');
    expect(await js(c, 'DBSIZE')).toBe(0);
  }, 60000);
});

describe('(b) redis-server dump.rdb -> RdbFileReader', () => {
  maybe('every encoding Redis saves is read with the same contents, and written back loads the same', async () => {
    const dir = makeTempDir('rdbfile-b-');
    const redis = (await startRedis({ dir, args: ['--dbfilename', 'dump.rdb'] }))!;
    const c = await connect(redis);
    const rnd = rng(5);
    const noise = L(range(100_000, () => String.fromCharCode(Math.floor(rnd() * 256))).join(''));
    const far = Date.now() + 7 * 86_400_000;
    const cmds: Arg[][] = [
      ['SET', 'str', 'hello'],
      ['SET', 'int', '-12345'],
      ['SET', 'int64', '9223372036854775807'],
      ['SET', 'lzf', 'abcdefgh'.repeat(100)],
      ['SET', 'bin', L('\u0000\u00ff\r\n\u0080')],
      ['SET', 'noise', noise],
      ['SET', 'empty', ''],
      ['SET', L('\u0001\u00fe key'), 'binary key'],
      ['SET', '777', 'int key'],
      ['RPUSH', 'list:small', 'a', 'b', '1', '-70000', 'x'.repeat(100)],
      ['RPUSH', 'list:big', ...range(5000, (i) => (i % 3 ? `el${i}` : String(i)))],
      ['RPUSH', 'list:huge-items', 's', 'y'.repeat(20_000), noise, '42'],
      ['SADD', 'set:intset', '3', '1', '-2', '70000'],
      ['SADD', 'set:intset64', '5000000000', '-1'],
      ['SADD', 'set:ht', 'a', 'b', 'c', '1'],
      ['SADD', 'set:big', ...range(1000, (i) => `m${i}`)],
      ['HSET', 'hash:lp', 'f', 'v', 'n', '42', 'e', '', 'neg', '-1'],
      ['HSET', 'hash:ht', ...range(1200, (i) => (i % 2 ? `val${i}` : `field${i}`))],
      ['HSET', 'hash:longval', 'a', 'v'.repeat(100), 'b', '1'],
      ['ZADD', 'zset:lp', '1', 'a', '2.5', 'b', '-inf', 'c', '0.1', 'd', '100', 'e'],
      ['ZADD', 'zset:sl', ...range(400, (i) => (i % 2 ? `m${i}` : String(i / 4)))],
      ['ZADD', 'zset:longmember', '1', 'm'.repeat(100), '2', 'b'],
      ['PEXPIREAT', 'str', String(far)],
      ['PEXPIREAT', 'list:big', String(far + 1)],
      ['PEXPIREAT', 'zset:sl', String(far + 2)],
      ['PEXPIREAT', 'set:intset', String(far + 3)],
      ['SELECT', '1'],
      ['SET', 'db1', 'one'],
      ['HSET', 'db1:h', 'a', '1'],
      ['PEXPIREAT', 'db1', String(far + 4)],
      ['SELECT', '9'],
      ['LPUSH', 'db9:list', ...range(300, (i) => `p${i}`)],
      ['SELECT', '0'],
      ['FUNCTION', 'LOAD', LIB],
    ];
    for (const cmd of cmds) {
      const r = await js(c, ...cmd);
      if (r instanceof Error) throw new Error(`${cmd[0]}: ${r.message}`);
    }

    const byDb = new Map<number, RdbFileEntry[]>();
    for (const policy of ['allkeys-lfu', 'allkeys-lru', 'noeviction']) {
      expect(await js(c, 'CONFIG', 'SET', 'maxmemory-policy', policy)).toBe('OK');
      expect(await js(c, 'SAVE')).toBe('OK');
      const items = readAll(fs.readFileSync(path.join(dir, 'dump.rdb')));
      expect(items[items.length - 1]).toEqual({ kind: 'end', checksum: 'verified' });
      const aux = new Map(items.flatMap((i) => (i.kind === 'aux' ? [[i.name, i.value] as const] : [])));
      expect([...aux.keys()]).toEqual(['redis-ver', 'redis-bits', 'ctime', 'used-mem', 'aof-base']);
      expect(aux.get('redis-ver')).toBe(((await js(c, 'INFO', 'server')) as string).match(/redis_version:(\S+)/)![1]);
      expect(items.filter((i) => i.kind === 'function')).toEqual([{ kind: 'function', code: LIB }]);
      const es = items.filter((i): i is RdbFileEntry => i.kind === 'entry');
      // LFU/LRU metadata comes with every key under the matching policy, and only then.
      expect(es.every((e) => (e.lfuFreq !== undefined) === (policy === 'allkeys-lfu'))).toBe(true);
      expect(es.every((e) => (e.idleSeconds !== undefined) === (policy === 'allkeys-lru'))).toBe(true);
      byDb.clear();
      for (const e of es) {
        if (!byDb.has(e.db)) byDb.set(e.db, []);
        byDb.get(e.db)!.push(e);
      }
      expect([...byDb.keys()].sort()).toEqual([0, 1, 9]);
      for (const [db, keys] of byDb) await expectDb(c, db, keys);
      expect(await js(c, 'SELECT', '0')).toBe('OK');
    }

    // Written back by RdbFileWriter: a second redis-server loads the same contents.
    const dir2 = makeTempDir('rdbfile-b2-');
    const file2 = path.join(dir2, 'dump.rdb');
    writeRdb(file2, (emit) => {
      const w = new RdbFileWriter();
      emit(w.header());
      emit(w.functionLib(LIB));
      for (const [db, keys] of byDb) {
        emit(w.selectDb(db, keys.length, keys.filter((k) => k.expireAtMs !== undefined).length));
        for (const k of keys) emit(w.entry(k.key, k.value, k.expireAtMs));
      }
      emit(w.footer());
    });
    checkRdb(file2);
    const redis2 = (await startRedis({ dir: dir2, args: ['--dbfilename', 'dump.rdb'] }))!;
    const c2 = await connect(redis2);
    for (const [db, keys] of byDb) await expectDb(c2, db, keys);
    expect(await js(c2, 'FCALL', 'answer', '0')).toBe(42);
  }, 90000);
});

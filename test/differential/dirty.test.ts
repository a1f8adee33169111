// rdb_changes_since_last_save (Redis' server.dirty) moves as in Redis 7.0: write commands count per
// element (RPUSH of 3 elements: 3, HSET of 2 pairs: 2, SADD/ZADD what was added/updated, SREM/HDEL/ZREM
// what was removed, pops what was popped, MSET/DEL per key), compound writes once (SET EX, RENAME,
// COPY, MOVE, RESTORE, LMOVE), no-ops not at all (LTRIM that trims nothing, SETBIT of an unchanged bit).
// Each step runs on Strata and on a real redis-server (both `--save ''`, same state) and the change of
// the counter around it must be identical. RI.* (Strata only) count one change per record.
import { RespClient, Arg, escapeBytes } from '../helpers/resp';
import { ServerHandle, redisAvailable, startRedis, startStrata, warnRedisMissing } from '../helpers/servers';
import { later, waitBlocked } from '../helpers/blocking';

/** A command, or a named action run on each side (its own DUMP payload for RESTORE, blocked clients). */
type Step = Arg[] | { name: string; run: (c: RespClient, port: number) => Promise<string> };

async function changes(c: RespClient): Promise<number> {
  const info = (await c.call('INFO', 'persistence')).toString('latin1');
  const m = /rdb_changes_since_last_save:(-?\d+)/.exec(info);
  if (!m) throw new Error(`no rdb_changes_since_last_save in INFO: ${info.slice(0, 300)}`);
  return Number(m[1]);
}

/** DUMP `src` on this server, then RESTORE `dst` from that payload with `opts`. */
const restore = (src: string, dst: string, ...opts: string[]): Step => ({
  name: `RESTORE ${dst} (DUMP ${src}) ${opts.join(' ')}`,
  run: async (c) => {
    const dump = await c.call('DUMP', src);
    if (dump[0] !== 0x24 || dump[1] === 0x2d) throw new Error(`DUMP ${src}: ${escapeBytes(dump)}`);
    const nl = dump.indexOf('\r\n');
    const payload = dump.subarray(nl + 2, dump.length - 2);
    return (await c.call('RESTORE', dst, ...opts.slice(0, 1), payload, ...opts.slice(1))).toString('latin1');
  },
});

/** A client blocks with `block`; another runs `write` (which serves it); both replies are awaited. */
const served = (block: Arg[], write: Arg[]): Step => ({
  name: `${write.join(' ')} serving ${block.join(' ')}`,
  run: async (c, port) => {
    const b = await RespClient.connect(port);
    try {
      const p = later(b, ...block);
      await waitBlocked(c, 1);
      const w = (await c.call(...write)).toString('latin1');
      return `${w} / ${await p}`;
    } finally {
      b.close();
    }
  },
});

const steps: Step[] = [
  // strings
  ['SET', 's1', 'v'],
  ['SET', 's1', 'v'], // same value: still a change in Redis
  ['SET', 's2', 'v', 'EX', '100'],
  ['SET', 's2', 'w', 'PX', '100000', 'GET'],
  ['SET', 's1', 'x', 'NX'],
  ['SET', 's1', 'x', 'XX', 'KEEPTTL'],
  ['SET', 's9', 'x', 'EXAT', '99999999999'],
  ['SETNX', 's3', 'a'],
  ['SETNX', 's3', 'a'],
  ['SETEX', 's4', '100', 'v'],
  ['PSETEX', 's5', '100000', 'v'],
  ['GETSET', 's1', 'y'],
  ['MSET', 'm1', 'a', 'm2', 'b', 'm3', 'c'],
  ['MSET', 'm1', 'a', 'm1', 'b'],
  ['MSETNX', 'm1', 'a', 'm4', 'd'],
  ['MSETNX', 'm5', 'a', 'm6', 'b'],
  ['APPEND', 's1', 'zz'],
  ['APPEND', 's1', ''],
  ['APPEND', 'new', 'abc'],
  ['SETRANGE', 's1', '1', 'abc'],
  ['SETRANGE', 's1', '1', ''],
  ['SETRANGE', 'nosuch', '3', ''],
  ['INCR', 'n'],
  ['INCRBY', 'n', '5'],
  ['DECR', 'n'],
  ['DECRBY', 'n', '2'],
  ['INCRBY', 's1', '1'], // error: no change
  ['INCRBYFLOAT', 'n', '1.5'],
  ['GETDEL', 'm6'],
  ['GETDEL', 'm6'],
  ['GETEX', 's4', 'EX', '200'],
  ['GETEX', 's4', 'PERSIST'],
  ['GETEX', 's4', 'PERSIST'],
  ['GETEX', 's4'],
  ['GETEX', 's5', 'PXAT', '1'],
  // bitmaps
  ['SETBIT', 'b', '7', '1'],
  ['SETBIT', 'b', '7', '1'],
  ['SETBIT', 'b', '100', '0'],
  ['BITOP', 'OR', 'bd', 'b', 's1'],
  ['BITOP', 'AND', 'bd2', 'nokey1', 'nokey2'],
  ['BITOP', 'NOT', 'bd', 'nokey1'],
  // keys
  ['EXPIRE', 's1', '100'],
  ['PEXPIRE', 's1', '100000', 'XX'],
  ['EXPIRE', 's1', '100', 'NX'],
  ['EXPIREAT', 's1', '99999999999', 'GT'],
  ['PEXPIREAT', 'nosuch', '99999999999'],
  ['PERSIST', 's1'],
  ['PERSIST', 's1'],
  ['DEL', 'm1', 'm2', 'nokey'],
  ['DEL', 'nokey'],
  ['UNLINK', 'm3', 'm4'],
  ['RENAME', 's2', 's2r'], // with a TTL
  ['RENAMENX', 's3', 's2r'],
  ['RENAME', 's3', 's3r'],
  ['RENAME', 's3r', 's3r'],
  ['COPY', 's2r', 's2c'],
  ['COPY', 's3r', 's2c', 'REPLACE'],
  ['COPY', 's3r', 's2c'],
  ['MOVE', 's2c', '1'],
  ['MOVE', 's2r', '1'],
  ['MOVE', 's3r', '1'],
  ['EXPIRE', 'm5', '-1'],
  restore('new', 'rst', '0'),
  restore('new', 'rst', '100000', 'REPLACE'),
  restore('new', 'rst', '0', 'REPLACE'),
  // lists
  ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f'],
  ['LPUSH', 'l', 'x'],
  ['LPUSHX', 'nol', 'a', 'b'],
  ['RPUSHX', 'l', 'y', 'z'],
  ['LPOP', 'l'],
  ['RPOP', 'l', '2'],
  ['LPOP', 'l', '0'],
  ['LPOP', 'nol', '3'],
  ['LSET', 'l', '0', 'q'],
  ['LINSERT', 'l', 'BEFORE', 'q', 'p'],
  ['LINSERT', 'l', 'BEFORE', 'nothere', 'p'],
  ['RPUSH', 'l2', 'a', 'a', 'b', 'a', 'c', 'a', 'd'],
  ['LREM', 'l2', '2', 'a'],
  ['LREM', 'l2', '0', 'a'],
  ['LREM', 'l2', '0', 'zz'],
  ['LTRIM', 'l2', '0', '-1'],
  ['LTRIM', 'l2', '1', '1'],
  ['LTRIM', 'l2', '5', '9'],
  ['LMOVE', 'l', 'l3', 'LEFT', 'RIGHT'],
  ['RPOPLPUSH', 'l', 'l'],
  ['LMOVE', 'l3', 'l4', 'LEFT', 'LEFT'],
  ['LMPOP', '2', 'nol', 'l', 'LEFT', 'COUNT', '2'],
  ['BLPOP', 'l', '0'],
  ['BLMOVE', 'l', 'l5', 'RIGHT', 'LEFT', '0'],
  ['BRPOPLPUSH', 'l', 'l5', '0'],
  ['BLMPOP', '0', '1', 'l5', 'RIGHT', 'COUNT', '5'],
  ['LPOP', 'l', '100'],
  // hashes
  ['HSET', 'h', 'f1', 'v1', 'f2', 'v2', 'f3', 'v3'],
  ['HSET', 'h', 'f1', 'v1'], // same value: still counted
  ['HSET', 'h', 'f1', 'v1', 'f4', 'v4'],
  ['HMSET', 'h', 'f5', 'a', 'f6', 'b'],
  ['HSETNX', 'h', 'f1', 'x'],
  ['HSETNX', 'h', 'f7', 'x'],
  ['HINCRBY', 'h', 'n', '3'],
  ['HINCRBYFLOAT', 'h', 'fl', '1.5'],
  ['HDEL', 'h', 'f1', 'f2', 'nope'],
  ['HDEL', 'h', 'nope'],
  ['HSET', 'h2', 'a', '1', 'b', '2'],
  ['HDEL', 'h2', 'a', 'b', 'c'],
  // sets
  ['SADD', 'st', 'a', 'b', 'c', 'a'],
  ['SADD', 'st', 'a'],
  ['SADD', 'st', 'd', 'e', 'f', 'g'],
  ['SREM', 'st', 'a', 'b', 'zz'],
  ['SREM', 'st', 'zz'],
  ['SPOP', 'st'],
  ['SPOP', 'st', '2'],
  ['SPOP', 'st', '0'],
  ['SADD', 'st2', '1', '2', '3', '4'],
  ['SPOP', 'st2', '10'],
  ['SADD', 'sa', '1', '2', '3'],
  ['SADD', 'sb', '2', '3', '4'],
  ['SMOVE', 'sa', 'sb', '1'],
  ['SMOVE', 'sa', 'sb', '2'],
  ['SMOVE', 'sa', 'sc', '3'],
  ['SMOVE', 'sb', 'sb', '2'],
  ['SINTERSTORE', 'si', 'sb', 'sc'],
  ['SUNIONSTORE', 'su', 'sb', 'nokey'],
  ['SDIFFSTORE', 'sd', 'sb', 'sb'],
  ['SINTERSTORE', 'su', 'nokey', 'sb'],
  ['SINTERSTORE', 'su', 'nokey', 'sb'],
  // sorted sets
  ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
  ['ZADD', 'z', '1', 'a'],
  ['ZADD', 'z', 'CH', '5', 'a', '2', 'b', '9', 'd'],
  ['ZADD', 'z', 'XX', '7', 'nope'],
  ['ZADD', 'z', 'GT', '1', 'a'],
  ['ZADD', 'z', 'NX', '1', 'a', '1', 'e', '1', 'f'],
  ['ZINCRBY', 'z', '1', 'a'],
  ['ZINCRBY', 'z', '0', 'a'],
  ['ZADD', 'z', 'INCR', '0', 'a'],
  ['ZREM', 'z', 'a', 'b', 'nope'],
  ['ZREM', 'z', 'nope'],
  ['ZADD', 'z2', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e', '6', 'f'],
  ['ZREMRANGEBYRANK', 'z2', '0', '1'],
  ['ZREMRANGEBYRANK', 'z2', '10', '11'],
  ['ZREMRANGEBYSCORE', 'z2', '3', '4'],
  ['ZADD', 'zl', '0', 'a', '0', 'b', '0', 'c', '0', 'd'],
  ['ZREMRANGEBYLEX', 'zl', '[a', '[b'],
  ['ZREMRANGEBYLEX', 'zl', '[x', '[y'],
  ['ZPOPMIN', 'z'],
  ['ZPOPMAX', 'z2', '3'],
  ['ZPOPMIN', 'z2', '0'],
  ['ZADD', 'z3', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
  ['ZMPOP', '2', 'nokey', 'z3', 'MIN', 'COUNT', '2'],
  ['BZPOPMIN', 'z3', '0'],
  ['BZMPOP', '0', '1', 'z3', 'MAX', 'COUNT', '5'],
  ['ZADD', 'z4', '1', 'a', '2', 'b'],
  ['ZUNIONSTORE', 'zu', '2', 'z', 'z4'],
  ['ZINTERSTORE', 'zi', '2', 'z4', 'nokey'],
  ['ZDIFFSTORE', 'zu', '1', 'nokey'],
  ['ZRANGESTORE', 'zr', 'z4', '0', '-1'],
  ['ZRANGESTORE', 'zr', 'z4', '5', '9'],
  // blocked clients served by a write: Redis 7.0 counts the served pops of BLMPOP and BZPOP*/BZMPOP,
  // not those of BLPOP/BRPOP/BLMOVE/BRPOPLPUSH
  served(['BLPOP', 'bl', '0'], ['RPUSH', 'bl', 'a', 'b']),
  served(['BRPOP', 'bl2', '0'], ['RPUSH', 'bl2', 'a']),
  served(['BLMOVE', 'bm', 'bm2', 'LEFT', 'RIGHT', '0'], ['RPUSH', 'bm', 'x', 'y']),
  served(['BRPOPLPUSH', 'bm3', 'bm3', '0'], ['RPUSH', 'bm3', 'x']),
  served(['BLMPOP', '0', '1', 'bmp', 'LEFT', 'COUNT', '5'], ['RPUSH', 'bmp', 'a', 'b', 'c']),
  served(['BZPOPMIN', 'bz', '0'], ['ZADD', 'bz', '1', 'a', '2', 'b']),
  served(['BZMPOP', '0', '1', 'bz2', 'MAX', 'COUNT', '2'], ['ZADD', 'bz2', '1', 'a', '2', 'b', '3', 'c']),
  // flushes count the keys removed
  ['SELECT', '1'],
  ['FLUSHDB'],
  ['FLUSHDB'],
  ['SELECT', '0'],
  ['FLUSHALL'],
];

function label(s: Step): string {
  return Array.isArray(s) ? s.map(String).join(' ') : s.name;
}

async function runStep(c: RespClient, port: number, s: Step): Promise<{ delta: number; reply: string }> {
  const before = await changes(c);
  const reply = Array.isArray(s) ? (await c.call(...s)).toString('latin1') : await s.run(c, port);
  return { delta: (await changes(c)) - before, reply };
}

describe('rdb_changes_since_last_save moves as in Redis 7.0', () => {
  const haveRedis = redisAvailable();
  let strata: ServerHandle | null = null;
  let redis: ServerHandle | null = null;
  beforeAll(async () => {
    strata = await startStrata({ args: ['--save', ''] });
    if (haveRedis) redis = await startRedis();
    else warnRedisMissing('rdb_changes_since_last_save comparison');
  }, 60000);
  afterAll(async () => {
    await Promise.all([strata?.stop(), redis?.stop()]);
  });

  (haveRedis ? test : test.skip)(`${steps.length} write commands change the counter by the same amount`, async () => {
    const s = await RespClient.connect(strata!.port);
    const r = await RespClient.connect(redis!.port);
    try {
      await Promise.all([s.call('FLUSHALL'), r.call('FLUSHALL')]);
      const diffs: string[] = [];
      for (const st of steps) {
        const [a, b] = await Promise.all([runStep(s, strata!.port, st), runStep(r, redis!.port, st)]);
        if (a.delta !== b.delta) {
          diffs.push(`${label(st)}: strata +${a.delta} (${escapeBytes(a.reply, 80)}), redis +${b.delta} (${escapeBytes(b.reply, 80)})`);
        }
      }
      expect(diffs).toEqual([]);
    } finally {
      s.close();
      r.close();
    }
  }, 60000);

  test('RI.* count one change per record written or removed', async () => {
    const c = await RespClient.connect(strata!.port);
    try {
      await c.call('FLUSHALL');
      const cases: [Arg[], number][] = [
        [['RI.CREATE', 'ri', 'MEMORY'], 1],
        [['RI.SET', 'ri', 'a', '1'], 1],
        [['RI.SET', 'ri', 'a', '1'], 1],
        [['RI.MSET', 'ri', 'b', '2', 'c', '3', 'd', '4'], 3],
        [['RI.MSET', 'ri', 'a', '9', 'e', '5'], 2],
        [['RI.GET', 'ri', 'a'], 0],
        [['RI.DEL', 'ri', 'a'], 1],
        [['RI.DEL', 'ri', 'a'], 0],
        [['RI.MDEL', 'ri', 'b', 'c', 'nope'], 2],
        [['RI.MDEL', 'ri', 'nope'], 0],
        [['RI.SET', 'nosuch', 'a', '1'], 0],
        [['DEL', 'ri'], 1],
      ];
      const got: string[] = [];
      const want: string[] = [];
      for (const [argv, n] of cases) {
        const { delta, reply } = await runStep(c, strata!.port, argv);
        got.push(`${argv.join(' ')} -> +${delta}`);
        want.push(`${argv.join(' ')} -> +${n}`);
        if (delta !== n) got[got.length - 1] += ` (${escapeBytes(reply, 80)})`;
      }
      expect(got).toEqual(want);
    } finally {
      c.close();
    }
  });
});

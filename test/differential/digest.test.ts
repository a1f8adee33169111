// DEBUG DIGEST and DEBUG DIGEST-VALUE against redis-server 7.0: the dataset signature must be the very
// one Redis computes (SHA1 mixing of db ids, keys, OBJ_* type ids, values, "%.17g" scores and the
// "!!expire!!" marker), for every type in its small and large encodings (listpack / hashtable / skiplist /
// quicklist / intset, int-encoded strings), binary data, TTLs and several databases. Digests are compared
// byte for byte after every change. The range-index part (a Strata-only type) is checked on Strata alone.
import { differential, Script, Item, bin, pause } from './dsl';
import { startStrata, ServerHandle } from '../helpers/servers';
import { RespClient, decodeReply, toJS } from '../helpers/resp';

const DEBUG = ['--enable-debug-command', 'yes'];
const DIGEST: Item = ['DEBUG', 'DIGEST'];

function range(n: number, f: (i: number) => string): string[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

/** f(0), f(1) ... f(n-1) concatenated (score/member or field/value pairs). */
function flatRange(n: number, f: (i: number) => [string, string]): string[] {
  return Array.from({ length: n }, (_, i) => f(i)).flat();
}

/** DEBUG DIGEST, then DEBUG DIGEST-VALUE of `keys` (plus a missing key). */
function check(...keys: string[]): Item[] {
  return [DIGEST, ['DEBUG', 'DIGEST-VALUE', ...keys, 'no-such-key']];
}

const BIN1 = bin('\x00\xff\r\n\x80bin\x00');
const BIN2 = bin('\xc3\xa9\x01\x7f');

const scripts: Script[] = [
  {
    name: 'empty dataset, missing keys, argument errors, help',
    resp3: 'both',
    steps: [
      DIGEST,
      ['debug', 'digest'],
      ['DEBUG', 'DIGEST-VALUE'],
      ['DEBUG', 'DIGEST-VALUE', 'a'],
      ['DEBUG', 'DIGEST-VALUE', 'a', 'b', 'c'],
      ['DEBUG', 'DIGEST', 'extra'],
      ['DEBUG', 'digest', 'a', 'b'],
      ['Debug', 'nosuchsub'],
      ['SET', 'k', 'v'],
      DIGEST,
      ['DEL', 'k'],
      DIGEST, // all zero again
      ['SELECT', '3'],
      ['SET', 'k', 'v'],
      ['DEL', 'k'],
      DIGEST,
    ],
  },
  {
    name: 'strings: raw, embstr, int-encoded, binary, big',
    resp3: 'both',
    steps: [
      ['SET', 's1', 'hello'],
      ...check('s1'),
      ['SET', 'i1', '12345'],
      ['SET', 'i2', '-7'],
      ['SET', 'i3', '0'],
      ['SET', 'i4', '9223372036854775807'],
      ['SET', 'i5', '-9223372036854775808'],
      ['SET', 'i6', '9007199254740993'],
      ['SET', 'n1', '007'],
      ['SET', 'n2', '+1'],
      ['SET', 'n3', '-0'],
      ['SET', 'n4', '1.5'],
      ['SET', 'n5', ' 1'],
      ['SET', 'n6', '92233720368547758070'],
      ['SET', 'e', ''],
      ['SET', 'b1', BIN1],
      ['SET', BIN2, BIN1],
      ['SET', 'big', 'x'.repeat(20000)],
      ['SET', 'ctr', '10'],
      ['INCR', 'ctr'],
      ['INCRBY', 'ctr', '-100'],
      ['INCRBYFLOAT', 'fl', '0.1'],
      ['INCRBYFLOAT', 'fl', '3e5'],
      ['APPEND', 'ap', '123'],
      ['APPEND', 'ap', '456'],
      ['SETRANGE', 'sr', '3', 'abc'],
      ['SETBIT', 'bits', '100', '1'],
      ...check('s1', 'i1', 'i2', 'i3', 'i4', 'i5', 'i6', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'e', 'b1', 'big', 'ctr', 'fl', 'ap', 'sr', 'bits'),
      ['DEBUG', 'DIGEST-VALUE', BIN2],
      ['SET', 's1', 'hellO'],
      ...check('s1'),
      ['DEL', 'big'],
      DIGEST,
    ],
  },
  {
    name: 'lists: small, quicklist, int and binary elements, order matters',
    resp3: 'both',
    steps: [
      ['RPUSH', 'l1', 'a', 'b', 'c'],
      ...check('l1'),
      ['RPUSH', 'l2', 'c', 'b', 'a'],
      ...check('l1', 'l2'),
      ['RPUSH', 'l3', '1', '-2', '300000', '9223372036854775807', '-9223372036854775808', '007', '', '1.5'],
      ['RPUSH', 'l4', BIN1, BIN2, bin('\x00')],
      ['RPUSH', 'big', ...range(3000, (i) => (i % 3 === 0 ? String(i) : i % 3 === 1 ? `elem:${i}` : 'v'.repeat(i % 200)))],
      ['LPUSH', 'big', ...range(500, (i) => `head${i}`)],
      ['RPUSH', 'long', 'y'.repeat(10000), 'z'.repeat(70000), 'short'],
      ...check('l1', 'l2', 'l3', 'l4', 'big', 'long'),
      ['LSET', 'big', '1000', 'changed'],
      ['LINSERT', 'big', 'BEFORE', 'elem:1', 'inserted'],
      ['LREM', 'big', '5', 'v'],
      ['LTRIM', 'big', '1', '-2'],
      ['LPOP', 'l1'],
      ['RPUSH', 'l1', 'a'],
      ...check('l1', 'big'),
      ['LMOVE', 'big', 'l2', 'LEFT', 'RIGHT'],
      ...check('l1', 'l2', 'big'),
    ],
  },
  {
    name: 'sets: intset, listpack-less hashtable, conversion, binary',
    resp3: 'both',
    steps: [
      ['SADD', 'is', '1', '2', '3', '-5', '9223372036854775807', '-9223372036854775808'],
      ['OBJECT', 'ENCODING', 'is'],
      ...check('is'),
      ['SADD', 'hs', 'a', 'b', 'c', BIN1],
      ['OBJECT', 'ENCODING', 'hs'],
      ['SADD', 'mixed', '1', '2', 'x', '007'],
      ['SADD', 'bigint', ...range(1000, (i) => String(i * 7 - 3000))],
      ['OBJECT', 'ENCODING', 'bigint'],
      ['SADD', 'bighs', ...range(2000, (i) => `m:${i}`)],
      ...check('is', 'hs', 'mixed', 'bigint', 'bighs'),
      ['SADD', 'is', 'notanint'],
      ['OBJECT', 'ENCODING', 'is'],
      ['SREM', 'is', 'notanint'],
      ['SREM', 'bighs', 'm:7', 'm:1999'],
      ['SREM', 'mixed', '1', '2', 'x', '007'],
      ...check('is', 'bighs', 'mixed'),
      ['SADD', 'sameA', 'p', 'q', 'r'],
      ['SADD', 'sameB', 'r', 'q', 'p'],
      ['DEBUG', 'DIGEST-VALUE', 'sameA', 'sameB'],
    ],
  },
  {
    name: 'sorted sets: listpack and skiplist, every kind of score',
    resp3: 'both',
    steps: [
      ['ZADD', 'z1', '1', 'a', '2', 'b', '3', 'c'],
      ['OBJECT', 'ENCODING', 'z1'],
      ...check('z1'),
      [
        'ZADD', 'zs', '0.1', 'tenth', '-0', 'negzero', '0', 'zero', 'inf', 'pinf', '-inf', 'ninf', '-1.5', 'neg',
        '1e-5', 'tiny', '1e20', 'huge', '123456789012345678', 'bigint', '3.0', 'three', '0.3333333333333333', 'third',
        '5e-324', 'denorm', '1.7976931348623157e308', 'max', '9007199254740993', 'p53', '-2.5e-300', 'negtiny',
        '100', '42', '-7', BIN1, '2.5', '',
      ],
      ['OBJECT', 'ENCODING', 'zs'],
      ...check('zs'),
      ['ZADD', 'zl', ...flatRange(300, (i) => [String((i * 37) % 101 - 50 + i / 7), `m${i}`])],
      ['OBJECT', 'ENCODING', 'zl'],
      ['ZADD', 'zlong', '1', 'k'.repeat(100), '2', 'short'],
      ['OBJECT', 'ENCODING', 'zlong'],
      ['ZADD', 'zskip', '0.1', 'tenth', '-0', 'negzero', 'inf', 'pinf', '-inf', 'ninf', '1e20', 'huge', '5e-324', 'denorm', '7', '12345'],
      ['ZADD', 'zskip', ...flatRange(200, (i) => [String(i * 0.1), `e${i}`])],
      ['OBJECT', 'ENCODING', 'zskip'],
      ...check('z1', 'zs', 'zl', 'zlong', 'zskip'),
      ['ZINCRBY', 'zs', '0.2', 'tenth'],
      ['ZINCRBY', 'zskip', '0.7', 'e3'],
      ['ZADD', 'z1', '2', 'a'],
      ['ZREM', 'zl', 'm5', 'm6'],
      ...check('z1', 'zs', 'zl', 'zskip'),
      ['ZUNIONSTORE', 'zu', '2', 'z1', 'zs', 'WEIGHTS', '0.5', '3'],
      ['ZRANGESTORE', 'zr', 'zskip', '0', '9'],
      ...check('zu', 'zr'),
    ],
  },
  {
    name: 'hashes: listpack and hashtable, int and binary values',
    resp3: 'both',
    steps: [
      ['HSET', 'h1', 'f1', 'v1', 'f2', 'v2'],
      ['OBJECT', 'ENCODING', 'h1'],
      ...check('h1'),
      ['HSET', 'h2', 'f2', 'v2', 'f1', 'v1'],
      ['DEBUG', 'DIGEST-VALUE', 'h1', 'h2'],
      ['HSET', 'h3', '1', '2', 'n', '-300', 'e', '', BIN1, BIN2, 'big', '9223372036854775807'],
      ['HINCRBY', 'h3', 'ctr', '5'],
      ['HINCRBYFLOAT', 'h3', 'fl', '0.1'],
      ['HSET', 'hbig', ...flatRange(500, (i) => [`field:${i}`, i % 2 ? String(i) : `val:${i}`])],
      ['OBJECT', 'ENCODING', 'hbig'],
      ['HSET', 'hlong', 'f', 'w'.repeat(100)],
      ['OBJECT', 'ENCODING', 'hlong'],
      ...check('h1', 'h2', 'h3', 'hbig', 'hlong'),
      ['HDEL', 'hbig', 'field:3', 'field:499'],
      ['HSET', 'h1', 'f1', 'v1x'],
      ...check('h1', 'hbig'),
    ],
  },
  {
    name: 'TTLs mix the expire marker',
    resp3: 'both',
    steps: [
      ['SET', 'a', 'x'],
      ['RPUSH', 'l', '1', '2'],
      ['SADD', 's', 'q'],
      ['HSET', 'h', 'f', 'v'],
      ['ZADD', 'z', '1', 'm'],
      ['SET', 'n', '99'],
      ...check('a', 'l', 's', 'h', 'z', 'n'),
      ['EXPIRE', 'a', '1000'],
      ...check('a'),
      ['PEXPIRE', 'l', '5000000'],
      ['EXPIREAT', 's', '4000000000'],
      ['EXPIRE', 'h', '100'],
      ['EXPIRE', 'z', '100'],
      ['SET', 'n', '99', 'EX', '100'],
      ['SET', 'ttl2', 'y', 'PX', '100000'],
      ...check('a', 'l', 's', 'h', 'z', 'n', 'ttl2'),
      ['PERSIST', 'a'],
      ['PERSIST', 'h'],
      ...check('a', 'h'),
      ['EXPIRE', 'a', '50'],
      ['SET', 'a', 'x'], // SET clears the TTL
      ...check('a'),
    ],
  },
  {
    name: 'logically expired keys still in the dict are digested',
    steps: [
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
      ['SET', 'gone', 'v', 'PX', '1'],
      ['RPUSH', 'gonel', 'a', 'b'],
      ['PEXPIRE', 'gonel', '1'],
      ['SET', 'stays', 'w'],
      pause(30),
      ...check('gone', 'gonel', 'stays'),
      ['EXISTS', 'gone'], // lazy expiry removes it
      ...check('gone', 'gonel', 'stays'),
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
    ],
  },
  {
    name: 'several databases, MOVE, COPY DB, SELECT',
    resp3: 'both',
    steps: [
      ['SET', 'k', 'v'],
      DIGEST,
      ['MOVE', 'k', '1'],
      DIGEST, // the same pair in db 1: another digest
      ['SELECT', '1'],
      ['DEBUG', 'DIGEST-VALUE', 'k'],
      ['SELECT', '0'],
      ['DEBUG', 'DIGEST-VALUE', 'k'],
      ['SET', 'k', 'v'],
      DIGEST,
      ['SELECT', '15'],
      ['RPUSH', 'l15', 'x', 'y'],
      ['ZADD', 'z15', '0.1', 'a'],
      ['SADD', 's15', '1', '2'],
      ['HSET', 'h15', 'a', 'b'],
      ['SET', 'i15', '15', 'EX', '1000'],
      ...check('l15', 'z15', 's15', 'h15', 'i15'),
      ['SELECT', '7'],
      ['SET', 'k7', 'v7'],
      DIGEST,
      ['MOVE', 'k7', '8'],
      DIGEST,
      ['COPY', 'l15', 'l15', 'DB', '0'],
      ['SELECT', '8'],
      ['DEBUG', 'DIGEST-VALUE', 'k7'],
      ['SELECT', '0'],
      ...check('l15', 'k', 'i15'),
      ['FLUSHDB'],
      DIGEST,
      ['SELECT', '1'],
      ['FLUSHDB'],
      ['SELECT', '8'],
      ['FLUSHDB'],
      DIGEST, // all zero: every db empty
    ],
  },
  {
    name: 'mixed dataset: copies, renames, key order independence',
    steps: [
      ['MSET', 'a', '1', 'b', '2', 'c', 'three'],
      DIGEST,
      ['FLUSHALL'],
      ['MSET', 'c', 'three', 'b', '2', 'a', '1'],
      DIGEST,
      ['RPUSH', 'list', ...range(100, (i) => String(i))],
      ['COPY', 'list', 'list2'],
      ['HSET', 'hash', ...flatRange(200, (i) => [`f${i}`, `v${i}`])],
      ['COPY', 'hash', 'hash2', 'DB', '4'],
      ['RENAME', 'list2', 'renamed'],
      ['SADD', 'set', ...range(600, (i) => String(i))],
      ['SUNIONSTORE', 'set2', 'set', 'nokey'],
      ['ZADD', 'zset', ...flatRange(150, (i) => [String(-i / 3), `z${i}`])],
      ['ZUNIONSTORE', 'zset2', '1', 'zset'],
      ['LMPOP', '1', 'list', 'LEFT', 'COUNT', '3'],
      ['RPUSH', 'sorted', 'x', '1'],
      ...check('list', 'renamed', 'hash', 'set', 'set2', 'zset', 'zset2', 'sorted'),
      ['DEBUG', 'POPULATE', '1000'],
      DIGEST,
      ['DEBUG', 'POPULATE', '20', 'pfx', '40'],
      DIGEST,
    ],
  },
];

differential('debug digest', scripts, { strataArgs: DEBUG, redisArgs: DEBUG });

// ---------------------------------------------------------------------------------------------
// Range indexes: a Strata-only type (type id 200, records mixed like hash field/value pairs).

describe('debug digest: range indexes (Strata only)', () => {
  let h: ServerHandle;
  let c: RespClient;
  const js = async (...a: string[]): Promise<unknown> => toJS(decodeReply(await c.call(...a)).value);
  const ZERO = '0'.repeat(40);

  beforeAll(async () => {
    h = await startStrata({ args: DEBUG });
    c = await RespClient.connect(h.port);
  }, 60000);
  afterAll(async () => {
    c?.close();
    await h?.stop();
  });

  it('digests a range index by its records, in any insertion order', async () => {
    await js('FLUSHALL');
    expect(await js('DEBUG', 'DIGEST')).toBe(ZERO);
    expect(await js('RI.CREATE', 'ri1', 'MEMORY')).toBe('OK');
    const empty = await js('DEBUG', 'DIGEST-VALUE', 'ri1');
    expect((empty as string[])[0]).not.toBe(ZERO);
    const d0 = await js('DEBUG', 'DIGEST');
    expect(d0).not.toBe(ZERO);
    expect(await js('RI.MSET', 'ri1', 'a', '1', 'b', '2', 'c', '3')).toBe(3);
    const [v1] = (await js('DEBUG', 'DIGEST-VALUE', 'ri1')) as string[];
    expect(v1).toMatch(/^[0-9a-f]{40}$/);
    expect(v1).not.toBe((empty as string[])[0]);
    const d1 = await js('DEBUG', 'DIGEST');
    expect(d1).not.toBe(d0);

    // same records, other order, same config: same value digest
    expect(await js('RI.CREATE', 'ri2', 'MEMORY')).toBe('OK');
    expect(await js('RI.MSET', 'ri2', 'c', '3', 'a', '1')).toBe(2);
    expect(await js('RI.SET', 'ri2', 'b', '2')).toBe('OK');
    const [w1, w2] = (await js('DEBUG', 'DIGEST-VALUE', 'ri1', 'ri2')) as string[];
    expect(w2).toBe(w1);

    // a changed value changes it; restoring it restores the digest
    expect(await js('RI.SET', 'ri2', 'b', '22')).toBe('OK');
    expect(((await js('DEBUG', 'DIGEST-VALUE', 'ri2')) as string[])[0]).not.toBe(w1);
    expect(await js('RI.SET', 'ri2', 'b', '2')).toBe('OK');
    expect(((await js('DEBUG', 'DIGEST-VALUE', 'ri2')) as string[])[0]).toBe(w1);

    // a TTL adds the marker; a copy digests like its source
    expect(await js('COPY', 'ri1', 'ri3')).toBe(1);
    expect(((await js('DEBUG', 'DIGEST-VALUE', 'ri3')) as string[])[0]).toBe(w1);
    expect(await js('EXPIRE', 'ri3', '1000')).toBe(1);
    expect(((await js('DEBUG', 'DIGEST-VALUE', 'ri3')) as string[])[0]).not.toBe(w1);

    // deleting the extra keys gives back the earlier dataset digest
    expect(await js('DEL', 'ri2', 'ri3')).toBe(2);
    expect(await js('DEBUG', 'DIGEST')).toBe(d1);
    expect(await js('DEL', 'ri1')).toBe(1);
    expect(await js('DEBUG', 'DIGEST')).toBe(ZERO);
  });
});

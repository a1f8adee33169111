// Sorted set handlers driven with a fake client, and the parsing/formatting helpers. Expected replies are
// the bytes redis-server 7.0.15 sends (the differential suite test/differential/zsets.test.ts compares
// them live); ZRANK/ZREVRANK WITHSCORE follows Redis 7.2.
import type { Client } from '../../src/server/context';
import { Db, setKeyspaceListener, KeyspaceListener } from '../../src/keyspace/db';
import { commands } from '../../src/handlers/zset';
import { RZSet } from '../../src/keyspace/types/zset';
import { string2d, strtodPrefix, parseScoreRange, parseLexRange, isKw } from '../../src/handlers/zset/util';
import { d2string } from '../../src/handlers/zset/basic';
import { config } from '../../src/config';
import { makeClient, run } from '../helpers/fakeClient';

let db: Db;
let c: Client;

function r(...argv: (string | number)[]): string {
  return run(commands, c, argv);
}
function r3(...argv: (string | number)[]): string {
  c.resp = 3;
  try {
    return r(...argv);
  } finally {
    c.resp = 2;
  }
}

const bulk = (s: string) => '$' + s.length + '\r\n' + s + '\r\n';
const int = (n: number) => ':' + n + '\r\n';
const arr = (...items: string[]) => '*' + items.length + '\r\n' + items.join('');
const bulks = (...items: string[]) => arr(...items.map(bulk));
const NIL = '$-1\r\n';
const SYNTAX = '-ERR syntax error\r\n';
const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n';

let modified: string[] = [];
const recorder: KeyspaceListener = {
  modified(_db, key) {
    modified.push(key);
  },
  expired() {},
};

beforeEach(() => {
  db = new Db(0);
  c = makeClient(db);
  modified = [];
  setKeyspaceListener(recorder);
});
afterEach(() => {
  setKeyspaceListener({ modified() {}, expired() {} });
});

describe('command table', () => {
  test('exports every sorted set command', () => {
    expect(Object.keys(commands).sort()).toEqual(
      [
        'bzmpop', 'bzpopmax', 'bzpopmin', 'zadd', 'zcard', 'zcount', 'zdiff', 'zdiffstore', 'zincrby', 'zinter',
        'zintercard', 'zinterstore', 'zlexcount', 'zmpop', 'zmscore', 'zpopmax', 'zpopmin', 'zrandmember', 'zrange',
        'zrangebylex', 'zrangebyscore', 'zrangestore', 'zrank', 'zrem', 'zremrangebylex', 'zremrangebyrank',
        'zremrangebyscore', 'zrevrange', 'zrevrangebylex', 'zrevrangebyscore', 'zrevrank', 'zscan', 'zscore', 'zunion',
        'zunionstore',
      ].sort(),
    );
  });
});

describe('parsing helpers', () => {
  test('string2d follows strtod + Redis checks', () => {
    expect(string2d('1')).toBe(1);
    expect(Object.is(string2d('-0'), -0)).toBe(true);
    expect(string2d('1.5e3')).toBe(1500);
    expect(string2d('inf')).toBe(Infinity);
    expect(string2d('-Infinity')).toBe(-Infinity);
    expect(string2d('0x10')).toBe(16);
    expect(string2d('-0x1.8p1')).toBe(-3);
    expect(string2d('4.9e-324')).toBe(5e-324);
    expect(string2d('0e-400')).toBe(0);
    for (const bad of ['', ' 1', '1 ', 'nan', '1e500', '1e-400', '0x', '1e', 'abc', '1\0', '+', '.']) {
      expect(string2d(bad)).toBeNaN();
    }
  });
  test('strtodPrefix reports the end and ERANGE', () => {
    expect(strtodPrefix('  12abc')).toEqual({ value: 12, end: 4, range: false });
    expect(strtodPrefix('abc')).toEqual({ value: 0, end: 0, range: false });
    expect(strtodPrefix('0xg')).toEqual({ value: 0, end: 1, range: false });
    expect(strtodPrefix('1e5000').range).toBe(true);
    expect(strtodPrefix('nan(abc)x').end).toBe(8);
    expect(strtodPrefix('infinityx').end).toBe(8);
  });
  test('score ranges (zslParseRange)', () => {
    expect(parseScoreRange('(1', '2')).toEqual({ min: 1, max: 2, minex: true, maxex: false });
    expect(parseScoreRange('', '(')).toEqual({ min: 0, max: 0, minex: false, maxex: true });
    expect(parseScoreRange(' 1', '1e999')).toEqual({ min: 1, max: Infinity, minex: false, maxex: false });
    expect(parseScoreRange('1\0junk', '2')).toEqual({ min: 1, max: 2, minex: false, maxex: false });
    expect(parseScoreRange('nan', '1')).toBeNull();
    expect(parseScoreRange('1 ', '1')).toBeNull();
    expect(parseScoreRange('[1', '1')).toBeNull();
  });
  test('lex ranges (zslParseLexRange)', () => {
    expect(parseLexRange('-', '+')).toEqual({ min: { kind: -1, s: '', ex: true }, max: { kind: 1, s: '', ex: true } });
    expect(parseLexRange('[a', '(b')).toEqual({ min: { kind: 0, s: 'a', ex: false }, max: { kind: 0, s: 'b', ex: true } });
    expect(parseLexRange('+\0x', '-')).not.toBeNull();
    expect(parseLexRange('a', '+')).toBeNull();
    expect(parseLexRange('', '+')).toBeNull();
    expect(parseLexRange('-', '+x')).toBeNull();
  });
  test('keywords compare like strcasecmp on C strings', () => {
    expect(isKw('WithScores', 'withscores')).toBe(true);
    expect(isKw('nx\0junk', 'nx')).toBe(true);
    expect(isKw('nxx', 'nx')).toBe(false);
    expect(isKw('n', 'nx')).toBe(false);
  });
  test('d2string (ZSCAN / listpack text of a score)', () => {
    expect(d2string(1)).toBe('1');
    expect(d2string(-0)).toBe('-0');
    expect(d2string(0.1)).toBe('0.10000000000000001');
    expect(d2string(1e17)).toBe('100000000000000000');
    expect(d2string(1e20)).toBe('1e+20');
    expect(d2string(Infinity)).toBe('inf');
    expect(d2string(-2.5e-7)).toBe('-2.4999999999999999e-07');
  });
});

describe('ZADD / ZINCRBY', () => {
  test('adds, updates, replies and notifies', () => {
    expect(r('ZADD', 'z', 1, 'a', 2, 'b')).toBe(int(2));
    expect(modified).toEqual(['z']);
    expect(r('ZADD', 'z', 1, 'a')).toBe(int(0));
    expect(modified).toEqual(['z']); // nothing changed: no write event
    expect(r('ZADD', 'z', 'CH', 3, 'a', 2, 'b')).toBe(int(1));
    expect(modified).toEqual(['z', 'z']);
    expect(r('ZRANGE', 'z', 0, -1, 'WITHSCORES')).toBe(bulks('b', '2', 'a', '3'));
    expect(r('ZADD', 'z', 'INCR', 1.5, 'a')).toBe(bulk('4.5'));
    expect(r3('ZADD', 'z', 'INCR', 1, 'a')).toBe(',5.5\r\n');
    expect(r('ZADD', 'z', 'NX', 'INCR', 1, 'a')).toBe(NIL);
    expect(r3('ZADD', 'z', 'NX', 'INCR', 1, 'a')).toBe('_\r\n');
    expect(r('ZINCRBY', 'z', '-0.5', 'a')).toBe(bulk('5'));
  });
  test('errors', () => {
    expect(r('ZADD', 'z', 1)).toBe(SYNTAX);
    expect(r('ZADD', 'z', 'NX', 'XX', 1, 'a')).toBe('-ERR XX and NX options at the same time are not compatible\r\n');
    expect(r('ZADD', 'z', 'GT', 'LT', 1, 'a')).toBe('-ERR GT, LT, and/or NX options at the same time are not compatible\r\n');
    expect(r('ZADD', 'z', 'INCR', 1, 'a', 2, 'b')).toBe('-ERR INCR option supports a single increment-element pair\r\n');
    expect(r('ZADD', 'z', 'x', 'a')).toBe('-ERR value is not a valid float\r\n');
    expect(db.has('z')).toBe(false);
    r('ZADD', 'z', 'inf', 'a');
    expect(r('ZINCRBY', 'z', '-inf', 'a')).toBe('-ERR resulting score is not a number (NaN)\r\n');
    db.set('s', 'str');
    expect(r('ZADD', 's', 1, 'a')).toBe(WRONGTYPE);
  });
  test('a NaN increment leaves the score unchanged', () => {
    r('ZADD', 'z', 'inf', 'a');
    expect(r('ZINCRBY', 'z', '-inf', 'a')).toContain('NaN');
    expect(r('ZSCORE', 'z', 'a')).toBe(bulk('inf'));
  });
});

describe('ZRANK / ZREVRANK WITHSCORE (Redis 7.2 form)', () => {
  test('replies rank and score', () => {
    r('ZADD', 'z', 1, 'a', 2.5, 'b', 3, 'c');
    expect(r('ZRANK', 'z', 'b')).toBe(int(1));
    expect(r('ZRANK', 'z', 'b', 'WITHSCORE')).toBe(arr(int(1), bulk('2.5')));
    expect(r3('ZREVRANK', 'z', 'b', 'withscore')).toBe(arr(int(1), ',2.5\r\n'));
    expect(r('ZREVRANK', 'z', 'a', 'WITHSCORE')).toBe(arr(int(2), bulk('1')));
    expect(r('ZRANK', 'z', 'nope', 'WITHSCORE')).toBe('*-1\r\n');
    expect(r3('ZRANK', 'z', 'nope', 'WITHSCORE')).toBe('_\r\n');
    expect(r('ZRANK', 'nokey', 'a', 'WITHSCORE')).toBe('*-1\r\n');
    expect(r('ZRANK', 'nokey', 'a')).toBe(NIL);
    expect(r('ZRANK', 'z', 'a', 'WITHSCORES')).toBe(SYNTAX);
    expect(r('ZRANK', 'z', 'a', 'WITHSCORE', 'x')).toBe("-ERR wrong number of arguments for 'zrank' command\r\n");
  });
});

describe('ranges', () => {
  beforeEach(() => {
    r('ZADD', 'z', 0, 'a', 0, 'b', 0, 'c', 0, 'd', 0, 'e');
  });
  test('lex ranges forward and reverse with LIMIT', () => {
    expect(r('ZRANGEBYLEX', 'z', '[b', '(e')).toBe(bulks('b', 'c', 'd'));
    expect(r('ZRANGEBYLEX', 'z', '-', '+', 'LIMIT', 1, 2)).toBe(bulks('b', 'c'));
    expect(r('ZREVRANGEBYLEX', 'z', '+', '-', 'LIMIT', 1, 2)).toBe(bulks('d', 'c'));
    expect(r('ZRANGE', 'z', '(a', '[c', 'BYLEX')).toBe(bulks('b', 'c'));
    expect(r('ZRANGEBYLEX', 'z', '-', '+', 'LIMIT', -1, 2)).toBe('*0\r\n');
    expect(r('ZLEXCOUNT', 'z', '(a', '+')).toBe(int(4));
  });
  test('score ranges, WITHSCORES in RESP3', () => {
    r('ZADD', 'y', 1, 'a', 2, 'b', 3, 'c');
    expect(r3('ZRANGEBYSCORE', 'y', '(1', '+inf', 'WITHSCORES')).toBe(arr(arr(bulk('b'), ',2\r\n'), arr(bulk('c'), ',3\r\n')));
    expect(r('ZREVRANGEBYSCORE', 'y', 3, 1, 'LIMIT', 1, 1)).toBe(bulks('b'));
    expect(r('ZCOUNT', 'y', '(1', 3)).toBe(int(2));
  });
  test('ZRANGESTORE and ZREMRANGEBY*', () => {
    expect(r('ZRANGESTORE', 'd', 'z', 1, 3, 'REV')).toBe(int(3));
    expect(r('ZRANGE', 'd', 0, -1)).toBe(bulks('b', 'c', 'd'));
    expect(r('ZREMRANGEBYLEX', 'z', '[b', '[c')).toBe(int(2));
    expect(r('ZREMRANGEBYRANK', 'z', 0, 0)).toBe(int(1));
    expect(r('ZREMRANGEBYSCORE', 'z', '-inf', '+inf')).toBe(int(2));
    expect(db.has('z')).toBe(false);
  });
});

describe('pops', () => {
  test('ZPOPMIN/ZPOPMAX shapes', () => {
    r('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c');
    expect(r('ZPOPMIN', 'z')).toBe(bulks('a', '1'));
    expect(r3('ZPOPMAX', 'z', 1)).toBe(arr(arr(bulk('c'), ',3\r\n')));
    expect(r('ZPOPMIN', 'z', 0)).toBe('*0\r\n');
    expect(r('ZPOPMIN', 'z', -1)).toBe('-ERR value is out of range, must be positive\r\n');
    expect(r('ZMPOP', 1, 'z', 'MIN', 'COUNT', 10)).toBe(arr(bulk('z'), arr(arr(bulk('b'), bulk('2')))));
    expect(db.has('z')).toBe(false);
    expect(r('ZMPOP', 1, 'z', 'MIN')).toBe('*-1\r\n');
    expect(r('ZPOPMIN', 'z')).toBe('*0\r\n');
  });
});

describe('encodings', () => {
  test('listpack until the limits, then skiplist for good', () => {
    for (let i = 0; i < 128; i++) r('ZADD', 'z', i, 'm' + i);
    const z = db.get('z') as RZSet;
    expect(z.encoding()).toBe('listpack');
    r('ZADD', 'z', 1000, 'last');
    expect(z.encoding()).toBe('skiplist');
    r('ZREMRANGEBYRANK', 'z', 0, 100);
    expect(z.encoding()).toBe('skiplist');
    r('ZADD', 'long', 1, 'x'.repeat(config['zset-max-listpack-value'] + 1));
    expect((db.get('long') as RZSet).encoding()).toBe('skiplist');
  });
  test('-0 is stored as 0 in a listpack, kept in a skiplist', () => {
    r('ZADD', 'lp', '-0', 'a');
    expect(r('ZSCORE', 'lp', 'a')).toBe(bulk('0'));
    r('ZADD', 'sl', '-0', 'x'.repeat(100));
    expect(r('ZSCORE', 'sl', 'x'.repeat(100))).toBe(bulk('-0'));
  });
  test('clone() keeps content and encoding', () => {
    for (let i = 0; i < 300; i++) r('ZADD', 'z', i % 7, 'm' + i);
    const z = db.get('z') as RZSet;
    const cl = z.clone();
    cl.check();
    expect(cl.encoding()).toBe('skiplist');
    expect([...cl.entries()]).toEqual([...z.entries()]);
    cl.delete('m1');
    expect(z.score('m1')).toBe(1);
  });
  test('RZSet.from picks the encoding Redis would after loading', () => {
    expect(RZSet.from([['b', 2], ['a', 1], ['a', 3]]).encoding()).toBe('listpack');
    const big = RZSet.from(Array.from({ length: 200 }, (_, i): [string, number] => ['k' + i, i]));
    expect(big.encoding()).toBe('skiplist');
    big.check();
    expect([...RZSet.from([['b', 2], ['a', 1], ['a', 3]]).entries()]).toEqual([['b', 2], ['a', 3]]);
  });
});

describe('set operations', () => {
  test('union / inter / diff of sorted sets', () => {
    r('ZADD', 'a', 1, 'x', 2, 'y');
    r('ZADD', 'b', 10, 'y', 20, 'z');
    expect(r('ZUNION', 2, 'a', 'b', 'WITHSCORES')).toBe(bulks('x', '1', 'y', '12', 'z', '20'));
    expect(r('ZINTER', 2, 'a', 'b', 'AGGREGATE', 'MAX', 'WITHSCORES')).toBe(bulks('y', '10'));
    expect(r('ZDIFF', 2, 'a', 'b')).toBe(bulks('x'));
    expect(r('ZINTERCARD', 2, 'a', 'b', 'LIMIT', 1)).toBe(int(1));
    expect(r('ZUNIONSTORE', 'd', 2, 'a', 'b', 'WEIGHTS', 2, 1)).toBe(int(3));
    expect(r('ZRANGE', 'd', 0, -1, 'WITHSCORES')).toBe(bulks('x', '2', 'y', '14', 'z', '20'));
    expect(r('ZUNION', 0, 'a')).toBe("-ERR at least 1 input key is needed for 'zunion' command\r\n");
  });
});

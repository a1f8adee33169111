// Hash handlers and the RHash value driven directly with a fake client. Expected replies are the exact
// bytes redis-server 7.0.15 sends (checked against it: see test/differential/hashes.test.ts and
// test/unit/hash.redis.test.ts).
import type { Client } from '../../src/server/context';
import { Db, setKeyspaceListener, KeyspaceListener } from '../../src/keyspace/db';
import { commands } from '../../src/handlers/hash';
import { RHash } from '../../src/keyspace/types/hash';
import { cloneValue } from '../../src/handlers/keyspace/clone';
import { configSet } from '../../src/config';
import { keyspaceHooks } from '../../src/handlers/keyspace/keyspace';
import { randomReplyLimit } from '../../src/handlers/hash/scanargs';
import { makeClient, run } from '../helpers/fakeClient';

let db: Db;
let c: Client;

function r(...argv: (string | number)[]): string {
  return run(commands, c, argv);
}

/** Bulk strings of a flat reply, in order. */
function items(reply: string): string[] {
  const out: string[] = [];
  const lines = reply.split('\r\n');
  for (let i = 0; i < lines.length; i++) if (lines[i][0] === '$') out.push(lines[++i]);
  return out;
}

const OK = '+OK\r\n';
const ZERO = ':0\r\n';
const ONE = ':1\r\n';
const NIL = '$-1\r\n';
const SYNTAX = '-ERR syntax error\r\n';
const NOTINT = '-ERR value is not an integer or out of range\r\n';
const NOTFLOAT = '-ERR value is not a valid float\r\n';
const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n';
const int = (n: number | string) => ':' + n + '\r\n';
const bulk = (s: string) => '$' + s.length + '\r\n' + s + '\r\n';
const arr = (...xs: string[]) => '*' + xs.length + '\r\n' + xs.map(bulk).join('');

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
  configSet(['hash-max-listpack-entries', '512', 'hash-max-listpack-value', '64']);
});

const enc = (key: string) => (db.get(key) as RHash).encoding();

describe('RHash', () => {
  test('listpack until too many fields or a long field/value, never back', () => {
    const h = new RHash();
    expect(h.encoding()).toBe('listpack');
    for (let i = 0; i < 512; i++) expect(h.set('f' + i, 'v')).toBe(1);
    expect(h.encoding()).toBe('listpack');
    expect(h.set('f0', 'again')).toBe(0);
    expect(h.set('f512', 'v')).toBe(1);
    expect(h.encoding()).toBe('hashtable');
    for (let i = 0; i < 510; i++) h.delete('f' + i);
    expect(h.encoding()).toBe('hashtable');
    const v = new RHash();
    v.set('a', 'x'.repeat(64));
    expect(v.encoding()).toBe('listpack');
    v.set('b', 'x'.repeat(65));
    expect(v.encoding()).toBe('hashtable');
    expect(RHash.from([['k'.repeat(65), '1']]).encoding()).toBe('hashtable');
    expect(RHash.from([['a', '1'], ['b', '2']]).encoding()).toBe('listpack');
  });

  test('insertion order, clone, prototype type', () => {
    const h = RHash.from([['b', '1'], ['a', '2']]);
    h.set('b', '3');
    h.delete('a');
    h.set('a', '4');
    expect([...h.entries()]).toEqual([['b', '3'], ['a', '4']]);
    const k = h.clone();
    k.set('z', 'z');
    expect(h.size).toBe(2);
    expect(h.type).toBe('hash');
    expect(Object.keys(h)).not.toContain('type');
    const d = cloneValue(RHash.from([['x', 'y'.repeat(100)]])) as RHash;
    expect(d).toBeInstanceOf(RHash);
    expect(d.encoding()).toBe('hashtable');
  });

  test('random fields after changes', () => {
    const h = new RHash();
    for (let i = 0; i < 100; i++) h.set('f' + i, 'v');
    h.randomField();
    for (let i = 0; i < 30; i++) h.delete('f' + i);
    h.set('f3', 'back');
    for (let k = 0; k < 300; k++) expect(h.has(h.randomField())).toBe(true);
    const s = h.sample(50);
    expect(new Set(s).size).toBe(50);
    for (const f of s) expect(h.has(f)).toBe(true);
  });
});

describe('command table', () => {
  test('exports every hash command', () => {
    expect(Object.keys(commands).sort()).toEqual(
      [
        'hdel', 'hexists', 'hget', 'hgetall', 'hincrby', 'hincrbyfloat', 'hkeys', 'hlen', 'hmget', 'hmset',
        'hrandfield', 'hscan', 'hset', 'hsetnx', 'hstrlen', 'hvals',
      ].sort(),
    );
  });
});

describe('HSET family and reads', () => {
  test('HSET / HMSET / HSETNX / HGET / HMGET', () => {
    expect(r('HSET', 'h', 'a', '1', 'b', '2')).toBe(int(2));
    expect(r('HSET', 'h', 'a', '3', 'c', '4')).toBe(int(1));
    expect(r('HSET', 'h', 'x')).toBe("-ERR wrong number of arguments for 'hset' command\r\n");
    expect(r('HMSET', 'h', 'x', 'y', 'z')).toBe("-ERR wrong number of arguments for 'hmset' command\r\n");
    expect(r('HMSET', 'h', 'd', '5')).toBe(OK);
    expect(r('HSETNX', 'h', 'a', 'no')).toBe(ZERO);
    expect(r('HSETNX', 'h', 'e', '6')).toBe(ONE);
    expect(r('HSETNX', 'new', 'f', 'v')).toBe(ONE);
    expect(r('HGET', 'h', 'a')).toBe(bulk('3'));
    expect(r('HGET', 'h', 'zz')).toBe(NIL);
    expect(r('HGET', 'nokey', 'a')).toBe(NIL);
    expect(r('HMGET', 'h', 'a', 'zz', 'b')).toBe('*3\r\n' + bulk('3') + NIL + bulk('2'));
    expect(r('HMGET', 'nokey', 'a')).toBe('*1\r\n' + NIL);
    expect(r('HGETALL', 'h')).toBe(arr('a', '3', 'b', '2', 'c', '4', 'd', '5', 'e', '6'));
    expect(r('HKEYS', 'h')).toBe(arr('a', 'b', 'c', 'd', 'e'));
    expect(r('HVALS', 'h')).toBe(arr('3', '2', '4', '5', '6'));
    expect(r('HLEN', 'h')).toBe(int(5));
    expect(r('HSTRLEN', 'h', 'a')).toBe(ONE);
    expect(r('HSTRLEN', 'h', 'zz')).toBe(ZERO);
    expect(r('HEXISTS', 'h', 'a')).toBe(ONE);
    expect(r('HEXISTS', 'h', 'zz')).toBe(ZERO);
    for (const cmd of ['HLEN', 'HKEYS', 'HVALS', 'HGETALL']) expect(r(cmd, 'nokey')).toBe(cmd === 'HLEN' ? ZERO : '*0\r\n');
  });

  test('RESP3: HGETALL is a map, the missing key an empty map; nulls are _', () => {
    c = makeClient(db, 3);
    r('HSET', 'h', 'a', '1');
    expect(r('HGETALL', 'h')).toBe('%1\r\n' + bulk('a') + bulk('1'));
    expect(r('HGETALL', 'nokey')).toBe('%0\r\n');
    expect(r('HKEYS', 'nokey')).toBe('*0\r\n');
    expect(r('HGET', 'h', 'x')).toBe('_\r\n');
    expect(r('HMGET', 'h', 'x')).toBe('*1\r\n_\r\n');
  });

  test('HDEL deletes the emptied key; notifications only for changes', () => {
    r('HSET', 'h', 'a', '1', 'b', '2');
    db.setExpire('h', Date.now() + 100000);
    modified = [];
    expect(r('HDEL', 'h', 'zz')).toBe(ZERO);
    expect(r('HDEL', 'nokey', 'zz')).toBe(ZERO);
    expect(r('HSETNX', 'h', 'a', 'x')).toBe(ZERO);
    expect(modified).toEqual([]);
    expect(r('HDEL', 'h', 'a', 'a')).toBe(ONE);
    expect(modified).toEqual(['h']);
    expect(db.getExpire('h')).toBeDefined(); // in-place writes keep the TTL
    r('HSET', 'h', 'b', '3');
    expect(db.getExpire('h')).toBeDefined();
    expect(r('HDEL', 'h', 'b', 'c')).toBe(ONE);
    expect(db.has('h')).toBe(false);
  });

  test('wrong type', () => {
    db.set('str', 'x');
    for (const cmd of [
      ['HSET', 'str', 'a', '1'], ['HMSET', 'str', 'a', '1'], ['HSETNX', 'str', 'a', '1'], ['HGET', 'str', 'a'],
      ['HMGET', 'str', 'a'], ['HDEL', 'str', 'a'], ['HLEN', 'str'], ['HSTRLEN', 'str', 'a'], ['HEXISTS', 'str', 'a'],
      ['HKEYS', 'str'], ['HVALS', 'str'], ['HGETALL', 'str'], ['HINCRBY', 'str', 'a', '1'],
      ['HINCRBYFLOAT', 'str', 'a', '1'], ['HRANDFIELD', 'str'], ['HRANDFIELD', 'str', '1'], ['HSCAN', 'str', '0'],
    ]) {
      expect(r(...cmd)).toBe(WRONGTYPE);
    }
    expect(db.get('str')).toBe('x');
  });

  test('encoding follows the config thresholds', () => {
    expect(configSet(['hash-max-listpack-entries', '2', 'hash-max-listpack-value', '3'])).toBeNull();
    r('HSET', 'h', 'a', '1', 'b', '2');
    expect(enc('h')).toBe('listpack');
    r('HSET', 'h', 'c', '3');
    expect(enc('h')).toBe('hashtable');
    r('HSET', 'v', 'abc', 'abc');
    expect(enc('v')).toBe('listpack');
    r('HINCRBY', 'v', 'abcd', '1');
    expect(enc('v')).toBe('hashtable');
    r('HSET', 'w', 'a', '1');
    r('HINCRBYFLOAT', 'w', 'a', '0.5');
    expect(enc('w')).toBe('listpack');
    r('HINCRBYFLOAT', 'w', 'a', '0.25'); // 1.75: 4 bytes
    expect(enc('w')).toBe('hashtable');
  });
});

describe('HINCRBY / HINCRBYFLOAT', () => {
  test('HINCRBY', () => {
    expect(r('HINCRBY', 'h', 'n', '5')).toBe(int(5));
    expect(r('HINCRBY', 'h', 'n', '-7')).toBe(int(-2));
    expect(r('HINCRBY', 'h', 'n', 'x')).toBe(NOTINT);
    expect(r('HINCRBY', 'nokey', 'n', 'x')).toBe(NOTINT);
    expect(db.has('nokey')).toBe(false);
    r('HSET', 'h', 's', 'abc', 'big', '9223372036854775806', 'lz', '01');
    expect(r('HINCRBY', 'h', 's', '1')).toBe('-ERR hash value is not an integer\r\n');
    expect(r('HINCRBY', 'h', 'lz', '1')).toBe('-ERR hash value is not an integer\r\n');
    expect(r('HINCRBY', 'h', 'big', '1')).toBe(int('9223372036854775807'));
    expect(r('HINCRBY', 'h', 'big', '1')).toBe('-ERR increment or decrement would overflow\r\n');
    expect(r('HGET', 'h', 'big')).toBe(bulk('9223372036854775807'));
    expect(r('HINCRBY', 'h', 'big', '-9223372036854775808')).toBe(int(-1));
    expect(r('HINCRBY', 'h', 'm', '-9223372036854775808')).toBe(int('-9223372036854775808'));
    expect(r('HINCRBY', 'h', 'm', '-1')).toBe('-ERR increment or decrement would overflow\r\n');
    expect(r('HINCRBY', 'h', 'p', '9007199254740991')).toBe(int('9007199254740991'));
    expect(r('HINCRBY', 'h', 'p', '2')).toBe(int('9007199254740993'));
    expect(r('HGET', 'h', 'p')).toBe(bulk('9007199254740993'));
  });

  test('HINCRBYFLOAT', () => {
    expect(r('HINCRBYFLOAT', 'h', 'x', '10.5')).toBe(bulk('10.5'));
    expect(r('HINCRBYFLOAT', 'h', 'x', '0.1')).toBe(bulk('10.6'));
    expect(r('HINCRBYFLOAT', 'h', 'x', '-10.6')).toBe(bulk('0'));
    expect(r('HINCRBYFLOAT', 'h', 'x', '1e2')).toBe(bulk('100'));
    expect(r('HINCRBYFLOAT', 'h', 'x', 'abc')).toBe(NOTFLOAT);
    expect(r('HINCRBYFLOAT', 'h', 'x', 'inf')).toBe('-ERR value is NaN or Infinity\r\n');
    expect(r('HINCRBYFLOAT', 'h', 'x', 'nan')).toBe(NOTFLOAT);
    r('HSET', 'h', 's', 'abc', 'i', 'inf', 'n', '5');
    expect(r('HINCRBYFLOAT', 'h', 's', '1')).toBe('-ERR hash value is not a float\r\n');
    expect(r('HINCRBYFLOAT', 'h', 'i', '1')).toBe('-ERR increment would produce NaN or Infinity\r\n');
    expect(r('HINCRBYFLOAT', 'h', 'n', '0.5')).toBe(bulk('5.5'));
    expect(r('HGET', 'h', 'n')).toBe(bulk('5.5'));
  });
});

describe('propagation', () => {
  test('HINCRBYFLOAT is logged as HSET of the result', () => {
    const logged: string[][] = [];
    const saved = keyspaceHooks.rewriteArgv;
    keyspaceHooks.rewriteArgv = (_c, argv) => logged.push(argv);
    try {
      r('HINCRBYFLOAT', 'h', 'f', '0.1');
      r('HINCRBYFLOAT', 'h', 'f', 'x');
      expect(logged).toEqual([['HSET', 'h', 'f', '0.1']]);
    } finally {
      keyspaceHooks.rewriteArgv = saved;
    }
  });
});

describe('HRANDFIELD', () => {
  test('argument errors and the missing key', () => {
    expect(r('HRANDFIELD', 'nokey')).toBe(NIL);
    expect(r('HRANDFIELD', 'nokey', '3')).toBe('*0\r\n');
    expect(r('HRANDFIELD', 'nokey', 'x')).toBe(NOTINT);
    expect(r('HRANDFIELD', 'nokey', '1', 'bad')).toBe(SYNTAX);
    expect(r('HRANDFIELD', 'nokey', '1', 'WITHVALUES', 'x')).toBe(SYNTAX);
    expect(r('HRANDFIELD', 'nokey', '-9223372036854775808')).toBe(
      '-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n',
    );
    expect(r('HRANDFIELD', 'nokey', '4611686018427387904', 'WITHVALUES')).toBe('-ERR value is out of range\r\n');
    expect(r('HRANDFIELD', 'nokey', '-4611686018427387904', 'withvalues')).toBe('-ERR value is out of range\r\n');
    expect(r('HRANDFIELD', 'nokey', '-4611686018427387903', 'withvalues')).toBe('*0\r\n');
  });

  test('counts, RESP2 and RESP3 shapes', () => {
    r('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
    expect(['a', 'b', 'c'].map(bulk)).toContain(r('HRANDFIELD', 'h'));
    expect(r('HRANDFIELD', 'h', '0')).toBe('*0\r\n');
    expect(r('HRANDFIELD', 'h', '3')).toBe(arr('a', 'b', 'c'));
    expect(r('HRANDFIELD', 'h', '10', 'WITHVALUES')).toBe(arr('a', '1', 'b', '2', 'c', '3'));
    const two = items(r('HRANDFIELD', 'h', '2', 'WITHVALUES'));
    expect(two.length).toBe(4);
    expect(two[0] === 'a' ? two[1] : two[0] === 'b' ? two[1] === '2' : two[1] === '3').toBeTruthy();
    expect(new Set([two[0], two[2]]).size).toBe(2);
    const rep = r('HRANDFIELD', 'h', '-5', 'WITHVALUES');
    expect(rep.startsWith('*10\r\n')).toBe(true);
    c = makeClient(db, 3);
    expect(r('HRANDFIELD', 'h', '10', 'WITHVALUES')).toBe(
      '*3\r\n' + ['a', 'b', 'c'].map((f, i) => '*2\r\n' + bulk(f) + bulk(String(i + 1))).join(''),
    );
    const neg = r('HRANDFIELD', 'h', '-4', 'WITHVALUES');
    expect(neg.startsWith('*4\r\n*2\r\n')).toBe(true);
    expect(neg.split('*2\r\n').length).toBe(5);
    expect(r('HRANDFIELD', 'h', '-4').startsWith('*4\r\n$1\r\n')).toBe(true);
  });

  test('a runaway negative count stops at the reply limit', () => {
    r('HSET', 'h', 'a', '1');
    const saved = randomReplyLimit.bytes;
    randomReplyLimit.bytes = 10000;
    try {
      const rep = r('HRANDFIELD', 'h', '-4611686018427387903', 'WITHVALUES');
      expect(rep.startsWith('*9223372036854775806\r\n$1\r\na\r\n$1\r\n1\r\n')).toBe(true);
      expect(rep.length).toBeLessThan(30000);
    } finally {
      randomReplyLimit.bytes = saved;
    }
  });

  test('distinct fields from a large hash', () => {
    for (let i = 0; i < 1000; i++) r('HSET', 'big', 'f' + i, 'v' + i);
    for (const n of [2, 100, 400, 999]) {
      const fs = items(r('HRANDFIELD', 'big', n));
      expect(fs.length).toBe(n);
      expect(new Set(fs).size).toBe(n);
    }
    const pairs = items(r('HRANDFIELD', 'big', '50', 'WITHVALUES'));
    for (let i = 0; i < pairs.length; i += 2) expect(pairs[i + 1]).toBe('v' + pairs[i].slice(1));
  });
});

describe('HSCAN', () => {
  test('listpack: everything in one call, in order, cursor 0', () => {
    r('HSET', 'h', 'b', '1', 'a', '2', 'ab', '3');
    expect(r('HSCAN', 'h', '0')).toBe('*2\r\n$1\r\n0\r\n' + arr('b', '1', 'a', '2', 'ab', '3'));
    expect(r('HSCAN', 'h', '12345', 'COUNT', '1')).toBe('*2\r\n$1\r\n0\r\n' + arr('b', '1', 'a', '2', 'ab', '3'));
    expect(r('HSCAN', 'h', '0', 'MATCH', 'a*')).toBe('*2\r\n$1\r\n0\r\n' + arr('a', '2', 'ab', '3'));
    expect(r('HSCAN', 'h', '0', 'match', '*', 'count', '5')).toBe('*2\r\n$1\r\n0\r\n' + arr('b', '1', 'a', '2', 'ab', '3'));
  });

  test('errors and the missing key', () => {
    expect(r('HSCAN', 'nokey', '0', 'BAD')).toBe('*2\r\n$1\r\n0\r\n*0\r\n');
    expect(r('HSCAN', 'nokey', 'bad')).toBe('-ERR invalid cursor\r\n');
    r('HSET', 'h', 'a', '1');
    expect(r('HSCAN', 'h', '0', 'COUNT', '0')).toBe(SYNTAX);
    expect(r('HSCAN', 'h', '0', 'COUNT', 'x')).toBe(NOTINT);
    expect(r('HSCAN', 'h', '0', 'TYPE', 'hash')).toBe(SYNTAX);
    expect(r('HSCAN', 'h', '0', 'COUNT')).toBe(SYNTAX);
  });

  test('hashtable: a full iteration returns every pair', () => {
    for (let i = 0; i < 1000; i++) r('HSET', 'h', 'f' + i, 'v' + i);
    expect(enc('h')).toBe('hashtable');
    const seen = new Map<string, string>();
    let cursor = '0';
    let calls = 0;
    do {
      const lines = r('HSCAN', 'h', cursor, 'COUNT', '25').split('\r\n');
      cursor = lines[2];
      for (let i = 5; i < lines.length - 1; i += 4) seen.set(lines[i], lines[i + 2]);
      calls++;
    } while (cursor !== '0' && calls < 1000);
    expect(seen.size).toBe(1000);
    expect(seen.get('f77')).toBe('v77');
    expect(calls).toBeGreaterThan(30);
  });
});

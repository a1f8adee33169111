// Set handlers and the RSet value driven directly with a fake client. Expected replies are the exact
// bytes redis-server 7.0.15 sends (checked against it: see test/differential/sets.test.ts and
// test/unit/set.redis.test.ts).
import type { Client } from '../../src/server/context';
import { Db, setKeyspaceListener, KeyspaceListener } from '../../src/keyspace/db';
import { commands } from '../../src/handlers/set';
import { RSet, Sampler, isIntMember, compareIntText } from '../../src/keyspace/types/set';
import { cloneValue } from '../../src/handlers/keyspace/clone';
import { config, configSet } from '../../src/config';
import { keyspaceHooks } from '../../src/handlers/keyspace/keyspace';
import { randomReplyLimit } from '../../src/handlers/hash/scanargs';
import { makeClient, run } from '../helpers/fakeClient';

let db: Db;
let c: Client;

function r(...argv: (string | number)[]): string {
  return run(commands, c, argv);
}

/** Parses a flat reply of bulk strings (array or set header) into its elements. */
function items(reply: string): string[] {
  const lines = reply.split('\r\n');
  const out: string[] = [];
  for (let i = 1; i < lines.length - 1; i += 2) out.push(lines[i + 1]);
  return out;
}

const ZERO = ':0\r\n';
const ONE = ':1\r\n';
const NIL = '$-1\r\n';
const SYNTAX = '-ERR syntax error\r\n';
const NOTINT = '-ERR value is not an integer or out of range\r\n';
const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n';
const POSITIVE = '-ERR value is out of range, must be positive\r\n';
const int = (n: number) => ':' + n + '\r\n';
const bulk = (s: string) => '$' + s.length + '\r\n' + s + '\r\n';
const arr = (...xs: string[]) => '*' + xs.length + '\r\n' + xs.map(bulk).join('');
const set3 = (...xs: string[]) => '~' + xs.length + '\r\n' + xs.map(bulk).join('');

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
  configSet(['set-max-intset-entries', '512']);
});

/** CONFIG SET through the config module. */
function configSetValue(name: string, value: string): void {
  expect(configSet([name, value])).toBeNull();
}

describe('RSet', () => {
  test('isIntMember follows string2ll over int64', () => {
    for (const s of ['0', '-1', '42', '9223372036854775807', '-9223372036854775808']) expect(isIntMember(s)).toBe(true);
    for (const s of ['', '-', '-0', '01', '+1', ' 1', '1 ', '1.0', 'a', '9223372036854775808', '-9223372036854775809', '1\0'])
      expect(isIntMember(s)).toBe(false);
  });

  test('compareIntText orders canonical integers numerically', () => {
    const xs = ['10', '-3', '2', '-10', '0', '9223372036854775807', '-9223372036854775808', '9', '-1'];
    const want = [...xs].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
    expect([...xs].sort(compareIntText)).toEqual(want);
  });

  test('encoding: intset until a non-integer or too many members, never back', () => {
    const s = RSet.forMember('1');
    expect(s.encoding()).toBe('intset');
    s.add('1');
    s.add('3');
    s.add('2');
    expect([...s.members()]).toEqual(['1', '2', '3']);
    s.add('x');
    expect(s.encoding()).toBe('hashtable');
    s.delete('x');
    expect(s.encoding()).toBe('hashtable');
    expect(RSet.forMember('x').encoding()).toBe('hashtable');
    const big = RSet.from(Array.from({ length: 512 }, (_, i) => String(i)));
    expect(big.encoding()).toBe('intset');
    big.add('512');
    expect(big.encoding()).toBe('hashtable');
    expect(RSet.from(['a', '1']).encoding()).toBe('hashtable');
  });

  test('the sorted intset order is refreshed after changes', () => {
    const s = RSet.from(['5', '1']);
    expect([...s.members()]).toEqual(['1', '5']);
    s.add('3');
    expect([...s.members()]).toEqual(['1', '3', '5']);
    s.delete('1');
    expect([...s.members()]).toEqual(['3', '5']);
    s.popRandom();
    expect([...s.members()].length).toBe(1);
  });

  test('reencode gives the encoding of a fresh set', () => {
    const s = RSet.from(Array.from({ length: 600 }, (_, i) => String(i)));
    expect(s.encoding()).toBe('hashtable');
    for (let i = 0; i < 590; i++) s.delete(String(i));
    expect(s.encoding()).toBe('hashtable');
    s.reencode();
    expect(s.encoding()).toBe('intset');
    expect([...s.members()]).toEqual(['590', '591', '592', '593', '594', '595', '596', '597', '598', '599']);
  });

  test('clone is deep and keeps the encoding; the type lives on the prototype', () => {
    const s = RSet.from(['a', 'b']);
    const t = s.clone();
    t.add('c');
    expect(s.size).toBe(2);
    expect(t.encoding()).toBe('hashtable');
    expect(s.type).toBe('set');
    expect(Object.keys(s)).not.toContain('type');
    const u = cloneValue(RSet.from(['1', '2'])) as RSet;
    expect(u).toBeInstanceOf(RSet);
    expect(u.encoding()).toBe('intset');
  });

  test('random picks stay correct through adds and deletes (sampler upkeep)', () => {
    const s = new RSet(false);
    for (let i = 0; i < 100; i++) s.add('m' + i);
    s.randomMember(); // builds the sampler
    for (let i = 0; i < 60; i++) s.delete('m' + i); // the sampler is dropped when too many are dead
    for (let i = 0; i < 30; i++) s.add('m' + i);
    s.randomMember();
    for (let i = 0; i < 10; i++) s.delete('m' + i);
    s.add('m5');
    s.add('new');
    for (let k = 0; k < 500; k++) expect(s.has(s.randomMember())).toBe(true);
    const sample = s.sample(40);
    expect(new Set(sample).size).toBe(40);
    for (const m of sample) expect(s.has(m)).toBe(true);
    const popped = new Set<string>();
    const n = s.size;
    while (s.size > 0) {
      const m = s.popRandom();
      expect(popped.has(m)).toBe(false);
      popped.add(m);
    }
    expect(popped.size).toBe(n);
  });

  test('Sampler keeps one slot per key across delete and re-add', () => {
    const smp = new Sampler(['a', 'b', 'c', 'd']);
    expect(smp.removed('b')).toBe(true);
    smp.added('b'); // revived: no second slot
    smp.added('e');
    expect(smp.compact().sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    smp.removed('a');
    expect(smp.removed('c')).toBe(true);
    expect(smp.removed('d')).toBe(false); // 3 dead of 5: drop it
  });

  test('random picks are roughly uniform', () => {
    const s = RSet.from(Array.from({ length: 10 }, (_, i) => 'x' + i));
    const big = RSet.from(Array.from({ length: 40 }, (_, i) => 'y' + i));
    for (const set of [s, big]) {
      const counts = new Map<string, number>();
      const N = 20000;
      for (let i = 0; i < N; i++) {
        const m = set.randomMember();
        counts.set(m, (counts.get(m) ?? 0) + 1);
      }
      expect(counts.size).toBe(set.size);
      const expected = N / set.size;
      for (const v of counts.values()) expect(Math.abs(v - expected)).toBeLessThan(expected * 0.35);
    }
  });
});

describe('command table', () => {
  test('exports every set command', () => {
    expect(Object.keys(commands).sort()).toEqual(
      [
        'sadd', 'scard', 'sdiff', 'sdiffstore', 'sinter', 'sintercard', 'sinterstore', 'sismember', 'smembers',
        'smismember', 'smove', 'spop', 'srandmember', 'srem', 'sscan', 'sunion', 'sunionstore',
      ].sort(),
    );
  });
});

describe('SADD / SREM / SCARD / SISMEMBER / SMISMEMBER / SMEMBERS', () => {
  test('basics', () => {
    expect(r('SADD', 's', 'b', 'a', 'b')).toBe(int(2));
    expect(r('SADD', 's', 'a')).toBe(ZERO);
    expect(r('SCARD', 's')).toBe(int(2));
    expect(r('SCARD', 'nokey')).toBe(ZERO);
    expect(r('SISMEMBER', 's', 'a')).toBe(ONE);
    expect(r('SISMEMBER', 's', 'z')).toBe(ZERO);
    expect(r('SISMEMBER', 'nokey', 'z')).toBe(ZERO);
    expect(r('SMISMEMBER', 's', 'a', 'z')).toBe('*2\r\n:1\r\n:0\r\n');
    expect(r('SMISMEMBER', 'nokey', 'a')).toBe('*1\r\n:0\r\n');
    expect(r('SMEMBERS', 's')).toBe(arr('b', 'a'));
    expect(r('SMEMBERS', 'nokey')).toBe('*0\r\n');
    expect(r('SREM', 's', 'z')).toBe(ZERO);
    expect(r('SREM', 'nokey', 'z')).toBe(ZERO);
    expect(r('SREM', 's', 'a', 'b', 'c')).toBe(int(2));
    expect(db.has('s')).toBe(false);
  });

  test('RESP3: SMEMBERS is a set', () => {
    c = makeClient(db, 3);
    r('SADD', 's', '2', '1');
    expect(r('SMEMBERS', 's')).toBe(set3('1', '2'));
    expect(r('SMEMBERS', 'nokey')).toBe('~0\r\n');
    expect(r('SMISMEMBER', 's', '1')).toBe('*1\r\n:1\r\n');
  });

  test('intset members answer in ascending order', () => {
    r('SADD', 's', '10', '-5', '3', '9223372036854775807', '-9223372036854775808');
    expect(r('SMEMBERS', 's')).toBe(arr('-9223372036854775808', '-5', '3', '10', '9223372036854775807'));
    expect(db.get('s')!.constructor).toBe(RSet);
  });

  test('writes notify only when something changed; TTL is kept', () => {
    r('SADD', 's', 'a');
    expect(modified).toEqual(['s']);
    db.setExpire('s', Date.now() + 100000);
    modified = [];
    r('SADD', 's', 'a');
    r('SREM', 's', 'zz');
    r('SREM', 'nokey', 'zz');
    expect(modified).toEqual([]);
    r('SADD', 's', 'b');
    r('SREM', 's', 'b');
    expect(modified).toEqual(['s', 's']);
    expect(db.getExpire('s')).toBeDefined();
  });

  test('wrong type', () => {
    db.set('str', 'x');
    for (const cmd of [
      ['SADD', 'str', 'a'], ['SREM', 'str', 'a'], ['SCARD', 'str'], ['SISMEMBER', 'str', 'a'], ['SMISMEMBER', 'str', 'a'],
      ['SMEMBERS', 'str'], ['SRANDMEMBER', 'str'], ['SRANDMEMBER', 'str', '2'], ['SPOP', 'str'], ['SPOP', 'str', '2'],
      ['SINTER', 'str'], ['SINTERCARD', '1', 'str'], ['SUNION', 'str'], ['SDIFF', 'str'], ['SSCAN', 'str', '0'],
      ['SINTERSTORE', 'd', 'nokey', 'str'], ['SUNIONSTORE', 'd', 'str'], ['SDIFFSTORE', 'd', 'str'],
    ]) {
      expect(r(...cmd)).toBe(WRONGTYPE);
    }
    expect(db.get('str')).toBe('x');
    expect(db.has('d')).toBe(false);
  });
});

describe('SRANDMEMBER', () => {
  test('missing key, counts, errors', () => {
    expect(r('SRANDMEMBER', 'nokey')).toBe(NIL);
    expect(r('SRANDMEMBER', 'nokey', '3')).toBe('*0\r\n');
    expect(r('SRANDMEMBER', 'nokey', 'x')).toBe(NOTINT);
    expect(r('SRANDMEMBER', 's', '1', '2')).toBe(SYNTAX);
    r('SADD', 's', '3', '1', '2');
    expect(r('SRANDMEMBER', 's', '0')).toBe('*0\r\n');
    expect(r('SRANDMEMBER', 's', '3')).toBe(arr('1', '2', '3'));
    expect(r('SRANDMEMBER', 's', '100')).toBe(arr('1', '2', '3'));
    expect(r('SRANDMEMBER', 's', '-9223372036854775808')).toBe(
      '-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n',
    );
    const two = items(r('SRANDMEMBER', 's', '2'));
    expect(two.length).toBe(2);
    expect(new Set(two).size).toBe(2);
    const many = items(r('SRANDMEMBER', 's', '-50'));
    expect(many.length).toBe(50);
    expect(new Set(many)).toEqual(new Set(['1', '2', '3']));
    expect(['1', '2', '3']).toContain(items(r('SRANDMEMBER', 's', '1'))[0]);
  });

  test('a runaway negative count stops at the reply limit and closes the client', () => {
    r('SADD', 's', 'a');
    const saved = randomReplyLimit.bytes;
    let closed = false;
    (c as unknown as { closeAfterReply(): void }).closeAfterReply = () => {
      closed = true;
    };
    randomReplyLimit.bytes = 10000;
    try {
      const rep = r('SRANDMEMBER', 's', '-9223372036854775807');
      expect(rep.startsWith('*9223372036854775807\r\n$1\r\na\r\n')).toBe(true);
      expect(rep.length).toBeGreaterThan(10000);
      expect(rep.length).toBeLessThan(20000);
      expect(closed).toBe(true);
    } finally {
      randomReplyLimit.bytes = saved;
    }
  });

  test('RESP3 replies are arrays', () => {
    c = makeClient(db, 3);
    r('SADD', 's', 'a');
    expect(r('SRANDMEMBER', 's', '5')).toBe(arr('a'));
    expect(r('SRANDMEMBER', 'nokey')).toBe('_\r\n');
  });
});

describe('SPOP', () => {
  test('without count', () => {
    expect(r('SPOP', 'nokey')).toBe(NIL);
    r('SADD', 's', 'a', 'b');
    const m = items(r('SPOP', 's'))[0] ?? r('SPOP', 's');
    expect(['a', 'b']).toContain(r('SMEMBERS', 's') === arr('a') ? 'b' : 'a');
    expect(m).toBeDefined();
    r('SPOP', 's');
    expect(db.has('s')).toBe(false);
  });

  test('with count', () => {
    expect(r('SPOP', 'nokey', '2')).toBe('*0\r\n');
    expect(r('SPOP', 'nokey', '-1')).toBe(POSITIVE);
    expect(r('SPOP', 'nokey', 'x')).toBe(POSITIVE);
    expect(r('SPOP', 'k', '1', '2')).toBe(SYNTAX);
    r('SADD', 's', '3', '1', '2');
    expect(r('SPOP', 's', '0')).toBe('*0\r\n');
    expect(r('SPOP', 's', '10')).toBe(arr('1', '2', '3'));
    expect(db.has('s')).toBe(false);
    for (let i = 0; i < 20; i++) r('SADD', 't', 'm' + i);
    const a = items(r('SPOP', 't', '5')); // removes from the set
    const b = items(r('SPOP', 't', '14')); // rebuilds from what remains
    expect(new Set([...a, ...b]).size).toBe(19);
    expect(r('SCARD', 't')).toBe(ONE);
  });

  test('RESP3 replies are sets', () => {
    c = makeClient(db, 3);
    expect(r('SPOP', 'nokey', '2')).toBe('~0\r\n');
    r('SADD', 's', '1', '2', '3');
    expect(r('SPOP', 's', '3')).toBe(set3('1', '2', '3'));
    r('SADD', 's', '1', '2', '3');
    expect(r('SPOP', 's', '1').startsWith('~1\r\n')).toBe(true);
  });

  test('most of a hashtable of integers popped leaves an intset', () => {
    for (let i = 0; i < 600; i++) r('SADD', 's', String(i));
    expect((db.get('s') as RSet).encoding()).toBe('hashtable');
    r('SPOP', 's', '10'); // case 2: stays
    expect((db.get('s') as RSet).encoding()).toBe('hashtable');
    r('SPOP', 's', '580'); // case 3: rebuilt
    expect((db.get('s') as RSet).encoding()).toBe('intset');
  });
});

describe('propagation', () => {
  test('SPOP is logged as SREM of what it popped, or DEL when it took everything', () => {
    const logged: string[][] = [];
    const saved = keyspaceHooks.rewriteArgv;
    keyspaceHooks.rewriteArgv = (_c, argv) => logged.push(argv);
    try {
      r('SADD', 's', 'a', 'b', 'c', 'd');
      const one = r('SPOP', 's');
      const two = items(r('SPOP', 's', '2'));
      r('SPOP', 's', '5');
      r('SPOP', 'nokey');
      expect(logged[0]).toEqual(['SREM', 's', one.split('\r\n')[1]]);
      expect(logged[1]).toEqual(['SREM', 's', ...two]);
      expect(logged[2]).toEqual(['DEL', 's']);
      expect(logged.length).toBe(3);
    } finally {
      keyspaceHooks.rewriteArgv = saved;
    }
  });
});

describe('SMOVE', () => {
  test('moves, creates, deletes', () => {
    r('SADD', 'src', 'a', 'b');
    expect(r('SMOVE', 'src', 'dst', 'a')).toBe(ONE);
    expect(r('SMOVE', 'src', 'dst', 'a')).toBe(ZERO);
    expect(r('SMEMBERS', 'dst')).toBe(arr('a'));
    expect(r('SMOVE', 'src', 'src', 'b')).toBe(ONE);
    expect(r('SMOVE', 'src', 'src', 'z')).toBe(ZERO);
    expect(r('SMOVE', 'src', 'dst', 'b')).toBe(ONE);
    expect(db.has('src')).toBe(false);
    expect(r('SMOVE', 'nokey', 'dst', 'a')).toBe(ZERO);
    db.set('str', 'x');
    expect(r('SMOVE', 'nokey', 'str', 'a')).toBe(ZERO);
    expect(r('SMOVE', 'dst', 'str', 'a')).toBe(WRONGTYPE);
    expect(r('SMOVE', 'str', 'dst', 'a')).toBe(WRONGTYPE);
  });

  test('the new destination takes the encoding of the member', () => {
    r('SADD', 'src', '1', 'x');
    r('SMOVE', 'src', 'i', '1');
    r('SMOVE', 'src', 'h', 'x');
    expect((db.get('i') as RSet).encoding()).toBe('intset');
    expect((db.get('h') as RSet).encoding()).toBe('hashtable');
  });
});

describe('SINTER / SINTERCARD / SINTERSTORE', () => {
  beforeEach(() => {
    r('SADD', 'a', '1', '2', '3', '4');
    r('SADD', 'b', '2', '3', '4', '5', '6');
    r('SADD', 'x', 'p', '3');
  });

  test('replies', () => {
    expect(r('SINTER', 'a', 'b')).toBe(arr('2', '3', '4'));
    expect(r('SINTER', 'a', 'nokey')).toBe('*0\r\n');
    expect(r('SINTER', 'a', 'a')).toBe(arr('1', '2', '3', '4'));
    expect(r('SINTER', 'x', 'a')).toBe(arr('3'));
    expect(r('SINTERCARD', '2', 'a', 'b')).toBe(int(3));
    expect(r('SINTERCARD', '2', 'a', 'b', 'LIMIT', '2')).toBe(int(2));
    expect(r('SINTERCARD', '2', 'a', 'b', 'LIMIT', '0')).toBe(int(3));
    expect(r('SINTERCARD', '2', 'a', 'nokey')).toBe(ZERO);
  });

  test('SINTERCARD errors', () => {
    expect(r('SINTERCARD', '0', 'a')).toBe('-ERR numkeys should be greater than 0\r\n');
    expect(r('SINTERCARD', 'x', 'a')).toBe('-ERR numkeys should be greater than 0\r\n');
    expect(r('SINTERCARD', '3', 'a', 'b')).toBe("-ERR Number of keys can't be greater than number of args\r\n");
    expect(r('SINTERCARD', '1', 'a', 'LIMIT', '-1')).toBe("-ERR LIMIT can't be negative\r\n");
    expect(r('SINTERCARD', '1', 'a', 'LIMIT', 'x')).toBe("-ERR LIMIT can't be negative\r\n");
    expect(r('SINTERCARD', '1', 'a', 'LIMIT')).toBe(SYNTAX);
    expect(r('SINTERCARD', '1', 'a', 'BAD', '1')).toBe(SYNTAX);
  });

  test('SINTERSTORE overwrites, clears the TTL, deletes on an empty result', () => {
    db.set('out', 'string');
    db.setExpire('out', Date.now() + 100000);
    expect(r('SINTERSTORE', 'out', 'a', 'b')).toBe(int(3));
    expect(db.getExpire('out')).toBeUndefined();
    expect(r('SMEMBERS', 'out')).toBe(arr('2', '3', '4'));
    expect((db.get('out') as RSet).encoding()).toBe('intset');
    expect(r('SINTERSTORE', 'out', 'a', 'nokey')).toBe(ZERO);
    expect(db.has('out')).toBe(false);
    db.set('out', 'string');
    expect(r('SINTERSTORE', 'out', 'a', 'x', 'b')).toBe(int(1));
    expect(r('SINTERSTORE', 'out', 'x', 'b')).toBe(int(1));
    r('SADD', 'q', 'zzz');
    expect(r('SINTERSTORE', 'out', 'q', 'a')).toBe(ZERO);
    expect(db.has('out')).toBe(false);
  });

  test('RESP3', () => {
    c = makeClient(db, 3);
    expect(r('SINTER', 'a', 'b')).toBe(set3('2', '3', '4'));
    expect(r('SINTER', 'a', 'nokey')).toBe('~0\r\n');
  });
});

describe('SUNION / SDIFF (+STORE)', () => {
  beforeEach(() => {
    r('SADD', 'a', '1', '2', '3', '4');
    r('SADD', 'b', '3', '4', '5');
    r('SADD', 'x', 'p', '3');
  });

  test('replies', () => {
    expect(r('SUNION', 'a', 'b')).toBe(arr('1', '2', '3', '4', '5'));
    expect(r('SUNION', 'nokey')).toBe('*0\r\n');
    expect(r('SDIFF', 'a', 'b')).toBe(arr('1', '2'));
    expect(r('SDIFF', 'a', 'nokey', 'x')).toBe(arr('1', '2', '4'));
    expect(r('SDIFF', 'nokey', 'a')).toBe('*0\r\n');
    expect(r('SDIFF', 'a', 'a')).toBe('*0\r\n');
    expect(r('SDIFF', 'b', 'x', 'b')).toBe('*0\r\n');
    expect(items(r('SUNION', 'a', 'x')).sort()).toEqual(['1', '2', '3', '4', 'p']);
  });

  test('stores', () => {
    expect(r('SUNIONSTORE', 'u', 'a', 'x')).toBe(int(5));
    expect((db.get('u') as RSet).encoding()).toBe('hashtable');
    expect(r('SUNIONSTORE', 'u', 'a')).toBe(int(4));
    expect((db.get('u') as RSet).encoding()).toBe('intset');
    expect(r('SUNIONSTORE', 'u', 'nokey')).toBe(ZERO);
    expect(db.has('u')).toBe(false);
    expect(r('SDIFFSTORE', 'd', 'a', 'b')).toBe(int(2));
    expect(r('SMEMBERS', 'd')).toBe(arr('1', '2'));
    expect(r('SDIFFSTORE', 'd', 'a', 'a')).toBe(ZERO);
    expect(db.has('d')).toBe(false);
    expect(r('SDIFFSTORE', 'a', 'a', 'b')).toBe(int(2));
    expect(r('SMEMBERS', 'a')).toBe(arr('1', '2'));
  });

  test('SDIFF with much to subtract (algorithm 2) keeps the encoding of the copied first set', () => {
    for (let i = 0; i < 600; i++) r('SADD', 'big', String(i));
    for (let i = 10; i < 600; i++) r('SADD', 'big2', String(i));
    expect(r('SDIFFSTORE', 'd1', 'big', 'big2')).toBe(int(10)); // algorithm 1: 600 <= 600 + 590
    expect((db.get('d1') as RSet).encoding()).toBe('intset');
    r('SADD', 'x1', 'x');
    r('SADD', 'y1', 'y');
    expect(r('SDIFFSTORE', 'd', 'big', 'big2', 'x1', 'y1')).toBe(int(10)); // 600 * 4 / 2 > 600 + 590 + 2
    expect((db.get('d') as RSet).encoding()).toBe('hashtable');
    r('SADD', 'tiny', '0');
    r('SDIFFSTORE', 'd2', 'tiny', 'big2'); // algorithm 1
    expect((db.get('d2') as RSet).encoding()).toBe('intset');
  });
});

describe('SSCAN', () => {
  test('intset: everything in one call, ascending, cursor 0', () => {
    r('SADD', 's', '3', '1', '2');
    expect(r('SSCAN', 's', '0')).toBe('*2\r\n$1\r\n0\r\n' + arr('1', '2', '3'));
    expect(r('SSCAN', 's', '99', 'COUNT', '1')).toBe('*2\r\n$1\r\n0\r\n' + arr('1', '2', '3'));
    expect(r('SSCAN', 's', '0', 'MATCH', '[12]')).toBe('*2\r\n$1\r\n0\r\n' + arr('1', '2'));
  });

  test('errors and the missing key', () => {
    expect(r('SSCAN', 'nokey', '0')).toBe('*2\r\n$1\r\n0\r\n*0\r\n');
    expect(r('SSCAN', 'nokey', '0', 'BAD')).toBe('*2\r\n$1\r\n0\r\n*0\r\n');
    expect(r('SSCAN', 'nokey', 'x')).toBe('-ERR invalid cursor\r\n');
    r('SADD', 's', 'a');
    expect(r('SSCAN', 's', '0', 'COUNT', '0')).toBe(SYNTAX);
    expect(r('SSCAN', 's', '0', 'COUNT', 'x')).toBe(NOTINT);
    expect(r('SSCAN', 's', '0', 'TYPE', 'set')).toBe(SYNTAX);
    expect(r('SSCAN', 's', '0', 'MATCH')).toBe(SYNTAX);
  });

  test('hashtable: a full iteration returns every member', () => {
    for (let i = 0; i < 1000; i++) r('SADD', 's', 'm' + i);
    const seen = new Set<string>();
    let cursor = '0';
    let calls = 0;
    do {
      const rep = r('SSCAN', 's', cursor, 'COUNT', '37');
      const lines = rep.split('\r\n');
      cursor = lines[2];
      for (let i = 5; i < lines.length - 1; i += 2) seen.add(lines[i]);
      calls++;
    } while (cursor !== '0' && calls < 1000);
    expect(cursor).toBe('0');
    expect(seen.size).toBe(1000);
    expect(calls).toBeGreaterThan(20);
  });
});

describe('config thresholds', () => {
  test('set-max-intset-entries is read live', () => {
    configSetValue('set-max-intset-entries', '2');
    expect(config['set-max-intset-entries']).toBe(2);
    r('SADD', 's', '1', '2');
    expect((db.get('s') as RSet).encoding()).toBe('intset');
    r('SADD', 's', '3');
    expect((db.get('s') as RSet).encoding()).toBe('hashtable');
  });
});

// String-family handlers driven directly with a fake client. Expected replies are the exact bytes
// redis-server 7.0.15 sends (checked with redis-cli and a byte-for-byte differential run).
import type { Client } from '../../src/server/context';
import { Db, setKeyspaceListener, KeyspaceListener } from '../../src/keyspace/db';
import { commands } from '../../src/handlers/string';
import { setMaxBulkLen, maxBulkLen, encodeValue } from '../../src/handlers/string/util';
import { parseLL } from '../../src/util/strconv';
import { parseLongDouble, formatLongDouble, addLongDouble } from '../../src/handlers/string/longdouble';
import { makeClient, run } from '../helpers/fakeClient';

let db: Db;
let c: Client;

/** Runs a command and returns the raw reply bytes as a latin1 string. */
function r(...argv: (string | number)[]): string {
  return run(commands, c, argv);
}

const OK = '+OK\r\n';
const NIL = '$-1\r\n';
const EMPTY = '$0\r\n\r\n';
const ZERO = ':0\r\n';
const ONE = ':1\r\n';
const SYNTAX = '-ERR syntax error\r\n';
const NOTINT = '-ERR value is not an integer or out of range\r\n';
const NOTFLOAT = '-ERR value is not a valid float\r\n';
const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n';
const TOOBIG = '-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n';
const bulk = (s: string) => '$' + s.length + '\r\n' + s + '\r\n';
const int = (n: number | string) => ':' + n + '\r\n';
const invalidExpire = (cmd: string) => `-ERR invalid expire time in '${cmd}' command\r\n`;

/** A non-string value (any object with a type is WRONGTYPE for these commands). */
function putList(key: string): void {
  db.set(key, { type: 'list', encoding: () => 'quicklist' });
}

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
  setMaxBulkLen(512 * 1024 * 1024);
  setKeyspaceListener({ modified() {}, expired() {} });
});

describe('command table', () => {
  test('exports every string command in lower case', () => {
    expect(Object.keys(commands).sort()).toEqual(
      [
        'append', 'bitcount', 'bitop', 'bitpos', 'decr', 'decrby', 'get', 'getbit', 'getdel', 'getex',
        'getrange', 'getset', 'incr', 'incrby', 'incrbyfloat', 'lcs', 'mget', 'mset', 'msetnx', 'psetex',
        'set', 'setbit', 'setex', 'setnx', 'setrange', 'strlen', 'substr',
      ].sort(),
    );
  });
});

describe('value encoding', () => {
  test('parseLL follows string2ll', () => {
    expect(parseLL('0')).toBe(0);
    expect(parseLL('-1')).toBe(-1);
    expect(parseLL('9007199254740991')).toBe(9007199254740991);
    expect(parseLL('9007199254740992')).toBe(9007199254740992n);
    expect(parseLL('9223372036854775807')).toBe(9223372036854775807n);
    expect(parseLL('-9223372036854775808')).toBe(-9223372036854775808n);
    for (const bad of ['', '-', '-0', '+1', ' 1', '1 ', '01', '00', '1.0', '9223372036854775808', '-9223372036854775809', '18446744073709551616', '123456789012345678901', 'a', '1\0']) {
      expect(parseLL(bad)).toBeNull();
    }
  });
  test('SET stores canonical safe integers as numbers, everything else as strings', () => {
    expect(encodeValue('12')).toBe(12);
    expect(encodeValue('-12')).toBe(-12);
    expect(encodeValue('0')).toBe(0);
    for (const s of ['012', '-0', '+1', ' 1', '1.0', '', 'abc', '9007199254740992', '9223372036854775807']) {
      expect(encodeValue(s)).toBe(s);
    }
    r('set', 'a', '12');
    expect(db.dict.get('a')).toBe(12);
    r('set', 'a', '012');
    expect(db.dict.get('a')).toBe('012');
    expect(r('get', 'a')).toBe(bulk('012'));
  });
});

describe('GET / SET', () => {
  test('GET missing, string, int, binary, wrong type', () => {
    expect(r('get', 'k')).toBe(NIL);
    expect(r('set', 'k', 'hello')).toBe(OK);
    expect(r('get', 'k')).toBe(bulk('hello'));
    expect(r('set', 'n', '-42')).toBe(OK);
    expect(r('get', 'n')).toBe(bulk('-42'));
    const bin = '\x00\xff\r\n\x80abc';
    r('set', 'b', bin);
    expect(r('get', 'b')).toBe(bulk(bin));
    putList('l');
    expect(r('get', 'l')).toBe(WRONGTYPE);
  });

  test('GET missing in RESP3 is _', () => {
    c = makeClient(db, 3);
    expect(r('get', 'nokey')).toBe('_\r\n');
  });

  test('SET overwrites any type and clears the TTL', () => {
    putList('l');
    expect(r('set', 'l', 'v')).toBe(OK);
    expect(r('get', 'l')).toBe(bulk('v'));
    r('set', 'k', 'v', 'ex', 100);
    expect(db.getExpire('k')).toBeDefined();
    r('set', 'k', 'w');
    expect(db.getExpire('k')).toBeUndefined();
  });

  test('NX / XX', () => {
    expect(r('set', 'k', 'v', 'nx')).toBe(OK);
    expect(r('set', 'k', 'w', 'NX')).toBe(NIL);
    expect(r('get', 'k')).toBe(bulk('v'));
    expect(r('set', 'k', 'w', 'xx')).toBe(OK);
    expect(r('get', 'k')).toBe(bulk('w'));
    expect(r('set', 'other', 'w', 'Xx')).toBe(NIL);
    expect(db.has('other')).toBe(false);
    expect(r('set', 'k', 'v', 'nx', 'nx')).toBe(NIL); // repeating an option is allowed
  });

  test('NX/XX abort reply in RESP3 is _', () => {
    c = makeClient(db, 3);
    r('set', 'k', 'v');
    expect(r('set', 'k', 'v', 'nx')).toBe('_\r\n');
  });

  test('GET option', () => {
    expect(r('set', 'k', 'v1', 'get')).toBe(NIL);
    expect(r('set', 'k', 'v2', 'GET')).toBe(bulk('v1'));
    expect(r('get', 'k')).toBe(bulk('v2'));
    r('set', 'n', '5');
    expect(r('set', 'n', 'x', 'get')).toBe(bulk('5'));
    // with NX: old value replied, nothing set
    expect(r('set', 'k', 'v3', 'nx', 'get')).toBe(bulk('v2'));
    expect(r('get', 'k')).toBe(bulk('v2'));
    expect(r('set', 'new', 'v', 'nx', 'get')).toBe(NIL);
    expect(r('get', 'new')).toBe(bulk('v'));
    // with XX on a missing key: nil, nothing set
    expect(r('set', 'missing', 'v', 'xx', 'get')).toBe(NIL);
    expect(db.has('missing')).toBe(false);
    // wrong type: error, value untouched
    putList('l');
    expect(r('set', 'l', 'v', 'get')).toBe(WRONGTYPE);
    expect(typeof db.dict.get('l')).toBe('object');
  });

  test('expire options', () => {
    const now = Date.now();
    r('set', 'a', 'v', 'ex', 100);
    expect(db.getExpire('a')! - now).toBeGreaterThanOrEqual(100000);
    expect(db.getExpire('a')! - now).toBeLessThan(101000);
    r('set', 'b', 'v', 'px', 1500);
    expect(db.getExpire('b')! - now).toBeGreaterThanOrEqual(1500);
    expect(db.getExpire('b')! - now).toBeLessThan(2500);
    r('set', 'c', 'v', 'exat', 4000000000);
    expect(db.getExpire('c')).toBe(4000000000000);
    r('set', 'd', 'v', 'pxat', 4000000000123);
    expect(db.getExpire('d')).toBe(4000000000123);
    r('set', 'e', 'v', 'ex', 10, 'ex', 20); // the last one wins
    expect(db.getExpire('e')! - now).toBeGreaterThanOrEqual(20000);
    expect(r('set', 'f', 'v', 'exat', '9223372036854775')).toBe(OK); // no overflow for absolute times
    expect(r('set', 'f', 'v', 'pxat', '9223372036854775807')).toBe(OK);
  });

  test('KEEPTTL', () => {
    r('set', 'k', 'v', 'pxat', 4000000000000);
    expect(r('set', 'k', 'w', 'keepttl')).toBe(OK);
    expect(db.getExpire('k')).toBe(4000000000000);
    expect(r('get', 'k')).toBe(bulk('w'));
  });

  test('an absolute time in the past: OK, then the key is gone', () => {
    expect(r('set', 'k', 'v', 'pxat', 1)).toBe(OK);
    expect(r('get', 'k')).toBe(NIL);
    expect(r('set', 'k', 'v', 'exat', 1)).toBe(OK);
    expect(db.has('k')).toBe(false);
  });

  test('option conflicts and unknown options are syntax errors', () => {
    for (const opts of [
      ['nx', 'xx'], ['xx', 'nx'], ['ex', '10', 'px', '10'], ['px', '10', 'ex', '10'], ['ex', '10', 'exat', '10'],
      ['pxat', '10', 'px', '10'], ['exat', '10', 'pxat', '10'], ['keepttl', 'ex', '10'], ['ex', '10', 'keepttl'],
      ['px', '10', 'keepttl'], ['persist'], ['ex'], ['px'], ['exat'], ['pxat'], ['foo'], ['nx', 'bar'], ['ex', '10', 'foo'],
      ['nxx'], ['e'],
    ]) {
      expect([opts, r('set', 'k', 'v', ...opts)]).toEqual([opts, SYNTAX]);
    }
    expect(db.has('k')).toBe(false);
  });

  test('options are matched like C strings (case-insensitive, cut at NUL)', () => {
    expect(r('set', 'k', 'v', 'nX\0junk')).toBe(OK);
    expect(r('set', 'k', 'v', 'Nx\0')).toBe(NIL);
    expect(r('set', 'k', 'v', 'kEePtTl')).toBe(OK);
  });

  test('invalid expire values', () => {
    for (const [opt, val] of [
      ['ex', '0'], ['ex', '-1'], ['px', '0'], ['px', '-100'], ['exat', '0'], ['pxat', '0'], ['pxat', '-1'],
      ['ex', '9223372036854775'], ['ex', '9223372036854774'], ['ex', '9223372036854775807'],
      ['px', '9223372036854775807'], ['px', '9223372036854775000'], ['exat', '9223372036854776'],
    ]) {
      expect([opt, val, r('set', 'k', 'v', opt, val)]).toEqual([opt, val, invalidExpire('set')]);
    }
    for (const val of ['abc', '1.5', '', ' 1', '+1', '9223372036854775808']) {
      expect(r('set', 'k', 'v', 'ex', val)).toBe(NOTINT);
    }
    expect(r('set', 'k', 'v', 'ex', '9223372036854')).toBe(OK);
  });

  test('the expire is validated before GET looks at the type', () => {
    putList('l');
    expect(r('set', 'l', 'v', 'get', 'ex', '0')).toBe(invalidExpire('set'));
    expect(r('set', 'l', 'v', 'get', 'ex', '10')).toBe(WRONGTYPE);
  });

  test('a syntax error wins over an invalid expire', () => {
    expect(r('set', 'k', 'v', 'ex', '0', 'nx', 'xx')).toBe(SYNTAX);
  });
});

describe('SETNX / SETEX / PSETEX / GETSET / GETDEL', () => {
  test('SETNX', () => {
    expect(r('setnx', 'k', 'v')).toBe(ONE);
    expect(r('setnx', 'k', 'w')).toBe(ZERO);
    expect(r('get', 'k')).toBe(bulk('v'));
    putList('l');
    expect(r('setnx', 'l', 'w')).toBe(ZERO);
  });

  test('SETEX / PSETEX', () => {
    const now = Date.now();
    expect(r('setex', 'k', 10, 'v')).toBe(OK);
    expect(r('get', 'k')).toBe(bulk('v'));
    expect(db.getExpire('k')! - now).toBeGreaterThanOrEqual(10000);
    expect(r('psetex', 'p', 2500, 'v')).toBe(OK);
    expect(db.getExpire('p')! - now).toBeGreaterThanOrEqual(2500);
    expect(db.getExpire('p')! - now).toBeLessThan(3500);
    expect(r('setex', 'k', 0, 'v')).toBe(invalidExpire('setex'));
    expect(r('setex', 'k', -5, 'v')).toBe(invalidExpire('setex'));
    expect(r('setex', 'k', '9223372036854775', 'v')).toBe(invalidExpire('setex'));
    expect(r('psetex', 'k', 0, 'v')).toBe(invalidExpire('psetex'));
    expect(r('psetex', 'k', '9223372036854775807', 'v')).toBe(invalidExpire('psetex'));
    expect(r('setex', 'k', 'x', 'v')).toBe(NOTINT);
    expect(r('psetex', 'k', '1.5', 'v')).toBe(NOTINT);
    putList('l');
    expect(r('setex', 'l', 10, 'v')).toBe(OK); // SETEX overwrites any type
  });

  test('GETSET', () => {
    expect(r('getset', 'k', 'v')).toBe(NIL);
    db.setExpire('k', Date.now() + 100000);
    expect(r('getset', 'k', '7')).toBe(bulk('v'));
    expect(db.getExpire('k')).toBeUndefined(); // TTL dropped
    expect(db.dict.get('k')).toBe(7);
    putList('l');
    expect(r('getset', 'l', 'v')).toBe(WRONGTYPE);
    expect(typeof db.dict.get('l')).toBe('object');
  });

  test('GETDEL', () => {
    expect(r('getdel', 'k')).toBe(NIL);
    r('set', 'k', 'v');
    expect(r('getdel', 'k')).toBe(bulk('v'));
    expect(db.has('k')).toBe(false);
    r('set', 'n', '10');
    expect(r('getdel', 'n')).toBe(bulk('10'));
    putList('l');
    expect(r('getdel', 'l')).toBe(WRONGTYPE);
    expect(db.has('l')).toBe(true);
  });
});

describe('GETEX', () => {
  test('without options it is GET and leaves the TTL alone', () => {
    r('set', 'k', 'v', 'pxat', 4000000000000);
    modified = [];
    expect(r('getex', 'k')).toBe(bulk('v'));
    expect(db.getExpire('k')).toBe(4000000000000);
    expect(modified).toEqual([]);
    expect(r('getex', 'missing')).toBe(NIL);
  });

  test('EX / PX / EXAT / PXAT / PERSIST', () => {
    const now = Date.now();
    r('set', 'k', '12');
    expect(r('getex', 'k', 'ex', 100)).toBe(bulk('12'));
    expect(db.getExpire('k')! - now).toBeGreaterThanOrEqual(100000);
    expect(r('getex', 'k', 'PX', 5000)).toBe(bulk('12'));
    expect(db.getExpire('k')! - now).toBeLessThan(6000);
    expect(r('getex', 'k', 'exat', 4000000000)).toBe(bulk('12'));
    expect(db.getExpire('k')).toBe(4000000000000);
    expect(r('getex', 'k', 'pxat', 4000000000001)).toBe(bulk('12'));
    expect(db.getExpire('k')).toBe(4000000000001);
    expect(r('getex', 'k', 'persist')).toBe(bulk('12'));
    expect(db.getExpire('k')).toBeUndefined();
    modified = [];
    expect(r('getex', 'k', 'persist')).toBe(bulk('12')); // no TTL: nothing changes
    expect(modified).toEqual([]);
  });

  test('an absolute time in the past deletes the key after replying its value', () => {
    r('set', 'k', 'v');
    expect(r('getex', 'k', 'pxat', 1)).toBe(bulk('v'));
    expect(db.dict.has('k')).toBe(false);
    r('set', 'k', 'v');
    expect(r('getex', 'k', 'exat', 1)).toBe(bulk('v'));
    expect(db.dict.has('k')).toBe(false);
  });

  test('errors and their order', () => {
    r('set', 'k', 'v');
    for (const opts of [['nx'], ['xx'], ['get'], ['keepttl'], ['persist', 'ex', '1'], ['ex', '1', 'persist'], ['ex', '1', 'px', '1'], ['ex'], ['foo']]) {
      expect([opts, r('getex', 'k', ...opts)]).toEqual([opts, SYNTAX]);
    }
    expect(r('getex', 'k', 'ex', 0)).toBe(invalidExpire('getex'));
    expect(r('getex', 'k', 'ex', 'x')).toBe(NOTINT);
    expect(r('getex', 'k', 'px', '9223372036854775807')).toBe(invalidExpire('getex'));
    // the key is looked up before the expire is validated
    expect(r('getex', 'missing', 'ex', -1)).toBe(NIL);
    putList('l');
    expect(r('getex', 'l', 'ex', -1)).toBe(WRONGTYPE);
    expect(r('getex', 'l', 'foo')).toBe(SYNTAX);
  });
});

describe('MGET / MSET / MSETNX', () => {
  test('MGET', () => {
    r('set', 'a', 'x');
    r('set', 'b', '5');
    putList('l');
    expect(r('mget', 'a', 'b', 'l', 'missing', 'a')).toBe('*5\r\n' + bulk('x') + bulk('5') + NIL + NIL + bulk('x'));
    c = makeClient(db, 3);
    expect(r('mget', 'missing')).toBe('*1\r\n_\r\n');
  });

  test('MSET', () => {
    r('set', 'a', 'old', 'ex', 100);
    putList('l');
    expect(r('mset', 'a', '1', 'b', 'two', 'l', 'three', 'a', 'last')).toBe(OK);
    expect(r('mget', 'a', 'b', 'l')).toBe('*3\r\n' + bulk('last') + bulk('two') + bulk('three'));
    expect(db.getExpire('a')).toBeUndefined();
    expect(r('mset', 'a', 'b', 'c')).toBe("-ERR wrong number of arguments for 'mset' command\r\n");
  });

  test('MSETNX', () => {
    expect(r('msetnx', 'a', '1', 'b', '2')).toBe(ONE);
    expect(r('msetnx', 'c', '3', 'a', 'x')).toBe(ZERO);
    expect(db.has('c')).toBe(false);
    expect(r('get', 'a')).toBe(bulk('1'));
    expect(r('msetnx', 'd', '1', 'd', '2')).toBe(ONE); // duplicates: the last one wins
    expect(r('get', 'd')).toBe(bulk('2'));
    putList('l');
    expect(r('msetnx', 'l', 'v')).toBe(ZERO);
    expect(r('msetnx', 'a', 'b', 'c')).toBe("-ERR wrong number of arguments for 'msetnx' command\r\n");
  });
});

describe('APPEND / STRLEN', () => {
  test('APPEND', () => {
    expect(r('append', 'k', 'Hello')).toBe(int(5));
    expect(r('append', 'k', ' World')).toBe(int(11));
    expect(r('get', 'k')).toBe(bulk('Hello World'));
    expect(r('append', 'n', '12')).toBe(int(2));
    expect(db.dict.get('n')).toBe(12); // a new key gets the int encoding
    expect(r('append', 'n', '3')).toBe(int(3));
    expect(db.dict.get('n')).toBe('123'); // an appended value is raw
    expect(r('append', 'n', '')).toBe(int(3));
    putList('l');
    expect(r('append', 'l', 'x')).toBe(WRONGTYPE);
  });

  test('APPEND keeps the TTL and honours proto-max-bulk-len', () => {
    r('set', 'k', 'abc', 'pxat', 4000000000000);
    r('append', 'k', 'd');
    expect(db.getExpire('k')).toBe(4000000000000);
    setMaxBulkLen(6);
    expect(r('append', 'k', 'ef')).toBe(int(6));
    expect(r('append', 'k', 'g')).toBe(TOOBIG);
    expect(r('append', 'new', 'abcdefgh')).toBe(int(8)); // a new key is not checked
    expect(maxBulkLen).toBe(6);
  });

  test('STRLEN', () => {
    expect(r('strlen', 'missing')).toBe(ZERO);
    r('set', 'k', 'hello');
    expect(r('strlen', 'k')).toBe(int(5));
    r('set', 'n', '-12345');
    expect(r('strlen', 'n')).toBe(int(6));
    r('set', 'z', '0');
    expect(r('strlen', 'z')).toBe(int(1));
    r('set', 'e', '');
    expect(r('strlen', 'e')).toBe(ZERO);
    putList('l');
    expect(r('strlen', 'l')).toBe(WRONGTYPE);
  });
});

describe('GETRANGE / SETRANGE', () => {
  test('GETRANGE', () => {
    r('set', 'k', 'This is a string');
    expect(r('getrange', 'k', 0, 3)).toBe(bulk('This'));
    expect(r('getrange', 'k', -3, -1)).toBe(bulk('ing'));
    expect(r('getrange', 'k', 0, -1)).toBe(bulk('This is a string'));
    expect(r('getrange', 'k', 10, 100)).toBe(bulk('string'));
    expect(r('getrange', 'k', 5, 3)).toBe(EMPTY);
    expect(r('getrange', 'k', -1, -5)).toBe(EMPTY);
    expect(r('getrange', 'k', -100, -99)).toBe(bulk('T'));
    expect(r('getrange', 'k', 100, 200)).toBe(EMPTY);
    expect(r('getrange', 'k', '-9223372036854775808', '-9223372036854775807')).toBe(bulk('T'));
    expect(r('getrange', 'k', '-9007199254740992', '-9007199254740993')).toBe(EMPTY);
    expect(r('getrange', 'k', '0', '9223372036854775807')).toBe(bulk('This is a string'));
    r('set', 'n', '-1234');
    expect(r('getrange', 'n', 1, 2)).toBe(bulk('12'));
    r('set', 'e', '');
    expect(r('getrange', 'e', 0, -1)).toBe(EMPTY);
    expect(r('getrange', 'missing', 0, -1)).toBe(EMPTY);
  });

  test('GETRANGE errors: arguments are parsed before the key is looked up', () => {
    putList('l');
    expect(r('getrange', 'l', 'a', 1)).toBe(NOTINT);
    expect(r('getrange', 'l', 0, '1.5')).toBe(NOTINT);
    expect(r('getrange', 'missing', 0, '9223372036854775808')).toBe(NOTINT);
    expect(r('getrange', 'l', 0, 1)).toBe(WRONGTYPE);
  });

  test('SETRANGE', () => {
    r('set', 'k', 'Hello World');
    expect(r('setrange', 'k', 6, 'Redis')).toBe(int(11));
    expect(r('get', 'k')).toBe(bulk('Hello Redis'));
    expect(r('setrange', 'k', 9, 'xyz')).toBe(int(12));
    expect(r('get', 'k')).toBe(bulk('Hello Redxyz'));
    expect(r('setrange', 'k', 14, '!')).toBe(int(15));
    expect(r('get', 'k')).toBe(bulk('Hello Redxyz\0\0!'));
    expect(r('setrange', 'k', 0, 'J')).toBe(int(15));
    expect(r('getrange', 'k', 0, 4)).toBe(bulk('Jello'));
    expect(r('setrange', 'new', 3, 'ab')).toBe(int(5));
    expect(r('get', 'new')).toBe(bulk('\0\0\0ab'));
    r('set', 'n', '1234');
    expect(r('setrange', 'n', 1, '9')).toBe(int(4));
    expect(db.dict.get('n')).toBe('1934'); // raw string now
  });

  test('SETRANGE with an empty value changes nothing', () => {
    expect(r('setrange', 'missing', 5, '')).toBe(ZERO);
    expect(db.has('missing')).toBe(false);
    r('set', 'k', 'abc');
    modified = [];
    expect(r('setrange', 'k', 100, '')).toBe(int(3));
    expect(modified).toEqual([]);
    r('set', 'n', '-77');
    expect(r('setrange', 'n', 0, '')).toBe(int(3));
  });

  test('SETRANGE errors and limits', () => {
    putList('l');
    expect(r('setrange', 'k', -1, 'x')).toBe('-ERR offset is out of range\r\n');
    expect(r('setrange', 'l', -1, 'x')).toBe('-ERR offset is out of range\r\n');
    expect(r('setrange', 'k', 'x', 'x')).toBe(NOTINT);
    expect(r('setrange', 'l', 0, 'x')).toBe(WRONGTYPE);
    expect(r('setrange', 'k', 536870912, 'x')).toBe(TOOBIG);
    expect(r('setrange', 'k', '9223372036854775807', 'x')).toBe(TOOBIG);
    expect(r('setrange', 'k', 536870912, '')).toBe(ZERO);
    setMaxBulkLen(10);
    expect(r('setrange', 'k', 8, 'ab')).toBe(int(10));
    expect(r('setrange', 'k', 9, 'ab')).toBe(TOOBIG);
  });

  test('SETRANGE keeps the TTL', () => {
    r('set', 'k', 'abc', 'pxat', 4000000000000);
    r('setrange', 'k', 1, 'X');
    expect(db.getExpire('k')).toBe(4000000000000);
  });
});

describe('INCR family', () => {
  test('INCR / DECR / INCRBY / DECRBY', () => {
    expect(r('incr', 'k')).toBe(int(1));
    expect(r('incr', 'k')).toBe(int(2));
    expect(r('decr', 'k')).toBe(int(1));
    expect(r('incrby', 'k', 10)).toBe(int(11));
    expect(r('decrby', 'k', 20)).toBe(int(-9));
    expect(r('decrby', 'k', -9)).toBe(int(0));
    expect(r('incrby', 'k', 0)).toBe(int(0));
    expect(r('decrby', 'k', 0)).toBe(int(0));
    expect(db.dict.get('k')).toBe(0);
    expect(r('decr', 'new')).toBe(int(-1));
    r('set', 's', '100');
    expect(r('incr', 's')).toBe(int(101));
    expect(r('get', 's')).toBe(bulk('101'));
  });

  test('values that string2ll refuses', () => {
    for (const v of ['+1', ' 1', '1 ', '01', '-0', '1.5', '', 'abc', '9223372036854775808', '1e3', '0x10']) {
      r('set', 'k', v);
      expect([v, r('incr', 'k')]).toEqual([v, NOTINT]);
    }
    for (const v of ['+1', ' 1', '01', '-0', '1.5', '', 'x', '9223372036854775808', '-9223372036854775809']) {
      expect([v, r('incrby', 'missing', v)]).toEqual([v, NOTINT]);
      expect([v, r('decrby', 'missing', v)]).toEqual([v, NOTINT]);
    }
    putList('l');
    expect(r('incr', 'l')).toBe(WRONGTYPE);
    expect(r('incrby', 'l', 'x')).toBe(NOTINT); // the increment is parsed first
  });

  test('int64 range, beyond safe integers', () => {
    r('set', 'k', '9007199254740991');
    expect(r('incr', 'k')).toBe(int('9007199254740992'));
    expect(db.dict.get('k')).toBe('9007199254740992');
    expect(r('incr', 'k')).toBe(int('9007199254740993'));
    expect(r('get', 'k')).toBe(bulk('9007199254740993'));
    expect(r('decrby', 'k', 3)).toBe(int('9007199254740990'));
    expect(db.dict.get('k')).toBe(9007199254740990);
    r('set', 'max', '9223372036854775806');
    expect(r('incr', 'max')).toBe(int('9223372036854775807'));
    expect(r('incr', 'max')).toBe('-ERR increment or decrement would overflow\r\n');
    expect(r('get', 'max')).toBe(bulk('9223372036854775807'));
    r('set', 'min', '-9223372036854775807');
    expect(r('decr', 'min')).toBe(int('-9223372036854775808'));
    expect(r('decr', 'min')).toBe('-ERR increment or decrement would overflow\r\n');
    expect(r('incrby', 'min', '9223372036854775807')).toBe(int(-1));
    expect(r('incrby', 'zero', '-9223372036854775808')).toBe(int('-9223372036854775808'));
    expect(r('decrby', 'zero2', '-9223372036854775808')).toBe('-ERR decrement would overflow\r\n');
    expect(r('decrby', 'zero2', '-9223372036854775807')).toBe(int('9223372036854775807'));
    r('set', 'p', '1');
    expect(r('incrby', 'p', '9223372036854775807')).toBe('-ERR increment or decrement would overflow\r\n');
  });

  test('INCR keeps the TTL', () => {
    r('set', 'k', '1', 'pxat', 4000000000000);
    r('incr', 'k');
    expect(db.getExpire('k')).toBe(4000000000000);
  });
});

describe('INCRBYFLOAT', () => {
  test('Redis formatting (%.17Lf, trailing zeros trimmed)', () => {
    r('set', 'k', '10.50');
    expect(r('incrbyfloat', 'k', '0.1')).toBe(bulk('10.6'));
    expect(r('incrbyfloat', 'k', '-5')).toBe(bulk('5.6'));
    r('set', 'k', '5.0e3');
    expect(r('incrbyfloat', 'k', '2.0e2')).toBe(bulk('5200'));
    expect(r('incrbyfloat', 'f', '0.1')).toBe(bulk('0.1'));
    expect(r('incrbyfloat', 'f', '0.2')).toBe(bulk('0.3'));
    expect(r('incrbyfloat', 'g', '3.0')).toBe(bulk('3'));
    expect(db.dict.get('g')).toBe('3'); // stored as a string, never int-encoded
    expect(r('incrbyfloat', 'h', '1e20')).toBe(bulk('100000000000000000000'));
    expect(r('incrbyfloat', 'i', '1e-18')).toBe(bulk('0'));
    expect(r('incrbyfloat', 'j', '-1e-18')).toBe(bulk('0')); // "-0" prints as "0"
    expect(r('incrbyfloat', 'm', '0x1.8p1')).toBe(bulk('3'));
    expect(r('incrbyfloat', 'o', '.5')).toBe(bulk('0.5'));
    expect(r('incrbyfloat', 'q', '5.')).toBe(bulk('5'));
    expect(r('incrbyfloat', 'q', '+1')).toBe(bulk('6'));
    expect(r('incrbyfloat', 'r', '123456789012345678901234567890')).toBe(bulk('123456789012345678899921813504'));
  });

  test('rounding of exact ties is half to even', () => {
    expect(r('incrbyfloat', 'a', '0.000003814697265625')).toBe(bulk('0.00000381469726562'));
    expect(r('incrbyfloat', 'b', '0.000011444091796875')).toBe(bulk('0.00001144409179688'));
  });

  test('64-bit significand rounding: carry into the next power of two, huge numerators', () => {
    expect(r('incrbyfloat', 'a', '18446744073709551615.5')).toBe(bulk('18446744073709551616'));
    expect(r('incrbyfloat', 'b', '18446744073709551614.5')).toBe(bulk('18446744073709551614'));
    expect(r('incrbyfloat', 'c', '7'.repeat(120) + 'e-100')).toBe(bulk('77777777777777777776'));
    expect(r('incrbyfloat', 'd', '0x1.ffffffffffffffff8p0')).toBe(bulk('2'));
  });

  test('int-encoded and big integer values', () => {
    r('set', 'n', '7');
    expect(r('incrbyfloat', 'n', '0.5')).toBe(bulk('7.5'));
    r('set', 'big', '9223372036854775807');
    expect(r('incrbyfloat', 'big', '1')).toBe(bulk('9223372036854775808'));
  });

  test('extremes of the 80-bit long double', () => {
    expect(r('incrbyfloat', 'a', '1e-4940')).toBe(bulk('0')); // subnormal: accepted
    expect(r('incrbyfloat', 'b', '1e-5000')).toBe(NOTFLOAT); // underflows to zero: refused
    expect(r('incrbyfloat', 'c', '1.5e4932')).toBe(NOTFLOAT); // overflow: refused
    expect(r('incrbyfloat', 'd', '0e99999999999999999999')).toBe(bulk('0')); // an exact zero is fine
    const big = r('incrbyfloat', 'e', '1e4932');
    expect(big.startsWith('$4933\r\n1000000000000000000006018949387963891323837774')).toBe(true);
    expect(r('incrbyfloat', 'e', '1e4932')).toBe('-ERR increment would produce NaN or Infinity\r\n');
    expect(r('incrbyfloat', 'e', '-1e4932')).toBe(bulk('0'));
  });

  test('NaN and infinity', () => {
    expect(r('incrbyfloat', 'k', 'inf')).toBe('-ERR increment would produce NaN or Infinity\r\n');
    expect(r('incrbyfloat', 'k', '-Infinity')).toBe('-ERR increment would produce NaN or Infinity\r\n');
    expect(r('incrbyfloat', 'k', 'nan')).toBe(NOTFLOAT);
    r('set', 'i', 'inf');
    expect(r('incrbyfloat', 'i', '1')).toBe('-ERR increment would produce NaN or Infinity\r\n');
    expect(db.has('k')).toBe(false);
  });

  test('invalid numbers', () => {
    for (const v of ['', ' 1', '1 ', 'abc', '1e', '1e+', '0x', '0x1p', '1\0', '\0', '+', '-', '.', 'infinit', '1..2', '1e5.5', '0x1.8p1.5', 'x'.repeat(6000)]) {
      expect([v.slice(0, 10), r('incrbyfloat', 'k', v)]).toEqual([v.slice(0, 10), NOTFLOAT]);
    }
    r('set', 's', 'abc');
    expect(r('incrbyfloat', 's', '1')).toBe(NOTFLOAT);
    r('set', 's', '1\0');
    expect(r('incrbyfloat', 's', '1')).toBe(NOTFLOAT);
    putList('l');
    expect(r('incrbyfloat', 'l', 'x')).toBe(WRONGTYPE); // type checked before the increment
  });

  test('keeps the TTL', () => {
    r('set', 'k', '1.5', 'pxat', 4000000000000);
    r('incrbyfloat', 'k', '1');
    expect(db.getExpire('k')).toBe(4000000000000);
  });

  test('long double helpers', () => {
    const a = parseLongDouble('0.1')!;
    const b = parseLongDouble('0.2')!;
    expect(formatLongDouble(addLongDouble(a, b)!)).toBe('0.3');
    expect(parseLongDouble(' 1')).toBeNull();
    expect(formatLongDouble(parseLongDouble('-0')!)).toBe('0');
  });
});

describe('LCS', () => {
  beforeEach(() => {
    r('set', 'a', 'ohmytext');
    r('set', 'b', 'mynewtext');
  });

  test('string and LEN', () => {
    expect(r('lcs', 'a', 'b')).toBe(bulk('mytext'));
    expect(r('lcs', 'a', 'b', 'LEN')).toBe(int(6));
    expect(r('lcs', 'a', 'missing')).toBe(EMPTY);
    expect(r('lcs', 'missing', 'missing2', 'len')).toBe(ZERO);
    r('set', 'n1', '12345');
    r('set', 'n2', '2468');
    expect(r('lcs', 'n1', 'n2')).toBe(bulk('24'));
  });

  test('IDX (RESP2)', () => {
    expect(r('lcs', 'a', 'b', 'idx')).toBe(
      '*4\r\n$7\r\nmatches\r\n*2\r\n' +
        '*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n' +
        '*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n' +
        '$3\r\nlen\r\n:6\r\n',
    );
    expect(r('lcs', 'a', 'b', 'idx', 'minmatchlen', 4, 'withmatchlen')).toBe(
      '*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n',
    );
    expect(r('lcs', 'a', 'b', 'idx', 'minmatchlen', -5)).toBe(r('lcs', 'a', 'b', 'idx'));
    expect(r('lcs', 'a', 'missing', 'idx')).toBe('*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n');
  });

  test('IDX (RESP3 map)', () => {
    c = makeClient(db, 3);
    expect(r('lcs', 'a', 'b', 'idx', 'withmatchlen')).toBe(
      '%2\r\n$7\r\nmatches\r\n*2\r\n' +
        '*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n' +
        '*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n' +
        '$3\r\nlen\r\n:6\r\n',
    );
  });

  test('errors', () => {
    expect(r('lcs', 'a', 'b', 'idx', 'len')).toBe('-ERR If you want both the length and indexes, please just use IDX.\r\n');
    expect(r('lcs', 'a', 'b', 'foo')).toBe(SYNTAX);
    expect(r('lcs', 'a', 'b', 'minmatchlen')).toBe(SYNTAX);
    expect(r('lcs', 'a', 'b', 'minmatchlen', 'x')).toBe(NOTINT);
    putList('l');
    expect(r('lcs', 'a', 'l')).toBe('-ERR The specified keys must contain string values\r\n');
    expect(r('lcs', 'l', 'a', 'foo')).toBe('-ERR The specified keys must contain string values\r\n');
    setMaxBulkLen(80);
    expect(r('lcs', 'a', 'b', 'len')).toBe('-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n');
  });
});

describe('SETBIT / GETBIT', () => {
  test('set, grow, read back', () => {
    expect(r('setbit', 'k', 7, 1)).toBe(ZERO);
    expect(r('get', 'k')).toBe(bulk('\x01'));
    expect(r('setbit', 'k', 7, 0)).toBe(ONE);
    expect(r('setbit', 'k', 0, 1)).toBe(ZERO);
    expect(r('setbit', 'k', 20, 1)).toBe(ZERO);
    expect(r('get', 'k')).toBe(bulk('\x80\x00\x08'));
    expect(r('getbit', 'k', 0)).toBe(ONE);
    expect(r('getbit', 'k', 1)).toBe(ZERO);
    expect(r('getbit', 'k', 20)).toBe(ONE);
    expect(r('getbit', 'k', 1000)).toBe(ZERO);
    expect(r('getbit', 'missing', 3)).toBe(ZERO);
    expect(r('setbit', 'z', 100, 0)).toBe(ZERO);
    expect(r('strlen', 'z')).toBe(int(13));
  });

  test('int-encoded values are read as their text', () => {
    r('set', 'n', '1'); // "1" = 0x31 = 00110001
    expect(r('getbit', 'n', 2)).toBe(ONE);
    expect(r('getbit', 'n', 7)).toBe(ONE);
    expect(r('getbit', 'n', 8)).toBe(ZERO);
    expect(r('setbit', 'n', 6, 1)).toBe(ZERO);
    expect(r('get', 'n')).toBe(bulk('3'));
    expect(db.dict.get('n')).toBe('3');
  });

  test('only a changed bit or a grown string is a modification', () => {
    r('set', 'k', 'a'); // 0x61 = 01100001
    modified = [];
    expect(r('setbit', 'k', 1, 1)).toBe(ONE);
    expect(modified).toEqual([]);
    expect(r('setbit', 'k', 0, 0)).toBe(ZERO);
    expect(modified).toEqual([]);
    expect(r('setbit', 'k', 0, 1)).toBe(ZERO);
    expect(modified).toEqual(['k']);
    expect(r('setbit', 'k', 100, 0)).toBe(ZERO);
    expect(modified).toEqual(['k', 'k']);
  });

  test('keeps the TTL', () => {
    r('set', 'k', 'a', 'pxat', 4000000000000);
    r('setbit', 'k', 0, 1);
    expect(db.getExpire('k')).toBe(4000000000000);
  });

  test('errors', () => {
    const badOffset = '-ERR bit offset is not an integer or out of range\r\n';
    const badBit = '-ERR bit is not an integer or out of range\r\n';
    for (const off of ['-1', 'x', '1.5', '#1', '4294967296', '9223372036854775807', '']) {
      expect([off, r('setbit', 'k', off, 1)]).toEqual([off, badOffset]);
      expect([off, r('getbit', 'k', off)]).toEqual([off, badOffset]);
    }
    for (const v of ['2', '-1', 'x', '', '01']) {
      expect([v, r('setbit', 'k', 0, v)]).toEqual([v, badBit]);
    }
    putList('l');
    expect(r('setbit', 'l', 0, 1)).toBe(WRONGTYPE);
    expect(r('getbit', 'l', 0)).toBe(WRONGTYPE);
    expect(r('setbit', 'l', -1, 1)).toBe(badOffset); // offset first
    expect(r('setbit', 'l', 0, 5)).toBe(badBit); // then the bit
    setMaxBulkLen(2);
    expect(r('setbit', 'k', 15, 1)).toBe(ZERO);
    expect(r('setbit', 'k', 16, 1)).toBe(badOffset);
  });
});

describe('BITCOUNT', () => {
  test('Redis doc examples', () => {
    r('set', 'k', 'foobar');
    expect(r('bitcount', 'k')).toBe(int(26));
    expect(r('bitcount', 'k', 0, 0)).toBe(int(4));
    expect(r('bitcount', 'k', 1, 1)).toBe(int(6));
    expect(r('bitcount', 'k', 1, 1, 'BYTE')).toBe(int(6));
    expect(r('bitcount', 'k', 5, 30, 'BIT')).toBe(int(17));
  });

  test('ranges', () => {
    r('set', 'k', 'foobar');
    expect(r('bitcount', 'k', 0, -1)).toBe(int(26));
    expect(r('bitcount', 'k', -2, -1)).toBe(int(7));
    expect(r('bitcount', 'k', -1, -2)).toBe(ZERO);
    expect(r('bitcount', 'k', 3, 1)).toBe(ZERO);
    expect(r('bitcount', 'k', -100, 100)).toBe(int(26));
    expect(r('bitcount', 'k', 0, 0, 'bit')).toBe(ZERO); // 'f' = 01100110
    expect(r('bitcount', 'k', 1, 2, 'bit')).toBe(int(2));
    expect(r('bitcount', 'k', -8, -1, 'bit')).toBe(int(4)); // 'r' = 01110010
    expect(r('bitcount', 'k', '-9223372036854775808', '9223372036854775807', 'bit')).toBe(int(26));
    r('set', 'n', '-1'); // "-1" = 0x2d 0x31
    expect(r('bitcount', 'n')).toBe(int(7));
    r('set', 'e', '');
    expect(r('bitcount', 'e')).toBe(ZERO);
    expect(r('bitcount', 'e', 0, -1, 'bit')).toBe(ZERO);
  });

  test('the key is looked up first', () => {
    expect(r('bitcount', 'missing')).toBe(ZERO);
    expect(r('bitcount', 'missing', 1)).toBe(ZERO);
    expect(r('bitcount', 'missing', 'a', 'b', 'c')).toBe(ZERO);
    putList('l');
    expect(r('bitcount', 'l', 'a')).toBe(WRONGTYPE);
  });

  test('errors', () => {
    r('set', 'k', 'foobar');
    expect(r('bitcount', 'k', 1)).toBe(SYNTAX);
    expect(r('bitcount', 'k', 1, 2, 'bit', 'x')).toBe(SYNTAX);
    expect(r('bitcount', 'k', 1, 2, 'bits')).toBe(SYNTAX);
    expect(r('bitcount', 'k', 'a', 2)).toBe(NOTINT);
    expect(r('bitcount', 'k', 1, 'b', 'foo')).toBe(NOTINT);
    expect(r('bitcount', 'k', -1, -2, 'foo')).toBe(ZERO); // empty negative range answers before the unit
  });
});

describe('BITPOS', () => {
  test('Redis doc examples', () => {
    r('set', 'k', '\xff\xf0\x00');
    expect(r('bitpos', 'k', 0)).toBe(int(12));
    r('set', 'k', '\x00\xff\xf0');
    expect(r('bitpos', 'k', 1, 0)).toBe(int(8));
    expect(r('bitpos', 'k', 1, 2)).toBe(int(16));
    expect(r('bitpos', 'k', 1, 2, -1, 'byte')).toBe(int(16));
    expect(r('bitpos', 'k', 1, 7, 15, 'bit')).toBe(int(8));
    r('set', 'k', '\x00\x00\x00');
    expect(r('bitpos', 'k', 1)).toBe(int(-1));
    expect(r('bitpos', 'k', 1, 7, -3, 'bit')).toBe(int(-1));
  });

  test('looking for 0 in all ones', () => {
    r('set', 'k', '\xff\xff\xff');
    expect(r('bitpos', 'k', 0)).toBe(int(24)); // the bit right after the string
    expect(r('bitpos', 'k', 0, 1)).toBe(int(24));
    expect(r('bitpos', 'k', 0, 0, -1)).toBe(int(-1)); // explicit end: nothing in range
    expect(r('bitpos', 'k', 0, 0, 10, 'bit')).toBe(int(-1));
  });

  test('bit ranges with partial edge bytes', () => {
    r('set', 'k', '\x0f\xf0'); // 00001111 11110000
    expect(r('bitpos', 'k', 1, 0, 3, 'bit')).toBe(int(-1));
    expect(r('bitpos', 'k', 1, 2, 5, 'bit')).toBe(int(4));
    expect(r('bitpos', 'k', 0, 4, 11, 'bit')).toBe(int(-1));
    expect(r('bitpos', 'k', 0, 4, 12, 'bit')).toBe(int(12));
    expect(r('bitpos', 'k', 0, 6, 9, 'bit')).toBe(int(-1));
    expect(r('bitpos', 'k', 1, -4, -1, 'bit')).toBe(int(-1));
    expect(r('bitpos', 'k', 1, 10, 5, 'bit')).toBe(int(-1));
    expect(r('bitpos', 'k', 0, 2, 1)).toBe(int(-1));
  });

  test('missing key, int value, empty string', () => {
    expect(r('bitpos', 'missing', 1)).toBe(int(-1));
    expect(r('bitpos', 'missing', 0)).toBe(ZERO);
    expect(r('bitpos', 'missing', 1, 'a', 'b', 'c', 'd')).toBe(int(-1));
    r('set', 'n', '0'); // 0x30 = 00110000
    expect(r('bitpos', 'n', 1)).toBe(int(2));
    r('set', 'e', '');
    expect(r('bitpos', 'e', 0)).toBe(int(-1));
    expect(r('bitpos', 'e', 1)).toBe(int(-1));
  });

  test('errors', () => {
    r('set', 'k', 'abc');
    expect(r('bitpos', 'k', 2)).toBe('-ERR The bit argument must be 1 or 0.\r\n');
    expect(r('bitpos', 'missing', -1)).toBe('-ERR The bit argument must be 1 or 0.\r\n');
    expect(r('bitpos', 'k', 'x')).toBe(NOTINT);
    expect(r('bitpos', 'k', 1, 'x')).toBe(NOTINT);
    expect(r('bitpos', 'k', 1, 0, 'x')).toBe(NOTINT);
    expect(r('bitpos', 'k', 1, 0, 1, 'foo')).toBe(SYNTAX);
    expect(r('bitpos', 'k', 1, 0, 'x', 'foo')).toBe(SYNTAX); // the unit is checked before the end
    expect(r('bitpos', 'k', 1, 0, 1, 'bit', 'x')).toBe(SYNTAX);
    putList('l');
    expect(r('bitpos', 'l', 1)).toBe(WRONGTYPE);
    expect(r('bitpos', 'l', 3)).toBe('-ERR The bit argument must be 1 or 0.\r\n');
  });
});

describe('BITOP', () => {
  test('AND / OR / XOR / NOT', () => {
    r('set', 'a', 'foobar');
    r('set', 'b', 'abcdef');
    expect(r('bitop', 'and', 'd', 'a', 'b')).toBe(int(6));
    expect(r('get', 'd')).toBe(bulk('`bc`ab'));
    expect(r('bitop', 'OR', 'd', 'a', 'b')).toBe(int(6));
    expect(r('get', 'd')).toBe(bulk('goofev'));
    expect(r('bitop', 'xor', 'd', 'a', 'b')).toBe(int(6));
    expect(r('get', 'd')).toBe(bulk('\x07\x0d\x0c\x06\x04\x14'));
    expect(r('bitop', 'not', 'd', 'a')).toBe(int(6));
    expect(r('get', 'd')).toBe(bulk('\x99\x90\x90\x9d\x9e\x8d'));
  });

  test('different lengths and missing keys pad with zeros', () => {
    r('set', 'a', '\xff\xff\xff');
    r('set', 'b', '\x0f');
    expect(r('bitop', 'and', 'd', 'a', 'b')).toBe(int(3));
    expect(r('get', 'd')).toBe(bulk('\x0f\x00\x00'));
    expect(r('bitop', 'or', 'd', 'b', 'a')).toBe(int(3));
    expect(r('get', 'd')).toBe(bulk('\xff\xff\xff'));
    expect(r('bitop', 'xor', 'd', 'a', 'b', 'missing')).toBe(int(3));
    expect(r('get', 'd')).toBe(bulk('\xf0\xff\xff'));
    expect(r('bitop', 'and', 'd', 'missing', 'a')).toBe(int(3));
    expect(r('get', 'd')).toBe(bulk('\x00\x00\x00'));
    r('set', 'n', '12');
    expect(r('bitop', 'or', 'd', 'n')).toBe(int(2));
    expect(r('get', 'd')).toBe(bulk('12'));
  });

  test('an empty result deletes the destination; a result replaces any type and drops the TTL', () => {
    r('set', 'd', 'x');
    expect(r('bitop', 'or', 'd', 'missing', 'missing2')).toBe(ZERO);
    expect(db.has('d')).toBe(false);
    modified = [];
    expect(r('bitop', 'or', 'd', 'missing')).toBe(ZERO);
    expect(modified).toEqual([]);
    putList('l');
    r('set', 'a', 'x');
    expect(r('bitop', 'not', 'l', 'a')).toBe(int(1));
    expect(r('get', 'l')).toBe(bulk('\x87'));
    r('set', 't', 'v', 'pxat', 4000000000000);
    r('bitop', 'and', 't', 'a');
    expect(db.getExpire('t')).toBeUndefined();
  });

  test('errors', () => {
    r('set', 'a', 'x');
    expect(r('bitop', 'nand', 'd', 'a')).toBe(SYNTAX);
    expect(r('bitop', 'not', 'd', 'a', 'a')).toBe('-ERR BITOP NOT must be called with a single source key.\r\n');
    putList('l');
    expect(r('bitop', 'and', 'd', 'a', 'l')).toBe(WRONGTYPE);
    expect(db.has('d')).toBe(false);
    expect(r('bitop', 'not', 'd', 'l')).toBe(WRONGTYPE);
  });
});

describe('RESP3', () => {
  test('same bytes as RESP2 for everything but nulls and maps', () => {
    c = makeClient(db, 3);
    expect(r('set', 'k', 'v', 'xx')).toBe('_\r\n');
    expect(r('getex', 'missing')).toBe('_\r\n');
    expect(r('getdel', 'missing')).toBe('_\r\n');
    expect(r('getset', 'missing', 'v')).toBe('_\r\n');
    expect(r('incrbyfloat', 'f', '1.5')).toBe(bulk('1.5')); // a bulk string, not a RESP3 double
  });
});

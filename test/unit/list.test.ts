// List handlers driven directly with a fake client. Expected replies are the bytes redis-server
// 7.0.15 sends (the differential suite test/differential/lists*.test.ts checks them against a live
// server); this file pins the handler contracts: replies from both list representations, argument
// order of errors, key deletion, keyspace writes (the listener) and blocking through
// src/server/blocking.ts with fake clients.
import type { Client } from '../../src/server/context';
import { Db, setKeyspaceListener, KeyspaceListener } from '../../src/keyspace/db';
import { commands } from '../../src/handlers/list';
import { RList, SMALL_MAX } from '../../src/keyspace/types/list';
import { handleClientsBlockedOnKeys, blockedOnKey } from '../../src/server/blocking';
import { makeClient, output, run as runHandler } from '../helpers/fakeClient';

let db: Db;
let c: Client;

/** Runs a command as client `cl` and returns the raw reply bytes as a latin1 string. */
const run = (cl: Client, ...argv: (string | number)[]): string => runHandler(commands, cl, argv);
const r = (...argv: (string | number)[]): string => run(c, ...argv);

const OK = '+OK\r\n';
const NIL = '$-1\r\n';
const NILARR = '*-1\r\n';
const EMPTY = '*0\r\n';
const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n';
const SYNTAX = '-ERR syntax error\r\n';
const NOTINT = '-ERR value is not an integer or out of range\r\n';
const bulk = (s: string) => '$' + s.length + '\r\n' + s + '\r\n';
const int = (n: number) => ':' + n + '\r\n';
const arr = (...items: string[]) => '*' + items.length + '\r\n' + items.map(bulk).join('');
const range = (n: number, f: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => f(i));

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
  test('exports every list command in lower case', () => {
    expect(Object.keys(commands).sort()).toEqual(
      [
        'blmove', 'blmpop', 'blpop', 'brpop', 'brpoplpush', 'lindex', 'linsert', 'llen', 'lmove', 'lmpop', 'lpop',
        'lpos', 'lpush', 'lpushx', 'lrange', 'lrem', 'lset', 'ltrim', 'rpop', 'rpoplpush', 'rpush', 'rpushx',
      ].sort(),
    );
  });
});

// Each behaviour runs on a small list and on a packed one (more than SMALL_MAX elements).
const FILL = range(SMALL_MAX + 20, (i) => (i % 3 === 0 ? String(100000 + i) : 'f' + i));

describe.each([
  ['small', [] as string[]],
  ['packed', FILL],
])('%s lists', (_name, filler) => {
  /** RPUSH filler, then items; returns the index of the first item. */
  function make(key: string, ...items: string[]): number {
    if (filler.length) r('rpush', key, ...filler);
    r('rpush', key, ...items);
    return filler.length;
  }

  test('LPUSH/RPUSH order, LLEN, LRANGE, type and encoding', () => {
    const base = make('l', 'a', 'b');
    expect(r('lpush', 'l', 'x', 'y')).toBe(int(base + 4));
    expect(r('rpush', 'l', 'z')).toBe(int(base + 5));
    expect(r('llen', 'l')).toBe(int(base + 5));
    expect(r('lrange', 'l', 0, 1)).toBe(arr('y', 'x'));
    expect(r('lrange', 'l', -3, -1)).toBe(arr('a', 'b', 'z'));
    const v = db.get('l') as RList;
    expect(v.type).toBe('list');
    expect(v.encoding()).toBe('quicklist');
    expect(v.toArray()).toEqual(['y', 'x', ...filler, 'a', 'b', 'z']);
  });

  test('LPOP/RPOP with and without count; the emptied key is deleted', () => {
    make('l', 'a', 'b', 'c', 'd');
    const n = filler.length + 4;
    expect(r('rpop', 'l')).toBe(bulk('d'));
    expect(r('rpop', 'l', 2)).toBe(arr('c', 'b'));
    if (filler.length) expect(r('lpop', 'l', 2)).toBe(arr(filler[0], filler[1]));
    expect(r('lpop', 'l', 0)).toBe(EMPTY);
    const rest = (db.get('l') as RList).toArray();
    expect(rest.length).toBe(n - 3 - (filler.length ? 2 : 0));
    expect(rest[rest.length - 1]).toBe('a');
    expect(r('lpop', 'l', 1000)).toBe(arr(...rest));
    expect(db.has('l')).toBe(false);
    expect(r('lpop', 'l')).toBe(NIL);
    expect(r('lpop', 'l', 2)).toBe(NILARR);
  });

  test('LINDEX, LSET', () => {
    const base = make('l', 'a', 'b', 'c');
    expect(r('lindex', 'l', base)).toBe(bulk('a'));
    expect(r('lindex', 'l', -1)).toBe(bulk('c'));
    expect(r('lindex', 'l', base + 3)).toBe(NIL);
    expect(r('lset', 'l', base + 1, 'B'.repeat(300))).toBe(OK);
    expect(r('lset', 'l', -1, '12345')).toBe(OK);
    expect(r('lrange', 'l', base, -1)).toBe(arr('a', 'B'.repeat(300), '12345'));
    expect(r('lset', 'l', base + 3, 'x')).toBe('-ERR index out of range\r\n');
  });

  test('LINSERT, LREM, LPOS', () => {
    const base = make('l', 'p', 'q', 'p');
    expect(r('linsert', 'l', 'before', 'p', 'x')).toBe(int(base + 4));
    expect(r('linsert', 'l', 'AFTER', 'q', '777777')).toBe(int(base + 5));
    expect(r('linsert', 'l', 'AFTER', 'zz', 'x')).toBe(int(-1));
    expect(r('lrange', 'l', base, -1)).toBe(arr('x', 'p', 'q', '777777', 'p'));
    expect(r('lpos', 'l', 'p')).toBe(int(base + 1));
    expect(r('lpos', 'l', 'p', 'rank', -1)).toBe(int(base + 4));
    expect(r('lpos', 'l', 'p', 'count', 0)).toBe('*2\r\n' + int(base + 1) + int(base + 4));
    expect(r('lpos', 'l', '777777')).toBe(int(base + 3));
    expect(r('lrem', 'l', -1, 'p')).toBe(int(1));
    expect(r('lrem', 'l', 0, '777777')).toBe(int(1));
    expect(r('lrange', 'l', base, -1)).toBe(arr('x', 'p', 'q'));
  });

  test('LTRIM', () => {
    const base = make('l', 'a', 'b', 'c', 'd');
    expect(r('ltrim', 'l', base + 1, -2)).toBe(OK);
    expect(r('lrange', 'l', 0, -1)).toBe(arr('b', 'c'));
    expect(r('ltrim', 'l', 5, 1)).toBe(OK);
    expect(db.has('l')).toBe(false);
  });

  test('LMOVE / RPOPLPUSH, including rotation of one list', () => {
    const base = make('s', 'a', 'b', 'c');
    expect(r('lmove', 's', 'd', 'right', 'left')).toBe(bulk('c'));
    expect(r('rpoplpush', 's', 'd')).toBe(bulk('b'));
    expect(r('lrange', 'd', 0, -1)).toBe(arr('b', 'c'));
    expect(r('lmove', 's', 's', 'RIGHT', 'LEFT')).toBe(bulk('a'));
    expect(r('lindex', 's', 0)).toBe(bulk('a'));
    expect(r('llen', 's')).toBe(int(base + 1));
  });
});

describe('errors and argument order', () => {
  beforeEach(() => {
    db.set('str', 'v');
  });

  test('WRONGTYPE for every command on a string key', () => {
    for (const cmd of [
      ['lpush', 'str', 'a'], ['rpush', 'str', 'a'], ['lpushx', 'str', 'a'], ['rpushx', 'str', 'a'], ['lpop', 'str'],
      ['rpop', 'str', 1], ['llen', 'str'], ['lrange', 'str', 0, 1], ['lindex', 'str', 0], ['lset', 'str', 0, 'x'],
      ['linsert', 'str', 'before', 'a', 'b'], ['lrem', 'str', 0, 'a'], ['ltrim', 'str', 0, 1], ['lpos', 'str', 'a'],
      ['lmove', 'str', 'd', 'left', 'left'], ['rpoplpush', 'str', 'd'], ['lmpop', 1, 'str', 'left'],
      ['blpop', 'str', 0], ['brpop', 'str', 0], ['blmove', 'str', 'd', 'left', 'left', 0], ['brpoplpush', 'str', 'd', 0],
      ['blmpop', 0, 1, 'str', 'left'],
    ]) {
      expect([cmd[0], r(...cmd)]).toEqual([cmd[0], WRONGTYPE]);
    }
    expect(db.get('str')).toBe('v');
  });

  test('texts and their order relative to the key lookup', () => {
    expect(r('lpop', 'str', -1)).toBe('-ERR value is out of range, must be positive\r\n');
    expect(r('lpop', 'nokey', 'x')).toBe('-ERR value is out of range, must be positive\r\n');
    expect(r('lpop', 'k', 1, 2)).toBe("-ERR wrong number of arguments for 'lpop' command\r\n");
    expect(r('rpop', 'k', 1, 2)).toBe("-ERR wrong number of arguments for 'rpop' command\r\n");
    expect(r('lrange', 'str', 'x', 1)).toBe(NOTINT);
    expect(r('lindex', 'nokey', 'x')).toBe(NIL);
    expect(r('lindex', 'str', 'x')).toBe(WRONGTYPE);
    expect(r('lset', 'nokey', 'x', 'v')).toBe('-ERR no such key\r\n');
    expect(r('linsert', 'str', 'middle', 'a', 'b')).toBe(SYNTAX);
    expect(r('linsert', 'nokey', 'before', 'a', 'b')).toBe(int(0));
    expect(r('lrem', 'str', 'x', 'a')).toBe(NOTINT);
    expect(r('ltrim', 'nokey', 0, 1)).toBe(OK);
    expect(r('lpos', 'str', 'a', 'rank', 0)).toBe(
      "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n",
    );
    expect(r('lpos', 'nokey', 'a', 'count', -1)).toBe("-ERR COUNT can't be negative\r\n");
    expect(r('lpos', 'nokey', 'a', 'maxlen', 'x')).toBe("-ERR MAXLEN can't be negative\r\n");
    expect(r('lpos', 'nokey', 'a', 'rank')).toBe(SYNTAX);
    expect(r('lpos', 'nokey', 'a')).toBe(NIL);
    expect(r('lpos', 'nokey', 'a', 'count', 1)).toBe(EMPTY);
    expect(r('lmove', 'str', 'd', 'up', 'left')).toBe(SYNTAX);
    expect(r('lmove', 'nokey', 'str', 'left', 'left')).toBe(NIL);
    expect(r('lmpop', 0, 'a', 'left')).toBe('-ERR numkeys should be greater than 0\r\n');
    expect(r('lmpop', 2, 'a', 'left')).toBe(SYNTAX);
    expect(r('lmpop', 1, 'a', 'left', 'count', 0)).toBe('-ERR count should be greater than 0\r\n');
    expect(r('lmpop', 1, 'a', 'left')).toBe(NILARR);
    expect(r('blpop', 'a', 'x')).toBe('-ERR timeout is not a float or out of range\r\n');
    expect(r('blpop', 'a', -1)).toBe('-ERR timeout is negative\r\n');
    expect(r('blmpop', 'x', 0, 'a', 'left')).toBe('-ERR timeout is not a float or out of range\r\n');
    expect(r('blmpop', 0, 0, 'a', 'left')).toBe('-ERR numkeys should be greater than 0\r\n');
    expect(r('blmove', 'a', 'b', 'left', 'left', 'x')).toBe('-ERR timeout is not a float or out of range\r\n');
  });

  test('RESP3 nulls', () => {
    c = makeClient(db, 3);
    expect(r('lpop', 'nokey')).toBe('_\r\n');
    expect(r('lpop', 'nokey', 1)).toBe('_\r\n');
    expect(r('lindex', 'nokey', 0)).toBe('_\r\n');
    expect(r('lmpop', 1, 'nokey', 'left')).toBe('_\r\n');
    expect(r('lmove', 'nokey', 'd', 'left', 'left')).toBe('_\r\n');
  });
});

describe('keyspace writes', () => {
  test('every change goes through the Db (listener sees it), reads do not', () => {
    r('rpush', 'l', 'a', 'b');
    r('lpushx', 'l', 'z');
    r('lrange', 'l', 0, -1);
    r('llen', 'l');
    r('lindex', 'l', 0);
    r('lpos', 'l', 'a');
    expect(modified).toEqual(['l', 'l']);
    modified = [];
    r('lset', 'l', 0, 'y');
    r('linsert', 'l', 'after', 'y', 'w');
    r('lrem', 'l', 0, 'w');
    r('ltrim', 'l', 0, -1);
    r('lmove', 'l', 'm', 'left', 'left');
    expect(modified).toEqual(['l', 'l', 'l', 'l', 'm', 'l']);
    modified = [];
    // no-ops do not write
    r('lpushx', 'nokey', 'a');
    r('linsert', 'l', 'after', 'nope', 'x');
    r('lrem', 'l', 0, 'nope');
    r('lpop', 'l', 0);
    expect(modified).toEqual([]);
    r('lpop', 'l', 10);
    expect(db.has('l')).toBe(false);
    expect(modified).toEqual(['l']);
  });

  test('a TTL survives pushes and pops', () => {
    r('rpush', 'l', 'a', 'b');
    db.setExpire('l', Date.now() + 100000);
    r('lpush', 'l', 'c');
    r('rpop', 'l');
    expect(db.getExpire('l')).toBeDefined();
  });
});

describe('blocking with fake clients', () => {
  test('BLPOP blocks, a later push serves it; the served element is removed', () => {
    const a = makeClient(db);
    expect(run(a, 'blpop', 'k1', 'k2', 0)).toBe('');
    expect(a.blocked).not.toBeNull();
    expect(blockedOnKey(db, 'k2')).toBe(1);
    expect(r('rpush', 'k2', 'x', 'y')).toBe(int(2));
    handleClientsBlockedOnKeys();
    expect(output(a)).toBe('*2\r\n' + bulk('k2') + bulk('x'));
    expect(a.blocked).toBeNull();
    expect(r('lrange', 'k2', 0, -1)).toBe(arr('y'));
  });

  test('FIFO between blocked clients, and a BLMOVE chain', () => {
    const a = makeClient(db);
    const b = makeClient(db);
    const m = makeClient(db);
    run(a, 'brpop', 'q', 0);
    run(b, 'brpop', 'q', 0);
    run(m, 'blmove', 'src', 'q', 'left', 'right', 0);
    r('lpush', 'src', 'moved');
    handleClientsBlockedOnKeys();
    expect(output(m)).toBe(bulk('moved'));
    expect(output(a)).toBe('*2\r\n' + bulk('q') + bulk('moved'));
    expect(b.blocked).not.toBeNull();
    expect(db.has('q')).toBe(false);
    r('rpush', 'q', 'second');
    handleClientsBlockedOnKeys();
    expect(output(b)).toBe('*2\r\n' + bulk('q') + bulk('second'));
  });

  test('BLMPOP served with COUNT; inside MULTI (denyBlocking) the timeout reply comes at once', () => {
    const a = makeClient(db);
    run(a, 'blmpop', 0, 2, 'x', 'y', 'right', 'count', 5);
    r('rpush', 'y', ...range(20, (i) => 'e' + i));
    handleClientsBlockedOnKeys();
    expect(output(a)).toBe('*2\r\n' + bulk('y') + arr('e19', 'e18', 'e17', 'e16', 'e15'));
    const t = makeClient(db);
    (t as unknown as { denyBlocking: boolean }).denyBlocking = true;
    expect(run(t, 'blpop', 'none', 0)).toBe(NILARR);
    expect(run(t, 'blmpop', 0, 1, 'none', 'left')).toBe(NILARR);
    expect(run(t, 'blmove', 'none', 'd', 'left', 'left', 0)).toBe(NIL);
    expect(run(t, 'brpoplpush', 'none', 'd', 0)).toBe(NIL);
    expect(t.blocked).toBeNull();
  });
});

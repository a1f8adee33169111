// Generic keyspace commands, SCAN cursors and the active expiry cycle, driven through the handlers
// with a fake client. Reply and error texts were checked against redis-server 7.0.15
// (see also keyspace.redis.test.ts, which compares byte for byte when redis-server is installed).
import type { Client } from '../../src/server/context';
import { keyspace, Db, RObj, stats } from '../../src/keyspace/db';
import { commands } from '../../src/handlers/keyspace/keyspace';
import { parseLL as str2ll } from '../../src/util/strconv';
import { deepCopy } from '../../src/handlers/keyspace/clone';
import { scanStep, parseCursor, decodeCursor, encodeCursor, scanLimits, liveScanCount, forgetScans } from '../../src/keyspace/scan';
import { activeExpireCycle, resetExpireCycle } from '../../src/keyspace/expire';
import { infoHooks } from '../../src/server/info';
import { clusterMode } from '../../src/handlers/connection/connection';
import { makeClient } from '../helpers/fakeClient';

type Reply = string | number | null | Reply[] | { err: string } | { simple: string };

function parse(buf: Buffer, pos: number): [Reply, number] {
  const t = String.fromCharCode(buf[pos]);
  const nl = buf.indexOf('\r\n', pos);
  const line = buf.toString('latin1', pos + 1, nl);
  const after = nl + 2;
  switch (t) {
    case '+':
      return [{ simple: line }, after];
    case '-':
      return [{ err: line }, after];
    case ':':
      return [Number(line), after];
    case '$': {
      const n = Number(line);
      if (n < 0) return [null, after];
      return [buf.toString('latin1', after, after + n), after + n + 2];
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return [null, after];
      const out: Reply[] = [];
      let p = after;
      for (let i = 0; i < n; i++) {
        const [r, np] = parse(buf, p);
        out.push(r);
        p = np;
      }
      return [out, p];
    }
    default:
      throw new Error('bad reply type ' + t);
  }
}

let c: Client;
/** Runs a command, returns the raw RESP reply text. */
function raw(...argv: (string | number)[]): string {
  const a = argv.map(String);
  c.out = null;
  c.opos = 0;
  const h = commands[a[0].toLowerCase()] ?? commands[(a[0] + '|' + (a[1] ?? '')).toLowerCase()];
  if (!h) throw new Error('no handler ' + a[0]);
  h(c, a);
  return c.out === null ? '' : (c.out as Buffer).toString('latin1', 0, c.opos);
}
function cmd(...argv: (string | number)[]): Reply {
  const s = raw(...argv);
  const [r, end] = parse(Buffer.from(s, 'latin1'), 0);
  expect(end).toBe(s.length); // exactly one reply
  return r;
}
const err = (m: string) => ({ err: m });
const OK = { simple: 'OK' };

class FakeObj implements RObj {
  readonly type = 'hash';
  freed = 0;
  data = new Map<string, string>();
  encoding(): string {
    return 'hashtable';
  }
}
class FreeObj extends FakeObj {
  free(): void {
    this.freed++;
  }
}
class CloneObj extends FreeObj {
  cloned = 0;
  clone(): RObj {
    this.cloned++;
    const o = new CloneObj();
    o.data = new Map(this.data);
    return o;
  }
}

beforeEach(() => {
  keyspace.init(16);
  c = makeClient(keyspace.dbs[0]);
  infoHooks.maxmemory = 0;
  infoHooks.maxmemoryPolicy = 'noeviction';
  clusterMode.enabled = false;
});

const db0 = () => keyspace.dbs[0];
function setStr(k: string, v: string | number, db = db0()): void {
  db.set(k, v);
}

describe('DEL UNLINK EXISTS TOUCH TYPE', () => {
  test('counts', () => {
    setStr('a', '1');
    setStr('b', 2);
    expect(cmd('exists', 'a', 'a', 'nokey', 'b')).toBe(3);
    expect(cmd('touch', 'a', 'nokey')).toBe(1);
    expect(cmd('del', 'a', 'a', 'nokey')).toBe(1);
    expect(cmd('unlink', 'b')).toBe(1);
    expect(cmd('unlink', 'b')).toBe(0);
    expect(db0().size).toBe(0);
  });
  test('expired keys do not count and are removed', () => {
    setStr('a', 'x');
    db0().setExpire('a', Date.now() - 1);
    expect(cmd('exists', 'a')).toBe(0);
    setStr('b', 'x');
    db0().setExpire('b', Date.now() - 1);
    expect(cmd('del', 'b')).toBe(0);
    expect(db0().dict.has('b')).toBe(false);
  });
  test('DEL frees object values', () => {
    const o = new FreeObj();
    db0().set('h', o);
    expect(cmd('del', 'h')).toBe(1);
    expect(o.freed).toBe(1);
  });
  test('TYPE', () => {
    setStr('s', 'x');
    setStr('n', 5);
    db0().set('h', new FakeObj());
    expect(raw('type', 's')).toBe('+string\r\n');
    expect(raw('type', 'n')).toBe('+string\r\n');
    expect(raw('type', 'h')).toBe('+hash\r\n');
    expect(raw('type', 'nokey')).toBe('+none\r\n');
  });
});

describe('KEYS RANDOMKEY', () => {
  test('KEYS patterns, expired keys skipped', () => {
    for (const k of ['foo', 'foobar', 'bar', '']) setStr(k, 'v');
    setStr('fooexp', 'v');
    db0().setExpire('fooexp', Date.now() - 5);
    expect((cmd('keys', '*') as string[]).sort()).toEqual(['', 'bar', 'foo', 'foobar']);
    expect((cmd('keys', 'foo*') as string[]).sort()).toEqual(['foo', 'foobar']);
    expect(cmd('keys', 'b?r')).toEqual(['bar']);
    expect(cmd('keys', 'zzz')).toEqual([]);
    // KEYS does not delete: the expired key is still in the dict until touched
    expect(db0().dict.has('fooexp')).toBe(true);
  });
  test('RANDOMKEY', () => {
    expect(raw('randomkey')).toBe('$-1\r\n');
    setStr('only', 'v');
    expect(cmd('randomkey')).toBe('only');
  });
});

describe('RENAME RENAMENX', () => {
  test('errors and same key', () => {
    expect(cmd('rename', 'nokey', 'x')).toEqual(err('ERR no such key'));
    expect(cmd('renamenx', 'nokey', 'x')).toEqual(err('ERR no such key'));
    expect(cmd('rename', 'nokey', 'nokey')).toEqual(err('ERR no such key'));
    setStr('a', '1');
    expect(cmd('rename', 'a', 'a')).toEqual(OK);
    expect(cmd('renamenx', 'a', 'a')).toBe(0);
  });
  test('moves value and TTL, overwrites dst', () => {
    const o = new FreeObj();
    db0().set('a', o);
    db0().setExpire('a', Date.now() + 100000);
    const old = new FreeObj();
    db0().set('b', old);
    db0().setExpire('b', Date.now() + 5000000);
    expect(cmd('renamenx', 'a', 'b')).toBe(0);
    expect(cmd('rename', 'a', 'b')).toEqual(OK);
    expect(db0().dict.get('b')).toBe(o); // same object handed over
    expect(o.freed).toBe(0);
    expect(old.freed).toBe(1);
    expect(db0().dict.has('a')).toBe(false);
    expect(cmd('ttl', 'b')).toBe(100);
    expect(cmd('renamenx', 'b', 'c')).toBe(1);
    expect(cmd('ttl', 'c')).toBe(100);
    // without TTL: destination TTL removed
    setStr('x', '1');
    setStr('y', '2');
    db0().setExpire('y', Date.now() + 100000);
    expect(cmd('rename', 'x', 'y')).toEqual(OK);
    expect(cmd('ttl', 'y')).toBe(-1);
  });
});

describe('MOVE', () => {
  test('errors', () => {
    setStr('a', '1');
    expect(cmd('move', 'a', '0')).toEqual(err('ERR source and destination objects are the same'));
    expect(cmd('move', 'nokey', '0')).toEqual(err('ERR source and destination objects are the same'));
    expect(cmd('move', 'a', '16')).toEqual(err('ERR DB index is out of range'));
    expect(cmd('move', 'a', '-1')).toEqual(err('ERR DB index is out of range'));
    expect(cmd('move', 'a', 'abc')).toEqual(err('ERR value is not an integer or out of range'));
    expect(cmd('move', 'a', '01')).toEqual(err('ERR value is not an integer or out of range'));
    expect(cmd('move', 'a', '2147483648')).toEqual(
      err('ERR value is out of range, value must between -2147483648 and 2147483647'),
    );
    expect(cmd('move', 'a', '9223372036854775808')).toEqual(err('ERR value is not an integer or out of range'));
    clusterMode.enabled = true;
    expect(cmd('move', 'a', '1')).toEqual(err('ERR MOVE is not allowed in cluster mode'));
  });
  test('moves the object with its TTL', () => {
    const o = new FreeObj();
    db0().set('a', o);
    db0().setExpire('a', Date.now() + 100000);
    expect(cmd('move', 'nokey', '1')).toBe(0);
    expect(cmd('move', 'a', '1')).toBe(1);
    const db1 = keyspace.dbs[1];
    expect(db1.dict.get('a')).toBe(o);
    expect(o.freed).toBe(0);
    expect(db1.getExpire('a')).toBeGreaterThan(Date.now());
    expect(db0().dict.has('a')).toBe(false);
    // target exists
    setStr('b', '1');
    db1.set('b', 'other');
    expect(cmd('move', 'b', '1')).toBe(0);
    expect(db0().dict.get('b')).toBe('1');
  });
});

describe('COPY', () => {
  test('errors', () => {
    setStr('c', '1');
    expect(cmd('copy', 'c', 'c')).toEqual(err('ERR source and destination objects are the same'));
    expect(cmd('copy', 'nokey', 'nokey')).toEqual(err('ERR source and destination objects are the same'));
    expect(cmd('copy', 'c', 'c', 'db', '0')).toEqual(err('ERR source and destination objects are the same'));
    expect(cmd('copy', 'c', 'd', 'db', '16')).toEqual(err('ERR DB index is out of range'));
    expect(cmd('copy', 'c', 'd', 'db', '-1')).toEqual(err('ERR DB index is out of range'));
    expect(cmd('copy', 'c', 'd', 'db', 'abc')).toEqual(err('ERR value is not an integer or out of range'));
    expect(cmd('copy', 'c', 'd', 'db')).toEqual(err('ERR syntax error'));
    expect(cmd('copy', 'c', 'd', 'foo')).toEqual(err('ERR syntax error'));
    expect(cmd('copy', 'c', 'd', 'db', '1', 'db')).toEqual(err('ERR syntax error'));
    expect(cmd('copy', 'nokey', 'd', 'db', '99')).toEqual(err('ERR DB index is out of range'));
    clusterMode.enabled = true;
    expect(cmd('copy', 'c', 'd', 'db', '1')).toEqual(err('ERR Copying to another database is not allowed in cluster mode'));
    expect(cmd('copy', 'c', 'd')).toBe(1);
  });
  test('strings, TTL, REPLACE, DB', () => {
    setStr('c', 'hello');
    db0().setExpire('c', Date.now() + 100000);
    expect(cmd('copy', 'nokey', 'd')).toBe(0);
    expect(cmd('copy', 'c', 'd')).toBe(1);
    expect(cmd('ttl', 'd')).toBe(100);
    expect(cmd('copy', 'c', 'd')).toBe(0);
    setStr('e', 'x');
    expect(cmd('copy', 'e', 'd', 'REPLACE')).toBe(1);
    expect(db0().dict.get('d')).toBe('x');
    expect(cmd('ttl', 'd')).toBe(-1);
    expect(cmd('copy', 'c', 'c', 'DB', '1')).toBe(1);
    expect(keyspace.dbs[1].dict.get('c')).toBe('hello');
    expect(cmd('copy', 'c', 'c', 'replace', 'replace', 'db', '1', 'db', '2')).toBe(1);
    expect(keyspace.dbs[2].dict.get('c')).toBe('hello');
  });
  test('objects: clone(), generic deep copy, refusal for free() without clone()', () => {
    const a = new CloneObj();
    a.data.set('f', 'v');
    db0().set('a', a);
    expect(cmd('copy', 'a', 'b')).toBe(1);
    const b = db0().dict.get('b') as CloneObj;
    expect(b).not.toBe(a);
    expect(a.cloned).toBe(1);
    b.data.set('g', 'w');
    expect(a.data.has('g')).toBe(false);
    // replaced destination object is freed
    expect(cmd('copy', 'a', 'b', 'replace')).toBe(1);
    expect(b.freed).toBe(1);

    const p = new FakeObj();
    p.data.set('x', 'y');
    db0().set('p', p);
    expect(cmd('copy', 'p', 'q')).toBe(1);
    const q = db0().dict.get('q') as FakeObj;
    expect(q).not.toBe(p);
    expect(q).toBeInstanceOf(FakeObj);
    expect(q.encoding()).toBe('hashtable');
    expect(q.data.get('x')).toBe('y');
    q.data.set('z', '1');
    expect(p.data.has('z')).toBe(false);

    db0().set('r', new FreeObj());
    expect(cmd('copy', 'r', 's')).toEqual(err('ERR not supported for this module type'));
    expect(db0().dict.has('s')).toBe(false);
  });
  test('deepCopy keeps cycles, sharing, prototypes, typed arrays and long chains', () => {
    class Node {
      next: Node | null = null;
      constructor(public v: number) {}
      get double() {
        return this.v * 2;
      }
    }
    const head = new Node(0);
    let cur = head;
    for (let i = 1; i < 100000; i++) {
      cur.next = new Node(i);
      cur = cur.next;
    }
    const shared = { s: 1 };
    const root = { head, arr: [shared, shared, new Uint16Array([1, 2])], buf: Buffer.from('ab'), self: null as unknown };
    root.self = root;
    const cp = deepCopy(root);
    expect(cp).not.toBe(root);
    expect(cp.self).toBe(cp);
    expect(cp.arr[0]).toBe(cp.arr[1]);
    expect(cp.arr[0]).not.toBe(shared);
    expect(cp.arr[2]).toBeInstanceOf(Uint16Array);
    expect(Array.from(cp.arr[2] as Uint16Array)).toEqual([1, 2]);
    expect(Buffer.isBuffer(cp.buf) && cp.buf.toString()).toBe('ab');
    expect(cp.buf).not.toBe(root.buf);
    let n = 0;
    for (let x: Node | null = cp.head; x; x = x.next) n++;
    expect(n).toBe(100000);
    expect(cp.head.next!.double).toBe(2);
    expect(cp.head).not.toBe(head);
  });
});

describe('EXPIRE family', () => {
  test('option errors (checked before the integer and the key)', () => {
    setStr('a', '1');
    expect(cmd('expire', 'a', '10', 'nx', 'xx')).toEqual(
      err('ERR NX and XX, GT or LT options at the same time are not compatible'),
    );
    expect(cmd('expire', 'a', '10', 'nx', 'gt')).toEqual(
      err('ERR NX and XX, GT or LT options at the same time are not compatible'),
    );
    expect(cmd('expire', 'a', '10', 'NX', 'xx', 'gt')).toEqual(
      err('ERR NX and XX, GT or LT options at the same time are not compatible'),
    );
    expect(cmd('expire', 'a', '10', 'gt', 'lt')).toEqual(err('ERR GT and LT options at the same time are not compatible'));
    expect(cmd('expire', 'a', '10', 'foo')).toEqual(err('ERR Unsupported option foo'));
    expect(cmd('expire', 'nokey', 'abc', 'foo')).toEqual(err('ERR Unsupported option foo'));
    expect(cmd('expire', 'a', 'abc')).toEqual(err('ERR value is not an integer or out of range'));
    expect(cmd('expire', 'a', '1.5')).toEqual(err('ERR value is not an integer or out of range'));
    expect(cmd('expire', 'a', '+1')).toEqual(err('ERR value is not an integer or out of range'));
    expect(cmd('expire', 'a', '01')).toEqual(err('ERR value is not an integer or out of range'));
    expect(cmd('expire', 'a', '')).toEqual(err('ERR value is not an integer or out of range'));
  });
  test('overflow errors', () => {
    setStr('a', '1');
    const inv = (n: string) => err(`ERR invalid expire time in '${n}' command`);
    expect(cmd('expire', 'a', '9223372036854775807')).toEqual(inv('expire'));
    expect(cmd('expire', 'a', '9223372036854775')).toEqual(inv('expire'));
    expect(cmd('expire', 'a', '-9223372036854775808')).toEqual(inv('expire'));
    expect(cmd('pexpire', 'a', '9223372036854775807')).toEqual(inv('pexpire'));
    expect(cmd('pexpire', 'a', '9223372036854775806')).toEqual(inv('pexpire'));
    expect(cmd('expireat', 'a', '9223372036854775807')).toEqual(inv('expireat'));
    expect(cmd('expireat', 'a', '9223372036854776')).toEqual(inv('expireat'));
    expect(cmd('pexpire', 'a', '9223372036854775808')).toEqual(err('ERR value is not an integer or out of range'));
    // nothing was applied
    expect(cmd('ttl', 'a')).toBe(-1);
    expect(cmd('expire', 'a', '9223372036854')).toBe(1);
    expect(cmd('expireat', 'a', '9223372036854775')).toBe(1);
    expect(cmd('pexpiretime', 'a')).toBe(9223372036854775000);
    expect(cmd('pexpireat', 'a', '9223372036854775807')).toBe(1);
    expect(raw('pexpiretime', 'a')).toBe(':9223372036854775807\r\n');
    expect(raw('expiretime', 'a')).toBe(':9223372036854776\r\n');
  });
  test('non-positive / past TTL deletes and returns 1', () => {
    for (const [name, t] of [
      ['expire', '0'],
      ['expire', '-5'],
      ['pexpire', '-9223372036854775808'],
      ['expireat', '1'],
      ['pexpireat', String(Date.now() - 1)],
    ]) {
      const o = new FreeObj();
      db0().set('k', o);
      expect(cmd(name, 'k', t)).toBe(1);
      expect(db0().dict.has('k')).toBe(false);
      expect(o.freed).toBe(1);
    }
    expect(cmd('expire', 'nokey', '0')).toBe(0);
  });
  test('NX XX GT LT', () => {
    setStr('a', '1');
    expect(cmd('expire', 'a', '10', 'xx')).toBe(0);
    expect(cmd('expire', 'a', '10', 'gt')).toBe(0); // no TTL = infinite
    expect(cmd('expire', 'a', '10', 'xx', 'gt')).toBe(0);
    expect(cmd('expire', 'a', '100', 'lt')).toBe(1); // no TTL: LT passes
    expect(cmd('expire', 'a', '50', 'nx')).toBe(0);
    expect(cmd('expire', 'a', '200', 'lt')).toBe(0);
    expect(cmd('expire', 'a', '50', 'gt')).toBe(0);
    const t = Date.now() + 100000;
    expect(cmd('pexpireat', 'a', t)).toBe(1);
    expect(cmd('pexpireat', 'a', t, 'gt')).toBe(0); // equal is not greater
    expect(cmd('pexpireat', 'a', t, 'lt')).toBe(0); // nor less
    expect(cmd('pexpireat', 'a', t + 1, 'gt')).toBe(1);
    expect(cmd('expire', 'a', '200', 'gt')).toBe(1);
    expect(cmd('ttl', 'a')).toBe(200);
    expect(cmd('expire', 'a', '150', 'XX', 'LT')).toBe(1);
    expect(cmd('ttl', 'a')).toBe(150);
    expect(cmd('expire', 'a', '-1', 'gt')).toBe(0);
    expect(cmd('expire', 'a', '-1', 'lt')).toBe(1);
    expect(cmd('exists', 'a')).toBe(0);
    setStr('b', '1');
    expect(cmd('expire', 'b', '-1', 'nx')).toBe(1);
    expect(cmd('exists', 'b')).toBe(0);
  });
  test('TTL PTTL EXPIRETIME PEXPIRETIME PERSIST', () => {
    expect(cmd('ttl', 'nokey')).toBe(-2);
    expect(cmd('pttl', 'nokey')).toBe(-2);
    expect(cmd('expiretime', 'nokey')).toBe(-2);
    expect(cmd('pexpiretime', 'nokey')).toBe(-2);
    setStr('a', '1');
    expect(cmd('ttl', 'a')).toBe(-1);
    expect(cmd('pttl', 'a')).toBe(-1);
    expect(cmd('expiretime', 'a')).toBe(-1);
    expect(cmd('pexpiretime', 'a')).toBe(-1);
    expect(cmd('persist', 'a')).toBe(0);
    expect(cmd('persist', 'nokey')).toBe(0);
    expect(cmd('expireat', 'a', '4000000000')).toBe(1);
    expect(cmd('expiretime', 'a')).toBe(4000000000);
    expect(cmd('pexpiretime', 'a')).toBe(4000000000000);
    expect(cmd('pexpireat', 'a', '4000000000499')).toBe(1);
    expect(cmd('expiretime', 'a')).toBe(4000000000);
    expect(cmd('pexpireat', 'a', '4000000000500')).toBe(1);
    expect(cmd('expiretime', 'a')).toBe(4000000001); // rounds like Redis: (t+500)/1000
    expect(cmd('pexpire', 'a', '1499')).toBe(1);
    expect(cmd('ttl', 'a')).toBe(1);
    const pt = cmd('pttl', 'a') as number;
    expect(pt).toBeGreaterThan(1400);
    expect(pt).toBeLessThanOrEqual(1499);
    expect(cmd('persist', 'a')).toBe(1);
    expect(cmd('ttl', 'a')).toBe(-1);
  });
  test('rewrites for propagation', async () => {
    const { keyspaceHooks } = await import('../../src/handlers/keyspace/keyspace');
    const seen: string[][] = [];
    const prev = keyspaceHooks.rewriteArgv;
    keyspaceHooks.rewriteArgv = (_c, argv) => void seen.push(argv);
    try {
      setStr('a', '1');
      const before = Date.now();
      cmd('expire', 'a', '100', 'gt'.slice(0, 0) || 'lt');
      expect(seen[0][0]).toBe('PEXPIREAT');
      expect(Number(seen[0][2])).toBeGreaterThanOrEqual(before + 100000);
      expect(seen[0][3]).toBe('lt');
      cmd('pexpireat', 'a', String(Date.now() + 5000));
      expect(seen.length).toBe(1); // PEXPIREAT is propagated as is
      cmd('expire', 'a', '-1');
      expect(seen[1]).toEqual(['DEL', 'a']);
    } finally {
      keyspaceHooks.rewriteArgv = prev;
    }
  });
});

describe('OBJECT', () => {
  test('ENCODING', () => {
    setStr('n', 123);
    setStr('s', 'hello');
    setStr('big', '9223372036854775807');
    setStr('bigger', '9223372036854775808');
    setStr('lz', '01');
    setStr('e44', 'x'.repeat(44));
    setStr('r45', 'x'.repeat(45));
    db0().set('h', new FakeObj());
    expect(cmd('object', 'encoding', 'n')).toBe('int');
    expect(cmd('object', 'encoding', 's')).toBe('embstr');
    expect(cmd('object', 'encoding', 'big')).toBe('int');
    expect(cmd('object', 'encoding', 'bigger')).toBe('embstr');
    expect(cmd('object', 'encoding', 'lz')).toBe('embstr');
    expect(cmd('object', 'encoding', 'e44')).toBe('embstr');
    expect(cmd('object', 'encoding', 'r45')).toBe('raw');
    expect(cmd('object', 'encoding', 'h')).toBe('hashtable');
    expect(raw('object', 'encoding', 'nokey')).toBe('$-1\r\n');
  });
  test('REFCOUNT', () => {
    setStr('a', 1);
    setStr('b', 10000);
    setStr('c', -1);
    setStr('d', 'x');
    expect(cmd('object', 'refcount', 'a')).toBe(2147483647);
    expect(cmd('object', 'refcount', 'b')).toBe(1);
    expect(cmd('object', 'refcount', 'c')).toBe(1);
    expect(cmd('object', 'refcount', 'd')).toBe(1);
    expect(raw('object', 'refcount', 'nokey')).toBe('$-1\r\n');
    infoHooks.maxmemory = 100 << 20;
    infoHooks.maxmemoryPolicy = 'allkeys-lru';
    expect(cmd('object', 'refcount', 'a')).toBe(1);
    infoHooks.maxmemoryPolicy = 'allkeys-random';
    expect(cmd('object', 'refcount', 'a')).toBe(2147483647);
  });
  test('FREQ IDLETIME HELP', () => {
    setStr('a', 1);
    setStr('s', 'hello');
    const lfuNot =
      'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';
    const lfuSel =
      'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';
    expect(raw('object', 'freq', 'nokey')).toBe('$-1\r\n');
    expect(cmd('object', 'freq', 's')).toEqual(err(lfuNot));
    expect(cmd('object', 'idletime', 's')).toBe(0);
    expect(raw('object', 'idletime', 'nokey')).toBe('$-1\r\n');
    infoHooks.maxmemoryPolicy = 'allkeys-lfu';
    expect(cmd('object', 'freq', 's')).toBe(5);
    expect(cmd('object', 'freq', 'a')).toBe(0);
    expect(cmd('object', 'idletime', 's')).toEqual(err(lfuSel));
    const help = cmd('object', 'help') as { simple: string }[];
    expect(help.length).toBe(15);
    expect(help[0]).toEqual({ simple: 'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:' });
    expect(help[14]).toEqual({ simple: '    Prints this help.' });
  });
});

describe('SCAN command', () => {
  test('full iteration, COUNT, MATCH, TYPE', () => {
    for (let i = 0; i < 100; i++) setStr('k' + i, 'v');
    for (let i = 0; i < 10; i++) db0().set('h' + i, new FakeObj());
    const seen = new Set<string>();
    let cursor = '0';
    let calls = 0;
    do {
      const r = cmd('scan', cursor, 'count', '7') as [string, string[]];
      cursor = r[0];
      for (const k of r[1]) seen.add(k);
      calls++;
    } while (cursor !== '0');
    expect(seen.size).toBe(110);
    expect(calls).toBeGreaterThanOrEqual(16);
    const all = (p: string[]) => {
      const out: string[] = [];
      let cur = '0';
      do {
        const r = cmd('scan', cur, ...p) as [string, string[]];
        cur = r[0];
        out.push(...r[1]);
      } while (cur !== '0');
      return out.sort();
    };
    expect(all(['match', 'k1*', 'count', '1000'])).toEqual(['k1', 'k10', 'k11', 'k12', 'k13', 'k14', 'k15', 'k16', 'k17', 'k18', 'k19']);
    expect(all(['type', 'HASH']).length).toBe(10);
    expect(all(['type', 'string', 'match', 'h*'])).toEqual([]);
    expect(all(['type', 'foo'])).toEqual([]);
    expect(all(['match', '*']).length).toBe(110);
  });
  test('errors', () => {
    setStr('a', '1');
    expect(cmd('scan', 'abc')).toEqual(err('ERR invalid cursor'));
    expect(cmd('scan', ' 0')).toEqual(err('ERR invalid cursor'));
    expect(cmd('scan', '0x')).toEqual(err('ERR invalid cursor'));
    expect(cmd('scan', '18446744073709551616')).toEqual(err('ERR invalid cursor'));
    expect(cmd('scan', '-')).toEqual(err('ERR invalid cursor'));
    expect(cmd('scan', '0', 'count', '0')).toEqual(err('ERR syntax error'));
    expect(cmd('scan', '0', 'count', '-1')).toEqual(err('ERR syntax error'));
    expect(cmd('scan', '0', 'count', 'abc')).toEqual(err('ERR value is not an integer or out of range'));
    expect(cmd('scan', '0', 'count', '9223372036854775808')).toEqual(err('ERR value is not an integer or out of range'));
    expect(cmd('scan', '0', 'count')).toEqual(err('ERR syntax error'));
    expect(cmd('scan', '0', 'match')).toEqual(err('ERR syntax error'));
    expect(cmd('scan', '0', 'type')).toEqual(err('ERR syntax error'));
    expect(cmd('scan', '0', 'foo')).toEqual(err('ERR syntax error'));
    expect(cmd('scan', '', 'count', '9223372036854775807')).toEqual(['0', ['a']]);
    expect(cmd('scan', '+0')).toEqual(['0', ['a']]);
    expect(cmd('scan', '-0')).toEqual(['0', ['a']]);
    expect(cmd('scan', '0', 'count', '1', 'count', '100')).toEqual(['0', ['a']]);
    // Unknown cursors are accepted (Redis never rejects a well-formed cursor)
    expect((cmd('scan', '18446744073709551615') as unknown[]).length).toBe(2);
    expect((cmd('scan', '-1') as unknown[]).length).toBe(2);
  });
  test('expired keys are filtered and removed', () => {
    setStr('a', '1');
    setStr('b', '1');
    db0().setExpire('b', Date.now() - 1);
    expect(cmd('scan', '0')).toEqual(['0', ['a']]);
    expect(db0().dict.has('b')).toBe(false);
  });
});

describe('SCAN cursors', () => {
  test('parseCursor follows strtoul', () => {
    expect(parseCursor('')).toBe(0);
    expect(parseCursor('0')).toBe(0);
    expect(parseCursor('00003')).toBe(3);
    expect(parseCursor('+12')).toBe(12);
    expect(parseCursor('-1')).toBe(18446744073709551615n);
    expect(parseCursor('-18446744073709551615')).toBe(1);
    expect(parseCursor('18446744073709551615')).toBe(18446744073709551615n);
    expect(parseCursor('18446744073709551616')).toBeNull();
    expect(parseCursor('-18446744073709551616')).toBeNull();
    expect(parseCursor(' 1')).toBeNull();
    expect(parseCursor('1 ')).toBeNull();
    expect(parseCursor('+')).toBeNull();
    expect(parseCursor('--1')).toBeNull();
    expect(parseCursor('9007199254740993')).toBe(9007199254740993n);
  });
  test('encode/decode', () => {
    const cur = encodeCursor(0x5abcdef, 12345, 200);
    expect(cur).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
    const d = decodeCursor(cur);
    expect(d.anchor).toBe(0x5abcdef);
    expect(d.pos).toBeGreaterThanOrEqual(12345);
    expect(d.pos).toBeLessThan(12345 * 1.01);
    expect(d.end).toBe(200);
    expect(decodeCursor(BigInt(cur))).toEqual(d);
    expect(encodeCursor(2 ** 27 - 1, 2 ** 32, 2 ** 32)).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
    expect(encodeCursor(0, 1, 0)).toBeGreaterThan(0);
  });
  test('str2ll', () => {
    expect(str2ll('0')).toBe(0);
    expect(str2ll('-0')).toBeNull();
    expect(str2ll('-')).toBeNull();
    expect(str2ll('123')).toBe(123);
    expect(str2ll('-9223372036854775808')).toBe(-9223372036854775808n);
    expect(str2ll('9223372036854775808')).toBeNull();
    expect(str2ll('9007199254740991')).toBe(9007199254740991);
  });

  /** Deterministic PRNG. */
  function rng(seed: number) {
    return () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
  }

  function churnScan(opts: { seed: number; n: number; count: number; evictEvery: number; churn: number }) {
    const rand = rng(opts.seed);
    const db = new Db(0);
    const stable = new Set<string>();
    for (let i = 0; i < opts.n; i++) db.set('s' + i, 'v');
    let fresh = 0;
    // Keys that will be deleted at some point are "volatile"; the others must all be returned.
    const volatileKeys: string[] = [];
    for (let i = 0; i < opts.n; i++) {
      if (rand() < 0.3) volatileKeys.push('s' + i);
      else stable.add('s' + i);
    }
    const returned = new Set<string>();
    let cursor: number | bigint = 0;
    let calls = 0;
    do {
      cursor = scanStep(db, db.dict, cursor, opts.count, (k) => returned.add(k));
      calls++;
      // mutate between calls: delete volatile keys, add new keys, re-add some volatile ones
      for (let j = 0; j < opts.churn; j++) {
        const r = rand();
        if (r < 0.4 && volatileKeys.length) {
          const i = Math.floor(rand() * volatileKeys.length);
          db.delete(volatileKeys[i]);
          if (rand() < 0.3) db.set(volatileKeys[i], 'again');
        } else {
          db.set('new' + fresh++, 'v');
        }
      }
      if (opts.evictEvery && calls % opts.evictEvery === 0) forgetScans(db);
      expect(calls).toBeLessThan(100000);
    } while (cursor !== 0);
    for (const k of stable) if (!returned.has(k)) throw new Error(`stable key ${k} not returned`);
    return { calls, returned: returned.size, size: db.size };
  }

  test('every key present for the whole scan is returned (live iterators, churn)', () => {
    for (let seed = 1; seed <= 5; seed++) churnScan({ seed, n: 3000, count: 10, evictEvery: 0, churn: 20 });
  });
  test('same guarantee when the live iterator is lost (fallback cursors)', () => {
    for (let seed = 1; seed <= 5; seed++) churnScan({ seed, n: 3000, count: 10, evictEvery: 1, churn: 20 });
    for (let seed = 6; seed <= 10; seed++) churnScan({ seed, n: 2000, count: 25, evictEvery: 3, churn: 5 });
  });
  test('terminates even when keys are added faster than the scan advances', () => {
    const r = churnScan({ seed: 42, n: 500, count: 5, evictEvery: 0, churn: 50 });
    // bounded by the size at start: ~500/5 calls, not unbounded
    expect(r.calls).toBeLessThanOrEqual(101);
  });
  test('live iterators are bounded (LRU) and consumed when resumed', () => {
    const db = new Db(0);
    for (let i = 0; i < 100; i++) db.set('k' + i, 'v');
    const before = liveScanCount();
    const saved = scanLimits.maxLive;
    scanLimits.maxLive = before + 3;
    try {
      const curs: (number | bigint)[] = [];
      for (let i = 0; i < 10; i++) curs.push(scanStep(db, db.dict, 0, 1 + i, () => {}));
      expect(liveScanCount()).toBe(before + 3);
      // an evicted cursor still works (fallback), returning the rest of the keys
      const got = new Set<string>();
      let cur = curs[0];
      while (cur !== 0) cur = scanStep(db, db.dict, cur, 10, (k) => got.add(k));
      expect(got.size).toBe(99);
    } finally {
      scanLimits.maxLive = saved;
    }
  });
  test('two identical scans sharing cursor values both complete', () => {
    const db = new Db(0);
    for (let i = 0; i < 50; i++) db.set('k' + i, 'v');
    const a = new Set<string>();
    const b = new Set<string>();
    let ca: number | bigint = 0;
    let cb: number | bigint = 0;
    let first = true;
    while (first || ca !== 0 || cb !== 0) {
      first = false;
      if (ca !== 0 || a.size === 0) ca = scanStep(db, db.dict, ca, 4, (k) => a.add(k));
      if (cb !== 0 || b.size === 0) cb = scanStep(db, db.dict, cb, 4, (k) => b.add(k));
    }
    expect(a.size).toBe(50);
    expect(b.size).toBe(50);
  });
  test('scan survives FLUSH and emptied sources', () => {
    const db = new Db(0);
    for (let i = 0; i < 20; i++) db.set('k' + i, 'v');
    const cur = scanStep(db, db.dict, 0, 5, () => {});
    expect(cur).not.toBe(0);
    db.flush();
    expect(scanStep(db, db.dict, cur, 5, () => {})).toBe(0);
  });
});

describe('active expire cycle', () => {
  beforeEach(() => resetExpireCycle());
  test('removes expired keys across successive calls and walks the whole table', () => {
    const dbs = keyspace.dbs;
    const db = dbs[3];
    const now = Date.now();
    // interleave: 2000 live keys with long TTL, 2000 already expired
    for (let i = 0; i < 4000; i++) {
      db.set('k' + i, 'v');
      db.setExpire('k' + i, i % 2 ? now - 10 : now + 3600_000);
    }
    const expiredBefore = stats.expiredKeys;
    let calls = 0;
    while (db.size > 2000 && calls < 10000) {
      activeExpireCycle(dbs, 1);
      calls++;
    }
    expect(db.size).toBe(2000);
    expect(db.expires.size).toBe(2000);
    expect(stats.expiredKeys - expiredBefore).toBe(2000);
    // avg_ttl converges towards the live keys' TTL (about an hour)
    for (let i = 0; i < 200; i++) activeExpireCycle(dbs, 1);
    expect(db.avgTtlMs).toBeGreaterThan(3000_000);
    expect(db.avgTtlMs).toBeLessThanOrEqual(3600_000);
  });
  test('low stale ratio stops early (bounded work per call)', () => {
    const db = keyspace.dbs[0];
    const now = Date.now();
    for (let i = 0; i < 10000; i++) {
      db.set('k' + i, 'v');
      db.setExpire('k' + i, now + 3600_000);
    }
    const r = activeExpireCycle(keyspace.dbs, 25);
    expect(r.expired).toBe(0);
    expect(r.sampled).toBe(20); // one sample of db0, the other dbs are empty
    expect(db.avgTtlMs).toBeGreaterThan(0);
    expect(keyspace.dbs[1].avgTtlMs).toBe(0);
  });
  test('time limit is honoured', () => {
    const db = keyspace.dbs[0];
    const now = Date.now();
    for (let i = 0; i < 200000; i++) {
      db.set('k' + i, 'v');
      db.setExpire('k' + i, now - 1);
    }
    const t0 = performance.now();
    const r = activeExpireCycle(keyspace.dbs, 2);
    const dt = performance.now() - t0;
    expect(r.timedOut).toBe(true);
    expect(dt).toBeLessThan(50);
    expect(db.size).toBeGreaterThan(0);
    expect(db.size).toBeLessThan(200000);
  });
});

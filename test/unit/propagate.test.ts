// What writes propagate (src/server/propagate.ts): every command goes through the real dispatcher (and
// so call()) with fake clients; the units handed to a consumer are checked. Commands whose argv would
// not replay the same later (relative TTLs, randomness, float formatting, blocking pops) must leave in
// the deterministic form Redis 7.0 propagates.
import type { Client } from '../../src/server/context';
import type { Connection } from '../../src/server/connection';
import { keyspace, expiryControl } from '../../src/keyspace/db';
import { loadCommandTable, loadHandlerModules, getSpec, lookupCommand } from '../../src/server/commandTable';
import { dispatch, call } from '../../src/server/dispatcher';
import { addPropConsumer, removePropConsumer, emitPending, prop, type PropUnit } from '../../src/server/propagate';
import { blockedClientCount } from '../../src/server/blocking';
import { createDumpPayload } from '../../src/keyspace/rdb';
import * as acl from '../../src/server/acl';

let nextId = 5000;
interface FakeConn extends Client {
  take(): string;
}
function fakeConn(): FakeConn {
  const c = {
    resp: 2,
    out: null as Buffer | null,
    opos: 0,
    mute: false,
    requestFlush() {},
    id: nextId++,
    addr: '127.0.0.1:1',
    laddr: '127.0.0.1:6379',
    fd: 7,
    name: '',
    db: keyspace.dbs[0],
    user: acl.defaultUser(),
    authenticated: true,
    ctime: Date.now(),
    lastInteraction: Date.now(),
    lastCmd: 'NULL',
    replyMode: 'on' as const,
    isLocal: true,
    cmd: null,
    subscriptions: 0,
    multi: null,
    watch: null,
    blocked: null,
    denyBlocking: false,
    ackSeq: 0,
    closeAfterReply() {},
    take(): string {
      const s = this.out ? this.out.toString('latin1', 0, this.opos) : '';
      this.out = null;
      this.opos = 0;
      return s;
    },
  };
  return c as unknown as FakeConn;
}

let units: PropUnit[] = [];
const consumer = (u: PropUnit): void => void units.push(u);
let c: FakeConn;

/** Runs a command; returns its reply. */
function run(cl: FakeConn, ...argv: (string | number)[]): string {
  dispatch(cl as unknown as Connection, argv.map(String));
  return cl.take();
}
/** The argv lists of the units emitted since the last call, one list per unit. */
function emitted(): string[][][] {
  const out = units.map((u) => u.ops.map((o) => o.argv));
  units = [];
  return out;
}
/** Runs a command that must emit exactly one unit of one op; returns that op's argv. */
function one(...argv: (string | number)[]): string[] {
  run(c, ...argv);
  const u = emitted();
  expect(u.length).toBe(1);
  expect(u[0].length).toBe(1);
  return u[0][0];
}
/** Runs a command that must propagate nothing. */
function none(...argv: (string | number)[]): string {
  const r = run(c, ...argv);
  expect(emitted()).toEqual([]);
  return r;
}
/** The absolute ms time an op carries, checked against the clock window around the command. */
function expectAbs(ms: string, before: number, after: number, offset: number): void {
  expect(Number(ms)).toBeGreaterThanOrEqual(before + offset);
  expect(Number(ms)).toBeLessThanOrEqual(after + offset);
}
const bulkOf = (reply: string): string => reply.split('\r\n')[1];

beforeAll(() => {
  keyspace.init(16);
  loadCommandTable();
  loadHandlerModules();
  addPropConsumer(consumer);
});
afterAll(() => removePropConsumer(consumer));
beforeEach(() => {
  for (const db of keyspace.dbs) db.flush();
  units = [];
  c = fakeConn();
});
afterEach(() => {
  expect(prop.ops.length).toBe(0);
  expect(prop.depth).toBe(0);
});

describe('plain commands', () => {
  test('a write propagates its own argv, a read nothing, a failed write nothing', () => {
    expect(one('SET', 'k', 'v')).toEqual(['SET', 'k', 'v']);
    expect(none('GET', 'k')).toBe('$1\r\nv\r\n');
    expect(none('LPUSH', 'k', 'x')).toMatch(/^-WRONGTYPE/);
    none('SET', 'k', 'w', 'NX'); // aborted: nothing changed
    none('DEL', 'nokey');
  });

  test('call() queues the same ops; the unit leaves when emitted', () => {
    const spec = getSpec('set')!;
    call(c, spec, ['set', 'k', 'v', 'ex', '100']);
    expect(units.length).toBe(0);
    const op = prop.ops[0];
    expect(op.argv.slice(0, 4)).toEqual(['SET', 'k', 'v', 'PXAT']);
    emitPending();
    expect(emitted().length).toBe(1);
    expect(c.ackSeq).toBe(prop.seq);
  });

  test('MULTI/EXEC is one unit of the commands it ran, without EXEC', () => {
    none('MULTI');
    none('SET', 'a', '1');
    none('INCR', 'a');
    none('SET', 'b', 'x', 'EX', '100');
    none('GET', 'a');
    run(c, 'EXEC');
    const u = emitted();
    expect(u.length).toBe(1);
    expect(u[0].length).toBe(3);
    expect(u[0][0]).toEqual(['SET', 'a', '1']);
    expect(u[0][1]).toEqual(['INCR', 'a']);
    expect(u[0][2].slice(0, 4)).toEqual(['SET', 'b', 'x', 'PXAT']);
    expect(c.ackSeq).toBe(prop.seq);
    // a transaction that writes nothing propagates nothing
    none('MULTI');
    none('GET', 'a');
    none('EXEC');
  });
});

describe('relative and absolute times', () => {
  test('SET EX/PX/EXAT, SETEX, PSETEX -> SET key value PXAT <abs ms>; KEEPTTL and PXAT as is', () => {
    let t0 = Date.now();
    let op = one('SET', 'k', 'v', 'EX', '100');
    expect(op.slice(0, 4)).toEqual(['SET', 'k', 'v', 'PXAT']);
    expectAbs(op[4], t0, Date.now(), 100000);
    t0 = Date.now();
    op = one('SET', 'k', 'v', 'PX', '5000', 'GET');
    expect(op.slice(0, 4)).toEqual(['SET', 'k', 'v', 'PXAT']);
    expectAbs(op[4], t0, Date.now(), 5000);
    op = one('SET', 'k', 'v', 'XX', 'EXAT', '4000000000');
    expect(op).toEqual(['SET', 'k', 'v', 'PXAT', '4000000000000']);
    expect(one('SET', 'k', 'v', 'PXAT', '4000000000123')).toEqual(['SET', 'k', 'v', 'PXAT', '4000000000123']);
    expect(keyspace.dbs[0].getExpire('k')).toBe(4000000000123);
    expect(one('SET', 'k', 'w', 'KEEPTTL')).toEqual(['SET', 'k', 'w', 'KEEPTTL']);
    expect(keyspace.dbs[0].getExpire('k')).toBe(4000000000123);
    expect(one('SET', 'k', 'v', 'GET')).toEqual(['SET', 'k', 'v']); // GET is not propagated
    t0 = Date.now();
    op = one('SETEX', 'k', '10', 'v');
    expect(op.slice(0, 4)).toEqual(['SET', 'k', 'v', 'PXAT']);
    expectAbs(op[4], t0, Date.now(), 10000);
    t0 = Date.now();
    op = one('PSETEX', 'k', '1500', 'v');
    expect(op.slice(0, 4)).toEqual(['SET', 'k', 'v', 'PXAT']);
    expectAbs(op[4], t0, Date.now(), 1500);
    // far in the future: the text stays an exact integer a replay accepts
    op = one('SET', 'k', 'v', 'PXAT', '9223372036854775807');
    expect(op[4]).toBe('9223372036854775807');
    none('SET', 'k', 'v', 'EX', '0'); // error
  });

  test('GETEX -> PEXPIREAT / DEL / PERSIST; without options nothing', () => {
    run(c, 'SET', 'k', 'v');
    emitted();
    expect(none('GETEX', 'k')).toBe('$1\r\nv\r\n');
    let t0 = Date.now();
    let op = one('GETEX', 'k', 'EX', '100');
    expect(op.slice(0, 2)).toEqual(['PEXPIREAT', 'k']);
    expectAbs(op[2], t0, Date.now(), 100000);
    t0 = Date.now();
    op = one('GETEX', 'k', 'PX', '100');
    expectAbs(op[2], t0, Date.now(), 100);
    expect(one('GETEX', 'k', 'EXAT', '4000000000')).toEqual(['PEXPIREAT', 'k', '4000000000000']);
    expect(one('GETEX', 'k', 'PXAT', '4000000000001')).toEqual(['PEXPIREAT', 'k', '4000000000001']);
    expect(one('GETEX', 'k', 'PERSIST')).toEqual(['PERSIST', 'k']);
    none('GETEX', 'k', 'PERSIST'); // no TTL to remove
    expect(one('GETEX', 'k', 'PXAT', '1')).toEqual(['DEL', 'k']);
    expect(keyspace.dbs[0].has('k')).toBe(false);
    none('GETEX', 'k', 'EX', '10'); // missing key
  });

  test('EXPIRE family -> PEXPIREAT <abs ms> (flags kept); a past time -> DEL', () => {
    run(c, 'SET', 'k', 'v');
    emitted();
    let t0 = Date.now();
    let op = one('EXPIRE', 'k', '100');
    expect(op.slice(0, 2)).toEqual(['PEXPIREAT', 'k']);
    expectAbs(op[2], t0, Date.now(), 100000);
    t0 = Date.now();
    op = one('PEXPIRE', 'k', '200000', 'GT');
    expect(op[0]).toBe('PEXPIREAT');
    expectAbs(op[2], t0, Date.now(), 200000);
    expect(op[3]).toBe('GT');
    expect(one('EXPIREAT', 'k', '4000000000')).toEqual(['PEXPIREAT', 'k', '4000000000000']);
    expect(one('PEXPIREAT', 'k', '4000000000005')).toEqual(['PEXPIREAT', 'k', '4000000000005']);
    none('EXPIRE', 'k', '100', 'NX'); // has a TTL: nothing done
    none('EXPIRE', 'nokey', '100');
    expect(one('EXPIRE', 'k', '-1')).toEqual(['DEL', 'k']);
    expect(keyspace.dbs[0].has('k')).toBe(false);
    run(c, 'SET', 'k', 'v');
    emitted();
    expect(one('PEXPIREAT', 'k', '1')).toEqual(['DEL', 'k']);
  });

  test('RESTORE with a relative TTL -> absolute with ABSTTL, options kept', () => {
    const payload = createDumpPayload('hello').toString('latin1');
    expect(one('RESTORE', 'k', '0', payload)).toEqual(['RESTORE', 'k', '0', payload]);
    const t0 = Date.now();
    const op = one('RESTORE', 'k', '10000', payload, 'REPLACE', 'IDLETIME', '5');
    expect(op.length).toBe(8);
    expect([op[0], op[1], op[3], op[4], op[5], op[6], op[7]]).toEqual(['RESTORE', 'k', payload, 'REPLACE', 'IDLETIME', '5', 'ABSTTL']);
    expectAbs(op[2], t0, Date.now(), 10000);
    expect(one('RESTORE', 'k', '4000000000000', payload, 'REPLACE', 'ABSTTL')).toEqual(['RESTORE', 'k', '4000000000000', payload, 'REPLACE', 'ABSTTL']);
    // REPLACE with an expired absolute TTL deletes the old key
    expect(one('RESTORE', 'k', '1', payload, 'REPLACE', 'ABSTTL')).toEqual(['DEL', 'k']);
    none('RESTORE', 'k', '1', payload, 'ABSTTL'); // nothing to delete, nothing created
    expect(keyspace.dbs[0].has('k')).toBe(false);
  });

  test('while loading, a past absolute time sets the TTL instead of deleting', () => {
    const db = keyspace.dbs[0];
    const payload = createDumpPayload('hello').toString('latin1');
    run(c, 'SET', 'a', 'v');
    run(c, 'SET', 'b', 'v');
    run(c, 'SET', 'g', 'v');
    emitted();
    prop.loading = true;
    expiryControl.suspended = true;
    try {
      none('PEXPIREAT', 'a', '1000');
      none('EXPIRE', 'b', '-5');
      none('GETEX', 'g', 'PXAT', '2000');
      none('RESTORE', 'r', '3000', payload, 'ABSTTL');
      none('SET', 's', 'v', 'PXAT', '4000');
      expect([db.getExpire('a'), db.getExpire('b'), db.getExpire('g'), db.getExpire('r'), db.getExpire('s')]).toEqual([
        1000,
        db.getExpire('b'),
        2000,
        3000,
        4000,
      ]);
      expect(db.getExpire('b')).toBeLessThan(Date.now());
      for (const k of ['a', 'b', 'g', 'r', 's']) expect(db.dict.has(k)).toBe(true);
    } finally {
      prop.loading = false;
      expiryControl.suspended = false;
    }
  });
});

describe('randomness and floats', () => {
  test('SPOP -> SREM of the popped members, DEL when it took the whole set; SRANDMEMBER nothing', () => {
    run(c, 'SADD', 's', 'a', 'b', 'c', 'd', 'e');
    emitted();
    none('SRANDMEMBER', 's');
    none('SRANDMEMBER', 's', '-3');
    const m = bulkOf(run(c, 'SPOP', 's'));
    expect(emitted()).toEqual([[['SREM', 's', m]]]);
    const r = run(c, 'SPOP', 's', '2');
    const popped = r.split('\r\n').filter((_, i) => i % 2 === 0 && i > 0);
    expect(emitted()).toEqual([[['SREM', 's', ...popped]]]);
    expect(popped.length).toBe(2);
    none('SPOP', 's', '0');
    expect(one('SPOP', 's', '10')).toEqual(['DEL', 's']);
    none('SPOP', 's');
  });

  test('INCRBYFLOAT -> SET key <value> KEEPTTL; HINCRBYFLOAT -> HSET key field <value>', () => {
    expect(one('INCRBYFLOAT', 'f', '1.5')).toEqual(['SET', 'f', '1.5', 'KEEPTTL']);
    expect(one('INCRBYFLOAT', 'f', '0.1')).toEqual(['SET', 'f', '1.6', 'KEEPTTL']);
    none('INCRBYFLOAT', 'f', 'abc');
    expect(one('HINCRBYFLOAT', 'h', 'x', '2.5')).toEqual(['HSET', 'h', 'x', '2.5']);
    expect(one('HINCRBYFLOAT', 'h', 'x', '-0.5')).toEqual(['HSET', 'h', 'x', '2']);
  });
});

describe('blocking commands', () => {
  test('served at once: propagated as the non-blocking pop of the key that was served', () => {
    run(c, 'RPUSH', 'l', 'a', 'b', 'c', 'd', 'e');
    run(c, 'ZADD', 'z', '1', 'x', '2', 'y', '3', 'w', '4', 'v');
    emitted();
    expect(one('BLPOP', 'nokey', 'l', '0')).toEqual(['LPOP', 'l']);
    expect(one('BRPOP', 'nokey', 'l', '0')).toEqual(['RPOP', 'l']);
    expect(one('BLMPOP', '0', '2', 'nokey', 'l', 'RIGHT', 'COUNT', '1')).toEqual(['RPOP', 'l', '1']);
    expect(one('LMPOP', '1', 'l', 'LEFT', 'COUNT', '5')).toEqual(['LPOP', 'l', '2']); // all that was left
    run(c, 'RPUSH', 'l', 'a', 'b', 'c');
    emitted();
    expect(one('BLMOVE', 'l', 'd', 'left', 'Right', '0')).toEqual(['LMOVE', 'l', 'd', 'LEFT', 'RIGHT']);
    expect(one('BRPOPLPUSH', 'l', 'd', '0')).toEqual(['RPOPLPUSH', 'l', 'd']);
    expect(one('BZPOPMIN', 'nokey', 'z', '0')).toEqual(['ZPOPMIN', 'z']);
    expect(one('BZPOPMAX', 'z', '0')).toEqual(['ZPOPMAX', 'z']);
    expect(one('BZMPOP', '0', '1', 'z', 'MIN', 'COUNT', '5')).toEqual(['ZPOPMIN', 'z', '2']);
    expect(keyspace.dbs[0].has('z')).toBe(false);
    // inside MULTI a blocking pop with nothing to pop answers at once and propagates nothing
    none('MULTI');
    none('BLPOP', 'nokey', '0');
    none('EXEC');
  });

  test('served later: the pop joins the unit of the write that served it', () => {
    const b1 = fakeConn();
    const b2 = fakeConn();
    expect(run(b1, 'BLPOP', 'k1', 'k2', '0')).toBe('');
    expect(run(b2, 'BRPOP', 'k2', '0')).toBe('');
    expect(blockedClientCount()).toBe(2);
    expect(emitted()).toEqual([]);
    run(c, 'RPUSH', 'k2', 'a', 'b', 'c');
    expect(b1.take()).toBe('*2\r\n$2\r\nk2\r\n$1\r\na\r\n');
    expect(b2.take()).toBe('*2\r\n$2\r\nk2\r\n$1\r\nc\r\n');
    expect(emitted()).toEqual([
      [
        ['RPUSH', 'k2', 'a', 'b', 'c'],
        ['LPOP', 'k2'],
        ['RPOP', 'k2'],
      ],
    ]);
    // the served clients' replies acknowledge that unit
    expect(b1.ackSeq).toBe(prop.seq);
    expect(b2.ackSeq).toBe(prop.seq);
    expect(c.ackSeq).toBe(prop.seq);
  });

  test('served later: BLMPOP, BLMOVE, BRPOPLPUSH, BZPOPMIN, BZMPOP', () => {
    const b = fakeConn();
    run(b, 'BLMPOP', '0', '2', 'x', 'l', 'RIGHT', 'COUNT', '5');
    run(c, 'LPUSH', 'l', 'a', 'b');
    expect(emitted()).toEqual([
      [
        ['LPUSH', 'l', 'a', 'b'],
        ['RPOP', 'l', '2'],
      ],
    ]);
    expect(b.take()).toBe('*2\r\n$1\r\nl\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n');

    run(b, 'BLMOVE', 'src', 'dst', 'RIGHT', 'LEFT', '0');
    run(c, 'RPUSH', 'src', 'a', 'b');
    expect(emitted()).toEqual([
      [
        ['RPUSH', 'src', 'a', 'b'],
        ['LMOVE', 'src', 'dst', 'RIGHT', 'LEFT'],
      ],
    ]);
    expect(b.take()).toBe('$1\r\nb\r\n');

    run(b, 'BRPOPLPUSH', 'src2', 'dst', '0');
    run(c, 'LPUSH', 'src2', 'x');
    expect(emitted()).toEqual([
      [
        ['LPUSH', 'src2', 'x'],
        ['RPOPLPUSH', 'src2', 'dst'],
      ],
    ]);
    expect(b.take()).toBe('$1\r\nx\r\n');

    run(b, 'BZPOPMIN', 'z0', 'z', '0');
    run(c, 'ZADD', 'z', '1', 'm', '2', 'n');
    expect(emitted()).toEqual([
      [
        ['ZADD', 'z', '1', 'm', '2', 'n'],
        ['ZPOPMIN', 'z'],
      ],
    ]);
    expect(b.take()).toBe('*3\r\n$1\r\nz\r\n$1\r\nm\r\n$1\r\n1\r\n');

    run(b, 'BZMPOP', '0', '1', 'z2', 'MAX', 'COUNT', '3');
    run(c, 'ZADD', 'z2', '1', 'm', '2', 'n');
    expect(emitted()).toEqual([
      [
        ['ZADD', 'z2', '1', 'm', '2', 'n'],
        ['ZPOPMAX', 'z2', '2'],
      ],
    ]);
    expect(b.take()).toBe('*2\r\n$2\r\nz2\r\n*2\r\n*2\r\n$1\r\nn\r\n$1\r\n2\r\n*2\r\n$1\r\nm\r\n$1\r\n1\r\n');
    expect(blockedClientCount()).toBe(0);
  });

  test('a client served in another database propagates in that database', () => {
    const b = fakeConn();
    run(b, 'SELECT', '3');
    run(b, 'BLPOP', 'q', '0');
    run(c, 'SELECT', '3');
    run(c, 'LPUSH', 'q', 'v');
    expect(units.length).toBe(1);
    expect(units[0].ops.map((o) => [o.db, ...o.argv])).toEqual([
      [3, 'LPUSH', 'q', 'v'],
      [3, 'LPOP', 'q'],
    ]);
    units = [];
  });
});

describe('replay', () => {
  /** Every key of every db with its type, payload and TTL. */
  function snapshot(): string[] {
    const out: string[] = [];
    for (const db of keyspace.dbs) {
      for (const [k, v] of db.dict) out.push(`${db.id}|${k}|${createDumpPayload(v).toString('hex')}|${db.getExpire(k) ?? -1}`);
    }
    return out.sort();
  }

  test('replaying the units later, with a client that cannot block, rebuilds the same keyspace', async () => {
    const payload = createDumpPayload('dumped').toString('latin1');
    const b = fakeConn();
    const script: (string | number)[][] = [
      ['SET', 'a', '1', 'EX', '100'],
      ['SETEX', 'b', '50', 'x'],
      ['PSETEX', 'b2', '50000', 'x'],
      ['SET', 'c', '1'],
      ['EXPIRE', 'c', '30'],
      ['GETEX', 'a', 'PX', '77777'],
      ['SADD', 's', 'a', 'b', 'c', 'd', 'e', 'f', 'g'],
      ['SPOP', 's'],
      ['SPOP', 's', '3'],
      ['INCRBYFLOAT', 'f', '0.1'],
      ['INCRBYFLOAT', 'f', '0.2'],
      ['HINCRBYFLOAT', 'h', 'x', '1e-3'],
      ['RESTORE', 'r', '60000', payload],
      ['RPUSH', 'l1', 'a', 'b', 'c'],
      ['BLPOP', 'l0', 'l1', '5'],
      ['LMPOP', '2', 'l0', 'l1', 'RIGHT', 'COUNT', '9'],
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
      ['BZMPOP', '1', '2', 'z0', 'z', 'MAX', 'COUNT', '2'],
    ];
    for (const argv of script) run(c, ...argv);
    // blocked clients served later
    run(b, 'BLMOVE', 'q0', 'q1', 'LEFT', 'RIGHT', '0');
    run(c, 'RPUSH', 'q0', 'x', 'y');
    run(b, 'BZPOPMAX', 'zz', '0');
    run(c, 'ZADD', 'zz', '5', 'p', '6', 'q');
    const before = snapshot();
    const log = units;
    units = [];
    for (const db of keyspace.dbs) db.flush();
    await new Promise((r) => setTimeout(r, 25));

    // Like the WAL replay: each op straight to its handler (outside call()), muted, unable to block.
    const replayer = fakeConn();
    replayer.denyBlocking = true;
    replayer.mute = true;
    prop.loading = true;
    expiryControl.suspended = true;
    try {
      for (const u of log) {
        for (const op of u.ops) {
          const spec = lookupCommand(op.argv).spec!;
          replayer.db = keyspace.dbs[op.db];
          replayer.cmd = spec;
          spec.handler!(replayer, op.argv);
        }
      }
    } finally {
      prop.loading = false;
      expiryControl.suspended = false;
    }
    expect(units).toEqual([]);
    expect(prop.rewrite).toBeNull();
    expect(snapshot()).toEqual(before);
  });
});

// Persistence of a real Strata process on a real disk (src/persistence): restarts (SIGTERM and kill -9)
// keep every type, TTL and range index; replaying the WAL rebuilds exactly the live dataset whatever the
// writes (random SPOP, relative TTLs, served blocking pops, expiries...); SAVE / BGSAVE (point in time, also
// inside MULTI) / BGREWRITEAOF / DEBUG RELOAD / SHUTDOWN / FLUSHALL; the snapshot layout
// (snapshots/snapshot-<seq>/dump.rdb, CURRENT, <dir>/dump.rdb); INFO persistence and
// rdb_changes_since_last_save; the data-dir lock; torn WAL tails are cut, corruption in the middle refuses
// to start, a damaged snapshot falls back to an older one; BGREWRITEAOF drops the WAL below the oldest kept
// snapshot; appendfsync always with several clients; CONFIG SET dir refused.
// RDB interop with redis-server / redis-check-rdb / redis-cli --rdb: persistence.rdb.test.ts; a full disk:
// persistence.enospc.test.ts; kill -9 under load: test/crash/persistence.crash.*.test.ts.
import * as fs from 'fs';
import * as path from 'path';
import { startStrata, startRedis, stopAll, makeTempDir, redisAvailable, warnRedisMissing, ServerHandle } from '../helpers/servers';
import { RespClient, decodeReply, toJS, Arg } from '../helpers/resp';
import {
  APPENDONLY,
  start,
  connect,
  closeClients,
  js,
  info,
  waitLoaded,
  waitIdle,
  populate,
  dumpAll,
  walSegments,
  parseSegment,
  encodeRecord,
  snapshotNames,
} from './persistence.helpers';

afterAll(async () => {
  closeClients();
  await stopAll();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('restart keeps the dataset', () => {
  test.each([
    ['SIGTERM (the WAL only)', false, ['--save', '']],
    ['SIGTERM with a save point (a final snapshot)', false, ['--save', '3600', '1']],
    ['kill -9', true, ['--save', '']],
  ])('every type, TTLs, several dbs and a range index survive a %s restart', async (_name, kill, args) => {
    const h = await start({ args });
    let c = await connect(h);
    await populate(c, { rangeIndex: true });
    const before = await dumpAll(c);
    expect(Object.keys(before).length).toBeGreaterThan(20);
    if (kill) await h.kill9();
    else expect((await h.stop()).code).toBe(0);
    expect(snapshotNames(h.dir).length).toBe(args[1] === '3600' ? 1 : 0);
    const h2 = await start({ dir: h.dir, args });
    c = await connect(h2);
    expect(await dumpAll(c)).toEqual(before);
    // The range index is a working index again, not just data.
    expect(await js(c, 'RI.SET', 'ri:idx', 'user:9999', 'new')).toBe('OK');
    expect(await js(c, 'RI.COUNT', 'ri:idx', 'user:0000', 'user:9999')).toBe(501);
    await h2.stop();
  });

  test('a key that expires while the server is down is gone after the restart, and its DEL is not needed in the log', async () => {
    const h = await start({ args: ['--save', ''] });
    const c = await connect(h);
    expect(await js(c, 'SET', 'short', 'v', 'PX', '300')).toBe('OK');
    expect(await js(c, 'SET', 'long', 'v', 'EX', '1000')).toBe('OK');
    await h.kill9();
    await sleep(500);
    const h2 = await start({ dir: h.dir, args: ['--save', ''] });
    const c2 = await connect(h2);
    expect(await js(c2, 'EXISTS', 'short')).toBe(0);
    expect(await js(c2, 'GET', 'long')).toBe('v');
    const ttl = (await js(c2, 'TTL', 'long')) as number;
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1000);
    await h2.stop();
  });

  test('replies during recovery are -LOADING or the recovered data, never a half-loaded keyspace', async () => {
    const h = await start({ args: ['--save', ''] });
    const c = await connect(h);
    // Enough records that the replay takes a while (the WAL, no snapshot).
    for (let b = 0; b < 40; b++) {
      const cmds: Arg[][] = [];
      for (let i = 0; i < 1000; i++) cmds.push(['SET', `k${b * 1000 + i}`, `v${b * 1000 + i}`]);
      await c.pipeline(cmds);
    }
    expect(await js(c, 'SET', 'last', 'done')).toBe('OK');
    await h.kill9();
    const h2 = await startStrata({ dir: h.dir, args: [...APPENDONLY, '--save', ''] });
    const c2 = await connect(h2);
    let loading = 0;
    for (let n = 0; n < 5000; n++) {
      const r = await js(c2, 'GET', 'last');
      if (r instanceof Error) {
        expect(r.message).toBe('LOADING Redis is loading the dataset in memory');
        loading++;
        if (loading === 1) {
          const inf = await info(c2, 'persistence');
          // INFO answers during loading and says so (or loading just ended).
          expect(['0', '1']).toContain(inf.loading);
        }
        await sleep(2);
        continue;
      }
      expect(r).toBe('done');
      break;
    }
    expect(await js(c2, 'DBSIZE')).toBe(40001);
    expect(await js(c2, 'GET', 'k39999')).toBe('v39999');
    await h2.stop();
  });
});

describe('replay', () => {
  // The WAL holds each command's effect (relative TTLs as absolute times, SPOP as SREM, INCRBYFLOAT as a
  // SET, a served BLPOP as a pop, expired keys as DEL...): replaying it must rebuild exactly the dataset
  // the live server has, whatever the commands.
  test('every kind of write replays to the same dataset (kill -9 restart and DEBUG LOADAOF)', async () => {
    const args = ['--save', '', '--enable-debug-command', 'yes'];
    const h = await start({ args });
    const c = await connect(h);
    const b = await connect(h);
    const now = Date.now();
    const script: Arg[][] = [
      // strings
      ['SET', 's1', '10'],
      ['INCRBYFLOAT', 's1', '1.5'],
      ['INCRBY', 'n1', '7'],
      ['DECRBY', 'n1', '2'],
      ['APPEND', 's2', 'abc'],
      ['APPEND', 's2', 'def'],
      ['SETRANGE', 's2', '10', 'xyz'],
      ['GETSET', 's3', 'a'],
      ['SET', 's3', 'b', 'GET'],
      ['GETEX', 's3', 'EX', '500'],
      ['SET', 's4', 'v', 'PXAT', String(now + 9_000_000)],
      ['SET', 's4', 'w', 'KEEPTTL'],
      ['SETEX', 's5', '700', 'x'],
      ['PSETEX', 's6', '800000', 'y'],
      ['SETNX', 's7', 'z'],
      ['SETNX', 's7', 'zz'],
      ['MSETNX', 'm1', '1', 'm2', '2'],
      ['SET', 'gd', 'gone'],
      ['GETDEL', 'gd'],
      ['SETBIT', 'bits', '100', '1'],
      ['SETBIT', 'bits2', '3', '1'],
      ['BITOP', 'OR', 'bits3', 'bits', 'bits2'],
      ['SET', 'pers', 'p', 'EX', '100'],
      ['PERSIST', 'pers'],
      ['SET', 'ttl1', 'x'],
      ['EXPIRE', 'ttl1', '1000'],
      ['EXPIRE', 'ttl1', '2000', 'GT'],
      ['PEXPIRE', 'ttl1', '10', 'GT'],
      ['EXPIREAT', 'ttl1', String(Math.floor(now / 1000) + 5000), 'XX'],
      // lists
      ['RPUSH', 'l1', 'a', 'b', 'c', 'd', 'e', 'f'],
      ['LPUSH', 'l1', 'z'],
      ['RPUSHX', 'l1', 'g'],
      ['LPUSHX', 'nolist', 'x'],
      ['LINSERT', 'l1', 'BEFORE', 'c', 'bc'],
      ['LSET', 'l1', '0', 'Z'],
      ['LREM', 'l1', '1', 'd'],
      ['LPOP', 'l1', '2'],
      ['RPOPLPUSH', 'l1', 'l2'],
      ['LMOVE', 'l1', 'l2', 'LEFT', 'RIGHT'],
      ['LMPOP', '2', 'nolist', 'l1', 'RIGHT', 'COUNT', '1'],
      ['RPUSH', 'l3', '1', '2', '3', '4', '5'],
      ['LTRIM', 'l3', '1', '-2'],
      // hashes
      ['HSET', 'h1', 'a', '1', 'b', '2', 'c', '3'],
      ['HSETNX', 'h1', 'a', 'no'],
      ['HSETNX', 'h1', 'd', 'yes'],
      ['HINCRBY', 'h1', 'a', '10'],
      ['HINCRBYFLOAT', 'h1', 'f', '0.25'],
      ['HDEL', 'h1', 'b'],
      ['HMSET', 'h2', 'x', '1'],
      // sets (SPOP is random: the log must hold what it removed)
      ['SADD', 'st1', ...Array.from({ length: 50 }, (_, i) => `m${i}`)],
      ['SPOP', 'st1'],
      ['SPOP', 'st1', '5'],
      ['SREM', 'st1', 'm0', 'm1'],
      ['SMOVE', 'st1', 'st2', 'm2'],
      ['SADD', 'st3', 'm3', 'm4', 'zz'],
      ['SINTERSTORE', 'st4', 'st1', 'st3'],
      ['SUNIONSTORE', 'st5', 'st2', 'st3'],
      ['SDIFFSTORE', 'st6', 'st3', 'st1'],
      ['SADD', 'sp', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'],
      ['SPOP', 'sp', '8'],
      // sorted sets
      ['ZADD', 'z1', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e'],
      ['ZADD', 'z1', 'GT', '0', 'a'],
      ['ZADD', 'z1', 'LT', '0', 'a'],
      ['ZADD', 'z1', 'XX', 'INCR', '2.5', 'b'],
      ['ZADD', 'z1', 'NX', '9', 'b', '9', 'f'],
      ['ZINCRBY', 'z1', '-1', 'c'],
      ['ZREM', 'z1', 'd'],
      ['ZPOPMIN', 'z1'],
      ['ZPOPMAX', 'z1', '1'],
      ['ZMPOP', '1', 'z1', 'MIN', 'COUNT', '1'],
      ['ZADD', 'z2', '1', 'a', '2', 'b', '3', 'x', '4', 'y'],
      ['ZUNIONSTORE', 'z3', '2', 'z1', 'z2', 'WEIGHTS', '2', '3', 'AGGREGATE', 'MAX'],
      ['ZINTERSTORE', 'z4', '2', 'z1', 'z2'],
      ['ZDIFFSTORE', 'z5', '2', 'z2', 'z1'],
      ['ZRANGESTORE', 'z6', 'z2', '1', '2'],
      ['ZADD', 'z7', '0', 'a', '0', 'b', '0', 'c', '0', 'd'],
      ['ZREMRANGEBYLEX', 'z7', '[b', '[c'],
      ['ZREMRANGEBYRANK', 'z2', '0', '0'],
      ['ZREMRANGEBYSCORE', 'z2', '4', '4'],
      // keys
      ['SET', 'k1', 'v1'],
      ['RENAME', 'k1', 'k2'],
      ['SET', 'k3', 'v3'],
      ['RENAMENX', 'k2', 'k3'],
      ['COPY', 'k2', 'k4'],
      ['COPY', 'h1', 'h1copy', 'DB', '2'],
      ['MOVE', 'k4', '1'],
      ['SET', 'u1', 'x'],
      ['UNLINK', 'u1'],
      ['DEL', 'nokey', 's7'],
      // range indexes
      ['RI.CREATE', 'ri1'],
      ['RI.MSET', 'ri1', 'a', '1', 'b', '2', 'c', '3', 'd', '4'],
      ['RI.MDEL', 'ri1', 'b', 'nope'],
      ['RI.DEL', 'ri1', 'c'],
      ['COPY', 'ri1', 'ri2'],
      ['RI.SET', 'ri2', 'e', '5'],
      ['RENAME', 'ri2', 'ri3'],
      ['MOVE', 'ri3', '1'],
      ['RI.CREATE', 'ri4', 'MEMORY'],
      ['RI.SET', 'ri4', 'k', 'v'],
      ['DEL', 'ri4'],
      // transactions
      ['MULTI'],
      ['SPOP', 'st1'],
      ['INCR', 'txc'],
      ['SELECT', '1'],
      ['SET', 'in-db1', 'from-multi'],
      ['SELECT', '0'],
      ['EXEC'],
      // another database, then flushed
      ['SELECT', '3'],
      ['SET', 'gone1', 'x'],
      ['RPUSH', 'gone2', 'y'],
      ['FLUSHDB'],
      ['SET', 'kept', 'after-flush'],
      ['SELECT', '0'],
    ];
    for (const cmd of script) {
      const r = await js(c, ...cmd);
      if (r instanceof Error) throw new Error(`${cmd.join(' ')} -> ${r.message}`);
    }
    // DUMP/RESTORE with a relative TTL (the log must hold an absolute one).
    const dump = decodeReply(await c.call('DUMP', 'h1')).value as { value: Buffer };
    expect(await js(c, 'RESTORE', 'h1restored', '600000', dump.value)).toBe('OK');
    expect(await js(c, 'RESTORE', 'k3', '0', dump.value, 'REPLACE')).toBe('OK');
    // Blocked clients served by another client's write.
    const served = [
      b.call('BLPOP', 'bl', '0'),
    ];
    await sleep(50);
    expect(await js(c, 'RPUSH', 'bl', 'x', 'y')).toBe(2);
    expect(toJS(decodeReply(await served[0]).value)).toEqual(['bl', 'x']);
    const bz = b.call('BZPOPMIN', 'bz', '0');
    await sleep(50);
    expect(await js(c, 'ZADD', 'bz', '1', 'one', '2', 'two')).toBe(2);
    expect(toJS(decodeReply(await bz).value)).toEqual(['bz', 'one', '1']);
    const bm = b.call('BLMOVE', 'blm', 'blm2', 'LEFT', 'LEFT', '0');
    await sleep(50);
    expect(await js(c, 'RPUSH', 'blm', 'a', 'b')).toBe(2);
    expect(toJS(decodeReply(await bm).value)).toBe('a');
    // A blocked client served by EXEC: its pop is part of the transaction's unit.
    const inTx = b.call('BLPOP', 'bltx', '0');
    await sleep(50);
    const tx = await c.pipeline([['MULTI'], ['RPUSH', 'bltx', 'a', 'b'], ['INCR', 'txserved'], ['EXEC']]);
    expect(toJS(decodeReply(tx[3]).value)).toEqual([2, 1]);
    expect(toJS(decodeReply(await inTx).value)).toEqual(['bltx', 'a']);
    // Keys that expire: lazily (found by a command) and by the active cycle. The log needs their DELs:
    // a key that expired and was created again with another type must replay as the new one.
    expect(await js(c, 'SET', 'exp1', 'v', 'PX', '30')).toBe('OK');
    expect(await js(c, 'SET', 'exp2', 'v', 'PX', '30')).toBe('OK');
    expect(await js(c, 'HSET', 'exp3', 'f', 'v')).toBe(1);
    expect(await js(c, 'PEXPIRE', 'exp3', '30')).toBe(1);
    await sleep(400);
    expect(await js(c, 'RPUSH', 'exp1', 'now a list')).toBe(1);
    expect(await js(c, 'SADD', 'exp3', 'now a set')).toBe(1);
    const live = await dumpAll(c, 4);
    expect(Object.keys(live).length).toBeGreaterThan(40);
    expect(await js(c, 'DEBUG', 'LOADAOF')).toBe('OK');
    expect(await dumpAll(c, 4)).toEqual(live);
    await h.kill9();
    const h2 = await start({ dir: h.dir, args });
    expect(await dumpAll(await connect(h2), 4)).toEqual(live);
    await h2.stop();
  });
});

describe('snapshots started inside MULTI/EXEC', () => {
  // A snapshot taken in the middle of EXEC holds the effects of the commands before it, while the EXEC's
  // WAL record (all of its commands) gets a seq after the snapshot's: recovery must not apply them twice.
  test.each([['BGSAVE'], ['BGREWRITEAOF'], ['DEBUG RELOAD']])('MULTI; INCR x; %s; INCR y; EXEC, then kill -9: x and y are 1', async (cmd) => {
    const args = ['--save', '', '--enable-debug-command', 'yes'];
    const h = await start({ args });
    const c = await connect(h);
    expect(await js(c, 'SET', 'base', '1')).toBe('OK');
    const r = await c.pipeline([['MULTI'], ['INCR', 'x'], cmd.split(' '), ['INCR', 'y'], ['EXEC']]);
    const exec = toJS(decodeReply(r[4]).value) as unknown[];
    expect(exec[0]).toBe(1);
    expect(exec[2]).toBe(1);
    await waitIdle(c);
    expect(await js(c, 'MGET', 'x', 'y')).toEqual(['1', '1']);
    await h.kill9();
    const h2 = await start({ dir: h.dir, args });
    expect(await js(await connect(h2), 'MGET', 'base', 'x', 'y')).toEqual(['1', '1', '1']);
    await h2.stop();
  });
});

describe('snapshots', () => {
  test('SAVE writes snapshots/snapshot-<seq>/dump.rdb, CURRENT and <dir>/dump.rdb (the same file)', async () => {
    const h = await start({ args: ['--save', ''] });
    const c = await connect(h);
    for (let i = 0; i < 10; i++) await js(c, 'SET', `k${i}`, `v${i}`);
    const lastSeq = Number((await info(c, 'persistence')).wal_last_seq);
    expect(lastSeq).toBe(10);
    const t0 = (await js(c, 'LASTSAVE')) as number;
    expect(await js(c, 'SAVE')).toBe('OK');
    const name = `snapshot-${lastSeq}`;
    const snapDir = path.join(h.dir, 'snapshots', name);
    expect(fs.existsSync(path.join(snapDir, 'dump.rdb'))).toBe(true);
    expect(fs.readFileSync(path.join(h.dir, 'snapshots', 'CURRENT'), 'latin1').trim()).toBe(name);
    const link = fs.statSync(path.join(h.dir, 'dump.rdb'));
    const real = fs.statSync(path.join(snapDir, 'dump.rdb'));
    expect(link.ino).toBe(real.ino);
    expect(fs.readFileSync(path.join(h.dir, 'dump.rdb')).subarray(0, 9).toString('latin1')).toBe('REDIS0010');
    const inf = await info(c, 'persistence');
    expect(inf.snapshot_current).toBe(name);
    expect(Number(inf.snapshot_current_seq)).toBe(lastSeq);
    expect(Number(inf.rdb_saves)).toBe(1);
    expect(inf.rdb_last_bgsave_status).toBe('ok');
    const t1 = (await js(c, 'LASTSAVE')) as number;
    expect(t1).toBeGreaterThanOrEqual(t0);
    expect(Number(inf.rdb_last_save_time)).toBe(t1);
    // A second SAVE with more writes: a new snapshot, CURRENT and the link follow it.
    await js(c, 'SET', 'k10', 'v10');
    expect(await js(c, 'SAVE')).toBe('OK');
    expect(fs.readFileSync(path.join(h.dir, 'snapshots', 'CURRENT'), 'latin1').trim()).toBe(`snapshot-${lastSeq + 1}`);
    expect(fs.statSync(path.join(h.dir, 'dump.rdb')).ino).toBe(fs.statSync(path.join(h.dir, 'snapshots', `snapshot-${lastSeq + 1}`, 'dump.rdb')).ino);
    await h.stop();
  });

  test('snapshot-keep bounds the number of snapshots', async () => {
    const h = await start({ args: ['--save', '', '--snapshot-keep', '2'] });
    const c = await connect(h);
    for (let i = 0; i < 5; i++) {
      await js(c, 'SET', 'k', String(i));
      expect(await js(c, 'SAVE')).toBe('OK');
    }
    const names = snapshotNames(h.dir);
    expect(names.length).toBe(2);
    expect(names).toContain(fs.readFileSync(path.join(h.dir, 'snapshots', 'CURRENT'), 'latin1').trim());
    await h.stop();
  });

  test('BGSAVE while writes continue is a point-in-time snapshot', async () => {
    const h = await start({ args: ['--save', ''] });
    const c = await connect(h);
    const N = 30000;
    for (let b = 0; b < N; b += 1000) {
      const cmds: Arg[][] = [];
      for (let i = b; i < b + 1000; i++) cmds.push(['SET', `k${i}`, `old${i}`]);
      await c.pipeline(cmds);
    }
    await js(c, 'RPUSH', 'list', 'a', 'b', 'c');
    await js(c, 'HSET', 'hash', 'f', 'old');
    await js(c, 'RI.CREATE', 'ri');
    await c.pipeline(Array.from({ length: 20 }, (_, b) => ['RI.MSET', 'ri', ...Array.from({ length: 100 }, (_, i) => [`f${b * 100 + i}`, 'old']).flat()]));
    await js(c, 'MSET', 'mv:1', 'one', 'mv:2', 'two', 'mv:3', 'three');
    await js(c, 'SELECT', '1');
    await js(c, 'SET', 'd1', 'old-in-db1');
    await js(c, 'SELECT', '0');
    const seqAtBgsave = Number((await info(c, 'persistence')).wal_last_seq);
    // BGSAVE and a flood of changes in the same pipeline: they run between the snapshot's steps.
    const cmds: Arg[][] = [['BGSAVE']];
    for (let i = 0; i < N; i += 3) cmds.push(['SET', `k${i}`, `new${i}`]);
    for (let i = 1; i < N; i += 3) cmds.push(['DEL', `k${i}`]);
    for (let i = 0; i < 2000; i++) cmds.push(['SET', `added${i}`, 'x']);
    cmds.push(['RPUSH', 'list', 'd'], ['HSET', 'hash', 'f', 'new']);
    cmds.push(['RI.SET', 'ri', 'f0', 'new'], ['RI.DEL', 'ri', 'f1'], ['RI.SET', 'ri', 'added', 'new'], ['RI.SET', 'ri', 'f1999', 'new']);
    cmds.push(['RENAME', 'mv:1', 'renamed'], ['MOVE', 'mv:2', '1'], ['COPY', 'mv:3', 'mv:3', 'DB', '2'], ['SET', 'mv:3', 'changed']);
    cmds.push(['SELECT', '1'], ['SET', 'd1', 'new-in-db1'], ['SET', 'd1b', 'added-in-db1'], ['SELECT', '0']);
    cmds.push(['FLUSHDB']);
    const replies = await c.pipeline(cmds);
    expect(toJS(decodeReply(replies[0]).value)).toBe('Background saving started');
    expect(toJS(decodeReply(replies[replies.length - 1]).value)).toBe('OK');
    await waitIdle(c);
    const inf = await info(c, 'persistence');
    expect(inf.rdb_last_bgsave_status).toBe('ok');
    expect(inf.snapshot_current).toBe(`snapshot-${seqAtBgsave}`);
    // Load the snapshot alone: a fresh dir with it as dump.rdb, no WAL.
    const dir2 = makeTempDir('strata-pit-');
    fs.copyFileSync(path.join(h.dir, 'snapshots', `snapshot-${seqAtBgsave}`, 'dump.rdb'), path.join(dir2, 'dump.rdb'));
    const h2 = await start({ dir: dir2, args: ['--appendonly', 'no', '--save', ''] });
    const c2 = await connect(h2);
    expect(await js(c2, 'DBSIZE')).toBe(N + 6);
    for (let b = 0; b < N; b += 1000) {
      const keys: string[] = [];
      for (let i = b; i < b + 1000; i++) keys.push(`k${i}`);
      const vals = (await js(c2, 'MGET', ...keys)) as (string | null)[];
      for (let i = b; i < b + 1000; i++) if (vals[i - b] !== `old${i}`) throw new Error(`k${i} in the snapshot is ${vals[i - b]}, expected old${i}`);
    }
    expect(await js(c2, 'EXISTS', 'added0')).toBe(0);
    expect(await js(c2, 'LRANGE', 'list', '0', '-1')).toEqual(['a', 'b', 'c']);
    expect(await js(c2, 'HGET', 'hash', 'f')).toBe('old');
    expect(await js(c2, 'RI.COUNT', 'ri', '', '\xff')).toBe(2000);
    expect(await js(c2, 'RI.MGET', 'ri', 'f0', 'f1', 'f1999', 'added')).toEqual(['old', 'old', 'old', null]);
    expect(await js(c2, 'MGET', 'mv:1', 'mv:2', 'mv:3', 'renamed')).toEqual(['one', 'two', 'three', null]);
    await js(c2, 'SELECT', '1');
    expect(await js(c2, 'KEYS', '*')).toEqual(['d1']);
    expect(await js(c2, 'GET', 'd1')).toBe('old-in-db1');
    await js(c2, 'SELECT', '2');
    expect(await js(c2, 'DBSIZE')).toBe(0);
    await h2.stop();
    // The live server has db 0 flushed, and so does its restart.
    const live = await dumpAll(c);
    expect(Object.keys(live).sort()).toEqual(['1:d1', '1:d1b', '1:mv:2', '2:mv:3']);
    await h.kill9();
    const h3 = await start({ dir: h.dir, args: ['--save', ''] });
    expect(await dumpAll(await connect(h3))).toEqual(live);
    await h3.stop();
  }, 60000);

  test('BGSAVE while a database it has not reached yet is written: the snapshot is valid and kill -9 loses nothing', async () => {
    const h = await start({ args: ['--save', ''] });
    const c = await connect(h);
    for (let b = 0; b < 20; b++) await c.pipeline(Array.from({ length: 1000 }, (_, i) => ['SET', `k${b * 1000 + i}`, `v${i}`]));
    await js(c, 'SELECT', '1');
    await js(c, 'SET', 'd1', 'old');
    await js(c, 'SELECT', '0');
    const r = await c.pipeline([['BGSAVE'], ['SELECT', '1'], ['SET', 'd1', 'new'], ['SET', 'd2', 'added'], ['SELECT', '0']]);
    expect(toJS(decodeReply(r[0]).value)).toBe('Background saving started');
    await waitIdle(c);
    expect((await info(c, 'persistence')).rdb_last_bgsave_status).toBe('ok');
    const live = await dumpAll(c);
    // The snapshot reads back whole (its RDB checksum is right) ...
    const snap = snapshotNames(h.dir).pop()!;
    const dir2 = makeTempDir('strata-snapcheck-');
    fs.copyFileSync(path.join(h.dir, 'snapshots', snap, 'dump.rdb'), path.join(dir2, 'dump.rdb'));
    const h2 = await start({ dir: dir2, args: ['--appendonly', 'no', '--save', ''] });
    const c2 = await connect(h2);
    await js(c2, 'SELECT', '1');
    expect(await js(c2, 'KEYS', '*')).toEqual(['d1']);
    expect(await js(c2, 'GET', 'd1')).toBe('old');
    await h2.stop();
    // ... and the live server's restart finds everything (the WAL below the snapshot may be gone).
    await h.kill9();
    const h3 = await start({ dir: h.dir, args: ['--save', ''] });
    expect(await dumpAll(await connect(h3))).toEqual(live);
    await h3.stop();
  }, 60000);

  test('BGSAVE replies and BGSAVE SCHEDULE as in Redis', async () => {
    const h = await start({ args: ['--save', ''] });
    const c = await connect(h);
    const cmds: Arg[][] = [];
    for (let i = 0; i < 20000; i++) cmds.push(['SET', `k${i}`, 'x'.repeat(50)]);
    await c.pipeline(cmds);
    const r = await c.pipeline([['BGSAVE'], ['BGSAVE'], ['BGSAVE', 'SCHEDULE'], ['BGSAVE', 'FOO']]);
    const v = r.map((b) => toJS(decodeReply(b).value));
    expect(v[0]).toBe('Background saving started');
    // The second may find the first still running (an error) or finished.
    if (v[1] instanceof Error) expect(v[1].message).toBe('ERR Background save already in progress');
    else expect(v[1]).toBe('Background saving started');
    expect(['Background saving scheduled', 'Background saving started']).toContain(v[2]);
    expect(v[3]).toBeInstanceOf(Error);
    await waitIdle(c);
    expect((await info(c, 'persistence')).rdb_last_bgsave_status).toBe('ok');
    await h.stop();
  });

  test('DEBUG RELOAD and DEBUG RELOAD NOSAVE keep the data; a kill -9 afterwards loses nothing', async () => {
    const args = ['--save', '', '--enable-debug-command', 'yes'];
    const h = await start({ args });
    const c = await connect(h);
    await populate(c, { rangeIndex: true });
    const before = await dumpAll(c);
    expect(await js(c, 'DEBUG', 'RELOAD')).toBe('OK');
    expect(await dumpAll(c)).toEqual(before);
    // Writes after the snapshot DEBUG RELOAD made: NOSAVE loads that snapshot and replays the WAL past it.
    expect(await js(c, 'SET', 'after-reload', '1')).toBe('OK');
    expect(await js(c, 'RPUSH', 'list:small', 'more')).toBe(6);
    const before2 = await dumpAll(c);
    expect(await js(c, 'DEBUG', 'RELOAD', 'NOSAVE')).toBe('OK');
    expect(await dumpAll(c)).toEqual(before2);
    expect(await js(c, 'DEBUG', 'LOADAOF')).toBe('OK');
    expect(await dumpAll(c)).toEqual(before2);
    expect(await js(c, 'INCR', 'after-reload')).toBe(2);
    const before3 = await dumpAll(c);
    await h.kill9();
    const h2 = await start({ dir: h.dir, args });
    expect(await dumpAll(await connect(h2))).toEqual(before3);
    await h2.stop();
  });

  test('FLUSHALL with save points writes an empty snapshot; keys written after it survive kill -9', async () => {
    const args = ['--save', '3600', '1'];
    const h = await start({ args });
    const c = await connect(h);
    await populate(c, { rangeIndex: true });
    expect(await js(c, 'SAVE')).toBe('OK');
    expect(await js(c, 'FLUSHALL')).toBe('OK');
    const inf = await info(c, 'persistence');
    expect(Number(inf.rdb_saves)).toBe(2);
    expect(inf.rdb_changes_since_last_save).toBe('0');
    await js(c, 'SET', 'after', 'flush');
    await h.kill9();
    const h2 = await start({ dir: h.dir, args });
    const c2 = await connect(h2);
    expect(await dumpAll(c2)).toEqual({ '0:after': [['string', 'flush'], -1] });
    await h2.stop();
  });

  test('SHUTDOWN SAVE writes a snapshot, SHUTDOWN NOSAVE does not; the WAL keeps the data either way', async () => {
    const args = ['--save', '3600', '1'];
    const h = await start({ args });
    let c = await connect(h);
    await js(c, 'SET', 'a', '1');
    c.write('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n');
    await h.exited;
    expect(snapshotNames(h.dir)).toEqual([]);
    const h2 = await start({ dir: h.dir, args });
    c = await connect(h2);
    expect(await js(c, 'GET', 'a')).toBe('1');
    await js(c, 'SET', 'b', '2');
    c.write('*2\r\n$8\r\nSHUTDOWN\r\n$4\r\nSAVE\r\n');
    expect((await h2.exited).code).toBe(0);
    expect(snapshotNames(h2.dir)).toEqual(['snapshot-2']);
    const h3 = await start({ dir: h.dir, args });
    c = await connect(h3);
    expect(await js(c, 'MGET', 'a', 'b')).toEqual(['1', '2']);
    expect((await info(c, 'persistence')).recovered_from).toBe('snapshot-2');
    await h3.stop();
  });
});

describe('INFO persistence and rdb_changes_since_last_save', () => {
  test('INFO persistence has the fields of Redis 7.0 (appendonly yes) and the WAL fields', async () => {
    const h = await start({ args: ['--save', ''] });
    const c = await connect(h);
    await js(c, 'SET', 'a', '1');
    const inf = await info(c, 'persistence');
    if (redisAvailable()) {
      const r = (await startRedis({ args: ['--appendonly', 'yes'] }))!;
      const rc = await connect(r);
      const rinf = await info(rc, 'persistence');
      await r.stop();
      const missing = Object.keys(rinf).filter((k) => !(k in inf));
      expect(missing).toEqual([]);
    } else warnRedisMissing('INFO persistence comparison');
    expect(inf.loading).toBe('0');
    expect(inf.aof_enabled).toBe('1');
    expect(inf.aof_last_write_status).toBe('ok');
    expect(inf.rdb_bgsave_in_progress).toBe('0');
    expect(inf.wal_fsync_policy).toBe('everysec');
    expect(inf.wal_last_seq).toBe('1');
    expect(inf.wal_written_seq).toBe('1');
    expect(Number(inf.aof_current_size)).toBeGreaterThan(32);
    for (const f of ['wal_segment', 'wal_segment_bytes', 'wal_synced_seq', 'wal_fsyncs', 'snapshot_current', 'recovered_from', 'recovered_wal_records']) {
      expect(inf).toHaveProperty(f);
    }
    // CONFIG SET appendonly no: the WAL closes and INFO says so.
    expect(await js(c, 'CONFIG', 'SET', 'appendonly', 'no')).toBe('OK');
    expect((await info(c, 'persistence')).aof_enabled).toBe('0');
    await h.stop();
  });

  test('rdb_changes_since_last_save counts SETs and SAVE resets it', async () => {
    const h = await start({ args: ['--save', ''] });
    const c = await connect(h);
    const changes = async () => Number((await info(c, 'persistence')).rdb_changes_since_last_save);
    expect(await changes()).toBe(0);
    await js(c, 'SET', 'a', '1');
    expect(await changes()).toBe(1);
    await js(c, 'SET', 'a', '2');
    await js(c, 'SET', 'b', '2');
    expect(await changes()).toBe(3);
    await js(c, 'GET', 'a');
    await js(c, 'SET', 'a', '3', 'NX'); // not done: no change
    expect(await changes()).toBe(3);
    expect(await js(c, 'SAVE')).toBe('OK');
    expect(await changes()).toBe(0);
    await js(c, 'SET', 'x', 'y');
    expect(await changes()).toBe(1);
    expect(await js(c, 'BGSAVE')).toBe('Background saving started');
    await waitIdle(c);
    expect(await changes()).toBe(0);
    // The count is not persisted: a restart starts from 0 (as Redis after loading).
    await js(c, 'SET', 'z', '1');
    await h.kill9();
    const h2 = await start({ dir: h.dir, args: ['--save', ''] });
    expect(Number((await info(await connect(h2), 'persistence')).rdb_changes_since_last_save)).toBe(0);
    await h2.stop();
  });

  (redisAvailable() ? test : test.skip)('rdb_changes_since_last_save counts like Redis 7.0 (elements of RPUSH, HSET, SADD...)', async () => {
    const steps: Arg[][] = [
      ['SET', 'a', '1'],
      ['SET', 'a', '2'],
      ['GET', 'a'],
      ['MSET', 'b', '1', 'c', '2'],
      ['INCR', 'a'],
      ['DEL', 'nokey'],
      ['DEL', 'b', 'c'],
      ['RPUSH', 'l', 'x', 'y', 'z'],
      ['HSET', 'h', 'f', 'v', 'g', 'w'],
      ['SADD', 's', 'a', 'b', 'a'],
      ['ZADD', 'z', '1', 'a', '2', 'b'],
      ['EXPIRE', 'a', '100'],
      ['SET', 'a', '3', 'NX'],
      ['SAVE'],
      ['SET', 'x', 'y'],
    ];
    const run = async (h: ServerHandle): Promise<string[]> => {
      const c = await connect(h);
      const out: string[] = [];
      for (const s of steps) {
        await js(c, ...s);
        out.push(`${s.join(' ')} -> ${(await info(c, 'persistence')).rdb_changes_since_last_save}`);
      }
      return out;
    };
    const h = await start({ args: ['--save', ''] });
    const got = await run(h);
    await h.stop();
    const r = (await startRedis())!;
    const want = await run(r);
    await r.stop();
    expect(got).toEqual(want);
  });
});

describe('the data-dir lock', () => {
  test('a second server on the same dir exits at once, naming the first one\'s pid', async () => {
    const h = await start({});
    const pid = h.proc.pid!;
    expect(Number(fs.readFileSync(path.join(h.dir, 'strata.lock'), 'latin1').trim())).toBe(pid);
    let err: Error | null = null;
    try {
      const h2 = await startStrata({ dir: h.dir, args: APPENDONLY });
      await h2.kill9();
    } catch (e) {
      err = e as Error;
    }
    expect(err).not.toBeNull();
    expect(err!.message).toMatch(/exited early with code 1/);
    expect(err!.message).toContain(`pid ${pid}`);
    // The first server is unharmed and still owns the lock.
    const c = await connect(h);
    expect(await js(c, 'SET', 'a', '1')).toBe('OK');
    expect(Number(fs.readFileSync(path.join(h.dir, 'strata.lock'), 'latin1').trim())).toBe(pid);
    await h.stop();
    // A clean stop removes the lock.
    expect(fs.existsSync(path.join(h.dir, 'strata.lock'))).toBe(false);
  });

  test('two servers started at once on one dir: exactly one runs, the other names its pid', async () => {
    const dir = makeTempDir('strata-lock-race-');
    const rs = await Promise.allSettled([startStrata({ dir, args: APPENDONLY }), startStrata({ dir, args: APPENDONLY })]);
    const ok = rs.filter((r): r is PromiseFulfilledResult<ServerHandle> => r.status === 'fulfilled');
    const bad = rs.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok.length).toBe(1);
    expect(bad.length).toBe(1);
    expect(String(bad[0].reason)).toContain(`pid ${ok[0].value.proc.pid}`);
    await waitLoaded(ok[0].value.port);
    await ok[0].value.stop();
  });

  test('a stale lock (dead pid, or a live pid that is not a Strata server) is taken over', async () => {
    const dir = makeTempDir('strata-lock-');
    // A pid that surely is not running: a process that has exited.
    const { spawnSync, spawn } = await import('child_process');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    fs.writeFileSync(path.join(dir, 'strata.lock'), `${dead}\n`);
    const h = await start({ dir });
    expect(Number(fs.readFileSync(path.join(dir, 'strata.lock'), 'latin1').trim())).toBe(h.proc.pid);
    await h.kill9();
    // kill -9 leaves the lock behind with a dead pid: the next start takes it over.
    expect(fs.existsSync(path.join(dir, 'strata.lock'))).toBe(true);
    const h2 = await start({ dir });
    expect(Number(fs.readFileSync(path.join(dir, 'strata.lock'), 'latin1').trim())).toBe(h2.proc.pid);
    await h2.stop();
    // A recycled pid: alive, but `sleep`, not a node process.
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      fs.writeFileSync(path.join(dir, 'strata.lock'), `${sleeper.pid}\n`);
      const h3 = await start({ dir });
      expect(Number(fs.readFileSync(path.join(dir, 'strata.lock'), 'latin1').trim())).toBe(h3.proc.pid);
      await h3.stop();
    } finally {
      sleeper.kill('SIGKILL');
    }
  });
});

describe('WAL damage', () => {
  /** A server with --save '' (all data in the WAL), `n` SETs, a clean stop. Returns the dir and segment path. */
  async function walOnly(n: number): Promise<{ dir: string; seg: string }> {
    const h = await start({ args: ['--save', ''] });
    const c = await connect(h);
    const cmds: Arg[][] = [];
    for (let i = 0; i < n; i++) cmds.push(['SET', `k${i}`, `v${i}`]);
    await c.pipeline(cmds);
    expect((await h.stop()).code).toBe(0);
    const segs = walSegments(h.dir);
    expect(segs.length).toBe(1);
    expect(snapshotNames(h.dir)).toEqual([]);
    return { dir: h.dir, seg: segs[0] };
  }

  async function expectKeys(c: RespClient, n: number): Promise<void> {
    expect(await js(c, 'DBSIZE')).toBe(n);
    const keys = Array.from({ length: n }, (_, i) => `k${i}`);
    expect(await js(c, 'MGET', ...keys)).toEqual(keys.map((_, i) => `v${i}`));
  }

  const tails: [string, (seg: Buffer, lastSeq: number) => Buffer][] = [
    ['a partial record (header and half the payload of the next one)', (_s, last) => {
      const r = encodeRecord(last + 1, 0, [['SET', 'torn', 'x'.repeat(40)]]);
      return r.subarray(0, r.length - 25);
    }],
    ['a partial record header (7 bytes)', (_s, last) => encodeRecord(last + 1, 0, [['SET', 'torn', 'y']]).subarray(0, 7)],
    ['a whole record with a bad checksum at the end of the file', (_s, last) => {
      const r = encodeRecord(last + 1, 0, [['SET', 'torn', 'z']]);
      r[r.length - 3] ^= 0x55;
      return r;
    }],
    ['zeros (the file grew, the data never reached the disk)', () => Buffer.alloc(700)],
    ['garbage whose length field runs past the end of the file', () => {
      const g = Buffer.alloc(50, 0xa7);
      g.writeUInt32LE(4000, 0);
      return g;
    }],
  ];

  test.each(tails)('torn tail: %s is cut off, every complete record is kept', async (_name, make) => {
    const { dir, seg } = await walOnly(50);
    const size = fs.statSync(seg).size;
    fs.appendFileSync(seg, make(fs.readFileSync(seg), 50));
    const h = await start({ dir, args: ['--save', ''] });
    const c = await connect(h);
    await expectKeys(c, 50);
    expect(await js(c, 'EXISTS', 'torn')).toBe(0);
    expect(h.logs()).toMatch(/torn tail/);
    expect(h.logs()).toContain(`"offset":${size}`);
    expect(fs.statSync(seg).size).toBe(size);
    // The log continues after the cut: new writes survive the next restart.
    expect(await js(c, 'SET', 'after', 'yes')).toBe('OK');
    await h.kill9();
    const h2 = await start({ dir, args: ['--save', ''] });
    const c2 = await connect(h2);
    expect(await js(c2, 'GET', 'after')).toBe('yes');
    expect(await js(c2, 'DBSIZE')).toBe(51);
    await h2.stop();
  });

  test('writes after a restart append to the resumed segment: two restarts in a row keep everything', async () => {
    const h = await start({ args: ['--save', ''] });
    expect(await js(await connect(h), 'SET', 'one', '1')).toBe('OK');
    await h.stop();
    const h2 = await start({ dir: h.dir, args: ['--save', ''] });
    expect(await js(await connect(h2), 'SET', 'two', '2')).toBe('OK');
    await h2.stop();
    const seg = walSegments(h.dir)[0];
    const parsed = parseSegment(fs.readFileSync(seg));
    expect(parsed.header).not.toBeNull();
    expect(parsed.records.map((r) => r.seq)).toEqual([1, 2]);
    const h3 = await start({ dir: h.dir, args: ['--save', ''] });
    expect(await js(await connect(h3), 'MGET', 'one', 'two')).toEqual(['1', '2']);
    await h3.stop();
  });

  test('a bit flip in the middle of a segment, with valid records after it, refuses to start and names the file and offset', async () => {
    const { dir, seg } = await walOnly(100);
    const buf = fs.readFileSync(seg);
    const { records } = parseSegment(buf);
    expect(records.length).toBe(100);
    const victim = records[50];
    buf[victim.offset + 20 + 5] ^= 0x04; // inside its payload
    fs.writeFileSync(seg, buf);
    let err: Error | null = null;
    try {
      const h = await startStrata({ dir, args: [...APPENDONLY, '--save', ''] });
      await waitLoaded(h.port, 20000).catch(() => undefined);
      await h.kill9();
    } catch (e) {
      err = e as Error;
    }
    expect(err).not.toBeNull();
    expect(err!.message).toMatch(/exited early with code 1/);
    expect(err!.message).toContain(seg);
    expect(err!.message).toContain(`offset ${victim.offset}`);
    // Nothing was cut: the file is as it was, for a human to look at.
    expect(fs.readFileSync(seg).equals(buf)).toBe(true);
  });

  test('a segment header that is damaged refuses to start', async () => {
    const { dir, seg } = await walOnly(10);
    const buf = fs.readFileSync(seg);
    buf[20] ^= 0x01; // first seq, covered by the header CRC
    fs.writeFileSync(seg, buf);
    await expect(startStrata({ dir, args: [...APPENDONLY, '--save', ''] })).rejects.toThrow(/exited early with code 1[\s\S]*segment-1\.bin/);
  });
});

describe('damaged snapshots', () => {
  function flipMiddle(file: string): void {
    const b = fs.readFileSync(file);
    b[Math.floor(b.length / 2)] ^= 0xff;
    fs.writeFileSync(file, b);
  }

  test('a damaged newest snapshot: recovery falls back to the older one and the WAL after it, nothing is lost', async () => {
    const args = ['--save', '', '--snapshot-keep', '2'];
    const h = await start({ args });
    const c = await connect(h);
    await populate(c, { rangeIndex: true });
    expect(await js(c, 'SAVE')).toBe('OK');
    await js(c, 'SET', 'b', 'after the first snapshot');
    expect(await js(c, 'SAVE')).toBe('OK');
    await js(c, 'SET', 'c', 'after the second snapshot');
    const want = await dumpAll(c);
    expect((await h.stop()).code).toBe(0);
    const names = snapshotNames(h.dir);
    expect(names.length).toBe(2);
    flipMiddle(path.join(h.dir, 'snapshots', names[1], 'dump.rdb'));
    const h2 = await start({ dir: h.dir, args });
    const c2 = await connect(h2);
    expect(await dumpAll(c2)).toEqual(want);
    expect(h2.logs()).toMatch(/snapshot unreadable/);
    expect((await info(c2, 'persistence')).recovered_from).toBe(names[0]);
    await h2.stop();
  });

  test('the only snapshot damaged and the WAL not reaching back to seq 1: refuses to start', async () => {
    const args = ['--save', '', '--snapshot-keep', '1', '--wal-segment-size', '16384'];
    const h = await start({ args });
    const c = await connect(h);
    for (let b = 0; b < 10; b++) await c.pipeline(Array.from({ length: 100 }, (_, i) => ['SET', `k${b * 100 + i}`, 'x'.repeat(100)]));
    expect(await js(c, 'BGREWRITEAOF')).toBe('Background append only file rewriting started');
    await waitIdle(c);
    await js(c, 'SET', 'after', 'rewrite');
    expect((await h.stop()).code).toBe(0);
    const first = parseSegment(fs.readFileSync(walSegments(h.dir)[0])).header!;
    expect(first.firstSeq).toBeGreaterThan(1);
    const names = snapshotNames(h.dir);
    expect(names.length).toBe(1);
    flipMiddle(path.join(h.dir, 'snapshots', names[0], 'dump.rdb'));
    await expect(startStrata({ dir: h.dir, args: [...APPENDONLY, ...args] })).rejects.toThrow(/exited early with code 1[\s\S]*refusing to start/);
  });
});

describe('BGREWRITEAOF and WAL retention', () => {
  test('BGREWRITEAOF leaves a new snapshot and drops the WAL segments below the oldest kept snapshot', async () => {
    const args = ['--save', '', '--wal-segment-size', '16384', '--snapshot-keep', '2'];
    const h = await start({ args });
    const c = await connect(h);
    const write = async (from: number, to: number) => {
      for (let b = from; b < to; b += 100) {
        const cmds: Arg[][] = [];
        for (let i = b; i < Math.min(to, b + 100); i++) cmds.push(['SET', `k${i % 1500}`, `v${i}-${'p'.repeat(60)}`]);
        await c.pipeline(cmds);
      }
    };
    await write(0, 3000);
    const segsBefore = walSegments(h.dir);
    expect(segsBefore.length).toBeGreaterThan(4);
    const seq1 = Number((await info(c, 'persistence')).wal_last_seq);
    expect(await js(c, 'BGREWRITEAOF')).toBe('Background append only file rewriting started');
    await waitIdle(c);
    let inf = await info(c, 'persistence');
    expect(inf.aof_rewrites).toBe('1');
    expect(inf.snapshot_current).toBe(`snapshot-${seq1}`);
    expect(snapshotNames(h.dir)).toEqual([`snapshot-${seq1}`]);
    expect(walSegments(h.dir).length).toBeLessThanOrEqual(2);
    checkRetention(h.dir, seq1);
    // More writes, a second rewrite: two snapshots kept, the WAL below the older one is gone.
    await write(3000, 6000);
    const seq2 = Number((await info(c, 'persistence')).wal_last_seq);
    expect(await js(c, 'BGREWRITEAOF')).toBe('Background append only file rewriting started');
    await waitIdle(c);
    inf = await info(c, 'persistence');
    expect(inf.aof_rewrites).toBe('2');
    expect(snapshotNames(h.dir).sort()).toEqual([`snapshot-${seq1}`, `snapshot-${seq2}`].sort());
    checkRetention(h.dir, seq1);
    // Both snapshots are usable: recovery from the newest, and the WAL still covers everything after the older.
    const before = await dumpAll(c);
    await write(6000, 6100);
    const after = await dumpAll(c);
    await h.kill9();
    const h2 = await start({ dir: h.dir, args });
    const c2 = await connect(h2);
    expect(await dumpAll(c2)).toEqual(after);
    expect((await info(c2, 'persistence')).recovered_from).toBe(`snapshot-${seq2}`);
    expect(before).not.toEqual(after);
    await h2.stop();
  }, 60000);

  /** Every segment left holds records above `oldestSeq` (or is the one recovery starts in). */
  function checkRetention(dir: string, oldestSeq: number): void {
    const segs = walSegments(dir).map((f) => parseSegment(fs.readFileSync(f)));
    expect(segs.length).toBeGreaterThan(0);
    // Recovery from the oldest snapshot needs the record after it.
    expect(segs[0].header!.firstSeq).toBeLessThanOrEqual(oldestSeq + 1);
    // No segment is wholly at or below it, except that one.
    for (let i = 0; i + 1 < segs.length; i++) expect(segs[i + 1].header!.firstSeq - 1).toBeGreaterThan(oldestSeq);
  }
});

describe('appendfsync always', () => {
  test('several clients pipelining writes all get their replies; everything acknowledged is synced and survives kill -9', async () => {
    const args = ['--save', '', '--appendfsync', 'always'];
    const h = await start({ args });
    const clients = await Promise.all(Array.from({ length: 8 }, () => connect(h)));
    await Promise.all(
      clients.map(async (c, ci) => {
        for (let b = 0; b < 10; b++) {
          const cmds: Arg[][] = [];
          for (let i = 0; i < 30; i++) cmds.push(['INCR', 'shared'], ['RPUSH', `own${ci}`, String(b * 30 + i)]);
          const r = (await c.pipeline(cmds)).map((x) => toJS(decodeReply(x).value));
          for (let i = 0; i < 30; i++) {
            expect(typeof r[2 * i]).toBe('number');
            expect(r[2 * i + 1]).toBe(b * 30 + i + 1);
          }
        }
      }),
    );
    const c = clients[0];
    expect(await js(c, 'GET', 'shared')).toBe('2400');
    const inf = await info(c, 'persistence');
    expect(inf.wal_fsync_policy).toBe('always');
    expect(Number(inf.wal_fsyncs)).toBeGreaterThan(0);
    // Every acknowledged record was fsynced before its reply left.
    expect(Number(inf.wal_synced_seq)).toBe(Number(inf.wal_last_seq));
    expect(Number(inf.wal_last_seq)).toBe(4800);
    await h.kill9();
    const h2 = await start({ dir: h.dir, args });
    const c2 = await connect(h2);
    expect(await js(c2, 'GET', 'shared')).toBe('2400');
    for (let ci = 0; ci < 8; ci++) expect(await js(c2, 'LLEN', `own${ci}`)).toBe(300);
    await h2.stop();
  });

  test('CONFIG SET appendonly yes on a server started without the WAL: what follows survives kill -9', async () => {
    const h = await start({ args: ['--appendonly', 'no', '--save', ''] });
    const c = await connect(h);
    await js(c, 'SET', 'before', '1');
    await js(c, 'RI.CREATE', 'ri');
    await js(c, 'RI.SET', 'ri', 'f', 'v');
    expect((await info(c, 'persistence')).aof_enabled).toBe('0');
    expect(await js(c, 'CONFIG', 'SET', 'appendonly', 'yes')).toBe('OK');
    await waitIdle(c);
    expect((await info(c, 'persistence')).aof_enabled).toBe('1');
    await js(c, 'SET', 'after', '2');
    await js(c, 'RI.SET', 'ri', 'g', 'w');
    await h.kill9();
    const h2 = await start({ dir: h.dir, args: ['--save', ''] });
    const c2 = await connect(h2);
    expect(await js(c2, 'MGET', 'before', 'after')).toEqual(['1', '2']);
    expect(await js(c2, 'RI.SCAN', 'ri', '', 'COUNT', '10', 'FIELDS', 'BOTH')).toEqual([['f', 'v'], ['g', 'w']]);
    await h2.stop();
  });

  test('CONFIG SET appendfsync switches the policy at run time', async () => {
    const h = await start({ args: ['--save', ''] });
    const c = await connect(h);
    expect(await js(c, 'CONFIG', 'SET', 'appendfsync', 'always')).toBe('OK');
    expect(await js(c, 'SET', 'a', '1')).toBe('OK');
    let inf = await info(c, 'persistence');
    expect(inf.wal_fsync_policy).toBe('always');
    expect(inf.wal_synced_seq).toBe(inf.wal_last_seq);
    expect(await js(c, 'CONFIG', 'SET', 'appendfsync', 'no')).toBe('OK');
    expect(await js(c, 'SET', 'b', '2')).toBe('OK');
    inf = await info(c, 'persistence');
    expect(inf.wal_fsync_policy).toBe('no');
    expect(inf.wal_written_seq).toBe(inf.wal_last_seq);
    await h.kill9();
    const h2 = await start({ dir: h.dir, args: ['--save', ''] });
    expect(await js(await connect(h2), 'MGET', 'a', 'b')).toEqual(['1', '2']);
    await h2.stop();
  });
});

describe('protected configs', () => {
  test('CONFIG SET dir and dbfilename are refused as in Redis', async () => {
    const h = await start({});
    const c = await connect(h);
    const other = makeTempDir('strata-otherdir-');
    const r1 = (await js(c, 'CONFIG', 'SET', 'dir', other)) as Error;
    const r2 = (await js(c, 'CONFIG', 'SET', 'dbfilename', 'x.rdb')) as Error;
    expect(r1).toBeInstanceOf(Error);
    expect(r1.message).toBe("ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config");
    expect(r2).toBeInstanceOf(Error);
    expect(r2.message).toBe("ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config");
    expect(await js(c, 'CONFIG', 'GET', 'dir')).toEqual(['dir', fs.realpathSync(h.dir)]);
    if (redisAvailable()) {
      const r = (await startRedis())!;
      const rc = await connect(r);
      expect(((await js(rc, 'CONFIG', 'SET', 'dir', other)) as Error).message).toBe(r1.message);
      await r.stop();
    }
    // Writes still go to the original dir.
    expect(await js(c, 'SET', 'a', '1')).toBe('OK');
    expect(await js(c, 'SAVE')).toBe('OK');
    expect(fs.existsSync(path.join(h.dir, 'dump.rdb'))).toBe(true);
    expect(fs.readdirSync(other)).toEqual([]);
    await h.stop();
  });
});

// Strata's snapshots and real Redis 7.0 tooling, both ways (skipped with a warning when redis-server is
// not installed): redis-check-rdb accepts Strata's dump.rdb; a dump.rdb saved by redis-server, copied into
// an empty dir, is Strata's dataset at start (and the base of its WAL); a Strata snapshot loads in
// redis-server with the same contents; `redis-cli --rdb` against Strata gives a file redis-check-rdb accepts.
import { spawnSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { startRedis, stopAll, makeTempDir, redisAvailable, warnRedisMissing, which, redisServerPath, redisCliPath } from '../helpers/servers';
import { start, connect, closeClients, js, info, populate, dumpAll, snapshotNames, walSegments } from './persistence.helpers';

const maybe = redisAvailable() ? test : test.skip;
if (!redisAvailable()) warnRedisMissing('RDB interop tests of persistence');

afterAll(async () => {
  closeClients();
  await stopAll();
});

function checkRdb(file: string): string {
  const tool = which('redis-check-rdb') ?? path.join(path.dirname(redisServerPath()!), 'redis-check-rdb');
  const r = spawnSync(tool, [file], { encoding: 'latin1', timeout: 30000 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0 || !out.includes('RDB looks OK')) throw new Error(`redis-check-rdb ${file} failed (status ${r.status}):\n${out.slice(-4000)}`);
  return out;
}

maybe('a Strata snapshot without range indexes passes redis-check-rdb and loads in redis-server with the same contents', async () => {
  const h = await start({ args: ['--save', ''] });
  const c = await connect(h);
  await populate(c, { rangeIndex: false });
  const want = await dumpAll(c);
  expect(await js(c, 'SAVE')).toBe('OK');
  const snap = snapshotNames(h.dir)[0];
  const out = checkRdb(path.join(h.dir, 'snapshots', snap, 'dump.rdb'));
  expect(out).toContain(`${Object.keys(want).length} keys read`); // every key of the three dbs
  expect(out).toContain('8 expires');
  checkRdb(path.join(h.dir, 'dump.rdb'));
  const rdir = makeTempDir('redis-from-strata-');
  fs.copyFileSync(path.join(h.dir, 'dump.rdb'), path.join(rdir, 'dump.rdb'));
  const r = (await startRedis({ dir: rdir }))!;
  const rc = await connect(r);
  expect(await dumpAll(rc)).toEqual(want);
  await r.stop();
  await h.stop();
});

maybe('a dump.rdb saved by redis-server 7.0 in an empty dir is loaded at start, becomes the base of the WAL, and survives kill -9', async () => {
  const r = (await startRedis())!;
  const rc = await connect(r);
  await populate(rc, { rangeIndex: false });
  // A little more of what Redis writes: a big integer set, long strings, a listpack-sized zset in db 3.
  await js(rc, 'SADD', 'set:bigint', ...Array.from({ length: 1000 }, (_, i) => String(i * 1000)));
  await js(rc, 'SELECT', '3');
  await js(rc, 'ZADD', 'db3:z', '1.5', 'a', '-2', 'b');
  await js(rc, 'SELECT', '0');
  const want = await dumpAll(rc, 4);
  expect(await js(rc, 'SAVE')).toBe('OK');
  const dir = makeTempDir('strata-from-redis-');
  fs.copyFileSync(path.join(r.dir, 'dump.rdb'), path.join(dir, 'dump.rdb'));
  await r.stop();

  const h = await start({ dir, args: ['--save', ''] });
  let c = await connect(h);
  expect(await dumpAll(c, 4)).toEqual(want);
  const inf = await info(c, 'persistence');
  expect(inf.recovered_from).toBe('dump.rdb');
  expect(Number(inf.rdb_last_load_keys_loaded)).toBe(Object.keys(want).length);
  // The loaded file became a snapshot of Strata's: the WAL continues from it.
  expect(snapshotNames(dir).length).toBe(1);
  expect(await js(c, 'SET', 'after', 'load')).toBe('OK');
  expect(await js(c, 'DEL', 'str:raw')).toBe(1);
  await h.kill9();
  const h2 = await start({ dir, args: ['--save', ''] });
  c = await connect(h2);
  const got = await dumpAll(c, 4);
  const want2 = { ...want, '0:after': [['string', 'load'], -1] } as Record<string, unknown>;
  delete want2['0:str:raw'];
  expect(got).toEqual(want2);
  expect(walSegments(dir).length).toBeGreaterThan(0);
  await h2.stop();
});

maybe('with appendonly no, a Redis dump.rdb is loaded and SAVE replaces it with a snapshot that redis-server reads back', async () => {
  const r = (await startRedis())!;
  const rc = await connect(r);
  await js(rc, 'SET', 'from', 'redis');
  await js(rc, 'RPUSH', 'l', '1', '2');
  expect(await js(rc, 'SAVE')).toBe('OK');
  const dir = makeTempDir('strata-aof-no-');
  fs.copyFileSync(path.join(r.dir, 'dump.rdb'), path.join(dir, 'dump.rdb'));
  await r.stop();
  const h = await start({ dir, args: ['--appendonly', 'no', '--save', ''] });
  const c = await connect(h);
  expect(await js(c, 'GET', 'from')).toBe('redis');
  expect(await js(c, 'SET', 'from', 'strata')).toBe('OK');
  expect(await js(c, 'SAVE')).toBe('OK');
  await h.stop();
  checkRdb(path.join(dir, 'dump.rdb'));
  const rdir = makeTempDir('redis-back-');
  fs.copyFileSync(path.join(dir, 'dump.rdb'), path.join(rdir, 'dump.rdb'));
  const r2 = (await startRedis({ dir: rdir }))!;
  const rc2 = await connect(r2);
  expect(await js(rc2, 'GET', 'from')).toBe('strata');
  expect(await js(rc2, 'LRANGE', 'l', '0', '-1')).toEqual(['1', '2']);
  await r2.stop();
});

maybe('redis-cli --rdb against Strata writes a file that redis-check-rdb accepts and redis-server loads', async () => {
  const cli = redisCliPath();
  if (cli === null) {
    warnRedisMissing('redis-cli --rdb');
    return;
  }
  const h = await start({ args: ['--save', ''] });
  const c = await connect(h);
  await populate(c, { rangeIndex: false });
  const want = await dumpAll(c);
  const out = path.join(makeTempDir('strata-cli-rdb-'), 'copy.rdb');
  const res = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const p = spawn(cli, ['-h', '127.0.0.1', '-p', String(h.port), '--rdb', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.stderr.on('data', (d) => (text += d));
    const t = setTimeout(() => p.kill('SIGKILL'), 30000);
    p.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, out: text });
    });
  });
  expect(res.out).toContain('Transfer finished with success');
  expect(res.code).toBe(0);
  checkRdb(out);
  const rdir = makeTempDir('redis-from-cli-');
  fs.copyFileSync(out, path.join(rdir, 'dump.rdb'));
  const r = (await startRedis({ dir: rdir }))!;
  expect(await dumpAll(await connect(r))).toEqual(want);
  await r.stop();
  // The server keeps serving after the transfer.
  expect(await js(c, 'PING')).toBe('PONG');
  await h.stop();
});

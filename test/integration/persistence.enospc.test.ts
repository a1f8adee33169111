// A full disk under Strata's WAL and snapshots: a 2 MiB tmpfs as the data dir (needs root and a kernel
// that lets it mount; the tests are skipped with a warning otherwise). When the WAL cannot be written,
// writes answer -MISCONF (and PING, as in Redis) while reads work, no write is acknowledged before its
// record is written, and once space is freed the held writes are acknowledged, writes resume and a
// kill -9 loses nothing acknowledged. A SAVE on a full disk fails cleanly: no partial snapshot, CURRENT
// unchanged, and the server restarts from what was there.
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stopAll } from '../helpers/servers';
import { RespClient, decodeReply, toJS, encodeCommand } from '../helpers/resp';
import { start, connect, closeClients, js, info, sleep, snapshotNames } from './persistence.helpers';

/** Mounts a tmpfs of `size`; null when that is not possible here (not root, no CAP_SYS_ADMIN...). */
function mountTmpfs(size: string): string | null {
  if (process.platform !== 'linux' || (process.getuid && process.getuid() !== 0)) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-enospc-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir], { encoding: 'utf8', timeout: 10000 });
  if (r.status !== 0) {
    fs.rmdirSync(dir);
    return null;
  }
  return dir;
}

const mounts: string[] = [];
function unmountAll(): void {
  for (const m of mounts.splice(0)) {
    let r = spawnSync('umount', [m], { timeout: 10000 });
    if (r.status !== 0) r = spawnSync('umount', ['-l', m], { timeout: 10000 });
    try {
      fs.rmdirSync(m);
    } catch {
      /* still busy: left for the OS */
    }
  }
}

// Probe once at load time so the tests can be declared skipped.
const probe = mountTmpfs('64k');
if (probe !== null) mounts.push(probe);
unmountAll();
const canMount = probe !== null;
if (!canMount) console.warn('SKIPPED: cannot mount a tmpfs here (needs root) — ENOSPC persistence tests skipped');
const maybe = canMount ? test : test.skip;

afterAll(async () => {
  closeClients();
  await stopAll();
  unmountAll();
});

function freeBytes(dir: string): number {
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
}

/** Fills `dir` until about `leave` bytes are free; returns the filler file. */
function fill(dir: string, leave: number): string {
  const f = path.join(dir, 'filler.bin');
  const n = Math.max(0, freeBytes(dir) - leave);
  const fd = fs.openSync(f, 'w');
  try {
    const chunk = Buffer.alloc(64 * 1024, 0x5a);
    let left = n;
    while (left > 0) {
      try {
        left -= fs.writeSync(fd, chunk, 0, Math.min(chunk.length, left));
      } catch {
        break; // already full
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return f;
}

/** One command's reply, within 10 s (a write the server accepted but cannot log would hang here). */
async function reply(c: RespClient, ...argv: string[]): Promise<unknown> {
  let raw: Buffer;
  try {
    raw = await c.send(encodeCommand(argv), 10000);
  } catch (e) {
    throw new Error(`no reply to ${argv.join(' ').slice(0, 60)} within 10 s: ${(e as Error).message}`);
  }
  return toJS(decodeReply(raw).value);
}

const variants: [string, string[]][] = [
  ['one big segment (the append fails)', ['--appendfsync', 'everysec', '--wal-segment-size', '64mb']],
  ['16 KiB segments (creating the next segment fails too)', ['--appendfsync', 'everysec', '--wal-segment-size', '16384']],
  ['appendfsync always', ['--appendfsync', 'always', '--wal-segment-size', '64mb']],
];

(canMount ? test.each(variants) : test.skip.each(variants))('WAL on a full disk, %s: writes get -MISCONF, reads work, held writes are acknowledged after space is freed, nothing acknowledged is lost', async (_name, extra) => {
  const dir = mountTmpfs('2m')!;
  expect(dir).not.toBeNull();
  mounts.push(dir);
  const args = ['--save', '', ...extra];
  const h = await start({ dir, args });
  const w = await connect(h);
  const probeConn = await connect(h);
  expect(await reply(w, 'SET', 'before', 'full')).toBe('OK');
  const filler = fill(dir, 96 * 1024);
  const value = 'v'.repeat(1000);
  const acked: number[] = [];
  let pending: Promise<Buffer> | null = null;
  let pendingKey = -1;
  // Write until one write is held (its record could not be written) or refused.
  for (let i = 0; i < 4000 && pending === null; i++) {
    const p = w.call('SET', `k${i}`, `${i}:${value}`);
    let done = false;
    let res: Buffer | null = null;
    let failed: Error | null = null;
    p.then(
      (b) => {
        done = true;
        res = b;
      },
      (e) => {
        done = true;
        failed = e as Error;
      },
    );
    for (let n = 0; n < 200 && !done; n++) {
      await sleep(5);
      if (!done && n % 10 === 9 && (await info(probeConn)).aof_last_write_status === 'err') break;
    }
    if (!done) {
      pending = p;
      pendingKey = i;
      break;
    }
    if (failed !== null) throw new Error(`SET k${i} failed: ${(failed as Error).message}\n${h.logs().slice(-3000)}`);
    const v = toJS(decodeReply(res!).value);
    if (v instanceof Error) {
      expect(v.message).toMatch(/^MISCONF Errors writing to the AOF file: No space left on device/);
      break;
    }
    expect(v).toBe('OK');
    acked.push(i);
  }
  expect(acked.length).toBeGreaterThan(10);
  const inf = await info(probeConn);
  expect(inf.aof_last_write_status).toBe('err');
  expect(inf.wal_last_write_error).toMatch(/No space left on device/);
  // Refused: writes (and PING, as in Redis); served: reads.
  const refused = (await reply(probeConn, 'SET', 'refused', 'x')) as Error;
  expect(refused).toBeInstanceOf(Error);
  expect(refused.message).toBe('MISCONF Errors writing to the AOF file: No space left on device');
  expect(((await reply(probeConn, 'PING')) as Error).message).toMatch(/^MISCONF/);
  expect(await reply(probeConn, 'GET', 'before')).toBe('full');
  expect(await reply(probeConn, 'GET', `k${acked[acked.length - 1]}`)).toBe(`${acked[acked.length - 1]}:${value}`);
  expect(await reply(probeConn, 'EXISTS', 'refused')).toBe(0);

  // Free the space: the held write is acknowledged, writes work again.
  fs.rmSync(filler);
  if (pending !== null) {
    let t: NodeJS.Timeout | undefined;
    const late = await Promise.race([pending, new Promise<null>((res) => (t = setTimeout(() => res(null), 15000)))]);
    clearTimeout(t);
    if (late === null) throw new Error(`the held SET k${pendingKey} was not acknowledged within 15 s of freeing space`);
    expect(toJS(decodeReply(late).value)).toBe('OK');
    acked.push(pendingKey);
  }
  let ok = false;
  for (let n = 0; n < 100 && !ok; n++) {
    ok = (await info(probeConn)).aof_last_write_status === 'ok';
    if (!ok) await sleep(100);
  }
  expect(ok).toBe(true);
  expect(await reply(probeConn, 'PING')).toBe('PONG');
  expect(await reply(w, 'SET', 'after', 'freed')).toBe('OK');
  acked.push(-1);
  await h.kill9();

  const h2 = await start({ dir, args });
  const c = await connect(h2);
  expect(await reply(c, 'GET', 'before')).toBe('full');
  expect(await reply(c, 'GET', 'after')).toBe('freed');
  expect(await reply(c, 'EXISTS', 'refused')).toBe(0);
  for (const i of acked) if (i >= 0) expect(await reply(c, 'GET', `k${i}`)).toBe(`${i}:${value}`);
  await h2.stop();
}, 90000);

maybe('ENOSPC exactly when the next WAL segment is created: the server keeps running, refuses writes, and recovers when space is freed', async () => {
  const dir = mountTmpfs('2m')!;
  mounts.push(dir);
  const args = ['--save', '', '--appendfsync', 'everysec', '--wal-segment-size', '16384'];
  const h = await start({ dir, args });
  const w = await connect(h);
  const probeConn = await connect(h);
  expect(await reply(w, 'SET', 'before', 'full')).toBe('OK');
  // Leave exactly the pages the current segment needs to grow past 16 KiB: the write that crosses it
  // succeeds, and creating segment 2 (its header) finds the disk full.
  const page = fs.statfsSync(dir).bsize;
  const segBytes = Number((await info(probeConn)).wal_segment_bytes);
  const value = 'v'.repeat(1000);
  const recordMax = 1100;
  const pagesNeeded = Math.ceil((16384 + recordMax) / page) - Math.ceil(segBytes / page);
  const filler = fill(dir, pagesNeeded * page);
  expect(freeBytes(dir)).toBe(pagesNeeded * page);
  const replies: Promise<Buffer>[] = [];
  for (let i = 0; i < 20; i++) {
    const p = w.call('SET', `k${i}`, `${i}:${value}`);
    p.catch(() => undefined); // (a dead server is reported below, with its log)
    replies.push(p);
    await sleep(20);
    if (!h.alive()) break;
  }
  await sleep(200);
  if (!h.alive()) throw new Error(`the server died when the disk filled up:\n${h.logs().slice(-3000)}`);
  const inf = await info(probeConn);
  expect(inf.aof_last_write_status).toBe('err');
  expect(((await reply(probeConn, 'SET', 'refused', 'x')) as Error).message).toBe('MISCONF Errors writing to the AOF file: No space left on device');
  expect(await reply(probeConn, 'GET', 'before')).toBe('full');
  fs.rmSync(filler);
  const got = await Promise.all(replies.map((p) => p.then((b) => toJS(decodeReply(b).value))));
  // Every SET was either acknowledged (after its record was written) or refused; none was lost on the way.
  const ok = got.map((v, i) => (v === 'OK' ? i : -1)).filter((i) => i >= 0);
  for (const v of got) if (v !== 'OK') expect((v as Error).message).toMatch(/^MISCONF/);
  expect(ok.length).toBeGreaterThan(0);
  for (let n = 0; n < 100 && (await info(probeConn)).aof_last_write_status !== 'ok'; n++) await sleep(100);
  expect(await reply(w, 'SET', 'after', 'freed')).toBe('OK');
  await h.kill9();
  const h2 = await start({ dir, args });
  const c = await connect(h2);
  for (const i of ok) expect(await reply(c, 'GET', `k${i}`)).toBe(`${i}:${value}`);
  expect(await reply(c, 'MGET', 'before', 'after')).toEqual(['full', 'freed']);
  await h2.stop();
}, 90000);

maybe('SAVE on a full disk fails cleanly: no partial snapshot, CURRENT unchanged, the restart recovers everything', async () => {
  const dir = mountTmpfs('2m')!;
  mounts.push(dir);
  const args = ['--save', ''];
  const h = await start({ dir, args });
  const c = await connect(h);
  // Random values: RDB compresses repetitive strings (LZF), these must take their room.
  const cmds = Array.from({ length: 300 }, (_, i) => ['SET', `k${i}`, crypto.randomBytes(500).toString('hex')]);
  await c.pipeline(cmds);
  expect(await js(c, 'SAVE')).toBe('OK');
  const first = snapshotNames(dir);
  expect(first.length).toBe(1);
  const current = fs.readFileSync(path.join(dir, 'snapshots', 'CURRENT'), 'latin1');
  await js(c, 'SET', 'more', 'y');
  const filler = fill(dir, 64 * 1024); // room for WAL records, not for a 300 KB snapshot
  const r = await js(c, 'SAVE');
  expect(r).toBeInstanceOf(Error);
  expect((await info(c)).rdb_last_bgsave_status).toBe('err');
  expect(snapshotNames(dir)).toEqual(first);
  expect(fs.readFileSync(path.join(dir, 'snapshots', 'CURRENT'), 'latin1')).toBe(current);
  expect(fs.readdirSync(path.join(dir, 'snapshots')).filter((n) => n.startsWith('tmp-'))).toEqual([]);
  // BGSAVE fails the same way, in the background.
  expect(await js(c, 'BGSAVE')).toBe('Background saving started');
  for (let n = 0; n < 100 && (await info(c)).rdb_bgsave_in_progress === '1'; n++) await sleep(50);
  expect((await info(c)).rdb_last_bgsave_status).toBe('err');
  expect(snapshotNames(dir)).toEqual(first);
  // The WAL still has room: this write is acknowledged and must survive.
  expect(await js(c, 'SET', 'last', 'z')).toBe('OK');
  fs.rmSync(filler);
  await h.kill9();
  const h2 = await start({ dir, args });
  const c2 = await connect(h2);
  expect(await js(c2, 'DBSIZE')).toBe(302);
  expect(await js(c2, 'MGET', 'more', 'last')).toEqual(['y', 'z']);
  await h2.stop();
}, 90000);

// Range-index lifecycle against real Strata processes: files under <dir>/rangeindex/ appear on RI.CREATE and
// disappear on DEL/UNLINK/expiry/FLUSHDB/FLUSHALL/overwrite; RENAME/RENAMENX/MOVE keep the data; COPY is
// independent; DUMP/RESTORE (same server and across servers); databases are separate; file names carry
// no key bytes; orphans are swept at start; TYPE/OBJECT ENCODING/EXISTS/KEYS/SCAN TYPE; and the
// acceptance scenario (200 000 records through a 1 MiB cache, read back, scanned in order, RSS bounded).
import * as fs from 'fs';
import * as path from 'path';
import { startStrata, stopAll, ServerHandle, makeTempDir } from '../helpers/servers';
import { RespClient, decodeReply, toJS } from '../helpers/resp';
import { RangeTree } from '../../src/rangeindex/tree';

let h: ServerHandle;
let c: RespClient;

beforeAll(async () => {
  h = await startStrata({ args: ['--rangeindex-commit-ms', '20'] });
  c = await RespClient.connect(h.port, { timeout: 30000 });
}, 30000);
afterAll(async () => {
  c?.close();
  await stopAll();
});

type Arg = string | Buffer;
async function raw(...argv: Arg[]): Promise<string> {
  return (await c.call(...argv)).toString('latin1');
}
async function js(...argv: Arg[]): Promise<unknown> {
  return toJS(decodeReply(await c.call(...argv)).value);
}
function riDir(server: ServerHandle = h): string {
  return path.join(server.dir, 'rangeindex');
}
/** Tree files (the CATALOG beside them is not a tree). */
function files(server: ServerHandle = h): string[] {
  try {
    return fs.readdirSync(riDir(server)).filter((f) => f.endsWith('.ri')).sort();
  } catch {
    return [];
  }
}
async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 20));
  }
}
/** The file of a key: the one file that appeared when it was created. */
async function createAndFind(key: string, ...opts: string[]): Promise<string> {
  const before = new Set(files());
  expect(await raw('RI.CREATE', key, ...opts)).toBe('+OK\r\n');
  const added = files().filter((f) => !before.has(f));
  expect(added).toHaveLength(1);
  return added[0];
}
async function fill(key: string, n: number, prefix = 'f'): Promise<void> {
  const args: string[] = [];
  for (let i = 0; i < n; i++) args.push(`${prefix}${String(i).padStart(6, '0')}`, `v${i}`);
  expect(await raw('RI.MSET', key, ...args)).toBe(`:${n}\r\n`);
}
async function all(key: string, cl: RespClient = c): Promise<string[]> {
  const v = decodeReply(await cl.call('RI.SCAN', key, '', 'COUNT', '1000000')).value;
  return toJS(v) as string[];
}

describe('files follow the keyspace', () => {
  test('RI.CREATE creates a file named <16 hex>-<generation>.ri without key bytes; MEMORY has none', async () => {
    const f = await createAndFind('life:name:KEYBYTES');
    expect(f).toMatch(/^[0-9a-f]{16}-\d+\.ri$/);
    expect(f).not.toContain('KEYBYTES');
    const before = files();
    expect(await raw('RI.CREATE', 'life:mem', 'MEMORY')).toBe('+OK\r\n');
    expect(files()).toEqual(before);
    // the same key re-created gets a new generation
    await raw('DEL', 'life:name:KEYBYTES');
    const g = await createAndFind('life:name:KEYBYTES');
    expect(g.slice(0, 16)).toBe(f.slice(0, 16));
    expect(Number(g.slice(17, -3))).toBeGreaterThan(Number(f.slice(17, -3)));
    await raw('DEL', 'life:name:KEYBYTES', 'life:mem');
  });

  test.each([
    ['DEL', ['DEL', 'K']],
    ['UNLINK', ['UNLINK', 'K']],
    ['SET overwrite', ['SET', 'K', 'x']],
    ['RESTORE REPLACE over it', null],
    ['FLUSHDB', ['FLUSHDB']],
    ['FLUSHALL', ['FLUSHALL']],
  ] as [string, string[] | null][])('%s removes the file', async (_name, argv) => {
    const f = await createAndFind('K');
    await fill('K', 100);
    if (argv === null) {
      await raw('SET', 'tmp', 'abc');
      const payload = (decodeReply(await c.call('DUMP', 'tmp')).value as { value: Buffer }).value;
      expect(await raw('RESTORE', 'K', '0', payload, 'REPLACE')).toBe('+OK\r\n');
      await raw('DEL', 'tmp');
    } else {
      await raw(...argv);
    }
    await until(`${f} removed`, () => !files().includes(f));
    await raw('DEL', 'K');
  });

  test('EXPIRE: the file goes when the key expires (active expiry, no access)', async () => {
    const f = await createAndFind('exp');
    await fill('exp', 10);
    expect(await raw('PEXPIRE', 'exp', '100')).toBe(':1\r\n');
    expect(Number(await js('PTTL', 'exp'))).toBeGreaterThan(0);
    expect(await raw('RI.GET', 'exp', 'f000001')).toBe('$2\r\nv1\r\n');
    await until('expired file removed', () => !files().includes(f), 5000);
    expect(await raw('EXISTS', 'exp')).toBe(':0\r\n');
    expect(await raw('RI.GET', 'exp', 'f000001')).toBe('-ERR range index not found\r\n');
  });

  test('RENAME / RENAMENX / MOVE keep the data and the file', async () => {
    const f = await createAndFind('r1');
    await fill('r1', 50);
    expect(await raw('RENAME', 'r1', 'r2')).toBe('+OK\r\n');
    expect(await raw('RI.GET', 'r2', 'f000049')).toBe('$3\r\nv49\r\n');
    expect(await raw('RI.EXISTS', 'r1')).toBe(':0\r\n');
    expect(await raw('RENAMENX', 'r2', 'r3')).toBe(':1\r\n');
    expect(await raw('RI.COUNT', 'r3')).toBe(':50\r\n');
    expect(await raw('MOVE', 'r3', '1')).toBe(':1\r\n');
    expect(await raw('RI.EXISTS', 'r3')).toBe(':0\r\n');
    expect(await raw('SELECT', '1')).toBe('+OK\r\n');
    expect(await raw('RI.COUNT', 'r3')).toBe(':50\r\n');
    expect(await raw('RI.SET', 'r3', 'new', 'x')).toBe('+OK\r\n');
    expect(files()).toContain(f);
    // RENAME over an existing index frees the overwritten one
    const g = await createAndFind('r4');
    expect(await raw('RENAME', 'r3', 'r4')).toBe('+OK\r\n');
    await until('overwritten index file removed', () => !files().includes(g));
    expect(files()).toContain(f);
    expect(await raw('RI.COUNT', 'r4')).toBe(':51\r\n');
    await raw('DEL', 'r4');
    await until('file removed', () => !files().includes(f));
    await raw('SELECT', '0');
  });

  test('COPY is independent (own file, writes and deletes do not cross)', async () => {
    const f = await createAndFind('cp:src', 'CACHESIZE', '65536');
    await fill('cp:src', 3000);
    const before = new Set(files());
    expect(await raw('COPY', 'cp:src', 'cp:dst')).toBe(':1\r\n');
    const added = files().filter((x) => !before.has(x));
    expect(added).toHaveLength(1);
    const g = added[0];
    expect(await js('RI.CONFIG', 'cp:dst')).toEqual(await js('RI.CONFIG', 'cp:src'));
    expect(await all('cp:dst')).toEqual(await all('cp:src'));
    await raw('RI.SET', 'cp:dst', 'f000000', 'changed');
    await raw('RI.SET', 'cp:dst', 'zzz', 'new');
    expect(await raw('RI.GET', 'cp:src', 'f000000')).toBe('$2\r\nv0\r\n');
    expect(await raw('RI.GET', 'cp:src', 'zzz')).toBe('$-1\r\n');
    await raw('RI.DEL', 'cp:src', 'f000001');
    expect(await raw('RI.GET', 'cp:dst', 'f000001')).toBe('$2\r\nv1\r\n');
    expect(await raw('COPY', 'cp:src', 'cp:dst')).toBe(':0\r\n');
    expect(await raw('COPY', 'cp:src', 'cp:dst', 'REPLACE')).toBe(':1\r\n');
    await until('replaced copy file removed', () => !files().includes(g));
    expect(await raw('RI.GET', 'cp:dst', 'zzz')).toBe('$-1\r\n');
    const g2 = files().filter((x) => !before.has(x))[0];
    expect(await raw('DEL', 'cp:src')).toBe(':1\r\n');
    await until('source file removed', () => !files().includes(f));
    expect(files()).toContain(g2);
    expect(await raw('RI.COUNT', 'cp:dst')).toBe(':2999\r\n');
    // COPY to another db, and a MEMORY index
    expect(await raw('COPY', 'cp:dst', 'cp:dst', 'DB', '3')).toBe(':1\r\n');
    await raw('RI.CREATE', 'cp:mem', 'MEMORY');
    await fill('cp:mem', 10);
    expect(await raw('COPY', 'cp:mem', 'cp:mem2')).toBe(':1\r\n');
    expect((await js('RI.CONFIG', 'cp:mem2') as string[])[1]).toBe('MEMORY');
    expect(await raw('RI.COUNT', 'cp:mem2')).toBe(':10\r\n');
    await raw('DEL', 'cp:dst', 'cp:mem', 'cp:mem2');
    await raw('SELECT', '3');
    expect(await raw('RI.COUNT', 'cp:dst')).toBe(':2999\r\n');
    await raw('FLUSHDB');
    await raw('SELECT', '0');
  });

  test('databases are separate: same key in db 0 and db 1 = two trees, two files', async () => {
    const f0 = await createAndFind('same');
    await raw('RI.SET', 'same', 'f', 'db0');
    await raw('SELECT', '1');
    const f1 = await createAndFind('same');
    await raw('RI.SET', 'same', 'f', 'db1');
    expect(f1).not.toBe(f0);
    expect(f1.slice(0, 16)).not.toBe(f0.slice(0, 16));
    expect(await raw('RI.GET', 'same', 'f')).toBe('$3\r\ndb1\r\n');
    await raw('DEL', 'same');
    await raw('SELECT', '0');
    expect(await raw('RI.GET', 'same', 'f')).toBe('$3\r\ndb0\r\n');
    await until('db1 file removed', () => !files().includes(f1));
    expect(files()).toContain(f0);
    await raw('DEL', 'same');
  });

  test('TYPE / OBJECT ENCODING / EXISTS / KEYS / SCAN TYPE', async () => {
    await raw('FLUSHALL');
    await raw('RI.CREATE', 'ty:1');
    await raw('RI.CREATE', 'ty:2', 'MEMORY');
    await raw('SET', 'ty:s', 'x');
    expect(await raw('TYPE', 'ty:1')).toBe('+rangeindex\r\n');
    expect(await raw('OBJECT', 'ENCODING', 'ty:2')).toBe('$10\r\nrangeindex\r\n');
    expect(await raw('EXISTS', 'ty:1', 'ty:2', 'ty:3')).toBe(':2\r\n');
    expect(((await js('KEYS', 'ty:*')) as string[]).sort()).toEqual(['ty:1', 'ty:2', 'ty:s']);
    const scan = (await js('SCAN', '0', 'TYPE', 'rangeindex', 'COUNT', '100')) as [string, string[]];
    expect(scan[1].sort()).toEqual(['ty:1', 'ty:2']);
    expect(await raw('DBSIZE')).toBe(':3\r\n');
    await raw('FLUSHALL');
  });
});

describe('DUMP / RESTORE', () => {
  test('same server: another key gets all records in a new file', async () => {
    await raw('RI.CREATE', 'd:src', 'MINRECORD', '2', 'MAXRECORD', '300', 'MAXKEYLEN', '40', 'CACHESIZE', '131072');
    await fill('d:src', 5000);
    await raw('RI.SET', 'd:src', Buffer.from([0, 1, 255]), Buffer.from('x'.repeat(250)));
    const dump = decodeReply(await c.call('DUMP', 'd:src')).value as { type: string; value: Buffer };
    expect(dump.type).toBe('bulk');
    expect(dump.value[0]).toBe(0xc8);
    const before = new Set(files());
    expect(await raw('RESTORE', 'd:dst', '0', dump.value)).toBe('+OK\r\n');
    expect(files().filter((f) => !before.has(f))).toHaveLength(1);
    expect(await js('RI.CONFIG', 'd:dst')).toEqual(await js('RI.CONFIG', 'd:src'));
    expect(await all('d:dst')).toEqual(await all('d:src'));
    expect(await raw('RI.COUNT', 'd:dst')).toBe(':5001\r\n');
    expect(await raw('RESTORE', 'd:dst', '0', dump.value)).toBe('-BUSYKEY Target key name already exists.\r\n');
    // RESTORE with a TTL, then expiry removes the file
    expect(await raw('RESTORE', 'd:ttl', '200', dump.value)).toBe('+OK\r\n');
    expect(Number(await js('PTTL', 'd:ttl'))).toBeGreaterThan(0);
    await until('restored key expired', async () => (await raw('EXISTS', 'd:ttl')) === ':0\r\n');
    // malformed payloads
    const bad = Buffer.from(dump.value);
    bad[5] ^= 0xff;
    expect(await raw('RESTORE', 'd:bad', '0', bad)).toBe('-ERR DUMP payload version or checksum are wrong\r\n');
    expect(await raw('EXISTS', 'd:bad')).toBe(':0\r\n');
    await raw('DEL', 'd:dst');
  });

  test('malformed bodies answer Bad data format and leave no file', async () => {
    const { crc64LE } = await import('../../src/util/crc64');
    const payload = (body: Buffer): Buffer => {
      const b = Buffer.concat([Buffer.from([0xc8]), body, Buffer.from([10, 0])]);
      return Buffer.concat([b, crc64LE(b)]);
    };
    const cfg = Buffer.alloc(27);
    cfg.writeBigUInt64LE(1048576n, 0);
    cfg.writeUInt32LE(1, 8);
    cfg.writeUInt32LE(100, 12);
    cfg.writeUInt32LE(10, 16);
    cfg.writeUInt32LE(4096, 20);
    const rec = (k: string, v: string) => Buffer.concat([Buffer.from([k.length]), Buffer.from(k), Buffer.from([v.length]), Buffer.from(v)]);
    const good = payload(Buffer.concat([Buffer.from([1]), cfg, Buffer.from([2]), rec('a', '1'), rec('b', '2')]));
    const before = files();
    expect(await raw('RESTORE', 'm:good', '0', good)).toBe('+OK\r\n');
    expect(await js('RI.RANGE', 'm:good', 'a', 'z', 'FIELDS', 'KEY')).toEqual(['a', 'b']);
    await raw('DEL', 'm:good');
    const BAD = '-ERR Bad data format\r\n';
    const cases: [string, Buffer][] = [
      ['version', payload(Buffer.concat([Buffer.from([2]), cfg, Buffer.from([0])]))],
      ['out of order', payload(Buffer.concat([Buffer.from([1]), cfg, Buffer.from([2]), rec('b', '1'), rec('a', '2')]))],
      ['duplicate', payload(Buffer.concat([Buffer.from([1]), cfg, Buffer.from([2]), rec('a', '1'), rec('a', '2')]))],
      ['too few records', payload(Buffer.concat([Buffer.from([1]), cfg, Buffer.from([3]), rec('a', '1'), rec('b', '2')]))],
      ['key too long', payload(Buffer.concat([Buffer.from([1]), cfg, Buffer.from([1]), rec('k'.repeat(11), '1')]))],
      ['truncated config', payload(Buffer.concat([Buffer.from([1]), cfg.subarray(0, 10)]))],
      ['bad backend', payload(Buffer.concat([Buffer.from([1]), Buffer.concat([cfg.subarray(0, 24), Buffer.from([7, 0, 0])]), Buffer.from([0])]))],
      ['page size', payload(Buffer.concat([Buffer.from([1]), Buffer.concat([cfg.subarray(0, 20), Buffer.from([0, 0x30, 0, 0]), cfg.subarray(24)]), Buffer.from([0])]))],
    ];
    for (const [name, p] of cases) expect([name, await raw('RESTORE', 'm:bad', '0', p)]).toEqual([name, BAD]);
    expect(await raw('EXISTS', 'm:bad')).toBe(':0\r\n');
    await until('no leftover files', () => files().length === before.length);
    expect(files()).toEqual(before);
  });

  test('via a second Strata server', async () => {
    const h2 = await startStrata();
    const c2 = await RespClient.connect(h2.port);
    try {
      const dump = decodeReply(await c.call('DUMP', 'd:src')).value as { value: Buffer };
      expect((await c2.call('RESTORE', 'moved', '0', dump.value)).toString()).toBe('+OK\r\n');
      expect(await all('moved', c2)).toEqual(await all('d:src'));
      expect(files(h2)).toHaveLength(1);
      // DUMP of the restored index restores again
      const again = decodeReply(await c2.call('DUMP', 'moved')).value as { value: Buffer };
      expect((await c2.call('RESTORE', 'moved2', '0', again.value)).toString()).toBe('+OK\r\n');
      expect((await c2.call('RI.COUNT', 'moved2')).toString()).toBe(':5001\r\n');
    } finally {
      c2.close();
      await h2.stop();
    }
    await raw('DEL', 'd:src');
  });
});

describe('start-up and shutdown', () => {
  test('orphan files are removed at start; shutdown commits and closes', async () => {
    const dir = makeTempDir('strata-ri-orphans-');
    fs.mkdirSync(path.join(dir, 'rangeindex'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'rangeindex', '0123456789abcdef-41.ri'), 'junk');
    fs.writeFileSync(path.join(dir, 'rangeindex', 'stray.tmp'), 'junk');
    const h2 = await startStrata({ dir });
    const c2 = await RespClient.connect(h2.port);
    try {
      expect(fs.readdirSync(path.join(dir, 'rangeindex'))).toEqual([]);
      expect((await c2.call('RI.CREATE', 'k')).toString()).toBe('+OK\r\n');
      const names = files(h2);
      expect(names).toHaveLength(1);
      // generations continue above what was on disk
      expect(Number(/-(\d+)\.ri$/.exec(names[0])![1])).toBeGreaterThan(41);
      const args: string[] = [];
      for (let i = 0; i < 1000; i++) args.push(`f${i}`, `v${i}`);
      await c2.call('RI.MSET', 'k', ...args);
      expect((await c2.call('SHUTDOWN', 'NOSAVE')).length).toBeGreaterThanOrEqual(0);
    } catch (e) {
      if (!String(e).includes('closed')) throw e;
    } finally {
      c2.close();
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([h2.exited, new Promise((r) => (timer = setTimeout(r, 10000)))]);
    clearTimeout(timer);
    await h2.stop();
    // the file is still there after a clean stop, with every record committed
    const names = fs.readdirSync(path.join(dir, 'rangeindex')).filter((f) => f.endsWith('.ri'));
    expect(names).toHaveLength(1);
    const t = RangeTree.open(path.join(dir, 'rangeindex', names[0]), { cacheBytes: 1 << 20 });
    try {
      expect(t.count()).toBe(1000);
      expect(t.get(Buffer.from('f999'))?.toString()).toBe('v999');
      expect(t.meta.length).toBe(27); // the stub's config bytes
      expect(t.meta.readUInt32LE(12)).toBe(1024); // MAXRECORD
    } finally {
      t.close();
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }, 30000);

  test('writes are committed within rangeindex-commit-ms (kill -9 keeps them)', async () => {
    const h2 = await startStrata({ args: ['--rangeindex-commit-ms', '50'] });
    const c2 = await RespClient.connect(h2.port);
    let file: string;
    try {
      expect((await c2.call('RI.CREATE', 'k', 'CACHESIZE', '65536')).toString()).toBe('+OK\r\n');
      file = path.join(riDir(h2), files(h2)[0]);
      const args: string[] = [];
      for (let i = 0; i < 2000; i++) args.push(`f${String(i).padStart(5, '0')}`, `v${i}`);
      expect((await c2.call('RI.MSET', 'k', ...args)).toString()).toBe(':2000\r\n');
      await new Promise((r) => setTimeout(r, 300));
      const info = (toJS(decodeReply(await c2.call('INFO', 'rangeindex')).value) as string);
      expect(Number(/rangeindex_commits:(\d+)/.exec(info)![1])).toBeGreaterThanOrEqual(1);
      expect(info).toContain('rangeindex_dirty_trees:0');
    } finally {
      c2.close();
    }
    await h2.kill9();
    const t = RangeTree.open(file, { cacheBytes: 1 << 20 });
    try {
      expect(t.count()).toBe(2000);
      expect(t.get(Buffer.from('f01999'))?.toString()).toBe('v1999');
    } finally {
      t.close();
    }
  }, 30000);
});

describe('restart: the catalog mounts the trees again', () => {
  async function call(cl: RespClient, ...argv: Arg[]): Promise<unknown> {
    return toJS(decodeReply(await cl.call(...argv)).value);
  }

  test('after SHUTDOWN every index is back under its key, TTL and database kept; deleted ones stay gone', async () => {
    const dir = makeTempDir('strata-ri-restart-');
    let h2 = await startStrata({ dir });
    let c2 = await RespClient.connect(h2.port);
    try {
      await call(c2, 'RI.CREATE', 'keep');
      const args: string[] = [];
      for (let i = 0; i < 3000; i++) args.push(`f${String(i).padStart(5, '0')}`, `v${i}`);
      expect(await call(c2, 'RI.MSET', 'keep', ...args)).toBe(3000);
      await call(c2, 'RI.CREATE', 'old', 'PAGESIZE', '8192', 'MAXRECORD', '3000');
      await call(c2, 'RI.SET', 'old', 'a', '1');
      await call(c2, 'RENAME', 'old', 'renamed');
      await call(c2, 'RI.CREATE', 'ttl');
      await call(c2, 'RI.SET', 'ttl', 'x', 'y');
      await call(c2, 'EXPIRE', 'ttl', '1000');
      await call(c2, 'RI.CREATE', 'gone');
      await call(c2, 'DEL', 'gone');
      await call(c2, 'SELECT', '3');
      await call(c2, 'RI.CREATE', 'keep');
      await call(c2, 'RI.SET', 'keep', 'db', 'three');
      await call(c2, 'RI.CREATE', 'mem', 'MEMORY');
      await c2.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
    } finally {
      c2.close();
    }
    await h2.exited;
    h2 = await startStrata({ dir });
    c2 = await RespClient.connect(h2.port);
    try {
      expect(await call(c2, 'RI.COUNT', 'keep')).toBe(3000);
      expect(await call(c2, 'RI.GET', 'keep', 'f02999')).toBe('v2999');
      expect(await call(c2, 'RI.GET', 'renamed', 'a')).toBe('1');
      expect(await call(c2, 'EXISTS', 'old')).toBe(0);
      expect((await call(c2, 'RI.CONFIG', 'renamed') as string[])[11]).toBe('8192');
      const ttl = (await call(c2, 'TTL', 'ttl')) as number;
      expect(ttl).toBeGreaterThan(990);
      expect(ttl).toBeLessThanOrEqual(1000);
      expect(await call(c2, 'EXISTS', 'gone')).toBe(0);
      const metrics = (await call(c2, 'RI.METRICS', 'keep')) as string[];
      expect(metrics[metrics.indexOf('is_recovered') + 1]).toBe('true');
      // MEMORY indexes have no file: they do not survive a restart
      await call(c2, 'SELECT', '3');
      expect(await call(c2, 'RI.GET', 'keep', 'db')).toBe('three');
      expect(await call(c2, 'EXISTS', 'mem')).toBe(0);
      expect(await call(c2, 'DBSIZE')).toBe(1);
      await call(c2, 'SELECT', '0');
      expect(await call(c2, 'DBSIZE')).toBe(3);
      // writes go on in the reopened trees
      await call(c2, 'RI.SET', 'keep', 'new', 'value');
      expect(await call(c2, 'RI.COUNT', 'keep')).toBe(3001);
      expect(files(h2)).toHaveLength(4); // keep, renamed, ttl, db3 keep; the deleted tree's file is gone
    } finally {
      c2.close();
      await h2.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60000);

  test('kill -9: the last commit tick comes back (records, renames); a tree whose catalog entry was never written is swept', async () => {
    const dir = makeTempDir('strata-ri-kill-');
    let h2 = await startStrata({ dir, args: ['--rangeindex-commit-ms', '30'] });
    let c2 = await RespClient.connect(h2.port);
    try {
      await call(c2, 'RI.CREATE', 'a');
      const args: string[] = [];
      for (let i = 0; i < 5000; i++) args.push(`k${String(i).padStart(6, '0')}`, `v${i}`);
      expect(await call(c2, 'RI.MSET', 'a', ...args)).toBe(5000);
      await call(c2, 'RENAME', 'a', 'b');
      await new Promise((r) => setTimeout(r, 300)); // several commit ticks
    } finally {
      c2.close();
    }
    await h2.kill9();
    h2 = await startStrata({ dir, args: ['--rangeindex-commit-ms', '30'] });
    c2 = await RespClient.connect(h2.port);
    try {
      expect(await call(c2, 'EXISTS', 'a')).toBe(0);
      expect(await call(c2, 'RI.COUNT', 'b')).toBe(5000);
      expect(await call(c2, 'RI.GET', 'b', 'k004999')).toBe('v4999');
      const scan = (await call(c2, 'RI.SCAN', 'b', '', 'COUNT', '3', 'FIELDS', 'KEY')) as string[];
      expect(scan).toEqual(['k000000', 'k000001', 'k000002']);
    } finally {
      c2.close();
      await h2.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60000);
});

describe('restart: a damaged or mismatched catalog never costs data', () => {
  async function call(cl: RespClient, ...argv: Arg[]): Promise<unknown> {
    return toJS(decodeReply(await cl.call(...argv)).value);
  }
  async function withServer<T>(dir: string, args: string[], fn: (c2: RespClient, h2: ServerHandle) => Promise<T>, kill = false): Promise<T> {
    // No WAL and no snapshot (appendonly no, save ""): these starts exercise the catalog itself.
    const h2 = await startStrata({ dir, args: ['--save', '', ...args] });
    const c2 = await RespClient.connect(h2.port);
    try {
      return await fn(c2, h2);
    } finally {
      c2.close();
      if (kill) await h2.kill9();
      else await h2.stop();
    }
  }
  const riFiles = (dir: string): string[] => fs.readdirSync(path.join(dir, 'rangeindex')).filter((f) => f.endsWith('.ri'));

  test('an unreadable catalog is set aside and no tree file is removed, now or at later starts', async () => {
    const dir = makeTempDir('strata-ri-badcat-');
    await withServer(dir, [], async (c2) => {
      await call(c2, 'RI.CREATE', 'x');
      await call(c2, 'RI.SET', 'x', 'k', 'v');
    });
    expect(riFiles(dir)).toHaveLength(1);
    fs.writeFileSync(path.join(dir, 'rangeindex', 'CATALOG'), '{"version":1,"entries":[');
    await withServer(dir, [], async (c2) => {
      expect(await call(c2, 'EXISTS', 'x')).toBe(0);
      await call(c2, 'RI.CREATE', 'y'); // the new catalog lists only y
    });
    await withServer(dir, [], async () => undefined);
    const names = fs.readdirSync(path.join(dir, 'rangeindex'));
    expect(names.some((f) => f.startsWith('CATALOG.corrupt-'))).toBe(true);
    expect(riFiles(dir)).toHaveLength(2); // x's file is still there for the operator
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60000);

  test('a tree in a database beyond `databases` is kept, and loads again with enough databases', async () => {
    const dir = makeTempDir('strata-ri-dbs-');
    await withServer(dir, [], async (c2) => {
      await call(c2, 'SELECT', '5');
      await call(c2, 'RI.CREATE', 'deep');
      await call(c2, 'RI.SET', 'deep', 'a', '1');
    });
    await withServer(dir, ['--databases', '4'], async (c2) => {
      expect(await call(c2, 'DBSIZE')).toBe(0);
      await call(c2, 'RI.CREATE', 'other'); // rewrites the catalog: the unmounted entry must stay in it
    });
    expect(riFiles(dir)).toHaveLength(2);
    await withServer(dir, [], async (c2) => {
      await call(c2, 'SELECT', '5');
      expect(await call(c2, 'RI.GET', 'deep', 'a')).toBe('1');
    });
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60000);

  test('an unusable rangeindex directory: the server still starts, DISK creation fails cleanly, MEMORY works', async () => {
    const dir = makeTempDir('strata-ri-nodir-');
    fs.writeFileSync(path.join(dir, 'rangeindex'), 'not a directory');
    await withServer(dir, [], async (c2) => {
      expect(await call(c2, 'PING')).toBe('PONG');
      expect((await c2.call('RI.CREATE', 'd')).toString()).toBe('-ERR failed to create range index\r\n');
      expect(await call(c2, 'EXISTS', 'd')).toBe(0);
      expect(await call(c2, 'RI.CREATE', 'm', 'MEMORY')).toBe('OK');
      expect(await call(c2, 'RI.SET', 'm', 'f', 'v')).toBe('OK');
    });
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60000);

  test('a stale catalog entry (its file deleted before a crash) cannot capture a newer tree', async () => {
    const dir = makeTempDir('strata-ri-stale-');
    const args = ['--rangeindex-commit-ms', '30'];
    await withServer(dir, args, async (c2) => {
      await call(c2, 'RI.CREATE', 'a');
      await call(c2, 'PEXPIRE', 'a', '600000');
      await new Promise((r) => setTimeout(r, 200));
      await call(c2, 'DEL', 'a'); // killed before the next tick: the catalog still lists a
    }, true);
    await withServer(dir, args, async (c2) => {
      expect(await call(c2, 'EXISTS', 'a')).toBe(0);
      await call(c2, 'RI.CREATE', 'a');
      await call(c2, 'RI.SET', 'a', 'fresh', '1');
      await call(c2, 'RENAME', 'a', 'b'); // killed before the tick: this tree was never in a catalog
    }, true);
    await withServer(dir, args, async (c2) => {
      expect(await call(c2, 'EXISTS', 'a')).toBe(0);
      expect(await call(c2, 'PTTL', 'a')).toBe(-2);
    });
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60000);
});

describe('acceptance', () => {
  function rssKb(pid: number): number {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  }

  test('200 000 records through a 1 MiB cache: read back, scanned in order, RSS bounded', async () => {
    const N = 200_000;
    const BATCH = 1000;
    const field = (i: number) => `user:${String(i).padStart(8, '0')}`;
    const value = (i: number) => `value-${i}-${'x'.repeat(40)}`;
    const pid = h.proc.pid;
    expect(await raw('RI.CREATE', 'big', 'CACHESIZE', '1048576')).toBe('+OK\r\n');
    const rss0 = pid ? rssKb(pid) : 0;
    let peak = rss0;

    // write: pipelined RI.MSET batches, in a shuffled batch order (not append-only)
    const order = Array.from({ length: N / BATCH }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const PIPE = 20;
    for (let b = 0; b < order.length; b += PIPE) {
      const cmds: string[][] = [];
      for (const o of order.slice(b, b + PIPE)) {
        const argv = ['RI.MSET', 'big'];
        for (let i = o * BATCH; i < (o + 1) * BATCH; i++) argv.push(field(i), value(i));
        cmds.push(argv);
      }
      const replies = await c.pipeline(cmds);
      for (const r of replies) expect(r.toString()).toBe(`:${BATCH}\r\n`);
      if (pid) peak = Math.max(peak, rssKb(pid));
    }
    expect(await raw('RI.COUNT', 'big')).toBe(`:${N}\r\n`);

    // read back: RI.MGET batches
    for (let b = 0; b < N; b += BATCH * PIPE) {
      const cmds: string[][] = [];
      for (let s = b; s < Math.min(N, b + BATCH * PIPE); s += BATCH) {
        const argv = ['RI.MGET', 'big'];
        for (let i = s; i < s + BATCH; i++) argv.push(field(i));
        cmds.push(argv);
      }
      const replies = await c.pipeline(cmds);
      replies.forEach((r, k) => {
        const vals = toJS(decodeReply(r).value) as string[];
        const s0 = b + k * BATCH;
        expect(vals.length).toBe(BATCH);
        for (let i = 0; i < BATCH; i++) if (vals[i] !== value(s0 + i)) throw new Error(`${field(s0 + i)}: ${vals[i]}`);
      });
      if (pid) peak = Math.max(peak, rssKb(pid));
    }

    // full scan, paginating by lastField + "\x00"
    let start = '';
    let seen = 0;
    for (;;) {
      const v = decodeReply(await c.call('RI.SCAN', 'big', start, 'COUNT', '5000')).value;
      const page = toJS(v) as [string, string][];
      for (const [f, val] of page) {
        if (f !== field(seen) || val !== value(seen)) throw new Error(`scan #${seen}: ${f}`);
        seen++;
      }
      if (page.length < 5000) break;
      start = page[page.length - 1][0] + '\x00';
      if (pid) peak = Math.max(peak, rssKb(pid));
    }
    expect(seen).toBe(N);

    const info = String(await js('INFO', 'rangeindex'));
    expect(Number(/rangeindex_evictions:(\d+)/.exec(info)![1])).toBeGreaterThan(0);
    const metrics = (await js('RI.METRICS', 'big')) as string[];
    const pagesCached = Number(metrics[metrics.indexOf('pages_cached') + 1]);
    expect(pagesCached).toBeLessThanOrEqual(1048576 / 4096);
    if (pid) {
      const growthMb = (peak - rss0) / 1024;
      // eslint-disable-next-line no-console
      console.log(`acceptance: RSS ${Math.round(rss0 / 1024)} MB -> peak ${Math.round(peak / 1024)} MB (growth ${growthMb.toFixed(1)} MB)`);
      expect(growthMb).toBeLessThan(200);
    }
    await raw('DEL', 'big');
  }, 60000);
});

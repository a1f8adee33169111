// Rollback (--rollback-to), the backup tier (backup-dir, resilver, --recover-from-backup) and index
// files at start: real server processes on real directories.
import * as fs from 'fs';
import * as path from 'path';
import { startStrata, makeTempDir, type ServerHandle } from '../helpers/servers';
import { RespClient, decodeReply, toJS, type Arg } from '../helpers/resp';

jest.setTimeout(120000);

const WAL = ['--appendonly', 'yes', '--save', ''];

async function call(c: RespClient, ...argv: Arg[]): Promise<unknown> {
  return toJS(decodeReply(await c.call(...argv)).value);
}

async function withServer<T>(dir: string, args: string[], fn: (c: RespClient, h: ServerHandle) => Promise<T>, how: 'stop' | 'kill' = 'stop'): Promise<T> {
  const h = await startStrata({ dir, args });
  const c = await RespClient.connect(h.port);
  try {
    return await fn(c, h);
  } finally {
    c.close();
    if (how === 'kill') await h.kill9();
    else await h.stop();
  }
}

/** Starts a server that must refuse to start; returns its log. */
async function mustFail(dir: string, args: string[]): Promise<string> {
  let h: ServerHandle | null = null;
  try {
    h = await startStrata({ dir, args, readyTimeout: 15000 });
  } catch (e) {
    return String((e as Error).message);
  }
  await h.stop();
  throw new Error('the server started but should have refused');
}

async function info(c: RespClient, section: string): Promise<Record<string, string>> {
  const text = String(await call(c, 'INFO', section));
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** 30 SETs, one unit (seq) each, with a SAVE after the 10th: snapshot-10. */
async function fill(dir: string): Promise<void> {
  await withServer(dir, WAL, async (c) => {
    for (let i = 1; i <= 30; i++) {
      expect(await call(c, 'SET', `k${i}`, `v${i}`)).toBe('OK');
      if (i === 10) expect(await call(c, 'SAVE')).toBe('OK');
    }
    expect((await info(c, 'persistence')).wal_last_seq).toBe('30');
  }, 'kill');
}

async function keysOf(c: RespClient): Promise<string[]> {
  return ((await call(c, 'KEYS', '*')) as string[]).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
}

describe('rollback', () => {
  test('--rollback-to <seq> replays to exactly that seq, and writes after it continue the log', async () => {
    const dir = makeTempDir('strata-rb-seq-');
    await fill(dir);
    await withServer(dir, [...WAL, '--rollback-to', '20'], async (c, h) => {
      const keys = await keysOf(c);
      expect(keys).toHaveLength(20);
      expect(keys[19]).toBe('k20');
      expect(await call(c, 'GET', 'k21')).toBeNull();
      expect(h.logs()).toMatch(/rollback: WAL truncated after the target/);
      expect(await call(c, 'SET', 'after', 'x')).toBe('OK');
      expect((await info(c, 'persistence')).wal_last_seq).toBe('21');
    }, 'kill');
    await withServer(dir, WAL, async (c) => {
      expect(await call(c, 'DBSIZE')).toBe(21);
      expect(await call(c, 'GET', 'after')).toBe('x');
      expect(await call(c, 'GET', 'k21')).toBeNull();
    });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('--rollback-to <snapshot name> goes back to the snapshot and drops what came after', async () => {
    const dir = makeTempDir('strata-rb-snap-');
    await fill(dir);
    expect(fs.existsSync(path.join(dir, 'snapshots', 'snapshot-10'))).toBe(true);
    await withServer(dir, [...WAL, '--rollback-to', 'snapshot-10'], async (c) => {
      expect(await keysOf(c)).toEqual(Array.from({ length: 10 }, (_, i) => `k${i + 1}`));
    });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a target that cannot be reached exactly is refused and nothing is touched', async () => {
    const dir = makeTempDir('strata-rb-bad-');
    await fill(dir);
    const before = fs.readdirSync(path.join(dir, 'wal')).map((f) => [f, fs.statSync(path.join(dir, 'wal', f)).size]);
    expect(await mustFail(dir, [...WAL, '--rollback-to', '999'])).toMatch(/cannot be reached/);
    expect(await mustFail(dir, [...WAL, '--rollback-to', 'snapshot-7'])).toMatch(/no snapshot named 'snapshot-7'/);
    const after = fs.readdirSync(path.join(dir, 'wal')).map((f) => [f, fs.statSync(path.join(dir, 'wal', f)).size]);
    expect(after).toEqual(before);
    await withServer(dir, WAL, async (c) => {
      expect(await call(c, 'DBSIZE')).toBe(30);
    });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('backup tier', () => {
  test('with appendfsync always the backup holds every acknowledged write; --recover-from-backup restores it', async () => {
    const dir = makeTempDir('strata-tier-');
    const backup = makeTempDir('strata-tier-b-');
    const args = [...WAL, '--appendfsync', 'always', '--wal-segment-size', '16384', '--backup-dir', backup];
    await withServer(dir, args, async (c) => {
      for (let i = 0; i < 400; i++) await call(c, 'SET', `key:${i}`, 'x'.repeat(50));
      expect(await call(c, 'BGSAVE')).toBe('Background saving started');
      for (let t = 0; t < 200 && (await info(c, 'persistence')).rdb_bgsave_in_progress !== '0'; t++) await new Promise((r) => setTimeout(r, 25));
      for (let i = 400; i < 600; i++) await call(c, 'RPUSH', 'list', String(i));
      const inf = await info(c, 'persistence');
      expect(inf.wal_mirrored).toBe('1');
      expect(['ok', 'resilvering']).toContain(inf.backup_state);
    }, 'kill');
    // The primary loses its WAL and snapshots.
    fs.rmSync(path.join(dir, 'wal'), { recursive: true, force: true });
    fs.rmSync(path.join(dir, 'snapshots'), { recursive: true, force: true });
    fs.rmSync(path.join(dir, 'dump.rdb'), { force: true });
    await withServer(dir, [...args, '--recover-from-backup'], async (c, h) => {
      expect(await call(c, 'DBSIZE')).toBe(401);
      expect(await call(c, 'LLEN', 'list')).toBe(200);
      expect(await call(c, 'LINDEX', 'list', '-1')).toBe('599');
      expect(h.logs()).toMatch(/recovering from the backup/);
    });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(backup, { recursive: true, force: true });
  });

  test('a backup-dir added later is resilvered in the background with progress in INFO', async () => {
    const dir = makeTempDir('strata-resilver-');
    const backup = makeTempDir('strata-resilver-b-');
    await withServer(dir, [...WAL, '--wal-segment-size', '16384'], async (c) => {
      for (let i = 0; i < 500; i++) await call(c, 'SET', `key:${i}`, 'y'.repeat(60));
      expect(await call(c, 'SAVE')).toBe('OK');
      for (let i = 0; i < 100; i++) await call(c, 'INCR', 'n');
    });
    await withServer(dir, [...WAL, '--wal-segment-size', '16384', '--backup-dir', backup], async (c) => {
      let inf = await info(c, 'persistence');
      for (let t = 0; t < 200 && inf.backup_state !== 'ok'; t++) {
        await new Promise((r) => setTimeout(r, 25));
        inf = await info(c, 'persistence');
      }
      expect(inf.backup_state).toBe('ok');
      expect(inf.backup_resilver_perc).toBe('100.00');
      // Every closed file of the primary is in the backup, byte for byte.
      for (const sub of ['snapshots']) {
        const snaps = fs.readdirSync(path.join(dir, sub)).filter((n) => n.startsWith('snapshot-'));
        for (const s of snaps) {
          expect(fs.readFileSync(path.join(backup, sub, s, 'dump.rdb')).equals(fs.readFileSync(path.join(dir, sub, s, 'dump.rdb')))).toBe(true);
        }
      }
      expect(await call(c, 'GET', 'n')).toBe('100');
    });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(backup, { recursive: true, force: true });
  });
});

describe('index files at start', () => {
  test('a missing or damaged index file is rebuilt from its segment; a leftover .tmp is removed', async () => {
    const dir = makeTempDir('strata-idx-');
    const args = [...WAL, '--wal-segment-size', '16384'];
    await withServer(dir, args, async (c) => {
      for (let i = 0; i < 1500; i++) await call(c, 'SET', `key:{${i % 7}}:${i}`, 'z'.repeat(40));
      // Let the checkpointer index the closed segments.
      for (let t = 0; t < 200 && (await info(c, 'persistence')).wal_checkpointer_pending !== '0'; t++) await new Promise((r) => setTimeout(r, 25));
    });
    const walDir = path.join(dir, 'wal');
    const idx = fs.readdirSync(walDir).filter((f) => f.endsWith('.idx')).sort();
    expect(idx.length).toBeGreaterThanOrEqual(2);
    fs.rmSync(path.join(walDir, idx[0]));
    const damaged = path.join(walDir, idx[1]);
    const b = fs.readFileSync(damaged);
    b[b.length >> 1] ^= 0xff;
    fs.writeFileSync(damaged, b);
    fs.writeFileSync(path.join(walDir, 'segment-1.idx.tmp'), 'partial');
    await withServer(dir, args, async (c, h) => {
      expect(await call(c, 'DBSIZE')).toBe(1500);
      expect(h.logs()).toMatch(/WAL index files rebuilt/);
    });
    expect(fs.existsSync(path.join(walDir, idx[0]))).toBe(true);
    expect(fs.readFileSync(damaged).equals(b)).toBe(false);
    expect(fs.existsSync(path.join(walDir, 'segment-1.idx.tmp'))).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

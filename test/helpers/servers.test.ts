// Self-test of the server launcher: readiness, logs, stop/kill9, and its failure reports.
import * as net from 'net';
import { RespClient } from './resp';
import { freePort, isRunning, redisAvailable, startRedis, startStrata, splitCommandLine, warnRedisMissing } from './servers';

describe('launcher utilities', () => {
  it('splits command lines with quotes', () => {
    expect(splitCommandLine(`node "/a b/c" --x 'y z' plain`)).toEqual(['node', '/a b/c', '--x', 'y z', 'plain']);
  });
  it('freePort gives a bindable port', async () => {
    const p = await freePort();
    const srv = net.createServer();
    await new Promise<void>((res, rej) => srv.once('error', rej).listen(p, '127.0.0.1', () => res()));
    srv.close();
  });
});

describe('launcher failure reports', () => {
  const saved = process.env.STRATA_CMD;
  afterEach(() => {
    if (saved === undefined) delete process.env.STRATA_CMD;
    else process.env.STRATA_CMD = saved;
  });

  it('a missing binary fails fast with the command line', async () => {
    process.env.STRATA_CMD = '/nonexistent/strata-server';
    await expect(startStrata()).rejects.toThrow(/failed to start: spawn error.*\n\s+command: \/nonexistent\/strata-server --port \d+/);
  });

  it('a process that never gets ready is killed after the timeout, with its output in the error', async () => {
    process.env.STRATA_CMD = `${process.execPath} -e "console.log('booting...'); setTimeout(() => {}, 60000)" --`;
    const t0 = Date.now();
    await expect(startStrata({ readyTimeout: 700 })).rejects.toThrow(/not ready after 700 ms[\s\S]*booting\.\.\./);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('a process that exits early reports its exit code and output', async () => {
    process.env.STRATA_CMD = `${process.execPath} -e "console.error('bad config'); process.exit(3)" --`;
    await expect(startStrata()).rejects.toThrow(/exited early with code 3[\s\S]*bad config/);
  });
});

(redisAvailable() ? describe : describe.skip)('launching redis-server', () => {
  it('starts, serves, stops cleanly; kill9 kills', async () => {
    const h = (await startRedis())!;
    expect(h.port).toBeGreaterThan(0);
    expect(isRunning(h)).toBe(true);
    const c = await RespClient.connect(h.port);
    expect((await c.call('PING')).toString()).toBe('+PONG\r\n');
    expect((await c.call('CONFIG', 'GET', 'dir')).toString()).toContain(h.dir.split('/').pop()!);
    c.close();
    expect(h.logs()).toMatch(/Ready to accept connections/);
    expect(await h.stop()).toEqual({ code: 0, signal: null });
    expect(isRunning(h)).toBe(false);

    const h2 = (await startRedis())!;
    expect(await h2.kill9()).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('reports a busy fixed port as address-in-use', async () => {
    const srv = net.createServer();
    const port = await freePort();
    await new Promise<void>((res) => srv.listen(port, '127.0.0.1', () => res()));
    try {
      await expect(startRedis({ port })).rejects.toThrow(/Address already in use/);
    } finally {
      srv.close();
    }
  });

  it('requirepass is still detected as ready (NOAUTH answers PING)', async () => {
    const h = (await startRedis({ requirepass: 'x' }))!;
    const c = await RespClient.connect(h.port);
    expect((await c.call('PING')).toString()).toBe('-NOAUTH Authentication required.\r\n');
    c.close();
    await h.stop();
  });
});
if (!redisAvailable()) warnRedisMissing('launcher self-test');

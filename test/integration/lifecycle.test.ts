// Process lifecycle: SHUTDOWN ends the process cleanly (exit 0, connection closed without a
// reply), SIGTERM exits 0, the port is free again afterwards, and startup logs the ready line.
import { RespClient } from '../helpers/resp';
import { ServerHandle, redisAvailable, startRedis, startStrata, warnRedisMissing } from '../helpers/servers';

type Starter = (opts: { port?: number; dir?: string; requirepass?: string }) => Promise<ServerHandle | null>;
const targets: [string, Starter][] = [['strata', (o) => startStrata(o)]];
if (redisAvailable()) targets.push(['redis-server (reference)', (o) => startRedis(o)]);
else warnRedisMissing('lifecycle reference run');

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<T>((_, rej) => (t = setTimeout(() => rej(new Error(`${what}: timed out after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(t);
  }
}

describe.each(targets)('lifecycle of %s', (_name, start) => {
  it('logs "Ready to accept connections"', async () => {
    const s = (await start({}))!;
    try {
      // the line may be logged a hair after the port answers
      for (let i = 0; i < 50 && !/Ready to accept connections/.test(s.logs()); i++) await new Promise((r) => setTimeout(r, 20));
      expect(s.logs()).toMatch(/Ready to accept connections/);
    } finally {
      await s.stop();
    }
  });

  it('SHUTDOWN closes the connection without a reply and the process exits 0', async () => {
    const s = (await start({}))!;
    const other = await RespClient.connect(s.port);
    const c = await RespClient.connect(s.port);
    try {
      expect((await c.call('SHUTDOWN', 'BOGUS')).toString()).toBe('-ERR syntax error\r\n');
      expect((await c.call('PING')).toString()).toBe('+PONG\r\n');
      c.write('*1\r\n$8\r\nSHUTDOWN\r\n');
      const r = await c.readUntilClose(10000);
      expect(r.closed).toBe(true);
      expect(r.data.toString()).toBe('');
      const exit = await withTimeout(s.exited, 10000, 'process exit after SHUTDOWN');
      expect(exit).toEqual({ code: 0, signal: null });
      expect(await other.waitClosed(3000)).toBe(true);
    } finally {
      c.close();
      other.close();
      await s.kill9();
    }
  });

  it('SHUTDOWN NOSAVE works too; the port can be reused right away', async () => {
    const s = (await start({}))!;
    const port = s.port;
    const c = await RespClient.connect(port);
    try {
      c.write('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n');
      expect((await c.readUntilClose(10000)).closed).toBe(true);
      expect(await withTimeout(s.exited, 10000, 'exit after SHUTDOWN NOSAVE')).toEqual({ code: 0, signal: null });
      const again = (await start({ port, dir: s.dir }))!;
      try {
        const c2 = await RespClient.connect(port);
        expect((await c2.call('PING')).toString()).toBe('+PONG\r\n');
        c2.close();
      } finally {
        await again.stop();
      }
    } finally {
      c.close();
      await s.kill9();
    }
  });

  it('SHUTDOWN needs AUTH when a password is set', async () => {
    const s = (await start({ requirepass: 'pw' }))!;
    const c = await RespClient.connect(s.port);
    try {
      expect((await c.call('SHUTDOWN')).toString()).toBe('-NOAUTH Authentication required.\r\n');
      expect(s.alive()).toBe(true);
      expect((await c.call('AUTH', 'pw')).toString()).toBe('+OK\r\n');
      c.write('*1\r\n$8\r\nSHUTDOWN\r\n');
      expect((await c.readUntilClose(10000)).closed).toBe(true);
      expect(await withTimeout(s.exited, 10000, 'exit after SHUTDOWN')).toEqual({ code: 0, signal: null });
    } finally {
      c.close();
      await s.kill9();
    }
  });

  it('SIGTERM exits 0 and closes client connections', async () => {
    const s = (await start({}))!;
    const c = await RespClient.connect(s.port);
    try {
      expect((await c.call('SET', 'k', 'v')).toString()).toBe('+OK\r\n');
      s.proc.kill('SIGTERM');
      const exit = await withTimeout(s.exited, 10000, 'exit after SIGTERM');
      expect(exit).toEqual({ code: 0, signal: null });
      expect(await c.waitClosed(3000)).toBe(true);
    } finally {
      c.close();
      await s.kill9();
    }
  });

  it('SIGINT exits 0', async () => {
    const s = (await start({}))!;
    try {
      s.proc.kill('SIGINT');
      expect(await withTimeout(s.exited, 10000, 'exit after SIGINT')).toEqual({ code: 0, signal: null });
    } finally {
      await s.kill9();
    }
  });
});

// AUTH / requirepass: NOAUTH before authenticating, WRONGPASS, AUTH then OK, HELLO AUTH, the
// unauthenticated request-size limits, and clients configured with a password. Every exact text
// is also checked against redis-server when it is installed.
import Redis from 'ioredis';
import { createClient } from 'redis';
import { RespClient, encodeCommand, escapeBytes, decodeReply } from '../helpers/resp';
import { ServerHandle, redisAvailable, startRedis, startStrata, warnRedisMissing } from '../helpers/servers';

const PASS = 's3cret-Pw';
const NOAUTH = '-NOAUTH Authentication required.\r\n';
const WRONGPASS = '-WRONGPASS invalid username-password pair or user is disabled.\r\n';
const HELLO_NOAUTH =
  '-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> ' +
  'option can be used to authenticate the client and select the RESP protocol version at the same time\r\n';
const NO_PASSWORD_SET =
  '-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n';

type Starter = (opts: { requirepass?: string }) => Promise<ServerHandle | null>;
const targets: [string, Starter][] = [['strata', (o) => startStrata(o)]];
if (redisAvailable()) targets.push(['redis-server (verifies the expected texts)', (o) => startRedis(o)]);
else warnRedisMissing('verification of AUTH texts against redis-server');

async function expectReplies(c: RespClient, steps: [string[], string | RegExp][]): Promise<void> {
  for (const [argv, want] of steps) {
    const got = (await c.call(...argv)).toString('latin1');
    const ok = typeof want === 'string' ? got === want : want.test(got);
    if (!ok) throw new Error(`${argv.join(' ')}\n  got      ${escapeBytes(Buffer.from(got, 'latin1'))}\n  expected ${typeof want === 'string' ? escapeBytes(Buffer.from(want, 'latin1')) : want}`);
  }
}

describe.each(targets)('requirepass on %s', (_name, start) => {
  let server: ServerHandle;
  beforeAll(async () => {
    server = (await start({ requirepass: PASS }))!;
  }, 60000);
  afterAll(async () => {
    await server?.stop();
  });

  it('NOAUTH until AUTH, WRONGPASS for a bad password, then OK', async () => {
    const c = await RespClient.connect(server.port);
    try {
      await expectReplies(c, [
        [['PING'], NOAUTH],
        [['GET', 'k'], NOAUTH],
        [['SET', 'k', 'v'], NOAUTH],
        [['SELECT', '1'], NOAUTH],
        [['CLIENT', 'ID'], NOAUTH],
        [['ECHO', 'a'], NOAUTH],
        [['NOSUCHCMD', 'x'], "-ERR unknown command 'NOSUCHCMD', with args beginning with: 'x' \r\n"],
        [['GET'], "-ERR wrong number of arguments for 'get' command\r\n"],
        [['HELLO', '3'], HELLO_NOAUTH],
        [['HELLO'], HELLO_NOAUTH],
        [['AUTH'], "-ERR wrong number of arguments for 'auth' command\r\n"],
        [['AUTH', 'a', 'b', 'c'], '-ERR syntax error\r\n'],
        [['AUTH', 'wrong'], WRONGPASS],
        [['AUTH', 'default', 'wrong'], WRONGPASS],
        [['AUTH', 'nosuchuser', PASS], WRONGPASS],
        [['HELLO', '3', 'AUTH', 'default', 'wrong'], WRONGPASS],
        [['PING'], NOAUTH],
        [['AUTH', PASS], '+OK\r\n'],
        [['PING'], '+PONG\r\n'],
        [['SET', 'k', 'v'], '+OK\r\n'],
        [['GET', 'k'], '$1\r\nv\r\n'],
        [['AUTH', PASS], '+OK\r\n'],
        [['AUTH', 'default', PASS], '+OK\r\n'],
        [['AUTH', 'wrong'], WRONGPASS],
        // a failed AUTH after success does not log the connection out
        [['GET', 'k'], '$1\r\nv\r\n'],
      ]);
    } finally {
      c.close();
    }
  });

  it('AUTH with username default', async () => {
    const c = await RespClient.connect(server.port);
    try {
      await expectReplies(c, [
        [['AUTH', 'default', PASS], '+OK\r\n'],
        [['PING'], '+PONG\r\n'],
      ]);
    } finally {
      c.close();
    }
  });

  it('HELLO 3 AUTH default <pass> authenticates and switches protocol', async () => {
    const c = await RespClient.connect(server.port);
    try {
      const r = await c.call('HELLO', '3', 'AUTH', 'default', PASS);
      const v = decodeReply(r).value;
      expect(v.type).toBe('map');
      await expectReplies(c, [
        [['PING'], '+PONG\r\n'],
        [['GET', 'nokey'], '_\r\n'],
      ]);
    } finally {
      c.close();
    }
  });

  it('HELLO 2 AUTH ... SETNAME ... in one go', async () => {
    const c = await RespClient.connect(server.port);
    try {
      const r = await c.call('HELLO', '2', 'AUTH', 'default', PASS, 'SETNAME', 'authed');
      expect(r[0]).toBe(0x2a); // '*' flat array in RESP2
      await expectReplies(c, [[['CLIENT', 'GETNAME'], '$6\r\nauthed\r\n']]);
    } finally {
      c.close();
    }
  });

  it('QUIT works without authenticating', async () => {
    const c = await RespClient.connect(server.port);
    try {
      await expectReplies(c, [[['QUIT'], '+OK\r\n']]);
      expect(await c.waitClosed(3000)).toBe(true);
    } finally {
      c.close();
    }
  });

  it('unauthenticated clients may not send big multibulk counts', async () => {
    const c = await RespClient.connect(server.port);
    try {
      c.write('*11\r\n');
      const r = await c.readUntilClose(5000);
      expect(r.data.toString()).toBe('-ERR Protocol error: unauthenticated multibulk length\r\n');
      expect(r.closed).toBe(true);
    } finally {
      c.close();
    }
  });

  it('unauthenticated clients may not send big bulks', async () => {
    const c = await RespClient.connect(server.port);
    try {
      c.write('*1\r\n$16385\r\n');
      const r = await c.readUntilClose(5000);
      expect(r.data.toString()).toBe('-ERR Protocol error: unauthenticated bulk length\r\n');
      expect(r.closed).toBe(true);
    } finally {
      c.close();
    }
  });

  it('the limits are exactly 10 args and 16384 bytes', async () => {
    const c = await RespClient.connect(server.port);
    try {
      // (the arity check comes before the auth check, so use a variadic command)
      const ten = encodeCommand(['EXISTS', ...Array(9).fill('x')]);
      await expectReplies(c, [[['PING'], NOAUTH]]);
      expect((await c.send(ten)).toString()).toBe(NOAUTH);
      expect((await c.send(encodeCommand(['ECHO', 'y'.repeat(16384)]))).toString()).toBe(NOAUTH);
      // after AUTH there is no such limit
      await expectReplies(c, [[['AUTH', PASS], '+OK\r\n']]);
      const big = 'z'.repeat(100000);
      expect((await c.send(encodeCommand(['ECHO', big]))).toString()).toBe(`$${big.length}\r\n${big}\r\n`);
      const many = await c.send(encodeCommand(['EXISTS', ...Array(50).fill('nokey')]));
      expect(many.toString()).toBe(':0\r\n');
    } finally {
      c.close();
    }
  });

  it('ioredis and node-redis with a password', async () => {
    const io = new Redis({ host: server.host, port: server.port, password: PASS, lazyConnect: true, retryStrategy: () => null });
    await io.connect();
    expect(await io.ping()).toBe('PONG');
    io.disconnect();

    // a wrong password fails the connect with the server's WRONGPASS text
    // (node-redis here: an ioredis client failing AUTH keeps a 2 s disconnect timer alive)
    const bad = createClient({ socket: { host: server.host, port: server.port, reconnectStrategy: false }, password: 'nope' });
    bad.on('error', () => undefined);
    await expect(bad.connect()).rejects.toThrow(/WRONGPASS/);
    try {
      bad.destroy();
    } catch {
      /* already closed */
    }

    const nr = createClient({ socket: { host: server.host, port: server.port, reconnectStrategy: false }, password: PASS });
    nr.on('error', () => undefined);
    await nr.connect();
    expect(await nr.ping()).toBe('PONG');
    nr.destroy();

    // ioredis 6 with RESP3 fails the connection at HELLO 3 (NOAUTH HELLO must be called...), so use RESP2 here
    const noPass = new Redis({ host: server.host, port: server.port, protocol: 2, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableReadyCheck: false });
    noPass.on('error', () => undefined);
    await noPass.connect().catch(() => undefined);
    await expect(noPass.get('k')).rejects.toThrow(/NOAUTH/);
    noPass.disconnect();
  });
});

describe.each(targets)('no requirepass on %s', (_name, start) => {
  let server: ServerHandle;
  beforeAll(async () => {
    server = (await start({}))!;
  }, 60000);
  afterAll(async () => {
    await server?.stop();
  });

  it('AUTH without a configured password', async () => {
    const c = await RespClient.connect(server.port);
    try {
      await expectReplies(c, [
        [['PING'], '+PONG\r\n'],
        [['AUTH', 'x'], NO_PASSWORD_SET],
        [['AUTH', 'default', 'anything'], '+OK\r\n'],
        [['AUTH', 'someone', 'pw'], WRONGPASS],
        [['PING'], '+PONG\r\n'],
      ]);
    } finally {
      c.close();
    }
  });
});

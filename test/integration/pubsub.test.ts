// Pub/sub against a real Strata process: ioredis subscribers and publishers (RESP2 and RESP3),
// redis-cli's subscribe output (compared with a real redis-server's when installed), and slow
// subscribers disconnected by client-output-buffer-limit pubsub.
import { spawn, ChildProcess } from 'child_process';
import Redis from 'ioredis';
import { RespClient, encodeCommand } from '../helpers/resp';
import { ServerHandle, redisCliPath, startRedis, startStrata, redisAvailable } from '../helpers/servers';

let server: ServerHandle;

beforeAll(async () => {
  server = await startStrata();
}, 60000);

afterAll(async () => {
  await server?.stop();
});

function client(protocol: 2 | 3, port = server.port): Redis {
  return new Redis({ host: '127.0.0.1', port, protocol, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
}

/** Resolves with the next `n` emissions of `event`. */
function next(r: Redis, event: string, n = 1, timeout = 5000): Promise<unknown[][]> {
  return new Promise((resolve, reject) => {
    const got: unknown[][] = [];
    const t = setTimeout(() => {
      r.off(event, on);
      reject(new Error(`timeout waiting for ${n} '${event}' (got ${JSON.stringify(got)})`));
    }, timeout);
    const on = (...args: unknown[]) => {
      got.push(args);
      if (got.length === n) {
        clearTimeout(t);
        r.off(event, on);
        resolve(got);
      }
    };
    r.on(event, on);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => Promise<boolean>, timeout = 5000): Promise<boolean> {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    if (await cond()) return true;
    await sleep(20);
  }
  return false;
}

describe.each([2, 3] as const)('ioredis RESP%i', (protocol) => {
  let sub: Redis;
  let pub: Redis;
  const P = `io${protocol}.`;

  beforeAll(async () => {
    sub = client(protocol);
    pub = client(protocol);
    await Promise.all([sub.connect(), pub.connect()]);
  });
  afterAll(() => {
    sub?.disconnect();
    pub?.disconnect();
  });

  it('subscribe / publish / message', async () => {
    expect(await sub.subscribe(P + 'a', P + 'b')).toBe(2);
    const m = next(sub, 'message', 2);
    expect(await pub.publish(P + 'a', 'hello')).toBe(1);
    expect(await pub.publish(P + 'b', 'world')).toBe(1);
    expect(await pub.publish(P + 'none', 'x')).toBe(0);
    expect(await m).toEqual([
      [P + 'a', 'hello'],
      [P + 'b', 'world'],
    ]);
    expect(await pub.pubsub('NUMSUB', P + 'a', P + 'zz')).toEqual([P + 'a', 1, P + 'zz', 0]);
    expect(((await pub.pubsub('CHANNELS', P + '*')) as string[]).sort()).toEqual([P + 'a', P + 'b']);
  });

  it('psubscribe / pmessage, and a client matching twice counts twice', async () => {
    expect(await sub.psubscribe(P + '*')).toBe(3);
    const m = next(sub, 'message');
    const pm = next(sub, 'pmessage');
    expect(await pub.publish(P + 'a', 'both')).toBe(2);
    expect(await m).toEqual([[P + 'a', 'both']]);
    expect(await pm).toEqual([[P + '*', P + 'a', 'both']]);
    expect(await pub.pubsub('NUMPAT')).toBeGreaterThanOrEqual(1);
  });

  it('ssubscribe / spublish / smessage', async () => {
    expect(await sub.ssubscribe(P + 'shard')).toBe(1);
    const sm = next(sub, 'smessage');
    expect(await pub.spublish(P + 'shard', 'sharded')).toBe(1);
    expect(await sm).toEqual([[P + 'shard', 'sharded']]);
    expect(await pub.pubsub('SHARDNUMSUB', P + 'shard')).toEqual([P + 'shard', 1]);
    // PUBLISH does not reach shard subscribers (only the pattern matches here).
    expect(await pub.publish(P + 'shard', 'plain')).toBe(1);
  });

  it('binary messages', async () => {
    const payload = Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a, 0x80]);
    const m = next(sub, 'messageBuffer');
    expect(await pub.publish(P + 'a', payload)).toBe(2);
    const [[ch, msg]] = (await m) as [[Buffer, Buffer]];
    expect(ch.toString()).toBe(P + 'a');
    expect(Buffer.compare(msg, payload)).toBe(0);
  });

  it('many messages arrive in order', async () => {
    const n = 2000;
    const m = next(sub, 'message', n, 20000);
    const p = pub.pipeline();
    for (let i = 0; i < n; i++) p.publish(P + 'b', String(i));
    await p.exec();
    const got = (await m).map((x) => x[1]);
    expect(got).toEqual(Array.from({ length: n }, (_, i) => String(i)));
  });

  if (protocol === 3) {
    it('RESP3: regular commands work while subscribed; a self-publish arrives as a push', async () => {
      expect(await sub.ping()).toBe('PONG');
      expect(await sub.set(P + 'k', 'v')).toBe('OK');
      expect(await sub.get(P + 'k')).toBe('v');
      const m = next(sub, 'message');
      expect(await sub.publish(P + 'a', 'self')).toBe(2);
      expect(await m).toEqual([[P + 'a', 'self']]);
    });
  }

  it('unsubscribe everything leaves subscriber mode', async () => {
    // Explicit names: ioredis resolves an argument-less (P)UNSUBSCRIBE only when the count reaches 0,
    // and the count of UNSUBSCRIBE includes patterns (same with redis-server).
    expect(await sub.unsubscribe(P + 'a', P + 'b')).toBe(1);
    expect(await sub.punsubscribe(P + '*')).toBe(0);
    expect(await sub.sunsubscribe()).toBe(0);
    expect(await pub.pubsub('NUMSUB', P + 'a', P + 'b')).toEqual([P + 'a', 0, P + 'b', 0]);
    expect(await pub.publish(P + 'a', 'nobody')).toBe(0);
    expect(await sub.ping()).toBe('PONG');
    expect(await sub.set(P + 'k', 'after')).toBe('OK');
  });

  it('a disconnected subscriber is forgotten', async () => {
    const s2 = client(protocol);
    await s2.connect();
    await s2.subscribe(P + 'gone');
    await s2.psubscribe(P + 'gone*');
    expect(await pub.publish(P + 'gone', 'x')).toBe(2);
    s2.disconnect();
    expect(await waitFor(async () => (await pub.publish(P + 'gone', 'y')) === 0)).toBe(true);
    expect(await pub.pubsub('NUMSUB', P + 'gone')).toEqual([P + 'gone', 0]);
  });
});

// ---------------------------------------------------------------------------------------------
// redis-cli

const cli = redisCliPath();
const maybeCli = cli ? describe : describe.skip;

maybeCli('redis-cli subscribe', () => {
  let redis: ServerHandle | null = null;
  beforeAll(async () => {
    if (redisAvailable()) redis = await startRedis();
  }, 60000);
  afterAll(async () => {
    await redis?.stop();
  });

  /** Runs `redis-cli [args] SUBSCRIBE ch`/`PSUBSCRIBE`, publishes, returns what it printed. */
  async function session(port: number, args: string[]): Promise<string> {
    const p: ChildProcess = spawn(cli!, ['-h', '127.0.0.1', '-p', String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout!.on('data', (d) => (out += d));
    try {
      const ready = await waitFor(async () => /(\(integer\) 2|\n2)\n$/.test(out), 10000);
      if (!ready) throw new Error('redis-cli did not subscribe: ' + JSON.stringify(out));
      await withRaw(port, async (c) => {
        await c.call('PUBLISH', 'cli.a', 'hello world');
        await c.call('PUBLISH', 'cli.b', Buffer.from('bin\x00\xff', 'latin1'));
        await c.call('PUBLISH', 'cli.zz', 'pattern only');
      });
      await waitFor(async () => out.includes(args.includes('PSUBSCRIBE') ? 'pattern only' : 'bin'), 3000);
      await sleep(100);
    } finally {
      p.kill('SIGKILL');
    }
    return out;
  }
  async function withRaw(port: number, fn: (c: RespClient) => Promise<void>): Promise<void> {
    const c = await RespClient.connect(port);
    try {
      await fn(c);
    } finally {
      c.close();
    }
  }

  for (const [label, args] of [
    ['RESP2', ['--no-raw', 'SUBSCRIBE', 'cli.a', 'cli.b']],
    ['RESP2 psubscribe', ['--no-raw', 'PSUBSCRIBE', 'cli.*', 'other.?']],
    ['RESP3', ['-3', '--no-raw', 'SUBSCRIBE', 'cli.a', 'cli.b']],
    ['--raw', ['--raw', 'SUBSCRIBE', 'cli.a', 'cli.b']],
  ] as [string, string[]][]) {
    it(`prints subscription frames and messages (${label})`, async () => {
      const out = await session(server.port, args);
      if (args.includes('--raw')) {
        expect(out).toBe('subscribe\ncli.a\n1\nsubscribe\ncli.b\n2\nmessage\ncli.a\nhello world\nmessage\ncli.b\nbin\x00\xff\n'.replace(/\xff/, '\ufffd'));
      } else if (args.includes('SUBSCRIBE')) {
        expect(out).toContain('Reading messages... (press Ctrl-C to quit)\n');
        expect(out).toContain('1) "subscribe"\n2) "cli.a"\n3) (integer) 1\n');
        expect(out).toContain('1) "message"\n2) "cli.a"\n3) "hello world"\n');
        expect(out).toContain('1) "message"\n2) "cli.b"\n3) "bin\\x00\\xff"\n');
      } else {
        expect(out).toContain('1) "psubscribe"\n2) "cli.*"\n3) (integer) 1\n');
        expect(out).toContain('1) "pmessage"\n2) "cli.*"\n3) "cli.a"\n4) "hello world"\n');
      }
      if (redis) expect(out).toBe(await session(redis.port, args));
    }, 30000);
  }
});

// ---------------------------------------------------------------------------------------------
// Slow subscribers

describe('client-output-buffer-limit pubsub', () => {
  let admin: RespClient;
  beforeAll(async () => {
    admin = await RespClient.connect(server.port);
  });
  afterAll(async () => {
    await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
    admin.close();
  });

  async function stat(): Promise<number> {
    const info = (await admin.call('INFO', 'stats')).toString();
    const m = /client_output_buffer_limit_disconnections:(\d+)/.exec(info);
    return m ? Number(m[1]) : -1;
  }

  async function flood(limit: string, interval: number, channel: string): Promise<{ slowClosed: boolean; fastGot: number; published: number }> {
    expect((await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', limit)).toString()).toBe('+OK\r\n');
    const slow = await RespClient.connect(server.port);
    const fast = await RespClient.connect(server.port);
    await slow.call('SUBSCRIBE', channel);
    await fast.call('SUBSCRIBE', channel);
    let fastGot = 0;
    fast.socket.on('data', (d) => (fastGot += d.length));
    slow.socket.pause(); // never reads again
    const pub = await RespClient.connect(server.port);
    const msg = 'x'.repeat(100000);
    let published = 0;
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline) {
      const n = Number((await pub.call('PUBSUB', 'NUMSUB', channel)).toString().split('\r\n')[3].slice(1));
      if (n < 2) break;
      pub.write(encodeCommand(['PUBLISH', channel, msg]));
      await pub.read();
      published++;
      if (interval) await sleep(interval);
    }
    const slowClosed = Number((await pub.call('PUBSUB', 'NUMSUB', channel)).toString().split('\r\n')[3].slice(1)) === 1;
    pub.close();
    slow.close();
    fast.close();
    return { slowClosed, fastGot, published };
  }

  it('hard limit disconnects a subscriber that does not read; readers are unaffected', async () => {
    const before = await stat();
    const r = await flood('pubsub 1mb 0 0', 2, 'slow.hard');
    expect(r.slowClosed).toBe(true);
    expect(r.fastGot).toBeGreaterThan(r.published * 100000 * 0.5);
    // INFO field of Redis >= 7.2 that Strata prints (redis-server 7.0 as a stand-in lacks it).
    if (before >= 0) expect(await stat()).toBe(before + 1);
  }, 30000);

  it('soft limit disconnects after soft-seconds over it', async () => {
    const t0 = Date.now();
    const r = await flood('pubsub 0 512kb 1', 50, 'slow.soft');
    expect(r.slowClosed).toBe(true);
    // At least one whole second over the soft limit (Redis counts in whole seconds: elapsed > 1).
    expect(Date.now() - t0).toBeGreaterThan(1000);
  }, 30000);
});

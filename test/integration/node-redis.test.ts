// node-redis 6 (`redis` package) against a real Strata process: default (RESP3, HELLO 3 without a
// fallback) and RESP: 2.
import { createClient } from 'redis';
import { ServerHandle, startStrata } from '../helpers/servers';

let server: ServerHandle;

beforeAll(async () => {
  server = await startStrata();
}, 60000);

afterAll(async () => {
  await server?.stop();
});

type Client = ReturnType<typeof createClient>;

function makeClient(resp: 2 | 3 | undefined, extra: Record<string, unknown> = {}): Client {
  const c = createClient({
    socket: { host: server.host, port: server.port, reconnectStrategy: false },
    ...(resp ? { RESP: resp } : {}),
    ...extra,
  } as Parameters<typeof createClient>[0]) as Client;
  c.on('error', () => undefined); // surfaced through rejected commands instead
  return c;
}

describe.each([
  ['default (RESP3)', undefined, 3],
  ['RESP: 2', 2 as const, 2],
])('node-redis %s', (_label, resp, expectProto) => {
  let c: Client;
  const P = `nr${expectProto}:`;

  beforeAll(async () => {
    c = makeClient(resp);
    await c.connect();
  });
  afterAll(async () => {
    c?.destroy();
  });

  it('connects and speaks the expected protocol', async () => {
    expect(c.isReady).toBe(true);
    expect(await c.ping()).toBe('PONG');
    const hello = (await c.sendCommand(['HELLO'])) as unknown;
    const proto = Array.isArray(hello)
      ? hello[hello.indexOf('proto') + 1]
      : hello instanceof Map
        ? hello.get('proto')
        : (hello as Record<string, unknown>).proto;
    expect(Number(proto)).toBe(expectProto);
  });

  it('strings', async () => {
    expect(await c.set(P + 's', 'v')).toBe('OK');
    expect(await c.get(P + 's')).toBe('v');
    expect(await c.get(P + 'missing')).toBeNull();
    expect(await c.set(P + 's', 'w', { condition: 'NX' })).toBeNull();
    expect(await c.set(P + 's', 'w', { GET: true })).toBe('v');
    expect(await c.append(P + 's', 'xyz')).toBe(4);
    expect(await c.strLen(P + 's')).toBe(4);
    expect(await c.getRange(P + 's', 1, -1)).toBe('xyz');
    expect(await c.mSet([P + 'a', '1', P + 'b', '2'])).toBe('OK');
    expect(await c.mGet([P + 'a', P + 'b', P + 'nope'])).toEqual(['1', '2', null]);
    expect(await c.incr(P + 'a')).toBe(2);
    expect(await c.incrBy(P + 'a', 10)).toBe(12);
    expect(await c.decrBy(P + 'a', 20)).toBe(-8);
    expect(Number(await c.incrByFloat(P + 'f', 2.5))).toBe(2.5);
    expect(await c.getDel(P + 'b')).toBe('2');
    expect(await c.setNX(P + 'nx', '1')).toBe(1);
    expect(await c.setNX(P + 'nx', '1')).toBe(0);
    await expect(c.incr(P + 's')).rejects.toThrow('ERR value is not an integer or out of range');
  });

  it('binary values with RESP type mapping to Buffer', async () => {
    const val = Buffer.from([0, 0xff, 13, 10, 0x80]);
    await c.set(P + 'bin', val);
    const b = await c.withTypeMapping({ 36: Buffer } as never).get(P + 'bin');
    expect(Buffer.isBuffer(b)).toBe(true);
    expect((b as unknown as Buffer).equals(val)).toBe(true);
  });

  it('keys and expiry', async () => {
    await c.mSet([P + 'k1', '1', P + 'k2', '2']);
    expect(await c.del([P + 'k1', P + 'nope'])).toBe(1);
    expect(await c.exists([P + 'k1', P + 'k2'])).toBe(1);
    expect(await c.type(P + 'k2')).toBe('string');
    expect(await c.rename(P + 'k2', P + 'k3')).toBe('OK');
    expect(await c.copy(P + 'k3', P + 'k4')).toBe(1);
    expect((await c.keys(P + 'k*')).sort()).toEqual([P + 'k3', P + 'k4']);
    expect(await c.expire(P + 'k3', 100)).toBe(1);
    const t = await c.ttl(P + 'k3');
    expect(t).toBeGreaterThanOrEqual(99);
    expect(await c.pExpire(P + 'k4', 50)).toBe(1);
    await new Promise((r) => setTimeout(r, 150));
    expect(await c.exists(P + 'k4')).toBe(0);
    expect(await c.persist(P + 'k3')).toBe(1);
    expect(await c.ttl(P + 'k3')).toBe(-1);
    await c.set(P + 'ex', 'v', { expiration: { type: 'PX', value: 100000 } });
    expect(await c.pTTL(P + 'ex')).toBeGreaterThan(99000);
  });

  it('scanIterator walks every key', async () => {
    const n = 400;
    await Promise.all(Array.from({ length: n }, (_, i) => c.set(`${P}scan:${i}`, 'x')));
    const seen = new Set<string>();
    for await (const batch of c.scanIterator({ MATCH: `${P}scan:*`, COUNT: 25 })) {
      for (const k of batch as unknown as string[]) seen.add(k);
    }
    expect(seen.size).toBe(n);
  });

  it('1000 commands auto-pipelined and as an explicit pipeline', async () => {
    const res = await Promise.all(Array.from({ length: 1000 }, (_, i) => c.set(`${P}p:${i}`, String(i))));
    expect(res.every((x) => x === 'OK')).toBe(true);
    const m = c.multi();
    for (let i = 0; i < 1000; i++) m.get(`${P}p:${i}`);
    const got = (await m.execAsPipeline()) as unknown[];
    expect(got).toHaveLength(1000);
    expect(got[0]).toBe('0');
    expect(got[999]).toBe('999');
  });

  it('database selection and client name', async () => {
    const other = makeClient(resp, { database: 5, name: `nr-${expectProto}` });
    await other.connect();
    try {
      await other.set(P + 'db5', 'x');
      expect(await c.get(P + 'db5')).toBeNull();
      expect(await other.get(P + 'db5')).toBe('x');
      expect(await other.clientGetName()).toBe(`nr-${expectProto}`);
    } finally {
      other.destroy();
    }
  });
});

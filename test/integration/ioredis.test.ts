// ioredis 6 against a real Strata process: default (RESP3 via HELLO 3) and `protocol: 2`.
import Redis from 'ioredis';
import { ServerHandle, startStrata } from '../helpers/servers';

let server: ServerHandle;

beforeAll(async () => {
  server = await startStrata();
}, 60000);

afterAll(async () => {
  await server?.stop();
});

function client(protocol: 2 | 3 | undefined, extra: Record<string, unknown> = {}): Redis {
  return new Redis({
    host: server.host,
    port: server.port,
    ...(protocol ? { protocol } : {}),
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    ...extra,
  });
}

/** HELLO with no arguments reports the connection's protocol; ioredis gives a flat array (legacy mapping). */
async function protoOf(r: Redis): Promise<number> {
  const reply = (await r.call('HELLO')) as unknown[];
  const arr = Array.isArray(reply) ? reply : Object.entries(reply as object).flat();
  const i = arr.indexOf('proto');
  return Number(arr[i + 1]);
}

describe.each([
  ['default (RESP3)', undefined, 3],
  ['protocol: 2', 2 as const, 2],
])('ioredis %s', (_label, protocol, expectProto) => {
  let r: Redis;
  const P = `io${expectProto}:`; // key prefix per protocol, the two suites share one server

  beforeAll(async () => {
    r = client(protocol);
    await r.connect();
  });
  afterAll(async () => {
    r?.disconnect();
  });

  it('connects and speaks the expected protocol', async () => {
    expect(r.status).toBe('ready');
    expect(await r.ping()).toBe('PONG');
    expect(await r.ping('hi')).toBe('hi');
    expect(await r.echo('e')).toBe('e');
    expect(await protoOf(r)).toBe(expectProto);
  });

  it('strings', async () => {
    expect(await r.set(P + 's', 'v')).toBe('OK');
    expect(await r.get(P + 's')).toBe('v');
    expect(await r.get(P + 'missing')).toBeNull();
    expect(await r.set(P + 's', 'w', 'NX')).toBeNull();
    expect(await r.set(P + 's', 'w', 'XX', 'GET')).toBe('v');
    expect(await r.append(P + 's', 'xyz')).toBe(4);
    expect(await r.strlen(P + 's')).toBe(4);
    expect(await r.getrange(P + 's', 1, -1)).toBe('xyz');
    expect(await r.setrange(P + 's', 1, 'AB')).toBe(4);
    expect(await r.get(P + 's')).toBe('wABz');
    expect(await r.mset(P + 'a', '1', P + 'b', '2')).toBe('OK');
    expect(await r.mget(P + 'a', P + 'b', P + 'nope')).toEqual(['1', '2', null]);
    expect(await r.msetnx(P + 'a', 'x', P + 'c', 'y')).toBe(0);
    expect(await r.incr(P + 'a')).toBe(2);
    expect(await r.incrby(P + 'a', 10)).toBe(12);
    expect(await r.decr(P + 'a')).toBe(11);
    expect(await r.decrby(P + 'a', 20)).toBe(-9);
    expect(await r.incrbyfloat(P + 'f', '1.5')).toBe('1.5');
    expect(await r.incrbyfloat(P + 'f', '-0.25')).toBe('1.25');
    expect(await r.getset(P + 'b', 'new')).toBe('2');
    expect(await r.getdel(P + 'b')).toBe('new');
    expect(await r.exists(P + 'b')).toBe(0);
    expect(await r.setnx(P + 'nx', '1')).toBe(1);
    expect(await r.setnx(P + 'nx', '2')).toBe(0);
    expect(await r.setbit(P + 'bits', 7, 1)).toBe(0);
    expect(await r.getbit(P + 'bits', 7)).toBe(1);
    expect(await r.bitcount(P + 'bits')).toBe(1);
    expect(await r.get(P + 'bits')).toBe('\x01');
    await r.mset(P + 'l1', 'ohmytext', P + 'l2', 'mynewtext');
    expect(await r.lcs(P + 'l1', P + 'l2')).toBe('mytext');
  });

  it('binary values round-trip through Buffers', async () => {
    const val = Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a, 0x80]);
    const key = Buffer.concat([Buffer.from(P), Buffer.from([0xfe, 0x00])]);
    expect(await r.set(key, val)).toBe('OK');
    expect(await r.getBuffer(key)).toEqual(val);
    const big = Buffer.alloc(1024 * 1024, 0xab);
    await r.set(P + 'big', big);
    expect((await r.getBuffer(P + 'big'))!.equals(big)).toBe(true);
  });

  it('errors are ReplyErrors with Redis texts', async () => {
    await r.set(P + 'str', 'abc');
    await expect(r.incr(P + 'str')).rejects.toThrow('ERR value is not an integer or out of range');
    await expect(r.call('NOSUCHCMD', 'a')).rejects.toThrow("ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' ");
    await expect(r.call('GET')).rejects.toThrow("ERR wrong number of arguments for 'get' command");
    await expect(r.set(P + 'x', 'v', 'EX', 0)).rejects.toThrow("ERR invalid expire time in 'set' command");
    // the connection keeps working after errors
    expect(await r.ping()).toBe('PONG');
  });

  it('keys', async () => {
    await r.mset(P + 'k1', '1', P + 'k2', '2', P + 'k3', '3');
    expect(await r.del(P + 'k1', P + 'nope')).toBe(1);
    expect(await r.unlink(P + 'k2')).toBe(1);
    expect(await r.exists(P + 'k1', P + 'k2', P + 'k3', P + 'k3')).toBe(2);
    expect(await r.type(P + 'k3')).toBe('string');
    expect(await r.type(P + 'nope')).toBe('none');
    expect((await r.keys(P + 'k*')).sort()).toEqual([P + 'k3']);
    expect(await r.rename(P + 'k3', P + 'k4')).toBe('OK');
    await expect(r.rename(P + 'nope', P + 'x')).rejects.toThrow('ERR no such key');
    expect(await r.renamenx(P + 'k4', P + 'a')).toBe(0);
    expect(await r.copy(P + 'k4', P + 'k5')).toBe(1);
    expect(await r.get(P + 'k5')).toBe('3');
    expect(await r.touch(P + 'k4', P + 'k5', P + 'nope')).toBe(2);
    expect(typeof (await r.randomkey())).toBe('string');
    expect(await r.dbsize()).toBeGreaterThan(0);
    expect(await r.object('ENCODING', P + 'k5')).toBe('int');
  });

  it('select and db option', async () => {
    const other = client(protocol, { db: 3 });
    await other.connect();
    try {
      await other.set(P + 'db3', 'x');
      expect(await r.get(P + 'db3')).toBeNull();
      expect(await r.move(P + 'k5', 3)).toBe(1);
      expect(await other.get(P + 'k5')).toBe('3');
      expect((await other.keys(P + '*')).sort()).toEqual([P + 'db3', P + 'k5']);
    } finally {
      other.disconnect();
    }
  });

  it('expiry', async () => {
    await r.set(P + 'e', 'v', 'EX', 100);
    const t = await r.ttl(P + 'e');
    expect(t).toBeGreaterThanOrEqual(99);
    expect(t).toBeLessThanOrEqual(100);
    expect(await r.pttl(P + 'e')).toBeGreaterThan(98000);
    expect(await r.expire(P + 'e', 50, 'GT')).toBe(0);
    expect(await r.expire(P + 'e', 50, 'LT')).toBe(1);
    expect(await r.expiretime(P + 'e')).toBeGreaterThan(Date.now() / 1000);
    expect(await r.persist(P + 'e')).toBe(1);
    expect(await r.ttl(P + 'e')).toBe(-1);
    expect(await r.ttl(P + 'nope')).toBe(-2);
    await r.set(P + 'short', 'v', 'PX', 50);
    await r.psetex(P + 'short2', 50, 'v');
    await r.setex(P + 'long', 1000, 'v');
    expect(await r.get(P + 'short')).toBe('v');
    await new Promise((res) => setTimeout(res, 150));
    expect(await r.get(P + 'short')).toBeNull();
    expect(await r.exists(P + 'short', P + 'short2', P + 'long')).toBe(1);
    expect(await r.getex(P + 'long', 'PERSIST')).toBe('v');
    expect(await r.ttl(P + 'long')).toBe(-1);
  });

  it('SCAN via scanStream', async () => {
    const n = 500;
    const pipe = r.pipeline();
    for (let i = 0; i < n; i++) pipe.set(`${P}scan:${i}`, String(i));
    await pipe.exec();
    const seen = new Set<string>();
    await new Promise<void>((resolve, reject) => {
      const stream = r.scanStream({ match: `${P}scan:*`, count: 37 });
      stream.on('data', (keys: string[]) => keys.forEach((k) => seen.add(k)));
      stream.on('end', () => resolve());
      stream.on('error', reject);
    });
    expect(seen.size).toBe(n);
    for (let i = 0; i < n; i++) expect(seen.has(`${P}scan:${i}`)).toBe(true);
    // TYPE filter
    const typed = new Set<string>();
    await new Promise<void>((resolve, reject) => {
      const stream = r.scanStream({ match: `${P}scan:1*`, type: 'string', count: 100 });
      stream.on('data', (keys: string[]) => keys.forEach((k) => typed.add(k)));
      stream.on('end', () => resolve());
      stream.on('error', reject);
    });
    expect(typed.size).toBe(111); // 1, 10-19, 100-199
  });

  it('a pipeline of 1000 commands', async () => {
    const pipe = r.pipeline();
    for (let i = 0; i < 500; i++) {
      pipe.set(`${P}p:${i}`, `v${i}`);
      pipe.get(`${P}p:${i}`);
    }
    const res = await pipe.exec();
    expect(res).toHaveLength(1000);
    for (let i = 0; i < 500; i++) {
      expect(res![2 * i]).toEqual([null, 'OK']);
      expect(res![2 * i + 1]).toEqual([null, `v${i}`]);
    }
    // errors inside a pipeline are per command
    const p2 = r.pipeline();
    p2.set(`${P}perr`, 'x');
    p2.incr(`${P}perr`);
    p2.get(`${P}perr`);
    const r2 = await p2.exec();
    expect(r2![0]).toEqual([null, 'OK']);
    expect((r2![1][0] as Error).message).toContain('ERR value is not an integer or out of range');
    expect(r2![2]).toEqual([null, 'x']);
  });

  it('many concurrent commands without explicit pipelining', async () => {
    const ps: Promise<unknown>[] = [];
    for (let i = 0; i < 1000; i++) ps.push(r.incr(P + 'counter'));
    const res = (await Promise.all(ps)) as number[];
    expect(res[999]).toBe(1000);
    expect(await r.get(P + 'counter')).toBe('1000');
  });

  it('client name set by connectionName', async () => {
    const named = client(protocol, { connectionName: `conn-${expectProto}` });
    await named.connect();
    try {
      expect(await named.client('GETNAME')).toBe(`conn-${expectProto}`);
      expect(typeof (await named.client('ID'))).toBe('number');
    } finally {
      named.disconnect();
    }
  });
});

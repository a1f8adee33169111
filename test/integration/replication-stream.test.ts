// SYNC: the full-resync payload (an RDB file) followed by the stream of propagated writes, read the way
// Redis' own test helper (attach_to_replication_stream) reads it.
import * as net from 'net';
import { startStrata, type ServerHandle } from '../helpers/servers';
import { RespClient } from '../helpers/resp';

jest.setTimeout(60000);

let h: ServerHandle;
let c: RespClient;
beforeAll(async () => {
  h = await startStrata({ args: ['--save', ''] });
  c = await RespClient.connect(h.port);
});
afterAll(async () => {
  c.close();
  await h.stop();
});

/** Connects, sends SYNC, skips the RDB payload; returns a reader of the commands that follow. */
async function attach(port: number): Promise<{ next(): Promise<string[]>; close(): void }> {
  const s = net.connect({ port, host: '127.0.0.1' });
  let buf = Buffer.alloc(0);
  let wake: (() => void) | null = null;
  s.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    wake?.();
  });
  const more = (): Promise<void> => new Promise((r) => (wake = r));
  await new Promise<void>((r) => s.once('connect', () => r()));
  s.write('SYNC\r\n');
  for (;;) {
    const nl = buf.indexOf('\r\n');
    if (nl !== -1 && buf[0] === 0x24) {
      const len = Number(buf.latin1Slice(1, nl));
      while (buf.length < nl + 2 + len) await more();
      expect(buf.latin1Slice(nl + 2, nl + 7)).toBe('REDIS');
      buf = buf.subarray(nl + 2 + len);
      break;
    }
    await more();
  }
  // One RESP array of bulk strings.
  const next = async (): Promise<string[]> => {
    for (;;) {
      const r = parse(buf);
      if (r !== null) {
        buf = buf.subarray(r.end);
        return r.argv;
      }
      await more();
    }
  };
  return { next, close: () => s.destroy() };
}

function parse(b: Buffer): { argv: string[]; end: number } | null {
  let pos = 0;
  const line = (): number | null => {
    const nl = b.indexOf('\r\n', pos);
    if (nl === -1) return null;
    const n = Number(b.latin1Slice(pos + 1, nl));
    pos = nl + 2;
    return n;
  };
  if (b.length === 0) return null;
  const n = line();
  if (n === null) return null;
  const argv: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = line();
    if (len === null || b.length < pos + len + 2) return null;
    argv.push(b.latin1Slice(pos, pos + len));
    pos += len + 2;
  }
  return { argv, end: pos };
}

test('SYNC streams the deterministic effects after the RDB: SELECT, rewrites, MULTI/EXEC', async () => {
  const repl = await attach(h.port);
  await c.call('SET', 'foo', 'bar', 'EX', '100');
  await c.call('SELECT', '2');
  await c.call('RPUSH', 'l', 'a', 'b');
  await c.call('MULTI');
  await c.call('INCR', 'n');
  await c.call('SPOP', 'nosuchset');
  await c.call('INCRBYFLOAT', 'f', '1.5');
  await c.call('EXEC');
  await c.call('GET', 'foo'); // a read: nothing
  await c.call('DEL', 'l');
  const seen: string[][] = [];
  for (let i = 0; i < 9; i++) seen.push(await repl.next());
  repl.close();
  expect(seen[0]).toEqual(['SELECT', '0']);
  expect(seen[1].slice(0, 4)).toEqual(['SET', 'foo', 'bar', 'PXAT']);
  expect(seen[2]).toEqual(['SELECT', '2']);
  expect(seen[3]).toEqual(['RPUSH', 'l', 'a', 'b']);
  expect(seen[4]).toEqual(['MULTI']);
  expect(seen[5]).toEqual(['INCR', 'n']);
  expect(seen[6]).toEqual(['SET', 'f', '1.5', 'KEEPTTL']);
  expect(seen[7]).toEqual(['EXEC']);
  expect(seen[8]).toEqual(['DEL', 'l']);
  await c.call('SELECT', '0');
});

test('every TTL reaches the stream as an absolute time (the cases of Redis 7.0 expire.tcl)', async () => {
  await c.call('FLUSHALL');
  const repl = await attach(h.port);
  const sec = Math.floor(Date.now() / 1000);
  const ms = Date.now();
  const cmds: string[][] = [
    ['set', 'foo1', 'bar', 'ex', '200'],
    ['set', 'foo1', 'bar', 'px', '100000'],
    ['set', 'foo1', 'bar', 'exat', String(sec + 100)],
    ['set', 'foo1', 'bar', 'pxat', String(ms + 100000)],
    ['setex', 'foo1', '100', 'bar'],
    ['psetex', 'foo1', '100000', 'bar'],
    ['set', 'foo2', 'bar'],
    ['expire', 'foo2', '100'],
    ['pexpire', 'foo2', '100000'],
    ['set', 'foo3', 'bar'],
    ['expireat', 'foo3', String(sec + 100)],
    ['pexpireat', 'foo3', String(sec * 1000 + 100000)],
    ['expireat', 'foo3', String(sec - 100)],
    ['set', 'foo4', 'bar'],
    ['getex', 'foo4', 'ex', '200'],
    ['getex', 'foo4', 'px', '200000'],
    ['getex', 'foo4', 'exat', String(sec + 100)],
    ['getex', 'foo4', 'pxat', String(ms + 100000)],
  ];
  for (const a of cmds) await c.call(...a);
  const expected = [
    'select *',
    'set foo1 bar PXAT *',
    'set foo1 bar PXAT *',
    'set foo1 bar PXAT *',
    'set foo1 bar pxat *',
    'set foo1 bar PXAT *',
    'set foo1 bar PXAT *',
    'set foo2 bar',
    'pexpireat foo2 *',
    'pexpireat foo2 *',
    'set foo3 bar',
    'pexpireat foo3 *',
    'pexpireat foo3 *',
    'del foo3',
    'set foo4 bar',
    'pexpireat foo4 *',
    'pexpireat foo4 *',
    'pexpireat foo4 *',
    'pexpireat foo4 *',
  ];
  // (FLUSHALL was sent before attaching: the stream starts with the writes.)
  for (const pat of expected) {
    const argv = await repl.next();
    argv[0] = argv[0].toLowerCase(); // as Redis' read_from_replication_stream does
    const got = argv.join(' ');
    const re = new RegExp('^' + pat.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$');
    expect(got).toMatch(re);
  }
  repl.close();
});

// The wire protocol over a raw socket: inline commands, protocol errors (exact Redis 7.0 texts,
// then the connection closes while other clients are still served), edge-case frames, frames split
// across writes, and a pipeline of 10k commands.
//
// Every table entry is checked against Strata and, when installed, against redis-server itself,
// so the expected bytes here are verified to be what Redis 7.0 sends.
import { RespClient, encodeCommand, encodeCommands, escapeBytes } from '../helpers/resp';
import { ServerHandle, redisAvailable, startRedis, startStrata, warnRedisMissing } from '../helpers/servers';

const B = (s: string) => Buffer.from(s, 'latin1');
const PE = (msg: string) => `-ERR Protocol error: ${msg}\r\n`;

interface ErrCase {
  name: string;
  send: Buffer;
  /** Exact bytes received before the server closes the connection. */
  expect: string;
}

// Malformed input: the server replies with the error and closes the connection.
export const PROTOCOL_ERRORS: ErrCase[] = [
  { name: 'non-numeric multibulk length', send: B('*abc\r\n'), expect: PE('invalid multibulk length') },
  { name: 'empty multibulk length', send: B('*\r\n'), expect: PE('invalid multibulk length') },
  { name: 'multibulk length with +', send: B('*+1\r\n'), expect: PE('invalid multibulk length') },
  { name: 'multibulk length with leading zero', send: B('*01\r\n$4\r\nPING\r\n'), expect: PE('invalid multibulk length') },
  { name: 'multibulk length with trailing space', send: B('*1 \r\n'), expect: PE('invalid multibulk length') },
  { name: 'multibulk length > INT_MAX', send: B('*2147483648\r\n'), expect: PE('invalid multibulk length') },
  { name: 'multibulk length 3e9', send: B('*3000000000\r\n'), expect: PE('invalid multibulk length') },
  { name: 'bulk header not $', send: B('*1\r\nfoo\r\n'), expect: PE("expected '$', got 'f'") },
  { name: 'integer instead of bulk', send: B('*2\r\n$4\r\nECHO\r\n:5\r\n'), expect: PE("expected '$', got ':'") },
  { name: 'nested array', send: B('*2\r\n$4\r\nPING\r\n*1\r\n'), expect: PE("expected '$', got '*'") },
  { name: 'non-numeric bulk length', send: B('*1\r\n$abc\r\n'), expect: PE('invalid bulk length') },
  { name: 'empty bulk length', send: B('*1\r\n$\r\n'), expect: PE('invalid bulk length') },
  { name: 'negative bulk length', send: B('*1\r\n$-5\r\n'), expect: PE('invalid bulk length') },
  { name: 'null bulk in a request', send: B('*1\r\n$-1\r\n'), expect: PE('invalid bulk length') },
  { name: 'bulk length with +', send: B('*1\r\n$+1\r\nx\r\n'), expect: PE('invalid bulk length') },
  { name: 'bulk length with leading zero', send: B('*1\r\n$04\r\nPING\r\n'), expect: PE('invalid bulk length') },
  { name: 'bulk length beyond proto-max-bulk-len', send: B('*1\r\n$536870913\r\n'), expect: PE('invalid bulk length') },
  { name: 'bulk length 2^31', send: B('*1\r\n$2147483648\r\n'), expect: PE('invalid bulk length') },
  { name: 'huge bulk length', send: B('*1\r\n$999999999999\r\n'), expect: PE('invalid bulk length') },
  { name: 'inline unbalanced double quote', send: B('set a "b\r\n'), expect: PE('unbalanced quotes in request') },
  { name: 'inline closing quote not followed by space', send: B('echo "a"b\r\n'), expect: PE('unbalanced quotes in request') },
  { name: 'inline unbalanced single quote', send: B("echo 'abc\r\n"), expect: PE('unbalanced quotes in request') },
  { name: 'inline request over 64 KiB without newline', send: B('a'.repeat(70000)), expect: PE('too big inline request') },
  { name: 'multibulk count line over 64 KiB', send: B('*' + '1'.repeat(70000)), expect: PE('too big mbulk count string') },
  { name: 'bulk count line over 64 KiB', send: B('*1\r\n$' + '1'.repeat(70000)), expect: PE('too big bulk count string') },
  { name: 'commands before the error are answered', send: B('PING\r\n*1\r\n$4\r\nPING\r\n*x\r\n'), expect: '+PONG\r\n+PONG\r\n' + PE('invalid multibulk length') },
];

// Odd but valid input: the connection stays open. `expect` is everything received within the
// settle time after sending (followed by a PING that must answer +PONG).
export const ODD_BUT_VALID: ErrCase[] = [
  { name: 'inline PING', send: B('PING\r\n'), expect: '+PONG\r\n' },
  { name: 'inline with LF only', send: B('PING\n'), expect: '+PONG\r\n' },
  { name: 'inline lowercase with extra spaces', send: B('  echo   hello  \r\n'), expect: '$5\r\nhello\r\n' },
  { name: 'inline double quotes', send: B('set inl:a "b c"\r\nget inl:a\r\n'), expect: '+OK\r\n$3\r\nb c\r\n' },
  { name: 'inline single quotes', send: B("echo 'x y'\r\n"), expect: '$3\r\nx y\r\n' },
  { name: 'inline escapes in double quotes', send: B('echo "a\\x41\\n\\t\\\\"\r\n'), expect: '$5\r\naA\n\t\\\r\n' },
  { name: 'inline empty quoted argument', send: B('echo ""\r\n'), expect: '$0\r\n\r\n' },
  { name: 'empty lines are ignored', send: B('\r\n\r\n   \r\nPING\r\n'), expect: '+PONG\r\n' },
  { name: 'empty multibulk is ignored', send: B('*0\r\n*1\r\n$4\r\nPING\r\n'), expect: '+PONG\r\n' },
  { name: 'null multibulk is ignored', send: B('*-1\r\n*1\r\n$4\r\nPING\r\n'), expect: '+PONG\r\n' },
  { name: 'empty command name', send: B('*1\r\n$0\r\n\r\n'), expect: "-ERR unknown command '', with args beginning with: \r\n" },
  { name: 'inline unknown command', send: B('foo bar\r\n'), expect: "-ERR unknown command 'foo', with args beginning with: 'bar' \r\n" },
  { name: 'inline wrong arity', send: B('get\r\n'), expect: "-ERR wrong number of arguments for 'get' command\r\n" },
  { name: 'mixed inline and multibulk', send: B('PING\r\n*2\r\n$4\r\nECHO\r\n$1\r\nx\r\nECHO y\r\n'), expect: '+PONG\r\n$1\r\nx\r\n$1\r\ny\r\n' },
  { name: 'bulk with binary payload', send: encodeCommand(['ECHO', B('\x00\r\n\xff')]), expect: '$4\r\n\x00\r\n\xff\r\n' },
  { name: 'incomplete frame waits for more', send: B('*2\r\n$4\r\nECHO\r\n$5\r\nhel'), expect: '' },
];

function settle(_c: RespClient, ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function protocolErrorCase(port: number, tc: ErrCase): Promise<{ data: string; closed: boolean }> {
  const c = await RespClient.connect(port);
  try {
    c.write(tc.send);
    const r = await c.readUntilClose(5000);
    return { data: r.data.toString('latin1'), closed: r.closed };
  } finally {
    c.close();
  }
}

async function oddCase(port: number, tc: ErrCase): Promise<{ data: string; ping: string; closed: boolean }> {
  const c = await RespClient.connect(port);
  try {
    c.write(tc.send);
    await settle(c, 150);
    const data = c.pending.toString('latin1');
    if (tc.name === 'incomplete frame waits for more') {
      // complete the frame, then it must be answered
      const reply = await c.send(B('lo\r\n'));
      return { data: data + reply.toString('latin1'), ping: (await c.call('PING')).toString(), closed: c.isClosed };
    }
    // consume what arrived, then check the connection still serves
    c.drain();
    const ping = (await c.call('PING')).toString();
    return { data, ping, closed: c.isClosed };
  } finally {
    c.close();
  }
}

const targets: [string, () => Promise<ServerHandle | null>][] = [['strata', () => startStrata()]];
if (redisAvailable()) targets.push(['redis-server (verifies the expected texts)', () => startRedis()]);
else warnRedisMissing('verification of the protocol-error table against redis-server');

describe.each(targets)('protocol on %s', (_name, start) => {
  let server: ServerHandle;
  beforeAll(async () => {
    server = (await start())!;
  }, 60000);
  afterAll(async () => {
    await server?.stop();
  });

  describe('protocol errors reply then close the connection', () => {
    it.each(PROTOCOL_ERRORS.map((c) => [c.name, c] as const))('%s', async (_n, tc) => {
      const other = await RespClient.connect(server.port);
      try {
        const r = await protocolErrorCase(server.port, tc);
        if (r.data !== tc.expect) {
          throw new Error(`sent ${escapeBytes(tc.send, 200)}\n  got      ${escapeBytes(B(r.data))}\n  expected ${escapeBytes(B(tc.expect))}`);
        }
        expect(r.closed).toBe(true);
        // a client connected before is still served, and so is a new one
        expect((await other.call('PING')).toString()).toBe('+PONG\r\n');
        const fresh = await RespClient.connect(server.port);
        expect((await fresh.call('PING')).toString()).toBe('+PONG\r\n');
        fresh.close();
      } finally {
        other.close();
      }
    });
  });

  describe('odd but valid input keeps the connection', () => {
    it.each(ODD_BUT_VALID.map((c) => [c.name, c] as const))('%s', async (_n, tc) => {
      const r = await oddCase(server.port, tc);
      const expected = tc.name === 'incomplete frame waits for more' ? '$5\r\nhello\r\n' : tc.expect;
      if (r.data !== expected) {
        throw new Error(`sent ${escapeBytes(tc.send, 200)}\n  got      ${escapeBytes(B(r.data))}\n  expected ${escapeBytes(B(expected))}`);
      }
      expect(r.ping).toBe('+PONG\r\n');
      expect(r.closed).toBe(false);
    });
  });

  it('a command split into single-byte writes', async () => {
    const c = await RespClient.connect(server.port);
    try {
      const frame = encodeCommand(['SET', 'split:k', 'v'.repeat(100)]);
      const p = c.read();
      for (const byte of frame) {
        c.write(Buffer.from([byte]));
        await new Promise((r) => setImmediate(r));
      }
      expect((await p).toString()).toBe('+OK\r\n');
      const inline = c.read();
      for (const ch of 'GET split:k\r\n') {
        c.write(ch);
        await new Promise((r) => setImmediate(r));
      }
      expect((await inline).toString()).toBe(`$100\r\n${'v'.repeat(100)}\r\n`);
    } finally {
      c.close();
    }
  });

  it('a 4 MiB value sent in many chunks', async () => {
    const c = await RespClient.connect(server.port);
    try {
      const val = Buffer.alloc(4 * 1024 * 1024);
      for (let i = 0; i < val.length; i++) val[i] = (i * 31) & 0xff;
      const frame = encodeCommand(['SET', 'big:k', val]);
      const p = c.read();
      for (let off = 0; off < frame.length; off += 65531) c.write(frame.subarray(off, off + 65531));
      expect((await p).toString()).toBe('+OK\r\n');
      const got = await c.call('GET', 'big:k');
      expect(got.length).toBe(val.length + `$${val.length}\r\n`.length + 2);
      expect(got.subarray(got.indexOf('\r\n') + 2, got.length - 2).equals(val)).toBe(true);
      expect((await c.call('STRLEN', 'big:k')).toString()).toBe(`:${val.length}\r\n`);
    } finally {
      c.close();
    }
  });

  it('a pipeline of 10k commands in one write gets all replies in order', async () => {
    const c = await RespClient.connect(server.port);
    try {
      const n = 10000;
      const cmds: string[][] = [];
      for (let i = 0; i < n / 2; i++) cmds.push(['SET', `pipe:${i}`, String(i)], ['GET', `pipe:${i}`]);
      const t0 = Date.now();
      const replies = await c.pipeline(cmds);
      const ms = Date.now() - t0;
      expect(replies).toHaveLength(n);
      for (let i = 0; i < n / 2; i++) {
        expect(replies[2 * i].toString()).toBe('+OK\r\n');
        const v = String(i);
        expect(replies[2 * i + 1].toString()).toBe(`$${v.length}\r\n${v}\r\n`);
      }
      // Informational: replies should be batched into few TCP reads, not one per reply.
      // eslint-disable-next-line no-console
      console.log(`10k pipeline on ${server.name}: ${c.reads} socket reads, ${ms} ms`);
      expect(c.reads).toBeLessThan(n);
    } finally {
      c.close();
    }
  });

  it('a pipeline mixing inline and multibulk, and errors, over one connection', async () => {
    const c = await RespClient.connect(server.port);
    try {
      const parts: Buffer[] = [];
      const n = 2000;
      for (let i = 0; i < n; i++) {
        parts.push(i % 2 ? B(`INCR mixed:counter\r\n`) : encodeCommand(['INCR', 'mixed:counter']));
      }
      parts.push(encodeCommand(['INCR', 'mixed:nan-key-does-not-exist', 'extra']));
      parts.push(B('GET mixed:counter\r\n'));
      const ps = Array.from({ length: n + 2 }, () => c.read());
      c.write(Buffer.concat(parts));
      const replies = await Promise.all(ps);
      expect(replies[n - 1].toString()).toBe(`:${n}\r\n`);
      expect(replies[n].toString()).toBe("-ERR wrong number of arguments for 'incr' command\r\n");
      expect(replies[n + 1].toString()).toBe(`$${String(n).length}\r\n${n}\r\n`);
    } finally {
      c.close();
    }
  });

  it('many connections at once', async () => {
    const clients = await Promise.all(Array.from({ length: 100 }, () => RespClient.connect(server.port)));
    try {
      const res = await Promise.all(clients.map((c, i) => c.call('ECHO', `c${i}`)));
      res.forEach((r, i) => expect(r.toString()).toBe(`$${`c${i}`.length}\r\nc${i}\r\n`));
    } finally {
      clients.forEach((c) => c.close());
    }
  });

  it('QUIT replies +OK and closes', async () => {
    const c = await RespClient.connect(server.port);
    try {
      expect((await c.call('QUIT')).toString()).toBe('+OK\r\n');
      expect(await c.waitClosed(3000)).toBe(true);
    } finally {
      c.close();
    }
  });

  it('a client that disconnects mid-frame does not disturb the server', async () => {
    for (let i = 0; i < 20; i++) {
      const c = await RespClient.connect(server.port);
      c.write(encodeCommands([['SET', 'half', 'x']]).subarray(0, 10 + i));
      c.close();
    }
    const c = await RespClient.connect(server.port);
    expect((await c.call('PING')).toString()).toBe('+PONG\r\n');
    c.close();
  });
});

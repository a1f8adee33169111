// The blocking infrastructure (src/server/blocking.ts) with real sockets and real Connections, driven
// by a tiny in-process command set (no list commands needed):
//   PUSH key v...        append to a toy list (an RObj in the Db), signal the key, reply its length
//   POP key... timeout   pop the head of the first non-empty key, else block (BLPOP-like reply)
//   MOVE src dst timeout pop src, push dst (BLMOVE-like: a served client signals another key)
//   STR key              overwrite key with a string (wrong type for POP)
//   DENY 0|1             c.denyBlocking (what EXEC/scripts set)
//   UNBLOCK id [ERROR]   blocking.unblockClient
//   ID / PING / COUNT / INFO
// The dispatcher runs handleClientsBlockedOnKeys after each command; the fake dispatch does the same.
import * as net from 'net';
import { Connection } from '../../src/server/connection';
import { Db, RObj } from '../../src/keyspace/db';
import * as R from '../../src/protocol/reply';
import { error } from '../../src/protocol/errors';
import type { Client } from '../../src/server/context';
import {
  blockForKeys,
  signalKeyAsReady,
  mustNotBlock,
  parseTimeout,
  readyState,
  handleClientsBlockedOnKeys,
  unblockClient,
  blockedClientCount,
  clientsInTimeoutTable,
  blockedOnKey,
} from '../../src/server/blocking';
import { clients } from '../../src/server/state';
import { RespClient } from '../helpers/resp';

class ToyList implements RObj {
  readonly type = 'list';
  items: string[] = [];
  encoding(): string {
    return 'quicklist';
  }
}

const db = new Db(0);
const conns = new Map<number, Connection>();

function listOf(c: Client, key: string): ToyList | null | 'wrong' {
  const v = c.db.getForWrite(key);
  if (v === undefined) return null;
  return v instanceof ToyList ? v : 'wrong';
}

function tryPop(c: Client, keys: string[]): boolean {
  for (const k of keys) {
    const l = listOf(c, k);
    if (l === 'wrong') {
      error(c, 'WRONGTYPE Operation against a key holding the wrong kind of value');
      return true;
    }
    if (l === null) continue;
    const v = l.items.shift()!;
    if (l.items.length === 0) c.db.delete(k);
    else c.db.update(k, l);
    R.arrayLen(c, 2);
    R.bulk(c, k);
    R.bulk(c, v);
    return true;
  }
  return false;
}

// A served client may find the key holding another type: it stays blocked (like Redis).
function retryPop(keys: string[]) {
  return (c: Client): boolean => {
    for (const k of keys) {
      const l = listOf(c, k);
      if (l === null || l === 'wrong') continue;
      return tryPop(c, [k]);
    }
    return false;
  };
}

function push(c: Client, key: string, vals: string[]): number {
  let l = listOf(c, key);
  if (l === 'wrong') return -1;
  if (l === null) {
    l = new ToyList();
    l.items.push(...vals);
    c.db.set(key, l);
  } else {
    l.items.push(...vals);
    c.db.update(key, l);
  }
  signalKeyAsReady(c.db, key);
  return l.items.length;
}

function tryMove(c: Client, src: string, dst: string): boolean {
  const l = listOf(c, src);
  if (l === null || l === 'wrong') return false;
  const v = l.items.shift()!;
  if (l.items.length === 0) c.db.delete(src);
  push(c, dst, [v]);
  R.bulk(c, v);
  return true;
}

function fakeDispatch(conn: Connection, argv: string[]): void {
  const c: Client = conn;
  const cmd = argv[0].toUpperCase();
  switch (cmd) {
    case 'PING':
      R.raw(c, '+PONG\r\n');
      break;
    case 'ID':
      R.int(c, c.id);
      break;
    case 'PUSH': {
      const n = push(c, argv[1], argv.slice(2));
      if (n < 0) error(c, 'WRONGTYPE Operation against a key holding the wrong kind of value');
      else R.int(c, n);
      break;
    }
    case 'STR':
      c.db.set(argv[1], 'x');
      R.ok(c);
      break;
    case 'DEL':
      R.int(c, c.db.delete(argv[1]) ? 1 : 0);
      break;
    case 'DENY':
      c.denyBlocking = argv[1] === '1';
      R.ok(c);
      break;
    case 'POP': {
      const keys = argv.slice(1, -1);
      const t = parseTimeout(c, argv[argv.length - 1]);
      if (t === null) break;
      if (tryPop(c, keys)) break;
      if (mustNotBlock(c)) {
        R.nullArray(c);
        break;
      }
      blockForKeys(c, keys, t, retryPop(keys), (x) => R.nullArray(x));
      break;
    }
    case 'MOVE': {
      const t = parseTimeout(c, argv[3]);
      if (t === null) break;
      if (tryMove(c, argv[1], argv[2])) break;
      blockForKeys(c, [argv[1]], t, (x) => tryMove(x, argv[1], argv[2]), (x) => R.nullBulk(x));
      break;
    }
    case 'UNBLOCK': {
      const target = clients.get(Number(argv[1]));
      R.int(c, target !== undefined && unblockClient(target, (argv[2] ?? '').toUpperCase() === 'ERROR') ? 1 : 0);
      break;
    }
    case 'COUNT':
      R.int(c, blockedClientCount());
      break;
    case 'TCOUNT':
      R.int(c, clientsInTimeoutTable());
      break;
    case 'ON':
      R.int(c, blockedOnKey(c.db, argv[1]));
      break;
    case 'FLAGS': {
      const t = clients.get(Number(argv[1]));
      R.bulk(c, t ? t.flagsText() : '');
      break;
    }
    default:
      error(c, `ERR unknown command '${argv[0]}'`);
  }
  if (readyState.pending !== 0) handleClientsBlockedOnKeys();
}

let server: net.Server;
let port = 0;
const open: RespClient[] = [];

beforeAll(async () => {
  server = net.createServer((s) => {
    const c = new Connection(s, fakeDispatch, db, { name: 'default' }, true);
    clients.set(c.id, c);
    conns.set(c.id, c);
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  for (const c of open) c.close();
  for (const c of conns.values()) c.destroy();
  await new Promise<void>((res) => server.close(() => res()));
});
beforeEach(() => {
  db.flush();
});

async function client(): Promise<RespClient> {
  const c = await RespClient.connect(port, { timeout: 3000 });
  open.push(c);
  return c;
}
const s = (b: Buffer) => b.toString('latin1');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Resolves to the next reply, or 'none' when nothing arrives within ms. */
async function replyWithin(c: RespClient, ms: number): Promise<string> {
  try {
    return s(await c.read(ms));
  } catch {
    return 'none';
  }
}

describe('blocking infrastructure', () => {
  test('a blocked client is served by a push from another client', async () => {
    const a = await client();
    const b = await client();
    const p = a.call('POP', 'k', '0');
    await sleep(30);
    expect(s(await b.call('COUNT'))).toBe(':1\r\n');
    expect(s(await b.call('PUSH', 'k', 'v1'))).toBe(':1\r\n');
    expect(s(await p)).toBe('*2\r\n$1\r\nk\r\n$2\r\nv1\r\n');
    expect(s(await b.call('COUNT'))).toBe(':0\r\n');
  });

  test('immediately served when the key has data', async () => {
    const a = await client();
    await a.call('PUSH', 'k', 'x');
    expect(s(await a.call('POP', 'k', '0'))).toBe('*2\r\n$1\r\nk\r\n$1\r\nx\r\n');
  });

  test('FIFO per key: the first blocked client is served first', async () => {
    const [a, b, c, d] = await Promise.all([client(), client(), client(), client()]);
    const pa = a.call('POP', 'k', '0');
    await sleep(20);
    const pb = b.call('POP', 'k', '0');
    await sleep(20);
    const pc = c.call('POP', 'k', '0');
    await sleep(20);
    expect(s(await d.call('ON', 'k'))).toBe(':3\r\n');
    // One push of two values serves the first two clients, in order.
    expect(s(await d.call('PUSH', 'k', '1', '2'))).toBe(':2\r\n');
    expect(s(await pa)).toBe('*2\r\n$1\r\nk\r\n$1\r\n1\r\n');
    expect(s(await pb)).toBe('*2\r\n$1\r\nk\r\n$1\r\n2\r\n');
    expect(await replyWithin(c, 100)).toBe('none');
    await d.call('PUSH', 'k', '3');
    expect(s(await pc)).toBe('*2\r\n$1\r\nk\r\n$1\r\n3\r\n');
  });

  test('a client blocked on several keys is served once, by the first ready key', async () => {
    const [a, b] = await Promise.all([client(), client()]);
    const pa = a.call('POP', 'k1', 'k2', '0');
    await sleep(20);
    expect(s(await b.call('ON', 'k1'))).toBe(':1\r\n');
    expect(s(await b.call('ON', 'k2'))).toBe(':1\r\n');
    await b.call('PUSH', 'k2', 'v');
    expect(s(await pa)).toBe('*2\r\n$2\r\nk2\r\n$1\r\nv\r\n');
    expect(s(await b.call('ON', 'k1'))).toBe(':0\r\n');
    await b.call('PUSH', 'k1', 'w');
    expect(s(await b.call('POP', 'k1', '0'))).toBe('*2\r\n$2\r\nk1\r\n$1\r\nw\r\n');
  });

  test('timeout replies the timeout reply (about on time)', async () => {
    const a = await client();
    const t0 = Date.now();
    expect(s(await a.call('POP', 'k', '0.1'))).toBe('*-1\r\n');
    const dt = Date.now() - t0;
    expect(dt).toBeGreaterThanOrEqual(95);
    expect(dt).toBeLessThan(400);
    expect(s(await a.call('COUNT'))).toBe(':0\r\n');
    expect(s(await a.call('TCOUNT'))).toBe(':0\r\n');
  });

  test('pipelined commands after a blocking one wait for it, then run in order', async () => {
    const [a, b] = await Promise.all([client(), client()]);
    const id = s(await a.call('ID')).slice(1, -2);
    expect(s(await b.call('FLAGS', id))).toBe('$1\r\nN\r\n');
    const replies = a.pipeline([['POP', 'k', '0'], ['PING'], ['PUSH', 'z', '1'], ['ID']]);
    await sleep(50);
    // Nothing ran after POP: z does not exist yet.
    expect(s(await b.call('POP', 'z', '0.05'))).toBe('*-1\r\n');
    expect(s(await b.call('FLAGS', id))).toBe('$1\r\nb\r\n');
    await b.call('PUSH', 'k', 'go');
    const r = (await replies).map(s);
    expect(r[0]).toBe('*2\r\n$1\r\nk\r\n$2\r\ngo\r\n');
    expect(r[1]).toBe('+PONG\r\n');
    expect(r[2]).toBe(':1\r\n');
    expect(r[3]).toMatch(/^:\d+\r\n$/);
  });

  test('a served client can signal further keys (MOVE chain)', async () => {
    const [a, b, c] = await Promise.all([client(), client(), client()]);
    const pa = a.call('MOVE', 'src', 'mid', '0');
    await sleep(20);
    const pb = b.call('POP', 'mid', '0');
    await sleep(20);
    await c.call('PUSH', 'src', 'x');
    expect(s(await pa)).toBe('$1\r\nx\r\n');
    expect(s(await pb)).toBe('*2\r\n$3\r\nmid\r\n$1\r\nx\r\n');
  });

  test('key overwritten with another type keeps clients blocked', async () => {
    const [a, b] = await Promise.all([client(), client()]);
    const pa = a.call('POP', 'k', '0');
    await sleep(20);
    await b.call('STR', 'k');
    // A write that signals the key but leaves it a string: retry says "stay blocked".
    signalKeyAsReady(db, 'k');
    handleClientsBlockedOnKeys();
    expect(await replyWithin(a, 80)).toBe('none');
    await b.call('DEL', 'k');
    await b.call('PUSH', 'k', 'ok');
    expect(s(await pa)).toBe('*2\r\n$1\r\nk\r\n$2\r\nok\r\n');
  });

  test('UNBLOCK with TIMEOUT and ERROR replies', async () => {
    const [a, b] = await Promise.all([client(), client()]);
    const id = s(await a.call('ID')).slice(1, -2);
    const p1 = a.call('POP', 'k', '0');
    await sleep(20);
    expect(s(await b.call('UNBLOCK', id))).toBe(':1\r\n');
    expect(s(await p1)).toBe('*-1\r\n');
    expect(s(await b.call('UNBLOCK', id))).toBe(':0\r\n');
    const p2 = a.call('POP', 'k', '0');
    await sleep(20);
    expect(s(await b.call('UNBLOCK', id, 'ERROR'))).toBe(':1\r\n');
    expect(s(await p2)).toBe('-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');
    expect(s(await a.call('PING'))).toBe('+PONG\r\n');
  });

  test('disconnect removes the blocked client', async () => {
    const [a, b] = await Promise.all([client(), client()]);
    a.write('*3\r\n$3\r\nPOP\r\n$1\r\nk\r\n$1\r\n5\r\n');
    await sleep(30);
    expect(s(await b.call('COUNT'))).toBe(':1\r\n');
    expect(s(await b.call('TCOUNT'))).toBe(':1\r\n');
    a.close();
    await sleep(50);
    expect(s(await b.call('COUNT'))).toBe(':0\r\n');
    expect(s(await b.call('TCOUNT'))).toBe(':0\r\n');
    expect(s(await b.call('ON', 'k'))).toBe(':0\r\n');
    // The pushed value stays: nobody is served.
    expect(s(await b.call('PUSH', 'k', 'v'))).toBe(':1\r\n');
  });

  test('mustNotBlock (EXEC, scripts): answer as if timed out', async () => {
    const a = await client();
    await a.call('DENY', '1');
    expect(s(await a.call('POP', 'k', '0'))).toBe('*-1\r\n');
    await a.call('DENY', '0');
  });

  test('timeout parsing errors', async () => {
    const a = await client();
    expect(s(await a.call('POP', 'k', 'abc'))).toBe('-ERR timeout is not a float or out of range\r\n');
    expect(s(await a.call('POP', 'k', '-1'))).toBe('-ERR timeout is negative\r\n');
    expect(s(await a.call('POP', 'k', 'inf'))).toBe('-ERR timeout is negative\r\n');
    expect(s(await a.call('POP', 'k', '1e16'))).toBe('-ERR timeout is negative\r\n');
  });
});

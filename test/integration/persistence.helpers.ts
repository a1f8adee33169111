// Helpers of the persistence integration tests (persistence*.test.ts): starting Strata with the WAL on
// and waiting for recovery, reading a whole keyspace (every type, TTLs, range indexes) in a comparable
// form, and reading/writing WAL segment files (format: src/persistence/segment.ts).
import * as fs from 'fs';
import * as path from 'path';
import { crc32 } from 'zlib';
import { startStrata, ServerHandle } from '../helpers/servers';
import { RespClient, RespValue, decodeReply, toJS, Arg } from '../helpers/resp';

/** `appendonly` is off by default (as in Redis): the tests turn the WAL on explicitly. */
export const APPENDONLY = ['--appendonly', 'yes'];

const clients: RespClient[] = [];

export function closeClients(): void {
  for (const c of clients.splice(0)) c.close();
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until PING answers PONG (recovery done). Bounded. */
export async function waitLoaded(port: number, timeoutMs = 60000, alive: () => boolean = () => true): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until && alive()) {
    let c: RespClient | null = null;
    try {
      c = await RespClient.connect(port, { timeout: 5000 });
      while (Date.now() < until && alive()) {
        last = (await c.call('PING')).toString('latin1');
        if (last === '+PONG\r\n') return;
        await sleep(20);
      }
    } catch (e) {
      last = String(e);
      await sleep(50);
    } finally {
      c?.close();
    }
  }
  throw new Error(alive() ? `not loaded after ${timeoutMs} ms (last reply ${JSON.stringify(last)})` : 'the server exited before it was loaded');
}

/** Starts Strata with the WAL on (plus `args`) and waits for recovery to finish (failing fast, with the
 *  server's output, if it exits meanwhile). */
export async function start(o: { dir?: string; args?: string[] }): Promise<ServerHandle> {
  const h = await startStrata({ dir: o.dir, args: [...APPENDONLY, ...(o.args ?? [])], readyTimeout: 60000 });
  const exited = h.exited.then((e) => {
    throw new Error(`strata exited during recovery (code ${e.code}, signal ${e.signal}):\n${h.logs().slice(-4000)}`);
  });
  exited.catch(() => undefined);
  try {
    await Promise.race([waitLoaded(h.port, 60000, () => h.alive()), exited]);
  } catch (e) {
    if (h.alive()) (e as Error).message += `\n--- server output (tail) ---\n${h.logs().slice(-4000)}`;
    throw e;
  }
  return h;
}

export async function connect(h: { port: number }): Promise<RespClient> {
  const c = await RespClient.connect(h.port, { timeout: 30000 });
  clients.push(c);
  return c;
}

export async function js(c: RespClient, ...argv: Arg[]): Promise<unknown> {
  return toJS(decodeReply(await c.call(...argv)).value);
}

/** A reply with bulk strings as latin1 text (binary safe), errors as Error. */
function plain(v: RespValue): unknown {
  switch (v.type) {
    case 'bulk':
    case 'simple':
    case 'verbatim':
    case 'double':
    case 'bigint':
      return v.value.toString('latin1');
    case 'array':
    case 'set':
    case 'push':
      return v.value === null ? null : v.value.map(plain);
    default:
      return toJS(v);
  }
}

export async function raw(c: RespClient, ...argv: Arg[]): Promise<unknown> {
  return plain(decodeReply(await c.call(...argv)).value);
}

export async function info(c: RespClient, section = 'persistence'): Promise<Record<string, string>> {
  const text = (await js(c, 'INFO', section)) as string;
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** Waits until no snapshot or rewrite runs (nor is scheduled). Bounded. */
export async function waitIdle(c: RespClient, timeoutMs = 60000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const i = await info(c, 'persistence');
    if (i.rdb_bgsave_in_progress === '0' && i.aof_rewrite_in_progress === '0' && i.aof_rewrite_scheduled === '0') return;
    await sleep(20);
  }
  throw new Error(`a snapshot was still running after ${timeoutMs} ms`);
}

const BIN = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/**
 * Every type in small and large encodings, TTLs (relative and absolute), binary values, the empty key,
 * three databases, and (rangeIndex) a DISK and a MEMORY range index.
 */
export async function populate(c: RespClient, o: { rangeIndex: boolean }): Promise<void> {
  const now = Date.now();
  const cmds: Arg[][] = [
    ['SELECT', '0'],
    ['SET', 'str:raw', 'hello world'],
    ['SET', 'str:int', '12345'],
    ['SET', 'str:neg', '-7'],
    ['SET', 'str:big', 'x'.repeat(10000)],
    ['SET', 'str:bin', BIN],
    ['SET', '', 'the empty key'],
    ['SET', 'str:empty', ''],
    ['SET', 'str:ex', 'e', 'EX', '1000'],
    ['SET', 'str:px', 'p', 'PX', '5000000'],
    ['SET', 'str:at', 'a'],
    ['PEXPIREAT', 'str:at', String(now + 10_000_000)],
    ['SETEX', 'str:setex', '2000', 's'],
    ['RPUSH', 'list:small', 'a', 'b', 'c', 'd', 'e'],
    ['RPUSH', 'list:big', ...Array.from({ length: 1000 }, (_, i) => `item-${i}-${'z'.repeat(i % 50)}`)],
    ['RPUSH', 'list:ttl', '1', '2', '3'],
    ['EXPIRE', 'list:ttl', '3000'],
    ['HSET', 'hash:small', 'f1', 'v1', 'f2', '2', 'f3', ''],
    ['HSET', 'hash:big', ...Array.from({ length: 600 }, (_, i) => [`field${i}`, `value${i}`]).flat()],
    ['HSET', 'hash:ttl', 'a', 'b'],
    ['PEXPIRE', 'hash:ttl', '4000000'],
    ['SADD', 'set:int', '1', '2', '3', '100', '-5'],
    ['SADD', 'set:small', 'a', 'b', 'c'],
    ['SADD', 'set:big', ...Array.from({ length: 600 }, (_, i) => `member${i}`)],
    ['ZADD', 'zset:small', '1', 'one', '2.5', 'two.5', '-3', 'minus3', 'inf', 'top', '-inf', 'bottom'],
    ['ZADD', 'zset:big', ...Array.from({ length: 300 }, (_, i) => [String(i / 7), `m${i}`]).flat()],
    ['ZADD', 'zset:ttl', '1', 'x'],
    ['EXPIRE', 'zset:ttl', '5000'],
    ['SELECT', '1'],
    ['SET', 'db1:str', 'in db 1'],
    ['RPUSH', 'db1:list', 'x', 'y'],
    ['SET', 'db1:ttl', 'v', 'EX', '6000'],
    ['SELECT', '2'],
    ['HSET', 'db2:hash', 'k', 'v'],
    ['ZADD', 'db2:zset', '5', 'five'],
    ['SELECT', '0'],
  ];
  for (const r of await c.pipeline(cmds)) {
    const v = toJS(decodeReply(r).value);
    if (v instanceof Error) throw v;
  }
  if (o.rangeIndex) {
    const f = (i: number) => `user:${String(i).padStart(4, '0')}`;
    const ri: Arg[][] = [
      ['RI.CREATE', 'ri:idx', 'CACHESIZE', '262144'],
      ['RI.MSET', 'ri:idx', ...Array.from({ length: 500 }, (_, i) => [f(i), `name-${i}`]).flat()],
      ['RI.CREATE', 'ri:mem', 'MEMORY'],
      ['RI.MSET', 'ri:mem', ...Array.from({ length: 20 }, (_, i) => [`m${i}`, `v${i}`]).flat()],
      ['RI.DEL', 'ri:mem', 'm7'],
      ['EXPIRE', 'ri:mem', '7000'],
      ['SELECT', '1'],
      ['RI.CREATE', 'ri:db1'],
      ['RI.SET', 'ri:db1', 'only', 'one'],
      ['SELECT', '0'],
    ];
    for (const r of await c.pipeline(ri)) {
      const v = toJS(decodeReply(r).value);
      if (v instanceof Error) throw v;
    }
  }
}

/** A key's type and content, read with its type's commands (unordered collections sorted). */
async function contentOf(c: RespClient, key: string): Promise<unknown> {
  const type = (await raw(c, 'TYPE', Buffer.from(key, 'latin1'))) as string;
  const k = Buffer.from(key, 'latin1');
  switch (type) {
    case 'string':
      return [type, await raw(c, 'GET', k)];
    case 'list':
      return [type, await raw(c, 'LRANGE', k, '0', '-1')];
    case 'hash': {
      const flat = (await raw(c, 'HGETALL', k)) as string[];
      const pairs: string[] = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push(flat[i] + '\0' + flat[i + 1]);
      return [type, pairs.sort()];
    }
    case 'set':
      return [type, ((await raw(c, 'SMEMBERS', k)) as string[]).sort()];
    case 'zset':
      return [type, await raw(c, 'ZRANGE', k, '0', '-1', 'WITHSCORES')];
    case 'rangeindex':
      return [type, await raw(c, 'RI.SCAN', k, '', 'COUNT', '10000000', 'FIELDS', 'BOTH'), await raw(c, 'RI.CONFIG', k)];
  }
  return [type];
}

/** Every key of databases 0..dbs-1 as `db:key` -> [type, content, PEXPIRETIME]. */
export async function dumpAll(c: RespClient, dbs = 3): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (let db = 0; db < dbs; db++) {
    await js(c, 'SELECT', String(db));
    let cursor = '0';
    const keys: string[] = [];
    for (let n = 0; n < 100000; n++) {
      const [next, batch] = (await raw(c, 'SCAN', cursor, 'COUNT', '1000')) as [string, string[]];
      keys.push(...batch);
      cursor = next;
      if (cursor === '0') break;
    }
    for (const key of keys.sort()) {
      const content = await contentOf(c, key);
      const at = await js(c, 'PEXPIRETIME', Buffer.from(key, 'latin1'));
      out[`${db}:${key}`] = [content, at];
    }
  }
  await js(c, 'SELECT', '0');
  return out;
}

// ---- WAL files ----

export const SEG_HEADER = 32;
export const REC_HEADER = 20;

export function walSegments(dir: string): string[] {
  const w = path.join(dir, 'wal');
  if (!fs.existsSync(w)) return [];
  return fs
    .readdirSync(w)
    .filter((n) => /^segment-\d+\.bin$/.test(n))
    .sort((a, b) => Number(a.slice(8, -4)) - Number(b.slice(8, -4)))
    .map((n) => path.join(w, n));
}

export function snapshotNames(dir: string): string[] {
  const s = path.join(dir, 'snapshots');
  if (!fs.existsSync(s)) return [];
  return fs
    .readdirSync(s)
    .filter((n) => /^snapshot-\d+$/.test(n))
    .sort((a, b) => Number(a.slice(9)) - Number(b.slice(9)));
}

function u64(b: Buffer, off: number): number {
  return b.readUInt32LE(off) + b.readUInt32LE(off + 4) * 0x100000000;
}

export interface ParsedRecord {
  offset: number;
  seq: number;
  db: number;
  plen: number;
}

/** Header (null when invalid) and the records up to the first bad one. */
export function parseSegment(buf: Buffer): { header: { firstSeq: number; ctime: number } | null; records: ParsedRecord[]; end: number } {
  const okHeader =
    buf.length >= SEG_HEADER && buf.subarray(0, 8).toString('latin1') === 'STRATWAL' && buf.readUInt32LE(12) === crc32(buf.subarray(16, 32));
  const header = okHeader ? { firstSeq: u64(buf, 16), ctime: u64(buf, 24) } : null;
  const records: ParsedRecord[] = [];
  let pos = SEG_HEADER;
  while (okHeader && pos + REC_HEADER <= buf.length) {
    const plen = buf.readUInt32LE(pos);
    const end = pos + REC_HEADER + plen;
    if (end > buf.length || crc32(buf.subarray(pos + 8, end)) !== buf.readUInt32LE(pos + 4)) break;
    records.push({ offset: pos, seq: u64(buf, pos + 8), db: buf.readUInt16LE(pos + 16), plen });
    pos = end;
  }
  return { header, records, end: pos };
}

/** One WAL record (the writer's format): commands as RESP arrays, CRC-32 of seq..payload. */
export function encodeRecord(seq: number, db: number, cmds: string[][]): Buffer {
  const payload = Buffer.from(cmds.map((a) => `*${a.length}\r\n` + a.map((s) => `$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n`).join('')).join(''), 'latin1');
  const b = Buffer.alloc(REC_HEADER + payload.length);
  b.writeUInt32LE(payload.length, 0);
  b.writeUInt32LE(seq >>> 0, 8);
  b.writeUInt32LE(Math.floor(seq / 0x100000000), 12);
  b.writeUInt16LE(db, 16);
  b.writeUInt16LE(0xffff, 18);
  payload.copy(b, REC_HEADER);
  b.writeUInt32LE(crc32(b.subarray(8)), 4);
  return b;
}

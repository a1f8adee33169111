// Differential check of the hash handlers against a real redis-server (7.0): seeded random command
// sequences go to both (with small listpack thresholds, so conversions to hashtable happen often), every
// reply is compared byte for byte, and after each command so is every key: its type, its OBJECT ENCODING
// and its fields and values. Replies from a hashtable-encoded hash (whose order is Redis' dict order)
// are compared as multisets of fields / pairs. RESP2 and RESP3. Skipped with a warning when
// redis-server is not installed.
import type { Client } from '../../src/server/context';
import { Db } from '../../src/keyspace/db';
import { commands as hashCommands } from '../../src/handlers/hash';
import { RHash } from '../../src/keyspace/types/hash';
import { configSet } from '../../src/config';
import { startRedis, stopAll, ServerHandle } from '../helpers/servers';
import { RespClient, replyEnd } from '../helpers/resp';

let redis: ServerHandle | null = null;
let rc: RespClient;

const MAX_ENTRIES = '5';
const MAX_VALUE = '12';

beforeAll(async () => {
  redis = await startRedis();
  if (redis) {
    rc = await RespClient.connect(redis.port);
    await rc.call('config', 'set', 'hash-max-listpack-entries', MAX_ENTRIES, 'hash-max-listpack-value', MAX_VALUE);
  }
  expect(configSet(['hash-max-listpack-entries', MAX_ENTRIES, 'hash-max-listpack-value', MAX_VALUE])).toBeNull();
});
afterAll(async () => {
  configSet(['hash-max-listpack-entries', '512', 'hash-max-listpack-value', '64']);
  if (rc) rc.socket.destroy();
  await stopAll();
});

// ---- seeded generator ----

let seed = 1;
function rnd(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x80000000;
}
const ri = (n: number) => Math.floor(rnd() * n);
const pick = <T>(a: readonly T[]): T => a[ri(a.length)];

const KEYS = ['h1', 'h2', 'h3', 'str'];
const FIELDS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'n', 'x', '', '1', 'a\x00b', 'longfield-longfield'];
const VALUES = [
  '', 'v', '0', '1', '-1', '10', '3.5', '-0.25', '1e3', 'abc', ' 1', '01', '9223372036854775807',
  '-9223372036854775808', '9223372036854775808', 'inf', 'nan', '0x10', 'valuevaluevalue', '\x00\xff',
];
const INCRS = ['1', '-1', '0', '5', '100', '-100', '9223372036854775807', '-9223372036854775808', 'x', '', '1.5', ' 1'];
const FINCRS = ['1', '-1', '0.1', '-0.1', '1.5', '1e3', '-1e3', '3.0e-3', 'inf', '-inf', 'nan', 'abc', '', '0x10', '1e4000', '5'];
const kwcase = (s: string) => (rnd() < 0.5 ? s : s.toUpperCase());
const key = () => (rnd() < 0.05 ? 'nokey' : pick(KEYS));
const field = () => pick(FIELDS);
const value = () => pick(VALUES);

function gen(): string[] {
  switch (ri(24)) {
    case 0: case 1: case 2: case 3: {
      const a = [pick(['hset', 'hset', 'hmset']), key()];
      for (let n = 1 + ri(3); n > 0; n--) a.push(field(), value());
      if (rnd() < 0.03) a.push(field());
      return a;
    }
    case 4: return ['hsetnx', key(), field(), value()];
    case 5: return ['hget', key(), field()];
    case 6: { const a = ['hmget', key()]; for (let n = 1 + ri(3); n > 0; n--) a.push(field()); return a; }
    case 7: case 8: { const a = ['hdel', key()]; for (let n = 1 + ri(3); n > 0; n--) a.push(field()); return a; }
    case 9: return ['hlen', key()];
    case 10: return ['hstrlen', key(), field()];
    case 11: return ['hexists', key(), field()];
    case 12: return ['hkeys', key()];
    case 13: return ['hvals', key()];
    case 14: return ['hgetall', key()];
    case 15: case 16: return ['hincrby', key(), field(), pick(INCRS)];
    case 17: case 18: return ['hincrbyfloat', key(), field(), pick(FINCRS)];
    case 19: {
      // Deterministic HRANDFIELD: errors, 0, or a count covering the whole hash.
      const a = ['hrandfield', key(), pick(['0', '100', '9223372036854775807', 'x', '-9223372036854775808', '4611686018427387904'])];
      if (rnd() < 0.5) a.push(kwcase(pick(['withvalues', 'withvalues', 'withvalue'])));
      return a;
    }
    case 20: {
      const a = ['hscan', key(), pick(['0', '0', '0', 'x'])];
      if (rnd() < 0.5) a.push(kwcase('match'), pick(['*', 'a*', '?', '[a-c]', '*\x00*']));
      a.push(kwcase('count'), pick(['1000', '1000', '1000', '0', 'x']));
      if (rnd() < 0.05) a.push('bogus');
      return a;
    }
    case 21: return ['set', 'str', 'v'];
    case 22: return ['del', key()];
    default: return ['exists', key()];
  }
}

// ---- the two sides ----

/** Replies whose order is a hashtable's iteration order when the hash is one. */
const UNORDERED = new Set(['hkeys', 'hvals', 'hgetall', 'hrandfield', 'hscan']);

function local(c: Client, argv: string[]): string {
  const db = c.db;
  const name = argv[0];
  if (name === 'set') {
    db.set(argv[1], argv[2]);
    return '+OK\r\n';
  }
  if (name === 'del') return db.delete(argv[1]) ? ':1\r\n' : ':0\r\n';
  if (name === 'exists') return db.has(argv[1]) ? ':1\r\n' : ':0\r\n';
  c.out = null;
  c.opos = 0;
  hashCommands[name](c, argv);
  return c.out === null ? '' : (c.out as Buffer).toString('latin1', 0, c.opos);
}

async function remote(argv: string[]): Promise<string> {
  return (await rc.call(...argv.map((a) => Buffer.from(a, 'latin1')))).toString('latin1');
}

/** Top-level elements of an aggregate reply (raw), or null for a scalar. */
function elements(reply: string): { head: string; elems: string[] } | null {
  const h = reply[0];
  if (h !== '*' && h !== '%' && h !== '~') return null;
  const buf = Buffer.from(reply, 'latin1');
  const le = reply.indexOf('\r\n');
  let n = Number(reply.slice(1, le));
  if (h === '%') n *= 2;
  const elems: string[] = [];
  let p = le + 2;
  for (let i = 0; i < n; i++) {
    const e = replyEnd(buf, p);
    elems.push(buf.toString('latin1', p, e));
    p = e;
  }
  return { head: reply.slice(0, le + 2), elems };
}

/** Sorts the elements (or field/value pairs) of a reply; SCAN replies: the inner array. */
function normalize(reply: string, pairwise: boolean, isScan: boolean): string {
  const a = elements(reply);
  if (a === null) return reply;
  if (isScan) return a.head + a.elems[0] + normalize(a.elems[1], true, false);
  const units: string[] = [];
  const step = pairwise || a.head[0] === '%' ? 2 : 1;
  for (let i = 0; i < a.elems.length; i += step) units.push(a.elems.slice(i, i + step).join(''));
  return a.head + units.sort().join('');
}

function isHashtable(db: Db, k: string): boolean {
  const v = db.dict.get(k);
  return v instanceof RHash && v.encoding() === 'hashtable';
}

function localState(db: Db, k: string): string {
  const v = db.dict.get(k);
  if (v === undefined) return 'none';
  if (!(v instanceof RHash)) return 'string';
  const pairs = [...v.entries()].map(([f, x]) => f + '=' + x);
  return 'hash ' + v.encoding() + ' ' + JSON.stringify(v.encoding() === 'listpack' ? pairs : pairs.sort());
}

async function remoteState(k: string): Promise<string> {
  const type = (await remote(['type', k])).slice(1, -2);
  if (type !== 'hash') return type;
  const enc = (await remote(['object', 'encoding', k])).split('\r\n')[1];
  const a = elements((await rc.call('hgetall', k)).toString('latin1'))!;
  const bulkOf = (e: string) => e.slice(e.indexOf('\r\n') + 2, -2);
  const pairs: string[] = [];
  for (let i = 0; i < a.elems.length; i += 2) pairs.push(bulkOf(a.elems[i]) + '=' + bulkOf(a.elems[i + 1]));
  return 'hash ' + enc + ' ' + JSON.stringify(enc === 'listpack' ? pairs : pairs.sort());
}

async function run(n: number, s: number, resp: number): Promise<string[]> {
  seed = s;
  await remote(['flushall']);
  await remote(['hello', String(resp)]);
  const db = new Db(0);
  const c = { resp, out: null, opos: 0, mute: false, requestFlush() {}, closeAfterReply() {}, db } as unknown as Client;
  const diffs: string[] = [];
  for (let i = 0; i < n && diffs.length < 10; i++) {
    const argv = gen();
    const want = await remote(argv);
    const got = local(c, argv);
    let same = got === want;
    if (!same && UNORDERED.has(argv[0]) && isHashtable(db, argv[1])) {
      const pairwise = argv[0] === 'hgetall' || (argv[0] === 'hrandfield' && argv.length === 4 && resp === 2);
      same = normalize(got, pairwise, argv[0] === 'hscan') === normalize(want, pairwise, argv[0] === 'hscan');
    }
    if (!same) diffs.push(`#${i} ${JSON.stringify(argv)}\n  redis: ${JSON.stringify(want)}\n  local: ${JSON.stringify(got)}`);
    for (const k of KEYS) {
      const want2 = await remoteState(k);
      const got2 = localState(db, k);
      if (got2 !== want2) {
        diffs.push(`#${i} ${JSON.stringify(argv)} left ${k}\n  redis: ${want2}\n  local: ${got2}`);
        break;
      }
    }
  }
  await remote(['hello', '2']);
  return diffs;
}

describe('hash commands vs redis-server', () => {
  for (const resp of [2, 3]) {
    test(`random sequences RESP${resp}`, async () => {
      if (!redis) return;
      expect(await run(1500, 777 + resp, resp)).toEqual([]);
    }, 60000);
  }
});

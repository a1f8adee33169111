// Differential check of the set handlers against a real redis-server (7.0): seeded random command
// sequences go to both (with small encoding thresholds, so intset -> hashtable conversions happen
// often), every reply is compared byte for byte, and after each command so is every key: its type, its
// OBJECT ENCODING and its members. Replies whose order depends on a hashtable are compared as multisets
// when one of the keys involved is hashtable-encoded. RESP2 and RESP3. Skipped with a warning when
// redis-server is not installed.
import type { Client } from '../../src/server/context';
import { Db } from '../../src/keyspace/db';
import { commands as setCommands } from '../../src/handlers/set';
import { RSet } from '../../src/keyspace/types/set';
import { configSet } from '../../src/config';
import { startRedis, stopAll, ServerHandle } from '../helpers/servers';
import { RespClient, replyEnd } from '../helpers/resp';

let redis: ServerHandle | null = null;
let rc: RespClient;

const MAX_INTSET = '6';

beforeAll(async () => {
  redis = await startRedis();
  if (redis) {
    rc = await RespClient.connect(redis.port);
    await rc.call('config', 'set', 'set-max-intset-entries', MAX_INTSET);
  }
  expect(configSet(['set-max-intset-entries', MAX_INTSET])).toBeNull();
});
afterAll(async () => {
  configSet(['set-max-intset-entries', '512']);
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

const KEYS = ['s1', 's2', 's3', 's4', 'str'];
const MEMBERS = [
  '0', '1', '2', '3', '5', '8', '-1', '-7', '10', '42', '100', '9223372036854775807', '-9223372036854775808',
  '9223372036854775808', '-0', '01', '+1', ' 1', '1.5', '', 'a', 'b', 'c', 'abc', 'x\x00y', '\xff', 'long'.repeat(20),
];
const kwcase = (s: string) => (rnd() < 0.5 ? s : s.toUpperCase());
const key = () => pick(KEYS);
const member = () => (rnd() < 0.7 ? pick(MEMBERS.slice(0, 13)) : pick(MEMBERS));
function keys(min: number, max: number): string[] {
  const a: string[] = [];
  for (let n = min + ri(max - min + 1); n > 0; n--) a.push(rnd() < 0.1 ? 'nokey' : key());
  return a;
}

function gen(): string[] {
  switch (ri(26)) {
    case 0: case 1: case 2: case 3: {
      const a = ['sadd', key()];
      for (let n = 1 + ri(4); n > 0; n--) a.push(member());
      return a;
    }
    case 4: case 5: {
      const a = ['srem', key()];
      for (let n = 1 + ri(3); n > 0; n--) a.push(member());
      return a;
    }
    case 6: return ['scard', key()];
    case 7: return ['sismember', key(), member()];
    case 8: { const a = ['smismember', key()]; for (let n = 1 + ri(3); n > 0; n--) a.push(member()); return a; }
    case 9: return ['smembers', key()];
    case 10: return ['smove', key(), key(), member()];
    case 11: return ['sinter', ...keys(1, 3)];
    case 12: {
      const ks = keys(1, 3);
      const a = ['sintercard', rnd() < 0.9 ? String(ks.length) : pick(['0', '-1', 'x', '9']), ...ks];
      if (rnd() < 0.5) a.push(kwcase('limit'), pick(['0', '1', '2', '-1', 'x', '100']));
      if (rnd() < 0.05) a.push('bogus');
      return a;
    }
    case 13: return ['sinterstore', key(), ...keys(1, 3)];
    case 14: return ['sunion', ...keys(1, 3)];
    case 15: return ['sunionstore', key(), ...keys(1, 3)];
    case 16: return ['sdiff', ...keys(1, 4)];
    case 17: case 18: return ['sdiffstore', key(), ...keys(1, 4)];
    case 19: {
      // Deterministic SRANDMEMBER: errors, 0, or a count covering the whole set.
      return ['srandmember', key(), pick(['0', '100', '9223372036854775807', 'x', '-9223372036854775808'])];
    }
    case 20: return ['spop', key(), pick(['0', '100', '-1', 'x'])];
    case 21: {
      const a = ['sscan', key(), pick(['0', '0', '0', '7', 'x', '-1'])];
      if (rnd() < 0.5) a.push(kwcase('match'), pick(['*', '1*', '*a*', '[0-5]', '?']));
      if (rnd() < 0.4) a.push(kwcase('count'), pick(['1000', '1000', '0', 'x', '-1']));
      if (rnd() < 0.05) a.push(pick(['type', 'bogus']));
      return a;
    }
    case 22: return ['set', 'str', 'v'];
    case 23: return ['del', key()];
    case 24: return ['srem', key(), member(), member(), member(), member()];
    default: return ['exists', key()];
  }
}

// ---- the two sides ----

/** Commands whose reply order is the iteration order of a hashtable when one is involved. */
const UNORDERED = new Set(['smembers', 'sinter', 'sunion', 'sdiff', 'srandmember', 'spop', 'sscan']);

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
  setCommands[name](c, argv);
  return c.out === null ? '' : (c.out as Buffer).toString('latin1', 0, c.opos);
}

async function remote(argv: string[]): Promise<string> {
  return (await rc.call(...argv.map((a) => Buffer.from(a, 'latin1')))).toString('latin1');
}

/** A reply with its top-level elements sorted (the inner array of a SCAN reply likewise). */
function normalize(reply: string): string {
  const buf = Buffer.from(reply, 'latin1');
  const head = reply[0];
  if (head !== '*' && head !== '~') return reply;
  const le = reply.indexOf('\r\n');
  const n = Number(reply.slice(1, le));
  const elems: string[] = [];
  let p = le + 2;
  for (let i = 0; i < n; i++) {
    const e = replyEnd(buf, p);
    elems.push(buf.toString('latin1', p, e));
    p = e;
  }
  if (n === 2 && elems[1][0] === '*' && elems[0][0] === '$') return reply.slice(0, le + 2) + elems[0] + normalize(elems[1]);
  return reply.slice(0, le + 2) + elems.sort().join('');
}

/** Could this reply come from iterating an intset (at most MAX_INTSET integers)? */
function intsetReply(reply: string, isScan: boolean): boolean {
  const lines = reply.split('\r\n');
  const ms: string[] = [];
  for (let i = 0; i < lines.length; i++) if (lines[i][0] === '$') ms.push(lines[++i]);
  if (isScan) ms.shift(); // the cursor
  const int64 = (m: string) => /^(0|-?[1-9][0-9]{0,18})$/.test(m) && BigInt(m) <= 9223372036854775807n && BigInt(m) >= -9223372036854775808n;
  return ms.length <= Number(MAX_INTSET) && ms.every(int64);
}

function isHashtable(db: Db, k: string): boolean {
  const v = db.dict.get(k);
  return v instanceof RSet && v.encoding() === 'hashtable';
}

/** type / encoding / sorted members of a key, from the local keyspace. */
function localState(db: Db, k: string): string {
  const v = db.dict.get(k);
  if (v === undefined) return 'none';
  if (!(v instanceof RSet)) return 'string';
  return 'set ' + v.encoding() + ' ' + JSON.stringify([...v.s].sort());
}

async function remoteState(k: string): Promise<string> {
  const type = (await remote(['type', k])).slice(1, -2);
  if (type !== 'set') return type;
  const enc = (await remote(['object', 'encoding', k])).split('\r\n')[1];
  const members = (await rc.call('smembers', k)).toString('latin1');
  const lines = members.split('\r\n');
  const ms: string[] = [];
  for (let i = 2; i < lines.length - 1; i += 2) ms.push(lines[i]);
  // A member may contain "\r\n"? Not with the generator's members.
  return 'set ' + enc + ' ' + JSON.stringify(ms.sort());
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
    const involved = argv.slice(1).filter((a) => KEYS.includes(a));
    const unorderedBefore = involved.some((k) => isHashtable(db, k));
    const want = await remote(argv);
    const got = local(c, argv);
    let same = got === want;
    if (!same && UNORDERED.has(argv[0]) && (unorderedBefore || !intsetReply(want, argv[0] === 'sscan'))) same = normalize(got) === normalize(want);
    // SSCAN of a hashtable from a cursor other than 0, or with a small COUNT, is not comparable: Redis'
    // cursors are bucket positions, Strata's are not (both return a valid SCAN sequence).
    if (!same && argv[0] === 'sscan' && unorderedBefore && !(argv[2] === '0' && argv.includes('1000'))) same = true;
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

describe('set commands vs redis-server', () => {
  for (const resp of [2, 3]) {
    test(`random sequences RESP${resp}`, async () => {
      if (!redis) return;
      expect(await run(1500, 4242 + resp, resp)).toEqual([]);
    }, 60000);
  }
});

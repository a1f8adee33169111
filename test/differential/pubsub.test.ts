// Pub/sub, byte for byte against a real redis-server 7.0: several raw connections per script
// (subscribers in RESP2 and RESP3, publishers), every frame each connection receives compared.
//
// A step runs one command on one connection; then every open connection is synchronised with a
// barrier (`PING <token>`, allowed in subscribed mode, answered after every frame already queued for
// that connection), and the bytes each connection received before its barrier reply are that step's
// output. Deliveries to other clients are out-of-band in Strata (flushed on the next tick); the
// barrier makes that invisible, as it must be to a client.
//
// Where Redis' order comes from a dict seeded at random at start (UNSUBSCRIBE/SUNSUBSCRIBE without
// arguments, PUBSUB CHANNELS, several patterns matching one PUBLISH), a step compares multisets:
// 'frames' sorts the frames of one step, 'array' sorts the elements of an array reply, 'unsubAll'
// compares the channel names as a multiset and the counts as a sequence (they decrease 1 by 1).
import { Arg, RespClient, encodeCommand, escapeBytes, replyEnd } from '../helpers/resp';
import { ServerHandle, redisAvailable, startRedis, startStrata, warnRedisMissing } from '../helpers/servers';

type Mode = 'exact' | 'frames' | 'array' | 'unsubAll' | 'type';
interface Step {
  on: number;
  argv: Arg[];
  mode?: Mode;
  /** Send without waiting for a reply on `on` (e.g. a command that gets the connection closed). */
  noBarrier?: boolean;
  /** Read exactly this many replies on `on` instead of a barrier (inside MULTI a barrier PING is queued). */
  reads?: number;
}
interface Pause {
  pause: number;
}
interface Script {
  name: string;
  /** Protocol of each connection (its length is the number of connections). */
  protos: (2 | 3)[];
  steps: (Step | Pause)[];
  /** Runs once per protocol: every connection in RESP2, then every connection in RESP3. */
  both?: boolean;
  /**
   * A feature of another subsystem the script needs (probed on Strata; the script is reported as
   * skipped while it is missing): 'multi' (MULTI/EXEC), 'subscribedMode' (the dispatcher's RESP2
   * subscribed-mode restriction).
   */
  needs?: 'multi' | 'subscribedMode';
}

const s = (on: number, ...argv: Arg[]): Step => ({ on, argv });
const frames = (on: number, ...argv: Arg[]): Step => ({ on, argv, mode: 'frames' });
const arr = (on: number, ...argv: Arg[]): Step => ({ on, argv, mode: 'array' });
const unsubAll = (on: number, ...argv: Arg[]): Step => ({ on, argv, mode: 'unsubAll' });
/** Replies whose content differs between servers (ids, addresses): same frame types only. */
const typ = (on: number, ...argv: Arg[]): Step => ({ on, argv, mode: 'type' });
const one = (on: number, ...argv: Arg[]): Step => ({ on, argv, reads: 1 });
const pause = (ms: number): Pause => ({ pause: ms });
const bin = (x: string): Buffer => Buffer.from(x, 'latin1');

const scripts: Script[] = [
  {
    name: 'unsubscribe from nothing: nil channel, count 0',
    protos: [2],
    both: true,
    steps: [s(0, 'UNSUBSCRIBE'), s(0, 'PUNSUBSCRIBE'), s(0, 'SUNSUBSCRIBE'), s(0, 'UNSUBSCRIBE', 'a', 'b'), s(0, 'PUNSUBSCRIBE', 'p*'), s(0, 'SUNSUBSCRIBE', 'x'), s(0, 'PING')],
  },
  {
    name: 'subscribe counts: channels + patterns, shard channels apart',
    protos: [2],
    both: true,
    steps: [
      s(0, 'SUBSCRIBE', 'a', 'b', 'a'),
      s(0, 'PSUBSCRIBE', 'x*', 'x*', 'y?'),
      s(0, 'SSUBSCRIBE', 's1', 's2', 's1'),
      s(0, 'PING'),
      s(0, 'PING', 'hello'),
      s(0, 'UNSUBSCRIBE', 'b', 'zz'),
      s(0, 'PUNSUBSCRIBE'),
      s(0, 'SUNSUBSCRIBE', 's1', 'nope'),
      s(0, 'UNSUBSCRIBE'),
      s(0, 'PING'),
      s(0, 'SUNSUBSCRIBE'),
      s(0, 'PING'),
      s(0, 'PING', 'x'),
    ],
  },
  {
    name: 'unsubscribe all (order of a dict in Redis)',
    protos: [2],
    both: true,
    steps: [
      s(0, 'SUBSCRIBE', 'c1', 'c2', 'c3', 'c4'),
      s(0, 'PSUBSCRIBE', 'p1', 'p2'),
      unsubAll(0, 'UNSUBSCRIBE'),
      s(0, 'PUNSUBSCRIBE'),
      s(0, 'SSUBSCRIBE', 'a', 'b', 'c'),
      unsubAll(0, 'SUNSUBSCRIBE'),
      s(0, 'UNSUBSCRIBE'),
    ],
  },
  {
    name: 'publish to channels, patterns, both',
    protos: [2, 2, 2, 2],
    both: true,
    steps: [
      s(0, 'SUBSCRIBE', 'news.tech', 'news.art'),
      s(1, 'PSUBSCRIBE', 'news.*'),
      s(2, 'SUBSCRIBE', 'news.tech'),
      s(2, 'PSUBSCRIBE', 'n?ws.t*'),
      s(3, 'PUBLISH', 'news.tech', 'hello'),
      s(3, 'PUBLISH', 'news.art', ''),
      s(3, 'PUBLISH', 'other', 'x'),
      s(3, 'PUBLISH', 'news.', 'y'),
      s(3, 'PUBSUB', 'NUMPAT'),
      s(3, 'PUBSUB', 'NUMSUB', 'news.tech', 'news.art', 'other'),
      s(3, 'PUBSUB', 'NUMSUB'),
      arr(3, 'PUBSUB', 'CHANNELS'),
      arr(3, 'PUBSUB', 'CHANNELS', '*tech'),
      arr(3, 'PUBSUB', 'CHANNELS', 'nomatch*'),
      s(2, 'UNSUBSCRIBE', 'news.tech'),
      s(3, 'PUBLISH', 'news.tech', 'again'),
      s(3, 'PUBSUB', 'NUMSUB', 'news.tech'),
      s(1, 'PUNSUBSCRIBE', 'news.*'),
      s(3, 'PUBSUB', 'NUMPAT'),
      s(3, 'PUBLISH', 'news.tech', 'third'),
    ],
  },
  {
    name: 'several patterns of one client match',
    protos: [2, 2],
    both: true,
    steps: [s(0, 'PSUBSCRIBE', 'a*', '*b', 'a?', '*'), frames(1, 'PUBLISH', 'ab', 'm'), s(1, 'PUBSUB', 'NUMPAT'), s(1, 'PUBLISH', '', 'empty channel never matches a pattern')],
  },
  {
    name: 'RESP2 and RESP3 subscribers of one channel',
    protos: [2, 3, 2],
    steps: [
      s(0, 'SUBSCRIBE', 'ch'),
      s(1, 'SUBSCRIBE', 'ch'),
      s(1, 'PSUBSCRIBE', 'c*'),
      s(2, 'PUBLISH', 'ch', 'to both'),
      s(1, 'PUBLISH', 'ch', 'RESP3 subscriber publishes to itself'),
      s(1, 'PING'),
      s(1, 'PING', 'p'),
      s(1, 'PUBSUB', 'NUMSUB', 'ch'),
      s(1, 'UNSUBSCRIBE'),
      s(1, 'PUNSUBSCRIBE'),
      s(2, 'PUBLISH', 'ch', 'last'),
    ],
  },
  {
    name: 'shard channels: SPUBLISH ignores patterns, PUBLISH ignores shard subscribers',
    protos: [2, 2, 2],
    both: true,
    steps: [
      s(0, 'SSUBSCRIBE', 'orders'),
      s(1, 'PSUBSCRIBE', '*'),
      s(1, 'SUBSCRIBE', 'orders'),
      s(2, 'SPUBLISH', 'orders', 'shard'),
      s(2, 'PUBLISH', 'orders', 'plain'),
      s(2, 'SPUBLISH', 'none', 'x'),
      arr(2, 'PUBSUB', 'SHARDCHANNELS'),
      arr(2, 'PUBSUB', 'SHARDCHANNELS', 'ord*'),
      arr(2, 'PUBSUB', 'SHARDCHANNELS', 'x*'),
      s(2, 'PUBSUB', 'SHARDNUMSUB', 'orders', 'none'),
      s(2, 'PUBSUB', 'SHARDNUMSUB'),
      s(2, 'PUBSUB', 'NUMSUB', 'orders'),
      s(0, 'SUNSUBSCRIBE', 'orders'),
      s(2, 'SPUBLISH', 'orders', 'gone'),
      s(2, 'PUBSUB', 'SHARDNUMSUB', 'orders'),
    ],
  },
  {
    name: 'binary channels, patterns and messages',
    protos: [2, 2, 2],
    both: true,
    steps: [
      s(0, 'SUBSCRIBE', bin('ch\x00\xff\r\n'), ''),
      s(1, 'PSUBSCRIBE', bin('ch\x00*'), bin('[\x80-\xff]*')),
      s(2, 'PUBLISH', bin('ch\x00\xff\r\n'), bin('m\x00\r\n\xfe')),
      s(2, 'PUBLISH', '', 'empty channel'),
      s(2, 'PUBLISH', bin('\xe9t\xe9'), 'latin1'),
      s(2, 'PUBSUB', 'NUMSUB', '', bin('ch\x00\xff\r\n')),
      s(2, 'PUBLISH', 'big', 'x'.repeat(100000)),
      s(0, 'SUBSCRIBE', 'big'),
      s(2, 'PUBLISH', 'big', 'y'.repeat(70000)),
    ],
  },
  {
    name: 'closed subscribers are forgotten',
    protos: [2, 2, 2],
    both: true,
    steps: [
      s(0, 'SUBSCRIBE', 'c'),
      s(0, 'PSUBSCRIBE', 'c*'),
      s(0, 'SSUBSCRIBE', 'sc'),
      s(1, 'SUBSCRIBE', 'c'),
      { on: 0, argv: ['QUIT'], noBarrier: true },
      pause(100),
      s(2, 'PUBSUB', 'NUMSUB', 'c'),
      s(2, 'PUBSUB', 'NUMPAT'),
      s(2, 'PUBSUB', 'SHARDNUMSUB', 'sc'),
      s(2, 'PUBLISH', 'c', 'm'),
    ],
  },
  {
    name: 'RESET leaves subscribed mode silently',
    protos: [2, 2],
    both: true,
    steps: [
      s(0, 'SUBSCRIBE', 'a', 'b'),
      s(0, 'PSUBSCRIBE', 'p*'),
      s(0, 'SSUBSCRIBE', 's'),
      s(0, 'RESET'),
      s(0, 'PING'),
      s(1, 'PUBSUB', 'NUMSUB', 'a', 'b'),
      s(1, 'PUBSUB', 'NUMPAT'),
      s(1, 'PUBSUB', 'SHARDNUMSUB', 's'),
      s(1, 'PUBLISH', 'a', 'nobody'),
      s(0, 'UNSUBSCRIBE'),
    ],
  },
  {
    name: 'PUBSUB errors and HELP',
    protos: [2],
    both: true,
    steps: [
      s(0, 'PUBSUB', 'HELP'),
      s(0, 'pubsub', 'help'),
      s(0, 'PUBSUB', 'CHANNELS', 'a', 'b'),
      s(0, 'PUBSUB', 'shardchannels', 'a', 'b'),
      s(0, 'PUBSUB', 'NUMPAT', 'x'),
      s(0, 'PUBSUB', 'HELP', 'x'),
      s(0, 'PUBSUB', 'FOO'),
      s(0, 'PUBSUB'),
      s(0, 'SUBSCRIBE'),
      s(0, 'PSUBSCRIBE'),
      s(0, 'SSUBSCRIBE'),
      s(0, 'PUBLISH', 'a'),
      s(0, 'SPUBLISH', 'a', 'b', 'c'),
      s(0, 'PUBLISH', 'a', 'b'),
    ],
  },
  {
    name: 'RESP2 subscribed mode allows only (P|S)(UN)SUBSCRIBE, PING, QUIT, RESET',
    protos: [2],
    both: true,
    needs: 'subscribedMode',
    steps: [
      s(0, 'SUBSCRIBE', 'a'),
      s(0, 'GET', 'k'),
      s(0, 'PUBLISH', 'a', 'x'),
      s(0, 'PUBSUB', 'NUMSUB', 'a'),
      typ(0, 'CLIENT', 'INFO'),
      s(0, 'ECHO', 'e'),
      s(0, 'SSUBSCRIBE', 'b'),
      s(0, 'UNSUBSCRIBE'),
      s(0, 'GET', 'k'),
      s(0, 'SUNSUBSCRIBE'),
      s(0, 'GET', 'k'),
      s(0, 'PSUBSCRIBE', 'p'),
      typ(0, 'HELLO', '2'),
      s(0, 'RESET'),
      s(0, 'GET', 'k'),
    ],
  },
  {
    name: 'SUBSCRIBE inside MULTI, SSUBSCRIBE refused there',
    protos: [2],
    both: true,
    needs: 'multi',
    steps: [one(0, 'MULTI'), one(0, 'SUBSCRIBE', 'a'), one(0, 'SSUBSCRIBE', 'b'), one(0, 'EXEC'), s(0, 'PING'), s(0, 'UNSUBSCRIBE')],
  },
  {
    name: 'ACL: revoking channels disconnects the affected subscribers',
    protos: [2, 2, 2, 2, 3],
    steps: [
      s(0, 'ACL', 'SETUSER', 'alice', 'on', 'nopass', '+@all', '~*', '&news.*', '&sh*'),
      s(1, 'AUTH', 'alice', 'x'),
      s(1, 'SUBSCRIBE', 'news.a'),
      s(2, 'AUTH', 'alice', 'x'),
      s(2, 'PSUBSCRIBE', 'news.*'),
      s(3, 'AUTH', 'alice', 'x'),
      s(3, 'SSUBSCRIBE', 'sh1'),
      s(4, 'AUTH', 'alice', 'x'),
      s(4, 'SUBSCRIBE', 'news.b'),
      s(0, 'ACL', 'SETUSER', 'alice', '&news.a'),
      s(0, 'PUBSUB', 'NUMSUB', 'news.a', 'news.b'),
      s(0, 'ACL', 'SETUSER', 'alice', 'resetchannels', '&news.a', '&sh1'),
      pause(100),
      s(0, 'PUBSUB', 'NUMSUB', 'news.a', 'news.b'),
      s(0, 'PUBSUB', 'NUMPAT'),
      s(0, 'PUBLISH', 'news.a', 'still here'),
      s(0, 'SPUBLISH', 'sh1', 'still here'),
      s(1, 'SUBSCRIBE', 'news.b'),
      s(0, 'ACL', 'DELUSER', 'alice'),
    ],
  },
];

// ---------------------------------------------------------------------------------------------
// Runner

let barrierSeq = 0;

/** Splits a byte run into complete frames. */
function splitFrames(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let p = 0;
  while (p < b.length) {
    const e = replyEnd(b, p);
    if (e === -1) {
      out.push(b.subarray(p));
      break;
    }
    out.push(b.subarray(p, e));
    p = e;
  }
  return out;
}

/** Reads frames until the barrier reply (PING token) arrives; returns the frames before it. */
async function barrier(c: RespClient): Promise<Buffer[] | 'closed'> {
  if (c.isClosed) return 'closed';
  const token = `__barrier_${++barrierSeq}`;
  c.write(encodeCommand(['PING', token]));
  const got: Buffer[] = [];
  for (;;) {
    let f: Buffer;
    try {
      f = await c.read(5000);
    } catch {
      return c.isClosed ? 'closed' : [...got, Buffer.from('<TIMEOUT>')];
    }
    if (f.includes(token)) return got;
    got.push(f);
  }
}

async function runSide(port: number, sc: Script, protos: (2 | 3)[], out: string[][]): Promise<Buffer[][][]> {
  // result[step][conn] = frames
  const conns: RespClient[] = [];
  for (let i = 0; i < protos.length; i++) {
    const c = await RespClient.connect(port);
    if (protos[i] === 3) await c.call('HELLO', '3');
    conns.push(c);
  }
  const result: Buffer[][][] = [];
  try {
    for (const st of sc.steps) {
      if ('pause' in st) {
        await new Promise((r) => setTimeout(r, st.pause));
        result.push([]);
        continue;
      }
      conns[st.on].write(encodeCommand(st.argv));
      if (st.noBarrier) await new Promise((r) => setTimeout(r, 50));
      const perConn: Buffer[][] = [];
      if (st.reads !== undefined) {
        for (let i = 0; i < conns.length; i++) {
          const got: Buffer[] = [];
          if (i === st.on) for (let k = 0; k < st.reads; k++) got.push(await conns[i].read(5000).catch(() => Buffer.from('<NO REPLY>')));
          perConn.push(got);
        }
        result.push(perConn);
        continue;
      }
      for (let i = 0; i < conns.length; i++) {
        if (st.noBarrier && i === st.on) {
          perConn.push([conns[i].isClosed || (await conns[i].waitClosed(2000)) ? Buffer.from('<CLOSED>') : Buffer.from('<OPEN>')]);
          continue;
        }
        const r = await barrier(conns[i]);
        perConn.push(r === 'closed' ? [Buffer.from('<CLOSED>')] : r);
      }
      result.push(perConn);
    }
  } finally {
    for (const c of conns) {
      out.push(splitFrames(c.drain()).map((b) => escapeBytes(b)));
      c.close();
    }
  }
  return result;
}

function frameFields(f: Buffer): Buffer[] {
  // Top-level array/push: its elements.
  const le = f.indexOf('\r\n');
  const n = Number(f.toString('latin1', 1, le));
  const el: Buffer[] = [];
  let p = le + 2;
  for (let i = 0; i < n; i++) {
    const e = replyEnd(f, p);
    el.push(f.subarray(p, e));
    p = e;
  }
  return el;
}

function same(mode: Mode, a: Buffer[], b: Buffer[]): boolean {
  const str = (x: Buffer[]) => x.map((f) => f.toString('latin1'));
  if (a.length !== b.length) return false;
  switch (mode) {
    case 'type':
      return a.every((f, i) => f[0] === b[i][0]);
    case 'exact':
      return str(a).join('\u0001') === str(b).join('\u0001');
    case 'frames':
      return str(a).sort().join('\u0001') === str(b).sort().join('\u0001');
    case 'array':
      if (a.length !== 1) return str(a).join() === str(b).join();
      return JSON.stringify(str(frameFields(a[0])).sort()) === JSON.stringify(str(frameFields(b[0])).sort()) && a[0][0] === b[0][0];
    case 'unsubAll': {
      const parts = (x: Buffer[]) => x.map((f) => frameFields(f).map((e) => e.toString('latin1')));
      const pa = parts(a);
      const pb = parts(b);
      const heads = (p: string[][]) => p.map((f) => f[0] + '|' + f[2]).join(',');
      const names = (p: string[][]) => p.map((f) => f[1]).sort().join(',');
      return a.every((f, i) => f[0] === b[i][0]) && heads(pa) === heads(pb) && names(pa) === names(pb);
    }
  }
}

/** Whether Strata has the feature a script needs (see Script.needs). */
async function strataHas(port: number, need: NonNullable<Script['needs']>): Promise<boolean> {
  const c = await RespClient.connect(port);
  try {
    if (need === 'multi') {
      const r = (await c.call('MULTI')).toString();
      return r === '+OK\r\n';
    }
    await c.call('SUBSCRIBE', '__probe__');
    const r = (await c.call('ECHO', 'x')).toString();
    return r.startsWith("-ERR Can't execute");
  } finally {
    c.close();
  }
}

async function waitIdle(port: number): Promise<void> {
  // The previous script's connections close asynchronously on the server side.
  const c = await RespClient.connect(port);
  try {
    for (let i = 0; i < 100; i++) {
      const a = (await c.call('PUBSUB', 'CHANNELS')).toString();
      const b = (await c.call('PUBSUB', 'NUMPAT')).toString();
      const d = (await c.call('PUBSUB', 'SHARDCHANNELS')).toString();
      if (a === '*0\r\n' && b === ':0\r\n' && d === '*0\r\n') return;
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    c.close();
  }
}

const haveRedis = redisAvailable();
describe('pub/sub differential (raw bytes vs redis-server)', () => {
  if (!haveRedis) {
    warnRedisMissing('pub/sub differential tests');
    it.skip('SKIPPED: redis-server not installed', () => undefined);
    return;
  }
  let strata: ServerHandle;
  let redis: ServerHandle;
  beforeAll(async () => {
    const [a, b] = await Promise.all([startStrata(), startRedis()]);
    strata = a;
    redis = b!;
  }, 60000);
  afterAll(async () => {
    await Promise.all([strata?.stop(), redis?.stop()]);
  });

  const cases: [Script, (2 | 3)[], string][] = [];
  for (const sc of scripts) {
    if (sc.both) {
      cases.push([sc, sc.protos.map(() => 2), 'RESP2'], [sc, sc.protos.map(() => 3), 'RESP3']);
    } else cases.push([sc, sc.protos, sc.protos.join('/')]);
  }
  for (const [sc, protos, label] of cases) {
    it(`${sc.name} [${label}]`, async () => {
      if (sc.needs && !(await strataHas(strata.port, sc.needs))) {
        // eslint-disable-next-line no-console
        console.warn(`SKIPPED pub/sub script "${sc.name}": Strata lacks ${sc.needs}`);
        return;
      }
      await Promise.all([waitIdle(strata.port), waitIdle(redis.port)]);
      const leftS: string[][] = [];
      const leftR: string[][] = [];
      const [rs, rr] = await Promise.all([runSide(strata.port, sc, protos, leftS), runSide(redis.port, sc, protos, leftR)]);
      const problems: string[] = [];
      sc.steps.forEach((st, i) => {
        if ('pause' in st) return;
        for (let k = 0; k < protos.length; k++) {
          const a = rs[i]?.[k] ?? [];
          const b = rr[i]?.[k] ?? [];
          if (!same(st.mode ?? 'exact', a, b)) {
            problems.push(
              `step #${i} conn ${st.on}: ${st.argv.map((x) => escapeBytes(Buffer.isBuffer(x) ? x : String(x), 60)).join(' ')} -> on conn ${k}\n` +
                `   strata: ${a.map((f) => escapeBytes(f, 300)).join(' ')}\n` +
                `   redis:  ${b.map((f) => escapeBytes(f, 300)).join(' ')}`,
            );
          }
        }
      });
      expect(problems.join('\n')).toBe('');
      expect(leftS).toEqual(leftR);
    }, 60000);
  }
});

// Mutation fuzzing of the RESTORE payload decoder. Valid payloads of every encoding are mutated (bit
// flips, byte changes, insertions, deletions, truncation, splices, extreme lengths) and re-checksummed so
// the decoder sees them. Properties:
//   - restorePayload never throws and answers ok or one of Redis' two error texts;
//   - an accepted value is well formed: it re-encodes and decodes back to the same content;
//   - with redis-server installed (sanitize-dump-payload yes), Redis and Strata agree on accept/reject
//     and on the content of what both accept.
// Environment: FUZZ_SEED (default 1), RDB_FUZZ_ITERATIONS (default 20000), RDB_FUZZ_DIFF (default 3000).
import { startRedis, stopAll, redisAvailable, ServerHandle } from '../helpers/servers';
import { RespClient, decodeReply, toJS } from '../helpers/resp';
import { createDumpPayload, decodePayload, restorePayload, DecodedValue, RdbWriter, RdbReader, ERR_BAD_FORMAT, ERR_PAYLOAD_VERSION } from '../../src/keyspace/rdb';
import { buildPayload, fixCrc, zlEncode, zipmapEncode, writeStringDouble } from '../../src/keyspace/rdb/legacy';
import { lpEncode } from '../../src/keyspace/rdb/listpack';
import { intsetEncode } from '../../src/keyspace/rdb/intset';
import { RList } from '../../src/keyspace/types/list';
import { RHash } from '../../src/keyspace/types/hash';
import { RSet } from '../../src/keyspace/types/set';
import { RZSet } from '../../src/keyspace/types/zset';
import { parseLL } from '../../src/util/strconv';
import { formatDouble } from '../../src/protocol/reply';
import { rng } from '../helpers/rng';

const SEED = Number(process.env.FUZZ_SEED ?? 1);
const ITERATIONS = Number(process.env.RDB_FUZZ_ITERATIONS ?? 20000);
const DIFF = Number(process.env.RDB_FUZZ_DIFF ?? 3000);


function blobBody(type: number, blob: Buffer): Buffer {
  const w = new RdbWriter({ compress: false });
  w.byte(type);
  w.blob(blob);
  return Buffer.from(w.result());
}

/** Seed payloads: every encoding, small enough that mutations hit structure often. */
function corpus(): Buffer[] {
  const out: Buffer[] = [];
  const ints = ['0', '5', '-1', '127', '300', '-5000', '70000', '-8388608', '2147483648', '9223372036854775807'];
  out.push(createDumpPayload('hello'), createDumpPayload(123), createDumpPayload('x'.repeat(60)), createDumpPayload('abc'.repeat(30)));
  out.push(createDumpPayload(RList.from(['a', 'b', ...ints, 'c'.repeat(70)])));
  out.push(createDumpPayload(RList.from(Array.from({ length: 40 }, (_, i) => 'item' + (i % 4)))));
  out.push(createDumpPayload(RHash.from([['f', 'v'], ['n', '12'], ['e', ''], ['big', '9223372036854775807']])));
  out.push(createDumpPayload(RHash.from([['f', 'v'.repeat(80)], ['g', '1']])));
  out.push(createDumpPayload(RSet.from(['1', '2', '-3'])));
  out.push(createDumpPayload(RSet.from(['1', '70000'])));
  out.push(createDumpPayload(RSet.from(['1', '5000000000'])));
  out.push(createDumpPayload(RSet.from(['a', 'b', 'c'])));
  out.push(createDumpPayload(RZSet.from([['a', 1], ['b', 2.5], ['c', -Infinity], ['d', 1e300]])));
  out.push(createDumpPayload(RZSet.from([['a', 1], ['m'.repeat(70), 0.5]])));
  out.push(buildPayload(blobBody(10, zlEncode(['a', '1', '-200', '70000', '5000000000', 'x'.repeat(70)]))));
  out.push(buildPayload(blobBody(12, zlEncode(['a', '1', 'b', '2.5']))));
  out.push(buildPayload(blobBody(13, zlEncode(['f', 'v', 'n', '12']))));
  out.push(buildPayload(blobBody(9, zipmapEncode([['f', 'v'], ['g', 'w']], 1))));
  out.push(buildPayload(blobBody(11, intsetEncode(['1', '2', '3'], parseLL)!)));
  out.push(buildPayload(blobBody(16, lpEncode(['a', '1', 'b', '2']))));
  out.push(buildPayload(blobBody(20, lpEncode(['a', '1', 'b']))));
  const ql = new RdbWriter({ compress: false });
  ql.byte(14);
  ql.len(2);
  ql.blob(zlEncode(['a', 'b']));
  ql.blob(zlEncode(['c', '7']));
  out.push(buildPayload(Buffer.from(ql.result())));
  const plain = new RdbWriter({ compress: false });
  plain.byte(18);
  plain.len(2);
  plain.len(1);
  plain.string('plainnode');
  plain.len(2);
  plain.blob(lpEncode(['x', 'y']));
  out.push(buildPayload(Buffer.from(plain.result())));
  const z = new RdbWriter({ compress: false });
  z.byte(3);
  z.len(2);
  z.string('a');
  writeStringDouble(z, 1.5);
  z.string('b');
  writeStringDouble(z, -Infinity);
  out.push(buildPayload(Buffer.from(z.result())));
  const l = new RdbWriter({ compress: false });
  l.byte(1);
  l.len(2);
  l.string('a');
  l.string('12');
  out.push(buildPayload(Buffer.from(l.result())));
  const lzf = new RdbWriter({ compress: true });
  lzf.byte(4);
  lzf.len(1);
  lzf.string('k'.repeat(40));
  lzf.string('abcd'.repeat(20));
  out.push(buildPayload(Buffer.from(lzf.result())));
  return out;
}

function mutate(p: Buffer, rand: () => number, pool: Buffer[]): Buffer {
  let b = Buffer.from(p.subarray(0, p.length - 10)); // body without the footer
  const footer = p.subarray(p.length - 10);
  const n = 1 + Math.floor(rand() * 3);
  for (let k = 0; k < n; k++) {
    const pos = Math.floor(rand() * Math.max(1, b.length));
    switch (Math.floor(rand() * 9)) {
      case 0:
        if (b.length) b[pos] ^= 1 << Math.floor(rand() * 8);
        break;
      case 1:
        if (b.length) b[pos] = Math.floor(rand() * 256);
        break;
      case 2:
        if (b.length) b[pos] = [0, 1, 0x7f, 0x80, 0xfe, 0xff, 0x3f, 0x40, 0xc0][Math.floor(rand() * 9)];
        break;
      case 3:
        b = Buffer.concat([b.subarray(0, pos), Buffer.from([Math.floor(rand() * 256)]), b.subarray(pos)]);
        break;
      case 4:
        b = Buffer.concat([b.subarray(0, pos), b.subarray(pos + 1 + Math.floor(rand() * 4))]);
        break;
      case 5:
        b = b.subarray(0, pos);
        break;
      case 6: {
        const other = pool[Math.floor(rand() * pool.length)];
        const start = Math.floor(rand() * other.length);
        b = Buffer.concat([b.subarray(0, pos), other.subarray(start, start + 1 + Math.floor(rand() * 16)), b.subarray(pos)]);
        break;
      }
      case 7:
        if (b.length >= 4 && pos + 4 <= b.length) b.writeUInt32LE(Math.floor(rand() * 2 ** 32), pos);
        break;
      case 8:
        if (b.length >= 2 && pos + 2 <= b.length) b.writeUInt16LE([0, 1, 65535, 65534, 7][Math.floor(rand() * 5)], pos);
        break;
    }
  }
  const version = rand() < 0.05 ? Math.floor(rand() * 13) : footer[0];
  return buildPayload(b, version);
}

function contentOf(d: DecodedValue): unknown {
  switch (d.type) {
    case 'string':
      return ['string', d.value];
    case 'list':
      return ['list', d.items];
    case 'set':
      return ['set', [...d.members].sort()];
    case 'hash':
      return ['hash', [...d.pairs].map((p) => p.join('\u0000')).sort()];
    case 'zset':
      // -0 becomes 0 in a listpack (double2ll), in Redis too.
      return ['zset', [...d.pairs].map(([m, s]) => m + '\u0000' + formatDouble(s === 0 ? 0 : s)).sort()];
  }
  return [d.type];
}

/**
 * A collection payload announcing a huge element count: Redis pre-sizes its dict from it (dictTryExpand)
 * and can spend minutes there, so such payloads are not sent to it (Strata fails them on the short read).
 */
function hugeCount(p: Buffer): boolean {
  if (![1, 2, 3, 4, 5, 14, 18].includes(p[0])) return false;
  try {
    return new RdbReader(p, 1).len() > 100000;
  } catch {
    return false;
  }
}

describe('RESTORE payload fuzzing', () => {
  test(`in-process: never throws, accepted values are well formed (seed ${SEED}, ${ITERATIONS} payloads)`, () => {
    const rand = rng(SEED);
    const pool = corpus();
    for (const p of pool) expect(restorePayload(p).ok).toBe(true);
    let accepted = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const p = mutate(pool[i % pool.length], rand, pool);
      let res: ReturnType<typeof restorePayload>;
      try {
        res = restorePayload(p);
      } catch (e) {
        throw new Error(`restorePayload threw on ${p.toString('hex')}: ${(e as Error).stack}`);
      }
      if (!res.ok) {
        expect([ERR_BAD_FORMAT, ERR_PAYLOAD_VERSION]).toContain(res.error);
        continue;
      }
      accepted++;
      const again = restorePayload(createDumpPayload(res.value));
      if (!again.ok) throw new Error(`re-encoding of an accepted value failed: ${p.toString('hex')}`);
      expect(contentOf(decodePayload(createDumpPayload(again.value)))).toEqual(contentOf(decodePayload(p)));
    }
    // Some mutations must survive, or the fuzzer only exercises the first checks.
    expect(accepted).toBeGreaterThan(ITERATIONS / 50);
  });

  // Payloads 7.0 accepts and Strata deliberately does not (see decode.ts): NaN scores in listpacks.
  const knownDeviation = (p: Buffer): boolean => {
    try {
      const d = decodePayload(fixCrc(Buffer.from(p)));
      void d;
      return false;
    } catch (e) {
      return /NaN score/.test((e as Error).message);
    }
  };

  (redisAvailable() ? test : test.skip)(`differential against redis-server (seed ${SEED}, ${DIFF} payloads)`, async () => {
    const redis: ServerHandle | null = await startRedis({ args: ['--sanitize-dump-payload', 'yes'] });
    if (!redis) return;
    const rc = await RespClient.connect(redis.port);
    try {
      const rand = rng(SEED + 1000);
      const pool = corpus();
      const mismatches: string[] = [];
      for (let i = 0; i < DIFF; i++) {
        const p = mutate(pool[i % pool.length], rand, pool);
        if (hugeCount(p)) continue;
        const mine = restorePayload(p);
        let raw: Buffer;
        try {
          raw = await rc.call('RESTORE', 'k', '0', p, 'REPLACE');
        } catch (e) {
          throw new Error(`redis-server did not answer RESTORE of ${p.toString('hex')}: ${(e as Error).message}`);
        }
        const reply = toJS(decodeReply(raw).value);
        const theirs = reply instanceof Error ? reply.message : 'OK';
        const ours = mine.ok ? 'OK' : mine.error;
        if (theirs !== ours) {
          if (theirs === 'OK' && knownDeviation(p)) continue;
          // 7.2's set listpack (type 20): 7.0 does not know the type, Strata reads it.
          if (theirs === ERR_BAD_FORMAT && ours === 'OK' && p[0] === 20) continue;
          // Streams (15, 19, 21) are not implemented by Strata yet.
          if (theirs === 'OK' && (p[0] === 15 || p[0] === 19 || p[0] === 21)) continue;
          mismatches.push(`${p.toString('hex')}: redis ${theirs}, strata ${ours}`);
          continue;
        }
        if (mine.ok) {
          // Compare what Redis holds with what we decoded, through Redis' own DUMP of it.
          const dumped = decodeReply(await rc.call('DUMP', 'k')).value as { value: Buffer };
          const redisView = contentOf(decodePayload(Buffer.from(dumped.value)));
          const ourView = contentOf(decodePayload(p));
          if (JSON.stringify(redisView) !== JSON.stringify(ourView)) mismatches.push(`${p.toString('hex')}: content differs`);
        }
      }
      expect(mismatches.slice(0, 20)).toEqual([]);
    } finally {
      rc.socket.destroy();
      await stopAll();
    }
  }, 300000);
});

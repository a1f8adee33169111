// MEMORY DOCTOR | HELP | MALLOC-STATS | PURGE | STATS | USAGE (Redis 7.0 replies and texts).
//
// Strata's allocator is V8: `used_memory` is the V8 heap in use plus external memory (Buffers). The heap
// counts garbage until the collector runs, so MEMORY PURGE runs a full collection (Redis' PURGE returns
// dirty allocator pages; both make the memory figures that follow reflect live data). MEMORY USAGE is an
// estimate, as in Redis: key + value bytes + per-object overheads comparable to Redis' own, sampling
// `SAMPLES` elements of a collection (default 5, 0 = all) and scaling by its size.
import * as v8 from 'v8';
import * as vm from 'vm';
import type { Client, Handler } from '../../server/context';
import type { RObj, Value } from '../../keyspace/db';
import { keyspace } from '../../keyspace/db';
import * as R from '../../protocol/reply';
import { error, E } from '../../protocol/errors';
import { parseLL } from '../../util/strconv';
import { usedMemory, startupMemoryBytes, peakMemoryBytes } from '../../server/info';
import { RList } from '../../keyspace/types/list';
import { RHash } from '../../keyspace/types/hash';
import { RSet } from '../../keyspace/types/set';
import { RZSet } from '../../keyspace/types/zset';
import { clients as connectedClients } from '../../server/state';

const HELP = [
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
];

// A full GC on demand. V8 exposes gc() only behind a flag, which can be set at run time; the function is
// taken from a fresh context created after that.
let fullGc: (() => void) | null = null;
function collect(): void {
  if (fullGc === null) {
    v8.setFlagsFromString('--expose-gc');
    fullGc = vm.runInNewContext('gc') as () => void;
  }
  fullGc();
}

/** Rough heap bytes of a latin1 string (V8 header + one byte per char, 8-byte aligned). */
function strBytes(s: string): number {
  return 16 + ((s.length + 7) & ~7);
}

/** Optional per-type estimate for values defined elsewhere (e.g. the range-index stub). */
interface SizedObj extends RObj {
  memoryUsage?(samples: number): number;
}

/** Average of `f` over up to `samples` items of `it` (0 = all), times `size`. */
function sampled<T>(it: Iterable<T>, size: number, samples: number, f: (x: T) => number): number {
  let n = 0;
  let sum = 0;
  for (const x of it) {
    sum += f(x);
    if (++n === samples) break;
  }
  return n === 0 ? 0 : Math.round((sum / n) * size);
}

function valueBytes(v: Value, samples: number): number {
  if (typeof v === 'number') return 8;
  if (typeof v === 'string') return strBytes(v);
  if (v instanceof RList) return v.byteSize();
  if (v instanceof RHash) {
    const per = v.isListpack() ? 4 : 56; // listpack entry headers vs hashtable entry + Map slot
    return 48 + sampled(v.entries(), v.size, samples, ([f, x]) => strBytes(f) + strBytes(x) + per);
  }
  if (v instanceof RSet) return 48 + sampled(v.members(), v.size, samples, (m) => strBytes(m) + 24);
  if (v instanceof RZSet) return 64 + sampled(v.entries(), v.size, samples, ([m]) => strBytes(m) + 40);
  const o = v as SizedObj;
  return typeof o.memoryUsage === 'function' ? o.memoryUsage(samples) : 64;
}

function usage(c: Client, argv: string[]): void {
  let samples = 5;
  for (let j = 3; j < argv.length; j++) {
    if (argv[j].toLowerCase() === 'samples' && j + 1 < argv.length) {
      const n = parseLL(argv[j + 1]);
      if (n === null || typeof n === 'bigint') return error(c, E.notInt);
      if (n < 0) return error(c, E.syntax);
      samples = n === 0 ? Infinity : n;
      j++;
    } else return error(c, E.syntax);
  }
  const key = argv[2];
  // Like Redis (lookupKeyReadWithFlags with LOOKUP_NOTOUCH): expired keys are gone, stats untouched.
  if (!c.db.has(key)) return R.nullBulk(c);
  const v = c.db.dict.get(key)!;
  const ttl = c.db.getExpire(key) === undefined ? 0 : 32;
  // dict entry + key + value object header, comparable to Redis' dictEntry + sds + robj.
  R.int(c, 24 + strBytes(key) + 16 + ttl + valueBytes(v, samples === Infinity ? 0 : samples));
}

function purge(c: Client): void {
  collect();
  R.ok(c);
}

function doctor(c: Client): void {
  const used = usedMemory();
  // Redis refuses to diagnose an instance under 5 MB of data; Strata has no allocator statistics to
  // diagnose beyond that, so it answers like Redis does for a healthy instance.
  const text =
    used - startupMemoryBytes() < 5 * 1024 * 1024
      ? "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"
      : "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
  R.verbatim(c, text);
}

function mallocStats(c: Client): void {
  R.verbatim(c, 'Stats not supported for the current allocator');
}

/** MEMORY STATS with Redis' fields and arithmetic (object.c getMemoryOverheadData), from V8's figures. */
function stats(c: Client): void {
  const h = v8.getHeapStatistics();
  const used = usedMemory();
  const peak = Math.max(peakMemoryBytes(), used);
  const startup = startupMemoryBytes();
  let keys = 0;
  const dbs: [number, number, number][] = [];
  for (const db of keyspace.dbs) {
    if (db.size === 0) continue;
    keys += db.size;
    // Map slots: ~3 pointers per entry plus the table; the expires Map the same.
    dbs.push([db.id, db.size * 24, db.expires.size * 24]);
  }
  let clientBufs = 0;
  for (const cl of connectedClients.values()) clientBufs += cl.qbufLen() + cl.outputLen();
  let overhead = startup + clientBufs;
  for (const [, a, b] of dbs) overhead += a + b;
  const dataset = Math.max(0, used - overhead);
  const net = Math.max(0, used - startup);
  const active = h.total_heap_size + h.external_memory;
  const rss = process.memoryUsage.rss();
  R.mapLen(c, 27 + dbs.length);
  const num = (k: string, n: number): void => {
    R.bulk(c, k);
    R.int(c, Math.round(n));
  };
  const dbl = (k: string, d: number): void => {
    R.bulk(c, k);
    R.double(c, d);
  };
  num('peak.allocated', peak);
  num('total.allocated', used);
  num('startup.allocated', startup);
  num('replication.backlog', 0);
  num('clients.slaves', 0);
  num('clients.normal', clientBufs);
  num('cluster.links', 0);
  num('aof.buffer', 0);
  num('lua.caches', 0);
  num('functions.caches', 0);
  for (const [id, main, exp] of dbs) {
    R.bulk(c, `db.${id}`);
    R.mapLen(c, 3);
    num('overhead.hashtable.main', main);
    num('overhead.hashtable.expires', exp);
    num('overhead.hashtable.slot-to-keys', 0);
  }
  num('overhead.total', overhead);
  num('keys.count', keys);
  num('keys.bytes-per-key', keys === 0 ? 0 : net / keys);
  num('dataset.bytes', dataset);
  dbl('dataset.percentage', net === 0 ? 0 : (dataset / net) * 100);
  dbl('peak.percentage', peak === 0 ? 0 : (used / peak) * 100);
  num('allocator.allocated', used);
  num('allocator.active', active);
  num('allocator.resident', rss);
  dbl('allocator-fragmentation.ratio', used === 0 ? 1 : active / used);
  num('allocator-fragmentation.bytes', active - used);
  dbl('allocator-rss.ratio', rss / Math.max(1, active));
  num('allocator-rss.bytes', rss - active);
  dbl('rss-overhead.ratio', 1);
  num('rss-overhead.bytes', 0);
  dbl('fragmentation', rss / Math.max(1, used));
  num('fragmentation.bytes', rss - used);
}

export const commands: Record<string, Handler> = {
  'memory|usage': usage,
  'memory|purge': purge,
  'memory|doctor': doctor,
  'memory|malloc-stats': mallocStats,
  'memory|stats': stats,
  'memory|help': (c, argv) => R.help(c, argv[0], HELP),
};

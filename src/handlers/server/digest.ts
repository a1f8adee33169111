// DEBUG DIGEST / DEBUG DIGEST-VALUE: Redis 7.0's dataset signature (debug.c: xorDigest, mixDigest,
// xorObjectDigest, computeDatasetDigest), bit for bit, so a digest taken from Strata equals the one
// redis-server 7.0 computes for the same dataset (Redis' test suite compares digests across DEBUG RELOAD
// and restarts).
//
//   xorDigest(d, data):  d ^= SHA1(data)                  (order-independent: sets, hash fields, keys)
//   mixDigest(d, data):  d = SHA1(d ^ SHA1(data))          (order-dependent: lists, key -> type -> value)
//
// Per key: digest = 0; mix(key name); then xorObjectDigest: mix(type as big-endian u32 of OBJ_*), then
//   string   mix(text)  (an int-encoded string through its decimal text)
//   list     mix(element) head to tail
//   set      xor(member)
//   zset     xor(mix(mix(0, member), "%.17g" of the score)) per element
//   hash     xor(mix(mix(0, field), value)) per field
//   then xor("!!expire!!") when the key has a TTL.
// Dataset: final = 0; for each non-empty db: mix(final, big-endian u32 db id), then xor every key digest.
// An empty dataset answers forty '0'.
//
// Range-index keys (Strata only; Redis has no such type) use type id 200: their config (stub bytes 8..32:
// cache size, record sizes, key length, page size, backend; not the process-local handle/generation nor
// the flag bytes) mixed as one string, then every record xored like a hash field/value pair.
//
// The db dicts are read directly: no lazy expiry, no hit/miss stats, no LRU (Redis digests logically
// expired keys that are still in the dict too).
import { createHash } from 'crypto';
import type { Db, Value } from '../../keyspace/db';
import type { RList } from '../../keyspace/types/list';
import type { RSet } from '../../keyspace/types/set';
import type { RZSet } from '../../keyspace/types/zset';
import type { RHash } from '../../keyspace/types/hash';
import type { RangeIndexStub } from '../../rangeindex/stub';
import { fmtScore } from '../../util/dtoa';

/** Redis' OBJ_* type numbering (server.h), and Strata's own id for range indexes. */
const OBJ_STRING = 0;
const OBJ_LIST = 1;
const OBJ_SET = 2;
const OBJ_ZSET = 3;
const OBJ_HASH = 4;
export const OBJ_RANGEINDEX = 200;

const EXPIRE_MARK = Buffer.from('!!expire!!', 'latin1');

function sha1(data: string | Buffer): Buffer {
  const h = createHash('sha1');
  if (typeof data === 'string') h.update(data, 'latin1');
  else h.update(data);
  return h.digest();
}

/** digest ^= SHA1(data). Strings are latin1 (one char per byte). */
export function xorDigest(digest: Buffer, data: string | Buffer): void {
  const h = sha1(data);
  for (let j = 0; j < 20; j++) digest[j] ^= h[j];
}

/** digest = SHA1(digest ^ SHA1(data)). */
export function mixDigest(digest: Buffer, data: string | Buffer): void {
  xorDigest(digest, data);
  sha1(digest).copy(digest);
}

function u32be(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

function typeId(v: Value): number {
  if (typeof v !== 'object') return OBJ_STRING;
  switch (v.type) {
    case 'list': return OBJ_LIST;
    case 'set': return OBJ_SET;
    case 'zset': return OBJ_ZSET;
    case 'hash': return OBJ_HASH;
    case 'rangeindex': return OBJ_RANGEINDEX;
    default: throw new Error(`DEBUG DIGEST: unknown object type '${v.type}'`);
  }
}

/** Redis' xorObjectDigest: mixes/xors the value of `key` (and its TTL marker) into `digest`. */
export function xorObjectDigest(db: Db, key: string, digest: Buffer, v: Value): void {
  const t = typeId(v);
  mixDigest(digest, u32be(t));
  switch (t) {
    case OBJ_STRING:
      mixDigest(digest, typeof v === 'number' ? String(v) : (v as string));
      break;
    case OBJ_LIST: {
      const l = v as RList;
      if (l.length > 0) l.forEachString(0, l.length, false, (s) => mixDigest(digest, s));
      break;
    }
    case OBJ_SET:
      // xor is commutative: the underlying Set's order is as good as the intset's ascending one
      for (const m of (v as RSet).s) xorDigest(digest, m);
      break;
    case OBJ_ZSET: {
      const ele = Buffer.alloc(20);
      (v as RZSet).forEach((m, score) => {
        ele.fill(0);
        mixDigest(ele, m);
        mixDigest(ele, fmtScore(score)); // Redis 7.0: snprintf "%.17g" (inf/-inf, "-0" for -0.0)
        xorDigest(digest, ele);
      });
      break;
    }
    case OBJ_HASH: {
      const ele = Buffer.alloc(20);
      for (const [f, val] of (v as RHash).m) {
        ele.fill(0);
        mixDigest(ele, f);
        mixDigest(ele, val);
        xorDigest(digest, ele);
      }
      break;
    }
    case OBJ_RANGEINDEX: {
      const ri = v as RangeIndexStub;
      mixDigest(digest, ri.stub.subarray(8, 33));
      const tree = ri.tree;
      if (tree !== null) {
        const ele = Buffer.alloc(20);
        tree.scanRecords(Buffer.alloc(0), null, Infinity, {
          record(b: Buffer, ks: number, kl: number, vs: number, vl: number): void {
            ele.fill(0);
            mixDigest(ele, b.subarray(ks, ks + kl));
            mixDigest(ele, b.subarray(vs, vs + vl));
            xorDigest(digest, ele);
          },
        });
      }
      break;
    }
  }
  if (db.expires.has(key)) xorDigest(digest, EXPIRE_MARK);
}

/** Redis' computeDatasetDigest over `dbs` (SELECT index order). */
export function computeDatasetDigest(dbs: readonly Db[]): Buffer {
  const final = Buffer.alloc(20);
  const digest = Buffer.alloc(20);
  for (let j = 0; j < dbs.length; j++) {
    const db = dbs[j];
    if (db.dict.size === 0) continue;
    // the db id, so the same dataset in another db has another digest
    mixDigest(final, u32be(j));
    for (const [key, v] of db.dict) {
      digest.fill(0);
      mixDigest(digest, key);
      xorObjectDigest(db, key, digest, v);
      xorDigest(final, digest);
    }
  }
  return final;
}

/** DEBUG DIGEST-VALUE's digest of one key of `db` (forty '0' for a missing key). */
export function keyValueDigest(db: Db, key: string): Buffer {
  const digest = Buffer.alloc(20);
  const v = db.dict.get(key);
  if (v !== undefined) xorObjectDigest(db, key, digest, v);
  return digest;
}

/** Lower-case hex, as Redis' "%02x" loop. */
export function digestHex(d: Buffer): string {
  return d.toString('hex');
}

// rdbSaveObjectType + rdbSaveObject for DUMP payloads, with the encodings Redis 7.0 writes:
//   string  int-encoded (8/16/32-bit) when it is a small integer, LZF when long and compressible, else raw
//   list    QUICKLIST_2 of listpack nodes, split like quicklistPushTail with list-max-listpack-size
//   hash    HASH_LISTPACK while the hash is listpack-encoded, else HASH
//   set     SET_INTSET while intset-encoded, else SET
//   zset    ZSET_LISTPACK while listpack-encoded, else ZSET_2 (binary scores, highest first)
// Values of other types go to the extension encoders (registerRdbType).
import type { RObj, Value } from '../db';
import { RdbWriter } from './writer';
import { lpEncode, lpEncodedBytes, lpEntryBytes } from './listpack';
import { intsetEncode } from './intset';
import { parseLL } from '../../util/strconv';
import { g17 } from '../../protocol/reply';
import { RList } from '../types/list';
import { RHash } from '../types/hash';
import { RSet } from '../types/set';
import { RZSet } from '../types/zset';
import * as T from './constants';

export interface EncodeOptions {
  /** rdbcompression (default true). */
  compress?: boolean;
  /** list-max-listpack-size, the quicklist fill factor (default -2: 8 KiB nodes). */
  listFill?: number;
}

/** An extension encoder: writes the value's body and returns true, or returns false if v is not its type. */
export type RdbEncodeFn = (v: RObj, w: RdbWriter) => boolean;

/** Extension type encoders (registerRdbType), by type byte. */
export const extensionEncoders = new Map<number, RdbEncodeFn>();

/** Thrown when a value has no RDB representation (a type nobody registered a codec for). */
export class RdbUnsupportedError extends Error {}

// ---- quicklist node split (Redis 7.0 _quicklistNodeAllowInsert) ------------------------------------

const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536];
const SIZE_SAFETY_LIMIT = 8192;
/** Redis 7.0's fixed estimate of a listpack entry's overhead (SIZE_ESTIMATE_OVERHEAD). */
const SIZE_ESTIMATE_OVERHEAD = 8;

function allowInsert(nodeSz: number, nodeCount: number, fill: number, sz: number): boolean {
  const newSz = nodeSz + sz + SIZE_ESTIMATE_OVERHEAD;
  if (fill < 0) {
    const off = -fill - 1;
    if (off < OPTIMIZATION_LEVEL.length && newSz <= OPTIMIZATION_LEVEL[off]) return true;
  }
  if (newSz > SIZE_SAFETY_LIMIT) return false;
  return nodeCount < fill;
}

/** The elements split into quicklist nodes as a list built by RPUSH would have them. */
export function quicklistNodes(items: readonly string[], fill: number): string[][] {
  const nodes: string[][] = [];
  let cur: string[] | null = null;
  let curSz = 0;
  for (const s of items) {
    if (cur !== null && allowInsert(curSz, cur.length, fill, s.length)) {
      cur.push(s);
      curSz += lpEntryBytes(s);
    } else {
      cur = [s];
      nodes.push(cur);
      curSz = 7 + lpEntryBytes(s);
    }
  }
  return nodes;
}

// ---- scores --------------------------------------------------------------------------------------

/** Redis 7.0 d2string(): how a score is written into a zset listpack. */
export function d2string(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d !== d) return 'nan';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  if (d > -4503599627370495 && d < 4503599627370496 && Number.isInteger(d)) return String(d);
  return g17(d);
}

/**
 * The listpack entry of a score (zzlInsertAt): an integer when double2ll() says the score is one (integral,
 * |d| <= LLONG_MAX/2; -0 becomes 0), else d2string()'s text.
 */
export function zsetScoreEntry(d: number): string {
  if (Number.isInteger(d) && d >= -4611686018427387904 && d <= 4611686018427387904) {
    return Number.isSafeInteger(d) ? String(d === 0 ? 0 : d) : BigInt(d).toString();
  }
  return d2string(d);
}

/** Listpacks larger than this are not safe to build (Redis' LISTPACK_MAX_SAFETY_SIZE). */
const LISTPACK_MAX_SAFETY_SIZE = 1 << 30;

// ---- objects ---------------------------------------------------------------------------------------

/** Writes <type byte><value> for v. Throws RdbUnsupportedError for a type without a codec. */
export function encodeObject(v: Value, w: RdbWriter, opts: EncodeOptions = {}): void {
  if (typeof v === 'number') {
    w.byte(T.RDB_TYPE_STRING);
    w.longLong(v);
    return;
  }
  if (typeof v === 'string') {
    w.byte(T.RDB_TYPE_STRING);
    w.string(v);
    return;
  }
  if (v instanceof RList) {
    const nodes = quicklistNodes(v.toArray(), opts.listFill ?? -2);
    w.byte(T.RDB_TYPE_LIST_QUICKLIST_2);
    w.len(nodes.length);
    for (const node of nodes) {
      w.len(T.QUICKLIST_NODE_CONTAINER_PACKED);
      w.blob(lpEncode(node));
    }
    return;
  }
  if (v instanceof RHash) {
    if (v.isListpack()) {
      const flat: string[] = [];
      for (const [f, val] of v.entries()) flat.push(f, val);
      if (lpEncodedBytes(flat) <= LISTPACK_MAX_SAFETY_SIZE) {
        w.byte(T.RDB_TYPE_HASH_LISTPACK);
        w.blob(lpEncode(flat));
        return;
      }
    }
    w.byte(T.RDB_TYPE_HASH);
    w.len(v.size);
    for (const [f, val] of v.entries()) {
      w.string(f);
      w.string(val);
    }
    return;
  }
  if (v instanceof RSet) {
    if (v.isIntset()) {
      const is = intsetEncode([...v.members()], parseLL);
      if (is !== null) {
        w.byte(T.RDB_TYPE_SET_INTSET);
        w.blob(is);
        return;
      }
    }
    w.byte(T.RDB_TYPE_SET);
    w.len(v.size);
    for (const m of v.members()) w.string(m);
    return;
  }
  if (v instanceof RZSet) {
    if (v.encoding() === 'listpack') {
      const flat: string[] = [];
      v.forEach((m, s) => {
        flat.push(m, zsetScoreEntry(s));
      });
      if (lpEncodedBytes(flat) <= LISTPACK_MAX_SAFETY_SIZE) {
        w.byte(T.RDB_TYPE_ZSET_LISTPACK);
        w.blob(lpEncode(flat));
        return;
      }
    }
    w.byte(T.RDB_TYPE_ZSET_2);
    w.len(v.size);
    // Highest score first, as Redis walks its skiplist from the tail (faster to load).
    v.forEach((m, s) => {
      w.string(m);
      w.binaryDouble(s);
    }, true);
    return;
  }
  for (const [typeByte, enc] of extensionEncoders) {
    const mark = w.pos;
    w.byte(typeByte);
    if (enc(v, w)) return;
    w.pos = mark;
  }
  throw new RdbUnsupportedError(`no RDB encoding for type ${v.type}`);
}

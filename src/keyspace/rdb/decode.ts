// rdbLoadObject for DUMP payloads: every value encoding Redis 7.0 loads (and 7.2's set listpack), decoded
// into neutral forms with Redis' deep sanitization always on (sanitize-dump-payload yes): bounds, counts,
// duplicates, empty collections. Any failure throws RdbFormatError.
import type { Value } from '../db';
import { RdbReader, RdbFormatError, fail } from './reader';
import { lpDecode } from './listpack';
import { zlDecode } from './ziplist';
import { intsetDecode } from './intset';
import { zipmapDecode } from './zipmap';
import { strtodPrefix } from '../../util/strtod';
import * as T from './constants';

/**
 * A decoded value, independent of Strata's type classes. `rdbType` is the encoding it came in. Sets,
 * hashes and sorted sets come as a Set/Map (payload order, duplicates already refused).
 */
export type DecodedValue =
  | { type: 'string'; value: string }
  | { type: 'list'; items: string[]; rdbType: number }
  | { type: 'set'; members: Set<string>; rdbType: number }
  | { type: 'hash'; pairs: Map<string, string>; rdbType: number }
  | { type: 'zset'; pairs: Map<string, number>; rdbType: number }
  /** A value of a registered extension type, already built by its decoder. */
  | { type: 'custom'; value: Value; rdbType: number };

/** What an extension decoder gets besides the reader. */
export interface RdbDecodeContext {
  /** The RDB version of the payload (<= RDB_VERSION). */
  rdbVersion: number;
  /** Key and db the value is restored to, when known. */
  key?: string;
  dbId?: number;
}

export type RdbDecodeFn = (r: RdbReader, ctx: RdbDecodeContext) => Value;

/** Extension type decoders (registerRdbType). */
export const extensionDecoders = new Map<number, RdbDecodeFn>();

function memberSet(items: readonly string[]): Set<string> {
  const seen = new Set<string>();
  for (const s of items) {
    if (seen.has(s)) fail('duplicate set member');
    seen.add(s);
  }
  return seen;
}

/** Field/value pairs from a flat entry list (listpack/ziplist hash), checking parity and duplicate fields. */
function pairsOf(entries: string[]): Map<string, string> {
  if (entries.length & 1) fail('odd number of entries');
  const out = new Map<string, string>();
  for (let i = 0; i < entries.length; i += 2) {
    const f = entries[i];
    if (out.has(f)) fail('duplicate field');
    out.set(f, entries[i + 1]);
  }
  return out;
}

/** zzlStrtod: a score stored as text in a listpack/ziplist (strtod on at most 127 bytes). */
function zzlScore(s: string): number {
  const v = strtodPrefix(s.length > 127 ? s.slice(0, 127) : s).value;
  // Redis 7.0 would keep a NaN score from a listpack; a NaN breaks every ordering, so it is refused.
  if (v !== v) fail('NaN score');
  return v;
}

function zsetPairsOf(entries: string[]): Map<string, number> {
  if (entries.length & 1) fail('odd number of entries');
  const out = new Map<string, number>();
  for (let i = 0; i < entries.length; i += 2) {
    const m = entries[i];
    if (out.has(m)) fail('duplicate member');
    out.set(m, zzlScore(entries[i + 1]));
  }
  return out;
}

function notEmpty<T extends { length: number } | { size: number }>(a: T): T {
  if (('length' in a ? a.length : a.size) === 0) fail('empty key');
  return a;
}

/** rdbIsObjectType in Redis 7.0, plus 7.2's set listpack. */
export function isKnownObjectType(t: number): boolean {
  return (t >= 0 && t <= 7) || (t >= 9 && t <= 20) || extensionDecoders.has(t);
}

/** Decodes the value of RDB type `type` at the reader's position (rdbLoadObject). */
export function decodeObject(type: number, r: RdbReader, ctx: RdbDecodeContext): DecodedValue {
  switch (type) {
    case T.RDB_TYPE_STRING:
      return { type: 'string', value: r.string() };

    case T.RDB_TYPE_LIST: {
      const n = r.len();
      if (n === 0) fail('empty key');
      const items: string[] = [];
      for (let i = 0; i < n; i++) items.push(r.string());
      return { type: 'list', items, rdbType: type };
    }

    case T.RDB_TYPE_SET: {
      const n = r.len();
      if (n === 0) fail('empty key');
      const members = new Set<string>();
      for (let i = 0; i < n; i++) {
        members.add(r.string());
        if (members.size === i) fail('duplicate set member');
      }
      return { type: 'set', members, rdbType: type };
    }

    case T.RDB_TYPE_ZSET:
    case T.RDB_TYPE_ZSET_2: {
      const n = r.len();
      if (n === 0) fail('empty key');
      const pairs = new Map<string, number>();
      for (let i = 0; i < n; i++) {
        const m = r.string();
        const score = type === T.RDB_TYPE_ZSET_2 ? r.binaryDouble() : r.stringDouble();
        if (score !== score) fail('NaN score');
        pairs.set(m, score);
        if (pairs.size === i) fail('duplicate zset member');
      }
      return { type: 'zset', pairs, rdbType: type };
    }

    case T.RDB_TYPE_HASH: {
      const n = r.len();
      if (n === 0) fail('empty key');
      const pairs = new Map<string, string>();
      for (let i = 0; i < n; i++) {
        const f = r.string();
        pairs.set(f, r.string());
        if (pairs.size === i) fail('duplicate hash field');
      }
      return { type: 'hash', pairs, rdbType: type };
    }

    case T.RDB_TYPE_LIST_QUICKLIST:
    case T.RDB_TYPE_LIST_QUICKLIST_2: {
      const n = r.len();
      if (n === 0) fail('empty key');
      const items: string[] = [];
      for (let i = 0; i < n; i++) {
        let container = T.QUICKLIST_NODE_CONTAINER_PACKED;
        if (type === T.RDB_TYPE_LIST_QUICKLIST_2) {
          container = r.len();
          if (container !== T.QUICKLIST_NODE_CONTAINER_PACKED && container !== T.QUICKLIST_NODE_CONTAINER_PLAIN) {
            fail('quicklist integrity check failed');
          }
        }
        const data = r.stringBytes();
        if (data.length === 0) fail('empty quicklist node');
        if (container === T.QUICKLIST_NODE_CONTAINER_PLAIN) {
          items.push(data.latin1Slice(0, data.length));
          continue;
        }
        // Empty listpacks/ziplists are skipped; an all-empty list fails below.
        const entries = type === T.RDB_TYPE_LIST_QUICKLIST_2 ? lpDecode(data) : zlDecode(data);
        for (const e of entries) items.push(e);
      }
      return { type: 'list', items: notEmpty(items), rdbType: type };
    }

    case T.RDB_TYPE_HASH_ZIPMAP: {
      const pairs = new Map<string, string>();
      for (const [f, v] of zipmapDecode(r.stringBytes())) {
        if (pairs.has(f)) fail('duplicate hash field');
        pairs.set(f, v);
      }
      return { type: 'hash', pairs, rdbType: type };
    }

    case T.RDB_TYPE_LIST_ZIPLIST:
      return { type: 'list', items: notEmpty(zlDecode(r.stringBytes())), rdbType: type };

    case T.RDB_TYPE_SET_INTSET:
      // Strictly ascending, so no duplicates.
      return { type: 'set', members: new Set(intsetDecode(r.stringBytes())), rdbType: type };

    case T.RDB_TYPE_SET_LISTPACK: {
      return { type: 'set', members: notEmpty(memberSet(lpDecode(r.stringBytes()))), rdbType: type };
    }

    case T.RDB_TYPE_ZSET_ZIPLIST:
      return { type: 'zset', pairs: notEmpty(zsetPairsOf(zlDecode(r.stringBytes()))), rdbType: type };

    case T.RDB_TYPE_ZSET_LISTPACK:
      return { type: 'zset', pairs: notEmpty(zsetPairsOf(lpDecode(r.stringBytes()))), rdbType: type };

    case T.RDB_TYPE_HASH_ZIPLIST:
      return { type: 'hash', pairs: notEmpty(pairsOf(zlDecode(r.stringBytes()))), rdbType: type };

    case T.RDB_TYPE_HASH_LISTPACK:
      return { type: 'hash', pairs: notEmpty(pairsOf(lpDecode(r.stringBytes()))), rdbType: type };

    default: {
      const ext = extensionDecoders.get(type);
      if (ext) {
        let value: Value;
        try {
          value = ext(r, ctx);
        } catch (e) {
          if (e instanceof RdbFormatError) throw e;
          // An extension's own failure is a bad payload too, never a crash of the command.
          throw new RdbFormatError(`extension type ${type}: ${(e as Error)?.message ?? String(e)}`);
        }
        return { type: 'custom', value, rdbType: type };
      }
      // Modules (6, 7), streams (15, 19, 21) and unknown types.
      return fail(`unsupported RDB type ${type}`);
    }
  }
}

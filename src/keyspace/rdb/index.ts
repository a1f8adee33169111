// DUMP / RESTORE payloads, Redis 7.0 format:
//
//   <RDB type byte> <RDB-encoded value> <RDB version: u16 LE> <CRC-64/Jones of everything before: u64 LE>
//
// createDumpPayload(value) builds one; restorePayload(bytes) checks version and checksum
// (ERR_PAYLOAD_VERSION), decodes with full sanitization (ERR_BAD_FORMAT) and builds the value.
//
// Extension types: registerRdbType(typeByte, encode, decode) adds a value type without editing this
// folder (the range index uses RDB_TYPE_STRATA_RANGEINDEX). Payloads of such types are Strata-only.
import type { Value } from '../db';
import { crc64LE } from '../../util/crc64';
import { config } from '../../config';
import { RdbReader, RdbFormatError } from './reader';
import { RdbWriter } from './writer';
import { decodeObject, extensionDecoders, isKnownObjectType, DecodedValue, RdbDecodeContext, RdbDecodeFn } from './decode';
import { encodeObject, extensionEncoders, RdbEncodeFn, EncodeOptions } from './encode';
import { RList } from '../types/list';
import { RHash } from '../types/hash';
import { RSet, isIntMember } from '../types/set';
import { RZSet } from '../types/zset';
import { RDB_VERSION, ERR_PAYLOAD_VERSION, ERR_BAD_FORMAT, RDB_TYPE_SET_INTSET, RDB_TYPE_HASH, RDB_TYPE_HASH_ZIPMAP, isRedisReservedType } from './constants';

export { RdbReader, RdbFormatError } from './reader';
export { RdbWriter } from './writer';
export type { DecodedValue, RdbDecodeContext, RdbDecodeFn } from './decode';
export type { RdbEncodeFn, EncodeOptions } from './encode';
export { RdbUnsupportedError } from './encode';
export * from './constants';

/**
 * Registers a Strata extension value type: `encode(v, w)` writes the body of a value it owns and returns
 * true (false: not its value); `decode(r, ctx)` reads one back (throw RdbFormatError, or anything, for a
 * malformed payload: RESTORE answers "Bad data format"). The type byte must not be one Redis uses.
 */
export function registerRdbType(typeByte: number, encode: RdbEncodeFn, decode: RdbDecodeFn): void {
  if (!Number.isInteger(typeByte) || typeByte < 0 || typeByte > 255) throw new Error(`invalid RDB type byte ${typeByte}`);
  if (isRedisReservedType(typeByte)) throw new Error(`RDB type byte ${typeByte} is reserved by Redis`);
  if (extensionDecoders.has(typeByte)) throw new Error(`RDB type byte ${typeByte} is already registered`);
  extensionEncoders.set(typeByte, encode);
  extensionDecoders.set(typeByte, decode);
}

/** Removes a registration (tests). */
export function unregisterRdbType(typeByte: number): void {
  extensionEncoders.delete(typeByte);
  extensionDecoders.delete(typeByte);
}

function defaultEncodeOptions(): EncodeOptions {
  return { compress: config.rdbcompression, listFill: config['list-max-listpack-size'] };
}

/** The serialized value alone (<type><value>), without version and checksum. */
export function serializeValue(v: Value, opts: EncodeOptions = defaultEncodeOptions()): Buffer {
  const w = new RdbWriter({ compress: opts.compress ?? true });
  encodeObject(v, w, opts);
  return w.result();
}

/** DUMP: <type><value><version LE><crc64 LE>. Throws RdbUnsupportedError for a type without a codec. */
export function createDumpPayload(v: Value, opts: EncodeOptions = defaultEncodeOptions()): Buffer {
  const w = new RdbWriter({ compress: opts.compress ?? true }, typeof v === 'string' ? v.length + 32 : 256);
  encodeObject(v, w, opts);
  w.byte(RDB_VERSION & 0xff);
  w.byte(RDB_VERSION >> 8);
  w.raw(crc64LE(w.result()));
  return w.result();
}

/**
 * verifyDumpPayload: at least 10 bytes, a version not newer than ours, a matching CRC-64. Returns the
 * payload's RDB version, or -1.
 */
export function verifyDumpPayload(p: Uint8Array): number {
  if (p.length < 10) return -1;
  const f = p.length - 10;
  const ver = p[f] | (p[f + 1] << 8);
  if (ver > RDB_VERSION) return -1;
  const crc = crc64LE(p, 0, p.length - 8);
  for (let i = 0; i < 8; i++) if (crc[i] !== p[f + 2 + i]) return -1;
  return ver;
}

/**
 * Decodes a verified payload into its neutral form. Like Redis, the object is read from the whole
 * payload: bytes left between the value and the footer are ignored. Throws RdbFormatError.
 */
export function decodePayload(p: Buffer, ctx: Partial<RdbDecodeContext> = {}): DecodedValue {
  const r = new RdbReader(p);
  const type = r.byte();
  if (!isKnownObjectType(type)) throw new RdbFormatError(`unknown RDB type ${type}`);
  return decodeObject(type, r, { rdbVersion: ctx.rdbVersion ?? RDB_VERSION, key: ctx.key, dbId: ctx.dbId });
}

/**
 * A keyspace value from a decoded one, with the encoding Redis 7.0's loader (rdbLoadObject) gives it:
 *   set   intset when every member is an integer and there are at most set-max-intset-entries (an intset
 *         payload only checks the count), else hashtable;
 *   hash  a HASH payload is a listpack while it has at most hash-max-listpack-entries fields and no field
 *         or value longer than hash-max-listpack-value; listpack/ziplist payloads only check the count
 *         (a zipmap also the lengths);
 *   zset  listpack when within zset-max-listpack-entries/-value (RZSet.fromMap), else skiplist;
 *   list  always a quicklist.
 */
export function materialize(d: DecodedValue): Value {
  switch (d.type) {
    case 'string':
      return stringValue(d.value);
    case 'list':
      return RList.from(d.items);
    case 'set': {
      const m = d.members;
      let intset = m.size <= config['set-max-intset-entries'];
      if (intset && d.rdbType !== RDB_TYPE_SET_INTSET) {
        for (const x of m) {
          if (!isIntMember(x)) {
            intset = false;
            break;
          }
        }
      }
      return new RSet(intset, m);
    }
    case 'hash': {
      const m = d.pairs;
      let ht = m.size > config['hash-max-listpack-entries'];
      if (!ht && (d.rdbType === RDB_TYPE_HASH || d.rdbType === RDB_TYPE_HASH_ZIPMAP)) {
        const maxv = config['hash-max-listpack-value'];
        for (const [f, v] of m) {
          if (f.length > maxv || v.length > maxv) {
            ht = true;
            break;
          }
        }
      }
      return new RHash(ht, m);
    }
    case 'zset':
      return RZSet.fromMap(d.pairs);
    case 'custom':
      return d.value;
  }
}

/** The stored form of a string value: Redis' tryObjectEncoding turns canonical integers into ints. */
function stringValue(s: string): Value {
  const n = s.length;
  if (n === 0 || n > 20) return s;
  const c = s.charCodeAt(0);
  if (c > 57 || (c < 48 && c !== 45)) return s;
  const v = Number(s);
  return Number.isSafeInteger(v) && String(v) === s ? v : s;
}

export type RestoreResult = { ok: true; value: Value } | { ok: false; error: string };

/**
 * RESTORE's payload half: verify, decode, build. Never throws for a bad payload: the error is Redis'
 * exact text (ERR_PAYLOAD_VERSION or ERR_BAD_FORMAT).
 */
export function restorePayload(p: Buffer, ctx: Partial<RdbDecodeContext> = {}): RestoreResult {
  const ver = verifyDumpPayload(p);
  if (ver < 0) return { ok: false, error: ERR_PAYLOAD_VERSION };
  try {
    const d = decodePayload(p, { ...ctx, rdbVersion: ver });
    return { ok: true, value: materialize(d) };
  } catch {
    // RdbFormatError, or anything a hostile payload could still provoke (an allocation failure...):
    // from the client's view it is the payload's fault, never a crash of the command.
    return { ok: false, error: ERR_BAD_FORMAT };
  }
}

// Last: file.ts uses materialize() from this module.
export * from './file';

// Whole RDB files (Redis 7.0, RDB version 10), as rdbSaveRio writes them and rdbLoadRio reads them:
//
//   "REDIS0010"  AUX* (0xFA name value)  FUNCTION2* (0xF5 code)
//   for each non-empty db: SELECTDB (0xFE len) RESIZEDB (0xFB len len)
//                          entries: [EXPIRETIME_MS (0xFC i64 LE)] <type> <key> <value>
//   EOF (0xFF)  CRC-64/Jones of every byte before, u64 LE (0 = checksum disabled)
//
// Values use the DUMP codec (encodeObject / decodeObject), extension types included. The writer is
// streaming (it returns chunks and keeps a running CRC; it never touches the file system); the reader
// walks a whole-file Buffer one item at a time so a loader can yield to the event loop between items.
import type { Value } from '../db';
import { config, REDIS_VERSION } from '../../config';
import { crc64Update } from '../../util/crc64';
import { RdbReader, RdbFormatError } from './reader';
import { RdbWriter } from './writer';
import { encodeObject, EncodeOptions } from './encode';
import { decodeObject, isKnownObjectType, DecodedValue } from './decode';
import { materialize } from './index';
import { RDB_VERSION } from './constants';

// Opcodes (rdb.h).
export const RDB_OPCODE_FUNCTION2 = 0xf5;
/** Function libraries as 7.0-rc1/rc2 wrote them. */
export const RDB_OPCODE_FUNCTION_PRE_GA = 0xf6;
export const RDB_OPCODE_MODULE_AUX = 0xf7;
export const RDB_OPCODE_IDLE = 0xf8;
export const RDB_OPCODE_FREQ = 0xf9;
export const RDB_OPCODE_AUX = 0xfa;
export const RDB_OPCODE_RESIZEDB = 0xfb;
export const RDB_OPCODE_EXPIRETIME_MS = 0xfc;
export const RDB_OPCODE_EXPIRETIME = 0xfd;
export const RDB_OPCODE_SELECTDB = 0xfe;
export const RDB_OPCODE_EOF = 0xff;

/** "REDIS0010". */
export const RDB_FILE_MAGIC = `REDIS${String(RDB_VERSION).padStart(4, '0')}`;

export interface RdbFileWriterOptions {
  /** rdbcompression (default: the live config). */
  compress?: boolean;
  /** list-max-listpack-size, the quicklist fill factor (default: the live config). */
  listFill?: number;
  /** rdbchecksum: false writes a zero checksum, which loaders accept unchecked (default: the live config). */
  checksum?: boolean;
  /**
   * Aux fields. A standard name (redis-ver, redis-bits, ctime, used-mem, aof-base) overrides that field in
   * place; others are written after used-mem, where Redis puts its replication fields.
   */
  aux?: Record<string, string | number>;
  /**
   * The caller writes chunks in another order than it gets them (a snapshot writes entries of later
   * databases early): it keeps the CRC of the file as written and ends with footerFor(crc).
   */
  externalCrc?: boolean;
}

// Chunks up to this size are copied out of a reused scratch writer; larger ones hand over the writer's
// buffer, so one huge value does not pin a huge scratch buffer for the rest of the file.
const REUSE_MAX = 64 * 1024;

/**
 * Streaming RDB file writer: call header(), then selectDb()/entry() per db, then footer(); write each
 * returned chunk to the file in order. Every chunk is a fresh Buffer the caller owns.
 */
export class RdbFileWriter {
  private readonly encodeOpts: EncodeOptions;
  private readonly compress: boolean;
  private readonly checksum: boolean;
  private readonly aux: Record<string, string | number>;
  private readonly externalCrc: boolean;
  private w: RdbWriter;
  private crc: [number, number] = [0, 0];
  private state: 'new' | 'body' | 'done' = 'new';
  /** Bytes returned so far. */
  bytes = 0;

  constructor(opts: RdbFileWriterOptions = {}) {
    this.compress = opts.compress ?? config.rdbcompression;
    this.encodeOpts = { compress: this.compress, listFill: opts.listFill ?? config['list-max-listpack-size'] };
    this.checksum = opts.checksum ?? config.rdbchecksum;
    this.aux = opts.aux ?? {};
    this.externalCrc = opts.externalCrc ?? false;
    this.w = new RdbWriter({ compress: this.compress }, 4096);
  }

  /** The magic and rdbSaveInfoAuxFields' aux fields. */
  header(): Buffer {
    if (this.state !== 'new') throw new Error('RdbFileWriter: header() written twice');
    this.state = 'body';
    const w = this.start();
    w.rawLatin1(RDB_FILE_MAGIC);
    const std: [string, string | number][] = [
      ['redis-ver', REDIS_VERSION],
      ['redis-bits', 64],
      ['ctime', Math.floor(Date.now() / 1000)],
      ['used-mem', process.memoryUsage.rss()],
    ];
    const extra = Object.entries(this.aux).filter(([k]) => !STANDARD_AUX.has(k));
    for (const [name, v] of [...std, ...extra, ['aof-base', 0] as [string, number]]) {
      // rdbSaveAuxField: both halves through rdbSaveRawString, so "64" is int-encoded (C0 40) and long
      // values may be LZF-compressed; integers (rdbSaveAuxFieldStrInt) are saved as their decimal text.
      const val = Object.prototype.hasOwnProperty.call(this.aux, name) ? this.aux[name] : v;
      w.byte(RDB_OPCODE_AUX);
      w.string(name);
      w.string(String(val));
    }
    return this.finish();
  }

  /** A function library (rdbSaveFunctions: FUNCTION2 + its code, "#!lua name=..." first line). */
  functionLib(code: string): Buffer {
    this.inBody('functionLib');
    const w = this.start();
    w.byte(RDB_OPCODE_FUNCTION2);
    w.string(code);
    return this.finish();
  }

  /** SELECTDB + RESIZEDB. Redis writes nothing for an empty db: the caller skips those. */
  selectDb(id: number, dbSize: number, expiresSize: number): Buffer {
    this.inBody('selectDb');
    for (const n of [id, dbSize, expiresSize]) if (!Number.isSafeInteger(n) || n < 0) throw new Error(`invalid selectDb argument ${n}`);
    const w = this.start();
    w.byte(RDB_OPCODE_SELECTDB);
    w.len(id);
    w.byte(RDB_OPCODE_RESIZEDB);
    w.len(dbSize);
    w.len(expiresSize);
    return this.finish();
  }

  /**
   * One key: [EXPIRETIME_MS <i64 LE>] <type> <key> <value>. Throws RdbUnsupportedError for a value
   * without a codec (the writer stays usable).
   */
  entry(key: string, value: Value, expireAtMs?: number): Buffer {
    this.inBody('entry');
    this.writeEntry(this.start(), key, value, expireAtMs);
    return this.finish();
  }

  private writeEntry(w: RdbWriter, key: string, value: Value, expireAtMs: number | undefined): void {
    if (expireAtMs !== undefined) {
      if (!Number.isSafeInteger(expireAtMs)) throw new Error(`invalid expire time ${expireAtMs}`);
      w.byte(RDB_OPCODE_EXPIRETIME_MS);
      const t = Buffer.allocUnsafe(8);
      t.writeBigInt64LE(BigInt(expireAtMs));
      w.raw(t);
    }
    // encodeObject writes <type><value>; the key goes between the two. Write the key first, then rotate
    // the type byte in front of it: moves key-length bytes instead of the whole value.
    const at = w.pos;
    w.string(key);
    const keyLen = w.pos - at;
    encodeObject(value, w, this.encodeOpts);
    const out = w.result();
    const type = out[at + keyLen];
    out.copyWithin(at + 1, at, at + keyLen);
    out[at] = type;
  }

  /**
   * Batched entries for whole-keyspace writers: addEntry() appends to an internal buffer (no Buffer per
   * key) and returns the batch size; takeBatch() hands the batch over (any other call's chunk starts
   * with the pending batch).
   */
  addEntry(key: string, value: Value, expireAtMs?: number): number {
    this.inBody('addEntry');
    if (!this.batching) {
      this.w.pos = 0;
      this.batching = true;
    }
    this.writeEntry(this.w, key, value, expireAtMs);
    return this.w.pos;
  }
  get batchBytes(): number {
    return this.batching ? this.w.pos : 0;
  }
  takeBatch(): Buffer | null {
    if (!this.batching) return null;
    this.batching = false;
    return this.finish();
  }
  private batching = false;

  /** EOF + the checksum of everything returned before (zeros when checksums are off). */
  footer(): Buffer {
    return this.writeFooter(this.crc);
  }

  /** EOF + the checksum, given the CRC of every byte of the file before it (externalCrc writers). */
  footerFor(fileCrc: [number, number]): Buffer {
    if (this.batching) throw new Error('RdbFileWriter: takeBatch() before footerFor()');
    return this.writeFooter(fileCrc);
  }

  private writeFooter(crcBefore: [number, number]): Buffer {
    this.inBody('footer');
    const w = this.start();
    w.byte(RDB_OPCODE_EOF);
    const crc = this.checksum ? crc64Update(crcBefore, w.result()) : [0, 0];
    const t = Buffer.allocUnsafe(8);
    t.writeUInt32LE(crc[0], 0);
    t.writeUInt32LE(crc[1], 4);
    w.raw(t);
    const chunk = this.finish();
    this.state = 'done';
    return chunk;
  }

  private inBody(what: string): void {
    if (this.state !== 'body') {
      throw new Error(`RdbFileWriter: ${what}() ${this.state === 'new' ? 'before header()' : 'after footer()'}`);
    }
  }

  private start(): RdbWriter {
    // A pending batch is not lost: the next chunk returned starts with it.
    if (this.batching) this.batching = false;
    else this.w.pos = 0;
    return this.w;
  }

  private finish(): Buffer {
    const view = this.w.result();
    let chunk: Buffer;
    if (view.length <= REUSE_MAX) {
      chunk = Buffer.from(view);
    } else {
      chunk = view;
      this.w = new RdbWriter({ compress: this.compress }, 4096);
    }
    if (this.checksum && !this.externalCrc) this.crc = crc64Update(this.crc, chunk);
    this.bytes += chunk.length;
    return chunk;
  }
}

const STANDARD_AUX = new Set(['redis-ver', 'redis-bits', 'ctime', 'used-mem', 'aof-base']);

// ---- reading ---------------------------------------------------------------------------------------

export interface RdbFileReaderOptions {
  /** false: do not verify the checksum (Redis' skip_checksum_validation / rdbchecksum no). Default true. */
  verifyChecksum?: boolean;
  /** SELECTDB beyond this count is an error (Redis exits on it). Default: no limit. */
  databases?: number;
}

export type RdbFileItem =
  | { kind: 'aux'; name: string; value: string }
  | {
      kind: 'entry';
      db: number;
      key: string;
      value: Value;
      /** Absolute unix time in ms (already past for keys that expired before the load: caller's call). */
      expireAtMs?: number;
      /** LRU idle seconds (IDLE opcode), LFU counter (FREQ opcode), when the file has them. */
      idleSeconds?: number;
      lfuFreq?: number;
    }
  /** A function library's code (FUNCTION2; a pre-GA library is translated the way Redis 7.0 does). */
  | { kind: 'function'; code: string }
  /** checksum: 'verified', 'disabled' (a zero checksum), 'absent' (RDB < 5) or 'skipped' (option). */
  | { kind: 'end'; checksum: 'verified' | 'disabled' | 'absent' | 'skipped' };

export type RdbFileEntry = Extract<RdbFileItem, { kind: 'entry' }>;

/**
 * Reads a whole RDB file (versions 1..10) one item at a time. Every malformed input throws RdbFormatError
 * with the byte offset; once it has thrown, next() throws the same error again.
 */
export class RdbFileReader {
  readonly version: number;
  /** The db entries are currently read into (SELECTDB). */
  db = 0;
  /** The last RESIZEDB hint for the current db. */
  resizeHint: { dbSize: number; expiresSize: number } | null = null;
  /** Keys Redis would silently drop as empty collections (an old Redis bug could write them). */
  emptyKeysSkipped = 0;
  private readonly r: RdbReader;
  private readonly verify: boolean;
  private readonly databases: number;
  private crc: [number, number] = [0, 0];
  private crcPos = 0;
  private end: RdbFileItem | null = null;
  private error: RdbFormatError | null = null;

  constructor(buf: Buffer, opts: RdbFileReaderOptions = {}) {
    this.r = new RdbReader(buf);
    this.verify = opts.verifyChecksum ?? true;
    this.databases = opts.databases ?? Infinity;
    if (buf.length < 9 || buf.latin1Slice(0, 5) !== 'REDIS') {
      throw new RdbFormatError('not an RDB file: wrong signature at offset 0');
    }
    // atoi(buf+5), as Redis reads it.
    const ver = parseInt(buf.latin1Slice(5, 9), 10);
    if (!(ver >= 1)) throw new RdbFormatError(`can't handle RDB format version ${buf.latin1Slice(5, 9)} at offset 5`);
    if (ver > RDB_VERSION) {
      throw new RdbFormatError(`can't handle RDB format version ${ver} (newest supported: ${RDB_VERSION}) at offset 5`);
    }
    this.version = ver;
    this.r.pos = 9;
  }

  progress(): { pos: number; size: number } {
    return { pos: this.r.pos, size: this.r.buf.length };
  }

  next(): RdbFileItem {
    if (this.error) throw this.error;
    if (this.end) return this.end;
    const r = this.r;
    let itemStart = r.pos;
    let key: string | undefined;
    try {
      let expireAtMs: number | undefined;
      let idleSeconds: number | undefined;
      let lfuFreq: number | undefined;
      for (;;) {
        itemStart = r.pos;
        const type = r.byte();
        switch (type) {
          case RDB_OPCODE_EXPIRETIME:
            r.need(4);
            expireAtMs = r.buf.readInt32LE(r.pos) * 1000;
            r.pos += 4;
            continue;
          case RDB_OPCODE_EXPIRETIME_MS:
            r.need(8);
            expireAtMs = Number(r.buf.readBigInt64LE(r.pos));
            r.pos += 8;
            continue;
          case RDB_OPCODE_FREQ:
            lfuFreq = r.byte();
            continue;
          case RDB_OPCODE_IDLE:
            idleSeconds = r.len();
            continue;
          case RDB_OPCODE_SELECTDB: {
            const id = r.len();
            if (id >= this.databases) throw new RdbFormatError(`db index ${id} out of range (databases ${this.databases})`);
            this.db = id;
            this.resizeHint = null;
            continue;
          }
          case RDB_OPCODE_RESIZEDB: {
            const dbSize = r.len();
            this.resizeHint = { dbSize, expiresSize: r.len() };
            continue;
          }
          case RDB_OPCODE_AUX: {
            const name = r.string();
            return this.emit({ kind: 'aux', name, value: r.string() });
          }
          case RDB_OPCODE_MODULE_AUX:
            throw new RdbFormatError('module aux data (MODULE_AUX): Strata does not support Redis modules');
          case RDB_OPCODE_FUNCTION2:
            return this.emit({ kind: 'function', code: r.string() });
          case RDB_OPCODE_FUNCTION_PRE_GA: {
            // rdbFunctionLoad's translation of the 7.0-rc format: name, engine, [description], code.
            const name = r.string();
            const engine = r.string();
            if (r.len() !== 0) r.string();
            const blob = r.string();
            return this.emit({ kind: 'function', code: `#!${engine} name=${name}\n${blob}` });
          }
          case RDB_OPCODE_EOF:
            return this.finishFile();
        }
        if (!isKnownObjectType(type)) throw new RdbFormatError(`unknown RDB type or opcode ${type}`);
        key = r.string();
        let decoded: DecodedValue;
        try {
          decoded = decodeObject(type, r, { rdbVersion: this.version, key, dbId: this.db });
        } catch (e) {
          // Redis (#8453) discards empty collections instead of failing; the decoder has consumed them.
          if (e instanceof RdbFormatError && e.message === 'empty key') {
            this.emptyKeysSkipped++;
            key = undefined;
            expireAtMs = idleSeconds = lfuFreq = undefined;
            continue;
          }
          throw e;
        }
        const item: RdbFileEntry = { kind: 'entry', db: this.db, key, value: materialize(decoded) };
        if (expireAtMs !== undefined) item.expireAtMs = expireAtMs;
        if (idleSeconds !== undefined) item.idleSeconds = idleSeconds;
        if (lfuFreq !== undefined) item.lfuFreq = lfuFreq;
        return this.emit(item);
      }
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      const what = key !== undefined ? `, key ${JSON.stringify(key.length > 64 ? key.slice(0, 64) + '...' : key)}` : '';
      const err = new RdbFormatError(`${reason} at offset ${r.pos} (item at offset ${itemStart}${what}, db ${this.db})`);
      (err as { cause?: unknown }).cause = e;
      this.error = err;
      throw err;
    }
  }

  /** Folds the bytes consumed since the last item into the running checksum (spread over next() calls). */
  private emit(item: RdbFileItem): RdbFileItem {
    if (this.verify) this.crc = crc64Update(this.crc, this.r.buf, this.crcPos, this.r.pos);
    this.crcPos = this.r.pos;
    return item;
  }

  private finishFile(): RdbFileItem {
    const r = this.r;
    let checksum: 'verified' | 'disabled' | 'absent' | 'skipped' = 'absent';
    if (this.version >= 5) {
      this.emit({ kind: 'end', checksum });
      const stored = r.bytes(8);
      const lo = stored.readUInt32LE(0);
      const hi = stored.readUInt32LE(4);
      if (!this.verify) checksum = 'skipped';
      else if (lo === 0 && hi === 0) checksum = 'disabled';
      else if (lo !== this.crc[0] || hi !== this.crc[1]) {
        throw new RdbFormatError(`wrong RDB checksum: expected ${hex(this.crc)}, file has ${hex([lo, hi])}`);
      } else checksum = 'verified';
    }
    this.end = { kind: 'end', checksum };
    return this.end;
  }
}

function hex(c: [number, number] | number[]): string {
  return c[1].toString(16).padStart(8, '0') + c[0].toString(16).padStart(8, '0');
}

// Reading RDB primitives from a DUMP payload (Redis' rdbLoadLen, rdbGenericLoadStringObject,
// rdbLoad*DoubleValue). Every failure throws RdbFormatError, which RESTORE turns into "Bad data format".
import { lzfDecompress, LZF_MAX_EXPANSION } from './lzf';
import { RDB_ENCVAL, RDB_14BITLEN, RDB_32BITLEN, RDB_64BITLEN, RDB_ENC_INT8, RDB_ENC_INT16, RDB_ENC_INT32, RDB_ENC_LZF } from './constants';
import { strtodPrefix } from '../../util/strtod';
import { constants as bufferConstants } from 'buffer';

/** A malformed payload (a short read, an impossible length, a failed integrity check...). */
export class RdbFormatError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'RdbFormatError';
  }
}

export function fail(reason: string): never {
  throw new RdbFormatError(reason);
}

/** The longest string V8 can hold: a decoded string longer than this cannot become a value. */
export const MAX_STRING = bufferConstants.MAX_STRING_LENGTH;

export class RdbReader {
  readonly buf: Buffer;
  pos: number;
  /** Reads never go past this offset (Redis reads the object from the whole payload, footer included). */
  readonly end: number;

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  /** Fails unless n more bytes can be read. */
  need(n: number): void {
    if (n > this.end - this.pos) fail('short read');
  }

  byte(): number {
    if (this.pos >= this.end) fail('short read');
    return this.buf[this.pos++];
  }

  /** n raw bytes (a view into the payload). */
  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /**
   * rdbLoadLenByRef: { len, encoded }. For an encoded value (top bits 11) len is the encoding type. Lengths
   * beyond 2^53 are returned rounded: no payload holds that many bytes or elements, so they fail later.
   */
  lenByRef(): { len: number; encoded: boolean } {
    const b0 = this.byte();
    const type = (b0 & 0xc0) >> 6;
    if (type === RDB_ENCVAL) return { len: b0 & 0x3f, encoded: true };
    if (type === 0) return { len: b0 & 0x3f, encoded: false };
    if (type === RDB_14BITLEN) return { len: ((b0 & 0x3f) << 8) | this.byte(), encoded: false };
    if (b0 === RDB_32BITLEN) {
      this.need(4);
      const v = this.buf.readUInt32BE(this.pos);
      this.pos += 4;
      return { len: v, encoded: false };
    }
    if (b0 === RDB_64BITLEN) {
      this.need(8);
      const hi = this.buf.readUInt32BE(this.pos);
      const lo = this.buf.readUInt32BE(this.pos + 4);
      this.pos += 8;
      // RDB_LENERR (UINT64_MAX) is the error marker of rdbLoadLen.
      if (hi === 0xffffffff && lo === 0xffffffff) fail('length error');
      return { len: hi * 4294967296 + lo, encoded: false };
    }
    return fail('unknown length encoding');
  }

  /** rdbLoadLen(rdb, NULL): a count. An "encoded" first byte is read as its low 6 bits, as Redis does. */
  len(): number {
    return this.lenByRef().len;
  }

  /** rdbGenericLoadStringObject as raw bytes (ints as their decimal text, LZF decompressed). */
  stringBytes(): Buffer {
    const { len, encoded } = this.lenByRef();
    if (encoded) {
      switch (len) {
        case RDB_ENC_INT8:
        case RDB_ENC_INT16:
        case RDB_ENC_INT32:
          return Buffer.from(String(this.intEncoded(len)), 'latin1');
        case RDB_ENC_LZF:
          return this.lzf();
        default:
          return fail('unknown string encoding');
      }
    }
    return this.bytes(len);
  }

  /** A string as a latin1 JS string (one char per byte), the form Strata stores. */
  string(): string {
    const { len, encoded } = this.lenByRef();
    if (encoded) {
      switch (len) {
        case RDB_ENC_INT8:
        case RDB_ENC_INT16:
        case RDB_ENC_INT32:
          return String(this.intEncoded(len));
        case RDB_ENC_LZF: {
          const b = this.lzf();
          if (b.length > MAX_STRING) fail('string too long');
          return b.latin1Slice(0, b.length);
        }
        default:
          return fail('unknown string encoding');
      }
    }
    if (len > MAX_STRING) fail('string too long');
    this.need(len);
    const s = this.buf.latin1Slice(this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  private intEncoded(enc: number): number {
    if (enc === RDB_ENC_INT8) {
      const v = this.byte();
      return v >= 128 ? v - 256 : v;
    }
    if (enc === RDB_ENC_INT16) {
      this.need(2);
      const v = this.buf.readInt16LE(this.pos);
      this.pos += 2;
      return v;
    }
    this.need(4);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** rdbLoadLzfStringObject: <clen><len><clen bytes>, decompressed to exactly len bytes. */
  private lzf(): Buffer {
    const clen = this.len();
    const len = this.len();
    this.need(clen);
    // Nothing this short can expand this much: fail before allocating.
    if (len > clen * LZF_MAX_EXPANSION + LZF_MAX_EXPANSION || len > MAX_STRING) fail('invalid LZF string');
    const out = Buffer.allocUnsafe(len);
    const start = this.pos;
    this.pos += clen;
    // liblzf's result for an empty output is 0 whatever the input: Redis accepts it as the empty string.
    if (len === 0) return out;
    if (lzfDecompress(this.buf, start, start + clen, out) !== len) fail('invalid LZF compressed string');
    return out;
  }

  /** rdbLoadBinaryDoubleValue: IEEE 754 binary64, little endian. */
  binaryDouble(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** rdbLoadDoubleValue (RDB_TYPE_ZSET): a length byte (253 nan, 254 +inf, 255 -inf) then sscanf("%lg"). */
  stringDouble(): number {
    const len = this.byte();
    if (len === 255) return -Infinity;
    if (len === 254) return Infinity;
    if (len === 253) return NaN;
    const b = this.bytes(len);
    let s = b.latin1Slice(0, b.length);
    const z = s.indexOf('\0');
    if (z !== -1) s = s.slice(0, z);
    const r = strtodPrefix(s);
    if (r.end === 0) fail('invalid double');
    return r.value;
  }
}

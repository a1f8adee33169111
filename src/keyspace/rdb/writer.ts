// Writing RDB primitives (Redis' rdbSaveLen, rdbSaveRawString, rdbSaveLongLongAsStringObject,
// rdbSaveBinaryDoubleValue) into a growable buffer.
import { lzfCompressInto } from './lzf';
import { RDB_ENCVAL, RDB_ENC_INT8, RDB_ENC_INT16, RDB_ENC_INT32, RDB_ENC_LZF } from './constants';
import { parseLL } from '../../util/strconv';

export interface RdbWriterOptions {
  /** rdbcompression: LZF-compress strings longer than 20 bytes when it saves at least 4 bytes. */
  compress?: boolean;
}

// Scratch buffers for LZF (input copy of a JS string, compressed output), reused across strings; large
// strings get their own so a huge value does not pin memory.
const SCRATCH_MAX = 1 << 20;
let scratchIn = Buffer.allocUnsafe(4096);
let scratchOut = Buffer.allocUnsafe(4096);
function inBuf(n: number): Buffer {
  if (n > SCRATCH_MAX) return Buffer.allocUnsafe(n);
  if (scratchIn.length < n) scratchIn = Buffer.allocUnsafe(Math.max(n, scratchIn.length * 2));
  return scratchIn;
}
function outBuf(n: number): Buffer {
  if (n > SCRATCH_MAX) return Buffer.allocUnsafe(n);
  if (scratchOut.length < n) scratchOut = Buffer.allocUnsafe(Math.max(n, scratchOut.length * 2));
  return scratchOut;
}

export class RdbWriter {
  private buf: Buffer;
  pos = 0;
  compress: boolean;

  constructor(opts: RdbWriterOptions = {}, initial = 64) {
    this.buf = Buffer.allocUnsafe(initial);
    this.compress = opts.compress ?? true;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const nb = Buffer.allocUnsafe(size);
    this.buf.copy(nb, 0, 0, this.pos);
    this.buf = nb;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b & 0xff;
  }

  raw(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** A latin1 string's bytes. */
  rawLatin1(s: string): void {
    this.ensure(s.length);
    this.buf.latin1Write(s, this.pos, s.length);
    this.pos += s.length;
  }

  /** rdbSaveLen. */
  len(n: number): void {
    if (n < 1 << 6) {
      this.byte(n);
    } else if (n < 1 << 14) {
      this.byte((n >> 8) | 0x40);
      this.byte(n & 0xff);
    } else if (n <= 0xffffffff) {
      this.ensure(5);
      this.buf[this.pos++] = 0x80;
      this.buf.writeUInt32BE(n, this.pos);
      this.pos += 4;
    } else {
      this.ensure(9);
      this.buf[this.pos++] = 0x81;
      this.buf.writeUInt32BE(Math.floor(n / 4294967296), this.pos);
      this.buf.writeUInt32BE(n % 4294967296, this.pos + 4);
      this.pos += 8;
    }
  }

  /** rdbEncodeInteger: the 8/16/32-bit string encodings. Returns false when v does not fit in 32 bits. */
  encodedInt(v: number): boolean {
    if (v >= -128 && v <= 127) {
      this.byte((RDB_ENCVAL << 6) | RDB_ENC_INT8);
      this.byte(v & 0xff);
    } else if (v >= -32768 && v <= 32767) {
      this.ensure(3);
      this.buf[this.pos++] = (RDB_ENCVAL << 6) | RDB_ENC_INT16;
      this.buf.writeInt16LE(v, this.pos);
      this.pos += 2;
    } else if (v >= -2147483648 && v <= 2147483647) {
      this.ensure(5);
      this.buf[this.pos++] = (RDB_ENCVAL << 6) | RDB_ENC_INT32;
      this.buf.writeInt32LE(v, this.pos);
      this.pos += 4;
    } else {
      return false;
    }
    return true;
  }

  /** rdbSaveLongLongAsStringObject: an int-encoded string value. */
  longLong(v: number | bigint): void {
    if (typeof v === 'number' && this.encodedInt(v)) return;
    const s = String(v);
    this.len(s.length);
    this.rawLatin1(s);
  }

  /** rdbSaveRawString for a latin1 JS string. */
  string(s: string): void {
    const n = s.length;
    if (n <= 11 && n > 0) {
      const v = parseLL(s);
      if (typeof v === 'number' && this.encodedInt(v)) return;
    }
    if (this.compress && n > 20) {
      const b = inBuf(n);
      b.latin1Write(s, 0, n);
      if (this.lzf(b, n)) return;
      this.len(n);
      this.raw(b.subarray(0, n));
      return;
    }
    this.len(n);
    this.rawLatin1(s);
  }

  /** rdbSaveRawString for bytes (listpacks, intsets...). */
  blob(b: Uint8Array): void {
    const n = b.length;
    if (n <= 11 && n > 0) {
      const v = parseLL(Buffer.from(b.buffer, b.byteOffset, n).latin1Slice(0, n));
      if (typeof v === 'number' && this.encodedInt(v)) return;
    }
    if (this.compress && n > 20 && this.lzf(b, n)) return;
    this.len(n);
    this.raw(b);
  }

  /** rdbSaveLzfStringObject: false when compression would not save at least 4 bytes. */
  private lzf(b: Uint8Array, n: number): boolean {
    const out = outBuf(n + 16);
    const clen = lzfCompressInto(b, n, out, n - 4);
    if (clen === 0) return false;
    this.byte((RDB_ENCVAL << 6) | RDB_ENC_LZF);
    this.len(clen);
    this.len(n);
    this.raw(out.subarray(0, clen));
    return true;
  }

  /** rdbSaveBinaryDoubleValue. */
  binaryDouble(d: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(d, this.pos);
    this.pos += 8;
  }

  /** The bytes written so far (a view; copy before writing more if it must survive). */
  result(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

// WAL segment file format (`<dir>/wal/segment-<n>.bin`), shared by the writer, recovery, the index
// files and rollback.
//
//   header (32 bytes): magic "STRATWAL" | version u32 | header CRC-32 u32 (of bytes 16..31) |
//                      first seq u64 | creation time ms u64
//   record:            payload length u32 | CRC-32 u32 (of everything after it: seq..payload) |
//                      seq u64 | db u16 | slot u16 (0..16383, SLOT_MANY when the unit spans slots or
//                      names no key) | payload: the unit's commands as RESP arrays of bulk strings,
//                      `SELECT n` between commands of different databases
//
// All integers little-endian. A record is one propagated unit (a command, or EXEC with everything it
// ran): it is applied whole or not at all.
import * as fs from 'fs';
import * as path from 'path';
import { crc32 } from 'zlib';

export const SEG_MAGIC = Buffer.from('STRATWAL', 'latin1');
export const SEG_VERSION = 1;
export const SEG_HEADER = 32;
export const REC_HEADER = 20;
export const SLOT_MANY = 0xffff;
/** A record larger than this is refused as corrupt (proto-max-bulk-len is 512 MB; a unit may hold several). */
export const MAX_RECORD = 1 << 30;

export function segmentName(n: number): string {
  return `segment-${n}.bin`;
}
/** Segment number of a file name, or -1. */
export function segmentNumber(name: string): number {
  const m = /^segment-(\d+)\.bin$/.exec(name);
  return m === null ? -1 : Number(m[1]);
}

/** The segment files of a WAL directory, by number. */
export function listSegments(walDir: string): { n: number; file: string }[] {
  let names: string[];
  try {
    names = fs.readdirSync(walDir);
  } catch {
    return [];
  }
  const out: { n: number; file: string }[] = [];
  for (const name of names) {
    const n = segmentNumber(name);
    if (n >= 0) out.push({ n, file: path.join(walDir, name) });
  }
  out.sort((a, b) => a.n - b.n);
  return out;
}

export function encodeHeader(firstSeq: number, ctime = Date.now()): Buffer {
  const b = Buffer.alloc(SEG_HEADER);
  SEG_MAGIC.copy(b, 0);
  b.writeUInt32LE(SEG_VERSION, 8);
  writeU64(b, 16, firstSeq);
  writeU64(b, 24, ctime);
  b.writeUInt32LE(crc32(b.subarray(16, 32)), 12);
  return b;
}

export interface SegmentHeader {
  version: number;
  firstSeq: number;
  ctime: number;
}
/** Parses a header; null when it is not a valid one. */
export function decodeHeader(b: Buffer): SegmentHeader | null {
  if (b.length < SEG_HEADER || !b.subarray(0, 8).equals(SEG_MAGIC)) return null;
  if (b.readUInt32LE(12) !== crc32(b.subarray(16, 32))) return null;
  const version = b.readUInt32LE(8);
  if (version !== SEG_VERSION) return null;
  return { version, firstSeq: readU64(b, 16), ctime: readU64(b, 24) };
}

/** The header of a segment file, or null when it is not a valid one (short, wrong magic, bad CRC). */
export function readSegmentHeader(file: string): SegmentHeader | null {
  const b = Buffer.alloc(SEG_HEADER);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, b, 0, SEG_HEADER, 0);
  } finally {
    fs.closeSync(fd);
  }
  return decodeHeader(b);
}

export function writeU64(b: Buffer, off: number, v: number): void {
  b.writeUInt32LE(v >>> 0, off);
  b.writeUInt32LE(Math.floor(v / 0x100000000), off + 4);
}
export function readU64(b: Buffer, off: number): number {
  return b.readUInt32LE(off) + b.readUInt32LE(off + 4) * 0x100000000;
}

/** One record as read back. `payload` is a view into the segment buffer. */
export interface WalRecord {
  seq: number;
  db: number;
  slot: number;
  payload: Buffer;
  /** Byte offset of the record in its segment, and of the next one. */
  offset: number;
  end: number;
}

export type ScanEnd =
  | { kind: 'eof' }
  /** A record that cannot be complete: the file ends inside it, or only zeros follow (a torn tail). */
  | { kind: 'torn'; offset: number; reason: string }
  /** A damaged record with data after it: corruption, never silently skipped. */
  | { kind: 'corrupt'; offset: number; reason: string };

/**
 * Reads the records of a segment buffer from `offset` (just past the header by default), calling
 * `onRecord` for each valid one in order. Stops at the end, at a torn tail or at corruption.
 */
export function scanRecords(buf: Buffer, onRecord: (r: WalRecord) => void, offset = SEG_HEADER): ScanEnd {
  return scanRecordsFrom(buf, onRecord, offset, Infinity) as ScanEnd;
}

/** scanRecordsFrom stopped after `limit` bytes: call again from `offset`. */
export type ScanStep = ScanEnd | { kind: 'more'; offset: number };

/** scanRecords over at most about `limit` bytes from `offset` (replay yields between slices). */
export function scanRecordsFrom(buf: Buffer, onRecord: (r: WalRecord) => void, offset: number, limit: number): ScanStep {
  let pos = offset;
  const len = buf.length;
  const stop = offset + limit;
  while (pos < len) {
    if (pos >= stop) return { kind: 'more', offset: pos };
    if (len - pos < REC_HEADER) return tailOrCorrupt(buf, pos, 'incomplete record header');
    const plen = buf.readUInt32LE(pos);
    if (plen > MAX_RECORD) return tailOrCorrupt(buf, pos, `impossible record length ${plen}`);
    const end = pos + REC_HEADER + plen;
    if (end > len) return tailOrCorrupt(buf, pos, 'record runs past the end of the file');
    const crc = buf.readUInt32LE(pos + 4);
    if (crc32(buf.subarray(pos + 8, end)) !== crc) {
      // The last record of the file with a bad CRC is a write that did not finish.
      if (end === len) return { kind: 'torn', offset: pos, reason: 'checksum mismatch in the last record' };
      return tailOrCorrupt(buf, pos, 'checksum mismatch');
    }
    onRecord({
      seq: readU64(buf, pos + 8),
      db: buf.readUInt16LE(pos + 16),
      slot: buf.readUInt16LE(pos + 18),
      payload: buf.subarray(pos + REC_HEADER, end),
      offset: pos,
      end,
    });
    pos = end;
  }
  return { kind: 'eof' };
}

// A bad spot followed only by zero bytes is what a crash leaves when the file grew but the data did
// not reach the disk: a torn tail. Anything else after it is corruption.
function tailOrCorrupt(buf: Buffer, pos: number, reason: string): ScanEnd {
  const plen = buf.length - pos >= 4 ? buf.readUInt32LE(pos) : 0;
  const claimedEnd = pos + REC_HEADER + plen;
  if (claimedEnd >= buf.length && plen <= MAX_RECORD) return { kind: 'torn', offset: pos, reason };
  for (let i = pos; i < buf.length; i++) if (buf[i] !== 0) return { kind: 'corrupt', offset: pos, reason };
  return { kind: 'torn', offset: pos, reason: reason + ' (zeros to the end)' };
}

/** Splits a record payload into its commands (arrays of latin1 strings). Throws on malformed RESP. */
export function decodePayload(p: Buffer): string[][] {
  const out: string[][] = [];
  const len = p.length;
  let pos = 0;
  // "<prefix><digits>\r\n" at pos: the number, with pos moved past the line.
  const num = (prefix: number, what: string): number => {
    if (p[pos] !== prefix) throw new Error(`payload ${what} expected`);
    let n = 0;
    let i = pos + 1;
    const start = i;
    for (; i < len; i++) {
      const d = p[i] - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (i === start || i + 1 >= len || p[i] !== 13 || p[i + 1] !== 10 || !Number.isSafeInteger(n)) throw new Error('malformed payload length');
    pos = i + 2;
    return n;
  };
  while (pos < len) {
    const n = num(42, 'array');
    const argv: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const bl = num(36, 'bulk string');
      if (pos + bl + 2 > len) throw new Error('payload argument runs past the record');
      argv[i] = p.latin1Slice(pos, pos + bl);
      pos += bl + 2;
    }
    out.push(argv);
  }
  return out;
}

// Slotted page layout for the range-index B+tree (see docs/RANGEINDEX.md, "File format").
//
// Node page header (24 bytes, little-endian):
//   0 crc u32 (CRC-32 of bytes 4..pageSize)   4 page id u32   8 txn u48 (lo u32 @8, hi u16 @12)
//   14 reserved u16   16 type u8   17 reserved u8   18 nslots u16   20 recStart u16   22 frag u16
// A u16 slot array (record offsets, sorted by key) grows up from byte 24; records grow down from the end.
//   leaf record:  klen u16 | vlen u16 | key | value
//   inner record: child u32 | subtreeCount u48 | klen u16 | key      (entry 0's key is ignored: -inf)
// Free-list page: header with type FREELIST, nslots = number of ids, u32 `next` at 24, ids (u32) from 28.
//
// Offsets are u16, so pageSize is at most 32768 (recStart may equal pageSize).
import * as zlib from 'zlib';

export const HDR = 24;
export const OFF_CRC = 0;
export const OFF_ID = 4;
export const OFF_TXN = 8;
export const OFF_TYPE = 16;
export const OFF_N = 18;
export const OFF_RSTART = 20;
export const OFF_FRAG = 22;

export const T_LEAF = 1;
export const T_INNER = 2;
export const T_FREELIST = 3;

export const LEAF_OVH = 4; // klen + vlen
export const INNER_OVH = 12; // child + count + klen
export const FREELIST_FIRST = 28;

export const MIN_PAGE_SIZE = 256;
export const MAX_PAGE_SIZE = 32768;

const crc32: (data: Uint8Array, value?: number) => number = (zlib as unknown as { crc32: (d: Uint8Array, v?: number) => number }).crc32;
if (typeof crc32 !== 'function') throw new Error('rangeindex: zlib.crc32 is required (Node >= 20.15)');

export function checksum(buf: Buffer, start: number, end: number): number {
  return crc32(buf.subarray(start, end)) >>> 0;
}

export function validPageSize(ps: number): boolean {
  return Number.isInteger(ps) && ps >= MIN_PAGE_SIZE && ps <= MAX_PAGE_SIZE && (ps & (ps - 1)) === 0;
}

/** Largest key accepted for a page size: an inner entry must take at most 1/4 of a page, so that an inner
 *  split into two halves always succeeds even when a child split pushed up two separators. */
export function maxKeyLen(pageSize: number): number {
  return (((pageSize - HDR) / 4) | 0) - INNER_OVH - 2;
}

/** Largest klen + vlen: a single leaf record must fit in an empty leaf. */
export function maxRecordLen(pageSize: number): number {
  return pageSize - HDR - LEAF_OVH - 2;
}

// ---- little-endian helpers (manual byte access avoids bounds-check overhead in hot loops) ----
export function u16(b: Buffer, o: number): number {
  return b[o] | (b[o + 1] << 8);
}
export function w16(b: Buffer, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
}
export function u32(b: Buffer, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;
}
export function w32(b: Buffer, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}
export function u48(b: Buffer, o: number): number {
  return u32(b, o) + u16(b, o + 4) * 0x100000000;
}
export function w48(b: Buffer, o: number, v: number): void {
  w32(b, o, v % 0x100000000);
  w16(b, o + 4, Math.floor(v / 0x100000000));
}

// ---- header accessors ----
export function pageType(b: Buffer): number {
  return b[OFF_TYPE];
}
export function nslots(b: Buffer): number {
  return u16(b, OFF_N);
}
export function pageTxn(b: Buffer): number {
  return u48(b, OFF_TXN);
}
export function slotOff(b: Buffer, i: number): number {
  const p = HDR + 2 * i;
  return b[p] | (b[p + 1] << 8);
}

export function initPage(b: Buffer, id: number, txn: number, type: number): void {
  b.fill(0, 0, HDR);
  w32(b, OFF_ID, id);
  w48(b, OFF_TXN, txn);
  b[OFF_TYPE] = type;
  w16(b, OFF_RSTART, b.length);
}

/** Stamp a copied page with its new id and txn (the shadow copy itself is one buf.copy). */
export function restamp(b: Buffer, id: number, txn: number): void {
  w32(b, OFF_ID, id);
  w48(b, OFF_TXN, txn);
}

export function setCrc(b: Buffer): void {
  w32(b, OFF_CRC, checksum(b, 4, b.length));
}

/** Throws unless the page's CRC and id are right: corruption must never be served. */
export function verifyPage(b: Buffer, id: number, crc = true): void {
  if (crc) {
    const want = u32(b, OFF_CRC);
    const got = checksum(b, 4, b.length);
    if (want !== got) throw new Error(`rangeindex: page ${id} checksum mismatch (corrupt file)`);
  }
  const pid = u32(b, OFF_ID);
  if (pid !== id) throw new Error(`rangeindex: page ${id} holds page id ${pid} (misdirected write or corrupt file)`);
  const t = b[OFF_TYPE];
  if (t !== T_LEAF && t !== T_INNER && t !== T_FREELIST) throw new Error(`rangeindex: page ${id} has bad type ${t}`);
}

/** Bytes in use (header + slots + live records). */
export function usedBytes(b: Buffer): number {
  return HDR + 2 * nslots(b) + (b.length - u16(b, OFF_RSTART)) - u16(b, OFF_FRAG);
}
/** Contiguous gap between slot array and record area. */
export function gapBytes(b: Buffer): number {
  return u16(b, OFF_RSTART) - HDR - 2 * nslots(b);
}
export function freeBytes(b: Buffer): number {
  return gapBytes(b) + u16(b, OFF_FRAG);
}

export function leafRecSize(b: Buffer, off: number): number {
  return LEAF_OVH + u16(b, off) + u16(b, off + 2);
}
export function innerRecSize(b: Buffer, off: number): number {
  return INNER_OVH + u16(b, off + 10);
}
export function recSize(b: Buffer, off: number): number {
  return b[OFF_TYPE] === T_LEAF ? leafRecSize(b, off) : innerRecSize(b, off);
}

// ---- key comparison ----
/** memcmp order of a[ao..ao+al) vs b[bo..bo+bl). A JS loop beats Buffer.compare (a native call) for short
 *  keys; long keys go native. Returns <0, 0, >0. */
export function cmpBytes(a: Buffer, ao: number, al: number, b: Buffer, bo: number, bl: number): number {
  const n = al < bl ? al : bl;
  if (n > 48) {
    const c = a.compare(b, bo, bo + n, ao, ao + n);
    if (c !== 0) return c; // a.compare(target, tS, tE, sS, sE) orders a[sS..sE) against target[tS..tE)
    return al - bl;
  }
  for (let i = 0; i < n; i++) {
    const d = a[ao + i] - b[bo + i];
    if (d !== 0) return d;
  }
  return al - bl;
}

/** Leaf lower bound: index of key if present, else ~(insertion index).
 *  Binary search that skips the prefix the key is known to share with both bounds (keys sorted, so every
 *  record between them shares it too): fewer byte compares for keys with common prefixes. */
export function leafSearch(b: Buffer, key: Buffer): number {
  const kl = key.length;
  let lo = 0;
  let hi = b[OFF_N] | (b[OFF_N + 1] << 8);
  let llcp = 0;
  let hlcp = 0;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const p = HDR + 2 * mid;
    const off = b[p] | (b[p + 1] << 8);
    const rl = b[off] | (b[off + 1] << 8);
    const ks = off + 4;
    const n = rl < kl ? rl : kl;
    let i = llcp < hlcp ? llcp : hlcp;
    while (i < n && b[ks + i] === key[i]) i++;
    const c = i === n ? rl - kl : b[ks + i] - key[i];
    if (c < 0) {
      lo = mid + 1;
      llcp = i;
    } else if (c > 0) {
      hi = mid;
      hlcp = i;
    } else return mid;
  }
  return ~lo;
}

/** Number of leaf records with key < k (strict) or <= k. */
export function leafRank(b: Buffer, key: Buffer, inclusive: boolean): number {
  const r = leafSearch(b, key);
  if (r >= 0) return inclusive ? r + 1 : r;
  return ~r;
}

/** Inner search: index of the child whose range holds key (last entry with key_i <= key; entry 0 is -inf).
 *  Same prefix-skipping binary search as leafSearch. */
export function innerSearch(b: Buffer, key: Buffer): number {
  const kl = key.length;
  let lo = 1;
  let hi = b[OFF_N] | (b[OFF_N + 1] << 8);
  let llcp = 0;
  let hlcp = 0;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const p = HDR + 2 * mid;
    const off = b[p] | (b[p + 1] << 8);
    const rl = b[off + 10] | (b[off + 11] << 8);
    const ks = off + 12;
    const n = rl < kl ? rl : kl;
    let i = llcp < hlcp ? llcp : hlcp;
    while (i < n && b[ks + i] === key[i]) i++;
    const c = i === n ? rl - kl : b[ks + i] - key[i];
    if (c <= 0) {
      lo = mid + 1;
      llcp = i;
    } else {
      hi = mid;
      hlcp = i;
    }
  }
  return lo - 1;
}

export function innerChild(b: Buffer, i: number): number {
  return u32(b, slotOff(b, i));
}
export function setInnerChild(b: Buffer, i: number, child: number): void {
  w32(b, slotOff(b, i), child);
}
export function innerCount(b: Buffer, i: number): number {
  return u48(b, slotOff(b, i) + 4);
}
export function setInnerCount(b: Buffer, i: number, c: number): void {
  w48(b, slotOff(b, i) + 4, c);
}
export function addInnerCount(b: Buffer, i: number, d: number): void {
  const o = slotOff(b, i) + 4;
  w48(b, o, u48(b, o) + d);
}
/** Sum of an inner page's subtree counts. */
export function innerTotal(b: Buffer): number {
  let s = 0;
  const n = nslots(b);
  for (let i = 0; i < n; i++) s += u48(b, slotOff(b, i) + 4);
  return s;
}
/** Records under a page: slot count for a leaf, sum of counts for an inner page. */
export function pageRecords(b: Buffer): number {
  return b[OFF_TYPE] === T_LEAF ? nslots(b) : innerTotal(b);
}

// ---- mutation ----
let scratch = Buffer.allocUnsafe(MAX_PAGE_SIZE);

/** Rewrite the record area without holes (order of records on the page follows slot order). */
export function compact(b: Buffer): void {
  const ps = b.length;
  if (scratch.length < ps) scratch = Buffer.allocUnsafe(ps);
  b.copy(scratch, 0, 0, ps);
  const n = nslots(b);
  const leaf = b[OFF_TYPE] === T_LEAF;
  let end = ps;
  for (let i = 0; i < n; i++) {
    const off = slotOff(scratch, i);
    const sz = leaf ? leafRecSize(scratch, off) : innerRecSize(scratch, off);
    end -= sz;
    scratch.copy(b, end, off, off + sz);
    w16(b, HDR + 2 * i, end);
  }
  w16(b, OFF_RSTART, end);
  w16(b, OFF_FRAG, 0);
}

/** Reserve `size` record bytes plus a slot at index i; returns the record offset or -1 if it does not fit. */
export function reserve(b: Buffer, i: number, size: number): number {
  if (gapBytes(b) < size + 2) {
    if (freeBytes(b) < size + 2) return -1;
    compact(b);
  }
  const n = nslots(b);
  const off = u16(b, OFF_RSTART) - size;
  w16(b, OFF_RSTART, off);
  if (i < n) b.copyWithin(HDR + 2 * (i + 1), HDR + 2 * i, HDR + 2 * n);
  w16(b, HDR + 2 * i, off);
  w16(b, OFF_N, n + 1);
  return off;
}

export function leafInsert(b: Buffer, i: number, key: Buffer, value: Buffer): boolean {
  const off = reserve(b, i, LEAF_OVH + key.length + value.length);
  if (off < 0) return false;
  w16(b, off, key.length);
  w16(b, off + 2, value.length);
  key.copy(b, off + 4);
  value.copy(b, off + 4 + key.length);
  return true;
}

export function innerInsert(b: Buffer, i: number, child: number, count: number, key: Buffer, ks: number, kl: number): boolean {
  const off = reserve(b, i, INNER_OVH + kl);
  if (off < 0) return false;
  w32(b, off, child);
  w48(b, off + 4, count);
  w16(b, off + 10, kl);
  key.copy(b, off + 12, ks, ks + kl);
  return true;
}

/** Remove slot i; its record bytes become fragmentation (or shrink the record area if it is the lowest). */
export function removeSlot(b: Buffer, i: number): void {
  const n = nslots(b);
  const off = slotOff(b, i);
  const sz = recSize(b, off);
  if (i < n - 1) b.copyWithin(HDR + 2 * i, HDR + 2 * (i + 1), HDR + 2 * n);
  w16(b, OFF_N, n - 1);
  if (off === u16(b, OFF_RSTART)) w16(b, OFF_RSTART, off + sz);
  else w16(b, OFF_FRAG, u16(b, OFF_FRAG) + sz);
}

/** Raw record bytes of slot i (a view). Used by split/merge paths, not the hot path. */
export function rawRecord(b: Buffer, i: number): Buffer {
  const off = slotOff(b, i);
  return b.subarray(off, off + recSize(b, off));
}

export function leafKeyView(b: Buffer, i: number): Buffer {
  const off = slotOff(b, i);
  return b.subarray(off + 4, off + 4 + u16(b, off));
}
export function innerKeyView(b: Buffer, i: number): Buffer {
  const off = slotOff(b, i);
  return b.subarray(off + 12, off + 12 + u16(b, off + 10));
}

/** Fill a page from raw records (leaf records, or inner records). For inner pages entry 0 is stored with an
 *  empty key (it is -inf). Caller guarantees the records fit. */
export function buildPage(b: Buffer, id: number, txn: number, type: number, recs: Buffer[], from: number, to: number): void {
  initPage(b, id, txn, type);
  let end = b.length;
  for (let i = from; i < to; i++) {
    const r = recs[i];
    if (type === T_INNER && i === from) {
      end -= INNER_OVH;
      r.copy(b, end, 0, 10);
      w16(b, end + 10, 0);
    } else {
      end -= r.length;
      r.copy(b, end);
    }
    w16(b, HDR + 2 * (i - from), end);
  }
  w16(b, OFF_N, to - from);
  w16(b, OFF_RSTART, end);
}

/** Serialized inner record. */
export function makeInnerRec(child: number, count: number, key: Buffer, ks = 0, kl = key.length): Buffer {
  const r = Buffer.allocUnsafe(INNER_OVH + kl);
  w32(r, 0, child);
  w48(r, 4, count);
  w16(r, 10, kl);
  key.copy(r, 12, ks, ks + kl);
  return r;
}
export function makeLeafRec(key: Buffer, value: Buffer): Buffer {
  const r = Buffer.allocUnsafe(LEAF_OVH + key.length + value.length);
  w16(r, 0, key.length);
  w16(r, 2, value.length);
  key.copy(r, 4);
  value.copy(r, 4 + key.length);
  return r;
}
export function rawLeafKey(r: Buffer): Buffer {
  return r.subarray(4, 4 + u16(r, 0));
}
export function rawInnerKey(r: Buffer): Buffer {
  return r.subarray(12, 12 + u16(r, 10));
}
export function rawInnerCount(r: Buffer): number {
  return u48(r, 4);
}

/** Shortest separator s with left < s <= right (prefix of right): keeps inner keys short. */
export function separatorLen(left: Buffer, right: Buffer): number {
  const n = Math.min(left.length, right.length);
  let i = 0;
  while (i < n && left[i] === right[i]) i++;
  return Math.min(i + 1, right.length);
}

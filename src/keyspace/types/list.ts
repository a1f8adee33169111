// The list value (Redis' quicklist): a deque of latin1 strings.
//
// Representation (memory is the point: a JS string costs 16 bytes of header plus a pointer, so a
// list of 3-byte strings as string[] would take ~32 bytes per element against Redis' ~5):
// - small lists (at most SMALL_MAX elements, the common "few items per key" case) keep a plain
//   string[] of exact size (pushes copy it: Array.push would over-allocate 16+ slots): no
//   Buffer/ArrayBuffer objects (those cost ~200 bytes each) for a handful of items;
// - larger lists are a sequence of packed chunks (Redis' quicklist nodes): each chunk is one Buffer
//   holding up to CHUNK_MAX bytes of entries, with free room kept at both ends so that pushing and
//   popping at either end is O(1) amortised. An entry is [len][bytes][len] (listpack style: the
//   length is readable from both sides), 1+1 bytes of overhead for elements under 128 bytes.
//   Chunks start small and double up to CHUNK_MAX; an element bigger than CHUNK_MAX gets a chunk of
//   its own (Redis' "plain" nodes).
// A list never converts back to the small form (it is deleted when it becomes empty).
// OBJECT ENCODING is "quicklist" for every list in Redis 7.0 (listpack-encoded lists came in 7.2).
//
// Handlers read packed entries straight from the chunk buffers (decodeFwd/decodeBack + the `ent`
// scratch) to write replies without building strings; everything else goes through the methods.
import type { RObj } from '../db';
import { safeIntOf } from '../../util/strconv';

/** Largest packed chunk (Redis' list-max-listpack-size -2 = 8 KiB per node). */
export const CHUNK_MAX = 8192;
/** Lists with up to this many elements are a plain string[]. */
export const SMALL_MAX = 8;
/** First capacity of a new chunk (doubles up to CHUNK_MAX). */
const CHUNK_MIN = 128;

export class Chunk {
  buf: Buffer;
  /** Offset of the first entry. */
  start: number;
  /** Offset just past the last entry. */
  end: number;
  count: number;
  constructor(buf: Buffer, start: number, end: number, count: number) {
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.count = count;
  }
}

// ---- entry codec -------------------------------------------------------------------------------
// Text entries:
//   len < 128:     [len] bytes [len]
//   len < 16384:   [0x80|len>>8, len&255] bytes [len&255, 0x80|len>>8]
//   otherwise:     [0xC0, u32le] bytes [u32le, 0xC0]
// Integer entries (a canonical integer text, as Redis' string2ll reads it, stored in binary when
// that is smaller; like listpack's int encodings): [tag] value [tag], tag 0xC1 int16, 0xC2 int24,
// 0xC3 int32, 0xC4 int48, 0xC5 float64 (safe integers). The text is given back unchanged.

const T_I16 = 0xc1;
const T_I24 = 0xc2;
const T_I32 = 0xc3;
const T_I48 = 0xc4;
const T_F64 = 0xc5;

/**
 * Scratch filled by decodeFwd/decodeBack: a text entry's data offset and length, or len -1 and the
 * value in ival for an integer entry.
 */
export const ent = { off: 0, len: 0, ival: 0 };

/** The value of x when x is stored as an integer entry, else NaN. */
function intForm(x: string): number {
  const n = x.length;
  if (n < 4 || n > 16) return NaN;
  const c = x.charCodeAt(0);
  if (c > 57 || (c < 49 && c !== 45)) return NaN;
  return safeIntOf(x);
}

function intEntrySize(v: number): number {
  if (v >= -0x8000 && v <= 0x7fff) return 4;
  if (v >= -0x800000 && v <= 0x7fffff) return 5;
  if (v >= -0x80000000 && v <= 0x7fffffff) return 6;
  if (v >= -0x800000000000 && v <= 0x7fffffffffff) return 8;
  return 10;
}

function textEntrySize(n: number): number {
  return n < 128 ? n + 2 : n < 16384 ? n + 4 : n + 10;
}

/** Bytes the entry for x takes. */
export function entrySize(x: string): number {
  const v = intForm(x);
  if (v === v) {
    const k = intEntrySize(v);
    if (k < x.length + 2) return k;
  }
  return textEntrySize(x.length);
}

function decodeInt(b: Buffer, tag: number, pos: number): number {
  ent.off = pos;
  ent.len = -1;
  switch (tag) {
    case T_I16:
      ent.ival = b.readInt16LE(pos);
      return 2;
    case T_I24:
      ent.ival = b.readIntLE(pos, 3);
      return 3;
    case T_I32:
      ent.ival = b.readInt32LE(pos);
      return 4;
    case T_I48:
      ent.ival = b.readIntLE(pos, 6);
      return 6;
    default:
      ent.ival = b.readDoubleLE(pos);
      return 8;
  }
}

/** Decodes the entry starting at pos; fills `ent`, returns the offset of the next entry. */
export function decodeFwd(b: Buffer, pos: number): number {
  const h = b[pos];
  if (h < 0x80) {
    ent.off = pos + 1;
    ent.len = h;
    return pos + h + 2;
  }
  if (h < 0xc0) {
    const n = ((h & 0x3f) << 8) | b[pos + 1];
    ent.off = pos + 2;
    ent.len = n;
    return pos + n + 4;
  }
  if (h === 0xc0) {
    const n = b.readUInt32LE(pos + 1);
    ent.off = pos + 5;
    ent.len = n;
    return pos + n + 10;
  }
  return pos + decodeInt(b, h, pos + 1) + 2;
}

/** Decodes the entry ending at end; fills `ent`, returns the offset where that entry starts. */
export function decodeBack(b: Buffer, end: number): number {
  const t = b[end - 1];
  if (t < 0x80) {
    ent.off = end - 1 - t;
    ent.len = t;
    return end - t - 2;
  }
  if (t < 0xc0) {
    const n = ((t & 0x3f) << 8) | b[end - 2];
    ent.off = end - 2 - n;
    ent.len = n;
    return end - n - 4;
  }
  if (t === 0xc0) {
    const n = b.readUInt32LE(end - 5);
    ent.off = end - 5 - n;
    ent.len = n;
    return end - n - 10;
  }
  const w = t === T_I16 ? 2 : t === T_I24 ? 3 : t === T_I32 ? 4 : t === T_I48 ? 6 : 8;
  decodeInt(b, t, end - 1 - w);
  return end - w - 2;
}

function writeInt(b: Buffer, pos: number, v: number, size: number): number {
  switch (size) {
    case 4:
      b[pos] = T_I16;
      b.writeInt16LE(v, pos + 1);
      b[pos + 3] = T_I16;
      return pos + 4;
    case 5:
      b[pos] = T_I24;
      b.writeIntLE(v, pos + 1, 3);
      b[pos + 4] = T_I24;
      return pos + 5;
    case 6:
      b[pos] = T_I32;
      b.writeInt32LE(v, pos + 1);
      b[pos + 5] = T_I32;
      return pos + 6;
    case 8:
      b[pos] = T_I48;
      b.writeIntLE(v, pos + 1, 6);
      b[pos + 7] = T_I48;
      return pos + 8;
    default:
      b[pos] = T_F64;
      b.writeDoubleLE(v, pos + 1);
      b[pos + 9] = T_F64;
      return pos + 10;
  }
}

/** Writes x as an entry at pos; returns the offset after it. */
function writeEntry(b: Buffer, pos: number, x: string): number {
  const n = x.length;
  if (n >= 4) {
    const v = intForm(x);
    if (v === v) {
      const k = intEntrySize(v);
      if (k < n + 2) return writeInt(b, pos, v, k);
    }
  }
  if (n < 128) {
    b[pos++] = n;
    if (n < 48) {
      for (let i = 0; i < n; i++) b[pos + i] = x.charCodeAt(i);
      pos += n;
    } else pos += b.latin1Write(x, pos, n);
    b[pos++] = n;
    return pos;
  }
  if (n < 16384) {
    const hi = 0x80 | (n >>> 8);
    const lo = n & 0xff;
    b[pos++] = hi;
    b[pos++] = lo;
    pos += b.latin1Write(x, pos, n);
    b[pos++] = lo;
    b[pos++] = hi;
    return pos;
  }
  b[pos++] = 0xc0;
  b.writeUInt32LE(n, pos);
  pos += 4;
  pos += b.latin1Write(x, pos, n);
  b.writeUInt32LE(n, pos);
  pos += 4;
  b[pos++] = 0xc0;
  return pos;
}

/** The element text of the entry described by `ent`. */
export function entString(b: Buffer): string {
  const off = ent.off;
  const n = ent.len;
  if (n <= 0) return n === 0 ? '' : String(ent.ival);
  if (n === 1) return String.fromCharCode(b[off]);
  if (n <= 4) {
    let s = String.fromCharCode(b[off], b[off + 1]);
    if (n > 2) s += String.fromCharCode(b[off + 2]);
    if (n > 3) s += String.fromCharCode(b[off + 3]);
    return s;
  }
  return b.latin1Slice(off, off + n);
}

/** A target string prepared for repeated comparisons against entries. */
export class Needle {
  readonly s: string;
  readonly n: number;
  /** Bytes of s, for long strings only (compared with one native call). */
  readonly bytes: Buffer | null;
  /** s is stored as an integer entry: its value (NaN: s is stored as text). */
  readonly ival: number;
  constructor(s: string) {
    this.s = s;
    this.n = s.length;
    this.bytes = s.length >= 32 ? Buffer.from(s, 'latin1') : null;
    const v = intForm(s);
    this.ival = v === v && intEntrySize(v) < s.length + 2 ? v : NaN;
  }
  /** Does the entry described by `ent` (in b) equal the needle? */
  matches(b: Buffer): boolean {
    const n = this.n;
    if (ent.len !== n) return ent.len < 0 && ent.ival === this.ival;
    const off = ent.off;
    const bytes = this.bytes;
    if (bytes !== null) return b.compare(bytes, 0, n, off, off + n) === 0;
    const s = this.s;
    for (let i = 0; i < n; i++) if (b[off + i] !== s.charCodeAt(i)) return false;
    return true;
  }
}

// Allocating an ArrayBuffer costs 0.5-5 us (more than a thousand small pushes), so full-size chunk
// buffers dropped by pops are kept for reuse (a queue moving through chunks allocates nothing).
const POOL_MAX = 32;
const pool: Buffer[] = [];

function alloc(n: number): Buffer {
  if (n === CHUNK_MAX && pool.length !== 0) return pool.pop()!;
  return Buffer.allocUnsafeSlow(n);
}

/** Returns a dropped chunk's buffer to the pool (callers must not read it afterwards). */
function release(ch: Chunk): void {
  if (ch.buf.length === CHUNK_MAX && pool.length < POOL_MAX) pool.push(ch.buf);
}

/** Capacity for a chunk that must hold `need` bytes, with some slack, doubling from CHUNK_MIN. */
function capFor(need: number): number {
  if (need > CHUNK_MAX) return need;
  let cap = CHUNK_MIN;
  const want = need + (need >>> 2);
  while (cap < want && cap < CHUNK_MAX) cap *= 2;
  return cap < need ? need : cap;
}

/**
 * A new chunk holding nothing, with room for an entry of size sz at the tail (or head). The first
 * chunk of a list starts small and doubles; later ones (the list outgrew a full chunk) are full-size.
 */
function emptyChunk(sz: number, atTail: boolean, first: boolean): Chunk {
  const cap = sz > CHUNK_MAX ? sz : first ? capFor(Math.min(CHUNK_MAX, sz * 2)) : CHUNK_MAX;
  const p = atTail ? 0 : cap;
  return new Chunk(alloc(cap), p, p, 0);
}

/**
 * Makes room for sz more bytes at the tail (atTail) or head of ch, by moving its entries inside the
 * buffer or growing it (up to CHUNK_MAX). False when the chunk is full: the caller starts a new one.
 */
function makeRoom(ch: Chunk, sz: number, atTail: boolean): boolean {
  const used = ch.end - ch.start;
  const cap = ch.buf.length;
  const need = used + sz;
  if (need <= cap && cap - need >= cap >>> 3) {
    // Enough free space on the other side: move the entries, leaving 1/8 of the slack behind them.
    const spare = cap - need;
    const ns = atTail ? spare >>> 3 : cap - used - (spare >>> 3);
    ch.buf.copyWithin(ns, ch.start, ch.end);
    ch.start = ns;
    ch.end = ns + used;
    return true;
  }
  if (cap >= CHUNK_MAX || need > CHUNK_MAX) return false;
  let ncap = cap * 2;
  while (ncap < need + (need >>> 2) && ncap < CHUNK_MAX) ncap *= 2;
  if (ncap > CHUNK_MAX) ncap = CHUNK_MAX;
  const spare = ncap - need;
  const ns = atTail ? spare >>> 3 : ncap - used - (spare >>> 3);
  const nb = alloc(ncap);
  ch.buf.copy(nb, ns, ch.start, ch.end);
  ch.buf = nb;
  ch.start = ns;
  ch.end = ns + used;
  return true;
}

/** Removes the entry at pos (size sz) from ch, moving the shorter side; returns where the next entry now starts. */
function chunkDelete(ch: Chunk, pos: number, sz: number): number {
  const next = pos + sz;
  ch.count--;
  if (pos - ch.start <= ch.end - next) {
    if (pos > ch.start) ch.buf.copyWithin(ch.start + sz, ch.start, pos);
    ch.start += sz;
    return next;
  }
  if (ch.end > next) ch.buf.copyWithin(pos, next, ch.end);
  ch.end -= sz;
  return pos;
}

/** Scratch for locate(): the chunk index and byte offset of an element. */
const loc = { ci: 0, pos: 0 };

export class RList implements RObj {
  /** Small form: the elements (null once packed). */
  small: string[] | null;
  /** Packed form: the chunks, head first (null while small). */
  chunks: Chunk[] | null;
  /** Element count. */
  len: number;

  constructor() {
    this.small = [];
    this.chunks = null;
    this.len = 0;
  }

  get type(): string {
    return 'list';
  }

  /** Redis 7.0 encodes every list as a quicklist. */
  encoding(): string {
    return 'quicklist';
  }

  get length(): number {
    return this.len;
  }

  static from(items: readonly string[]): RList {
    const l = new RList();
    if (items.length <= SMALL_MAX) {
      l.small = items.slice();
      l.len = items.length;
    } else {
      l.small = null;
      l.chunks = [];
      for (let i = 0; i < items.length; i++) l.pushTail(items[i]);
    }
    return l;
  }

  toArray(): string[] {
    if (this.small !== null) return this.small.slice();
    const out = new Array<string>(this.len);
    let k = 0;
    for (const ch of this.chunks!) {
      const b = ch.buf;
      for (let p = ch.start; p < ch.end; ) {
        p = decodeFwd(b, p);
        out[k++] = entString(b);
      }
    }
    return out;
  }

  clone(): RList {
    const l = new RList();
    l.len = this.len;
    if (this.small !== null) {
      l.small = this.small.slice();
      return l;
    }
    l.small = null;
    l.chunks = this.chunks!.map((ch) => {
      const nb = alloc(ch.buf.length);
      ch.buf.copy(nb, ch.start, ch.start, ch.end);
      return new Chunk(nb, ch.start, ch.end, ch.count);
    });
    return l;
  }

  /** Switches to the packed form. */
  private pack(): void {
    const items = this.small!;
    this.small = null;
    this.chunks = [];
    this.len = 0;
    for (let i = 0; i < items.length; i++) this.pushTail(items[i]);
  }

  // ---- ends --------------------------------------------------------------------------------------

  pushTail(x: string): void {
    const a = this.small;
    if (a !== null) {
      const n = a.length;
      if (n < SMALL_MAX) {
        // a new exact-size array: push() would grow the backing store to n + n/2 + 16 slots
        const b = new Array<string>(n + 1);
        for (let i = 0; i < n; i++) b[i] = a[i];
        b[n] = x;
        this.small = b;
        this.len++;
        return;
      }
      this.pack();
    }
    const cs = this.chunks!;
    const sz = entrySize(x);
    let ch = cs[cs.length - 1];
    if (ch === undefined || (ch.end + sz > ch.buf.length && !makeRoom(ch, sz, true))) {
      ch = emptyChunk(sz, true, ch === undefined);
      cs.push(ch);
    }
    ch.end = writeEntry(ch.buf, ch.end, x);
    ch.count++;
    this.len++;
  }

  /** Pushes items[from..] one by one at the tail (or the head), as LPUSH/RPUSH do. */
  pushAll(items: readonly string[], from: number, atTail: boolean): void {
    const a = this.small;
    const k = items.length - from;
    if (a !== null && a.length + k <= SMALL_MAX) {
      // one exact-size array for the whole batch
      const n = a.length;
      const b = new Array<string>(n + k);
      if (atTail) {
        for (let i = 0; i < n; i++) b[i] = a[i];
        for (let i = 0; i < k; i++) b[n + i] = items[from + i];
      } else {
        for (let i = 0; i < k; i++) b[i] = items[items.length - 1 - i];
        for (let i = 0; i < n; i++) b[k + i] = a[i];
      }
      this.small = b;
      this.len += k;
      return;
    }
    if (atTail) for (let i = from; i < items.length; i++) this.pushTail(items[i]);
    else for (let i = from; i < items.length; i++) this.pushHead(items[i]);
  }

  pushHead(x: string): void {
    const a = this.small;
    if (a !== null) {
      const n = a.length;
      if (n < SMALL_MAX) {
        const b = new Array<string>(n + 1);
        b[0] = x;
        for (let i = 0; i < n; i++) b[i + 1] = a[i];
        this.small = b;
        this.len++;
        return;
      }
      this.pack();
    }
    const cs = this.chunks!;
    const sz = entrySize(x);
    let ch = cs[0];
    if (ch === undefined || (ch.start < sz && !makeRoom(ch, sz, false))) {
      ch = emptyChunk(sz, false, ch === undefined);
      cs.unshift(ch);
    }
    ch.start -= sz;
    writeEntry(ch.buf, ch.start, x);
    ch.count++;
    this.len++;
  }

  popHead(): string | undefined {
    if (this.len === 0) return undefined;
    const a = this.small;
    this.len--;
    if (a !== null) return a.shift();
    const cs = this.chunks!;
    const ch = cs[0];
    const b = ch.buf;
    ch.start = decodeFwd(b, ch.start);
    const s = entString(b);
    if (--ch.count === 0) release(cs.shift()!);
    return s;
  }

  popTail(): string | undefined {
    if (this.len === 0) return undefined;
    const a = this.small;
    this.len--;
    if (a !== null) return a.pop();
    const cs = this.chunks!;
    const ch = cs[cs.length - 1];
    const b = ch.buf;
    ch.end = decodeBack(b, ch.end);
    const s = entString(b);
    if (--ch.count === 0) release(cs.pop()!);
    return s;
  }

  /** Packed form: positions `ent` on the head (or tail) element and removes it; the bytes stay
   *  readable in the returned buffer until the next mutation or allocation of any list. */
  shiftRaw(fromTail: boolean): Buffer {
    const cs = this.chunks!;
    this.len--;
    if (fromTail) {
      const ch = cs[cs.length - 1];
      ch.end = decodeBack(ch.buf, ch.end);
      if (--ch.count === 0) release(cs.pop()!);
      return ch.buf;
    }
    const ch = cs[0];
    ch.start = decodeFwd(ch.buf, ch.start);
    if (--ch.count === 0) release(cs.shift()!);
    return ch.buf;
  }

  /** Removes n elements from the head. */
  deleteHead(n: number): void {
    if (n <= 0) return;
    if (n >= this.len) return this.clear();
    this.len -= n;
    const a = this.small;
    if (a !== null) {
      a.splice(0, n);
      return;
    }
    const cs = this.chunks!;
    let k = 0;
    while (n >= cs[k].count) n -= cs[k++].count;
    if (k > 0) for (const ch of cs.splice(0, k)) release(ch);
    if (n > 0) {
      const ch = cs[0];
      let p = ch.start;
      for (let i = 0; i < n; i++) p = decodeFwd(ch.buf, p);
      ch.start = p;
      ch.count -= n;
    }
  }

  /** Removes n elements from the tail. */
  deleteTail(n: number): void {
    if (n <= 0) return;
    if (n >= this.len) return this.clear();
    this.len -= n;
    const a = this.small;
    if (a !== null) {
      a.length -= n;
      return;
    }
    const cs = this.chunks!;
    let k = cs.length;
    while (n >= cs[k - 1].count) n -= cs[--k].count;
    if (k < cs.length) {
      for (let i = k; i < cs.length; i++) release(cs[i]);
      cs.length = k;
    }
    if (n > 0) {
      const ch = cs[k - 1];
      let p = ch.end;
      for (let i = 0; i < n; i++) p = decodeBack(ch.buf, p);
      ch.end = p;
      ch.count -= n;
    }
  }

  clear(): void {
    this.len = 0;
    if (this.small !== null) this.small.length = 0;
    else this.chunks!.length = 0;
  }

  // ---- positions ---------------------------------------------------------------------------------

  /** Packed form: sets loc to the chunk and byte offset of element i (0 <= i < len). */
  private locate(i: number): void {
    const cs = this.chunks!;
    let ci: number;
    if (i < this.len >>> 1) {
      ci = 0;
      while (i >= cs[ci].count) i -= cs[ci++].count;
    } else {
      let j = this.len - 1 - i;
      ci = cs.length - 1;
      while (j >= cs[ci].count) j -= cs[ci--].count;
      i = cs[ci].count - 1 - j;
    }
    const ch = cs[ci];
    const b = ch.buf;
    let p: number;
    if (i <= ch.count >>> 1) {
      p = ch.start;
      for (; i > 0; i--) p = decodeFwd(b, p);
    } else {
      p = ch.end;
      for (let k = ch.count - i; k > 0; k--) p = decodeBack(b, p);
    }
    loc.ci = ci;
    loc.pos = p;
  }

  /** Element i (0 <= i < len), else undefined. */
  get(i: number): string | undefined {
    if (i < 0 || i >= this.len) return undefined;
    if (this.small !== null) return this.small[i];
    this.locate(i);
    const b = this.chunks![loc.ci].buf;
    decodeFwd(b, loc.pos);
    return entString(b);
  }

  /** Packed form: positions `ent` on element i and returns its buffer (0 <= i < len). */
  getRaw(i: number): Buffer {
    this.locate(i);
    const b = this.chunks![loc.ci].buf;
    decodeFwd(b, loc.pos);
    return b;
  }

  /** Replaces element i; false when i is out of range. */
  set(i: number, x: string): boolean {
    if (i < 0 || i >= this.len) return false;
    const a = this.small;
    if (a !== null) {
      a[i] = x;
      return true;
    }
    this.locate(i);
    const ci = loc.ci;
    const ch = this.chunks![ci];
    const b = ch.buf;
    const pos = loc.pos;
    const osz = decodeFwd(b, pos) - pos;
    if (osz === entrySize(x)) {
      writeEntry(b, pos, x);
      return true;
    }
    const at = chunkDelete(ch, pos, osz);
    this.len--;
    this.insertInChunk(ci, at, x);
    return true;
  }

  /** Inserts x so that it becomes element i (0 <= i <= len). */
  insert(i: number, x: string): void {
    if (i <= 0) return this.pushHead(x);
    if (i >= this.len) return this.pushTail(x);
    const a = this.small;
    if (a !== null) {
      const n = a.length;
      if (n < SMALL_MAX) {
        const b = new Array<string>(n + 1);
        for (let k = 0; k < i; k++) b[k] = a[k];
        b[i] = x;
        for (let k = i; k < n; k++) b[k + 1] = a[k];
        this.small = b;
        this.len++;
        return;
      }
      this.pack();
    }
    this.locate(i);
    this.insertInChunk(loc.ci, loc.pos, x);
  }

  /** Inserts x at byte offset pos (an entry boundary) of chunk ci. */
  private insertInChunk(ci: number, pos: number, x: string): void {
    const cs = this.chunks!;
    const ch = cs[ci];
    const sz = entrySize(x);
    this.len++;
    if (ch.count === 0) {
      // (set() emptied it) write into the empty chunk when it fits (and is not an oversized buffer
      // left by a big element), else replace it
      if (sz <= ch.buf.length && ch.buf.length <= CHUNK_MAX) {
        ch.start = 0;
        ch.end = writeEntry(ch.buf, 0, x);
        ch.count = 1;
        return;
      }
      const nc = emptyChunk(sz, true, true);
      nc.end = writeEntry(nc.buf, 0, x);
      nc.count = 1;
      cs[ci] = nc;
      return;
    }
    if (pos === ch.end && ch.end + sz > ch.buf.length) {
      if (!makeRoom(ch, sz, true)) {
        this.len--;
        return this.insertChunkAt(ci + 1, x);
      }
      pos = ch.end;
    } else if (pos === ch.start && ch.start < sz) {
      const after = ch.end - pos;
      if (!makeRoom(ch, sz, false)) {
        this.len--;
        return this.insertChunkAt(ci, x);
      }
      pos = ch.end - after;
    }
    const b = ch.buf;
    const canRight = ch.end + sz <= b.length;
    const canLeft = ch.start >= sz;
    if (canLeft && (!canRight || pos - ch.start < ch.end - pos)) {
      if (pos > ch.start) b.copyWithin(ch.start - sz, ch.start, pos);
      ch.start -= sz;
      writeEntry(b, pos - sz, x);
      ch.count++;
      return;
    }
    if (canRight) {
      if (pos < ch.end) b.copyWithin(pos + sz, pos, ch.end);
      ch.end += sz;
      writeEntry(b, pos, x);
      ch.count++;
      return;
    }
    const used = ch.end - ch.start;
    if (used + sz <= CHUNK_MAX) {
      // grow (or re-lay out) into a new buffer with the entry in place
      const ncap = Math.max(capFor(used + sz), b.length);
      const nb = alloc(ncap);
      const ns = (ncap - used - sz) >>> 1;
      b.copy(nb, ns, ch.start, pos);
      let p = writeEntry(nb, ns + (pos - ch.start), x);
      b.copy(nb, p, pos, ch.end);
      p += ch.end - pos;
      ch.buf = nb;
      ch.start = ns;
      ch.end = p;
      ch.count++;
      return;
    }
    // Split (start < pos < end here): the entries from pos on move to a new chunk, led by x when
    // both fit in one chunk, else x gets a chunk of its own between the two halves.
    let rcount = 0;
    for (let p = pos; p < ch.end; rcount++) p = decodeFwd(b, p);
    const rbytes = ch.end - pos;
    const withX = rbytes + sz <= CHUNK_MAX;
    const right = new Chunk(alloc(capFor(withX ? rbytes + sz : rbytes)), 0, 0, rcount);
    let p = 0;
    if (withX) {
      p = writeEntry(right.buf, 0, x);
      right.count++;
    }
    b.copy(right.buf, p, pos, ch.end);
    right.end = p + rbytes;
    ch.end = pos;
    ch.count -= rcount;
    cs.splice(ci + 1, 0, right);
    if (!withX) {
      this.len--;
      this.insertChunkAt(ci + 1, x);
    }
  }

  /** Inserts a new chunk holding only x at chunk index ci. */
  private insertChunkAt(ci: number, x: string): void {
    const sz = entrySize(x);
    const nc = emptyChunk(sz, true, true);
    nc.end = writeEntry(nc.buf, 0, x);
    nc.count = 1;
    this.chunks!.splice(ci, 0, nc);
    this.len++;
  }

  // ---- searches ----------------------------------------------------------------------------------

  /** Index of the first element equal to x, or -1. */
  indexOf(x: string): number {
    const a = this.small;
    if (a !== null) return a.indexOf(x);
    const nd = new Needle(x);
    let base = 0;
    for (const ch of this.chunks!) {
      const b = ch.buf;
      let i = 0;
      for (let p = ch.start; p < ch.end; i++) {
        p = decodeFwd(b, p);
        if (nd.matches(b)) return base + i;
      }
      base += ch.count;
    }
    return -1;
  }

  /** Inserts x before (or after) the first element equal to pivot. Returns false when there is none. */
  insertAtPivot(pivot: string, x: string, after: boolean): boolean {
    const a = this.small;
    if (a !== null) {
      const i = a.indexOf(pivot);
      if (i === -1) return false;
      this.insert(after ? i + 1 : i, x);
      return true;
    }
    const nd = new Needle(pivot);
    const cs = this.chunks!;
    for (let ci = 0; ci < cs.length; ci++) {
      const ch = cs[ci];
      const b = ch.buf;
      for (let p = ch.start; p < ch.end; ) {
        const q = decodeFwd(b, p);
        if (nd.matches(b)) {
          this.insertInChunk(ci, after ? q : p, x);
          return true;
        }
        p = q;
      }
    }
    return false;
  }

  /**
   * LPOS: indexes of the matches of x, skipping the first rank-1 matches, scanning from the tail
   * when fromTail, at most maxlen elements (0 = all), collecting at most count (0 = all).
   */
  positions(x: string, rank: number, count: number, maxlen: number, fromTail: boolean): number[] {
    const out: number[] = [];
    const len = this.len;
    const limit = maxlen === 0 || maxlen > len ? len : maxlen;
    let matches = 0;
    const want = count === 0 ? Infinity : count;
    const a = this.small;
    if (a !== null) {
      for (let k = 0; k < limit; k++) {
        const i = fromTail ? len - 1 - k : k;
        if (a[i] === x && ++matches >= rank) {
          out.push(i);
          if (out.length >= want) break;
        }
      }
      return out;
    }
    const nd = new Needle(x);
    const cs = this.chunks!;
    let k = 0;
    if (!fromTail) {
      for (let ci = 0; ci < cs.length && k < limit; ci++) {
        const ch = cs[ci];
        const b = ch.buf;
        for (let p = ch.start; p < ch.end && k < limit; k++) {
          p = decodeFwd(b, p);
          if (nd.matches(b) && ++matches >= rank) {
            out.push(k);
            if (out.length >= want) return out;
          }
        }
      }
    } else {
      for (let ci = cs.length - 1; ci >= 0 && k < limit; ci--) {
        const ch = cs[ci];
        const b = ch.buf;
        for (let p = ch.end; p > ch.start && k < limit; k++) {
          p = decodeBack(b, p);
          if (nd.matches(b) && ++matches >= rank) {
            out.push(len - 1 - k);
            if (out.length >= want) return out;
          }
        }
      }
    }
    return out;
  }

  /** LREM: removes up to count (0 = all) elements equal to x, scanning from the tail when fromTail. */
  removeMatches(x: string, count: number, fromTail: boolean): number {
    const limit = count === 0 ? Infinity : count;
    let removed = 0;
    const a = this.small;
    if (a !== null) {
      if (!fromTail) {
        for (let i = 0; i < a.length && removed < limit; ) {
          if (a[i] === x) {
            a.splice(i, 1);
            removed++;
          } else i++;
        }
      } else {
        for (let i = a.length - 1; i >= 0 && removed < limit; i--) {
          if (a[i] === x) {
            a.splice(i, 1);
            removed++;
          }
        }
      }
      this.len -= removed;
      return removed;
    }
    const nd = new Needle(x);
    const cs = this.chunks!;
    if (!fromTail) {
      for (let ci = 0; ci < cs.length && removed < limit; ci++) {
        const ch = cs[ci];
        const b = ch.buf;
        // compact in place: w is where the next kept entry goes
        let w = ch.start;
        let p = ch.start;
        let gone = 0;
        while (p < ch.end && removed < limit) {
          const q = decodeFwd(b, p);
          if (nd.matches(b)) {
            removed++;
            gone++;
          } else {
            if (w !== p) b.copyWithin(w, p, q);
            w += q - p;
          }
          p = q;
        }
        if (gone === 0) continue;
        if (p < ch.end) b.copyWithin(w, p, ch.end);
        ch.end = w + (ch.end - p);
        ch.count -= gone;
      }
    } else {
      for (let ci = cs.length - 1; ci >= 0 && removed < limit; ci--) {
        const ch = cs[ci];
        const b = ch.buf;
        let w = ch.end;
        let p = ch.end;
        let gone = 0;
        while (p > ch.start && removed < limit) {
          const q = decodeBack(b, p);
          if (nd.matches(b)) {
            removed++;
            gone++;
          } else {
            if (w !== p) b.copyWithin(w - (p - q), q, p);
            w -= p - q;
          }
          p = q;
        }
        if (gone === 0) continue;
        if (p > ch.start) b.copyWithin(w - (p - ch.start), ch.start, p);
        ch.start = w - (p - ch.start);
        ch.count -= gone;
      }
    }
    if (removed > 0) {
      this.len -= removed;
      this.tidy();
    }
    return removed;
  }

  /** Drops empty chunks and merges neighbours that fit in one chunk (after removals in the middle). */
  private tidy(): void {
    const cs = this.chunks!;
    let w = 0;
    for (let i = 0; i < cs.length; i++) {
      const ch = cs[i];
      if (ch.count === 0) continue;
      if (w > 0) {
        const prev = cs[w - 1];
        const pu = prev.end - prev.start;
        const cu = ch.end - ch.start;
        if (pu + cu <= CHUNK_MAX >>> 1) {
          if (prev.end + cu > prev.buf.length) {
            const nb = alloc(capFor(pu + cu));
            prev.buf.copy(nb, 0, prev.start, prev.end);
            prev.buf = nb;
            prev.end = pu;
            prev.start = 0;
          }
          ch.buf.copy(prev.buf, prev.end, ch.start, ch.end);
          prev.end += cu;
          prev.count += ch.count;
          continue;
        }
      }
      cs[w++] = ch;
    }
    cs.length = w;
  }

  // ---- iteration ---------------------------------------------------------------------------------

  /** Calls fn for elements from..from+n-1 (head to tail), or from..from-n+1 when reverse. */
  forEachString(from: number, n: number, reverse: boolean, fn: (s: string) => void): void {
    const a = this.small;
    if (a !== null) {
      if (!reverse) for (let i = from; i < from + n; i++) fn(a[i]);
      else for (let i = from; i > from - n; i--) fn(a[i]);
      return;
    }
    this.locate(from);
    const cs = this.chunks!;
    let ci = loc.ci;
    let p = loc.pos;
    if (!reverse) {
      while (n > 0) {
        const ch = cs[ci];
        const b = ch.buf;
        while (p < ch.end && n > 0) {
          p = decodeFwd(b, p);
          fn(entString(b));
          n--;
        }
        if (++ci < cs.length) p = cs[ci].start;
      }
    } else {
      // loc.pos is the start of element `from`: step past it, then walk back
      p = decodeFwd(cs[ci].buf, p);
      while (n > 0) {
        const ch = cs[ci];
        const b = ch.buf;
        while (p > ch.start && n > 0) {
          p = decodeBack(b, p);
          fn(entString(b));
          n--;
        }
        if (--ci >= 0) p = cs[ci].end;
      }
    }
  }

  /** Packed form: sets loc to element i, for callers that walk chunks themselves. */
  seek(i: number): { ci: number; pos: number } {
    this.locate(i);
    return loc;
  }

  /** Bytes held by the elements and chunk buffers (MEMORY USAGE style estimate). */
  byteSize(): number {
    if (this.small !== null) {
      let n = 16 + 8 * this.small.length;
      for (const s of this.small) n += 16 + ((s.length + 7) & ~7);
      return n;
    }
    let n = 32;
    for (const ch of this.chunks!) n += 64 + ch.buf.length;
    return n;
  }
}

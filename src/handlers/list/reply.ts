// Replies straight from a list's packed chunks: element bytes are copied from the chunk buffer into
// the reply buffer, so LRANGE/LPOP/LINDEX never build JS strings for packed lists.
import type { ReplyTarget } from '../../protocol/reply';
import { arrayLen, bulk, bulkBuf, reserve as room } from '../../protocol/reply';
import { RList, ent, decodeFwd, decodeBack, CHUNK_MAX } from '../../keyspace/types/list';

/** Writes the decimal text of a non-negative integer < 2^31 at p; returns the new offset. */
function putUint(o: Buffer, p: number, n: number): number {
  if (n < 10) {
    o[p] = 48 + n;
    return p + 1;
  }
  let digits = 1;
  for (let x = n; x >= 10; x = (x / 10) | 0) digits++;
  let q = p + digits;
  for (let x = n; q > p; x = (x / 10) | 0) o[--q] = 48 + (x % 10);
  return p + digits;
}

/** Writes one bulk string for the entry described by `ent` (in b) at p of o; returns the new offset. */
function putEnt(o: Buffer, p: number, b: Buffer): number {
  const n = ent.len;
  if (n < 0) {
    const s = String(ent.ival);
    const k = s.length;
    o[p++] = 36;
    p = putUint(o, p, k);
    o[p++] = 13;
    o[p++] = 10;
    for (let i = 0; i < k; i++) o[p++] = s.charCodeAt(i);
    o[p++] = 13;
    o[p++] = 10;
    return p;
  }
  o[p++] = 36;
  p = putUint(o, p, n);
  o[p++] = 13;
  o[p++] = 10;
  const off = ent.off;
  if (n < 32) {
    for (let i = 0; i < n; i++) o[p + i] = b[off + i];
  } else b.copy(o, p, off, off + n);
  p += n;
  o[p++] = 13;
  o[p++] = 10;
  return p;
}

/** Bulk reply of the entry described by `ent` (in b). */
export function bulkEnt(c: ReplyTarget, b: Buffer): void {
  if (c.mute) return;
  const n = ent.len;
  if (n > 4096) {
    bulkBuf(c, b.subarray(ent.off, ent.off + n));
    return;
  }
  const o = room(c, (n < 0 ? 24 : n) + 16);
  c.opos = putEnt(o, c.opos, b);
}

/**
 * Array reply of n elements of l starting at index `from` (0 <= from < len), towards the tail, or
 * towards the head when reverse (RPOP with a count).
 */
export function replyRange(c: ReplyTarget, l: RList, from: number, n: number, reverse: boolean): void {
  arrayLen(c, n);
  if (c.mute || n === 0) return;
  const a = l.small;
  if (a !== null) {
    if (!reverse) for (let i = from; i < from + n; i++) bulk(c, a[i]);
    else for (let i = from; i > from - n; i--) bulk(c, a[i]);
    return;
  }
  const cs = l.chunks!;
  const at = l.seek(from);
  let ci = at.ci;
  let p = at.pos;
  if (!reverse) {
    for (;;) {
      const ch = cs[ci];
      const b = ch.buf;
      const end = ch.end;
      if (b.length <= CHUNK_MAX) {
        // Every element's reply is at most 16 bytes longer than its entry.
        const o = room(c, end - p + 16 * ch.count);
        let q = c.opos;
        while (p < end && n > 0) {
          p = decodeFwd(b, p);
          q = putEnt(o, q, b);
          n--;
        }
        c.opos = q;
      } else {
        while (p < end && n > 0) {
          p = decodeFwd(b, p);
          bulkEnt(c, b);
          n--;
        }
      }
      if (n === 0) return;
      p = cs[++ci].start;
    }
  }
  // loc.pos is where element `from` starts: step past it, then walk towards the head.
  p = decodeFwd(cs[ci].buf, p);
  for (;;) {
    const ch = cs[ci];
    const b = ch.buf;
    const start = ch.start;
    if (b.length <= CHUNK_MAX) {
      const o = room(c, p - start + 16 * ch.count);
      let q = c.opos;
      while (p > start && n > 0) {
        p = decodeBack(b, p);
        q = putEnt(o, q, b);
        n--;
      }
      c.opos = q;
    } else {
      while (p > start && n > 0) {
        p = decodeBack(b, p);
        bulkEnt(c, b);
        n--;
      }
    }
    if (n === 0) return;
    p = cs[--ci].end;
  }
}

/** Bulk reply of element i of l (0 <= i < len). */
export function replyIndex(c: ReplyTarget, l: RList, i: number): void {
  const a = l.small;
  if (a !== null) return bulk(c, a[i]);
  if (c.mute) return;
  bulkEnt(c, l.getRaw(i));
}

/** Removes the head (or tail) element of a non-empty list and replies it as a bulk string. */
export function popAndReply(c: ReplyTarget, l: RList, fromTail: boolean): void {
  if (l.small !== null) {
    bulk(c, (fromTail ? l.popTail() : l.popHead())!);
    return;
  }
  // The bytes stay valid until the next chunk allocation: reply them at once.
  const b = l.shiftRaw(fromTail);
  bulkEnt(c, b);
}

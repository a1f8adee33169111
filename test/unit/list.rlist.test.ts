// RList (src/keyspace/types/list.ts) against a plain array model: randomized operation sequences over
// both representations (small string[] and packed chunks), every entry size class (1-byte, 2-byte and
// 5-byte length headers, elements larger than a chunk), plus the encoding and clone contracts.
import { RList, SMALL_MAX, CHUNK_MAX, Chunk } from '../../src/keyspace/types/list';
import { rng } from '../helpers/rng';


/** Structural invariants; throws on the first violation (cheap enough to run often). */
function checkInvariants(l: RList): void {
  const fail = (what: string): never => {
    throw new Error('RList invariant broken: ' + what);
  };
  if (l.small !== null) {
    if (l.chunks !== null) fail('small list with chunks');
    if (l.small.length !== l.len) fail(`small length ${l.small.length} != len ${l.len}`);
    return;
  }
  let total = 0;
  for (const ch of l.chunks as Chunk[]) {
    if (ch.count <= 0) fail('empty chunk kept');
    if (ch.start < 0 || ch.end > ch.buf.length || ch.start >= ch.end) fail(`bad bounds ${ch.start}..${ch.end}/${ch.buf.length}`);
    total += ch.count;
  }
  if (total !== l.len) fail(`chunk counts ${total} != len ${l.len}`);
}

/** toArray() equals the model (a plain loop: jest's deep equality is slow on big arrays). */
function sameAsModel(l: RList, m: string[]): void {
  const got = l.toArray();
  let ok = got.length === m.length;
  for (let i = 0; ok && i < m.length; i++) ok = got[i] === m[i];
  if (!ok) expect(got).toEqual(m);
}

function value(r: () => number, vocab: string[]): string {
  const x = r();
  if (x < 0.6) return vocab[Math.floor(r() * vocab.length)];
  if (x < 0.7) return String(Math.floor((r() - 0.5) * 2 ** Math.floor(r() * 54)));
  if (x < 0.8) return String.fromCharCode(...Array.from({ length: Math.floor(r() * 20) }, () => Math.floor(r() * 256)));
  if (x < 0.93) return 'm'.repeat(100 + Math.floor(r() * 400));
  if (x < 0.98) return 'L'.repeat(CHUNK_MAX - 50 + Math.floor(r() * 200));
  return 'H'.repeat(16384 + Math.floor(r() * 3000));
}

function run(seed: number, steps: number): void {
  const r = rng(seed);
  const vocab = [
    'a', 'b', 'xxx', '', '0', '\x00\xff', 'hello world',
    // integer texts: every int entry width, and look-alikes that must stay text
    '1234', '-32768', '32768', '99999', '-8388609', '2147483648', '140737488355328', '9007199254740991',
    '-9007199254740991', '9007199254740992', '0123', '-0', '+123', '12345678901234567',
  ];
  const l = new RList();
  let m: string[] = [];
  let maxChunks = 0;
  for (let step = 0; step < steps; step++) {
    const op = Math.floor(r() * 14);
    const v = value(r, vocab);
    switch (op) {
      case 0:
        l.pushTail(v);
        m.push(v);
        break;
      case 1: {
        // batch push (LPUSH/RPUSH with several elements): items[1..]
        const items = ['skipped', v, ...vocab.slice(0, Math.floor(r() * 6))];
        const atTail = r() < 0.5;
        l.pushAll(items, 1, atTail);
        if (atTail) m.push(...items.slice(1));
        else m.unshift(...items.slice(1).reverse());
        break;
      }
      case 2:
      case 3:
        l.pushHead(v);
        m.unshift(v);
        break;
      case 4:
        expect(l.popHead()).toBe(m.shift());
        break;
      case 5:
        expect(l.popTail()).toBe(m.pop());
        break;
      case 6: {
        const i = Math.floor(r() * (m.length + 2)) - 1;
        expect(l.get(i)).toBe(m[i]);
        break;
      }
      case 7: {
        const i = Math.floor(r() * (m.length + 1));
        const ok = l.set(i, v);
        expect(ok).toBe(i < m.length);
        if (ok) m[i] = v;
        break;
      }
      case 8: {
        const i = Math.floor(r() * (m.length + 1));
        l.insert(i, v);
        m.splice(i, 0, v);
        break;
      }
      case 9: {
        const pivot = m.length && r() < 0.8 ? m[Math.floor(r() * m.length)] : 'nope';
        const after = r() < 0.5;
        const i = m.indexOf(pivot);
        expect(l.insertAtPivot(pivot, v, after)).toBe(i !== -1);
        if (i !== -1) m.splice(after ? i + 1 : i, 0, v);
        break;
      }
      case 10: {
        const x = vocab[Math.floor(r() * vocab.length)];
        const cnt = Math.floor(r() * 3);
        const fromTail = r() < 0.5;
        let removed = 0;
        const limit = cnt === 0 ? Infinity : cnt;
        if (!fromTail) {
          const keep: string[] = [];
          for (const e of m) {
            if (e === x && removed < limit) removed++;
            else keep.push(e);
          }
          m = keep;
        } else {
          const keep: string[] = [];
          for (let i = m.length - 1; i >= 0; i--) {
            if (m[i] === x && removed < limit) removed++;
            else keep.unshift(m[i]);
          }
          m = keep;
        }
        expect(l.removeMatches(x, cnt, fromTail)).toBe(removed);
        break;
      }
      case 11: {
        const n = Math.floor(r() * 5);
        if (r() < 0.5) {
          l.deleteHead(n);
          m.splice(0, n);
        } else {
          l.deleteTail(n);
          m.length = Math.max(0, m.length - n);
        }
        break;
      }
      case 12: {
        const x = vocab[Math.floor(r() * vocab.length)];
        expect(l.indexOf(x)).toBe(m.indexOf(x));
        const fromTail = r() < 0.5;
        const rank = 1 + Math.floor(r() * 2);
        const count = Math.floor(r() * 3);
        const maxlen = Math.floor(r() * 4) * 3;
        const exp: number[] = [];
        let matches = 0;
        const limit = maxlen === 0 ? m.length : Math.min(maxlen, m.length);
        for (let k = 0; k < limit; k++) {
          const i = fromTail ? m.length - 1 - k : k;
          if (m[i] === x && ++matches >= rank) {
            exp.push(i);
            if (count !== 0 && exp.length >= count) break;
          }
        }
        expect(l.positions(x, rank, count, maxlen, fromTail)).toEqual(exp);
        break;
      }
      case 13: {
        if (m.length === 0) break;
        const from = Math.floor(r() * m.length);
        const reverse = r() < 0.5;
        const n = 1 + Math.floor(r() * (reverse ? from + 1 : m.length - from));
        const got: string[] = [];
        l.forEachString(from, n, reverse, (s) => got.push(s));
        const exp = reverse ? m.slice(from - n + 1, from + 1).reverse() : m.slice(from, from + n);
        expect(got).toEqual(exp);
        break;
      }
    }
    if (l.length !== m.length) expect(l.length).toBe(m.length);
    if (l.chunks !== null && l.chunks.length > maxChunks) maxChunks = l.chunks.length;
    if (step % 25 === 0) {
      checkInvariants(l);
      sameAsModel(l, m);
    }
  }
  checkInvariants(l);
  sameAsModel(l, m);
  const c = l.clone();
  sameAsModel(c, m);
  c.pushHead('only in the clone');
  sameAsModel(l, m);
  // the run went through the packed form with several chunks (splits, merges, big elements)
  expect(maxChunks).toBeGreaterThanOrEqual(3);
}

describe('RList', () => {
  test('type, encoding, from/toArray, small and packed forms', () => {
    const l = RList.from(['a', 'b']);
    expect(l.type).toBe('list');
    expect(l.encoding()).toBe('quicklist');
    expect(l.small).not.toBeNull();
    for (let i = 0; i < SMALL_MAX; i++) l.pushTail(String(i));
    expect(l.small).toBeNull();
    expect(l.toArray()).toEqual(['a', 'b', ...Array.from({ length: SMALL_MAX }, (_, i) => String(i))]);
    expect(l.encoding()).toBe('quicklist');
    const big = Array.from({ length: 5000 }, (_, i) => 'v' + i);
    expect(RList.from(big).toArray()).toEqual(big);
    expect(RList.from(big).length).toBe(5000);
  });

  test('queue and stack patterns stay in few chunks', () => {
    const l = new RList();
    for (let i = 0; i < 100000; i++) l.pushTail('xxx');
    expect(l.chunks!.length).toBeLessThan(100000 / 1000);
    let bad = 0;
    for (let i = 0; i < 99990; i++) if (l.popHead() !== 'xxx') bad++;
    expect(bad).toBe(0);
    expect(l.chunks!.length).toBe(1);
    for (let i = 0; i < 100000; i++) l.pushHead(String(i));
    expect(l.get(0)).toBe('99999');
    expect(l.get(l.length - 1)).toBe('xxx');
    expect(l.popTail()).toBe('xxx');
    checkInvariants(l);
  });

  test('elements larger than a chunk and at the length-header boundaries', () => {
    const sizes = [0, 1, 127, 128, 129, 16383, 16384, 16385, CHUNK_MAX - 2, CHUNK_MAX - 1, CHUNK_MAX, CHUNK_MAX + 1, 100000];
    const items = sizes.map((n, i) => String.fromCharCode(65 + (i % 26)).repeat(n));
    const l = RList.from(items);
    expect(l.toArray()).toEqual(items);
    for (let i = 0; i < items.length; i++) expect(l.get(i)).toBe(items[i]);
    const rev = [...items].reverse();
    const l2 = new RList();
    for (const x of items) l2.pushHead(x);
    expect(l2.toArray()).toEqual(rev);
    l2.set(3, 'tiny');
    rev[3] = 'tiny';
    l2.set(5, 'Z'.repeat(20000));
    rev[5] = 'Z'.repeat(20000);
    expect(l2.toArray()).toEqual(rev);
    checkInvariants(l2);
  });

  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) {
    test(`random operations vs array model (seed ${seed})`, () => run(seed, 5000));
  }
});

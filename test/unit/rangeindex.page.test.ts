import * as P from '../../src/rangeindex/page';
import { rng } from '../helpers/rng';

const ALPHA = [0x00, 0x01, 0x61, 0xfe, 0xff];
function randKey(r: () => number, max: number): Buffer {
  const b = Buffer.alloc(Math.floor(r() * (max + 1)));
  for (let i = 0; i < b.length; i++) b[i] = ALPHA[Math.floor(r() * ALPHA.length)];
  return b;
}
const sign = (x: number): number => (x < 0 ? -1 : x > 0 ? 1 : 0);

describe('rangeindex page layout', () => {
  test('cmpBytes matches Buffer.compare (short and long keys, offsets)', () => {
    const r = rng(1);
    for (let i = 0; i < 5000; i++) {
      const a = randKey(r, i % 2 ? 6 : 120);
      const b = r() < 0.3 ? Buffer.from(a) : randKey(r, i % 2 ? 6 : 120);
      const pa = Buffer.concat([Buffer.from([9, 9]), a]);
      const pb = Buffer.concat([Buffer.from([7]), b]);
      expect(sign(P.cmpBytes(pa, 2, a.length, pb, 1, b.length))).toBe(Buffer.compare(a, b));
    }
  });

  test('leaf insert/search/remove/compact against a sorted model', () => {
    const r = rng(2);
    const b = Buffer.alloc(512);
    P.initPage(b, 7, 3, P.T_LEAF);
    const model = new Map<string, Buffer>();
    for (let step = 0; step < 4000; step++) {
      const k = randKey(r, 5);
      const s = k.toString('latin1');
      const at = P.leafSearch(b, k);
      expect(at >= 0).toBe(model.has(s));
      if (at >= 0 && r() < 0.6) {
        P.removeSlot(b, at);
        model.delete(s);
      } else if (at < 0) {
        const v = Buffer.alloc(Math.floor(r() * 20), step & 0xff);
        if (P.leafInsert(b, ~at, k, v)) model.set(s, v);
        else expect(P.freeBytes(b)).toBeLessThan(P.LEAF_OVH + k.length + v.length + 2);
      }
      // invariants
      const keys = [...model.keys()].sort();
      expect(P.nslots(b)).toBe(keys.length);
      if (step % 50 === 0) {
        keys.forEach((key, i) => {
          expect(P.leafKeyView(b, i).toString('latin1')).toBe(key);
          const off = P.slotOff(b, i);
          const kl = P.u16(b, off);
          expect(b.subarray(off + 4 + kl, off + 4 + kl + P.u16(b, off + 2)).equals(model.get(key)!)).toBe(true);
        });
        let live = 0;
        for (const [k, v] of model) live += P.LEAF_OVH + Buffer.from(k, 'latin1').length + v.length;
        expect(P.usedBytes(b)).toBe(P.HDR + 2 * keys.length + live);
      }
      if (step % 333 === 0) {
        const before = P.usedBytes(b);
        P.compact(b);
        expect(P.usedBytes(b)).toBe(before);
        expect(P.u16(b, P.OFF_FRAG)).toBe(0);
      }
    }
  });

  test('leafRank and innerSearch', () => {
    const b = Buffer.alloc(256);
    P.initPage(b, 2, 1, P.T_LEAF);
    ['b', 'd', 'f'].forEach((k, i) => P.leafInsert(b, i, Buffer.from(k), Buffer.alloc(0)));
    expect(P.leafRank(b, Buffer.from('d'), false)).toBe(1);
    expect(P.leafRank(b, Buffer.from('d'), true)).toBe(2);
    expect(P.leafRank(b, Buffer.from('a'), true)).toBe(0);
    expect(P.leafRank(b, Buffer.from('z'), false)).toBe(3);
    const n = Buffer.alloc(256);
    P.initPage(n, 3, 1, P.T_INNER);
    P.innerInsert(n, 0, 10, 5, Buffer.alloc(0), 0, 0);
    P.innerInsert(n, 1, 11, 6, Buffer.from('m'), 0, 1);
    P.innerInsert(n, 2, 12, 2 ** 40, Buffer.from('t'), 0, 1);
    expect(P.innerSearch(n, Buffer.alloc(0))).toBe(0);
    expect(P.innerSearch(n, Buffer.from('l'))).toBe(0);
    expect(P.innerSearch(n, Buffer.from('m'))).toBe(1);
    expect(P.innerSearch(n, Buffer.from('s\xff', 'latin1'))).toBe(1);
    expect(P.innerSearch(n, Buffer.from('t'))).toBe(2);
    expect(P.innerChild(n, 2)).toBe(12);
    expect(P.innerCount(n, 2)).toBe(2 ** 40); // u48 counts
    expect(P.innerTotal(n)).toBe(11 + 2 ** 40);
  });

  test('buildPage drops the first inner key; separatorLen is shortest and correct', () => {
    const recs = [P.makeInnerRec(1, 3, Buffer.from('zzz')), P.makeInnerRec(2, 4, Buffer.from('k'))];
    const b = Buffer.alloc(256);
    P.buildPage(b, 9, 1, P.T_INNER, recs, 0, 2);
    expect(P.innerKeyView(b, 0).length).toBe(0);
    expect(P.innerKeyView(b, 1).toString()).toBe('k');
    const r = rng(3);
    for (let i = 0; i < 2000; i++) {
      let a = randKey(r, 6);
      let c = randKey(r, 6);
      if (Buffer.compare(a, c) === 0) continue;
      if (Buffer.compare(a, c) > 0) [a, c] = [c, a];
      const s = c.subarray(0, P.separatorLen(a, c));
      expect(Buffer.compare(a, s)).toBe(-1);
      expect(Buffer.compare(s, c)).toBeLessThanOrEqual(0);
    }
  });

  test('CRC and page id are verified', () => {
    const b = Buffer.alloc(256);
    P.initPage(b, 5, 1, P.T_LEAF);
    P.leafInsert(b, 0, Buffer.from('k'), Buffer.from('v'));
    P.setCrc(b);
    expect(() => P.verifyPage(b, 5)).not.toThrow();
    expect(() => P.verifyPage(b, 6)).toThrow(/holds page id 5/);
    b[200] ^= 1;
    expect(() => P.verifyPage(b, 5)).toThrow(/checksum/);
  });

  test('limits', () => {
    expect(P.validPageSize(256)).toBe(true);
    expect(P.validPageSize(32768)).toBe(true);
    expect(P.validPageSize(65536)).toBe(false);
    expect(P.validPageSize(1000)).toBe(false);
    expect(P.maxKeyLen(4096)).toBe(1004);
    expect(P.maxRecordLen(4096)).toBe(4096 - 30);
  });
});

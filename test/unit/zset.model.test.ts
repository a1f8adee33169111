// Random operation sequences on RZSet (and through the handlers) checked against a plain sorted-array
// model after every step: content, order, ranks, range seeks, tree invariants (RZSet.check()).
import { Db } from '../../src/keyspace/db';
import { RZSet, LexBound } from '../../src/keyspace/types/zset';
import { commands } from '../../src/handlers/zset';
import { rng as prng } from '../helpers/rng';
import { makeClient, run as runHandler } from '../helpers/fakeClient';


type El = [string, number];
const cmp = (a: El, b: El): number => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

class Model {
  els: El[] = [];
  find(k: string): number {
    return this.els.findIndex((e) => e[0] === k);
  }
  add(k: string, s: number): void {
    const i = this.find(k);
    if (i >= 0) this.els.splice(i, 1);
    this.els.push([k, s]);
    this.els.sort(cmp);
  }
  del(k: string): boolean {
    const i = this.find(k);
    if (i < 0) return false;
    this.els.splice(i, 1);
    return true;
  }
}

function sameContent(z: RZSet, m: Model): void {
  z.check();
  expect(z.size).toBe(m.els.length);
  expect([...z.entries()]).toEqual(m.els);
}

function runModel(seed: number, ops: number, keySpace: number, scoreSpace: number, checkEvery: number): void {
  const rnd = prng(seed);
  const z = new RZSet();
  const m = new Model();
  const key = (): string => 'k' + Math.floor(rnd() * keySpace).toString(36);
  const score = (): number => (rnd() < 0.2 ? 0 : Math.floor(rnd() * scoreSpace) / 4 - scoreSpace / 8);
  for (let op = 0; op < ops; op++) {
    const x = rnd();
    if (x < 0.45) {
      const k = key();
      const s = score();
      const cur = z.score(k);
      if (cur === undefined) z.insertNew(k, s);
      else if (cur !== s) z.updateScore(k, cur, s);
      m.add(k, s === 0 && z.dict === null ? 0 : s);
    } else if (x < 0.7) {
      const k = key();
      expect(z.delete(k)).toBe(m.del(k));
    } else if (x < 0.75 && m.els.length > 0) {
      // bulk range delete by rank
      const a = Math.floor(rnd() * m.els.length);
      const n = Math.min(m.els.length - a, 1 + Math.floor(rnd() * 300));
      const victims = m.els.slice(a, a + n);
      for (const [k, s] of victims) z.deleteElement(k, s);
      for (const [k] of victims) m.del(k);
    } else if (x < 0.8) {
      const k = key();
      const i = m.find(k);
      expect(z.rank(k)).toBe(i);
      if (i >= 0) {
        const it = z.atRank(i);
        expect([it.key, it.score]).toEqual(m.els[i]);
      }
    } else if (x < 0.9) {
      // score range seeks
      let a = score();
      let b = score();
      if (rnd() < 0.5) [a, b] = [b, a];
      const r = { min: a, max: b, minex: rnd() < 0.5, maxex: rnd() < 0.5 };
      const inR = m.els.filter((e) => (r.minex ? e[1] > r.min : e[1] >= r.min) && (r.maxex ? e[1] < r.max : e[1] <= r.max));
      expect(z.countInScore(r)).toBe(inR.length);
      const f = z.firstInScore(r);
      const l = z.lastInScore(r);
      if (inR.length === 0) {
        expect(f.leaf).toBeNull();
        expect(l.leaf).toBeNull();
      } else {
        expect([f.key, f.score]).toEqual(inR[0]);
        expect([l.key, l.score]).toEqual(inR[inR.length - 1]);
        expect(z.rankOfIter(f)).toBe(m.els.indexOf(m.els.find((e) => e[0] === inR[0][0])!));
      }
    } else if (x < 0.95) {
      // reverse iteration and select
      const rev: El[] = [];
      z.forEach((k, s) => {
        rev.push([k, s]);
      }, true);
      expect(rev).toEqual([...m.els].reverse());
    } else {
      const cl = z.clone();
      cl.check();
      expect([...cl.entries()]).toEqual(m.els);
    }
    if (op % checkEvery === 0) sameContent(z, m);
  }
  sameContent(z, m);
}

describe('RZSet against a sorted-array model', () => {
  test('small sets (listpack range), many seeds', () => {
    for (let seed = 1; seed <= 20; seed++) runModel(seed, 400, 60, 40, 1);
  });
  test('medium sets crossing into the dict encoding', () => {
    for (let seed = 100; seed < 104; seed++) runModel(seed, 3000, 600, 200, 25);
  });
  test('large sets: several tree levels, splits and merges', () => {
    runModel(7, 40000, 20000, 4000, 4000);
  });
  test('monotonic inserts and deletes from both ends (uneven splits, root collapse)', () => {
    const z = new RZSet();
    const m = new Model();
    for (let i = 0; i < 20000; i++) {
      z.insertNew('a' + String(i).padStart(6, '0'), i);
      m.els.push(['a' + String(i).padStart(6, '0'), i]);
    }
    for (let i = 0; i < 5000; i++) {
      z.insertNew('b' + i, -i - 1);
      m.els.unshift(['b' + i, -i - 1]);
    }
    sameContent(z, m);
    while (m.els.length > 10) {
      const first = m.els.shift()!;
      z.deleteElement(first[0], first[1]);
      const last = m.els.pop()!;
      z.deleteElement(last[0], last[1]);
      if (m.els.length % 997 === 0) sameContent(z, m);
    }
    sameContent(z, m);
  });
  test('lex seeks on equal scores', () => {
    const rnd = prng(42);
    const z = new RZSet();
    const keys = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      let k = '';
      const n = 1 + Math.floor(rnd() * 4);
      for (let j = 0; j < n; j++) k += String.fromCharCode(97 + Math.floor(rnd() * 6));
      if (!keys.has(k)) {
        keys.add(k);
        z.insertNew(k, 0);
      }
    }
    const sortedKeys = [...keys].sort();
    const bound = (): LexBound => {
      const x = rnd();
      if (x < 0.1) return { kind: -1, s: '', ex: true };
      if (x < 0.2) return { kind: 1, s: '', ex: true };
      let s = '';
      const n = Math.floor(rnd() * 3);
      for (let j = 0; j < n; j++) s += String.fromCharCode(97 + Math.floor(rnd() * 6));
      return { kind: 0, s, ex: rnd() < 0.5 };
    };
    const gte = (k: string, b: LexBound) => (b.kind === -1 ? true : b.kind === 1 ? false : b.ex ? k > b.s : k >= b.s);
    const lte = (k: string, b: LexBound) => (b.kind === 1 ? true : b.kind === -1 ? false : b.ex ? k < b.s : k <= b.s);
    for (let i = 0; i < 2000; i++) {
      const min = bound();
      const max = bound();
      const inR = sortedKeys.filter((k) => gte(k, min) && lte(k, max));
      const f = z.firstInLex(min, max);
      const l = z.lastInLex(min, max);
      if (inR.length === 0) {
        expect(f.leaf).toBeNull();
        expect(l.leaf).toBeNull();
      } else {
        expect(f.key).toBe(inR[0]);
        expect(l.key).toBe(inR[inR.length - 1]);
      }
    }
  });
});

describe('handlers against the model', () => {
  test('random ZADD/ZINCRBY/ZREM/ZPOP*/ZREMRANGEBYRANK keep ZRANGE WITHSCORES equal to the model', () => {
    const db = new Db(0);
    const c = makeClient(db);
    const run = (...argv: string[]): string => runHandler(commands, c, argv);
    const rnd = prng(9);
    const m = new Model();
    const fmt = (s: number) => (Number.isInteger(s) ? String(s) : String(s));
    for (let op = 0; op < 6000; op++) {
      const x = rnd();
      const k = 'm' + Math.floor(rnd() * 400);
      const s = Math.floor(rnd() * 64) / 2;
      if (x < 0.4) {
        run('ZADD', 'z', fmt(s), k);
        m.add(k, s);
      } else if (x < 0.55) {
        const i = m.find(k);
        const ns = (i >= 0 ? m.els[i][1] : 0) + s;
        expect(run('ZINCRBY', 'z', fmt(s), k)).toBe('$' + String(ns).length + '\r\n' + ns + '\r\n');
        m.add(k, ns);
      } else if (x < 0.8) {
        expect(run('ZREM', 'z', k)).toBe(m.del(k) ? ':1\r\n' : ':0\r\n');
      } else if (x < 0.85) {
        run('ZPOPMIN', 'z', '3');
        m.els.splice(0, 3);
      } else if (x < 0.9) {
        run('ZPOPMAX', 'z');
        m.els.splice(-1, 1);
      } else if (x < 0.93) {
        run('ZREMRANGEBYRANK', 'z', '5', '20');
        m.els.splice(5, 16);
      } else {
        const want = m.els.map(([mk, ms]) => `$${mk.length}\r\n${mk}\r\n$${String(ms).length}\r\n${ms}\r\n`).join('');
        expect(run('ZRANGE', 'z', '0', '-1', 'WITHSCORES')).toBe(`*${m.els.length * 2}\r\n${want}`);
        expect(run('ZCARD', 'z')).toBe(`:${m.els.length}\r\n`);
      }
      const z = db.get('z');
      if (m.els.length === 0) expect(z).toBeUndefined();
      else (z as RZSet).check();
    }
  });
});

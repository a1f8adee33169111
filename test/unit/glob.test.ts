// src/util/glob.ts: Redis stringmatchlen() semantics.
//  1. hand-picked cases (escapes, classes, ranges, nocase, the empty-subject quirk);
//  2. a fuzz comparison against a line-by-line port of Redis 7.0's recursive C implementation;
//  3. when redis-server is installed: KEYS <pattern> on real Redis vs stringmatch over the same keys.
import { stringmatch, hasGlobChars } from '../../src/util/glob';
import { startRedis } from '../helpers/servers';
import { RespClient, decodeReply } from '../helpers/resp';

/** Port of Redis 7.0.15 util.c stringmatchlen_impl() (recursive, with skipLongerMatches), on byte arrays. */
function cRef(pattern: string, s: string, nocase: boolean): boolean {
  const P = Array.from(pattern, (c) => c.charCodeAt(0));
  const S = Array.from(s, (c) => c.charCodeAt(0));
  P.push(0); // NUL terminator: the C code peeks at it
  S.push(0);
  const sc = (c: number): number => (c > 127 ? c - 256 : c);
  const tl = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);
  const skip = { v: false };
  function impl(pi: number, plen: number, si: number, slen: number): boolean {
    while (plen && slen) {
      switch (P[pi]) {
        case 42: {
          while (plen && P[pi + 1] === 42) {
            pi++;
            plen--;
          }
          if (plen === 1) return true;
          while (slen) {
            if (impl(pi + 1, plen - 1, si, slen)) return true;
            if (skip.v) return false;
            si++;
            slen--;
          }
          skip.v = true;
          return false;
        }
        case 63:
          si++;
          slen--;
          break;
        case 91: {
          pi++;
          plen--;
          const not = P[pi] === 94;
          if (not) {
            pi++;
            plen--;
          }
          let match = false;
          for (;;) {
            if (P[pi] === 92 && plen >= 2) {
              pi++;
              plen--;
              if (P[pi] === S[si]) match = true;
            } else if (P[pi] === 93) {
              break;
            } else if (plen === 0) {
              pi--;
              plen++;
              break;
            } else if (plen >= 3 && P[pi + 1] === 45) {
              let start = sc(P[pi]);
              let end = sc(P[pi + 2]);
              let c = sc(S[si]);
              if (start > end) {
                const t = start;
                start = end;
                end = t;
              }
              if (nocase) {
                start = tl(start);
                end = tl(end);
                c = tl(c);
              }
              pi += 2;
              plen -= 2;
              if (c >= start && c <= end) match = true;
            } else if (!nocase) {
              if (P[pi] === S[si]) match = true;
            } else if (tl(P[pi]) === tl(S[si])) match = true;
            pi++;
            plen--;
          }
          if (not) match = !match;
          if (!match) return false;
          si++;
          slen--;
          break;
        }
        default:
          // case '\\': skip the backslash, then fall through to the literal compare
          if (P[pi] === 92 && plen >= 2) {
            pi++;
            plen--;
          }
          if (!nocase) {
            if (P[pi] !== S[si]) return false;
          } else if (tl(P[pi]) !== tl(S[si])) return false;
          si++;
          slen--;
          break;
      }
      pi++;
      plen--;
      if (slen === 0) {
        while (P[pi] === 42) {
          pi++;
          plen--;
        }
        break;
      }
    }
    return plen === 0 && slen === 0;
  }
  return impl(0, pattern.length, 0, s.length);
}

describe('stringmatch: hand-picked cases', () => {
  const cases: [string, string, boolean, boolean?][] = [
    ['*', 'anything', true],
    ['*', '', false], // Redis quirk: an empty subject only matches an empty pattern
    ['', '', true],
    ['', 'a', false],
    ['a*', 'a', true],
    ['*a', 'a', true],
    ['**a**', 'bab', true],
    ['**a**', 'bbb', false],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyyd', false],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h*llo', 'hllo', true],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true],
    ['h[b-a]llo', 'hallo', true], // reversed range
    ['h[a-b]llo', 'hcllo', false],
    ['h\\*llo', 'h*llo', true],
    ['h\\*llo', 'hello', false],
    ['\\', '\\', true], // trailing lone backslash is literal
    ['[\\]]', ']', true],
    ['[\\', '\\', true], // unterminated: the lone backslash is a literal member
    ['[abc', 'a', true], // unterminated class
    ['[abc', 'ab', false],
    ['[^', 'x', true],
    ['[', 'x', false],
    ['[a-]', 'a', true],
    ['[]', ']', false],
    ['A*', 'abc', true, true],
    ['a[B-C]', 'ac', true, true],
    ['a[B-C]', 'ac', false],
    ['MAX*', 'maxclients', true, true],
    ['*ziplist*', 'hash-max-ziplist-entries', true],
    ['\xe9*', '\xe9t\xe9', true],
    ['[\x01-\xff]', 'a', false], // signed chars: the range is [-1, 1], 'a' is outside
    ['[\x01-\xff]', '\xff', true],
  ];
  // (a rest parameter: jest treats a declared extra parameter as a `done` callback and would wait for it)
  test.each(cases)('%j vs %j -> %s', (...row) => {
    const [p, s, want, nocase] = row as [string, string, boolean, boolean?];
    expect(stringmatch(p, s, !!nocase)).toBe(want);
    expect(cRef(p, s, !!nocase)).toBe(want);
  });

  test('hasGlobChars', () => {
    expect(hasGlobChars('maxclients')).toBe(false);
    expect(hasGlobChars('max\\clients')).toBe(false);
    expect(hasGlobChars('max*')).toBe(true);
    expect(hasGlobChars('m?x')).toBe(true);
    expect(hasGlobChars('[m]ax')).toBe(true);
  });

  test('deep patterns do not blow the stack', () => {
    const p = '*a'.repeat(50000) + '*b';
    const s = 'a'.repeat(60000);
    expect(stringmatch(p, s)).toBe(false);
    expect(stringmatch('*a'.repeat(50000), 'a'.repeat(50000))).toBe(true);
  });
});

describe('stringmatch: fuzz against the C algorithm', () => {
  // Deterministic PRNG so failures reproduce.
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const PAT_ALPHABET = ['a', 'b', 'A', '*', '?', '[', ']', '^', '-', '\\', 'c', '\xff', '\x80', 'z'];
  const STR_ALPHABET = ['a', 'b', 'A', 'B', '*', '?', '[', ']', '-', '\\', 'c', '\xff', '\x80', 'z', '^'];
  const gen = (alpha: string[], max: number): string => {
    const n = rnd(max + 1);
    let s = '';
    for (let i = 0; i < n; i++) s += alpha[rnd(alpha.length)];
    return s;
  };
  test('100k random pattern/subject pairs agree (case-sensitive and nocase)', () => {
    let mismatches = 0;
    const examples: string[] = [];
    for (let i = 0; i < 100000; i++) {
      const p = gen(PAT_ALPHABET, 8);
      const s = gen(STR_ALPHABET, 8);
      const nocase = (i & 1) === 1;
      const a = stringmatch(p, s, nocase);
      const b = cRef(p, s, nocase);
      if (a !== b) {
        mismatches++;
        if (examples.length < 10) examples.push(JSON.stringify({ p, s, nocase, mine: a, c: b }));
      }
    }
    expect(examples).toEqual([]);
    expect(mismatches).toBe(0);
  });
});

describe('stringmatch vs real redis-server KEYS', () => {
  let port = 0;
  let cli: RespClient | null = null;
  const keys = [
    'a', 'b', 'ab', 'abc', 'hello', 'hallo', 'hxllo', 'h*llo', 'h?llo', 'h[e]llo', 'HELLO', 'foo:bar', 'foo:baz:1',
    'user:1000', 'user:1001', 'x\\y', '[', ']', '^', '-', 'a-b', '\xe9t\xe9', '\xff', '\x80x', 'z\x00z', '*', '?',
  ];
  const patterns = [
    '*', '?', 'a*', '*b', 'h?llo', 'h*llo', 'h[ae]llo', 'h[^e]llo', 'h[a-b]llo', 'h\\*llo', 'h\\?llo', 'foo:*',
    'foo:*:?', 'user:100[0-1]', 'user:100[1-0]', 'x\\\\y', '\\[', '[[]', '[]]', '[\\]]', '[^]', '[a-]*', '*[',
    '[\x01-\xff]', '[\x80-\xff]*', '\xe9*', '*\x00*', 'z?z', '\\*', '\\?', 'HELLO', 'hel*', '[h]*', '[^a-z]*',
    '**', '*?*', 'a[', '[abc', '?b*', '*-*',
  ];
  beforeAll(async () => {
    const h = await startRedis();
    if (!h) return;
    port = h.port;
    cli = await RespClient.connect(port);
    for (const k of keys) await cli.call('set', Buffer.from(k, 'latin1'), '1');
  });
  afterAll(() => cli?.close());

  test('every pattern selects the same keys', async () => {
    if (!cli) return;
    for (const p of patterns) {
      const raw = await cli.call('keys', Buffer.from(p, 'latin1'));
      const v = decodeReply(raw).value as { value: { value: Buffer }[] };
      const got = v.value.map((b) => b.value.toString('latin1')).sort();
      // KEYS answers every key for a lone "*" without matching (so the "" subject quirk never shows).
      const mine = keys.filter((k) => p === '*' || stringmatch(p, k, false)).sort();
      expect({ p, keys: mine }).toEqual({ p, keys: got });
    }
  });
});

// DUMP/RESTORE codec (src/keyspace/rdb) and the DUMP/RESTORE handlers, without a server: LZF, RDB
// lengths and strings, listpack/ziplist/intset/zipmap decoding with their integrity checks, payload
// framing, the extension-type registry and RESTORE's argument handling. Payloads captured from a real
// redis-server are in rdb.redis.test.ts, mutation fuzzing in rdb.fuzz.test.ts.
import type { Client } from '../../src/server/context';
import { Db, RObj } from '../../src/keyspace/db';
import { lzfCompress, lzfDecompress } from '../../src/keyspace/rdb/lzf';
import { RdbReader, RdbFormatError } from '../../src/keyspace/rdb/reader';
import { RdbWriter } from '../../src/keyspace/rdb/writer';
import { lpDecode, lpEncode } from '../../src/keyspace/rdb/listpack';
import { zlDecode } from '../../src/keyspace/rdb/ziplist';
import { intsetDecode, intsetEncode } from '../../src/keyspace/rdb/intset';
import { zipmapDecode } from '../../src/keyspace/rdb/zipmap';
import { strtodPrefix } from '../../src/util/strtod';
import { quicklistNodes, d2string } from '../../src/keyspace/rdb/encode';
import { buildPayload, fixCrc, zlEncode, zipmapEncode, writeStringDouble } from '../../src/keyspace/rdb/legacy';
import {
  createDumpPayload,
  decodePayload,
  restorePayload,
  verifyDumpPayload,
  registerRdbType,
  unregisterRdbType,
  materialize,
  RDB_TYPE_STRATA_RANGEINDEX,
  DecodedValue,
  ERR_BAD_FORMAT,
  ERR_PAYLOAD_VERSION,
} from '../../src/keyspace/rdb';
import { commands } from '../../src/handlers/keyspace/dump';
import { keyspaceHooks } from '../../src/handlers/keyspace/keyspace';
import { RList } from '../../src/keyspace/types/list';
import { RHash } from '../../src/keyspace/types/hash';
import { RSet } from '../../src/keyspace/types/set';
import { RZSet } from '../../src/keyspace/types/zset';
import { parseLL } from '../../src/util/strconv';
import { rng } from '../helpers/rng';

const L = (s: string) => Buffer.from(s, 'latin1');
/** A decoded value with its Set/Map turned into arrays, for toEqual/toMatchObject. */
function plain(d: DecodedValue): Record<string, unknown> {
  switch (d.type) {
    case 'set':
      return { ...d, members: [...d.members] };
    case 'hash':
    case 'zset':
      return { ...d, pairs: [...d.pairs] };
  }
  return d;
}
const bad = (fn: () => unknown) => expect(fn).toThrow(RdbFormatError);

/** Deterministic PRNG (mulberry32). */

// ---- LZF ---------------------------------------------------------------------------------------------

describe('LZF', () => {
  const roundTrip = (src: Buffer) => {
    const c = lzfCompress(src, src.length + (src.length >> 4) + 64);
    expect(c).not.toBeNull();
    const out = Buffer.alloc(src.length);
    expect(lzfDecompress(c!, 0, c!.length, out)).toBe(src.length);
    expect(out.equals(src)).toBe(true);
    return c!;
  };

  test('round trips repetitive, random and mixed data', () => {
    const r = rng(1);
    expect(roundTrip(L('a'.repeat(1000))).length).toBeLessThan(40);
    roundTrip(L('abcabcabcabcabcabcabcabcabcabcabc'));
    const rand = Buffer.alloc(5000);
    for (let i = 0; i < rand.length; i++) rand[i] = Math.floor(r() * 256);
    roundTrip(rand);
    const mixed = Buffer.alloc(20000);
    for (let i = 0; i < mixed.length; i++) mixed[i] = r() < 0.7 ? 97 + (i % 7) : Math.floor(r() * 256);
    roundTrip(mixed);
    // Long literal runs (> 32 bytes) and matches at the maximum offset/length.
    const far = Buffer.concat([rand.subarray(0, 8000), rand.subarray(0, 300), L('x'.repeat(600))]);
    roundTrip(far);
    for (let n = 1; n < 80; n++) roundTrip(Buffer.from(rand.subarray(0, n)));
  });

  test('compress answers null when the result would not fit (Redis stores the string raw)', () => {
    const r = rng(2);
    const rand = Buffer.alloc(100);
    for (let i = 0; i < rand.length; i++) rand[i] = Math.floor(r() * 256);
    expect(lzfCompress(rand, rand.length - 4)).toBeNull();
    expect(lzfCompress(L('aaaaaaaaaaaaaaaaaaaaaaaaa'), 21)).not.toBeNull();
  });

  test('decompress rejects truncated input, references before the start and overflow', () => {
    const out = Buffer.alloc(10);
    expect(lzfDecompress(Buffer.from([0x05, 0x61]), 0, 2, out)).toBe(0); // literal run longer than input
    expect(lzfDecompress(Buffer.from([0x20, 0x00]), 0, 2, out)).toBe(0); // back reference at output 0
    expect(lzfDecompress(Buffer.from([0x00, 0x61, 0x20]), 0, 3, out)).toBe(0); // truncated reference
    expect(lzfDecompress(Buffer.from([0x00, 0x61, 0xe0]), 0, 3, out)).toBe(0); // truncated long reference
    expect(lzfDecompress(Buffer.from([0x00, 0x61, 0xe0, 0xff, 0x00]), 0, 5, out)).toBe(0); // output overflow
    expect(lzfDecompress(Buffer.from([]), 0, 0, out)).toBe(0);
    const ok = Buffer.alloc(4);
    expect(lzfDecompress(Buffer.from([0x00, 0x61, 0x20, 0x00]), 0, 4, ok)).toBe(4);
    expect(ok.toString()).toBe('aaaa');
  });
});

// ---- RDB primitives ----------------------------------------------------------------------------------

describe('RDB lengths and strings', () => {
  test('lengths of every width round trip', () => {
    for (const n of [0, 1, 63, 64, 16383, 16384, 4294967295, 4294967296, 2 ** 40]) {
      const w = new RdbWriter();
      w.len(n);
      const r = new RdbReader(Buffer.from(w.result()));
      expect(r.len()).toBe(n);
      expect(r.remaining()).toBe(0);
    }
  });

  test('a count with the "encoded" bits reads as its low 6 bits (rdbLoadLen ignores the flag)', () => {
    expect(new RdbReader(Buffer.from([0xc5])).len()).toBe(5);
  });

  test('unknown length encodings and short reads fail', () => {
    bad(() => new RdbReader(Buffer.from([0x82])).len());
    bad(() => new RdbReader(Buffer.from([0x80, 0, 0])).len());
    bad(() => new RdbReader(Buffer.from([0x40])).len());
    bad(() => new RdbReader(Buffer.from([0x05, 0x61])).string());
    bad(() => new RdbReader(Buffer.from([0xc4])).string()); // string encoding 4 does not exist
    bad(() => new RdbReader(Buffer.from([0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])).len()); // RDB_LENERR
  });

  test('int-encoded strings: 8, 16 and 32 bits, signed', () => {
    const cases: [number[], string][] = [
      [[0xc0, 0x7f], '127'],
      [[0xc0, 0x80], '-128'],
      [[0xc1, 0x00, 0x80], '-32768'],
      [[0xc1, 0x39, 0x30], '12345'],
      [[0xc2, 0xff, 0xff, 0xff, 0x7f], '2147483647'],
      [[0xc2, 0x00, 0x00, 0x00, 0x80], '-2147483648'],
    ];
    for (const [bytes, s] of cases) expect(new RdbReader(Buffer.from(bytes)).string()).toBe(s);
  });

  test('writer: integers in the smallest encoding, others as text, long strings LZF-compressed', () => {
    const enc = (s: string, compress = true) => {
      const w = new RdbWriter({ compress });
      w.string(s);
      return Buffer.from(w.result());
    };
    expect(enc('5')).toEqual(Buffer.from([0xc0, 5]));
    expect(enc('-300')).toEqual(Buffer.from([0xc1, 0xd4, 0xfe]));
    expect(enc('100000')).toEqual(Buffer.from([0xc2, 0xa0, 0x86, 0x01, 0x00]));
    expect(enc('12345678901')).toEqual(Buffer.concat([Buffer.from([11]), L('12345678901')]));
    expect(enc('007')).toEqual(Buffer.concat([Buffer.from([3]), L('007')]));
    const long = 'x'.repeat(100);
    expect(enc(long)[0]).toBe(0xc3);
    expect(enc(long, false)[0]).toBe(0x40);
    expect(new RdbReader(enc(long)).string()).toBe(long);
    const w = new RdbWriter();
    w.longLong(9007199254740993n);
    expect(new RdbReader(Buffer.from(w.result())).string()).toBe('9007199254740993');
  });

  test('LZF strings: corrupt data and impossible lengths fail, len 0 is the empty string', () => {
    bad(() => new RdbReader(Buffer.from([0xc3, 0x02, 0x05, 0x20, 0x00])).string());
    bad(() => new RdbReader(Buffer.from([0xc3, 0x02, 0x80, 0x10, 0x00, 0x00, 0x00, 0x00, 0x61])).string());
    expect(new RdbReader(Buffer.from([0xc3, 0x02, 0x00, 0x00, 0x61])).string()).toBe('');
    expect(new RdbReader(Buffer.from([0xc3, 0x00, 0x00])).string()).toBe('');
  });

  test('string doubles (old zsets): specials, sscanf prefix parsing, no number fails', () => {
    const rd = (b: number[] | Buffer) => new RdbReader(Buffer.from(b)).stringDouble();
    expect(rd([253])).toBeNaN();
    expect(rd([254])).toBe(Infinity);
    expect(rd([255])).toBe(-Infinity);
    expect(rd(Buffer.concat([Buffer.from([4]), L('1.5x')]))).toBe(1.5);
    expect(rd(Buffer.concat([Buffer.from([3]), L(' 42')]))).toBe(42);
    bad(() => rd(Buffer.concat([Buffer.from([3]), L('abc')])));
    bad(() => rd(Buffer.from([0])));
    bad(() => rd(Buffer.from([5, 0x31])));
  });

  test('strtod prefix parsing', () => {
    const t = (s: string) => {
      const r = strtodPrefix(s);
      return { value: r.value, end: r.end };
    };
    expect(t('1.5')).toEqual({ value: 1.5, end: 3 });
    expect(t('  -2e3xyz')).toEqual({ value: -2000, end: 6 });
    expect(t('1e')).toEqual({ value: 1, end: 1 });
    expect(t('.5')).toEqual({ value: 0.5, end: 2 });
    expect(t('5.')).toEqual({ value: 5, end: 2 });
    expect(t('inf')).toEqual({ value: Infinity, end: 3 });
    expect(t('-Infinity!')).toEqual({ value: -Infinity, end: 9 });
    expect(t('nan').value).toBeNaN();
    expect(t('0x1p4')).toEqual({ value: 16, end: 5 });
    expect(t('0x1.8')).toEqual({ value: 1.5, end: 5 });
    expect(t('0xg')).toEqual({ value: 0, end: 1 });
    expect(t('abc')).toEqual({ value: 0, end: 0 });
    expect(t('')).toEqual({ value: 0, end: 0 });
    expect(t('-')).toEqual({ value: 0, end: 0 });
    expect(t('1e400').value).toBe(Infinity);
  });

  test('d2string: integers plainly, the rest as %.17g', () => {
    expect(d2string(3)).toBe('3');
    expect(d2string(-0)).toBe('-0');
    expect(d2string(0.1)).toBe('0.10000000000000001');
    expect(d2string(1e17)).toBe('1e+17');
    expect(d2string(4503599627370496)).toBe('4503599627370496');
    expect(d2string(Infinity)).toBe('inf');
    expect(d2string(-Infinity)).toBe('-inf');
  });
});

// ---- listpack ------------------------------------------------------------------------------------------

describe('listpack', () => {
  const ints = ['0', '127', '128', '-1', '4095', '-4096', '4096', '-4097', '32767', '-32768', '32768', '8388607', '-8388608', '8388608', '2147483647', '-2147483648', '2147483648', '9223372036854775807', '-9223372036854775808'];
  const strs = ['', 'a', 'x'.repeat(63), 'y'.repeat(64), 'z'.repeat(4095), 'w'.repeat(4096), '01', '-0', '9223372036854775808', 'é\u00ff\u0000'];

  test('every entry encoding round trips, integers stored as integers', () => {
    const items = [...ints, ...strs];
    const lp = lpEncode(items);
    expect(lpDecode(lp)).toEqual(items);
    // Entry encodings as lpAppend chooses them.
    expect(lpEncode(['5'])[6]).toBe(5);
    expect(lpEncode(['-1'])[6] & 0xe0).toBe(0xc0);
    expect(lpEncode(['32767'])[6]).toBe(0xf1);
    expect(lpEncode(['8388607'])[6]).toBe(0xf2);
    expect(lpEncode(['2147483647'])[6]).toBe(0xf3);
    expect(lpEncode(['2147483648'])[6]).toBe(0xf4);
    expect(lpEncode(['x'.repeat(63)])[6]).toBe(0x80 | 63);
    expect(lpEncode(['x'.repeat(64)])[6] & 0xf0).toBe(0xe0);
    expect(lpEncode(['x'.repeat(4096)])[6]).toBe(0xf0);
  });

  test('back lengths of 1 to 4 bytes', () => {
    for (const n of [10, 200, 20000, 2100000]) {
      const s = 'q'.repeat(n);
      expect(lpDecode(lpEncode([s, 'a', s]))).toEqual([s, 'a', s]);
    }
  });

  test('an unknown element count (65535) is accepted; a wrong one is not', () => {
    const lp = lpEncode(['a', 'b']);
    lp.writeUInt16LE(65535, 4);
    expect(lpDecode(lp)).toEqual(['a', 'b']);
    lp.writeUInt16LE(3, 4);
    bad(() => lpDecode(lp));
  });

  test('integrity failures', () => {
    const good = lpEncode(['abc', '7', 'hello']);
    const mut = (f: (b: Buffer) => void) => {
      const b = Buffer.from(good);
      f(b);
      return b;
    };
    bad(() => lpDecode(Buffer.from([7, 0, 0, 0, 0, 0])));
    bad(() => lpDecode(mut((b) => b.writeUInt32LE(b.length + 1, 0))));
    bad(() => lpDecode(mut((b) => (b[b.length - 1] = 0))));
    bad(() => lpDecode(mut((b) => (b[6] = 0xf5)))); // unused encoding
    bad(() => lpDecode(mut((b) => (b[6] = 0x80 | 40)))); // string running past the end
    bad(() => lpDecode(mut((b) => (b[10] = 9)))); // wrong back length
    bad(() => lpDecode(Buffer.concat([good.subarray(0, good.length - 1), Buffer.from([0x01, 0xff])]))); // no backlen
    const trailing = Buffer.concat([good.subarray(0, 6), Buffer.from([0xff]), good.subarray(6)]);
    trailing.writeUInt32LE(trailing.length, 0);
    bad(() => lpDecode(trailing)); // EOF before the end
    expect(lpDecode(Buffer.from([7, 0, 0, 0, 0, 0, 0xff]))).toEqual([]);
  });
});

// ---- ziplist -------------------------------------------------------------------------------------------

describe('ziplist', () => {
  test('every entry encoding, including 5-byte prevlens', () => {
    const items = ['0', '12', '13', '-1', '127', '-128', '128', '32767', '-32768', '32768', '8388607', '-8388608', '8388608', '2147483647', '2147483648', '-9223372036854775808', 'abc', '', 'x'.repeat(63), 'y'.repeat(64), 'z'.repeat(300), 'w'.repeat(16384), 'after'];
    const zl = zlEncode(items);
    expect(zlDecode(zl)).toEqual(items);
    expect(zlDecode(zlEncode([]))).toEqual([]);
  });

  test('integrity failures', () => {
    const good = zlEncode(['a', 'bb', '5']);
    const mut = (f: (b: Buffer) => void) => {
      const b = Buffer.from(good);
      f(b);
      return b;
    };
    expect(zlDecode(good)).toEqual(['a', 'bb', '5']);
    bad(() => zlDecode(good.subarray(0, 10)));
    bad(() => zlDecode(mut((b) => b.writeUInt32LE(99, 0))));
    bad(() => zlDecode(mut((b) => (b[b.length - 1] = 0))));
    bad(() => zlDecode(mut((b) => b.writeUInt32LE(b.length, 4)))); // tail past the end
    bad(() => zlDecode(mut((b) => b.writeUInt32LE(10, 4)))); // tail not at the last entry
    bad(() => zlDecode(mut((b) => b.writeUInt16LE(4, 8)))); // count
    bad(() => zlDecode(mut((b) => (b[10] = 1)))); // first prevlen must be 0
    bad(() => zlDecode(mut((b) => (b[11] = 0xc1)))); // invalid encoding
    bad(() => zlDecode(mut((b) => (b[11] = 30)))); // string past the end
    const unknown = mut((b) => b.writeUInt16LE(65535, 8));
    expect(zlDecode(unknown)).toEqual(['a', 'bb', '5']);
  });
});

// ---- intset / zipmap -----------------------------------------------------------------------------------

describe('intset and zipmap', () => {
  test('intsets of 16, 32 and 64 bits', () => {
    for (const m of [['1', '2', '-3'], ['70000', '1'], ['-5000000000', '3']]) {
      const b = intsetEncode(m, parseLL)!;
      expect(b.readUInt32LE(0)).toBe(m === undefined ? 0 : b.readUInt32LE(0));
      expect(intsetDecode(b)).toEqual([...m].sort((a, c) => Number(BigInt(a) - BigInt(c))).map(String));
    }
    expect(intsetEncode(['1', '2'], parseLL)!.readUInt32LE(0)).toBe(2);
    expect(intsetEncode(['1', '70000'], parseLL)!.readUInt32LE(0)).toBe(4);
    expect(intsetEncode(['1', '5000000000'], parseLL)!.readUInt32LE(0)).toBe(8);
    expect(intsetEncode(['a'], parseLL)).toBeNull();
  });

  test('intset integrity: encoding, size, empty, order, duplicates', () => {
    const b = intsetEncode(['1', '2', '3'], parseLL)!;
    bad(() => intsetDecode(b.subarray(0, 7)));
    const e = Buffer.from(b);
    e.writeUInt32LE(3, 0);
    bad(() => intsetDecode(e));
    bad(() => intsetDecode(b.subarray(0, b.length - 1)));
    bad(() => intsetDecode(Buffer.from([2, 0, 0, 0, 0, 0, 0, 0])));
    const unsorted = Buffer.from(b);
    unsorted.writeInt16LE(5, 8);
    bad(() => intsetDecode(unsorted));
    const dup = Buffer.from(b);
    dup.writeInt16LE(2, 8);
    bad(() => intsetDecode(dup));
    // A wider encoding than needed is fine.
    const wide = Buffer.alloc(16);
    wide.writeUInt32LE(4, 0);
    wide.writeUInt32LE(2, 4);
    wide.writeInt32LE(1, 8);
    wide.writeInt32LE(2, 12);
    expect(intsetDecode(wide)).toEqual(['1', '2']);
  });

  test('zipmaps: pairs, free space, long lengths, integrity', () => {
    const pairs: [string, string][] = [['f', 'v'], ['long', 'x'.repeat(300)], ['e', '']];
    expect(zipmapDecode(zipmapEncode(pairs))).toEqual(pairs);
    expect(zipmapDecode(zipmapEncode(pairs, 3))).toEqual(pairs);
    bad(() => zipmapDecode(Buffer.from([0, 0xff])));
    const z = zipmapEncode(pairs);
    z[0] = 2;
    bad(() => zipmapDecode(z));
    z[0] = 254; // unknown count
    expect(zipmapDecode(z)).toEqual(pairs);
    bad(() => zipmapDecode(zipmapEncode(pairs).subarray(0, 20)));
  });
});

// ---- payloads ------------------------------------------------------------------------------------------

describe('payloads', () => {
  const str = (s: string, ver = 10) => buildPayload(Buffer.concat([Buffer.from([0, s.length]), L(s)]), ver);

  test('framing: version, checksum, length', () => {
    expect(verifyDumpPayload(str('a'))).toBe(10);
    expect(verifyDumpPayload(str('a', 9))).toBe(9);
    expect(verifyDumpPayload(str('a', 11))).toBe(-1);
    const p = str('a');
    p[2] ^= 1;
    expect(verifyDumpPayload(p)).toBe(-1);
    expect(verifyDumpPayload(Buffer.alloc(9))).toBe(-1);
    expect(restorePayload(str('a', 11))).toEqual({ ok: false, error: ERR_PAYLOAD_VERSION });
    // Ten bytes with a valid footer but no object.
    expect(restorePayload(buildPayload(Buffer.alloc(0)))).toEqual({ ok: false, error: ERR_BAD_FORMAT });
  });

  test('a string payload is Redis\' layout, bytes left before the footer are ignored', () => {
    const p = createDumpPayload('bar');
    expect(p.subarray(0, 7)).toEqual(Buffer.from([0, 3, 0x62, 0x61, 0x72, 10, 0]));
    expect(restorePayload(p)).toEqual({ ok: true, value: 'bar' });
    expect(restorePayload(buildPayload(Buffer.concat([Buffer.from([0, 1]), L('aXYZ')])))).toEqual({ ok: true, value: 'a' });
    expect(restorePayload(createDumpPayload(12345))).toEqual({ ok: true, value: 12345 });
    expect(restorePayload(createDumpPayload('12345'))).toEqual({ ok: true, value: 12345 });
    expect(restorePayload(createDumpPayload('0123'))).toEqual({ ok: true, value: '0123' });
    expect(restorePayload(createDumpPayload('99999999999999999999'))).toEqual({ ok: true, value: '99999999999999999999' });
  });

  test('every type round trips through its payload', () => {
    const list = RList.from(Array.from({ length: 3000 }, (_, i) => (i % 3 ? 'item' + i : String(i))));
    const hashSmall = RHash.from([['a', '1'], ['b', 'x']]);
    const hashBig = RHash.from(Array.from({ length: 1000 }, (_, i) => ['f' + i, 'v' + i] as [string, string]));
    const setInt = RSet.from(['1', '-5', '70000']);
    const setStr = RSet.from(['a', 'b', '1']);
    const zSmall = RZSet.from([['a', 1], ['b', -2.5], ['c', Infinity]]);
    const zBig = RZSet.from(Array.from({ length: 500 }, (_, i) => ['m' + i, i / 7] as [string, number]));
    const check = (v: RObj, type: number) => {
      const p = createDumpPayload(v);
      expect(p[0]).toBe(type);
      const r = restorePayload(p);
      expect(r.ok).toBe(true);
      return (r as { value: RObj }).value;
    };
    expect((check(list, 18) as RList).toArray()).toEqual(list.toArray());
    expect([...(check(hashSmall, 16) as RHash).entries()]).toEqual([...hashSmall.entries()]);
    expect([...(check(hashBig, 4) as RHash).entries()]).toEqual([...hashBig.entries()]);
    expect([...(check(setInt, 11) as RSet).members()]).toEqual(['-5', '1', '70000']);
    expect(new Set((check(setStr, 2) as RSet).members())).toEqual(new Set(['a', 'b', '1']));
    expect([...(check(zSmall, 17) as RZSet).entries()]).toEqual([...zSmall.entries()]);
    expect([...(check(zBig, 5) as RZSet).entries()]).toEqual([...zBig.entries()]);
  });

  test('quicklist nodes split like RPUSH with list-max-listpack-size', () => {
    const items = Array.from({ length: 1000 }, (_, i) => 'element-' + i);
    const sizes = quicklistNodes(items, -2).map((n) => lpEncode(n).length);
    expect(sizes.length).toBeGreaterThan(1);
    for (const s of sizes) expect(s).toBeLessThanOrEqual(8192);
    expect(quicklistNodes(items, 5).every((n) => n.length <= 5)).toBe(true);
    expect(quicklistNodes(['x'.repeat(10000), 'a', 'b'], -2).map((n) => n.length)).toEqual([1, 2]);
  });

  test('malformed content: empty collections, duplicates, NaN, unknown and unsupported types', () => {
    const fail = (body: number[] | Buffer) => expect(restorePayload(buildPayload(Buffer.from(body)))).toEqual({ ok: false, error: ERR_BAD_FORMAT });
    fail([1, 0]); // empty list
    fail([2, 0]); // empty set
    fail([4, 0]); // empty hash
    fail([5, 0]); // empty zset
    fail([18, 0]); // empty quicklist
    fail([2, 2, 1, 0x61, 1, 0x61]); // duplicate set member
    fail([2, 2, 0xc0, 1, 1, 0x31]); // duplicate: int-encoded 1 and "1"
    fail([4, 2, 1, 0x61, 1, 0x62, 1, 0x61, 1, 0x63]); // duplicate hash field
    const nan = Buffer.alloc(8);
    nan.writeDoubleLE(NaN);
    fail(Buffer.concat([Buffer.from([5, 1, 1, 0x61]), nan]));
    fail([3, 1, 1, 0x61, 253]); // NaN as a string double
    fail([8, 0]); // not an object type
    fail([6, 0]); // module, pre-GA
    fail([7, 0]); // module
    fail([15, 0]); // stream
    fail([19, 0]);
    fail([21, 0]);
    fail([0xc8, 0]); // range index: no codec registered
    fail([100, 0]);
    fail([18, 1, 3, 1, 0x61]); // unknown quicklist container
    fail([18, 1, 1, 0]); // empty plain node
    const emptyLp = Buffer.from([7, 0, 0, 0, 0, 0, 0xff]);
    fail(Buffer.concat([Buffer.from([18, 1, 2, 7]), emptyLp])); // only empty listpacks
    fail(Buffer.concat([Buffer.from([16, 7]), emptyLp]));
    fail(Buffer.concat([Buffer.from([17, 7]), emptyLp]));
    const odd = lpEncode(['a', '1', 'b']);
    fail(Buffer.concat([Buffer.from([16, odd.length]), odd]));
    fail(Buffer.concat([Buffer.from([17, odd.length]), odd]));
    const dupHash = lpEncode(['a', '1', 'a', '2']);
    fail(Buffer.concat([Buffer.from([16, dupHash.length]), dupHash]));
    fail(Buffer.concat([Buffer.from([17, dupHash.length]), dupHash]));
    const dupInt = lpEncode(['7', 'x']);
    dupInt.writeUInt16LE(2, 4);
    const dupMixed = Buffer.concat([dupInt.subarray(0, 6), lpEncode(['7', 'x', '7', 'y']).subarray(6)]);
    dupMixed.writeUInt32LE(dupMixed.length, 0);
    dupMixed.writeUInt16LE(4, 4);
    fail(Buffer.concat([Buffer.from([16, dupMixed.length]), dupMixed]));
    const nanLp = lpEncode(['a', 'nan']);
    fail(Buffer.concat([Buffer.from([17, nanLp.length]), nanLp]));
    const zlOdd = zlEncode(['a', '1', 'b']);
    fail(Buffer.concat([Buffer.from([13, zlOdd.length]), zlOdd]));
    fail(Buffer.concat([Buffer.from([12, zlOdd.length]), zlOdd]));
    const zlEmpty = zlEncode([]);
    fail(Buffer.concat([Buffer.from([10, zlEmpty.length]), zlEmpty]));
    fail(Buffer.concat([Buffer.from([13, zlEmpty.length]), zlEmpty]));
    fail(Buffer.concat([Buffer.from([12, zlEmpty.length]), zlEmpty]));
    fail(Buffer.concat([Buffer.from([14, 1, zlEmpty.length]), zlEmpty]));
    const zm = zipmapEncode([['a', '1'], ['a', '2']]);
    fail(Buffer.concat([Buffer.from([9, zm.length]), zm]));
    const setLpDup = lpEncode(['a', 'a']);
    fail(Buffer.concat([Buffer.from([20, setLpDup.length]), setLpDup]));
    fail(Buffer.concat([Buffer.from([20, 7]), emptyLp]));
  });

  test('legacy encodings decode to the same content', () => {
    const dec = (body: Buffer) => plain(decodePayload(buildPayload(body)));
    const wl = new RdbWriter({ compress: false });
    wl.byte(1);
    wl.len(3);
    for (const s of ['a', '12', 'c']) wl.string(s);
    expect(dec(Buffer.from(wl.result()))).toEqual({ type: 'list', items: ['a', '12', 'c'], rdbType: 1 });
    const zl = zlEncode(['x', '-7', 'y']);
    expect(dec(Buffer.concat([Buffer.from([10, zl.length]), zl]))).toMatchObject({ type: 'list', items: ['x', '-7', 'y'] });
    expect(dec(Buffer.concat([Buffer.from([14, 2, zl.length]), zl, Buffer.from([zl.length]), zl]))).toMatchObject({
      type: 'list',
      items: ['x', '-7', 'y', 'x', '-7', 'y'],
    });
    const zs = zlEncode(['a', '1.5', 'b', '3']);
    expect(dec(Buffer.concat([Buffer.from([12, zs.length]), zs]))).toMatchObject({ type: 'zset', pairs: [['a', 1.5], ['b', 3]] });
    expect(dec(Buffer.concat([Buffer.from([13, zs.length]), zs]))).toMatchObject({ type: 'hash', pairs: [['a', '1.5'], ['b', '3']] });
    const zm = zipmapEncode([['f', 'v']]);
    expect(dec(Buffer.concat([Buffer.from([9, zm.length]), zm]))).toMatchObject({ type: 'hash', pairs: [['f', 'v']] });
    const wz = new RdbWriter({ compress: false });
    wz.byte(3);
    wz.len(3);
    for (const [m, s] of [['a', 0.1], ['b', -Infinity], ['c', 1e300]] as [string, number][]) {
      wz.string(m);
      writeStringDouble(wz, s);
    }
    expect(dec(Buffer.from(wz.result()))).toMatchObject({ type: 'zset', pairs: [['a', 0.1], ['b', -Infinity], ['c', 1e300]] });
    const sl = lpEncode(['a', 'b', '3']);
    expect(dec(Buffer.concat([Buffer.from([20, sl.length]), sl]))).toMatchObject({ type: 'set', members: ['a', 'b', '3'] });
    // Quicklist v2 with a plain node between packed ones.
    const lp = lpEncode(['p', 'q']);
    expect(dec(Buffer.concat([Buffer.from([18, 3, 2, lp.length]), lp, Buffer.from([1, 3]), L('big'), Buffer.from([2, lp.length]), lp]))).toMatchObject({
      items: ['p', 'q', 'big', 'p', 'q'],
    });
    // An empty listpack node among others is skipped.
    const emptyLp = Buffer.from([7, 0, 0, 0, 0, 0, 0xff]);
    expect(dec(Buffer.concat([Buffer.from([18, 2, 2, 7]), emptyLp, Buffer.from([2, lp.length]), lp]))).toMatchObject({ items: ['p', 'q'] });
  });

  test('listpack scores are read like strtod (Redis 7.0 does not validate them)', () => {
    const lp = lpEncode(['a', 'xyz', 'b', '1.5abc', 'c', ' 2']);
    const d = plain(decodePayload(buildPayload(Buffer.concat([Buffer.from([17, lp.length]), lp]))));
    expect(d).toMatchObject({ type: 'zset', pairs: [['a', 0], ['b', 1.5], ['c', 2]] });
  });

  test('materialize picks the encodings Redis loading would', () => {
    const enc = (d: DecodedValue) => (materialize(d) as RObj).encoding();
    expect(enc({ type: 'set', members: new Set(['1', '2']), rdbType: 2 })).toBe('intset');
    expect(enc({ type: 'set', members: new Set(['1', 'a']), rdbType: 2 })).toBe('hashtable');
    expect(enc({ type: 'set', members: new Set(Array.from({ length: 600 }, (_, i) => String(i))), rdbType: 11 })).toBe('hashtable');
    expect(enc({ type: 'hash', pairs: new Map([['a', 'b']]), rdbType: 4 })).toBe('listpack');
    expect(enc({ type: 'hash', pairs: new Map([['a', 'b'.repeat(65)]]), rdbType: 4 })).toBe('hashtable');
    // A listpack payload keeps its encoding whatever the lengths (Redis only checks the count).
    expect(enc({ type: 'hash', pairs: new Map([['a', 'b'.repeat(65)]]), rdbType: 16 })).toBe('listpack');
    expect(enc({ type: 'hash', pairs: new Map(Array.from({ length: 513 }, (_, i) => ['f' + i, 'v'] as [string, string])), rdbType: 16 })).toBe('hashtable');
    expect(enc({ type: 'zset', pairs: new Map([['a', 1]]), rdbType: 5 })).toBe('listpack');
    expect(enc({ type: 'zset', pairs: new Map(Array.from({ length: 129 }, (_, i) => ['m' + i, i] as [string, number])), rdbType: 17 })).toBe('skiplist');
    expect(enc({ type: 'list', items: ['a'], rdbType: 1 })).toBe('quicklist');
  });
});

// ---- extension registry ----------------------------------------------------------------------------------

describe('registerRdbType', () => {
  class Blob implements RObj {
    readonly type = 'blobtype';
    constructor(readonly data: string) {}
    encoding(): string {
      return 'raw';
    }
  }
  const T = 0xd0;
  afterEach(() => unregisterRdbType(T));

  test('refuses Redis type bytes and double registration', () => {
    expect(() => registerRdbType(5, () => false, () => '')).toThrow();
    expect(() => registerRdbType(0xff, () => false, () => '')).toThrow();
    expect(() => registerRdbType(256, () => false, () => '')).toThrow();
    registerRdbType(T, () => false, () => '');
    expect(() => registerRdbType(T, () => false, () => '')).toThrow();
  });

  test('values of a registered type dump and restore', () => {
    registerRdbType(
      T,
      (v, w) => {
        if (!(v instanceof Blob)) return false;
        w.string(v.data);
        return true;
      },
      (r) => {
        const s = r.string();
        if (s === 'boom') throw new Error('decoder failure');
        return new Blob(s);
      },
    );
    const p = createDumpPayload(new Blob('hello'));
    expect(p[0]).toBe(T);
    const r = restorePayload(p);
    expect(r.ok && r.value instanceof Blob && r.value.data).toBe('hello');
    // A decoder that throws anything is a bad payload, not a crash.
    expect(restorePayload(createDumpPayload(new Blob('boom')))).toEqual({ ok: false, error: ERR_BAD_FORMAT });
    expect(RDB_TYPE_STRATA_RANGEINDEX).toBeGreaterThanOrEqual(32);
  });
});

// ---- handlers --------------------------------------------------------------------------------------------

describe('DUMP / RESTORE handlers', () => {
  let c: Client;
  let rewritten: string[] | null = null;
  const origRewrite = keyspaceHooks.rewriteArgv;
  beforeEach(() => {
    c = { resp: 2, out: null, opos: 0, mute: false, requestFlush() {}, db: new Db(0) } as unknown as Client;
    rewritten = null;
    keyspaceHooks.rewriteArgv = (_c, argv) => {
      rewritten = argv;
    };
  });
  afterAll(() => {
    keyspaceHooks.rewriteArgv = origRewrite;
  });
  const run = (...argv: (string | Buffer)[]): string => {
    const a = argv.map((x) => (typeof x === 'string' ? x : x.toString('latin1')));
    c.out = null;
    c.opos = 0;
    commands[a[0].toLowerCase()](c, a);
    return c.out === null ? '' : (c.out as unknown as Buffer).toString('latin1', 0, c.opos);
  };
  const payload = (v: string) => createDumpPayload(v);

  test('DUMP of a missing key is nil, of a value its payload', () => {
    expect(run('dump', 'nokey')).toBe('$-1\r\n');
    c.db.set('k', 'bar');
    const p = createDumpPayload('bar');
    expect(run('dump', 'k')).toBe(`$${p.length}\r\n${p.toString('latin1')}\r\n`);
  });

  test('DUMP of a value no codec knows is an error reply', () => {
    const odd: RObj = { type: 'oddtype', encoding: () => 'odd' };
    c.db.set('odd', odd);
    expect(run('dump', 'odd')).toBe("-ERR DUMP is not supported for values of type 'oddtype'\r\n");
  });

  test('argument errors, in Redis order', () => {
    c.db.set('busy', 'x');
    expect(run('restore', 'k', '0', 'xx', 'FREQ', '1', 'IDLETIME', '2')).toBe('-ERR syntax error\r\n');
    expect(run('restore', 'k', '0', 'xx', 'IDLETIME', '1', 'FREQ', '2')).toBe('-ERR syntax error\r\n');
    expect(run('restore', 'k', '0', 'xx', 'IDLETIME', '-1')).toBe('-ERR Invalid IDLETIME value, must be >= 0\r\n');
    expect(run('restore', 'k', '0', 'xx', 'FREQ', '256')).toBe('-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n');
    expect(run('restore', 'k', '0', 'xx', 'FREQ', 'x')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(run('restore', 'k', '0', 'xx', 'IDLETIME')).toBe('-ERR syntax error\r\n');
    expect(run('restore', 'k', '0', 'xx', 'BLAH')).toBe('-ERR syntax error\r\n');
    expect(run('restore', 'busy', 'abc', 'xx')).toBe('-BUSYKEY Target key name already exists.\r\n');
    expect(run('restore', 'k', 'abc', 'xx')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(run('restore', 'k', '-1', 'xx')).toBe('-ERR Invalid TTL value, must be >= 0\r\n');
    expect(run('restore', 'k', '0', 'xx')).toBe('-ERR DUMP payload version or checksum are wrong\r\n');
    expect(run('restore', 'k', '0', buildPayload(Buffer.from([1, 0])))).toBe('-ERR Bad data format\r\n');
    expect(run('restore', 'k', '0', payload('v'), 'replace', 'absttl', 'idletime', '5')).toBe('+OK\r\n');
    expect(run('restore', 'k2', '0', payload('v'), 'FREQ', '255', 'FREQ', '0')).toBe('+OK\r\n');
  });

  test('TTL: relative, ABSTTL, 0 = none, past deletes; REPLACE; propagation rewrites', () => {
    const now = Date.now();
    expect(run('restore', 'a', '0', payload('1'))).toBe('+OK\r\n');
    expect(c.db.get('a')).toBe(1);
    expect(c.db.getExpire('a')).toBeUndefined();
    expect(rewritten).toBeNull();

    expect(run('restore', 'b', '10000', payload('x'))).toBe('+OK\r\n');
    const when = c.db.getExpire('b')!;
    expect(when).toBeGreaterThanOrEqual(now + 10000);
    expect(rewritten).toEqual(['restore', 'b', String(when), payload('x').toString('latin1'), 'ABSTTL']);

    rewritten = null;
    expect(run('restore', 'c', String(now + 60000), payload('y'), 'ABSTTL')).toBe('+OK\r\n');
    expect(c.db.getExpire('c')).toBe(now + 60000);
    expect(rewritten).toBeNull();

    expect(run('restore', 'c', '0', payload('z'))).toBe('-BUSYKEY Target key name already exists.\r\n');
    expect(run('restore', 'c', '0', payload('z'), 'REPLACE')).toBe('+OK\r\n');
    expect(c.db.get('c')).toBe('z');
    expect(c.db.getExpire('c')).toBeUndefined();

    // A past absolute TTL: OK, the key is deleted (REPLACE) or not created.
    expect(run('restore', 'c', '1', payload('w'), 'REPLACE', 'ABSTTL')).toBe('+OK\r\n');
    expect(c.db.has('c')).toBe(false);
    expect(rewritten).toEqual(['DEL', 'c']);
    rewritten = null;
    expect(run('restore', 'd', '1', payload('w'), 'ABSTTL')).toBe('+OK\r\n');
    expect(c.db.has('d')).toBe(false);
    expect(rewritten).toBeNull();
    // A relative TTL that overflows int64 wraps into the past, as in Redis.
    expect(run('restore', 'e', '9223372036854775807', payload('w'))).toBe('+OK\r\n');
    expect(c.db.has('e')).toBe(false);
    // RESTORE-ASKING is the same command.
    expect(run('restore-asking', 'f', '0', payload('v'))).toBe('+OK\r\n');
    expect(c.db.get('f')).toBe('v');
  });

  test('restored objects keep working with their type classes', () => {
    const l = RList.from(['a', 'b']);
    expect(run('restore', 'l', '0', createDumpPayload(l))).toBe('+OK\r\n');
    expect((c.db.get('l') as RList).toArray()).toEqual(['a', 'b']);
    const p = fixCrc(Buffer.from(createDumpPayload(l)));
    expect(run('restore', 'l2', '0', p)).toBe('+OK\r\n');
  });
});

// The shared C-semantics helpers of src/util/: integer parsing (strconv.ts), sdssplitargs (splitargs.ts),
// sdscatrepr (repr.ts). The per-caller suites (config, string, keyspace, protocol) pin the same rules
// through their own entry points; this file covers the flavours they do not.
import { string2ll, parseLL, parseInt64, safeIntOf, strtoll, atoi } from '../../src/util/strconv';
import { splitArgs } from '../../src/util/splitargs';
import { repr } from '../../src/util/repr';

const NOT_INTEGERS = ['', '-', '-0', '+1', ' 1', '1 ', '01', '00', '1.0', 'a', '1\0', '123456789012345678901'];

describe('string2ll flavours agree', () => {
  test('exact, fast, number and safe-int views of the same value', () => {
    const cases: [string, bigint][] = [
      ['0', 0n],
      ['-1', -1n],
      ['9007199254740991', 9007199254740991n],
      ['-9007199254740991', -9007199254740991n],
      ['9007199254740993', 9007199254740993n],
      ['9223372036854775807', 9223372036854775807n],
      ['-9223372036854775808', -9223372036854775808n],
    ];
    for (const [s, v] of cases) {
      expect(string2ll(s)).toBe(v);
      const safe = v <= 9007199254740991n && v >= -9007199254740991n;
      expect(parseLL(s)).toBe(safe ? Number(v) : v);
      expect(parseInt64(s)).toBe(Number(v)); // rounded to the nearest double beyond 2^53
      expect(safeIntOf(s)).toBe(safe ? Number(v) : NaN);
    }
  });
  test('everything rejects the same texts', () => {
    for (const bad of [...NOT_INTEGERS, '9223372036854775808', '-9223372036854775809']) {
      expect(string2ll(bad)).toBeNull();
      expect(parseLL(bad)).toBeNull();
      expect(parseInt64(bad)).toBeNull();
      expect(safeIntOf(bad)).toBeNaN();
    }
  });
});

describe('strtoll / atoi (libc)', () => {
  test('leading space, sign, partial parse, clamping', () => {
    expect(strtoll('  -42abc')).toEqual({ value: -42n, end: 5, overflow: false });
    expect(strtoll('+7')).toEqual({ value: 7n, end: 2, overflow: false });
    expect(strtoll('x1')).toEqual({ value: 0n, end: 0, overflow: false });
    expect(strtoll('9223372036854775808')).toEqual({ value: 9223372036854775807n, end: 19, overflow: true });
    expect(strtoll('-9223372036854775809')).toEqual({ value: -9223372036854775808n, end: 20, overflow: true });
    expect(strtoll('0778', 8)).toEqual({ value: 63n, end: 3, overflow: false });
  });
  test('a long digit run clamps without building a huge bigint', () => {
    const digits = '9'.repeat(1_000_000);
    const t0 = Date.now();
    expect(strtoll(digits)).toEqual({ value: 9223372036854775807n, end: 1_000_000, overflow: true });
    expect(strtoll('-' + digits).value).toBe(-9223372036854775808n);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
  test('atoi truncates the clamped value to a C int', () => {
    expect(atoi('12abc')).toBe(12);
    expect(atoi(' \t-3')).toBe(-3);
    expect(atoi('abc')).toBe(0);
    expect(atoi('4294967297')).toBe(1);
    expect(atoi('2147483648')).toBe(-2147483648);
    expect(atoi('99999999999999999999')).toBe(-1); // LLONG_MAX truncated
  });
});

describe('splitArgs (sdssplitargs on a C string)', () => {
  test('a NUL byte ends the line, also inside quotes', () => {
    expect(splitArgs('a\x00b c')).toEqual(['a']);
    expect(splitArgs('set k "v\x00w"')).toBeNull();
    expect(splitArgs("set k 'v\x00w'")).toBeNull();
    expect(splitArgs('\x00set k v')).toEqual([]);
  });
  test('any other byte is data', () => {
    expect(splitArgs('"\\xff\\x00" \xe9')).toEqual(['\xff\x00', '\xe9']);
  });
});

describe('repr (sdscatrepr)', () => {
  test('escapes', () => {
    expect(repr('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(repr('\n\r\t\x07\b')).toBe('"\\n\\r\\t\\a\\b"');
    expect(repr('\x00\x1f\x7f\x80\xff~ ')).toBe('"\\x00\\x1f\\x7f\\x80\\xff~ "');
    expect(repr('')).toBe('""');
  });
});

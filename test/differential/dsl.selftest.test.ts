// Self-test of the differential harness: its comparators, and that a real difference between two
// servers is reported (two redis-servers configured differently stand in for Strata and Redis).
import { compareSorted, compareTtl, compareShape, runScript, formatMismatches, Script, sorted, pairs, scan, ttl } from './dsl';
import { encodeCommand } from '../helpers/resp';
import { redisAvailable, startRedis, warnRedisMissing } from '../helpers/servers';

const B = (s: string) => Buffer.from(s, 'latin1');

describe('differential DSL comparators', () => {
  it('sorted compares aggregates as multisets', () => {
    expect(compareSorted(B('*2\r\n$1\r\na\r\n$1\r\nb\r\n'), B('*2\r\n$1\r\nb\r\n$1\r\na\r\n'))).toBe(true);
    expect(compareSorted(B('*2\r\n$1\r\na\r\n$1\r\na\r\n'), B('*2\r\n$1\r\na\r\n$1\r\nb\r\n'))).toBe(false);
    expect(compareSorted(B('*1\r\n$1\r\na\r\n'), B('~1\r\n$1\r\na\r\n'))).toBe(false);
    expect(compareSorted(B('-ERR x\r\n'), B('-ERR x\r\n'))).toBe(true);
  });
  it('pairs keeps name/value together', () => {
    const a = B('*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n');
    const b = B('*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n');
    const c = B('*4\r\n$1\r\nb\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n');
    expect(compareSorted(a, b, true)).toBe(true);
    expect(compareSorted(a, c, true)).toBe(false);
    expect(compareSorted(B('%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:2\r\n'), B('%2\r\n$1\r\nb\r\n:2\r\n$1\r\na\r\n:1\r\n'))).toBe(true);
  });
  it('ttl tolerance, exact for negatives', () => {
    expect(compareTtl(B(':100\r\n'), B(':99\r\n'), 1)).toBe(true);
    expect(compareTtl(B(':100\r\n'), B(':97\r\n'), 1)).toBe(false);
    expect(compareTtl(B(':-1\r\n'), B(':-2\r\n'), 5)).toBe(false);
    expect(compareTtl(B(':-1\r\n'), B(':0\r\n'), 5)).toBe(false);
  });
  it('shape ignores scalar values but not types, lengths, map keys or error codes', () => {
    expect(compareShape(B('%1\r\n$2\r\nid\r\n:5\r\n'), B('%1\r\n$2\r\nid\r\n:7\r\n'))).toBe(true);
    expect(compareShape(B('%1\r\n$2\r\nid\r\n:5\r\n'), B('%1\r\n$2\r\nID\r\n:5\r\n'))).toBe(false);
    expect(compareShape(B(':5\r\n'), B('$1\r\n5\r\n'))).toBe(false);
    expect(compareShape(B('-ERR a\r\n'), B('-ERR b\r\n'))).toBe(true);
    expect(compareShape(B('-ERR a\r\n'), B('-NOPROTO b\r\n'))).toBe(false);
  });
  it('encodes binary argv', () => {
    expect(encodeCommand(['SET', B('\x00\xff'), 5]).toString('latin1')).toBe('*3\r\n$3\r\nSET\r\n$2\r\n\x00\xff\r\n$1\r\n5\r\n');
  });
});

const maybe = redisAvailable() ? describe : describe.skip;
if (!redisAvailable()) warnRedisMissing('DSL self-test');

maybe('differential runner reports real differences', () => {
  it('flags a reply difference, passes identical ones', async () => {
    const [a, b] = await Promise.all([startRedis({ args: ['--databases', '4'] }), startRedis()]);
    try {
      const script: Script = {
        name: 'selftest',
        steps: [
          ['SET', 'k', 'v'],
          ['SELECT', '1'],
          ['SELECT', '5'],
          ['SELECT', '0'],
          sorted(['KEYS', '*']),
          pairs(['CONFIG', 'GET', 'databases', 'timeout']),
          scan(['SCAN', '0', 'COUNT', '2']),
          ttl(['TTL', 'k']),
        ],
      };
      const res = await runScript(a!.port, b!.port, script, false);
      const text = formatMismatches(script, false, res.mismatches);
      expect(res.mismatches.map((m) => m.index)).toEqual([2, 5]);
      expect(text).toContain('SELECT 5');
      expect(text).toContain('strata: "-ERR DB index is out of range\\r\\n"');
      expect(text).toContain('redis:  "+OK\\r\\n"');
      const res3 = await runScript(a!.port, b!.port, { ...script, steps: script.steps.filter((_, i) => i !== 2 && i !== 5) }, true);
      expect(res3.mismatches).toEqual([]);
    } finally {
      await Promise.all([a?.stop(), b?.stop()]);
    }
  });
});

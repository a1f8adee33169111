// RI.* commands against a real Strata process: every grammar branch and error text of Garnet's
// RespServerSessionRangeIndex.cs (docs/RANGEINDEX.md, garnet.md §A2), Strata's decisions (MINRECORD 1,
// RI.DEL :0, RI.RANGE start > end, MEMORY scans, full MEMORY index), the extensions RI.MSET/MGET/MDEL/
// COUNT, RESP2/RESP3 null shapes, WRONGTYPE in both directions, ACL categories and COMMAND metadata.
import { startStrata, stopAll, ServerHandle } from '../helpers/servers';
import { RespClient, decodeReply, toJS } from '../helpers/resp';

let h: ServerHandle;
let c: RespClient;
let c3: RespClient;

beforeAll(async () => {
  h = await startStrata();
  c = await RespClient.connect(h.port);
  c3 = await RespClient.connect(h.port);
  await c3.call('HELLO', '3');
}, 30000);
afterAll(async () => {
  c?.close();
  c3?.close();
  await stopAll();
});

type Arg = string | Buffer;
async function raw(...argv: Arg[]): Promise<string> {
  return (await c.call(...argv)).toString('latin1');
}
async function raw3(...argv: Arg[]): Promise<string> {
  return (await c3.call(...argv)).toString('latin1');
}
async function js(...argv: Arg[]): Promise<unknown> {
  return toJS(decodeReply(await c.call(...argv)).value);
}
/** Flat array reply as latin1 strings. */
async function flat(...argv: Arg[]): Promise<string[]> {
  const v = decodeReply(await c.call(...argv)).value;
  if (v.type !== 'array' || v.value === null) throw new Error(`${String(argv[0])}: not an array: ${JSON.stringify(toJS(v))}`);
  return v.value.map((x) => ((x as { value: Buffer }).value ?? Buffer.from('<nil>')).toString('latin1'));
}
async function config(key: string): Promise<Record<string, string>> {
  const a = await flat('RI.CONFIG', key);
  const o: Record<string, string> = {};
  for (let i = 0; i < a.length; i += 2) o[a[i]] = a[i + 1];
  return o;
}

const WT_RI = '-WRONGTYPE Operation against a key holding the wrong kind of value.\r\n';
const WT_REDIS = '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n';
const NOT_FOUND = '-ERR range index not found\r\n';
const NO_SUCH = '-ERR no such range index\r\n';

describe('RI.CREATE', () => {
  test('defaults, duplicate, WRONGTYPE', async () => {
    expect(await raw('RI.CREATE', 'c:def')).toBe('+OK\r\n');
    expect(await config('c:def')).toEqual({
      storage_backend: 'DISK',
      cache_size: '16777216',
      min_record_size: '1',
      max_record_size: '1024',
      max_key_len: '128',
      leaf_page_size: '4096',
    });
    expect(await raw('RI.CONFIG', 'c:def')).toBe(
      '*12\r\n$15\r\nstorage_backend\r\n$4\r\nDISK\r\n$10\r\ncache_size\r\n$8\r\n16777216\r\n$15\r\nmin_record_size\r\n$1\r\n1\r\n' +
        '$15\r\nmax_record_size\r\n$4\r\n1024\r\n$11\r\nmax_key_len\r\n$3\r\n128\r\n$14\r\nleaf_page_size\r\n$4\r\n4096\r\n',
    );
    expect(await raw('RI.CREATE', 'c:def')).toBe('-ERR index already exists\r\n');
    expect(await raw('RI.CREATE', 'c:def', 'MEMORY')).toBe('-ERR index already exists\r\n');
    await raw('SET', 'c:str', 'x');
    expect(await raw('RI.CREATE', 'c:str')).toBe(WT_RI);
    expect(await raw('RI.CREATE')).toBe("-ERR wrong number of arguments for 'RI.CREATE' command\r\n");
  });

  test('options: any order, case-insensitive, repeats (last wins)', async () => {
    expect(
      await raw('ri.create', 'c:opt', 'pagesize', '8192', 'MEMORY', 'cachesize', '1048576', 'MinRecord', '4', 'MAXRECORD', '2000', 'maxkeylen', '64', 'DISK', 'CACHESIZE', '2097152'),
    ).toBe('+OK\r\n');
    expect(await config('c:opt')).toEqual({
      storage_backend: 'DISK',
      cache_size: '2097152',
      min_record_size: '4',
      max_record_size: '2000',
      max_key_len: '64',
      leaf_page_size: '8192',
    });
    expect(await raw('RI.CREATE', 'c:mem', 'MEMORY')).toBe('+OK\r\n');
    expect((await config('c:mem')).storage_backend).toBe('MEMORY');
  });

  test('PAGESIZE auto rule (Garnet ComputeLeafPageSize)', async () => {
    const cases: [string, string][] = [
      ['2048', '4096'],
      ['2049', '8192'], // 2.5 * 2049 = 5122.5 -> 8192
      ['3000', '8192'],
      ['7000', '32768'], // 17500 -> 32768
      ['20000', '32768'],
    ];
    for (const [maxrec, page] of cases) {
      expect(await raw('RI.CREATE', `c:auto:${maxrec}`, 'MAXRECORD', maxrec, 'PAGESIZE', '0')).toBe('+OK\r\n');
      expect([maxrec, (await config(`c:auto:${maxrec}`)).leaf_page_size]).toEqual([maxrec, page]);
    }
  });

  test('option errors', async () => {
    for (const kw of ['CACHESIZE', 'MINRECORD', 'MAXRECORD', 'MAXKEYLEN', 'PAGESIZE']) {
      expect(await raw('RI.CREATE', 'c:e', kw)).toBe(`-ERR ${kw} requires a value\r\n`);
      expect(await raw('RI.CREATE', 'c:e', kw.toLowerCase())).toBe(`-ERR ${kw} requires a value\r\n`);
    }
    expect(await raw('RI.CREATE', 'c:e', 'BOGUS')).toBe('-ERR unknown option\r\n');
    expect(await raw('RI.CREATE', 'c:e', 'DISK', 'path')).toBe('-ERR unknown option\r\n');
    expect(await raw('RI.CREATE', 'c:e', 'CACHESIZE', 'abc')).toBe('-ERR value is not an integer or out of range\r\n');
    for (const kw of ['CACHESIZE', 'MINRECORD', 'MAXRECORD', 'MAXKEYLEN']) {
      expect(await raw('RI.CREATE', 'c:e', kw, '0')).toBe('-ERR numeric options must be greater than zero\r\n');
      expect(await raw('RI.CREATE', 'c:e', kw, '-5')).toBe('-ERR numeric options must be greater than zero\r\n');
    }
    expect(await raw('RI.CREATE', 'c:e', 'MINRECORD', '100', 'MAXRECORD', '99')).toBe('-ERR MINRECORD must not exceed MAXRECORD\r\n');
    expect(await raw('RI.CREATE', 'c:e', 'MAXKEYLEN', '2000', 'MAXRECORD', '1024')).toBe(
      '-ERR cb_max_key_len cannot be greater than cb_max_record_size\r\n',
    );
    expect(await raw('RI.CREATE', 'c:e', 'PAGESIZE', '65536')).toBe('-ERR leaf_page_size cannot be larger than 32768\r\n');
    for (const p of ['5000', '2048', '12288', '1']) {
      expect(await raw('RI.CREATE', 'c:e', 'PAGESIZE', p)).toBe('-ERR leaf_page_size should be a power of two between 4096 and 32768\r\n');
    }
    expect(await raw('RI.CREATE', 'c:e', 'PAGESIZE', '4096', 'MAXRECORD', '4096', 'MAXKEYLEN', '100')).toBe(
      '-ERR In non cache-only mode, given the leaf_page_size the corresponding cb_max_record_size should be <= 4032\r\n',
    );
    expect(await raw('RI.CREATE', 'c:e', 'MEMORY', 'PAGESIZE', '4096', 'MAXRECORD', '4033')).toBe(
      '-ERR In cache-only mode, given the leaf_page_size the corresponding cb_max_record_size should be <= 4032\r\n',
    );
    expect(await raw('RI.CREATE', 'c:e', 'MAXRECORD', '32768')).toBe(
      '-ERR In non cache-only mode, given the leaf_page_size the corresponding cb_max_record_size should be <= 32704\r\n',
    );
    expect(await raw('EXISTS', 'c:e')).toBe(':0\r\n');
  });
});

describe('point operations', () => {
  beforeAll(async () => {
    await raw('RI.CREATE', 'p', 'MINRECORD', '4', 'MAXRECORD', '64', 'MAXKEYLEN', '16');
  });

  test('RI.SET / RI.GET / RI.DEL', async () => {
    expect(await raw('RI.SET', 'p', 'apple', 'red')).toBe('+OK\r\n');
    expect(await raw('RI.GET', 'p', 'apple')).toBe('$3\r\nred\r\n');
    expect(await raw('RI.SET', 'p', 'apple', 'green')).toBe('+OK\r\n'); // upsert
    expect(await raw('RI.GET', 'p', 'apple')).toBe('$5\r\ngreen\r\n');
    expect(await raw('RI.GET', 'p', 'pear')).toBe('$-1\r\n');
    expect(await raw3('RI.GET', 'p', 'pear')).toBe('_\r\n');
    expect(await raw('RI.DEL', 'p', 'apple')).toBe(':1\r\n');
    expect(await raw('RI.DEL', 'p', 'apple')).toBe(':0\r\n');
    expect(await raw('RI.GET', 'p', 'apple')).toBe('$-1\r\n');
  });

  test('binary-safe fields and values', async () => {
    const f = Buffer.from([0, 0xff, 0x0d, 0x0a]);
    const v = Buffer.from([0xfe, 0, 1, 2, 3]);
    expect(await raw('RI.SET', 'p', f, v)).toBe('+OK\r\n');
    expect(Buffer.from(await c.call('RI.GET', 'p', f)).equals(Buffer.concat([Buffer.from('$5\r\n'), v, Buffer.from('\r\n')]))).toBe(true);
    expect(await raw('RI.DEL', 'p', f)).toBe(':1\r\n');
  });

  test('record size checks (Garnet InvalidKV text)', async () => {
    expect(await raw('RI.SET', 'p', 'ab', 'c')).toBe('-ERR key+value size must be between 4 and 64 bytes (got 3), max key length 16 (got 2)\r\n');
    expect(await raw('RI.SET', 'p', 'k'.repeat(17), 'v')).toBe(
      '-ERR key+value size must be between 4 and 64 bytes (got 18), max key length 16 (got 17)\r\n',
    );
    expect(await raw('RI.SET', 'p', 'key', 'v'.repeat(62))).toBe(
      '-ERR key+value size must be between 4 and 64 bytes (got 65), max key length 16 (got 3)\r\n',
    );
    expect(await raw('RI.SET', 'p', 'key', 'v'.repeat(61))).toBe('+OK\r\n'); // exactly 64
    expect(await raw('RI.SET', 'p', 'k'.repeat(16), '')).toBe('+OK\r\n'); // key 16, total 16
  });

  test('default MINRECORD 1 accepts a 1-byte record', async () => {
    await raw('RI.CREATE', 'p1');
    expect(await raw('RI.SET', 'p1', 'a', '')).toBe('+OK\r\n');
    expect(await raw('RI.GET', 'p1', 'a')).toBe('$0\r\n\r\n');
    expect(await raw('RI.SET', 'p1', '', '')).toBe('-ERR key+value size must be between 1 and 1024 bytes (got 0), max key length 128 (got 0)\r\n');
  });

  test('missing key and WRONGTYPE', async () => {
    await raw('SET', 'str', 'x');
    expect(await raw('RI.SET', 'nokey', 'f', 'v')).toBe(NO_SUCH);
    expect(await raw('RI.GET', 'nokey', 'f')).toBe(NOT_FOUND);
    expect(await raw('RI.DEL', 'nokey', 'f')).toBe(NOT_FOUND);
    for (const argv of [
      ['RI.SET', 'str', 'f', 'v'],
      ['RI.GET', 'str', 'f'],
      ['RI.DEL', 'str', 'f'],
      ['RI.SCAN', 'str', '', 'COUNT', '1'],
      ['RI.RANGE', 'str', 'a', 'b'],
      ['RI.CONFIG', 'str'],
      ['RI.METRICS', 'str'],
      ['RI.MSET', 'str', 'f', 'v'],
      ['RI.MGET', 'str', 'f'],
      ['RI.MDEL', 'str', 'f'],
      ['RI.COUNT', 'str'],
    ]) {
      expect([argv[0], await raw(...argv)]).toEqual([argv[0], WT_RI]);
    }
    expect(await raw('RI.EXISTS', 'str')).toBe(':0\r\n');
  });

  test('arity', async () => {
    expect(await raw('RI.SET', 'p', 'f')).toBe("-ERR wrong number of arguments for 'RI.SET' command\r\n");
    expect(await raw('RI.SET', 'p', 'f', 'v', 'x')).toBe("-ERR wrong number of arguments for 'RI.SET' command\r\n");
    expect(await raw('RI.GET', 'p')).toBe("-ERR wrong number of arguments for 'RI.GET' command\r\n");
    expect(await raw('RI.DEL', 'p', 'a', 'b')).toBe("-ERR wrong number of arguments for 'RI.DEL' command\r\n");
    expect(await raw('RI.SCAN', 'p', 'a', 'COUNT')).toBe("-ERR wrong number of arguments for 'RI.SCAN' command\r\n");
    expect(await raw('RI.RANGE', 'p', 'a')).toBe("-ERR wrong number of arguments for 'RI.RANGE' command\r\n");
    expect(await raw('RI.EXISTS', 'p', 'x')).toBe("-ERR wrong number of arguments for 'RI.EXISTS' command\r\n");
    expect(await raw('RI.CONFIG')).toBe("-ERR wrong number of arguments for 'RI.CONFIG' command\r\n");
    expect(await raw('RI.METRICS', 'a', 'b')).toBe("-ERR wrong number of arguments for 'RI.METRICS' command\r\n");
    expect(await raw('RI.MSET', 'p', 'f', 'v', 'g')).toBe("-ERR wrong number of arguments for 'RI.MSET' command\r\n");
    expect(await raw('RI.MGET', 'p')).toBe("-ERR wrong number of arguments for 'RI.MGET' command\r\n");
    expect(await raw('RI.MDEL', 'p')).toBe("-ERR wrong number of arguments for 'RI.MDEL' command\r\n");
    expect(await raw('RI.COUNT')).toBe("-ERR wrong number of arguments for 'RI.COUNT' command\r\n");
    expect(await raw('RI.COUNT', 'p', 'a')).toBe('-ERR syntax error\r\n');
    expect(await raw('RI.COUNT', 'p', 'a', 'b', 'c')).toBe('-ERR syntax error\r\n');
  });
});

describe('RI.SCAN / RI.RANGE', () => {
  const fields = ['a', 'b', 'ba', 'bb', 'c', 'd\x00', 'd\xff', 'e'];
  beforeAll(async () => {
    for (const backend of ['DISK', 'MEMORY']) {
      await raw('RI.CREATE', `s:${backend}`, backend);
      for (const f of fields) await raw('RI.SET', `s:${backend}`, Buffer.from(f, 'latin1'), Buffer.from('v:' + f, 'latin1'));
    }
  });

  test.each(['DISK', 'MEMORY'])('RI.SCAN on %s', async (backend) => {
    const k = `s:${backend}`;
    expect(await raw('RI.SCAN', k, 'b', 'COUNT', '2')).toBe('*2\r\n*2\r\n$1\r\nb\r\n$3\r\nv:b\r\n*2\r\n$2\r\nba\r\n$4\r\nv:ba\r\n');
    expect(await raw('RI.SCAN', k, 'b', 'COUNT', '2', 'FIELDS', 'KEY')).toBe('*2\r\n$1\r\nb\r\n$2\r\nba\r\n');
    expect(await raw('RI.SCAN', k, 'b', 'COUNT', '2', 'fields', 'value')).toBe('*2\r\n$3\r\nv:b\r\n$4\r\nv:ba\r\n');
    expect(await raw('RI.SCAN', k, 'b', 'count', '1', 'FIELDS', 'BOTH')).toBe('*1\r\n*2\r\n$1\r\nb\r\n$3\r\nv:b\r\n');
    // unknown FIELDS value -> BOTH; FIELDS without a value, or not at position 5 -> ignored; extra args ignored
    expect(await raw('RI.SCAN', k, 'b', 'COUNT', '1', 'FIELDS', 'nope')).toBe('*1\r\n*2\r\n$1\r\nb\r\n$3\r\nv:b\r\n');
    expect(await raw('RI.SCAN', k, 'b', 'COUNT', '1', 'FIELDS')).toBe('*1\r\n*2\r\n$1\r\nb\r\n$3\r\nv:b\r\n');
    expect(await raw('RI.SCAN', k, 'b', 'COUNT', '1', 'x', 'FIELDS', 'KEY')).toBe('*1\r\n*2\r\n$1\r\nb\r\n$3\r\nv:b\r\n');
    expect(await raw('RI.SCAN', k, 'b', 'COUNT', '1', 'FIELDS', 'KEY', 'extra', 'args')).toBe('*1\r\n$1\r\nb\r\n');
    // empty start = from the first field; inclusive start between fields; byte order (0x00 < 0xff)
    expect(await flat('RI.SCAN', k, '', 'COUNT', '100', 'FIELDS', 'KEY')).toEqual(fields);
    expect(await flat('RI.SCAN', k, 'bab', 'COUNT', '3', 'FIELDS', 'KEY')).toEqual(['bb', 'c', 'd\x00']);
    expect(await flat('RI.SCAN', k, 'd', 'COUNT', '10', 'FIELDS', 'KEY')).toEqual(['d\x00', 'd\xff', 'e']);
    expect(await raw('RI.SCAN', k, 'f', 'COUNT', '10')).toBe('*0\r\n');
    // pagination by lastField + "\x00"
    const seen: string[] = [];
    let start = '';
    for (;;) {
      const page = await flat('RI.SCAN', k, Buffer.from(start, 'latin1'), 'COUNT', '3', 'FIELDS', 'KEY');
      seen.push(...page);
      if (page.length < 3) break;
      start = page[page.length - 1] + '\x00';
    }
    expect(seen).toEqual(fields);
  });

  test.each(['DISK', 'MEMORY'])('RI.RANGE on %s', async (backend) => {
    const k = `s:${backend}`;
    expect(await raw('RI.RANGE', k, 'b', 'bb')).toBe(
      '*3\r\n*2\r\n$1\r\nb\r\n$3\r\nv:b\r\n*2\r\n$2\r\nba\r\n$4\r\nv:ba\r\n*2\r\n$2\r\nbb\r\n$4\r\nv:bb\r\n',
    );
    expect(await flat('RI.RANGE', k, 'b', 'bb', 'FIELDS', 'KEY')).toEqual(['b', 'ba', 'bb']);
    expect(await flat('RI.RANGE', k, 'b', 'bb', 'FIELDS', 'VALUE')).toEqual(['v:b', 'v:ba', 'v:bb']);
    expect(await flat('RI.RANGE', k, 'b', 'bb', 'FIELDS', 'other')).toHaveLength(3);
    expect(await flat('RI.RANGE', k, 'a0', 'c0', 'FIELDS', 'KEY')).toEqual(['b', 'ba', 'bb', 'c']);
    expect(await flat('RI.RANGE', k, '', '\xff', 'FIELDS', 'KEY')).toEqual(fields);
    expect(await flat('RI.RANGE', k, 'c', 'c', 'FIELDS', 'KEY')).toEqual(['c']);
    expect(await raw('RI.RANGE', k, 'x', 'y')).toBe('*0\r\n');
    expect(await raw('RI.RANGE', k, 'c', 'b')).toBe('*0\r\n'); // start > end
  });

  test('errors', async () => {
    expect(await raw('RI.SCAN', 's:DISK', 'a', 'LIMIT', '1')).toBe('-ERR syntax error, expected COUNT\r\n');
    for (const n of ['0', '-1', 'abc', '1.5', '2147483648', '']) {
      expect([n, await raw('RI.SCAN', 's:DISK', 'a', 'COUNT', n)]).toEqual([n, '-ERR invalid count\r\n']);
    }
    // parse errors come before the key lookup
    expect(await raw('RI.SCAN', 'nokey', 'a', 'LIMIT', '1')).toBe('-ERR syntax error, expected COUNT\r\n');
    expect(await raw('RI.SCAN', 'nokey', 'a', 'COUNT', '0')).toBe('-ERR invalid count\r\n');
    expect(await raw('RI.SCAN', 'nokey', 'a', 'COUNT', '1')).toBe(NOT_FOUND);
    expect(await raw('RI.RANGE', 'nokey', 'a', 'b')).toBe(NOT_FOUND);
    expect(await raw('RI.CONFIG', 'nokey')).toBe(NOT_FOUND);
    expect(await raw('RI.METRICS', 'nokey')).toBe(NOT_FOUND);
  });

  test('RESP3 shapes', async () => {
    expect(await raw3('RI.SCAN', 's:DISK', 'b', 'COUNT', '1')).toBe('*1\r\n*2\r\n$1\r\nb\r\n$3\r\nv:b\r\n');
    expect(await raw3('RI.MGET', 's:DISK', 'b', 'zz')).toBe('*2\r\n$3\r\nv:b\r\n_\r\n');
  });
});

describe('RI.EXISTS / RI.METRICS', () => {
  test('RI.EXISTS', async () => {
    await raw('RI.CREATE', 'x:ri');
    expect(await raw('RI.EXISTS', 'x:ri')).toBe(':1\r\n');
    expect(await raw('RI.EXISTS', 'x:none')).toBe(':0\r\n');
    await raw('LPUSH', 'x:list', 'a');
    expect(await raw('RI.EXISTS', 'x:list')).toBe(':0\r\n');
  });

  test('RI.METRICS: Garnet 8 elements first, then tree stats', async () => {
    await raw('RI.CREATE', 'm:ri');
    await raw('RI.SET', 'm:ri', 'f', 'v');
    const a = await flat('RI.METRICS', 'm:ri');
    expect(a.slice(0, 8).map((x, i) => (i === 1 ? 'H' : x))).toEqual(['tree_handle', 'H', 'is_live', 'true', 'is_flushed', 'false', 'is_recovered', 'false']);
    expect(a[1]).toMatch(/^[1-9][0-9]*$/);
    const names = a.slice(8).filter((_, i) => i % 2 === 0);
    expect(names).toEqual(['records', 'height', 'pages', 'pages_cached', 'cache_hits', 'cache_misses', 'evictions', 'bytes_on_disk', 'txn', 'snapshots_pinned']);
    for (let i = 9; i < a.length; i += 2) expect([a[i - 1], a[i]]).toEqual([a[i - 1], expect.stringMatching(/^[0-9]+$/)]);
    expect(a[9]).toBe('1'); // records
    // another index has another handle
    await raw('RI.CREATE', 'm:ri2');
    expect((await flat('RI.METRICS', 'm:ri2'))[1]).not.toBe(a[1]);
  });
});

describe('extensions', () => {
  test('RI.MSET / RI.MGET / RI.MDEL / RI.COUNT', async () => {
    await raw('RI.CREATE', 'e', 'MINRECORD', '2', 'MAXRECORD', '16', 'MAXKEYLEN', '8');
    expect(await raw('RI.MSET', 'e', 'a', '1', 'b', '2', 'c', '3')).toBe(':3\r\n');
    expect(await raw('RI.MSET', 'e', 'a', '10', 'd', '4')).toBe(':1\r\n'); // a replaced, d added
    expect(await raw('RI.MSET', 'e', 'a', '11', 'a', '12')).toBe(':0\r\n');
    expect(await raw('RI.MGET', 'e', 'a', 'x', 'd')).toBe('*3\r\n$2\r\n12\r\n$-1\r\n$1\r\n4\r\n');
    expect(await raw('RI.COUNT', 'e')).toBe(':4\r\n');
    expect(await raw('RI.COUNT', 'e', 'b', 'c')).toBe(':2\r\n');
    expect(await raw('RI.COUNT', 'e', 'a0', 'zz')).toBe(':3\r\n');
    expect(await raw('RI.COUNT', 'e', 'c', 'b')).toBe(':0\r\n');
    expect(await raw('RI.COUNT', 'e', 'x', 'y')).toBe(':0\r\n');
    // a size violation anywhere rejects the whole batch before any write
    expect(await raw('RI.MSET', 'e', 'f', '6', 'g', '')).toBe('-ERR key+value size must be between 2 and 16 bytes (got 1), max key length 8 (got 1)\r\n');
    expect(await raw('RI.GET', 'e', 'f')).toBe('$-1\r\n');
    expect(await raw('RI.MDEL', 'e', 'a', 'x', 'b', 'a')).toBe(':2\r\n');
    expect(await raw('RI.COUNT', 'e')).toBe(':2\r\n');
    expect(await raw('RI.MSET', 'nokey', 'a', '1')).toBe(NO_SUCH);
    expect(await raw('RI.MGET', 'nokey', 'a')).toBe(NOT_FOUND);
    expect(await raw('RI.MDEL', 'nokey', 'a')).toBe(NOT_FOUND);
    expect(await raw('RI.COUNT', 'nokey')).toBe(NOT_FOUND);
  });

  test('a full MEMORY index answers an error and keeps what it holds', async () => {
    await raw('RI.CREATE', 'full', 'MEMORY', 'CACHESIZE', '65536', 'MAXRECORD', '1024');
    const v = 'v'.repeat(1000);
    let err = '';
    let ok = 0;
    for (let i = 0; i < 1000 && !err; i++) {
      const r = await raw('RI.SET', 'full', `f${String(i).padStart(5, '0')}`, v);
      if (r === '+OK\r\n') ok++;
      else err = r;
    }
    expect(err).toBe('-ERR range index is full (CACHESIZE reached)\r\n');
    expect(ok).toBeGreaterThan(10);
    expect(await raw('RI.COUNT', 'full')).toBe(`:${ok}\r\n`);
    expect(await raw('RI.GET', 'full', 'f00000')).toBe(`$1000\r\n${v}\r\n`);
  });
});

describe('generic commands on an RI key', () => {
  beforeAll(async () => {
    await raw('RI.CREATE', 'g');
    await raw('RI.SET', 'g', 'f', 'v');
  });

  test('Redis commands answer Redis WRONGTYPE; MGET answers nil', async () => {
    for (const argv of [
      ['GET', 'g'],
      ['APPEND', 'g', 'x'],
      ['INCR', 'g'],
      ['GETRANGE', 'g', '0', '1'],
      ['STRLEN', 'g'],
      ['LPUSH', 'g', 'x'],
      ['LRANGE', 'g', '0', '-1'],
      ['HSET', 'g', 'a', 'b'],
      ['HGET', 'g', 'a'],
      ['SADD', 'g', 'x'],
      ['SMEMBERS', 'g'],
      ['ZADD', 'g', '1', 'x'],
      ['ZRANGE', 'g', '0', '-1'],
    ]) {
      expect([argv.join(' '), await raw(...argv)]).toEqual([argv.join(' '), WT_REDIS]);
    }
    expect(await raw('MGET', 'g', 'nokey')).toBe('*2\r\n$-1\r\n$-1\r\n');
    expect(await raw('TYPE', 'g')).toBe('+rangeindex\r\n');
    expect(await raw('OBJECT', 'ENCODING', 'g')).toBe('$10\r\nrangeindex\r\n');
    expect(await raw('EXISTS', 'g')).toBe(':1\r\n');
  });

  test('COMMAND metadata and GETKEYS', async () => {
    const info = (await js('COMMAND', 'INFO', 'ri.set')) as unknown[][];
    expect(info[0].slice(0, 7)).toEqual(['ri.set', 4, ['write', 'denyoom', 'fast'], 1, 1, 1, ['@write', '@fast']]);
    const gi = (await js('COMMAND', 'INFO', 'ri.get')) as unknown[][];
    expect(gi[0].slice(0, 7)).toEqual(['ri.get', 3, ['readonly', 'fast'], 1, 1, 1, ['@read', '@fast']]);
    expect(await js('COMMAND', 'GETKEYS', 'RI.SET', 'k', 'f', 'v')).toEqual(['k']);
    expect(await js('COMMAND', 'GETKEYS', 'RI.MSET', 'k', 'f', 'v', 'g', 'w')).toEqual(['k']);
    expect(await js('COMMAND', 'GETKEYS', 'RI.SCAN', 'k', 's', 'COUNT', '1')).toEqual(['k']);
    const docs = (await js('COMMAND', 'DOCS', 'ri.count')) as unknown[];
    expect(docs[0]).toBe('ri.count');
  });

  test('ACL: @read users can read but not write; key patterns apply', async () => {
    expect(await raw('ACL', 'SETUSER', 'reader', 'on', 'nopass', '+@read', '~g*')).toBe('+OK\r\n');
    const r = await RespClient.connect(h.port);
    try {
      expect((await r.call('AUTH', 'reader', 'x')).toString()).toBe('+OK\r\n');
      expect((await r.call('RI.GET', 'g', 'f')).toString()).toBe('$1\r\nv\r\n');
      expect((await r.call('RI.SCAN', 'g', '', 'COUNT', '5')).toString()).toBe('*1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n');
      expect((await r.call('RI.SET', 'g', 'f', 'w')).toString()).toBe("-NOPERM this user has no permissions to run the 'ri.set' command\r\n");
      expect((await r.call('RI.CREATE', 'g2')).toString()).toBe("-NOPERM this user has no permissions to run the 'ri.create' command\r\n");
      expect((await r.call('RI.GET', 'other', 'f')).toString()).toBe('-NOPERM this user has no permissions to access one of the keys used as arguments\r\n');
    } finally {
      r.close();
    }
    const cat = (await js('ACL', 'CAT')) as string[];
    expect(cat).not.toContain('rangeindex');
    expect((await js('ACL', 'CAT', 'write')) as string[]).toEqual(expect.arrayContaining(['ri.set', 'ri.create', 'ri.del', 'ri.mset', 'ri.mdel']));
  });

  test('MULTI/EXEC and WATCH see RI writes', async () => {
    const w = await RespClient.connect(h.port);
    try {
      await w.call('WATCH', 'g');
      await raw('RI.SET', 'g', 'f', 'changed');
      await w.call('MULTI');
      await w.call('RI.GET', 'g', 'f');
      expect((await w.call('EXEC')).toString()).toBe('*-1\r\n');
      await w.call('MULTI');
      await w.call('RI.SET', 'g', 'f2', 'x');
      await w.call('RI.GET', 'g', 'f2');
      expect((await w.call('EXEC')).toString()).toBe('*2\r\n+OK\r\n$1\r\nx\r\n');
    } finally {
      w.close();
    }
  });

  test('INFO rangeindex', async () => {
    const text = String(await js('INFO', 'rangeindex'));
    expect(text).toMatch(/^# Rangeindex\r\n/);
    for (const f of [
      'rangeindex_trees',
      'rangeindex_pages_cached',
      'rangeindex_cache_hit_ratio',
      'rangeindex_cache_hits',
      'rangeindex_cache_misses',
      'rangeindex_evictions',
      'rangeindex_bytes_on_disk',
      'rangeindex_snapshots_pinned',
      'rangeindex_commits',
      'rangeindex_commit_failures',
      'rangeindex_open_files',
    ]) {
      expect(text).toMatch(new RegExp(`\\r\\n${f}:[0-9.]+\\r\\n`));
    }
    expect(Number(/rangeindex_trees:(\d+)/.exec(text)![1])).toBeGreaterThan(3);
    expect(String(await js('INFO'))).not.toContain('# Rangeindex');
    expect(String(await js('INFO', 'all'))).toContain('# Rangeindex');
  });
});

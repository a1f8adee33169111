// RDB files (src/keyspace/rdb/file.ts) without a server: the writer's byte layout (magic, aux fields as
// Redis 7.0 encodes them, SELECTDB/RESIZEDB, EXPIRETIME_MS, EOF + CRC-64), round trips of every value type
// and encoding through RdbFileWriter -> RdbFileReader, and the reader's handling of every opcode, old
// versions, checksums, truncation and corruption. Files from and for a real redis-server are covered in
// test/integration/rdbfile.redis.test.ts.
import type { RObj, Value } from '../../src/keyspace/db';
import {
  RdbFileWriter,
  RdbFileReader,
  RdbFileItem,
  RdbFileEntry,
  RdbFormatError,
  RdbWriter,
  registerRdbType,
  unregisterRdbType,
  RDB_OPCODE_AUX,
  RDB_OPCODE_EOF,
  RDB_OPCODE_EXPIRETIME,
  RDB_OPCODE_EXPIRETIME_MS,
  RDB_OPCODE_FREQ,
  RDB_OPCODE_FUNCTION2,
  RDB_OPCODE_FUNCTION_PRE_GA,
  RDB_OPCODE_IDLE,
  RDB_OPCODE_MODULE_AUX,
  RDB_OPCODE_RESIZEDB,
  RDB_OPCODE_SELECTDB,
  RDB_TYPE_LIST,
  RDB_TYPE_STRING,
} from '../../src/keyspace/rdb';
import { RList } from '../../src/keyspace/types/list';
import { RHash } from '../../src/keyspace/types/hash';
import { RSet } from '../../src/keyspace/types/set';
import { RZSet } from '../../src/keyspace/types/zset';
import { crc64, crc64LE } from '../../src/util/crc64';
import { formatDouble } from '../../src/protocol/reply';
import { rng } from '../helpers/rng';

const L = (s: string) => Buffer.from(s, 'latin1');

/** A value's content, independent of its classes: what a client would read back. */
function contentOf(v: Value): unknown {
  if (typeof v === 'string' || typeof v === 'number') return ['string', String(v)];
  if (v instanceof RList) return ['list', v.toArray()];
  if (v instanceof RHash) return ['hash', [...v.entries()].map(([f, x]) => f + '\0' + x).sort()];
  if (v instanceof RSet) return ['set', [...v.members()].sort()];
  if (v instanceof RZSet) {
    const flat: string[] = [];
    v.forEach((m, s) => {
      flat.push(m, formatDouble(s));
    });
    return ['zset', flat];
  }
  return [v.type];
}
const encodingOf = (v: Value): string => (typeof v === 'number' ? 'int' : typeof v === 'string' ? 'string' : v.encoding());

/** A string value as the keyspace holds it: canonical safe integers as numbers (tryObjectEncoding). */
function asStored(s: string): Value {
  const n = Number(s);
  return s.length > 0 && s.length <= 20 && Number.isSafeInteger(n) && String(n) === s ? n : s;
}

function readAll(buf: Buffer, opts = {}): RdbFileItem[] {
  const r = new RdbFileReader(buf, opts);
  const out: RdbFileItem[] = [];
  for (;;) {
    const it = r.next();
    out.push(it);
    if (it.kind === 'end') return out;
    if (out.length > 1e6) throw new Error('runaway reader');
  }
}
const entries = (items: RdbFileItem[]) => items.filter((i): i is RdbFileEntry => i.kind === 'entry');

interface Key {
  key: string;
  value: Value;
  expireAtMs?: number;
}
/** A whole file from dbs (id -> keys), empty dbs left out as Redis does. */
function writeFile(dbs: Map<number, Key[]>, opts: ConstructorParameters<typeof RdbFileWriter>[0] = {}): { file: Buffer; chunks: Buffer[] } {
  const w = new RdbFileWriter(opts);
  const chunks = [w.header()];
  for (const [id, keys] of dbs) {
    if (keys.length === 0) continue;
    chunks.push(w.selectDb(id, keys.length, keys.filter((k) => k.expireAtMs !== undefined).length));
    for (const k of keys) chunks.push(w.entry(k.key, k.value, k.expireAtMs));
  }
  chunks.push(w.footer());
  expect(w.bytes).toBe(chunks.reduce((n, c) => n + c.length, 0));
  return { file: Buffer.concat(chunks), chunks };
}

function range<T>(n: number, f: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

/** Every type in its small and large encodings (default config thresholds). */
function sampleKeys(): Key[] {
  const rnd = rng(7);
  const bytes = range(256, (i) => String.fromCharCode(i)).join('');
  const noise = range(3000, () => String.fromCharCode(Math.floor(rnd() * 256))).join('');
  const now = Date.now();
  const keys: Key[] = [
    { key: 'str', value: 'hello' },
    { key: 'empty', value: '' },
    { key: 'bin', value: bytes },
    { key: 'lzf', value: 'abc'.repeat(1000) },
    { key: 'noise', value: noise },
    { key: 'big', value: 'x'.repeat(200_000) + noise },
    { key: 'notint', value: '0012' },
    { key: 'notint2', value: '+5' },
    { key: 'toolongint', value: '12345678901234567890123' },
    ...[0, -1, 127, 128, -129, 32767, 32768, -32769, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53 - 1)].map((n) => ({
      key: `int:${n}`,
      value: n,
    })),
    // Keys take the string encodings too (int-encoded, LZF, binary).
    { key: '12345', value: 'intkey' },
    { key: '-7', value: 'intkey2' },
    { key: 'k'.repeat(500), value: 'lzfkey' },
    { key: '\x00\xff\r\n', value: 'binkey' },
    { key: 'list:small', value: RList.from(['a', 'b', '1', '-2', '']) },
    { key: 'list:big', value: RList.from(range(5000, (i) => (i % 3 === 0 ? String(i) : `item-${i}`))) },
    { key: 'list:huge-items', value: RList.from(['s', 'y'.repeat(20_000), noise, 'z'.repeat(9000), '42']) },
    { key: 'set:intset16', value: RSet.from(['1', '2', '-3', '100']) },
    { key: 'set:intset64', value: RSet.from(['1', String(2n ** 62n), String(-(2n ** 63n)), '9223372036854775807']) },
    { key: 'set:ht', value: RSet.from(['a', 'b', '1', bytes]) },
    { key: 'set:bigint', value: RSet.from(range(600, (i) => String(i * 7))) },
    { key: 'set:big', value: RSet.from(range(2000, (i) => `m${i}`)) },
    { key: 'hash:small', value: RHash.from([['f', 'v'], ['1', '2'], ['', 'e']]) },
    { key: 'hash:longval', value: RHash.from([['f', 'v'.repeat(65)], ['g', 'w']]) },
    { key: 'hash:big', value: RHash.from(range(1000, (i) => i).map((i) => [`f${i}`, i % 2 ? String(i) : `v${i}`] as [string, string])) },
    { key: 'zset:small', value: RZSet.from([['a', 1], ['b', 1.5], ['c', -2], ['d', Infinity], ['e', -Infinity], ['f', 0.1], ['g', 1e300]]) },
    { key: 'zset:longmember', value: RZSet.from([['m'.repeat(70), 1], ['x', 2]]) },
    { key: 'zset:big', value: RZSet.from(range(1000, (i) => `m${i}`).map((m, i) => [m, i % 10 === 0 ? i / 3 : i] as [string, number])) },
  ];
  keys[0].expireAtMs = now + 3_600_000;
  keys[keys.length - 1].expireAtMs = now + 86_400_000;
  keys.find((k) => k.key === 'list:big')!.expireAtMs = now + 1;
  keys.find((k) => k.key === 'set:intset16')!.expireAtMs = now - 10_000; // already expired: kept in the file
  return keys;
}

function expectSameKeys(got: RdbFileEntry[], want: { db: number; k: Key }[]): void {
  expect(got.map((e) => [e.db, e.key])).toEqual(want.map((w) => [w.db, w.k.key]));
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i].k;
    expect([g.key, contentOf(g.value)]).toEqual([w.key, contentOf(w.value)]);
    expect([g.key, encodingOf(g.value)]).toEqual([w.key, encodingOf(w.value)]);
    expect([g.key, g.expireAtMs]).toEqual([w.key, w.expireAtMs]);
  }
}

// ---- writer layout ------------------------------------------------------------------------------------

describe('RdbFileWriter layout', () => {
  test('header: magic then the aux fields of rdbSaveInfoAuxFields, values through rdbSaveRawString', () => {
    const w = new RdbFileWriter({ aux: { ctime: 1700000000, 'used-mem': 1234567, 'repl-id': 'abc' } });
    const h = w.header();
    const exp = Buffer.concat([
      L('REDIS0010'),
      L('\xfa\x09redis-ver\x067.0.15'),
      // 64 is int-encoded: C0 (8-bit) 40.
      L('\xfa\x0aredis-bits\xc0\x40'),
      // 10-digit ctime fits 32 bits: C2 + int32 LE.
      Buffer.concat([L('\xfa\x05ctime\xc2'), u32le(1700000000)]),
      Buffer.concat([L('\xfa\x08used-mem\xc2'), u32le(1234567)]),
      // Extra fields go where Redis puts its replication fields: before aof-base.
      L('\xfa\x07repl-id\x03abc'),
      L('\xfa\x08aof-base\xc0\x00'),
    ]);
    expect(h.toString('hex')).toBe(exp.toString('hex'));
  });

  test('ints beyond 32 bits and long values are saved as text (and LZF when it pays)', () => {
    const long = 'q'.repeat(40);
    const w = new RdbFileWriter({ aux: { 'used-mem': 5_000_000_000, x: long }, compress: true });
    const items = readAll(Buffer.concat([w.header(), w.footer()]));
    expect(items.filter((i) => i.kind === 'aux')).toEqual([
      { kind: 'aux', name: 'redis-ver', value: '7.0.15' },
      { kind: 'aux', name: 'redis-bits', value: '64' },
      { kind: 'aux', name: 'ctime', value: expect.stringMatching(/^\d+$/) },
      { kind: 'aux', name: 'used-mem', value: '5000000000' },
      { kind: 'aux', name: 'x', value: long },
      { kind: 'aux', name: 'aof-base', value: '0' },
    ]);
    const h = new RdbFileWriter({ aux: { 'used-mem': 5_000_000_000, x: long }, compress: true }).header();
    expect(h.includes(L('\x0a5000000000'))).toBe(true);
    expect(h.includes(L(long))).toBe(false); // compressed
    const ctime = Number((items[2] as { value: string }).value);
    expect(Math.abs(ctime - Date.now() / 1000)).toBeLessThan(10);
  });

  test('SELECTDB/RESIZEDB, EXPIRETIME_MS, <type><key><value>, EOF + CRC-64 of all chunks', () => {
    const w = new RdbFileWriter({ compress: false });
    const chunks = [w.header(), w.selectDb(3, 2, 1), w.entry('k', 'v', 0x0102030405), w.entry('n', 7)];
    expect(chunks[1].toString('hex')).toBe('fe03fb0201');
    expect(chunks[2].toString('hex')).toBe('fc' + '0504030201000000' + '00' + '016b' + '0176');
    expect(chunks[3].toString('hex')).toBe('00' + '016e' + 'c007');
    chunks.push(w.footer());
    const f = chunks[4];
    expect(f.length).toBe(9);
    expect(f[0]).toBe(RDB_OPCODE_EOF);
    const all = Buffer.concat(chunks);
    expect(f.subarray(1).equals(crc64LE(all, 0, all.length - 8))).toBe(true);
    // A whole Redis-style file has CRC 0 over itself including the stored checksum.
    expect(crc64(all)).toBe(0n);
  });

  test('checksum: false writes zeros', () => {
    const w = new RdbFileWriter({ checksum: false });
    w.header();
    expect(w.footer().toString('hex')).toBe('ff0000000000000000');
  });

  test('negative expire times are i64 LE; invalid ones are refused', () => {
    const w = new RdbFileWriter();
    w.header();
    expect(w.entry('k', 'v', -1).subarray(0, 9).toString('hex')).toBe('fcffffffffffffffff');
    expect(() => w.entry('k', 'v', 1.5)).toThrow();
    expect(() => w.entry('k', 'v', NaN)).toThrow();
  });

  test('calls out of order are refused; a value without codec leaves the writer usable', () => {
    const w = new RdbFileWriter();
    expect(() => w.entry('k', 'v')).toThrow(/before header/);
    w.header();
    expect(() => w.header()).toThrow();
    const odd: RObj = { type: 'nosuchtype', encoding: () => 'raw' };
    expect(() => w.entry('k', odd)).toThrow(/no RDB encoding/);
    const chunks = [w.selectDb(0, 1, 0), w.entry('k', 'v')];
    w.footer();
    expect(() => w.entry('k', 'v')).toThrow(/after footer/);
    expect(chunks[1].toString('hex')).toBe('00016b0176');
  });
});

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

// ---- round trips ----------------------------------------------------------------------------------------

describe('round trip', () => {
  for (const compress of [true, false]) {
    test(`every type and encoding, TTLs, several dbs (compress ${compress})`, () => {
      const keys = sampleKeys();
      const dbs = new Map<number, Key[]>([
        [0, keys.slice(0, 20)],
        [1, []],
        [3, keys.slice(20)],
        [15, [{ key: 'only', value: 'in 15', expireAtMs: Date.now() + 5000 }]],
      ]);
      const { file } = writeFile(dbs, { compress });
      const items = readAll(file);
      expect(items[items.length - 1]).toEqual({ kind: 'end', checksum: 'verified' });
      const want: { db: number; k: Key }[] = [];
      for (const [db, ks] of dbs) for (const k of ks) want.push({ db, k });
      expectSameKeys(entries(items), want);
    });
  }

  test('the writer is streaming: chunks are independent of each other and of later calls', () => {
    const keys = sampleKeys();
    const { file, chunks } = writeFile(new Map([[0, keys]]));
    const copies = chunks.map((c) => Buffer.from(c));
    // Writing another file must not touch the chunks handed out before.
    writeFile(new Map([[0, keys.slice().reverse()]]));
    expect(Buffer.concat(chunks).equals(file)).toBe(true);
    expect(chunks.every((c, i) => c.equals(copies[i]))).toBe(true);
  });

  test('list fill factor is honoured', () => {
    const items = range(100, (i) => `e${i}`);
    const a = writeFile(new Map([[0, [{ key: 'l', value: RList.from(items) }]]]), { listFill: 10 }).file;
    const b = writeFile(new Map([[0, [{ key: 'l', value: RList.from(items) }]]]), { listFill: -2 }).file;
    expect(a.length).toBeGreaterThan(b.length); // 10 nodes vs 1
    expect(contentOf(entries(readAll(a))[0].value)).toEqual(['list', items]);
  });

  test('random values', () => {
    const rnd = rng(42);
    const str = (n: number) => range(n, () => String.fromCharCode(rnd() < 0.5 ? 48 + Math.floor(rnd() * 4) : Math.floor(rnd() * 256))).join('');
    const keys: Key[] = [];
    for (let i = 0; i < 300; i++) {
      const n = Math.floor(rnd() ** 3 * 700) + 1;
      const key = `r${i}:${str(3)}`;
      switch (i % 5) {
        case 0:
          keys.push({ key, value: rnd() < 0.3 ? Math.floor((rnd() - 0.5) * 2 ** 40) : asStored(str(n)) });
          break;
        case 1:
          keys.push({ key, value: RList.from(range(n, () => str(Math.floor(rnd() * 30)))) });
          break;
        case 2:
          keys.push({ key, value: RSet.from(range(n, () => (rnd() < 0.5 ? String(Math.floor(rnd() * 1e6)) : str(5)))) });
          break;
        case 3:
          keys.push({ key, value: RHash.from(range(n, () => [str(4), str(Math.floor(rnd() * 80))] as [string, string])) });
          break;
        case 4:
          keys.push({ key, value: RZSet.from(range(n, () => [str(Math.floor(rnd() * 80)), Math.round((rnd() - 0.5) * 1e4) / 8] as [string, number])) });
          break;
      }
      if (rnd() < 0.3) keys[keys.length - 1].expireAtMs = Math.floor(Date.now() + rnd() * 1e9);
    }
    const { file } = writeFile(new Map([[2, keys]]));
    expectSameKeys(entries(readAll(file)), keys.map((k) => ({ db: 2, k })));
  });

  describe('extension types pass through', () => {
    class Blob implements RObj {
      readonly type = 'blobtype';
      constructor(readonly data: string) {}
      encoding(): string {
        return 'raw';
      }
    }
    const T = 0xd1;
    const seen: { key?: string; dbId?: number; rdbVersion: number }[] = [];
    beforeAll(() =>
      registerRdbType(
        T,
        (v, w) => {
          if (!(v instanceof Blob)) return false;
          w.string(v.data);
          return true;
        },
        (r, ctx) => {
          seen.push(ctx);
          return new Blob(r.string());
        },
      ),
    );
    afterAll(() => unregisterRdbType(T));

    test('encoded by the extension, decoded with key and db', () => {
      const w = new RdbFileWriter({ compress: false });
      const file = Buffer.concat([w.header(), w.selectDb(4, 1, 0), w.entry('bk', new Blob('payload')), w.footer()]);
      expect(file.includes(Buffer.concat([Buffer.from([T]), L('\x02bk\x07payload')]))).toBe(true);
      const e = entries(readAll(file));
      expect(e[0].value).toBeInstanceOf(Blob);
      expect((e[0].value as Blob).data).toBe('payload');
      expect(seen).toEqual([{ key: 'bk', dbId: 4, rdbVersion: 10 }]);
    });
  });
});

// ---- reader: opcodes, versions, corruption ---------------------------------------------------------------

/** A file from a hand-written body (after the magic); the checksum is computed unless given. */
function handFile(version: number, body: (w: RdbWriter) => void, crc?: Buffer): Buffer {
  const w = new RdbWriter({ compress: false });
  w.rawLatin1(`REDIS${String(version).padStart(4, '0')}`);
  body(w);
  w.byte(RDB_OPCODE_EOF);
  const head = Buffer.from(w.result());
  if (version < 5) return head;
  return Buffer.concat([head, crc ?? crc64LE(head)]);
}
function kv(w: RdbWriter, key: string, value: string): void {
  w.byte(RDB_TYPE_STRING);
  w.string(key);
  w.string(value);
}

describe('RdbFileReader', () => {
  test('every opcode Redis 7.0 writes or reads', () => {
    const file = handFile(10, (w) => {
      w.byte(RDB_OPCODE_AUX);
      w.string('%info');
      w.string('12');
      w.byte(RDB_OPCODE_FUNCTION2);
      w.string('#!lua name=lib\nredis.register_function("f", function() return 1 end)');
      w.byte(RDB_OPCODE_FUNCTION_PRE_GA);
      w.string('oldlib');
      w.string('LUA');
      w.len(1);
      w.string('a description');
      w.string('return 1');
      w.byte(RDB_OPCODE_FUNCTION_PRE_GA);
      w.string('nodesc');
      w.string('LUA');
      w.len(0);
      w.string('return 2');
      w.byte(RDB_OPCODE_SELECTDB);
      w.len(2);
      w.byte(RDB_OPCODE_RESIZEDB);
      w.len(5);
      w.len(2);
      w.byte(RDB_OPCODE_EXPIRETIME);
      w.raw(u32le(1_000_000_000));
      kv(w, 'old-expire', 'a');
      w.byte(RDB_OPCODE_IDLE);
      w.len(300);
      w.byte(RDB_OPCODE_EXPIRETIME_MS);
      w.raw(Buffer.from('0102030405000000', 'hex'));
      kv(w, 'idle', 'b');
      w.byte(RDB_OPCODE_FREQ);
      w.byte(200);
      kv(w, 'freq', 'c');
      // An empty list (an old Redis bug could save one): skipped, with the opcodes before it.
      w.byte(RDB_OPCODE_EXPIRETIME_MS);
      w.raw(Buffer.alloc(8, 1));
      w.byte(RDB_TYPE_LIST);
      w.string('emptylist');
      w.len(0);
      kv(w, 'after', 'd');
    });
    const r = new RdbFileReader(file);
    const items: RdbFileItem[] = [];
    for (let it = r.next(); ; it = r.next()) {
      items.push(it);
      if (it.kind === 'end') break;
    }
    expect(items).toEqual([
      { kind: 'aux', name: '%info', value: '12' },
      { kind: 'function', code: '#!lua name=lib\nredis.register_function("f", function() return 1 end)' },
      { kind: 'function', code: '#!LUA name=oldlib\nreturn 1' },
      { kind: 'function', code: '#!LUA name=nodesc\nreturn 2' },
      { kind: 'entry', db: 2, key: 'old-expire', value: 'a', expireAtMs: 1_000_000_000_000 },
      { kind: 'entry', db: 2, key: 'idle', value: 'b', expireAtMs: 0x0504030201, idleSeconds: 300 },
      { kind: 'entry', db: 2, key: 'freq', value: 'c', lfuFreq: 200 },
      { kind: 'entry', db: 2, key: 'after', value: 'd' },
      { kind: 'end', checksum: 'verified' },
    ]);
    expect(r.emptyKeysSkipped).toBe(1);
    expect(r.resizeHint).toEqual({ dbSize: 5, expiresSize: 2 });
    expect(r.next()).toEqual({ kind: 'end', checksum: 'verified' });
  });

  test('MODULE_AUX and unknown types are clear errors with the offset', () => {
    const mod = handFile(10, (w) => {
      w.byte(RDB_OPCODE_MODULE_AUX);
      w.len(12345);
    });
    expect(() => readAll(mod)).toThrow(/modules.*at offset 10 \(item at offset 9/);
    const unk = handFile(10, (w) => {
      kv(w, 'a', 'b');
      w.byte(0x60);
      w.string('k');
    });
    expect(() => readAll(unk)).toThrow(/unknown RDB type or opcode 96 at offset 15 \(item at offset 14/);
    const stream = handFile(10, (w) => {
      w.byte(15);
      w.string('s');
    });
    expect(() => readAll(stream)).toThrow(/unsupported RDB type 15 .*key "s"/);
  });

  test('versions: 1..10 read, newer refused, bad magic refused', () => {
    for (const v of [1, 4, 5, 9, 10]) {
      const f = handFile(v, (w) => kv(w, 'k', 'v'));
      const items = readAll(f);
      expect(new RdbFileReader(f).version).toBe(v);
      expect(items).toEqual([
        { kind: 'entry', db: 0, key: 'k', value: 'v' },
        { kind: 'end', checksum: v < 5 ? 'absent' : 'verified' },
      ]);
    }
    expect(() => new RdbFileReader(handFile(11, () => {}))).toThrow(/version 11/);
    expect(() => new RdbFileReader(handFile(11, () => {}))).toThrow(RdbFormatError);
    expect(() => new RdbFileReader(L('REDIS0000\xff'))).toThrow(/version/);
    expect(() => new RdbFileReader(L('RADIS0010\xff'))).toThrow(/signature/);
    expect(() => new RdbFileReader(L('REDIS'))).toThrow(RdbFormatError);
  });

  test('databases limit', () => {
    const f = handFile(10, (w) => {
      w.byte(RDB_OPCODE_SELECTDB);
      w.len(16);
      kv(w, 'k', 'v');
    });
    expect(() => readAll(f, { databases: 16 })).toThrow(/db index 16 out of range/);
    expect(entries(readAll(f))[0].db).toBe(16);
  });

  test('checksum mismatch is detected; zero means disabled; verification can be skipped', () => {
    const { file } = writeFile(new Map([[0, sampleKeys().slice(0, 10)]]));
    const badCrc = Buffer.from(file);
    badCrc[badCrc.length - 3] ^= 0x10;
    expect(() => readAll(badCrc)).toThrow(/wrong RDB checksum.*at offset/);
    expect(readAll(badCrc, { verifyChecksum: false }).pop()).toEqual({ kind: 'end', checksum: 'skipped' });

    // A flipped byte inside a value's raw bytes still parses: only the checksum catches it.
    const at = file.indexOf(L('hello'));
    const badBody = Buffer.from(file);
    badBody[at] = 'j'.charCodeAt(0);
    expect(() => readAll(badBody)).toThrow(/wrong RDB checksum/);

    const zero = Buffer.from(file);
    zero.fill(0, zero.length - 8);
    const items = readAll(zero);
    expect(items.pop()).toEqual({ kind: 'end', checksum: 'disabled' });
    expect(entries(items)).toHaveLength(10);
  });

  test('every truncation is an RdbFormatError with the offset, never a clean end', () => {
    const { file } = writeFile(
      new Map([
        [0, sampleKeys().filter((k) => k.key !== 'big' && k.key !== 'list:big')],
        [5, [{ key: 'x', value: 'y', expireAtMs: 123 }]],
      ]),
    );
    const step = Math.max(1, Math.floor(file.length / 1500));
    for (let n = 9; n < file.length; n += n < 200 || n > file.length - 200 ? 1 : step) {
      const r = new RdbFileReader(file.subarray(0, n));
      let err: unknown = null;
      try {
        for (let i = 0; i < 1e5 && r.next().kind !== 'end'; i++);
      } catch (e) {
        err = e;
      }
      if (!(err instanceof RdbFormatError)) throw new Error(`truncated at ${n} of ${file.length}: ${err ? String(err) : 'no error'}`);
      expect(err.message).toMatch(/at offset \d+/);
      // The reader stays failed.
      expect(() => r.next()).toThrow(err.message);
    }
  });

  test('random corruption throws RdbFormatError or is caught by the checksum, never anything else', () => {
    const { file } = writeFile(new Map([[0, sampleKeys().filter((k) => k.key !== 'big')]]));
    const rnd = rng(99);
    for (let i = 0; i < 300; i++) {
      const f = Buffer.from(file);
      const n = 1 + Math.floor(rnd() * 3);
      for (let j = 0; j < n; j++) f[9 + Math.floor(rnd() * (f.length - 9))] = Math.floor(rnd() * 256);
      if (f.equals(file)) continue;
      expect(() => readAll(f)).toThrow(RdbFormatError);
    }
  });

  test('progress advances to the size; checksum is computed incrementally', () => {
    const { file } = writeFile(new Map([[0, sampleKeys()]]));
    const r = new RdbFileReader(file);
    let last = 0;
    let n = 0;
    for (let it = r.next(); it.kind !== 'end'; it = r.next()) {
      const p = r.progress();
      expect(p.size).toBe(file.length);
      expect(p.pos).toBeGreaterThan(last);
      last = p.pos;
      n++;
    }
    expect(r.progress()).toEqual({ pos: file.length, size: file.length });
    expect(n).toBe(sampleKeys().length + 5);
  });
});

// Differential check of the keyspace handlers against a real redis-server (7.0): the same command
// sequences go to both, replies are compared byte for byte (KEYS: as sorted sets of keys). Skipped with
// a warning when redis-server is not installed.
import type { Client } from '../../src/server/context';
import { keyspace } from '../../src/keyspace/db';
import { commands } from '../../src/handlers/keyspace/keyspace';
import { infoHooks } from '../../src/server/info';
import { startRedis, stopAll, ServerHandle } from '../helpers/servers';
import { RespClient, decodeReply, toJS } from '../helpers/resp';

let redis: ServerHandle | null = null;
let rc: RespClient;

beforeAll(async () => {
  redis = await startRedis();
  if (redis) rc = await RespClient.connect(redis.port);
});
afterAll(async () => {
  if (rc) rc.socket.destroy();
  await stopAll();
});

function local(c: Client, argv: string[]): string {
  const name = argv[0].toLowerCase();
  c.out = null;
  c.opos = 0;
  if (name === 'set') {
    const v = argv[2];
    c.db.set(argv[1], /^-?[1-9][0-9]{0,14}$|^0$/.test(v) ? Number(v) : v);
    return '+OK\r\n';
  }
  if (name === 'select') {
    c.db = keyspace.dbs[Number(argv[1])];
    return '+OK\r\n';
  }
  if (name === 'config') {
    if (argv[2] === 'maxmemory-policy') infoHooks.maxmemoryPolicy = argv[3];
    if (argv[2] === 'maxmemory') infoHooks.maxmemory = argv[3] === '0' ? 0 : 1 << 30;
    return '+OK\r\n';
  }
  const h = commands[name] ?? commands[name + '|' + (argv[1] ?? '').toLowerCase()];
  if (!h) throw new Error('no handler for ' + name);
  h(c, argv);
  return c.out === null ? '' : (c.out as Buffer).toString('latin1', 0, c.opos);
}

async function remote(argv: string[]): Promise<string> {
  const b = await rc.call(...argv.map((a) => Buffer.from(a, 'latin1')));
  return b.toString('latin1');
}

function normalize(argv: string[], r: string): string {
  if (argv[0].toLowerCase() === 'keys' && r.startsWith('*')) {
    const v = toJS(decodeReply(Buffer.from(r, 'latin1')).value) as string[];
    return JSON.stringify(v.map(String).sort());
  }
  return r;
}

const w = (s: string) => s.split(' ');
const CASES: Record<string, string[][]> = {
  'del exists touch type': [
    w('set a 1'), w('set b hello'), w('exists a a nokey b'), w('touch a nokey'), w('type a'), w('type b'),
    w('type nokey'), w('del a a nokey'), w('unlink b'), w('unlink b'), ['set', '', 'empty'], ['exists', ''],
    ['type', ''], ['del', ''],
  ],
  keys: [
    w('set foo 1'), w('set foobar 2'), w('set bar 3'), ['set', '', 'x'], w('keys *'), w('keys foo*'),
    w('keys b?r'), w('keys [a-f]*'), w('keys *bar'), w('keys nomatch'), ['keys', ''], w('keys \\*'),
    w('keys foo'), w('keys fooba'), w('set exp 1'), w('expire exp 100'), w('keys exp'), w('set * star'), w('keys \\*'),
    w('keys *'),
  ],
  'randomkey scan single': [w('randomkey'), w('scan 0'), w('set only 1'), w('randomkey'), w('scan 0'), w('scan 0 type string'), w('scan 0 type STRING'), w('scan 0 type list'), w('scan 0 type foo'), w('scan 0 match o*'), w('scan 0 match x*'), w('scan 0 count 1000 match * type string')],
  'scan errors': [
    w('set a 1'), w('scan abc'), ['scan', ' 0'], w('scan 0x'), ['scan', ''], w('scan +0'), w('scan -0'),
    w('scan 18446744073709551616'), w('scan 0 count 0'), w('scan 0 count -1'), w('scan 0 count abc'),
    w('scan 0 count'), w('scan 0 match'), w('scan 0 foo'), w('scan 0 type'), w('scan 0 count 1 count 100'),
    w('scan 0 count 9223372036854775807'), w('scan 0 count 9223372036854775808'), w('scan 0 COUNT 5 MATCH a TYPE string extra'),
    w('scan - '), w('scan --1'),
  ],
  rename: [
    w('rename nokey x'), w('renamenx nokey x'), w('rename nokey nokey'), w('set a 1'), w('rename a a'),
    w('renamenx a a'), w('set b 2'), w('renamenx a b'), w('rename a b'), w('exists a'), w('expire b 100'),
    w('rename b c'), w('ttl c'), w('set d x'), w('rename d c'), w('ttl c'), w('renamenx c e'), w('type e'),
  ],
  copy: [
    w('set c 1'), w('copy c c'), w('copy nokey nokey'), w('copy nokey d'), w('expire c 100'), w('copy c d'),
    w('ttl d'), w('copy c d'), w('copy c d replace'), w('copy c d db 1'), w('copy c d db 16'), w('copy c d db -1'),
    w('copy c d db abc'), w('copy c d db'), w('copy c d foo'), w('copy c c db 0'), w('copy c c db 1'),
    w('copy c d replace replace db 1 db 2'), w('copy nokey d db 99'), w('copy c d db 2147483648'),
    w('copy c d db -2147483649'), w('copy c d DB 1 REPLACE'), w('copy c d db 1 db'), w('select 2'), w('ttl d'),
    w('exists c d'),
  ],
  move: [
    w('set c 1'), w('move c 0'), w('move c 16'), w('move c abc'), w('move nokey 1'), w('move nokey 0'),
    w('move c 2147483648'), w('move c -1'), w('move c 01'), w('move c +1'), w('move c 9223372036854775808'),
    w('expire c 100'), w('move c 1'), w('exists c'), w('set c 2'), w('move c 1'), w('select 1'), w('ttl c'),
    w('get c'),
  ],
  'expire errors': [
    w('set a 1'), w('expire a 10 nx xx'), w('expire a 10 gt lt'), w('expire a 10 nx gt'), w('expire a 10 NX xx gt'),
    w('expire a 10 foo'), w('expire nokey abc foo'), w('expire a abc'), w('expire a 1.5'), w('expire a +1'),
    w('expire a 01'), ['expire', 'a', ''], w('expire a 9223372036854775807'), w('pexpire a 9223372036854775807'),
    w('expireat a 9223372036854775807'), w('expire a -9223372036854775808'), w('expire a 9223372036854775'),
    w('pexpire a 9223372036854775806'), w('pexpire a 9223372036854775808'), w('expireat a 9223372036854776'),
    w('pexpireat a 9223372036854775808'), w('ttl a'), w('expireat a 9223372036854775'), w('pexpiretime a'),
    w('expiretime a'), w('pexpireat a 9223372036854775807'), w('pexpiretime a'), w('expiretime a'),
    w('pexpireat a 4000000000499'), w('expiretime a'), w('pexpireat a 4000000000500'), w('expiretime a'),
    w('pexpiretime a'),
  ],
  'expire semantics': [
    w('expire nokey 10'), w('expire nokey 0'), w('set a 1'), w('expire a 10 xx'), w('expire a 10 gt'),
    w('expire a 10 xx gt'), w('ttl a'), w('expire a 100 lt'), w('ttl a'), w('expire a 50 nx'), w('expire a 200 lt'),
    w('expire a 50 gt'), w('expire a 200 gt'), w('ttl a'), w('expire a 150 XX LT'), w('ttl a'), w('persist a'),
    w('persist a'), w('persist nokey'), w('ttl a'), w('pttl a'), w('expiretime a'), w('pexpiretime a'),
    w('expire a -1 gt'), w('expire a -1 lt'), w('exists a'), w('set b 1'), w('expire b -1 xx'), w('expire b -1 nx'),
    w('exists b'), w('set c 1'), w('pexpire c -9223372036854775808'), w('exists c'), w('set d 1'),
    w('expireat d 1'), w('exists d'), w('set e 1'), w('expire e 0'), w('exists e'), w('ttl nokey'),
    w('pttl nokey'), w('expiretime nokey'), w('pexpiretime nokey'), w('set f 1'), w('expireat f 4000000000'),
    w('expiretime f'), w('pexpiretime f'), w('ttl f'.replace('ttl', 'type')),
  ],
  object: [
    w('set a 1'), w('set b 10000'), w('set c -1'), w('set d 9223372036854775807'), w('set e 9223372036854775808'),
    w('set f 01'), ['set', 'g', '1'.repeat(44)], ['set', 'h', '1'.repeat(45)], w('set s hello'), w('set j -0'),
    ...'abcdefghsj'.split('').flatMap((k) => [w('object encoding ' + k), w('object refcount ' + k)]),
    w('object encoding nokey'), w('object refcount nokey'), w('object freq nokey'), w('object idletime nokey'),
    w('object freq s'), w('object idletime s'), w('object help'), w('config set maxmemory-policy allkeys-lfu'),
    // (a key written before the switch to LFU has a meaningless counter in Redis: not compared)
    w('set s2 hello'), w('object freq s2'), w('object freq a'), w('object idletime s'), w('object refcount a'),
    w('config set maxmemory-policy volatile-lfu'), w('object freq s2'), w('config set maxmemory-policy allkeys-lru'),
    w('object idletime s'), w('config set maxmemory-policy noeviction'),
  ],
};

describe('keyspace handlers vs redis-server', () => {
  for (const [name, seq] of Object.entries(CASES)) {
    test(name, async () => {
      if (!redis) return;
      keyspace.init(16);
      infoHooks.maxmemory = 0;
      infoHooks.maxmemoryPolicy = 'noeviction';
      const c = { resp: 2, out: null, opos: 0, mute: false, requestFlush() {}, db: keyspace.dbs[0] } as unknown as Client;
      await remote(['flushall']);
      await remote(['select', '0']);
      await remote(['config', 'set', 'maxmemory-policy', 'noeviction']);
      for (const argv of seq) {
        if (argv[0] === 'get') continue; // not a keyspace handler
        const r = await remote(argv);
        const l = local(c, argv);
        expect([argv.join(' '), normalize(argv, l)]).toEqual([argv.join(' '), normalize(argv, r)]);
      }
    });
  }
});

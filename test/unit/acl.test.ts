// ACL model (src/server/acl.ts) and the ACL/AUTH handlers (src/handlers/server/acl.ts).
//
// Part 1 runs on a small hand-made command table. Part 2 loads Redis' own command table (COMMAND
// on a real redis-server 7.0) and compares, for the same rules, what Strata and Redis answer:
// ACL LIST lines, SETUSER errors, GETUSER / CAT / DRYRUN / HELP replies byte for byte.
// Redis prints the trailing single-command rules of a description in its dict order, which changes
// from run to run, so those are compared as sets (everything before them must match exactly).
import * as acl from '../../src/server/acl';
import { commands as handlers } from '../../src/handlers/server/acl';
import type { Client } from '../../src/server/context';
import { startRedis, redisAvailable, warnRedisMissing, ServerHandle } from '../helpers/servers';
import { RespClient, decodeReply, toJS } from '../helpers/resp';
import { KEY_FLAG_NAMES, KEY_ACCESS, KEY_DELETE, KEY_INSERT, KEY_OW, KEY_RO, KEY_RW, KEY_UPDATE } from '../../src/server/commandTable';
import type { KeyRef } from '../../src/server/commandTable';

type Spec = acl.AclCommandSpec & { subcommands: Spec[] };

function mk(fullName: string, arity: number, flags: string[], cats: string[], keySpecs: string[][] = [], parent: Spec | null = null): Spec {
  const s: Spec = { fullName, arity, flags, acl_categories: cats, key_specs: keySpecs.map((f) => ({ flags: f })), parent, subcommands: [] };
  if (parent) parent.subcommands.push(s);
  return s;
}

function smallTable(): Spec[] {
  const config = mk('config', -2, [], []);
  mk('config|get', -3, ['admin', 'noscript', 'loading', 'stale'], [], [], config);
  mk('config|set', -4, ['admin', 'noscript', 'loading', 'stale'], [], [], config);
  const client = mk('client', -2, [], []);
  mk('client|id', 2, ['noscript', 'loading', 'stale'], ['@connection'], [], client);
  mk('client|kill', -3, ['admin', 'noscript', 'loading', 'stale'], ['@connection'], [], client);
  return [
    mk('get', 2, ['readonly', 'fast'], ['@read', '@string', '@fast'], [['RO', 'ACCESS']]),
    mk('set', -3, ['write', 'denyoom'], ['@write', '@string', '@slow'], [['RW', 'ACCESS', 'UPDATE', 'VARIABLE_FLAGS']]),
    mk('exists', -2, ['readonly', 'fast'], ['@keyspace', '@read', '@fast'], [['RO']]),
    mk('del', -2, ['write'], ['@keyspace', '@write', '@slow'], [['RM', 'DELETE']]),
    mk('lmove', 5, ['write', 'denyoom'], ['@write', '@list', '@slow'], [['RW', 'ACCESS', 'DELETE'], ['RW', 'INSERT']]),
    mk('bitfield', -2, ['write', 'denyoom'], ['@write', '@bitmap', '@slow'], [['RW', 'UPDATE', 'ACCESS', 'VARIABLE_FLAGS']]),
    mk('keys', 2, ['readonly'], ['@keyspace', '@read', '@slow', '@dangerous'], []),
    mk('select', 2, ['loading', 'stale', 'fast'], ['@connection'], []),
    mk('ping', -1, ['fast'], ['@connection'], []),
    mk('auth', -2, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], ['@connection'], []),
    mk('publish', 3, ['pubsub', 'loading', 'stale', 'fast'], [], []),
    mk('subscribe', -2, ['pubsub', 'noscript', 'loading', 'stale'], [], []),
    mk('psubscribe', -2, ['pubsub', 'noscript', 'loading', 'stale'], [], []),
    mk('flushall', -1, ['write'], ['@keyspace', '@write', '@slow', '@dangerous'], []),
    config,
    client,
  ];
}

// ---------------------------------------------------------------------------------------------
// A handler-level fake client: replies land in c.out like on a real connection.

type FakeClient = Client & { take(): string };
function fakeClient(resp = 2): FakeClient {
  const c = {
    resp,
    out: null as Buffer | null,
    opos: 0,
    mute: false,
    requestFlush() {},
    id: 7,
    addr: '127.0.0.1:50000',
    laddr: '127.0.0.1:6379',
    fd: 9,
    name: '',
    libName: '',
    libVer: '',
    db: { id: 0 },
    user: acl.defaultUser() as acl.User,
    authenticated: true,
    ctime: Date.now(),
    lastInteraction: Date.now(),
    lastCmd: 'NULL',
    replyMode: 'on',
    noEvict: false,
    monitor: false,
    cmd: null,
    flagsText: () => 'N',
    qbufLen: () => 0,
    outputLen: () => 0,
    closeAfterReply() {},
    kill() {},
    take(): string {
      const s = this.out ? this.out.toString('latin1', 0, this.opos) : '';
      this.opos = 0;
      return s;
    },
  };
  return c as unknown as FakeClient;
}

function run(c: FakeClient, argv: string[]): string {
  const name = argv[0].toLowerCase() === 'acl' ? 'acl|' + argv[1].toLowerCase() : argv[0].toLowerCase();
  const h = handlers[name];
  if (!h) throw new Error('no handler ' + name);
  h(c, argv);
  return c.take();
}

function bulkText(raw: string): unknown {
  return toJS(decodeReply(Buffer.from(raw, 'latin1')).value);
}

// ---------------------------------------------------------------------------------------------
// Part 1: model tests on a small table

describe('ACL model (small table)', () => {
  let table: Spec[];
  const byName = new Map<string, Spec>();
  beforeAll(() => {
    table = smallTable();
    const walk = (l: Spec[]) => l.forEach((s) => (byName.set(s.fullName, s), walk(s.subcommands)));
    walk(table);
    acl.setCommandSource(() => table);
  });
  beforeEach(() => {
    acl.resetAcl();
    acl.setPubsubDefault(false);
  });
  const spec = (n: string) => byName.get(n)!;

  test('default user', () => {
    const d = acl.defaultUser();
    expect(acl.describeLine(d)).toBe('user default on nopass ~* &* +@all');
    expect(d.allowsAll).toBe(true);
    expect(acl.allUsers().map((u) => u.name)).toEqual(['default']);
    expect(acl.authenticate('default', 'anything')).toBe(d);
  });

  test('new user is off with no permissions', () => {
    expect(acl.setUser('bob', [])).toBeNull();
    const u = acl.getUser('bob')!;
    expect(acl.describe(u)).toBe('off resetchannels -@all');
    expect(u.allowsAll).toBe(false);
    expect(acl.authenticate('bob', 'x')).toBeNull();
  });

  test('passwords', () => {
    const crypto = require('crypto') as typeof import('crypto');
    expect(acl.hashPassword('pw1')).toBe(crypto.createHash('sha256').update('pw1').digest('hex'));
    expect(acl.setUser('u', ['on', '>pw1', '>pw2', '>pw1'])).toBeNull();
    const u = acl.getUser('u')!;
    expect(u.passwords).toEqual([acl.hashPassword('pw1'), acl.hashPassword('pw2')]);
    expect(acl.authenticate('u', 'pw2')).toBe(u);
    expect(acl.authenticate('u', 'nope')).toBeNull();
    expect(acl.setUser('u', ['<pw1'])).toBeNull();
    expect(acl.authenticate('u', 'pw1')).toBeNull();
    expect(acl.setUser('u', ['<pw1'])).toBe(
      "ERR Error in ACL SETUSER modifier '<pw1': The password you are trying to remove from the user does not exist",
    );
    expect(acl.setUser('u', ['#' + 'a'.repeat(63)])).toMatch(/The password hash must be exactly 64 characters/);
    expect(acl.setUser('u', ['#' + 'A'.repeat(64)])).toMatch(/The password hash must be exactly 64 characters/);
    expect(acl.setUser('u', ['#' + acl.hashPassword('pw3')])).toBeNull();
    expect(acl.authenticate('u', 'pw3')).toBe(u);
    expect(acl.setUser('u', ['off'])).toBeNull();
    expect(acl.authenticate('u', 'pw3')).toBeNull();
    expect(acl.setUser('u', ['on', 'nopass'])).toBeNull();
    expect(u.passwords).toEqual([]);
    expect(acl.authenticate('u', 'whatever')).toBe(u);
    expect(acl.setUser('u', ['resetpass'])).toBeNull();
    expect(acl.authenticate('u', 'whatever')).toBeNull();
  });

  test('setuser is all-or-nothing and keeps the user object', () => {
    acl.setUser('u', ['on', '+get']);
    const u = acl.getUser('u')!;
    expect(acl.setUser('u', ['+set', 'bogus'])).toBe("ERR Error in ACL SETUSER modifier 'bogus': Syntax error");
    expect(acl.describe(u)).toBe('on resetchannels -@all +get');
    acl.setUser('u', ['+del']);
    expect(acl.getUser('u')).toBe(u);
    expect(acl.describe(u)).toBe('on resetchannels -@all +get +del');
    // a category that matches exactly is preferred to single commands
    acl.setUser('u', ['+set']);
    expect(acl.describe(u)).toBe('on resetchannels -@all +@string +del');
  });

  test('rule errors', () => {
    const e = (rules: string[]) => acl.setUser('x', rules);
    expect(e(['foo'])).toBe("ERR Error in ACL SETUSER modifier 'foo': Syntax error");
    expect(e(['+nosuch'])).toBe("ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL");
    expect(e(['-@nosuch'])).toBe("ERR Error in ACL SETUSER modifier '-@nosuch': Unknown command or category name in ACL");
    expect(e(['~*', '~foo'])).toBe(
      "ERR Error in ACL SETUSER modifier '~foo': Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
    );
    expect(e(['allchannels', '&x'])).toBe(
      "ERR Error in ACL SETUSER modifier '&x': Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
    );
    expect(e(['+config|get|x'])).toBe("ERR Error in ACL SETUSER modifier '+config|get|x': Allowing first-arg of a subcommand is not supported");
    expect(e(['+config|'])).toBe("ERR Error in ACL SETUSER modifier '+config|': Syntax error");
    expect(e(['+config|nosuch'])).toBe("ERR Error in ACL SETUSER modifier '+config|nosuch': Unknown command or category name in ACL");
    expect(e(['-select|0'])).toBe("ERR Error in ACL SETUSER modifier '-select|0': Unknown command or category name in ACL");
    expect(e(['%X~a'])).toBe("ERR Error in ACL SETUSER modifier '%X~a': Syntax error");
    expect(e(['%RR~a'])).toBe("ERR Error in ACL SETUSER modifier '%RR~a': Syntax error");
    expect(e(['~a b'])).toBe("ERR Error in ACL SETUSER modifier '~a b': Syntax error");
    expect(e(['(+get ~x foo)'])).toBe("ERR Error in ACL SETUSER modifier '(+get ~x foo)': Syntax error");
    expect(e(['on', '(+get', '~x'])).toBe("ERR Unmatched parenthesis in acl selector starting at '(+get'.");
    expect(acl.setUser('a b', [])).toBe("ERR Usernames can't contain spaces or null characters");
    expect(acl.getUser('x')).toBeUndefined();
  });

  test('key and channel patterns describe', () => {
    acl.setUser('k', ['%R~a', '%W~a', '%W~b', '%r~c', '%w~c', '~d', '%R~', '&ch*', '&x']);
    expect(acl.describe(acl.getUser('k')!)).toBe('off ~a %W~b ~c ~d %R~ resetchannels &ch* &x -@all');
    acl.setUser('k', ['allkeys', 'allchannels']);
    expect(acl.describe(acl.getUser('k')!)).toBe('off ~* &* -@all');
    acl.setUser('k', ['resetkeys', 'resetchannels', 'reset']);
    expect(acl.describe(acl.getUser('k')!)).toBe('off sanitize-payload resetchannels -@all');
    acl.setPubsubDefault(true);
    acl.setUser('k2', []);
    expect(acl.describe(acl.getUser('k2')!)).toBe('off &* -@all');
  });

  test('command rules describe', () => {
    const d = (rules: string[]) => {
      acl.setUser('d', ['reset', ...rules]);
      return acl.describeCommandRules(acl.getUser('d')!.root);
    };
    expect(d(['+@all'])).toBe('+@all');
    expect(d(['+@all', '-get'])).toBe('+@all -get');
    expect(d(['+get'])).toBe('-@all +get');
    expect(d(['+client', '-client|kill'])).toBe('-@all +client -client|kill');
    expect(d(['+config|get'])).toBe('-@all +config|get');
    expect(d(['+select|0', '+select|1'])).toBe('-@all +select|0 +select|1');
    expect(d(['+@all', '-select', '+select|0'])).toBe('+@all -select +select|0');
    expect(d(['+select|0', '+select'])).toBe('-@all +select');
    expect(d(['+@all', '-@all'])).toBe('-@all');
    expect(d(['allcommands', 'nocommands', 'allcommands'])).toBe('+@all');
  });

  test('selectors', () => {
    expect(acl.setUser('s', ['on', 'nopass', '+get', '~a*', '(+set ~b*)', '(', '+get', '~c*', ')'])).toBeNull();
    const u = acl.getUser('s')!;
    expect(u.selectors.length).toBe(3);
    expect(acl.describe(u)).toBe('on nopass ~a* resetchannels -@all +get (~b* resetchannels -@all +set) (~c* resetchannels -@all +get)');
    const chk = (argv: string[], keys: number[]) => acl.checkCommand(u, spec(argv[0]), argv, keys);
    expect(chk(['get', 'a1'], [1])).toBeNull();
    expect(chk(['get', 'c1'], [1])).toBeNull();
    expect(chk(['get', 'b1'], [1])).toBe('key');
    expect(chk(['set', 'b1', 'v'], [1])).toBeNull();
    expect(chk(['set', 'a1', 'v'], [1])).toBe('key');
    expect(chk(['del', 'a1'], [1])).toBe('command');
    acl.setUser('s', ['clearselectors']);
    expect(acl.describe(u)).toBe('on nopass ~a* resetchannels -@all +get');
  });

  test('checkCommand: commands, first args, subcommands', () => {
    acl.setUser('c', ['on', 'nopass', 'allkeys', '+get', '+config|get', '+select|0', '+client', '-client|kill']);
    const u = acl.getUser('c')!;
    const chk = (s: string, argv: string[], keys: number[] = []) => acl.checkCommand(u, spec(s), argv, keys);
    expect(chk('get', ['get', 'k'], [1])).toBeNull();
    expect(chk('set', ['set', 'k', 'v'], [1])).toBe('command');
    expect(chk('config|get', ['config', 'get', 'x'])).toBeNull();
    expect(chk('config|set', ['config', 'set', 'x', 'y'])).toBe('command');
    expect(chk('select', ['select', '0'])).toBeNull();
    expect(chk('select', ['select', '1'])).toBe('command');
    expect(chk('client|id', ['client', 'id'])).toBeNull();
    expect(chk('client|kill', ['client', 'kill', 'x'])).toBe('command');
    // no_auth commands skip the command bit
    expect(chk('auth', ['auth', 'a', 'b'])).toBeNull();
    // AclUserRef by name works too
    expect(acl.checkCommand({ name: 'c' }, spec('set'), ['set', 'k', 'v'], [1])).toBe('command');
  });

  test('checkCommand: read/write key permissions (ACLSelectorCheckKey)', () => {
    acl.setUser('w', ['on', 'nopass', '+@all', '%W~w*', '%R~r*', '~a*']);
    const u = acl.getUser('w')!;
    const chk = (argv: string[], keys: number[], idx?: number[]) => acl.checkCommand(u, spec(argv[0]), argv, keys, idx);
    expect(chk(['get', 'r1'], [1])).toBeNull();
    expect(chk(['get', 'w1'], [1])).toBe('key');
    expect(chk(['get', 'a1'], [1])).toBeNull();
    expect(chk(['get', 'zz'], [1])).toBe('key');
    // RO without ACCESS needs no permission beyond a matching pattern
    expect(chk(['exists', 'w1'], [1])).toBeNull();
    // Variable flags come with the key refs: SET without GET is OW UPDATE (write), with GET
    // RW ACCESS UPDATE (read+write); BITFIELD with only GET is RO ACCESS.
    const ref = (flags: number) => [{ pos: 1, flags }];
    const ow = ref(KEY_OW | KEY_UPDATE);
    const rwa = ref(KEY_RW | KEY_ACCESS | KEY_UPDATE);
    const roa = ref(KEY_RO | KEY_ACCESS);
    expect(acl.checkCommand(u, spec('set'), ['set', 'w1', 'v'], ow)).toBeNull();
    expect(acl.checkCommand(u, spec('set'), ['set', 'w1', 'v', 'GET'], rwa)).toBe('key');
    expect(acl.checkCommand(u, spec('set'), ['set', 'a1', 'v', 'get'], rwa)).toBeNull();
    expect(acl.checkCommand(u, spec('set'), ['set', 'r1', 'v'], ow)).toBe('key');
    expect(acl.checkCommand(u, spec('bitfield'), ['bitfield', 'r1', 'get', 'u8', '0'], roa)).toBeNull();
    expect(acl.checkCommand(u, spec('bitfield'), ['bitfield', 'r1', 'set', 'u8', '0', '1'], rwa)).toBe('key');
    expect(acl.checkCommand(u, spec('bitfield'), ['bitfield', 'w1', 'get', 'u8', '0'], roa)).toBe('key');
    // plain positions of a VARIABLE_FLAGS command without flag-aware extraction: read+write needed
    expect(chk(['set', 'w1', 'v'], [1])).toBe('key');
    expect(chk(['set', 'a1', 'v'], [1])).toBeNull();
    expect(chk(['del', 'w1'], [1])).toBeNull();
    expect(chk(['del', 'r1'], [1])).toBe('key');
    expect(acl.lastDeniedPos()).toBe(1);
    // LMOVE: source needs R+W, destination W (with key-spec indexes)
    expect(chk(['lmove', 'a1', 'w1', 'left', 'left'], [1, 2], [0, 1])).toBeNull();
    expect(chk(['lmove', 'w1', 'a1', 'left', 'left'], [1, 2], [0, 1])).toBe('key');
    expect(chk(['lmove', 'a1', 'r1', 'left', 'left'], [1, 2], [0, 1])).toBe('key');
    expect(acl.lastDeniedPos()).toBe(2);
    // without indexes (and no flag-aware key extraction) every key must satisfy the union (R+W)
    expect(chk(['lmove', 'a1', 'w1', 'left', 'left'], [1, 2])).toBe('key');
    // ...unless the keys come with their flags (commandTable's getKeysWithFlags)
    const lmoveRefs = (a: string, b: string) => acl.checkCommand(u, spec('lmove'), ['lmove', a, b, 'left', 'left'], [
      { pos: 1, flags: KEY_RW | KEY_ACCESS | KEY_DELETE },
      { pos: 2, flags: KEY_RW | KEY_INSERT },
    ]);
    expect(lmoveRefs('a1', 'w1')).toBeNull();
    expect(lmoveRefs('w1', 'a1')).toBe('key');
    expect(lmoveRefs('a1', 'r1')).toBe('key');
    // a flag-aware extractor is used to resolve plain positions of mixed-permission commands
    acl.setKeyExtractor((_s, argv) => [
      { pos: 1, flags: KEY_RW | KEY_ACCESS | KEY_DELETE },
      { pos: 2, flags: KEY_RW | KEY_INSERT },
    ].filter((r) => r.pos < argv.length));
    try {
      expect(chk(['lmove', 'a1', 'w1', 'left', 'left'], [1, 2])).toBeNull();
    } finally {
      acl.setKeyExtractor(null);
    }
    // the empty key never matches a pattern other than allkeys (stringmatchlen)
    expect(chk(['get', ''], [1])).toBe('key');
  });

  test('checkCommand: channels', () => {
    acl.setUser('p', ['on', 'nopass', '+@all', 'allkeys', '&ch*', '&x']);
    const u = acl.getUser('p')!;
    const chk = (argv: string[]) => acl.checkCommand(u, spec(argv[0]), argv, []);
    expect(chk(['publish', 'ch1', 'm'])).toBeNull();
    expect(chk(['publish', 'zz', 'm'])).toBe('channel');
    expect(chk(['subscribe', 'ch1', 'x'])).toBeNull();
    expect(chk(['subscribe', 'ch1', 'y', 'x'])).toBe('channel');
    expect(acl.lastDeniedPos()).toBe(2);
    expect(chk(['psubscribe', 'ch*'])).toBeNull();
    expect(chk(['psubscribe', 'ch1*'])).toBe('channel');
    expect(acl.userCanAccessChannel(u, 'chx', false)).toBe(true);
    expect(acl.userCanAccessChannel(u, 'c*', true)).toBe(false);
  });

  test('multi-selector error choice: command < key < channel, then the last position', () => {
    acl.setUser('m', ['on', 'nopass', '-@all', '+get', '~a*', '(+get ~b*)', '(+set ~c*)']);
    const u = acl.getUser('m')!;
    expect(acl.checkCommand(u, spec('get'), ['get', 'z'], [1])).toBe('key');
    expect(acl.checkCommand(u, spec('del'), ['del', 'z'], [1])).toBe('command');
  });

  test('fast path flag follows the rules', () => {
    const d = acl.defaultUser();
    expect(d.allowsAll).toBe(true);
    acl.setUser('default', ['-flushall']);
    expect(d.allowsAll).toBe(false);
    expect(acl.checkCommand(d, spec('flushall'), ['flushall'], [])).toBe('command');
    acl.setUser('default', ['+@all']);
    expect(d.allowsAll).toBe(true);
    acl.setUser('default', ['resetchannels']);
    expect(d.allowsAll).toBe(false);
    expect(acl.checkCommand(d, spec('publish'), ['publish', 'c', 'm'], [])).toBe('channel');
  });

  test('requirepass and authRequired', () => {
    const c = fakeClient();
    acl.initClientAuth(c);
    expect(c.authenticated).toBe(true);
    expect(acl.authRequired(c)).toBe(false);
    acl.setRequirePass('secret');
    expect(acl.describeLine(acl.defaultUser())).toBe(`user default on #${acl.hashPassword('secret')} ~* &* +@all`);
    const c2 = fakeClient();
    acl.initClientAuth(c2);
    expect(c2.authenticated).toBe(false);
    expect(acl.authRequired(c2)).toBe(true);
    expect(acl.authRequiredFor(acl.defaultUser())).toBe(true);
    expect(run(c2, ['AUTH', 'wrong'])).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    expect(run(c2, ['AUTH', 'secret'])).toBe('+OK\r\n');
    expect(c2.authenticated).toBe(true);
    expect(acl.authRequired(c2)).toBe(false);
    acl.setRequirePass('');
    expect(acl.describeLine(acl.defaultUser())).toBe('user default on nopass ~* &* +@all');
    expect(run(c2, ['auth', 'x'])).toBe(
      '-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n',
    );
    expect(run(c2, ['auth', 'a', 'b', 'c'])).toBe('-ERR syntax error\r\n');
  });

  test('AUTH user pass, ACL LOG grouping, WHOAMI', () => {
    const c = fakeClient();
    acl.setUser('alice', ['on', '>pw', '+@all', '~*']);
    expect(run(c, ['auth', 'alice', 'bad'])).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    expect(run(c, ['auth', 'alice', 'bad'])).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    expect(run(c, ['auth', 'alice', 'pw'])).toBe('+OK\r\n');
    expect(c.user).toBe(acl.getUser('alice'));
    expect(run(c, ['acl', 'whoami'])).toBe('$5\r\nalice\r\n');
    expect(acl.aclLog.length).toBe(1);
    expect(acl.aclLog[0]).toMatchObject({ count: 2, reason: 'auth', context: 'toplevel', object: 'auth', username: 'alice' });
    const denied = acl.checkClientCommand(c, spec('publish'), ['publish', 'zz', 'm'], []);
    expect(denied).toBe('NOPERM this user has no permissions to access one of the channels used as arguments');
    expect(acl.aclLog[0]).toMatchObject({ count: 1, reason: 'channel', object: 'zz', username: 'alice' });
    const log = bulkText(run(c, ['acl', 'log'])) as unknown[][];
    expect(log.length).toBe(2);
    expect(log[0].filter((_, i) => i % 2 === 0)).toEqual(['count', 'reason', 'context', 'object', 'username', 'age-seconds', 'client-info']);
    expect(run(c, ['acl', 'log', '1']).startsWith('*1\r\n*14\r\n')).toBe(true);
    expect(run(c, ['acl', 'log', 'reset'])).toBe('+OK\r\n');
    expect(run(c, ['acl', 'log'])).toBe('*0\r\n');
  });

  test('SETUSER reports revoked channel permissions (ACLKillPubsubClientsIfNeeded)', () => {
    const calls: [string, boolean, boolean][] = [];
    acl.setChannelsRevokedHook((u, ok) => calls.push([u.name, ok('bar', false), ok('foo', false)]));
    try {
      acl.setUser('p', ['on', 'nopass', '+@all', '&*']);
      acl.setUser('p', ['resetchannels', '&bar']); // allchannels -> list: revoked
      acl.setUser('p', ['&foo']); // superset: nothing revoked
      acl.setUser('p', ['resetchannels', '&foo']); // bar gone
      acl.setUser('p', ['allchannels']);
      expect(calls).toEqual([
        ['p', true, false],
        ['p', false, true],
      ]);
    } finally {
      acl.setChannelsRevokedHook(null);
    }
  });

  test('DELUSER calls the hook and refuses default', () => {
    const deleted: string[] = [];
    acl.setUserDeletedHook((n) => deleted.push(n));
    acl.setUser('a', []);
    acl.setUser('b', []);
    const c = fakeClient();
    expect(run(c, ['acl', 'deluser', 'a', 'default'])).toBe("-ERR The 'default' user cannot be removed\r\n");
    expect(run(c, ['acl', 'deluser', 'a', 'nosuch', 'b'])).toBe(':2\r\n');
    expect(deleted).toEqual(['a', 'b']);
    acl.setUserDeletedHook(null);
  });

  test('ACL CAT from the command table', () => {
    expect(acl.commandsInCategory('connection')).toEqual(['select', 'ping', 'auth', 'client|id', 'client|kill']);
    expect(acl.commandsInCategory('DANGEROUS')).toEqual(['keys', 'flushall', 'config|get', 'config|set', 'client|kill']);
    expect(acl.commandsInCategory('nosuch')).toBeNull();
    // implicit categories (setImplicitACLCategories): containers are @slow, PUBLISH gets @pubsub @fast
    expect(acl.commandsInCategory('slow')).toContain('config');
    expect(acl.commandsInCategory('pubsub')).toEqual(['publish', 'subscribe', 'psubscribe']);
    expect(acl.commandsInCategory('fast')).toContain('publish');
  });

  test('user directives and ACL file round trip', () => {
    const fs = require('fs') as typeof import('fs');
    const os = require('os') as typeof import('os');
    const path = require('path') as typeof import('path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acl-test-'));
    try {
      const file = path.join(dir, 'users.acl');
      expect(acl.loadUserDirective(['u1', 'on', '>p', '~a*', '+get'])).toBeNull();
      acl.setAclFile(file);
      const c = fakeClient();
      expect(run(c, ['acl', 'save'])).toBe('+OK\r\n');
      const text = fs.readFileSync(file, 'latin1');
      expect(text).toBe(`user default on nopass ~* &* +@all\nuser u1 on #${acl.hashPassword('p')} ~a* resetchannels -@all +get\n`);
      acl.resetAcl();
      expect(run(c, ['acl', 'load'])).toBe('+OK\r\n');
      expect(acl.describeLine(acl.getUser('u1')!)).toBe(`user u1 on #${acl.hashPassword('p')} ~a* resetchannels -@all +get`);
      fs.writeFileSync(file, 'user x on bogus\n');
      expect(run(c, ['acl', 'load'])).toBe(
        `-ERR ${file}:1: Syntax error. WARNING: ACL errors detected, no change to the previously active ACL rules was performed\r\n`,
      );
      expect(acl.getUser('u1')).toBeDefined();
    } finally {
      acl.setAclFile('');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Part 2: against a real redis-server

/** Splits a description into selectors; per selector: [exact prefix, sorted single-command tail]. */
function normalizeLine(line: string): string {
  const parts: string[] = [];
  const root = line.includes(' (') ? line.slice(0, line.indexOf(' (')) : line;
  parts.push(root);
  const selRe = /\(([^)]*)\)/g;
  let s: RegExpExecArray | null;
  while ((s = selRe.exec(line.slice(root.length)))) parts.push(s[1]);
  return JSON.stringify(
    parts.map((p) => {
      const toks = p.split(' ');
      let last = -1;
      toks.forEach((t, i) => {
        if (t.startsWith('+@') || t.startsWith('-@')) last = i;
      });
      return [toks.slice(0, last + 1), toks.slice(last + 1).sort()];
    }),
  );
}

/** Checks our own tail order: a container's rule comes before its subcommands' rules. */
function tailOrderOk(line: string): boolean {
  const toks = line.split(' ');
  const seen = new Set<string>();
  for (const t of toks) {
    if (/^[+-][a-z]/.test(t)) {
      const name = t.slice(1);
      const base = name.split('|')[0];
      if (name.includes('|') && toks.some((x) => x === '+' + base || x === '-' + base) && !seen.has(base)) return false;
      seen.add(name);
    }
  }
  return true;
}

function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

const haveRedis = redisAvailable();
if (!haveRedis) warnRedisMissing('ACL comparisons with redis-server');
const describeRedis = haveRedis ? describe : describe.skip;

describeRedis('ACL against redis-server 7.0', () => {
  let server: ServerHandle | null = null;
  let rc: RespClient;
  let specs: Spec[] = [];
  const byName = new Map<string, Spec>();

  const redis = async (...argv: string[]): Promise<string> => (await rc.call(...argv)).toString('latin1');

  async function resetBoth(): Promise<void> {
    acl.resetAcl();
    acl.setPubsubDefault(false);
    const us = bulkText(await redis('acl', 'users')) as string[];
    const others = us.filter((u) => u !== 'default');
    if (others.length) await redis('acl', 'deluser', ...others);
    await redis('acl', 'setuser', 'default', 'reset', 'on', 'nopass', '~*', '&*', '+@all');
    // "reset" leaves sanitize-payload on default; Redis' own default has neither flag, so recreate ours the same way
    acl.setUser('default', ['reset', 'on', 'nopass', '~*', '&*', '+@all']);
    await redis('acl', 'log', 'reset');
  }

  beforeAll(async () => {
    server = await startRedis();
    if (!server) return;
    rc = await RespClient.connect(server.port);
    const entries = bulkText(await redis('command')) as unknown[][];
    const build = (e: unknown[], parent: Spec | null): Spec => {
      const ks = (e[8] as unknown[][]).map((k) => {
        const i = k.indexOf('flags');
        return { flags: (k[i + 1] as string[]).map((f) => f.toUpperCase()) };
      });
      const s: Spec = {
        fullName: e[0] as string,
        arity: e[1] as number,
        flags: e[2] as string[],
        acl_categories: e[6] as string[],
        key_specs: ks,
        parent,
        subcommands: [],
      };
      byName.set(s.fullName, s);
      for (const sub of e[9] as unknown[][]) s.subcommands.push(build(sub, s));
      return s;
    };
    specs = entries.map((e) => build(e, null));
    acl.setCommandSource(() => specs);
  }, 30000);

  afterAll(async () => {
    rc?.close();
    await server?.stop();
  });

  test('ACL CAT lists', async () => {
    const c = fakeClient();
    expect(run(c, ['acl', 'cat'])).toBe(await redis('acl', 'cat'));
    for (const cat of acl.ACL_CATEGORIES) {
      const mine = (bulkText(run(c, ['acl', 'cat', cat])) as string[]).slice().sort();
      const theirs = (bulkText(await redis('acl', 'cat', cat)) as string[]).slice().sort();
      expect([cat, mine]).toEqual([cat, theirs]);
    }
    expect(run(c, ['acl', 'cat', 'nosuch'])).toBe(await redis('acl', 'cat', 'nosuch'));
    expect(run(c, ['acl', 'CAT', 'a', 'b'])).toBe(await redis('acl', 'CAT', 'a', 'b'));
  });

  const fixed: string[][] = [
    [],
    ['on', 'nopass', '+@all', '~*', '&*'],
    ['+@all', '-keys'],
    ['+@read', '-keys'],
    ['+@read', '-keys', '-get', '-hget'],
    ['-@all', '+get'],
    ['+@all', '-@dangerous'],
    ['+@all', '-@admin', '+config|get'],
    ['+@read', '+@write', '-@dangerous'],
    ['+@hash', '+@string', '-hset'],
    ['+client', '-client|kill'],
    ['+config|get', '+select|0', '+select|1'],
    ['+@all', '-select', '+select|0'],
    ['~foo', '%R~bar', '%W~baz', '%RW~qux', '&chan', '&ch*'],
    ['%R~a', '%W~a', '%W~b', '%r~c', '%w~c', '~', '%R', '&'],
    ['allkeys', 'allchannels', 'allcommands', '-flushall'],
    ['reset'],
    ['>pw1', '>pw2', '#' + '0123456789abcdef'.repeat(4), '<pw1'],
    ['on', '>x', 'nopass'],
    ['skip-sanitize-payload'],
    ['sanitize-payload', 'skip-sanitize-payload'],
    ['(+get ~x)', '(+set ~y &z)'],
    ['+get', '(', '+set', '~y', ')', '()'],
    ['+@all', '-@all', '+@pubsub', '+@slow'],
    ['+@fast', '-@read'],
    ['+@geo', '+@sortedset'],
    ['+@connection', '+@transaction'],
    ['-@all', '+@all', '-@write', '+set'],
    ['+@keyspace', '-@keyspace', '+@scripting'],
    ['+@all', '-@fast', '-@slow'],
    ['+@admin', '-config', '+config|get'],
    ['+debug|object', '+debug|digest'],
    ['+@stream', '+@list', '+@blocking'],
    ['+@all', '-@write', '-@read', '+@string'],
    ['nocommands', '+@bitmap', '+@hyperloglog', '-pfadd'],
    // errors
    ['foo'],
    ['+nosuch'],
    ['+@nosuch'],
    ['~*', '~foo'],
    ['&*', '&foo'],
    ['#abc'],
    ['!abc'],
    ['<nopw'],
    ['+config|get|x'],
    ['+config|'],
    ['+get|'],
    ['+get|x|y'],
    ['+config|nosuch'],
    ['-select|0'],
    ['%X~foo'],
    ['%~foo'],
    ['~a b'],
    ['(+get ~x foo)'],
    ['(+get', '~x'],
    ['on', '(+get', '~x)', '(+set'],
    [')'],
    ['+'],
    ['-'],
    ['+@'],
    ['&* ', '&x'],
  ];

  function randomRules(r: () => number): string[] {
    const names = [...byName.keys()];
    const pool = (): string => {
      const k = Math.floor(r() * 10);
      const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)];
      if (k < 4) return (r() < 0.5 ? '+@' : '-@') + pick(acl.ACL_CATEGORIES);
      if (k < 7) return (r() < 0.5 ? '+' : '-') + pick(names);
      if (k === 7) return pick(['+@all', '-@all', 'allcommands', 'nocommands']);
      if (k === 8) return pick(['~a', '%R~b', '%W~c', 'allkeys', 'resetkeys', '&x', 'allchannels', 'resetchannels', 'on', 'off']);
      return pick(['+select|0', '+select|5', '+debug|object', '+config|get', '-client|kill', '+client']);
    };
    const n = 1 + Math.floor(r() * 7);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(pool());
    return out;
  }

  test('SETUSER results and ACL LIST lines match Redis', async () => {
    await resetBoth();
    const r = rng(12345);
    const cases = [...fixed];
    for (let i = 0; i < 300; i++) cases.push(randomRules(r));
    const names: string[] = [];
    for (let i = 0; i < cases.length; i++) {
      const name = 'u' + String(i).padStart(3, '0');
      const theirs = await redis('acl', 'setuser', name, ...cases[i]);
      const mine = acl.setUser(name, cases[i]);
      expect([cases[i], mine === null ? '+OK\r\n' : '-' + mine + '\r\n']).toEqual([cases[i], theirs]);
      if (mine === null) names.push(name);
    }
    const theirList = bulkText(await redis('acl', 'list')) as string[];
    const mineList = acl.allUsers().map(acl.describeLine);
    expect(mineList.length).toBe(theirList.length);
    let exact = 0;
    for (let i = 0; i < theirList.length; i++) {
      const idx = Number(theirList[i].split(' ')[1].slice(1));
      const label = theirList[i].split(' ')[1] + ' ' + JSON.stringify(cases[idx] ?? []);
      expect([label, normalizeLine(mineList[i])]).toEqual([label, normalizeLine(theirList[i])]);
      expect([label, tailOrderOk(mineList[i])]).toEqual([label, true]);
      if (mineList[i] === theirList[i]) exact++;
    }
    expect(exact).toBeGreaterThan(theirList.length / 2);
    // ACL USERS order and the whole raw reply
    expect(run(fakeClient(), ['acl', 'users'])).toBe(await redis('acl', 'users'));
  });

  test('incremental SETUSER on the same user matches Redis', async () => {
    await resetBoth();
    const r = rng(777);
    for (let i = 0; i < 150; i++) {
      const rules = randomRules(r);
      const theirs = await redis('acl', 'setuser', 'inc', ...rules);
      const mine = acl.setUser('inc', rules);
      expect([rules, mine === null ? '+OK\r\n' : '-' + mine + '\r\n']).toEqual([rules, theirs]);
      const line = (bulkText(await redis('acl', 'list')) as string[]).find((l) => l.startsWith('user inc '))!;
      expect([rules, normalizeLine(acl.describeLine(acl.getUser('inc')!))]).toEqual([rules, normalizeLine(line)]);
    }
  });

  test('GETUSER replies (RESP2 and RESP3), HELP, errors byte for byte', async () => {
    await resetBoth();
    const setups: string[][] = [
      ['g1', 'on', '>a', '>b', '~x', '%R~y', '&c*', '+@read', '-keys'],
      ['g2', 'off', 'nopass', 'allkeys', '(+get ~x)', '(+set ~y &z)', '+@all', '-@dangerous'],
      ['g3', 'reset', 'skip-sanitize-payload'],
    ];
    for (const s of setups) {
      await redis('acl', 'setuser', ...s);
      acl.setUser(s[0], s.slice(1));
    }
    const cmds: string[][] = [
      ['acl', 'getuser', 'g1'],
      ['acl', 'getuser', 'g2'],
      ['acl', 'getuser', 'g3'],
      ['acl', 'getuser', 'default'],
      ['acl', 'getuser', 'nosuch'],
      ['acl', 'help'],
      ['acl', 'deluser', 'default'],
      ['acl', 'deluser', 'g3', 'default'],
      ['acl', 'genpass', '0'],
      ['acl', 'genpass', '4097'],
      ['acl', 'genpass', 'abc'],
      ['acl', 'genpass', '1', '2'],
      ['acl', 'log', 'abc'],
      ['acl', 'log', '1', '2'],
      ['acl', 'log', '-1'],
      ['acl', 'log', 'RESET'],
      ['acl', 'load'],
      ['acl', 'save'],
      ['acl', 'setuser', 'a b'],
      ['acl', 'setuser', 'x', 'on', '(+get'],
      ['auth', 'x'],
      ['auth', 'a', 'b'],
      ['auth', 'a', 'b', 'c'],
      ['acl', 'whoami'],
      ['acl', 'deluser', 'g3', 'nosuch'],
    ];
    for (const resp of [2, 3]) {
      await redis('hello', String(resp));
      const c = fakeClient(resp);
      for (const argv of cmds) {
        if (argv[2] === 'g3' && argv[1] === 'deluser' && argv.length === 4 && argv[3] === 'nosuch') {
          await redis('acl', 'setuser', 'g3');
          acl.setUser('g3', []);
        }
        expect([resp, argv, run(c, argv)]).toEqual([resp, argv, await redis(...argv)]);
      }
    }
    await redis('hello', '2');
    const g = fakeClient();
    expect((run(g, ['acl', 'genpass']).match(/^\$64\r\n[0-9a-f]{64}\r\n$/) ?? []).length).toBe(1);
    expect(run(g, ['acl', 'genpass', '5'])).toMatch(/^\$2\r\n[0-9a-f]{2}\r\n$/);
  });

  test('requirepass sets the default user like CONFIG SET requirepass', async () => {
    await resetBoth();
    await redis('config', 'set', 'requirepass', 'sekret');
    acl.setRequirePass('sekret');
    const line = (bulkText(await redis('acl', 'list')) as string[])[0];
    expect(acl.describeLine(acl.defaultUser())).toBe(line);
    await redis('auth', 'sekret');
    await redis('config', 'set', 'requirepass', '');
    acl.setRequirePass('');
    expect(acl.describeLine(acl.defaultUser())).toBe((bulkText(await redis('acl', 'list')) as string[])[0]);
  });

  test('DRYRUN decisions and replies match Redis', async () => {
    await resetBoth();
    const users: string[][] = [
      ['k', 'on', 'nopass', '+@all', '~a*', '%R~r*', '%W~w*', '&ch*', '&x'],
      ['c', 'on', 'nopass', '-@all', '+get', '+set', '+config|get', '+select|0', '+client', '-client|kill', 'allkeys', 'allchannels'],
      ['s', 'on', 'nopass', '-@all', '+get', '~a*', '(+set ~b*)', '(+get +publish ~c* &p*)'],
      ['n', 'on', 'nopass', '-@all'],
    ];
    for (const u of users) {
      await redis('acl', 'setuser', ...u);
      acl.setUser(u[0], u.slice(1));
    }
    const argvs: string[][] = [
      ['get', 'a1'], ['get', 'b1'], ['get', 'r1'], ['get', 'w1'], ['get', 'c1'],
      ['set', 'w1', 'v'], ['set', 'w1', 'v', 'get'], ['set', 'r1', 'v'], ['set', 'a1', 'v'], ['set', 'b1', 'v'], ['set', 'c1', 'v'],
      ['exists', 'w1'], ['exists', 'zz'], ['type', 'w1'], ['ttl', 'w1'], ['object', 'encoding', 'w1'],
      ['lmove', 'r1', 'w1', 'left', 'left'], ['lmove', 'a1', 'w1', 'left', 'left'], ['lmove', 'w1', 'r1', 'left', 'left'],
      ['copy', 'r1', 'w1'], ['copy', 'a1', 'w1'], ['rename', 'a1', 'w1'], ['mget', 'a1', 'b1'], ['mget', 'a1', 'r1', 'w1'],
      ['mset', 'a1', 'v', 'w1', 'v'], ['sort', 'a1', 'store', 'w1'], ['sort', 'r1', 'store', 'w1'], ['sort', 'r1'],
      ['bitfield', 'w1', 'get', 'u8', '0'], ['bitfield', 'w1', 'set', 'u8', '0', '1'], ['bitfield', 'a1', 'incrby', 'u8', '0', '1'],
      ['publish', 'ch1', 'm'], ['publish', 'zz', 'm'], ['publish', 'p1', 'm'],
      ['subscribe', 'ch1', 'x'], ['subscribe', 'ch1', 'y'], ['psubscribe', 'ch*'], ['psubscribe', 'ch1*'],
      ['ssubscribe', 'x'], ['spublish', 'y', 'm'], ['unsubscribe', 'zz'],
      ['select', '0'], ['select', '1'], ['config', 'get', 'x'], ['config', 'set', 'x', 'y'],
      ['client', 'id'], ['client', 'kill', 'x'], ['ping'], ['keys', '*'], ['del', 'w1', 'r1'], ['unlink', 'w1'],
      ['incr', 'w1'], ['append', 'w1', 'x'], ['getdel', 'a1'], ['expire', 'w1', '10'],
      ['zunionstore', 'w1', '2', 'r1', 'a1'], ['zunionstore', 'a1', '2', 'w1', 'r1'],
      ['xread', 'streams', 'r1', 'a1', '0', '0'], ['eval', 'return 1', '1', 'a1'], ['auth', 'x', 'y'],
      // errors
      ['nosuch'], ['get'], ['get', 'a', 'b'], ['config'], ['config', 'nosub'], ['CONFIG', 'GET', 'x'], ['GET', 'a1'],
    ];
    // Key positions and flags from Redis itself (COMMAND GETKEYSANDFLAGS), for our key extractor.
    const keyInfo = new Map<string, KeyRef[]>();
    for (const argv of argvs) {
      const raw = await redis('command', 'getkeysandflags', ...argv);
      const refs: KeyRef[] = [];
      if (raw[0] === '*') {
        let from = 1;
        for (const [k, flags] of bulkText(raw) as [string, string[]][]) {
          const pos = argv.indexOf(k, from);
          from = pos + 1;
          let bits = 0;
          for (const f of flags) {
            const i = KEY_FLAG_NAMES.findIndex((n) => n.toLowerCase() === f.toLowerCase());
            expect(i).toBeGreaterThanOrEqual(0);
            bits |= 1 << i;
          }
          refs.push({ pos, flags: bits });
        }
      }
      keyInfo.set(argv.join('\0'), refs);
    }
    acl.setKeyExtractor((_spec, argv) => keyInfo.get(argv.join('\0')) ?? []);
    const c = fakeClient();
    try {
      for (const u of ['k', 'c', 's', 'n', 'default', 'nosuch']) {
        for (const argv of argvs) {
          const cmd = ['acl', 'dryrun', u, ...argv];
          expect([cmd, run(c, cmd)]).toEqual([cmd, await redis(...cmd)]);
        }
      }
    } finally {
      acl.setKeyExtractor(null);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Part 3: wired to commandTable.ts (commands/*.json) through the default command source

describe('ACL on the real command table', () => {
  const ct = require('../../src/server/commandTable') as typeof import('../../src/server/commandTable');
  beforeAll(() => {
    ct.loadCommandTable();
    const noop = () => undefined;
    const map: Record<string, () => void> = {};
    for (const spec of ct.allSpecs()) {
      if (spec.subcommands) for (const sub of spec.subcommands.values()) map[sub.fullName] = noop;
      else map[spec.fullName] = noop;
    }
    ct.registerHandlers(map);
    acl.setCommandSource(null);
    acl.setKeyExtractor(null);
    acl.resetAcl();
  });

  test('categories, rules and checks follow the JSON specs', () => {
    const get = ct.getSpec('get')!;
    const set = ct.getSpec('set')!;
    expect(get && set).toBeTruthy();
    for (const cat of ['read', 'string', 'fast']) expect(acl.commandsInCategory(cat)).toContain('get');
    expect(acl.commandsInCategory('string')).toEqual(expect.arrayContaining(['get', 'set']));
    expect(acl.setUser('t', ['on', 'nopass', '+get', '+set', '%R~r*', '%W~w*'])).toBeNull();
    const u = acl.getUser('t')!;
    const chk = (spec: typeof get, argv: string[]) => acl.checkCommand(u, spec, argv, ct.getKeysWithFlags(spec, argv));
    expect(chk(get, ['get', 'r1'])).toBeNull();
    expect(chk(get, ['get', 'w1'])).toBe('key');
    expect(chk(set, ['set', 'w1', 'v'])).toBeNull();
    expect(chk(set, ['set', 'w1', 'v', 'GET'])).toBe('key');
    // plain positions (what getKeys() gives) work for single-spec commands too
    expect(acl.checkCommand(u, set, ['set', 'w1', 'v'], ct.getKeys(set, ['set', 'w1', 'v']))).toBeNull();
    const c = fakeClient();
    expect(run(c, ['acl', 'dryrun', 't', 'set', 'r1', 'v'])).toBe("$51\r\nThis user has no permissions to access the 'r1' key\r\n");
    expect(run(c, ['acl', 'dryrun', 't', 'get', 'r1'])).toBe('+OK\r\n');
    const lmove = ct.getSpec('lmove');
    if (lmove) {
      acl.setUser('t', ['+lmove', '~a*']);
      const argv = ['lmove', 'a1', 'w1', 'left', 'left'];
      expect(acl.checkCommand(u, lmove, argv, ct.getKeys(lmove, argv))).toBeNull();
      expect(acl.checkCommand(u, lmove, ['lmove', 'w1', 'a1', 'left', 'left'], [1, 2])).toBe('key');
    }
  });
});

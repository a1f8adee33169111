// Command table: lookup/arity/subcommand errors, key extraction from key specs, and COMMAND INFO/DOCS/
// LIST/GETKEYS/HELP compared byte for byte with a real redis-server 7.0 (RESP2 and RESP3).
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import type { Client, Handler } from '../../src/server/context';
import type { ReplyTarget } from '../../src/protocol/reply';
import {
  loadCommandTable,
  lookupCommand,
  registerHandlers,
  clearHandlers,
  allCommands,
  allSpecs,
  getSpec,
  getKeys,
  getKeysWithFlags,
  keyFlagNames,
  specFromJson,
  findCommandByFullName,
  loadHandlerModules,
  CommandJson,
  CommandSpec,
} from '../../src/server/commandTable';
import { commands as commandHandlers } from '../../src/handlers/server/command';
import { startRedis, redisAvailable, ServerHandle } from '../helpers/servers';

const ROOT = path.join(__dirname, '..', '..');
const COMMANDS_DIR = path.join(ROOT, 'commands');

const noop: Handler = () => {};

/** Registers the COMMAND handlers and a no-op handler for every other loaded command/subcommand. */
function registerAll(): void {
  registerHandlers(commandHandlers);
  const map: Record<string, Handler> = {};
  for (const spec of allSpecs()) {
    for (const s of [spec, ...(spec.subcommands ? spec.subcommands.values() : [])]) {
      if (s.handler === null) map[s.fullName] = noop;
    }
  }
  registerHandlers(map);
}

function fakeClient(resp: number): Client {
  const t: ReplyTarget = { resp, out: null, opos: 0, mute: false, requestFlush() {} };
  return t as unknown as Client;
}

/** Runs a command through lookupCommand + handler and returns the reply bytes (latin1). */
function run(argv: string[], resp = 2): string {
  const c = fakeClient(resp);
  const r = lookupCommand(argv);
  if (r.error !== undefined) return '-' + r.error + '\r\n';
  r.spec!.handler!(c, argv);
  return c.out ? c.out.toString('latin1', 0, c.opos) : '';
}

// ---- a tiny raw RESP client for the reference server ----------------------------------------

interface Node {
  t: string;
  v: string | Node[] | null;
  raw: string;
}

function parse(buf: string, pos: number): { node: Node; end: number } | null {
  const eol = buf.indexOf('\r\n', pos);
  if (eol === -1) return null;
  const t = buf[pos];
  const line = buf.slice(pos + 1, eol);
  let p = eol + 2;
  if ('+-:_,#'.includes(t)) return { node: { t, v: line, raw: buf.slice(pos, p) }, end: p };
  if (t === '$') {
    const n = Number(line);
    if (n < 0) return { node: { t, v: null, raw: buf.slice(pos, p) }, end: p };
    if (p + n + 2 > buf.length) return null;
    return { node: { t, v: buf.slice(p, p + n), raw: buf.slice(pos, p + n + 2) }, end: p + n + 2 };
  }
  if ('*~%>'.includes(t)) {
    let n = Number(line);
    if (n < 0) return { node: { t, v: null, raw: buf.slice(pos, p) }, end: p };
    if (t === '%') n *= 2;
    const items: Node[] = [];
    for (let i = 0; i < n; i++) {
      const r = parse(buf, p);
      if (r === null) return null;
      items.push(r.node);
      p = r.end;
    }
    return { node: { t, v: items, raw: buf.slice(pos, p) }, end: p };
  }
  throw new Error('bad RESP: ' + JSON.stringify(buf.slice(pos, pos + 40)));
}

class Raw {
  private buf = '';
  private waiting: ((s: string) => void)[] = [];
  constructor(private sock: net.Socket) {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      this.buf += d;
      this.pump();
    });
  }
  static connect(port: number): Promise<Raw> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new Raw(s)));
      s.once('error', reject);
    });
  }
  private pump(): void {
    while (this.waiting.length) {
      const r = parse(this.buf, 0);
      if (r === null) return;
      const raw = this.buf.slice(0, r.end);
      this.buf = this.buf.slice(r.end);
      this.waiting.shift()!(raw);
    }
  }
  call(argv: string[]): Promise<string> {
    let s = '*' + argv.length + '\r\n';
    for (const a of argv) s += '$' + Buffer.byteLength(a, 'latin1') + '\r\n' + a + '\r\n';
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.sock.write(s, 'latin1');
    });
  }
  close(): void {
    this.sock.destroy();
  }
}

/**
 * Redis lists subcommands in the order of a randomly seeded dict: sort them (INFO entry element 9,
 * DOCS 'subcommands' map) before comparing. Returns the canonical bytes.
 */
function canonical(raw: string, kind: 'info' | 'docs' | 'infoList' | 'docsMap'): string {
  const { node } = parse(raw, 0)!;
  const ser = (n: Node): string => n.raw;
  const header = (n: Node): string => n.raw.slice(0, n.raw.indexOf('\r\n') + 2);
  const info = (n: Node): string => {
    if (n.t !== '*' || !Array.isArray(n.v)) return n.raw;
    const items = n.v;
    const subs = items[9];
    let subRaw = subs.raw;
    if (Array.isArray(subs.v) && subs.v.length > 0) subRaw = header(subs) + subs.v.map(info).sort().join('');
    return header(n) + items.slice(0, 9).map(ser).join('') + subRaw;
  };
  const docs = (n: Node): string => {
    const items = n.v as Node[];
    let out = header(n);
    for (let i = 0; i < items.length; i += 2) {
      out += items[i].raw;
      if (items[i].v === 'subcommands') {
        const m = items[i + 1];
        const mi = m.v as Node[];
        const pairs: string[] = [];
        for (let j = 0; j < mi.length; j += 2) pairs.push(mi[j].raw + docs(mi[j + 1]));
        out += header(m) + pairs.sort().join('');
      } else out += items[i + 1].raw;
    }
    return out;
  };
  if (kind === 'info') return info(node);
  if (kind === 'docs') return docs(node);
  if (kind === 'infoList') return header(node) + (node.v as Node[]).map(info).join('');
  const items = node.v as Node[];
  let out = header(node);
  for (let i = 0; i < items.length; i += 2) out += items[i].raw + docs(items[i + 1]);
  return out;
}

// ---------------------------------------------------------------------------------------------

beforeAll(() => {
  loadCommandTable(COMMANDS_DIR);
  registerAll();
});

describe('lookup and arity', () => {
  test('finds commands case-insensitively', () => {
    expect(lookupCommand(['get', 'k']).spec?.fullName).toBe('get');
    expect(lookupCommand(['GET', 'k']).spec?.fullName).toBe('get');
    expect(lookupCommand(['gEt', 'k']).spec?.fullName).toBe('get');
    expect(lookupCommand(['config', 'GET', 'x']).spec?.fullName).toBe('config|get');
    expect(lookupCommand(['CoNfIg', 'gEt', 'x']).spec?.fullName).toBe('config|get');
    const s = lookupCommand(['client', 'no-evict', 'on']).spec!;
    expect(s.fullName).toBe('client|no-evict');
    expect(s.parent?.fullName).toBe('client');
    expect(s.subName).toBe('no-evict');
  });

  test('unknown command text', () => {
    expect(lookupCommand(['nosuch']).error).toBe("ERR unknown command 'nosuch', with args beginning with: ");
    expect(lookupCommand(['nosuch', 'a', 'b']).error).toBe(
      "ERR unknown command 'nosuch', with args beginning with: 'a' 'b' ",
    );
    expect(lookupCommand(['nosuch']).spec).toBeUndefined();
  });

  test('unknown subcommand of a container', () => {
    expect(lookupCommand(['config', 'nosub']).error).toBe("ERR unknown subcommand 'nosub'. Try CONFIG HELP.");
    expect(lookupCommand(['Client', 'x', 'y']).error).toBe("ERR unknown subcommand 'x'. Try CLIENT HELP.");
    expect(lookupCommand(['object', 'foo']).error).toBe("ERR unknown subcommand 'foo'. Try OBJECT HELP.");
  });

  test('arity errors name the full command', () => {
    let r = lookupCommand(['get']);
    expect(r.error).toBe("ERR wrong number of arguments for 'get' command");
    expect(r.spec).toBeUndefined();
    expect(r.known?.fullName).toBe('get');
    expect(lookupCommand(['get', 'a', 'b']).error).toBe("ERR wrong number of arguments for 'get' command");
    expect(lookupCommand(['set', 'a']).error).toBe("ERR wrong number of arguments for 'set' command");
    expect(lookupCommand(['set', 'a', 'b', 'NX', 'GET']).spec?.fullName).toBe('set');
    r = lookupCommand(['config']);
    expect(r.error).toBe("ERR wrong number of arguments for 'config' command");
    expect(lookupCommand(['config', 'get']).error).toBe("ERR wrong number of arguments for 'config|get' command");
    expect(lookupCommand(['CONFIG', 'GET']).error).toBe("ERR wrong number of arguments for 'config|get' command");
    expect(lookupCommand(['config', 'help', 'x']).error).toBe("ERR wrong number of arguments for 'config|help' command");
    // COMMAND alone is a container with a handler of its own (arity -1)
    expect(lookupCommand(['command']).spec?.fullName).toBe('command');
    expect(lookupCommand(['ping']).spec?.fullName).toBe('ping');
    expect(lookupCommand(['echo']).error).toBe("ERR wrong number of arguments for 'echo' command");
    expect(lookupCommand(['echo', 'a', 'b']).error).toBe("ERR wrong number of arguments for 'echo' command");
  });

  test('flags are precomputed', () => {
    const get = getSpec('get')!;
    expect(get.isReadonly && get.fast && !get.isWrite).toBe(true);
    const set = getSpec('set')!;
    expect(set.isWrite && set.denyOom && !set.fast).toBe(true);
    expect(getSpec('auth')!.noAuth).toBe(true);
    expect(getSpec('hello')!.noAuth).toBe(true);
    expect(getSpec('config|set')!.isAdmin).toBe(true);
    expect(getSpec('debug')!.isProtected).toBe(true);
    expect(getSpec('get')!.isProtected).toBe(false);
    expect(getSpec('monitor')!.flags).toContain('admin');
    expect(getSpec('get')!.hasKeys).toBe(true);
    expect(getSpec('ping')!.hasKeys).toBe(false);
    expect(getSpec('get')!.aclCategoryBits).not.toBe(0);
  });

  test('only registered commands exist', () => {
    try {
      clearHandlers();
      registerHandlers({ get: noop, 'config|get': noop });
      expect(allCommands().map((s) => s.fullName)).toEqual(['config', 'get']);
      expect(lookupCommand(['set', 'a', 'b']).error).toBe("ERR unknown command 'set', with args beginning with: 'a' 'b' ");
      expect(lookupCommand(['config', 'set', 'a', 'b']).error).toBe("ERR unknown subcommand 'set'. Try CONFIG HELP.");
      expect(lookupCommand(['config', 'get', 'a']).spec?.fullName).toBe('config|get');
      expect(findCommandByFullName('config|set')).toBeNull();
      expect(findCommandByFullName('CONFIG|GET')?.fullName).toBe('config|get');
      expect(() => registerHandlers({ nosuchcommand: noop })).toThrow(/no commands\/\*\.json spec/);
    } finally {
      clearHandlers();
      registerAll();
    }
  });

  test('loadHandlerModules registers exported commands', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-handlers-'));
    try {
      fs.mkdirSync(path.join(dir, 'sub'));
      fs.writeFileSync(path.join(dir, 'sub', 'm.js'), "exports.commands = { lolwut: function () {} };\n");
      fs.writeFileSync(path.join(dir, 'helper.js'), 'exports.x = 1;\n');
      fs.writeFileSync(path.join(dir, 'types.d.ts'), 'export {};\n');
      clearHandlers();
      const files = loadHandlerModules(dir);
      expect(files.map((f) => path.basename(f)).sort()).toEqual(['helper.js', 'm.js']);
      expect(allCommands().map((s) => s.fullName)).toEqual(['lolwut']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      clearHandlers();
      registerAll();
    }
  });
});

describe('getKeys', () => {
  const keys = (argv: string[]): number[] => {
    const r = lookupCommand(argv);
    if (!r.spec) throw new Error(r.error);
    return getKeys(r.spec, argv);
  };
  const flags = (argv: string[]): [number, readonly string[]][] =>
    getKeysWithFlags(lookupCommand(argv).spec!, argv).map((k) => [k.pos, keyFlagNames(k.flags)]);

  test('fixed positions', () => {
    expect(keys(['get', 'k'])).toEqual([1]);
    expect(keys(['GET', 'k'])).toEqual([1]);
    expect(keys(['mset', 'a', '1', 'b', '2', 'c', '3'])).toEqual([1, 3, 5]);
    expect(keys(['mget', 'a', 'b', 'c'])).toEqual([1, 2, 3]);
    expect(keys(['del', 'a', 'b', 'c'])).toEqual([1, 2, 3]);
    expect(keys(['copy', 'a', 'b', 'DB', '1'])).toEqual([1, 2]);
    expect(keys(['rename', 'a', 'b'])).toEqual([1, 2]);
    expect(keys(['object', 'encoding', 'k'])).toEqual([2]);
    expect(keys(['bitop', 'and', 'dest', 'a', 'b'])).toEqual([2, 3, 4]);
    expect(keys(['lcs', 'a', 'b', 'LEN'])).toEqual([1, 2]);
    expect(keys(['expire', 'k', '10'])).toEqual([1]);
    expect(keys(['ping'])).toEqual([]);
    expect(keys(['config', 'get', 'maxmemory'])).toEqual([]);
    expect(keys(['memory', 'usage', 'k', 'SAMPLES', '5'])).toEqual([2]);
  });

  test('flags, and SET with GET (variable flags, native getkeys)', () => {
    expect(flags(['get', 'k'])).toEqual([[1, ['RO', 'access']]]);
    expect(flags(['set', 'k', 'v'])).toEqual([[1, ['OW', 'update']]]);
    expect(flags(['set', 'k', 'v', 'get'])).toEqual([[1, ['RW', 'access', 'update']]]);
    expect(flags(['set', 'k', 'v', 'NX', 'GeT'])).toEqual([[1, ['RW', 'access', 'update']]]);
    expect(flags(['del', 'a', 'b'])).toEqual([
      [1, ['RM', 'delete']],
      [2, ['RM', 'delete']],
    ]);
    expect(flags(['rename', 'a', 'b'])).toEqual([
      [1, ['RW', 'access', 'delete']],
      [2, ['OW', 'update']],
    ]);
  });

  const mk = (over: Partial<CommandJson>): CommandSpec =>
    specFromJson({
      name: 'x',
      group: 'generic',
      arity: -2,
      flags: [],
      first_key: 0,
      last_key: 0,
      step: 0,
      acl_categories: [],
      tips: [],
      key_specs: [],
      ...over,
    });

  test('keyword begin_search (MIGRATE-like), negative startfrom', () => {
    // MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw] [KEYS k1 k2 ...]
    const spec = mk({
      name: 'migrate',
      key_specs: [
        {
          flags: ['RW', 'access', 'delete'],
          begin_search: { type: 'index', spec: { index: 3 } },
          find_keys: { type: 'range', spec: { lastkey: 0, keystep: 1, limit: 0 } },
        },
        {
          flags: ['RW', 'access', 'delete', 'incomplete'],
          begin_search: { type: 'keyword', spec: { keyword: 'KEYS', startfrom: -2 } },
          find_keys: { type: 'range', spec: { lastkey: -1, keystep: 1, limit: 0 } },
        },
      ],
    });
    // incomplete spec -> native migrateGetKeys
    expect(getKeys(spec, ['migrate', 'h', '1', 'k', '0', '10'])).toEqual([3]);
    expect(getKeys(spec, ['migrate', 'h', '1', '', '0', '10', 'KEYS', 'a', 'b'])).toEqual([7, 8]);
    expect(getKeys(spec, ['migrate', 'h', '1', '', '0', '10', 'COPY', 'keys', 'a'])).toEqual([8]);

    // same specs without the incomplete flag nor native getkeys: pure key-spec extraction
    const pure = mk({
      name: 'notmigrate',
      key_specs: [
        {
          flags: ['RW'],
          begin_search: { type: 'keyword', spec: { keyword: 'KEYS', startfrom: -2 } },
          find_keys: { type: 'range', spec: { lastkey: -1, keystep: 1, limit: 0 } },
        },
      ],
    });
    expect(getKeys(pure, ['x', 'a', 'KEYS', 'k1', 'k2'])).toEqual([3, 4]);
    // searching backwards from argc-2: the last KEYS wins
    expect(getKeys(pure, ['x', 'KEYS', 'a', 'KEYS', 'k1', 'k2'])).toEqual([4, 5]);
    expect(getKeys(pure, ['x', 'a', 'b'])).toEqual([]);
    const fwd = mk({
      key_specs: [
        {
          flags: ['RO'],
          begin_search: { type: 'keyword', spec: { keyword: 'STREAMS', startfrom: 1 } },
          find_keys: { type: 'range', spec: { lastkey: -1, keystep: 1, limit: 2 } },
        },
      ],
    });
    // XREAD-like: half of the remaining arguments are keys
    expect(getKeys(fwd, ['xread', 'COUNT', '1', 'STREAMS', 'a', 'b', '0', '0'])).toEqual([4, 5]);
  });

  test('keynum find_keys', () => {
    const spec = mk({
      key_specs: [
        {
          flags: ['RO', 'access'],
          begin_search: { type: 'index', spec: { index: 2 } },
          find_keys: { type: 'keynum', spec: { keynumidx: 0, firstkey: 1, keystep: 1 } },
        },
      ],
    });
    expect(getKeys(spec, ['x', 'script', '2', 'a', 'b', 'arg'])).toEqual([3, 4]);
    expect(getKeys(spec, ['x', 'script', '0', 'arg'])).toEqual([]);
    expect(getKeys(spec, ['x', 'script', '3', 'a'])).toEqual([]);
    expect(getKeys(spec, ['x', 'script', 'abc', 'a'])).toEqual([]);
    expect(getKeys(spec, ['x', 'script', '-1', 'a'])).toEqual([]);
  });

  test('legacy first/last/step when there are no key specs', () => {
    const spec = mk({ name: 'ri.mget', first_key: 1, last_key: -1, step: 1 });
    expect(spec.hasKeys).toBe(true);
    expect(getKeys(spec, ['ri.mget', 'a', 'b'])).toEqual([1, 2]);
    const spec2 = mk({ name: 'ri.set', first_key: 1, last_key: 1, step: 1 });
    expect(getKeys(spec2, ['ri.set', 'k', 'f', 'v'])).toEqual([1]);
    expect(mk({ name: 'nokeys' }).hasKeys).toBe(false);
  });
});

// ---- differential: real redis-server ---------------------------------------------------------

const haveRedis = redisAvailable();
if (!haveRedis) {
  // eslint-disable-next-line no-console
  console.warn('SKIPPED: /usr/bin/redis-server not installed — COMMAND INFO/DOCS/GETKEYS comparison with Redis skipped');
}
const dtest = haveRedis ? test : test.skip;

describe('COMMAND against redis-server 7.0', () => {
  let redis: ServerHandle | null = null;
  let r2: Raw;
  let r3: Raw;

  beforeAll(async () => {
    if (!haveRedis) return;
    redis = await startRedis();
    if (!redis) return;
    r2 = await Raw.connect(redis.port);
    r3 = await Raw.connect(redis.port);
    await r3.call(['HELLO', '3']);
  });
  afterAll(async () => {
    r2?.close();
    r3?.close();
    await redis?.stop();
  });

  const both = async (argv: string[], kind?: 'info' | 'docs' | 'infoList' | 'docsMap'): Promise<void> => {
    for (const [resp, conn] of [
      [2, r2],
      [3, r3],
    ] as const) {
      const want = await conn.call(argv);
      const got = run(argv, resp);
      if (kind) expect([argv.join(' '), resp, canonical(got, kind)]).toEqual([argv.join(' '), resp, canonical(want, kind)]);
      else expect([argv.join(' '), resp, got]).toEqual([argv.join(' '), resp, want]);
    }
  };

  // Commands Strata adds from later Redis versions (CLIENT SETINFO, 7.2) or of its own (RI.*, since
  // Strata 0.1.0) have no 7.0 reply to compare with; neither has the container listing that includes them.
  const newerThan70 = (s: { since?: string }): boolean => !/^([1-6]\.|7\.0\.)/.test(s.since ?? '');
  const hasNewerSub = (s: { subcommands: Map<string, { since?: string }> | null }): boolean =>
    !!s.subcommands && [...s.subcommands.values()].some(newerThan70);

  dtest('COMMAND INFO and COMMAND DOCS of every generated command', async () => {
    let n = 0;
    for (const spec of allSpecs()) {
      if (newerThan70(spec)) continue;
      const subs = spec.subcommands ? [...spec.subcommands.values()].filter((s) => !newerThan70(s)) : [];
      const names = [...(hasNewerSub(spec) ? [] : [spec.fullName]), ...subs.map((s) => s.fullName)];
      for (const name of names) {
        if (spec.subcommands && name === spec.fullName) {
          await both(['COMMAND', 'INFO', name], 'infoList');
          await both(['COMMAND', 'DOCS', name], 'docsMap');
        } else {
          await both(['COMMAND', 'INFO', name]);
          await both(['COMMAND', 'DOCS', name]);
        }
        n++;
      }
    }
    expect(n).toBeGreaterThan(100);
  });

  dtest('several names, case, unknown names and the a|b syntax', async () => {
    await both(['COMMAND', 'INFO', 'get', 'nosuch', 'SET', 'CONFIG|GET', 'config|', '', 'get|x', 'a|b|c', '|get', 'config|get|x']);
    await both(['command', 'docs', 'get', 'nosuch', 'SET', 'CONFIG|GET', 'config|', '', 'get|x', 'a|b|c']);
    await both(['command', 'docs', 'nosuch']);
    await both(['command', 'docs', 'get', 'GET', 'get']);
    await both(['command', 'info', 'get', 'GET']);
    await both(['command', 'info', 'nosuch']);
    await both(['COMMAND', 'INFO', 'object|encoding', 'client|no-evict', 'Memory|Usage', 'lcs', 'bitop', 'copy', 'restore']);
  });

  dtest('HELP, LIST errors and filters', async () => {
    await both(['COMMAND', 'HELP']);
    await both(['command', 'help']);
    await both(['command', 'help', 'x']);
    await both(['COMMAND', 'LIST', 'x']);
    await both(['COMMAND', 'LIST', 'FILTERBY']);
    await both(['COMMAND', 'LIST', 'FILTERBY', 'bogus', 'x']);
    await both(['COMMAND', 'LIST', 'FILTERBY', 'aclcat', 'read', 'extra']);
    await both(['COMMAND', 'LIST', 'FILTERBY', 'module', 'x']);
    await both(['COMMAND', 'LIST', 'FILTERBY', 'aclcat', '@read']);
    await both(['COMMAND', 'LIST', 'FILTERBY', 'aclcat', 'nosuchcat']);
    await both(['COMMAND', 'COUNT', 'x']);
    await both(['COMMAND', 'NOSUB']);
    await both(['COMMAND', 'GETKEYS']);

    // LIST results as sets, restricted to the commands Strata has a JSON for
    const ours = new Set<string>();
    for (const s of allSpecs()) {
      if (newerThan70(s)) continue;
      ours.add(s.fullName);
      if (s.subcommands) for (const x of s.subcommands.values()) if (!newerThan70(x)) ours.add(x.fullName);
    }
    const names = (raw: string): string[] => ((parse(raw, 0)!.node.v as Node[]) ?? []).map((n) => n.v as string);
    for (const filter of [
      [],
      ['FILTERBY', 'PATTERN', 'config*'],
      ['FILTERBY', 'PATTERN', '*|*'],
      ['FILTERBY', 'PATTERN', 'C[LO]*|[a-h]*'],
      ['FILTERBY', 'PATTERN', '*e?'],
      ['FILTERBY', 'PATTERN', '[^a-m]*'],
      ['FILTERBY', 'PATTERN', 'get\\*'],
      ['FILTERBY', 'ACLCAT', 'Connection'],
      ['FILTERBY', 'ACLCAT', 'keyspace'],
      ['FILTERBY', 'ACLCAT', 'dangerous'],
    ]) {
      const argv = ['COMMAND', 'LIST', ...filter];
      const want = names(await r2.call(argv)).filter((x) => ours.has(x)).sort();
      const got = names(run(argv, 2)).filter((x) => ours.has(x)).sort();
      expect([filter, got]).toEqual([filter, want]);
    }
  });

  dtest('COMMAND / COMMAND INFO / COMMAND DOCS without names list every registered command', () => {
    const count = allCommands().length;
    expect(run(['COMMAND', 'COUNT'])).toBe(`:${count}\r\n`);
    const all = parse(run(['COMMAND']), 0)!.node.v as Node[];
    expect(all.length).toBe(count);
    expect(run(['COMMAND', 'INFO'], 3)).toBe(run(['COMMAND'], 3));
    const docs = parse(run(['COMMAND', 'DOCS'], 3), 0)!.node;
    expect(docs.t).toBe('%');
    expect((docs.v as Node[]).length).toBe(count * 2);
  });

  dtest('COMMAND GETKEYS / GETKEYSANDFLAGS', async () => {
    const cases: string[][] = [
      ['get', 'k'],
      ['GET', 'k'],
      ['get'],
      ['get', 'a', 'b'],
      ['echo'],
      ['echo', 'a', 'b'],
      ['lcs', 'a'],
      ['set', 'k'],
      ['nosuch', 'a'],
      ['ping'],
      ['ping', 'x'],
      ['config', 'get', 'x'],
      ['config', 'nosub'],
      ['config'],
      ['set', 'k', 'v'],
      ['set', 'k', 'v', 'get'],
      ['set', 'k', 'v', 'EX', '10', 'GET'],
      ['set', 'k', 'v', 'get2'],
      ['mset', 'a', '1', 'b', '2'],
      ['mset', 'a', '1', 'b'],
      ['msetnx', 'a', '1', 'b', '2'],
      ['mget', 'a', 'b', 'c'],
      ['del', 'a', 'b'],
      ['unlink', 'a'],
      ['exists', 'a', 'a'],
      ['touch', 'a', 'b'],
      ['copy', 'a', 'b'],
      ['copy', 'a', 'b', 'DB', '2', 'REPLACE'],
      ['rename', 'a', 'b'],
      ['renamenx', 'a', 'b'],
      ['move', 'a', '1'],
      ['object', 'encoding', 'k'],
      ['object', 'freq', 'k'],
      ['object', 'help'],
      ['memory', 'usage', 'k'],
      ['bitop', 'and', 'd', 'a', 'b'],
      ['bitop', 'not', 'd', 'a'],
      ['lcs', 'a', 'b'],
      ['expire', 'k', '10', 'NX'],
      ['getex', 'k', 'PERSIST'],
      ['restore', 'k', '0', 'payload'],
      ['dump', 'k'],
      ['keys', '*'],
      ['scan', '0'],
      ['type', 'k'],
      ['setrange', 'k', '0', 'v'],
      ['bitcount', 'k'],
      ['bitpos', 'k', '1'],
      ['incrbyfloat', 'k', '1.5'],
      ['client', 'list'],
      ['debug', 'object', 'k'],
      ['function', 'list'],
      ['command', 'info'],
      ['wait', '1', '0'],
      ['echo', 'x'],
      ['shutdown'],
      ['acl', 'whoami'],
    ];
    for (const c of cases) {
      await both(['COMMAND', 'GETKEYS', ...c]);
      await both(['COMMAND', 'GETKEYSANDFLAGS', ...c]);
    }
  });

  dtest('native getkeys fallbacks (EVAL, SORT, MIGRATE, XREAD, ZUNIONSTORE, ...) on generated specs', async () => {
    const extra = [
      'eval', 'evalsha', 'eval_ro', 'fcall', 'sort', 'sort_ro', 'migrate', 'xread', 'xreadgroup', 'zunionstore',
      'zinterstore', 'zunion', 'zdiff', 'zintercard', 'sintercard', 'lmpop', 'blmpop', 'zmpop', 'bzmpop',
      'georadius', 'georadiusbymember', 'bitfield', 'bitfield_ro', 'blpop', 'xadd', 'geosearchstore',
    ];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-cmds-'));
    try {
      for (const f of fs.readdirSync(COMMANDS_DIR)) fs.copyFileSync(path.join(COMMANDS_DIR, f), path.join(dir, f));
      execFileSync(process.execPath, [path.join(ROOT, 'tools', 'gen-commands.js'), '--out', dir, ...extra], { stdio: 'pipe' });
      loadCommandTable(dir);
      registerAll();
      const cases: string[][] = [
        ['eval', 's', '0'],
        ['eval', 's', '2', 'a', 'b', 'c'],
        ['eval', 's', '3', 'a', 'b'],
        ['eval', 's', '-1', 'a'],
        ['eval', 's', 'x', 'a'],
        ['eval', 's', ' 1', 'a'],
        ['eval', 's', '01', 'a'],
        ['eval', 's', '1x', 'a'],
        ['evalsha', 'sha', '1', 'a'],
        ['eval_ro', 's', '1', 'a', 'b'],
        ['fcall', 'f', '2', 'a', 'b'],
        ['fcall', 'f', '0'],
        ['sort', 'k'],
        ['sort', 'k', 'STORE', 'd'],
        ['sort', 'k', 'by', 'store', 'get', 'x', 'store', 'd2'],
        ['sort', 'k', 'LIMIT', '0', '1', 'STORE', 'dst'],
        ['sort', 'k', 'store'],
        ['sort', 'k', 'store', 'a', 'store', 'b'],
        ['sort_ro', 'k', 'BY', 'x'],
        ['migrate', 'h', '1', 'k', '0', '10'],
        ['migrate', 'h', '1', '', '0', '10', 'KEYS', 'a', 'b'],
        ['migrate', 'h', '1', 'k', '0', '10', 'KEYS', 'a', 'b'],
        ['migrate', 'h', '1', '', '0', '10', 'AUTH', 'keys', 'KEYS', 'a'],
        ['migrate', 'h', '1', '', '0', '10', 'COPY', 'REPLACE', 'KEYS', 'a', 'b', 'c'],
        ['xread', 'STREAMS', 'a', '0'],
        ['xread', 'COUNT', '2', 'STREAMS', 'a', 'b', '0', '0'],
        ['xread', 'STREAMS', 'a', 'b', '0'],
        ['xread', 'BLOCK', '0', 'streams', 'streams', 'streams', '0', '0'],
        ['xread', 'NOSUCH', 'STREAMS', 'a', '0'],
        ['xreadgroup', 'GROUP', 'g', 'c', 'STREAMS', 'a', '>'],
        ['xreadgroup', 'GROUP', 'g', 'c', 'NOACK', 'STREAMS', 'a', 'b', '>', '>'],
        ['zunionstore', 'd', '2', 'a', 'b'],
        ['zunionstore', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2'],
        ['zunionstore', 'd', '3', 'a', 'b'],
        ['zunionstore', 'd', '0', 'a'],
        ['zinterstore', 'd', '1', 'a'],
        ['zunion', '2', 'a', 'b', 'WITHSCORES'],
        ['zdiff', '1', 'a'],
        ['zintercard', '2', 'a', 'b', 'LIMIT', '1'],
        ['sintercard', '2', 'a', 'b'],
        ['sintercard', '5', 'a', 'b'],
        ['lmpop', '2', 'a', 'b', 'LEFT'],
        ['lmpop', '3', 'a', 'b', 'LEFT'],
        ['blmpop', '0', '2', 'a', 'b', 'LEFT'],
        ['zmpop', '1', 'a', 'MIN'],
        ['bzmpop', '1', '1', 'a', 'MAX'],
        ['georadius', 'k', '1', '2', '3', 'm'],
        ['georadius', 'k', '1', '2', '3', 'm', 'STORE', 'd'],
        ['georadius', 'k', '1', '2', '3', 'm', 'STORE', 'd', 'STOREDIST', 'e'],
        ['georadius', 'k', '1', '2', '3', 'm', 'STORE'],
        ['georadiusbymember', 'k', 'm', '3', 'km', 'STOREDIST', 'd'],
        ['bitfield', 'k', 'GET', 'u8', '0'],
        ['bitfield', 'k', 'SET', 'u8', '0', '1'],
        ['bitfield', 'k', 'GET', 'u8'],
        ['bitfield_ro', 'k', 'GET', 'u8', '0'],
        ['blpop', 'a', 'b', '0'],
        ['xadd', 'k', '*', 'f', 'v'],
        ['geosearchstore', 'd', 's', 'FROMMEMBER', 'm', 'BYRADIUS', '1', 'km'],
      ];
      for (const c of cases) {
        await both(['COMMAND', 'GETKEYS', ...c]);
        await both(['COMMAND', 'GETKEYSANDFLAGS', ...c]);
      }
      for (const name of extra) {
        await both(['COMMAND', 'INFO', name]);
        await both(['COMMAND', 'DOCS', name]);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      loadCommandTable(COMMANDS_DIR);
      registerAll();
    }
  });
});

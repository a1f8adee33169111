// MULTI/EXEC/DISCARD/WATCH/UNWATCH through the real dispatcher with fake clients (no sockets), plus the
// dispatcher's queueing rules, WATCH bookkeeping, RESET/disconnect clean-up, stats, CLIENT LIST fields,
// RESP2 subscribed mode and the interplay of EXEC with blocked clients. Reply texts were checked against
// redis-server 7.0.15 (test/differential/tx.test.ts compares byte for byte).
import type { Client } from '../../src/server/context';
import { keyspace } from '../../src/keyspace/db';
import { loadCommandTable, registerHandlers, getSpec } from '../../src/server/commandTable';
import { dispatch } from '../../src/server/dispatcher';
import type { Connection } from '../../src/server/connection';
import * as acl from '../../src/server/acl';
import { commands as txCommands } from '../../src/handlers/tx/tx';
import { watchedKeyCount, unwatchAllKeys } from '../../src/handlers/tx/watch';
import { commands as connCommands, resetHooks, clientInfoLine } from '../../src/handlers/connection/connection';
import { commands as unblockCommands } from '../../src/handlers/connection/unblock';
import { commands as strCommands } from '../../src/handlers/string/strings';
import { commands as ksCommands } from '../../src/handlers/keyspace/keyspace';
import { commands as serverCommands } from '../../src/handlers/server/server';
import { serverStats, cmdStats, clients } from '../../src/server/state';
import { blockForKeys, signalKeyAsReady, blockedClientCount, mustNotBlock, parseTimeout } from '../../src/server/blocking';
import * as R from '../../src/protocol/reply';

let nextId = 1000;
interface FakeClient extends Client {
  take(): string;
  closed: boolean;
}
function fakeClient(resp = 2): FakeClient {
  const c = {
    resp,
    out: null as Buffer | null,
    opos: 0,
    mute: false,
    requestFlush() {},
    id: nextId++,
    addr: '127.0.0.1:1',
    laddr: '127.0.0.1:6379',
    fd: 7,
    name: '',
    libName: '',
    libVer: '',
    db: keyspace.dbs[0],
    user: acl.defaultUser(),
    authenticated: true,
    ctime: Date.now(),
    lastInteraction: Date.now(),
    lastCmd: 'NULL',
    replyMode: 'on' as const,
    noEvict: false,
    monitor: false,
    cmd: null,
    subscriptions: 0,
    multi: null,
    watch: null,
    blocked: null,
    denyBlocking: false,
    closed: false,
    flagsText(): string {
      let f = '';
      if (this.subscriptions > 0) f += 'P';
      if (this.multi !== null) f += 'x';
      if (this.blocked !== null) f += 'b';
      if (this.watch !== null && (this.watch as { dirty: boolean }).dirty) f += 'd';
      return f || 'N';
    },
    qbufLen: () => 0,
    outputLen: () => 0,
    closeAfterReply() {
      this.closed = true;
    },
    kill() {},
    take(): string {
      const s = this.out ? this.out.toString('latin1', 0, this.opos) : '';
      this.out = null;
      this.opos = 0;
      return s;
    },
  };
  clients.set(c.id, c as unknown as Client);
  return c as unknown as FakeClient;
}

function run(c: FakeClient, ...argv: string[]): string {
  dispatch(c as unknown as Connection, argv);
  return c.take();
}

let c: FakeClient;
beforeAll(() => {
  keyspace.init(16);
  loadCommandTable();
  registerHandlers(txCommands);
  registerHandlers(connCommands);
  registerHandlers(unblockCommands);
  registerHandlers(strCommands);
  registerHandlers(ksCommands);
  registerHandlers(serverCommands);
});
beforeEach(() => {
  for (const db of keyspace.dbs) db.flush();
  c = fakeClient();
});
afterEach(() => {
  // like a disconnect
  for (const h of resetHooks) h(c);
});

describe('MULTI / EXEC / DISCARD', () => {
  test('queueing and execution', () => {
    expect(run(c, 'MULTI')).toBe('+OK\r\n');
    expect(run(c, 'SET', 'a', '1')).toBe('+QUEUED\r\n');
    expect(run(c, 'INCR', 'a')).toBe('+QUEUED\r\n');
    expect(keyspace.dbs[0].has('a')).toBe(false);
    expect(c.multi!.cmds.length).toBe(2);
    expect(run(c, 'EXEC')).toBe('*2\r\n+OK\r\n:2\r\n');
    expect(c.multi).toBeNull();
    expect(run(c, 'EXEC')).toBe('-ERR EXEC without MULTI\r\n');
    expect(run(c, 'DISCARD')).toBe('-ERR DISCARD without MULTI\r\n');
  });

  test('empty transaction and DISCARD', () => {
    run(c, 'MULTI');
    expect(run(c, 'EXEC')).toBe('*0\r\n');
    run(c, 'MULTI');
    run(c, 'SET', 'a', '1');
    expect(run(c, 'DISCARD')).toBe('+OK\r\n');
    expect(keyspace.dbs[0].has('a')).toBe(false);
    expect(c.multi).toBeNull();
  });

  test('nested MULTI and WATCH inside MULTI reply errors without aborting', () => {
    run(c, 'MULTI');
    expect(run(c, 'MULTI')).toBe('-ERR MULTI calls can not be nested\r\n');
    expect(run(c, 'WATCH', 'a')).toBe('-ERR WATCH inside MULTI is not allowed\r\n');
    run(c, 'SET', 'a', 'v');
    expect(run(c, 'EXEC')).toBe('*1\r\n+OK\r\n');
  });

  test('queueing errors abort with EXECABORT', () => {
    run(c, 'MULTI');
    expect(run(c, 'NOSUCH', 'x')).toBe("-ERR unknown command 'NOSUCH', with args beginning with: 'x' \r\n");
    expect(run(c, 'SET', 'a', '1')).toBe('+QUEUED\r\n');
    expect(run(c, 'GET')).toBe("-ERR wrong number of arguments for 'get' command\r\n");
    expect(c.multi!.dirtyExec).toBe(true);
    expect(c.multi!.cmds.length).toBe(0); // nothing is queued once aborted
    expect(run(c, 'EXEC')).toBe('-EXECABORT Transaction discarded because of previous errors.\r\n');
    expect(keyspace.dbs[0].has('a')).toBe(false);
    expect(c.multi).toBeNull();
  });

  test('a rejected EXEC discards the transaction with the reason', () => {
    run(c, 'MULTI');
    run(c, 'SET', 'a', '1');
    expect(run(c, 'EXEC', 'x')).toBe("-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n");
    expect(c.multi).toBeNull();
    expect(run(c, 'EXEC')).toBe('-ERR EXEC without MULTI\r\n');
  });

  test('no-multi commands are rejected while queueing', () => {
    // SAVE may not be registered here: check the flag path with any no_multi spec that is.
    const spec = getSpec('save');
    if (spec === undefined || spec.handler === null) {
      registerHandlers({ save: (x) => R.ok(x) });
    }
    run(c, 'MULTI');
    expect(run(c, 'SAVE')).toBe('-ERR Command not allowed inside a transaction\r\n');
    expect(run(c, 'EXEC')).toBe('-EXECABORT Transaction discarded because of previous errors.\r\n');
  });

  test('runtime errors are per-command replies', () => {
    run(c, 'SET', 's', 'str');
    run(c, 'MULTI');
    run(c, 'INCR', 's');
    run(c, 'SET', 'n', '1');
    expect(run(c, 'EXEC')).toBe('*2\r\n-ERR value is not an integer or out of range\r\n+OK\r\n');
  });

  test('RESP3 null on a touched WATCH', () => {
    const c3 = fakeClient(3);
    run(c3, 'WATCH', 'k');
    run(c3, 'SET', 'k', '1');
    run(c3, 'MULTI');
    expect(run(c3, 'EXEC')).toBe('_\r\n');
  });

  test('RESET and the closed hook leave MULTI and unwatch', () => {
    run(c, 'WATCH', 'a', 'b');
    run(c, 'MULTI');
    run(c, 'SET', 'a', '1');
    expect(watchedKeyCount()).toBe(2);
    expect(run(c, 'RESET')).toBe('+RESET\r\n');
    expect(c.multi).toBeNull();
    expect(c.watch).toBeNull();
    expect(watchedKeyCount()).toBe(0);
    expect(run(c, 'EXEC')).toBe('-ERR EXEC without MULTI\r\n');
  });

  test('QUIT inside MULTI is not queued', () => {
    run(c, 'MULTI');
    expect(run(c, 'QUIT')).toBe('+OK\r\n');
    expect(c.closed).toBe(true);
  });

  test('SELECT inside EXEC switches the db for the following queued commands', () => {
    run(c, 'MULTI');
    run(c, 'SELECT', '3');
    run(c, 'SET', 'k', 'db3');
    expect(run(c, 'EXEC')).toBe('*2\r\n+OK\r\n+OK\r\n');
    expect(keyspace.dbs[3].get('k')).toBe('db3');
    expect(c.db.id).toBe(3);
  });
});

describe('WATCH', () => {
  test('modified by another client', () => {
    const other = fakeClient();
    run(c, 'SET', 'k', '1');
    run(c, 'WATCH', 'k');
    run(other, 'SET', 'k', '2');
    expect(c.watch!.dirty).toBe(true);
    expect(c.flagsText()).toBe('d');
    run(c, 'MULTI');
    expect(c.flagsText()).toBe('xd');
    run(c, 'SET', 'z', '1');
    expect(c.multi!.cmds.length).toBe(0);
    expect(run(c, 'EXEC')).toBe('*-1\r\n');
    expect(keyspace.dbs[0].has('z')).toBe(false);
    expect(c.watch).toBeNull();
  });

  test('unmodified watched key and own transaction writes', () => {
    run(c, 'WATCH', 'k', 'k');
    expect(watchedKeyCount()).toBe(1);
    run(c, 'MULTI');
    run(c, 'SET', 'k', 'mine');
    expect(run(c, 'EXEC')).toBe('*1\r\n+OK\r\n');
    expect(watchedKeyCount()).toBe(0);
  });

  test('UNWATCH clears the dirty flag', () => {
    run(c, 'WATCH', 'k');
    run(c, 'SET', 'k', '1');
    expect(run(c, 'UNWATCH')).toBe('+OK\r\n');
    run(c, 'MULTI');
    expect(run(c, 'EXEC')).toBe('*0\r\n');
  });

  test('every Db write method touches', () => {
    const db = keyspace.dbs[0];
    const ops: [string, () => void][] = [
      ['set', () => db.set('k', 'v')],
      ['update', () => db.update('k', 'w')],
      ['setExpire', () => db.setExpire('k', Date.now() + 100000)],
      ['persist', () => db.persist('k')],
      ['detach', () => db.detach('k')],
      ['delete', () => db.delete('k')],
    ];
    db.set('k', 'v0');
    for (const [name, op] of ops) {
      if (!db.has('k')) db.set('k', 'v0');
      run(c, 'WATCH', 'k');
      op();
      expect([name, c.watch!.dirty]).toEqual([name, true]);
      run(c, 'UNWATCH');
    }
  });

  test('different db, same key name: no touch', () => {
    run(c, 'WATCH', 'k');
    keyspace.dbs[1].set('k', 'x');
    expect(c.watch!.dirty).toBe(false);
  });

  test('FLUSHDB / FLUSHALL touch only existing watched keys', () => {
    run(c, 'WATCH', 'missing');
    run(c, 'FLUSHALL');
    expect(c.watch!.dirty).toBe(false);
    run(c, 'SET', 'present', '1');
    run(c, 'UNWATCH');
    run(c, 'WATCH', 'present');
    run(c, 'FLUSHDB');
    expect(c.watch!.dirty).toBe(true);
  });

  test('expiry: after WATCH it fails EXEC; already expired at WATCH it does not', () => {
    const db = keyspace.dbs[0];
    db.set('x', '1');
    db.setExpire('x', Date.now() - 1); // logically expired, still stored
    run(c, 'WATCH', 'x');
    expect(c.watch!.keys[0].expired).toBe(true);
    db.get('x'); // lazy deletion of an already-expired key: no change
    run(c, 'MULTI');
    expect(run(c, 'EXEC')).toBe('*0\r\n');

    db.set('y', '1');
    db.setExpire('y', Date.now() + 50);
    run(c, 'WATCH', 'y');
    db.expires.set('y', Date.now() - 1); // expires after WATCH (no write event)
    run(c, 'MULTI');
    expect(run(c, 'EXEC')).toBe('*-1\r\n');

    db.set('z', '1');
    db.setExpire('z', Date.now() - 1);
    run(c, 'WATCH', 'z');
    run(c, 'SET', 'z', '2'); // writing the expired key is a change
    run(c, 'MULTI');
    expect(run(c, 'EXEC')).toBe('*-1\r\n');
  });

  test('unwatchAllKeys keeps per-db maps consistent with many watchers', () => {
    const cs = [fakeClient(), fakeClient(), fakeClient()];
    for (const x of cs) run(x, 'WATCH', 'a', 'b', 'c');
    expect(watchedKeyCount()).toBe(9);
    run(cs[1], 'UNWATCH');
    expect(watchedKeyCount()).toBe(6);
    run(c, 'SET', 'b', '1');
    expect(cs[0].watch!.dirty).toBe(true);
    expect(cs[1].watch).toBeNull();
    expect(cs[2].watch!.dirty).toBe(true);
    for (const x of cs) unwatchAllKeys(x);
    expect(watchedKeyCount()).toBe(0);
  });
});

describe('CLIENT LIST fields', () => {
  test('multi=<n> and flags x', () => {
    expect(clientInfoLine(c)).toMatch(/ flags=N .* multi=-1 /);
    run(c, 'MULTI');
    expect(clientInfoLine(c)).toMatch(/ flags=x .* multi=0 /);
    run(c, 'SET', 'a', '1');
    run(c, 'GET', 'a');
    expect(clientInfoLine(c)).toMatch(/ multi=2 /);
    expect(clientInfoLine(c)).toMatch(/ cmd=get /);
    run(c, 'DISCARD');
    expect(clientInfoLine(c)).toMatch(/ flags=N .* multi=-1 /);
  });
});

describe('stats', () => {
  test('queued commands count when executed; EXEC is not failed by its commands errors', () => {
    const total0 = serverStats.totalCommands;
    const exec0 = { ...(cmdStats.get('exec') ?? { calls: 0, failed: 0, rejected: 0 }) };
    const incr0 = { ...(cmdStats.get('incr') ?? { calls: 0, failed: 0, rejected: 0 }) };
    run(c, 'SET', 's', 'x');
    run(c, 'MULTI');
    run(c, 'INCR', 's');
    expect(serverStats.totalCommands).toBe(total0 + 2);
    run(c, 'EXEC');
    expect(serverStats.totalCommands).toBe(total0 + 4);
    expect(cmdStats.get('incr')!.calls).toBe(incr0.calls + 1);
    expect(cmdStats.get('incr')!.failed).toBe(incr0.failed + 1);
    expect(cmdStats.get('exec')!.calls).toBe(exec0.calls + 1);
    expect(cmdStats.get('exec')!.failed).toBe(exec0.failed);
    // rejected (unknown / arity) commands are not processed commands
    run(c, 'GET');
    expect(serverStats.totalCommands).toBe(total0 + 4);
    run(c, 'MULTI');
    run(c, 'NOSUCH');
    run(c, 'EXEC');
    expect(cmdStats.get('exec')!.failed).toBe(exec0.failed + 1);
  });
});

describe('RESP2 subscribed mode', () => {
  test('only pub/sub commands, PING, QUIT, RESET', () => {
    c.subscriptions = 1;
    expect(run(c, 'GET', 'a')).toBe(
      "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
    );
    expect(run(c, 'CLIENT', 'ID')).toMatch(/^-ERR Can't execute 'client\|id': /);
    expect(run(c, 'MULTI')).toMatch(/^-ERR Can't execute 'multi': /);
    expect(run(c, 'PING')).not.toMatch(/^-/);
    c.resp = 3;
    expect(run(c, 'GET', 'a')).toBe('_\r\n');
    c.resp = 2;
    c.subscriptions = 0;
  });
});

describe('EXEC and blocking', () => {
  test('denyBlocking during EXEC; blocked clients are served after EXEC as a whole', () => {
    const db = keyspace.dbs[0];
    const waiter = fakeClient();
    let servedWith: string | undefined;
    let retries = 0;
    let sawDuringExec: boolean | undefined;
    registerHandlers({
      // test-only: a blocking "pop" on a string key, via the blocking API
      blpop: (x, argv) => {
        sawDuringExec = mustNotBlock(x);
        const key = argv[1];
        const t = parseTimeout(x, argv[2]);
        if (t === null) return;
        const tryServe = (cl: Client): boolean => {
          retries++;
          const v = cl.db.get(key);
          if (typeof v !== 'string') return false;
          cl.db.delete(key);
          servedWith = v;
          R.bulk(cl, v);
          return true;
        };
        if (tryServe(x)) return;
        if (mustNotBlock(x)) return R.nullArray(x);
        blockForKeys(x, [key], t, tryServe, (cl) => R.nullArray(cl));
      },
    });
    // inside EXEC: no blocking
    run(c, 'MULTI');
    run(c, 'BLPOP', 'q', '0');
    expect(run(c, 'EXEC')).toBe('*1\r\n*-1\r\n');
    expect(sawDuringExec).toBe(true);
    // a real block
    expect(run(waiter, 'BLPOP', 'q', '0')).toBe('');
    expect(sawDuringExec).toBe(false);
    expect(blockedClientCount()).toBe(1);
    expect(waiter.flagsText()).toBe('b');
    retries = 0;
    const seen: (string | undefined)[] = [];
    registerHandlers({
      lpush: (x, argv) => {
        x.db.set(argv[1], argv[2]);
        signalKeyAsReady(x.db, argv[1]);
        seen.push(servedWith);
        R.int(x, 1);
      },
    });
    run(c, 'MULTI');
    run(c, 'LPUSH', 'q', 'v1');
    run(c, 'SET', 'q', 'v2'); // still inside the same EXEC: the waiter must see the final value
    expect(run(c, 'EXEC')).toBe('*2\r\n:1\r\n+OK\r\n');
    expect(seen).toEqual([undefined]); // not served in the middle of EXEC
    expect(servedWith).toBe('v2');
    expect(retries).toBe(1);
    expect(waiter.take()).toBe('$2\r\nv2\r\n');
    expect(blockedClientCount()).toBe(0);
    expect(db.has('q')).toBe(false);
  });
});

describe('a handler that throws', () => {
  test('is answered with an error, its partial reply is taken back, and the server goes on', () => {
    const c = fakeClient();
    const spec = getSpec('echo')!;
    const real = spec.handler;
    spec.handler = (cl) => {
      R.arrayLen(cl, 2); // half a reply, then a bug
      throw new Error('boom');
    };
    try {
      expect(run(c, 'ECHO', 'x')).toBe("-ERR internal error while running 'echo' (see the server log)\r\n");
    } finally {
      spec.handler = real;
    }
    expect(run(c, 'ECHO', 'x')).toBe('$1\r\nx\r\n');
  });
});

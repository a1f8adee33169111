// Pub/sub registry (src/server/pubsub.ts) and handlers (src/handlers/pubsub) driven with fake clients.
// Expected bytes are what redis-server 7.0.15 sends (the differential test checks the same frames
// against a real server).
import type { Client } from '../../src/server/context';
import * as PS from '../../src/server/pubsub';
import { commands } from '../../src/handlers/pubsub/pubsub';
import { commands as connCommands, resetHooks } from '../../src/handlers/connection/connection';
import * as acl from '../../src/server/acl';
import { configSet, resetConfig } from '../../src/config';
import { serverStats } from '../../src/server/state';

interface Fake extends Client {
  subscriptions: number;
  used: number;
  killed: boolean;
  closing: boolean;
}

let nextId = 1;
function fake(resp = 2): Fake {
  const c = {
    id: nextId++,
    addr: '127.0.0.1:1',
    resp,
    out: null,
    opos: 0,
    mute: false,
    cmd: null,
    user: acl.defaultUser(),
    subscriptions: 0,
    used: 0,
    killed: false,
    closing: false,
    requestFlush() {},
    outputLen() {
      return this.used + this.opos;
    },
    kill() {
      this.killed = true;
    },
    closeAfterReply() {
      this.closing = true;
    },
  };
  return c as unknown as Fake;
}

/** Takes what c received so far. */
function take(c: Client): string {
  const s = c.out === null ? '' : (c.out as Buffer).toString('latin1', 0, c.opos);
  c.out = null;
  c.opos = 0;
  return s;
}

/** Runs a command on c and returns its reply bytes. */
function run(c: Client, ...argv: string[]): string {
  take(c);
  const name = argv[0].toLowerCase();
  const h = commands[name] ?? commands[name + '|' + (argv[1] ?? '').toLowerCase()] ?? connCommands[name];
  if (!h) throw new Error('no handler for ' + argv.join(' '));
  h(c, argv);
  return take(c);
}

const bulk = (s: string) => '$' + s.length + '\r\n' + s + '\r\n';
const int = (n: number) => ':' + n + '\r\n';
const frame = (resp: number, kind: string, name: string | null, count: number) =>
  (resp === 3 ? '>3\r\n' : '*3\r\n') + bulk(kind) + (name === null ? (resp === 3 ? '_\r\n' : '$-1\r\n') : bulk(name)) + int(count);
const msg = (resp: number, ch: string, m: string) => (resp === 3 ? '>3\r\n' : '*3\r\n') + bulk('message') + bulk(ch) + bulk(m);
const smsg = (resp: number, ch: string, m: string) => (resp === 3 ? '>3\r\n' : '*3\r\n') + bulk('smessage') + bulk(ch) + bulk(m);
const pmsg = (resp: number, p: string, ch: string, m: string) => (resp === 3 ? '>4\r\n' : '*4\r\n') + bulk('pmessage') + bulk(p) + bulk(ch) + bulk(m);

beforeEach(() => {
  PS.resetPubsub();
  resetConfig();
});

describe.each([2, 3])('confirmations (RESP%i)', (resp) => {
  it('UNSUBSCRIBE / PUNSUBSCRIBE / SUNSUBSCRIBE with no subscriptions: one frame, nil channel, count 0', () => {
    const c = fake(resp);
    expect(run(c, 'UNSUBSCRIBE')).toBe(frame(resp, 'unsubscribe', null, 0));
    expect(run(c, 'PUNSUBSCRIBE')).toBe(frame(resp, 'punsubscribe', null, 0));
    expect(run(c, 'SUNSUBSCRIBE')).toBe(frame(resp, 'sunsubscribe', null, 0));
    expect(c.subscriptions).toBe(0);
  });

  it('counts: channels + patterns for (P)SUBSCRIBE, shard channels apart', () => {
    const c = fake(resp);
    expect(run(c, 'SUBSCRIBE', 'a', 'b', 'a')).toBe(frame(resp, 'subscribe', 'a', 1) + frame(resp, 'subscribe', 'b', 2) + frame(resp, 'subscribe', 'a', 2));
    expect(run(c, 'PSUBSCRIBE', 'x*')).toBe(frame(resp, 'psubscribe', 'x*', 3));
    expect(run(c, 'SSUBSCRIBE', 's1', 's2')).toBe(frame(resp, 'ssubscribe', 's1', 1) + frame(resp, 'ssubscribe', 's2', 2));
    expect(c.subscriptions).toBe(5);
    expect(PS.clientSubscriptionCounts(c)).toEqual({ sub: 2, psub: 1, ssub: 2 });
    expect(run(c, 'UNSUBSCRIBE', 'b', 'zz')).toBe(frame(resp, 'unsubscribe', 'b', 2) + frame(resp, 'unsubscribe', 'zz', 2));
    expect(run(c, 'UNSUBSCRIBE')).toBe(frame(resp, 'unsubscribe', 'a', 1));
    expect(run(c, 'PUNSUBSCRIBE')).toBe(frame(resp, 'punsubscribe', 'x*', 0));
    expect(run(c, 'SUNSUBSCRIBE', 's2', 'nope')).toBe(frame(resp, 'sunsubscribe', 's2', 1) + frame(resp, 'sunsubscribe', 'nope', 1));
    expect(c.subscriptions).toBe(1);
    expect(PS.isPubsubClient(c)).toBe(true);
    expect(run(c, 'SUNSUBSCRIBE')).toBe(frame(resp, 'sunsubscribe', 's1', 0));
    expect(c.subscriptions).toBe(0);
    expect(PS.isPubsubClient(c)).toBe(false);
  });

  it('UNSUBSCRIBE with no arguments answers per channel in subscription order', () => {
    const c = fake(resp);
    run(c, 'SUBSCRIBE', 'c1', 'c2', 'c3');
    run(c, 'PSUBSCRIBE', 'p1', 'p2');
    expect(run(c, 'PUNSUBSCRIBE')).toBe(frame(resp, 'punsubscribe', 'p1', 4) + frame(resp, 'punsubscribe', 'p2', 3));
    expect(run(c, 'UNSUBSCRIBE')).toBe(frame(resp, 'unsubscribe', 'c1', 2) + frame(resp, 'unsubscribe', 'c2', 1) + frame(resp, 'unsubscribe', 'c3', 0));
    expect(run(c, 'UNSUBSCRIBE')).toBe(frame(resp, 'unsubscribe', null, 0));
  });

  it('PING in subscribed mode', () => {
    const c = fake(resp);
    expect(run(c, 'PING')).toBe('+PONG\r\n');
    run(c, 'SSUBSCRIBE', 's');
    if (resp === 2) {
      expect(run(c, 'PING')).toBe('*2\r\n$4\r\npong\r\n$0\r\n\r\n');
      expect(run(c, 'PING', 'hi')).toBe('*2\r\n$4\r\npong\r\n$2\r\nhi\r\n');
    } else {
      expect(run(c, 'PING')).toBe('+PONG\r\n');
      expect(run(c, 'PING', 'hi')).toBe('$2\r\nhi\r\n');
    }
    run(c, 'SUNSUBSCRIBE');
    expect(run(c, 'PING')).toBe('+PONG\r\n');
  });
});

describe('publish', () => {
  it('delivers to channel subscribers, then matching patterns, and counts every frame', () => {
    const a = fake(2);
    const b = fake(3);
    const p = fake(2);
    const pub = fake(2);
    run(a, 'SUBSCRIBE', 'news.tech', 'news.art');
    run(b, 'SUBSCRIBE', 'news.tech');
    run(b, 'PSUBSCRIBE', 'n?ws.*');
    run(p, 'PSUBSCRIBE', 'news.*', '*tech');
    expect(run(pub, 'PUBLISH', 'news.tech', 'hello')).toBe(int(5));
    expect(take(a)).toBe(msg(2, 'news.tech', 'hello'));
    expect(take(b)).toBe(msg(3, 'news.tech', 'hello') + pmsg(3, 'n?ws.*', 'news.tech', 'hello'));
    expect(take(p)).toBe(pmsg(2, 'news.*', 'news.tech', 'hello') + pmsg(2, '*tech', 'news.tech', 'hello'));
    expect(run(pub, 'PUBLISH', 'other', 'x')).toBe(int(0));
    expect(run(pub, 'PUBLISH', 'news.art', '')).toBe(int(3));
    expect(take(a)).toBe(msg(2, 'news.art', ''));
    expect(take(b)).toBe(pmsg(3, 'n?ws.*', 'news.art', ''));
    expect(take(p)).toBe(pmsg(2, 'news.*', 'news.art', ''));
  });

  it('an empty channel never matches a pattern, not even *', () => {
    const p = fake(2);
    run(p, 'PSUBSCRIBE', '*');
    expect(PS.publish('', 'm')).toBe(0);
    run(p, 'SUBSCRIBE', '');
    expect(PS.publish('', 'm')).toBe(1);
    expect(take(p)).toBe(msg(2, '', 'm'));
  });

  it('a RESP3 subscriber publishing to itself gets the message before its reply', () => {
    const c = fake(3);
    run(c, 'SUBSCRIBE', 'ch');
    expect(run(c, 'PUBLISH', 'ch', 'me')).toBe(msg(3, 'ch', 'me') + int(1));
  });

  it('binary-safe channels and messages', () => {
    const c = fake(2);
    const ch = 'c\x00\xff\r\n';
    run(c, 'SUBSCRIBE', ch);
    run(c, 'PSUBSCRIBE', '[\x80-\xff]*');
    expect(PS.publish(ch, 'm\x00\xfe')).toBe(1);
    expect(PS.publish('\xe9', 'z')).toBe(1);
    expect(take(c)).toBe(msg(2, ch, 'm\x00\xfe') + pmsg(2, '[\x80-\xff]*', '\xe9', 'z'));
  });

  it('SPUBLISH reaches shard subscribers only; PUBLISH ignores them', () => {
    const s = fake(2);
    const p = fake(3);
    run(s, 'SSUBSCRIBE', 'orders');
    run(p, 'PSUBSCRIBE', '*');
    run(p, 'SUBSCRIBE', 'orders');
    const pub = fake(2);
    expect(run(pub, 'SPUBLISH', 'orders', 'x')).toBe(int(1));
    expect(take(s)).toBe(smsg(2, 'orders', 'x'));
    expect(take(p)).toBe('');
    expect(run(pub, 'PUBLISH', 'orders', 'y')).toBe(int(2));
    expect(take(s)).toBe('');
    expect(take(p)).toBe(msg(3, 'orders', 'y') + pmsg(3, '*', 'orders', 'y'));
  });

  it('muted clients (CLIENT REPLY OFF) receive nothing', () => {
    const c = fake(2);
    run(c, 'SUBSCRIBE', 'ch');
    c.mute = true;
    expect(PS.publish('ch', 'm')).toBe(1);
    expect(take(c)).toBe('');
  });

  it('the propagation hook sees PUBLISH and SPUBLISH', () => {
    const seen: unknown[] = [];
    PS.pubsubHooks.propagate = (shard, ch, m) => seen.push([shard, ch, m]);
    try {
      const c = fake(2);
      run(c, 'PUBLISH', 'a', 'b');
      run(c, 'SPUBLISH', 'c', 'd');
    } finally {
      PS.pubsubHooks.propagate = null;
    }
    expect(seen).toEqual([
      [false, 'a', 'b'],
      [true, 'c', 'd'],
    ]);
  });
});

describe('PUBSUB', () => {
  it('CHANNELS NUMSUB NUMPAT SHARDCHANNELS SHARDNUMSUB', () => {
    const a = fake(2);
    const b = fake(2);
    run(a, 'SUBSCRIBE', 'news.a', 'news.b');
    run(b, 'SUBSCRIBE', 'news.a');
    run(a, 'PSUBSCRIBE', 'p*', 'q*');
    run(b, 'PSUBSCRIBE', 'p*');
    run(b, 'SSUBSCRIBE', 'sh');
    const q = fake(3);
    expect(run(q, 'PUBSUB', 'CHANNELS')).toBe('*2\r\n' + bulk('news.a') + bulk('news.b'));
    expect(run(q, 'PUBSUB', 'CHANNELS', '*b')).toBe('*1\r\n' + bulk('news.b'));
    expect(run(q, 'PUBSUB', 'CHANNELS', 'zz')).toBe('*0\r\n');
    expect(run(q, 'PUBSUB', 'NUMSUB', 'news.a', 'news.b', 'x')).toBe('*6\r\n' + bulk('news.a') + int(2) + bulk('news.b') + int(1) + bulk('x') + int(0));
    expect(run(q, 'PUBSUB', 'NUMSUB')).toBe('*0\r\n');
    expect(run(q, 'PUBSUB', 'NUMPAT')).toBe(int(2));
    expect(run(q, 'PUBSUB', 'SHARDCHANNELS')).toBe('*1\r\n' + bulk('sh'));
    expect(run(q, 'PUBSUB', 'SHARDCHANNELS', 'x*')).toBe('*0\r\n');
    expect(run(q, 'PUBSUB', 'SHARDNUMSUB', 'sh', 'news.a')).toBe('*4\r\n' + bulk('sh') + int(1) + bulk('news.a') + int(0));
    expect(PS.numChannels()).toBe(2);
    expect(PS.numPatterns()).toBe(2);
    expect(PS.numShardChannels()).toBe(1);
  });

  it('wrong number of arguments and HELP', () => {
    const q = fake(2);
    expect(run(q, 'PUBSUB', 'CHANNELS', 'a', 'b')).toBe("-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.\r\n");
    expect(run(q, 'pubsub', 'shardchannels', 'a', 'b')).toBe("-ERR unknown subcommand or wrong number of arguments for 'shardchannels'. Try PUBSUB HELP.\r\n");
    const help = run(q, 'pubsub', 'help');
    expect(help.startsWith('*14\r\n+PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CHANNELS [<pattern>]\r\n')).toBe(true);
    expect(help.endsWith('+HELP\r\n+    Prints this help.\r\n')).toBe(true);
  });
});

describe('lifecycle', () => {
  it('dropClient (client closed) forgets every subscription silently', () => {
    const c = fake(2);
    run(c, 'SUBSCRIBE', 'a');
    run(c, 'PSUBSCRIBE', 'a*');
    run(c, 'SSUBSCRIBE', 's');
    PS.dropClient(c);
    expect(take(c)).toBe('');
    expect(c.subscriptions).toBe(0);
    expect(PS.numChannels() + PS.numPatterns() + PS.numShardChannels()).toBe(0);
    expect(PS.publish('a', 'm')).toBe(0);
  });

  it('RESET runs the pub/sub reset hook', () => {
    expect(resetHooks).toContain(PS.dropClient);
    const c = fake(2);
    run(c, 'SUBSCRIBE', 'a');
    for (const h of resetHooks) h(c);
    expect(c.subscriptions).toBe(0);
    expect(PS.numSubscribers('a')).toBe(0);
  });

  it('cluster: a shard channel leaving the node unsubscribes its clients with a frame', () => {
    const a = fake(2);
    const b = fake(3);
    run(a, 'SSUBSCRIBE', 'x', 'y');
    run(b, 'SSUBSCRIBE', 'x');
    expect(PS.shardChannelsWhere((ch) => ch === 'x')).toEqual(['x']);
    PS.unsubscribeShardChannelAllClients('x');
    expect(take(a)).toBe(frame(2, 'sunsubscribe', 'x', 1));
    expect(take(b)).toBe(frame(3, 'sunsubscribe', 'x', 0));
    expect(b.subscriptions).toBe(0);
    expect(PS.activeChannels(null, true)).toEqual(['y']);
  });
});

describe('ACL: revoked channels', () => {
  afterEach(() => acl.resetAcl());

  it('disconnects the subscribers of the user whose channels shrank', () => {
    expect(acl.setUser('alice', ['on', 'nopass', '&news.*', '&sh*'])).toBeNull();
    const alice = acl.getUser('alice')!;
    const mk = () => {
      const c = fake(2);
      c.user = alice;
      return c;
    };
    const keepChannel = mk();
    const dropPattern = mk();
    const keepShard = mk();
    const dropChannel = mk();
    const otherUser = fake(2);
    run(keepChannel, 'SUBSCRIBE', 'news.a');
    run(dropPattern, 'PSUBSCRIBE', 'news.*');
    run(keepShard, 'SSUBSCRIBE', 'sh1');
    run(dropChannel, 'SUBSCRIBE', 'news.b');
    run(otherUser, 'SUBSCRIBE', 'news.b');
    // Adding a channel does not shrink anything.
    expect(acl.setUser('alice', ['&more'])).toBeNull();
    expect([keepChannel, dropPattern, keepShard, dropChannel].some((c) => c.killed)).toBe(false);
    expect(acl.setUser('alice', ['resetchannels', '&news.a', '&sh1'])).toBeNull();
    expect(keepChannel.killed).toBe(false);
    expect(keepShard.killed).toBe(false);
    expect(dropPattern.killed).toBe(true);
    expect(dropChannel.killed).toBe(true);
    expect(otherUser.killed).toBe(false);
    expect(PS.numSubscribers('news.b')).toBe(1);
    expect(PS.numPatterns()).toBe(0);
  });

  it('the client running ACL SETUSER is closed after its reply', () => {
    expect(acl.setUser('bob', ['on', 'nopass', '&*'])).toBeNull();
    const c = fake(3);
    c.user = acl.getUser('bob')!;
    run(c, 'SUBSCRIBE', 'x');
    (c as { cmd: unknown }).cmd = {};
    expect(acl.setUser('bob', ['resetchannels'])).toBeNull();
    expect(c.killed).toBe(false);
    expect(c.closing).toBe(true);
  });
});

describe('client-output-buffer-limit pubsub', () => {
  it('hard limit: disconnects after the fan-out, still counted as a receiver', () => {
    expect(configSet(['client-output-buffer-limit', 'pubsub 1000 0 0'])).toBeNull();
    const slow = fake(2);
    const fast = fake(2);
    run(slow, 'SUBSCRIBE', 'ch');
    run(fast, 'SUBSCRIBE', 'ch');
    slow.used = 900;
    const before = serverStats.clientOutputLimitDisconnections;
    expect(PS.publish('ch', 'x'.repeat(50))).toBe(2);
    expect(slow.killed).toBe(false);
    expect(PS.publish('ch', 'x'.repeat(50))).toBe(2);
    expect(slow.killed).toBe(true);
    expect(fast.killed).toBe(false);
    expect(serverStats.clientOutputLimitDisconnections).toBe(before + 1);
    expect(PS.numSubscribers('ch')).toBe(1);
    expect(PS.publish('ch', 'y')).toBe(1);
  });

  it('soft limit: only after staying over it for more than soft-seconds', () => {
    expect(configSet(['client-output-buffer-limit', 'pubsub 0 100 1'])).toBeNull();
    const c = fake(2);
    run(c, 'SUBSCRIBE', 'ch');
    c.used = 200;
    const t0 = Date.parse('2030-01-01T00:00:00Z');
    const now = jest.spyOn(Date, 'now');
    try {
      now.mockReturnValue(t0);
      PS.publish('ch', 'a'); // first time over: the clock starts
      now.mockReturnValue(t0 + 1500);
      PS.publish('ch', 'b'); // 1 s elapsed <= 1
      expect(c.killed).toBe(false);
      c.used = 0;
      c.out = null;
      c.opos = 0;
      now.mockReturnValue(t0 + 2500);
      PS.publish('ch', 'c'); // back under: the clock resets
      c.used = 200;
      now.mockReturnValue(t0 + 3000);
      PS.publish('ch', 'd');
      now.mockReturnValue(t0 + 4500);
      PS.publish('ch', 'e');
      expect(c.killed).toBe(false);
      now.mockReturnValue(t0 + 5000);
      PS.publish('ch', 'f'); // 2 s > 1
      expect(c.killed).toBe(true);
    } finally {
      now.mockRestore();
    }
  });

  it('no limits configured: nobody is disconnected', () => {
    expect(configSet(['client-output-buffer-limit', 'pubsub 0 0 0'])).toBeNull();
    const c = fake(2);
    run(c, 'SUBSCRIBE', 'ch');
    c.used = 1e12;
    PS.publish('ch', 'm');
    expect(c.killed).toBe(false);
  });
});

// Connection commands: PING ECHO QUIT RESET SELECT HELLO and CLIENT *.
import type { Client, Handler } from '../../server/context';
import * as R from '../../protocol/reply';
import { error, E } from '../../protocol/errors';
import { keyspace } from '../../keyspace/db';
import { clients } from '../../server/state';
import { authenticateClient, defaultUser, authRequiredFor } from '../../server/acl';
import { removeMonitor } from '../../server/observe';
import { serverInfo } from '../../server/identity';
import { clientSubscriptionCounts } from '../../server/pubsub';
import { parseInt64 } from '../../util/strconv';

function ping(c: Client, argv: string[]): void {
  if (argv.length > 2) return error(c, E.wrongArity('ping'));
  // RESP2 subscribed mode (Redis' CLIENT_PUBSUB): ["pong", msg or ""].
  if (c.resp === 2 && c.subscriptions > 0) {
    R.raw(c, '*2\r\n$4\r\npong\r\n');
    R.bulk(c, argv.length === 1 ? '' : argv[1]);
    return;
  }
  if (argv.length === 1) R.raw(c, '+PONG\r\n');
  else R.bulk(c, argv[1]);
}

function echo(c: Client, argv: string[]): void {
  R.bulk(c, argv[1]);
}

function quit(c: Client): void {
  R.ok(c);
  c.closeAfterReply();
}

function select(c: Client, argv: string[]): void {
  const id = parseInt64(argv[1]);
  if (id === null) return error(c, E.notInt);
  if (clusterMode.enabled && id !== 0) return error(c, 'ERR SELECT is not allowed in cluster mode');
  if (id < 0 || id >= keyspace.dbs.length) return error(c, E.dbIndex);
  c.db = keyspace.dbs[id];
  R.ok(c);
}

/** Set by the cluster subsystem. */
export const clusterMode = { enabled: false };

export function validClientName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    if (ch < 33 || ch > 126) return false;
  }
  return true;
}

function hello(c: Client, argv: string[]): void {
  let ver = 0;
  let next = 1;
  if (argv.length >= 2) {
    const v = parseInt64(argv[next++]);
    if (v === null) return error(c, 'ERR Protocol version is not an integer or out of range');
    if (v < 2 || v > 3) return error(c, 'NOPROTO unsupported protocol version');
    ver = v;
  }
  let user: string | null = null;
  let pass: string | null = null;
  let name: string | null = null;
  for (let j = next; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j];
    const lo = opt.toLowerCase();
    if (lo === 'auth' && more >= 2) {
      user = argv[j + 1];
      pass = argv[j + 2];
      j += 2;
    } else if (lo === 'setname' && more >= 1) {
      name = argv[j + 1];
      j++;
    } else {
      return error(c, `ERR Syntax error in HELLO option '${opt}'`);
    }
  }
  if (user !== null && pass !== null) {
    if (!authenticateClient(c, user, pass)) return error(c, E.wrongPass);
  }
  if (user === null && !c.authenticated && authRequiredFor(c.user)) {
    return error(
      c,
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    );
  }
  if (name !== null) {
    if (!validClientName(name)) return error(c, 'ERR Client names cannot contain spaces, newlines or special characters.');
    c.name = name;
  }
  if (ver) c.resp = ver;
  R.mapLen(c, 7);
  R.bulk(c, 'server');
  R.bulk(c, 'redis');
  R.bulk(c, 'version');
  R.bulk(c, serverInfo.redisVersion);
  R.bulk(c, 'proto');
  R.int(c, c.resp);
  R.bulk(c, 'id');
  R.int(c, c.id);
  R.bulk(c, 'mode');
  R.bulk(c, clusterMode.enabled ? 'cluster' : 'standalone');
  R.bulk(c, 'role');
  R.bulk(c, 'master');
  R.bulk(c, 'modules');
  R.arrayLen(c, 0);
}

function reset(c: Client): void {
  // Redis' clearClientConnectionState: back to a fresh connection, keeping the socket.
  if (c.monitor) {
    removeMonitor(c);
    c.monitor = false;
  }
  c.resp = 2;
  c.db = keyspace.dbs[0];
  c.name = '';
  c.replyMode = 'on';
  c.mute = false;
  c.noEvict = false;
  const u = defaultUser();
  c.user = u;
  c.authenticated = !authRequiredFor(u);
  resetHooks.forEach((h) => h(c));
  R.simple(c, 'RESET');
}
/** Other subsystems (MULTI, pub/sub, tracking) clear their per-client state on RESET. */
export const resetHooks: ((c: Client) => void)[] = [];

// ---- CLIENT ----

export function clientInfoLine(c: Client): string {
  const now = Date.now();
  const age = Math.floor((now - c.ctime) / 1000);
  const idle = Math.floor((now - c.lastInteraction) / 1000);
  const qbuf = c.qbufLen();
  const omem = c.outputLen();
  const subs = clientSubscriptionCounts(c);
  return (
    `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${c.fd} name=${c.name} age=${age} idle=${idle} flags=${c.flagsText()} ` +
    `db=${c.db.id} sub=${subs.sub} psub=${subs.psub} ssub=${subs.ssub} multi=${c.multi ? c.multi.cmds.length : -1} qbuf=${qbuf} qbuf-free=${Math.max(0, 20474 - qbuf)} argv-mem=0 multi-mem=0 ` +
    `rbs=1024 rbp=0 obl=0 oll=0 omem=${omem} tot-mem=${22000 + qbuf + omem} events=r cmd=${c.lastCmd} user=${c.user.name} ` +
    `redir=-1 resp=${c.resp} lib-name=${c.libName} lib-ver=${c.libVer}\n`
  );
}

function clientId(c: Client): void {
  R.int(c, c.id);
}
function clientGetname(c: Client): void {
  if (c.name === '') R.nullBulk(c);
  else R.bulk(c, c.name);
}
function clientSetname(c: Client, argv: string[]): void {
  const name = argv[2];
  if (!validClientName(name)) return error(c, 'ERR Client names cannot contain spaces, newlines or special characters.');
  c.name = name;
  R.ok(c);
}
function clientSetinfo(c: Client, argv: string[]): void {
  const attr = argv[2].toLowerCase();
  const val = argv[3];
  if (attr !== 'lib-name' && attr !== 'lib-ver') return error(c, `ERR Unrecognized option '${argv[2]}'`);
  // Same character rule as client names.
  if (!validClientName(val)) return error(c, `ERR ${attr} cannot contain spaces, newlines or special characters.`);
  if (attr === 'lib-name') c.libName = val;
  else c.libVer = val;
  R.ok(c);
}
function clientInfo(c: Client): void {
  R.verbatim(c, clientInfoLine(c));
}
function clientList(c: Client, argv: string[]): void {
  let list: Client[] = [...clients.values()];
  if (argv.length > 2) {
    const opt = argv[2].toLowerCase();
    if (opt === 'type' && argv.length === 4) {
      const t = argv[3].toLowerCase();
      if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(t))
        return error(c, `ERR Unknown client type '${argv[3]}'`);
      list = t === 'pubsub' ? list.filter((x) => x.subscriptions > 0) : t === 'normal' ? list.filter((x) => x.subscriptions === 0) : [];
    } else if (opt === 'id' && argv.length >= 4) {
      const ids = new Set<number>();
      for (let i = 3; i < argv.length; i++) {
        const id = parseInt64(argv[i]);
        if (id === null || id <= 0) return error(c, 'ERR Invalid client ID');
        ids.add(id);
      }
      list = list.filter((x) => ids.has(x.id));
    } else return error(c, E.syntax);
  }
  let s = '';
  for (const x of list) s += clientInfoLine(x);
  R.verbatim(c, s);
}
function clientReply(c: Client, argv: string[]): void {
  const m = argv[2].toLowerCase();
  if (m === 'on') {
    c.replyMode = 'on';
    c.mute = false;
    R.ok(c);
  } else if (m === 'off') {
    c.replyMode = 'off';
    c.mute = true;
  } else if (m === 'skip') {
    if (c.replyMode === 'on') c.replyMode = 'skip';
    c.mute = true;
  } else error(c, E.syntax);
}
function clientNoEvict(c: Client, argv: string[]): void {
  const m = argv[2].toLowerCase();
  if (m === 'on') c.noEvict = true;
  else if (m === 'off') c.noEvict = false;
  else return error(c, E.syntax);
  R.ok(c);
}
function clientKill(c: Client, argv: string[]): void {
  if (argv.length === 3) {
    // Old form: CLIENT KILL addr:port
    const target = [...clients.values()].find((x) => x.addr === argv[2]);
    if (!target) return error(c, 'ERR No such client');
    R.ok(c);
    if (target === c) c.closeAfterReply();
    else target.kill();
    return;
  }
  let id: number | null = null;
  let type: string | null = null;
  let addr: string | null = null;
  let laddr: string | null = null;
  let user: string | null = null;
  let skipme = true;
  if ((argv.length - 2) % 2 !== 0) return error(c, E.syntax);
  for (let i = 2; i < argv.length; i += 2) {
    const opt = argv[i].toLowerCase();
    const v = argv[i + 1];
    if (opt === 'id') {
      const n = parseInt64(v);
      if (n === null || n <= 0) return error(c, 'ERR client-id should be greater than 0');
      id = n;
    } else if (opt === 'type') {
      const t = v.toLowerCase();
      if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(t)) return error(c, `ERR Unknown client type '${v}'`);
      type = t;
    } else if (opt === 'addr') addr = v;
    else if (opt === 'laddr') laddr = v;
    else if (opt === 'user') {
      user = v;
    } else if (opt === 'skipme') {
      const s = v.toLowerCase();
      if (s === 'yes') skipme = true;
      else if (s === 'no') skipme = false;
      else return error(c, E.syntax);
    } else return error(c, E.syntax);
  }
  let killed = 0;
  let self = false;
  for (const x of [...clients.values()]) {
    if (id !== null && x.id !== id) continue;
    if (type !== null && type !== (x.subscriptions > 0 ? 'pubsub' : 'normal')) continue;
    if (addr !== null && x.addr !== addr) continue;
    if (laddr !== null && x.laddr !== laddr) continue;
    if (user !== null && x.user.name !== user) continue;
    if (x === c && skipme) continue;
    killed++;
    if (x === c) self = true;
    else x.kill();
  }
  R.int(c, killed);
  if (self) c.closeAfterReply();
}

const CLIENT_HELP = [
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
];

export const commands: Record<string, Handler> = {
  ping,
  echo,
  quit,
  select,
  hello,
  reset,
  'client|id': clientId,
  'client|getname': clientGetname,
  'client|setname': clientSetname,
  'client|setinfo': clientSetinfo,
  'client|info': clientInfo,
  'client|list': clientList,
  'client|reply': clientReply,
  'client|no-evict': clientNoEvict,
  'client|kill': clientKill,
  'client|help': (c, argv) => R.help(c, argv[0], CLIENT_HELP),
};

// Server commands: INFO DBSIZE FLUSHDB FLUSHALL TIME SHUTDOWN SLOWLOG LATENCY MONITOR DEBUG FUNCTION.
import type { Client, Handler } from '../../server/context';
import * as R from '../../protocol/reply';
import { error, E } from '../../protocol/errors';
import { keyspace } from '../../keyspace/db';
import { buildInfo } from '../../server/info';
import { serverStats, debugFlags, persistenceHooks } from '../../server/state';
import { forcePropagation, preventPropagation } from '../../server/propagate';
import { debugReload, debugLoadAof } from '../../persistence';
import { slowlog, slowlogReset, latencyEvents, addMonitor } from '../../server/observe';
import { serverInfo } from '../../server/identity';
import { parseInt64 } from '../../util/strconv';
import { crc64LE } from '../../util/crc64';
import { computeDatasetDigest, keyValueDigest, digestHex } from './digest';

function info(c: Client, argv: string[]): void {
  R.verbatim(c, buildInfo(argv.slice(1)));
}

function dbsize(c: Client): void {
  R.int(c, c.db.size);
}

/** FLUSHDB/FLUSHALL [ASYNC|SYNC]. Freeing is done inline; large range-index trees free themselves lazily. */
function flushMode(c: Client, argv: string[]): boolean {
  if (argv.length > 2) {
    error(c, E.syntax);
    return false;
  }
  if (argv.length === 2) {
    const m = argv[1].toLowerCase();
    if (m !== 'async' && m !== 'sync') {
      error(c, E.syntax);
      return false;
    }
  }
  return true;
}
function flushdb(c: Client, argv: string[]): void {
  if (!flushMode(c, argv)) return;
  c.db.flush();
  forcePropagation(); // an empty database is flushed in the log too (Redis forces it)
  R.ok(c);
}
function flushall(c: Client, argv: string[]): void {
  if (!flushMode(c, argv)) return;
  for (const db of keyspace.dbs) db.flush();
  forcePropagation();
  persistenceHooks.afterFlushAll();
  R.ok(c);
}

function time(c: Client): void {
  const us = BigInt(Date.now()) * 1000n + BigInt(Math.floor((performance.now() * 1000) % 1000));
  R.arrayLen(c, 2);
  R.bulk(c, String(us / 1000000n));
  R.bulk(c, String(us % 1000000n));
}

function shutdown(c: Client, argv: string[]): void {
  let save: boolean | null = null;
  let now = false;
  let force = false;
  let abort = false;
  for (let i = 1; i < argv.length; i++) {
    const o = argv[i].toLowerCase();
    if (o === 'nosave') save = false;
    else if (o === 'save') save = true;
    else if (o === 'now') now = true;
    else if (o === 'force') force = true;
    else if (o === 'abort') abort = true;
    else return error(c, E.syntax);
  }
  if (abort) {
    if (argv.length !== 2) return error(c, E.syntax);
    return error(c, 'ERR No shutdown in progress.');
  }
  if (save === false && argv.some((a) => a.toLowerCase() === 'save')) return error(c, E.syntax);
  const fn = serverInfo.shutdown;
  if (!fn || !fn({ save, now, force })) return error(c, 'ERR Errors trying to SHUTDOWN. Check logs.');
  // On success Redis sends no reply: the connection just closes.
  c.mute = true;
}

// ---- SLOWLOG ----
function slowlogGet(c: Client, argv: string[]): void {
  let count = 10;
  if (argv.length === 3) {
    const n = parseInt64(argv[2]);
    if (n === null || n < -1) return error(c, 'ERR count should be greater than or equal to -1');
    count = n === -1 ? slowlog.length : n;
  }
  const list = slowlog.slice(0, count);
  R.arrayLen(c, list.length);
  for (const e of list) {
    R.arrayLen(c, 6);
    R.int(c, e.id);
    R.int(c, e.time);
    R.int(c, e.us);
    R.bulkArray(c, e.argv);
    R.bulk(c, e.addr);
    R.bulk(c, e.name);
  }
}
const SLOWLOG_HELP = [
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
];

// ---- LATENCY ----
function latencyLatest(c: Client): void {
  R.arrayLen(c, latencyEvents.size);
  for (const [name, e] of latencyEvents) {
    R.arrayLen(c, 4);
    R.bulk(c, name);
    R.int(c, e.latestTime);
    R.int(c, e.latestMs);
    R.int(c, e.maxMs);
  }
}
function latencyHistory(c: Client, argv: string[]): void {
  const e = latencyEvents.get(argv[2]);
  if (!e) return R.arrayLen(c, 0);
  R.arrayLen(c, e.samples.length);
  for (const s of e.samples) {
    R.arrayLen(c, 2);
    R.int(c, s.time);
    R.int(c, s.ms);
  }
}
function latencyReset(c: Client, argv: string[]): void {
  if (argv.length === 2) {
    const n = latencyEvents.size;
    latencyEvents.clear();
    return R.int(c, n);
  }
  let n = 0;
  for (let i = 2; i < argv.length; i++) if (latencyEvents.delete(argv[i])) n++;
  R.int(c, n);
}
const LATENCY_HELP = [
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
];

function monitor(c: Client): void {
  if (c.denyBlocking) return error(c, "ERR MONITOR isn't allowed for DENY BLOCKING client");
  if (c.monitor) return R.ok(c);
  addMonitor(c);
  R.ok(c);
}

// ---- DEBUG ----
function debug(c: Client, argv: string[]): void {
  const sub = argv[1].toLowerCase();
  if (sub === 'sleep' && argv.length === 3) {
    const secs = Number(argv[2]);
    if (!Number.isFinite(secs)) return error(c, E.notFloat);
    // Blocks the event loop on purpose, like Redis' DEBUG SLEEP blocks the server.
    const until = Date.now() + secs * 1000;
    const sab = new Int32Array(new SharedArrayBuffer(4));
    while (Date.now() < until) Atomics.wait(sab, 0, 0, Math.max(1, until - Date.now()));
    return R.ok(c);
  }
  if (sub === 'reload') {
    let save = true;
    for (let i = 2; i < argv.length; i++) {
      const o = argv[i].toLowerCase();
      if (o === 'nosave') save = false;
      else if (o !== 'merge' && o !== 'noflush') return error(c, E.syntax);
    }
    preventPropagation(); // the dataset is the same afterwards: nothing for the log
    const e = debugReload(save);
    return e === null ? R.ok(c) : error(c, e);
  }
  if (sub === 'loadaof' && argv.length === 2) {
    preventPropagation();
    const e = debugLoadAof();
    return e === null ? R.ok(c) : error(c, e);
  }
  if (sub === 'digest' && argv.length === 2) {
    return R.simple(c, digestHex(computeDatasetDigest(keyspace.dbs)));
  }
  if (sub === 'digest-value') {
    R.arrayLen(c, argv.length - 2);
    for (let i = 2; i < argv.length; i++) R.simple(c, digestHex(keyValueDigest(c.db, argv[i])));
    return;
  }
  if (sub === 'set-active-expire' && argv.length === 3) {
    debugFlags.activeExpire = argv[2] !== '0';
    return R.ok(c);
  }
  if (sub === 'populate' && argv.length >= 3 && argv.length <= 5) {
    const n = parseInt64(argv[2]);
    if (n === null || n < 0) return error(c, E.notInt);
    const prefix = argv[3] ?? 'key';
    let size = -1;
    if (argv.length === 5) {
      const s = parseInt64(argv[4]);
      if (s === null || s < 0) return error(c, E.notInt);
      size = s;
    }
    for (let i = 0; i < n; i++) {
      const key = `${prefix}:${i}`;
      if (c.db.dict.has(key)) continue;
      let val = `value:${i}`;
      if (size >= 0) val = val.length >= size ? val.slice(0, size) : val + '\0'.repeat(size - val.length);
      c.db.set(key, val);
    }
    return R.ok(c);
  }
  if (sub === 'help') {
    return R.help(c, argv[0], [
      'DIGEST',
      '    Output a hex signature representing the current DB content.',
      'DIGEST-VALUE <key> [<key> ...]',
      '    Output a hex signature of the values of all the specified keys.',
      'POPULATE <count> [<prefix>] [<size>]',
      '    Create <count> string keys named key:<num>. If <prefix> is specified then',
      '    it is used instead of the \'key\' prefix. These are not propagated to',
      '    replicas. Cluster slots are not respected so keys not belonging to the',
      '    current node can be created in cluster mode.',
      'SET-ACTIVE-EXPIRE <0|1>',
      '    Setting it to 0 disables expiring keys in background when they are not',
      '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
      '    default.',
      'SLEEP <seconds>',
      '    Stop the server for <seconds>. Decimals allowed.',
    ]);
  }
  // Redis' addReplySubcommandSyntaxError (DEBUG has no subcommand table: also wrong argument counts)
  let up = '';
  for (let i = 0; i < argv[0].length; i++) {
    const ch = argv[0].charCodeAt(i);
    up += ch >= 97 && ch <= 122 ? String.fromCharCode(ch - 32) : argv[0][i];
  }
  error(c, `ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${up} HELP.`);
}

// Functions: Strata has no scripting engine, so its function library is always empty. DUMP answers the
// real payload of an empty library (RDB version 10 + CRC64), LIST an empty array, and RESTORE accepts
// exactly such payloads — what redis-cli --cluster add-node exchanges between nodes.
const RDB_VERSION = 10;
function emptyLibraryPayload(): Buffer {
  const body = Buffer.from([RDB_VERSION, 0]);
  return Buffer.concat([body, crc64LE(body)]);
}
function functionDump(c: Client): void {
  R.bulkBuf(c, emptyLibraryPayload());
}
function functionList(c: Client, argv: string[]): void {
  for (let i = 1; i < argv.length; i++) {
    const o = argv[i].toLowerCase();
    if (o === 'withcode') continue;
    if (o === 'libraryname') {
      if (i + 1 >= argv.length) return error(c, 'ERR library name argument was not given');
      i++;
      continue;
    }
    return error(c, `ERR Unknown argument ${argv[i]}`);
  }
  R.arrayLen(c, 0);
}
function functionRestore(c: Client, argv: string[]): void {
  const data = Buffer.from(argv[1], 'latin1');
  if (argv.length > 3) return error(c, E.syntax);
  if (argv.length === 3) {
    const p = argv[2].toLowerCase();
    if (p !== 'flush' && p !== 'append' && p !== 'replace') return error(c, 'ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
  }
  const ok = data.length >= 10 && data.readUInt16LE(data.length - 10) <= RDB_VERSION && crc64LE(data, 0, data.length - 8).equals(data.subarray(data.length - 8));
  if (!ok) return error(c, 'ERR DUMP payload version or checksum are wrong');
  if (data.length !== 10) return error(c, 'ERR Strata does not support functions: the payload holds function libraries');
  R.ok(c);
}

export const commands: Record<string, Handler> = {
  info,
  dbsize,
  flushdb,
  flushall,
  time,
  shutdown,
  monitor,
  debug,
  'slowlog|get': slowlogGet,
  'slowlog|len': (c) => R.int(c, slowlog.length),
  'slowlog|reset': (c) => {
    slowlogReset();
    R.ok(c);
  },
  'slowlog|help': (c, argv) => R.help(c, argv[0], SLOWLOG_HELP),
  'latency|latest': latencyLatest,
  'latency|history': latencyHistory,
  'latency|reset': latencyReset,
  'latency|help': (c, argv) => R.help(c, argv[0], LATENCY_HELP),
  'function|dump': functionDump,
  'function|list': functionList,
  'function|restore': functionRestore,
  lastsave: (c) => R.int(c, serverStats.lastSave),
};

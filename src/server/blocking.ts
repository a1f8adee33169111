// Blocking operations on keys (BLPOP/BRPOP/BLMOVE/BRPOPLPUSH/BLMPOP, BZPOPMIN/BZPOPMAX/BZMPOP), like
// Redis' blocked.c:
// - A handler that cannot be served now calls blockForKeys(); the client stops executing its input
//   (later pipelined commands wait in its query buffer) until it is served, times out, is unblocked by
//   CLIENT UNBLOCK, or disconnects.
// - Writes that may serve it call signalKeyAsReady(db, key). Ready keys are processed after each
//   command (after EXEC as a whole), in the order they were signalled; the clients blocked on a key
//   are tried FIFO through their `retry` closure, and a served client may signal further keys (BLMOVE).
// - Per db: key -> Set of blocked clients (Set keeps insertion order = FIFO).
import type { Client } from './context';
import type { CommandSpec } from './commandTable';
import type { Db } from '../keyspace/db';
import { error } from '../protocol/errors';
import * as errors from '../protocol/errors';
import { parseLongDouble } from '../handlers/string/longdouble';
import { serverStats, cmdStat } from './state';
import { prop, emitPending } from './propagate';

/** What a blocked client waits for (c.blocked). */
export interface BlockState {
  db: Db;
  keys: string[];
  /** Absolute deadline in ms (Date.now() clock); 0 = forever. */
  deadline: number;
  retry: (c: Client, key: string) => boolean;
  onTimeout: (c: Client) => void;
  timer: NodeJS.Timeout | null;
  /** The blocking command (its INFO commandstats are counted when the client is unblocked). */
  spec: CommandSpec | null;
  /** Reply muting in effect for the blocking command (CLIENT REPLY SKIP/OFF). */
  mute: boolean;
}

/** Db -> key -> blocked clients in blocking order. */
const blockingKeys = new Map<Db, Map<string, Set<Client>>>();
let blockedClients = 0;
let clientsWithTimeout = 0;

// Keys signalled ready since the last processing, in signal order, deduplicated per db.
let readyList: { db: Db; key: string }[] = [];
const readySet = new Map<Db, Set<string>>();
/** Non-zero while ready keys wait to be processed (the dispatcher tests this after each command). */
export const readyState = { pending: 0 };
let microtaskQueued = false;
let handling = false;

/** INFO clients: blocked_clients. */
export function blockedClientCount(): number {
  return blockedClients;
}
/** INFO clients: clients_in_timeout_table. */
export function clientsInTimeoutTable(): number {
  return clientsWithTimeout;
}

/** Called by a blocking handler that could not be served now. timeoutMs: 0 = forever. The handler's
 *  argv is re-run through `retry` when one of the keys is signalled ready; retry returns true when it
 *  served (and replied to) the client, false to stay blocked. onTimeout writes the timeout reply.
 *  `retry` also receives the key that was signalled ready (Redis serves a client blocked on several
 *  keys from the key that became ready); it runs with c.db = the db the client blocked in. */
export function blockForKeys(
  c: Client,
  keys: string[],
  timeoutMs: number,
  retry: (c: Client, key: string) => boolean,
  onTimeout: (c: Client) => void,
): void {
  if (c.denyBlocking === true || (c.blocked !== null && c.blocked !== undefined)) {
    // Must not block (MULTI/EXEC, scripts): answer as if the timeout elapsed at once.
    onTimeout(c);
    return;
  }
  const db = c.db;
  let m = blockingKeys.get(db);
  if (m === undefined) {
    m = new Map();
    blockingKeys.set(db, m);
  }
  const uniq: string[] = [];
  for (const k of keys) {
    let set = m.get(k);
    if (set === undefined) {
      set = new Set();
      m.set(k, set);
    }
    if (set.has(c)) continue; // the same key given twice
    set.add(c);
    uniq.push(k);
  }
  const st: BlockState = {
    db,
    keys: uniq,
    deadline: timeoutMs > 0 ? Date.now() + timeoutMs : 0,
    retry,
    onTimeout,
    timer: null,
    spec: c.cmd ?? null,
    mute: c.mute,
  };
  c.blocked = st;
  blockedClients++;
  if (st.deadline > 0) {
    clientsWithTimeout++;
    armTimer(c, st);
  }
}

/** setTimeout takes at most 2^31-1 ms: longer timeouts re-arm until the deadline. */
const MAX_TIMER = 2147483647;
function armTimer(c: Client, st: BlockState): void {
  const delta = st.deadline - Date.now();
  st.timer = setTimeout(() => {
    st.timer = null;
    if (c.blocked !== st) return;
    if (st.deadline - Date.now() > 0) return armTimer(c, st);
    timeoutBlockedClient(c);
  }, Math.min(Math.max(delta, 0), MAX_TIMER));
}

/** Called by writes that may serve blocked clients (LPUSH, ZADD, LMOVE destination, RESTORE, RENAME...). */
export function signalKeyAsReady(db: Db, key: string): void {
  if (blockedClients === 0) return;
  const m = blockingKeys.get(db);
  if (m === undefined || !m.has(key)) return;
  let rs = readySet.get(db);
  if (rs === undefined) {
    rs = new Set();
    readySet.set(db, rs);
  }
  if (rs.has(key)) return;
  rs.add(key);
  readyList.push({ db, key });
  readyState.pending = readyList.length;
  // The dispatcher processes ready keys after the current command; a signal from outside any command
  // (timers, cluster jobs) is processed once the current task ends.
  if (!microtaskQueued) {
    microtaskQueued = true;
    queueMicrotask(() => {
      microtaskQueued = false;
      handleClientsBlockedOnKeys();
    });
  }
}

/** True when the handler must not block (inside MULTI/EXEC, or a script): reply as if timed out. */
export function mustNotBlock(c: Client): boolean {
  return c.denyBlocking === true;
}

const LLONG_MAX_PLUS_ONE = 9223372036854775808;
/** Parses Redis timeout args: "ERR timeout is not a float or out of range", "ERR timeout is negative" ->
 *  returns ms or null after replying the error. */
export function parseTimeout(c: Client, arg: string): number | null {
  // getTimeoutFromObjectOrReply(UNIT_SECONDS) of Redis 7.0: string2ld, then (long long)(v * 1000).
  const ld = parseLongDouble(arg);
  if (ld === null) {
    error(c, 'ERR timeout is not a float or out of range');
    return null;
  }
  let ms: number;
  if (ld.inf) ms = -Infinity;
  else {
    const v = Number(ld.mant) * Math.pow(2, ld.exp) * 1000;
    ms = Math.trunc(ld.neg ? -v : v);
    // Out of the long long range: the x86 conversion gives LLONG_MIN, i.e. "negative".
    if (!(ms < LLONG_MAX_PLUS_ONE) || !(ms >= -LLONG_MAX_PLUS_ONE)) ms = -Infinity;
  }
  if (ms < 0) {
    error(c, 'ERR timeout is negative');
    return null;
  }
  return ms === 0 ? 0 : ms; // no -0
}

/** Removes the client from the blocking tables (no reply); returns false when it was not blocked. */
function removeBlocked(c: Client): BlockState | null {
  const st = c.blocked;
  if (st === null || st === undefined) return null;
  const m = blockingKeys.get(st.db);
  if (m !== undefined) {
    for (const k of st.keys) {
      const set = m.get(k);
      if (set === undefined) continue;
      set.delete(c);
      if (set.size === 0) m.delete(k);
    }
    if (m.size === 0) blockingKeys.delete(st.db);
  }
  if (st.timer !== null) {
    clearTimeout(st.timer);
    st.timer = null;
  }
  if (st.deadline > 0) clientsWithTimeout--;
  blockedClients--;
  c.blocked = null;
  return st;
}

/** Runs `fn` as the blocked command of `c` (muting and stats as for the original call). */
function runAsBlockedCommand<T>(c: Client, st: BlockState, fn: () => T): T {
  const mute = c.mute;
  const cmd = c.cmd;
  const db = c.db;
  c.mute = st.mute;
  c.cmd = st.spec;
  c.db = st.db;
  try {
    return fn();
  } finally {
    c.mute = mute;
    c.cmd = cmd;
    c.db = db;
  }
}

// Stats of a blocking command are counted when it completes (Redis' updateStatsOnUnblock).
function countCompletion(st: BlockState, us: number, failed: boolean): void {
  serverStats.totalCommands++;
  const spec = st.spec;
  if (spec === null) return;
  const s = spec.stat ?? (spec.stat = cmdStat(spec.fullName));
  s.calls++;
  s.usec += us;
  if (failed) s.failed++;
}

function finishUnblock(c: Client): void {
  if (typeof c.unblocked === 'function') c.unblocked();
}

function timeoutBlockedClient(c: Client): void {
  const st = c.blocked;
  if (st === null || st === undefined) return;
  const errBefore = errors.totalErrorReplies;
  const t0 = performance.now();
  runAsBlockedCommand(c, st, () => st.onTimeout(c));
  removeBlocked(c);
  countCompletion(st, (performance.now() - t0) * 1000, errors.totalErrorReplies !== errBefore);
  finishUnblock(c);
}

/**
 * CLIENT UNBLOCK: ends the block of `c` with the timeout reply, or with
 * "-UNBLOCKED client unblocked via CLIENT UNBLOCK" when `withError`. False when c is not blocked.
 */
export function unblockClient(c: Client, withError: boolean): boolean {
  const st = c.blocked;
  if (st === null || st === undefined) return false;
  const t0 = performance.now();
  runAsBlockedCommand(c, st, () => {
    if (withError) error(c, 'UNBLOCKED client unblocked via CLIENT UNBLOCK');
    else st.onTimeout(c);
  });
  removeBlocked(c);
  countCompletion(st, (performance.now() - t0) * 1000, withError);
  finishUnblock(c);
  return true;
}

/** Disconnect (or RESET): drops the client's block without replying. */
export function forgetBlockedClient(c: Client): void {
  removeBlocked(c);
}

/**
 * Serves the clients blocked on the keys signalled ready (Redis' handleClientsBlockedOnKeys). Loops
 * until no key is ready, since serving a client may signal other keys. What the served clients did
 * (queued by their handlers with alsoPropagate) joins the unit of the command that made the keys
 * ready: propagation is held as if inside call() until all are served.
 */
export function handleClientsBlockedOnKeys(): void {
  if (handling) return;
  handling = true;
  prop.depth++;
  try {
    while (readyList.length > 0) {
      const list = readyList;
      readyList = [];
      readySet.clear();
      readyState.pending = 0;
      for (let i = 0; i < list.length; i++) {
        const { db, key } = list[i];
        const m = blockingKeys.get(db);
        const set = m?.get(key);
        if (set === undefined) continue;
        // Snapshot: serving a client removes it from the set.
        for (const c of [...set]) {
          const st = c.blocked;
          if (st === null || st === undefined || st.db !== db || !set.has(c)) continue;
          const errBefore = errors.totalErrorReplies;
          const t0 = performance.now();
          const served = runAsBlockedCommand(c, st, () => st.retry(c, key));
          if (served) {
            removeBlocked(c);
            countCompletion(st, (performance.now() - t0) * 1000, errors.totalErrorReplies !== errBefore);
            finishUnblock(c);
          } else if (!db.dict.has(key)) {
            break; // nothing left to serve the others with
          }
        }
      }
    }
  } finally {
    handling = false;
    readyState.pending = readyList.length;
    prop.depth--;
  }
  if (prop.depth === 0 && prop.ops.length !== 0) emitPending();
}

/** Blocked clients on a key of a db (tests, DEBUG). */
export function blockedOnKey(db: Db, key: string): number {
  return blockingKeys.get(db)?.get(key)?.size ?? 0;
}

// The single path every command takes: lookup + arity (from commands/*.json) -> auth -> no-multi -> ACL
// -> protected -> RESP2 subscribed mode -> MULTI queue -> handler (call()), then stats, slowlog, latency,
// MONITOR, and serving the clients blocked on keys the command made ready. Persistence, WATCH and
// cluster routing hook in here, once, rather than in each handler.
import type { Connection } from './connection';
import type { CommandSpec } from './commandTable';
import { lookupCommand, getKeys } from './commandTable';
import { checkClientCommand, authRequired, User } from './acl';
import { error, E } from '../protocol/errors';
import * as errors from '../protocol/errors';
import { serverStats, cmdStat, persistState } from './state';
import { slowlogRecord, latencyRecord, feedMonitors, monitorCount } from './observe';
import { liveConfig } from './live';
import { log } from './log';
import * as R from '../protocol/reply';
import type { Client } from './context';
import { readyState, handleClientsBlockedOnKeys } from './blocking';
import { prop, beginCall, endCall, emitPending, type CallFrame } from './propagate';

/** Fast path: raw argv[0] text -> spec, for top-level commands without subcommands. */
const fastCache = new Map<string, CommandSpec>();

export function dispatch(c: Connection, argv: string[]): void {
  let spec = fastCache.get(argv[0]);
  if (spec === undefined || !arityOk(spec, argv.length)) {
    const r = lookupCommand(argv);
    if (r.spec === undefined) {
      reject(c, r.error ?? E.syntax, r.known, argv);
      return;
    }
    spec = r.spec;
    if (spec.subcommands === null && spec.parent === null && fastCache.size < 4096) fastCache.set(argv[0], spec);
  }

  // Reply muting for CLIENT REPLY OFF|SKIP.
  const replyMode = c.replyMode;
  if (replyMode !== 'on') c.mute = true;

  if (!c.authenticated && !spec.noAuth && authRequired(c)) {
    reject(c, E.noAuth, spec, argv);
    return afterReplyMode(c, replyMode);
  }
  const multi = c.multi;
  if (multi !== null && spec.noMulti) {
    reject(c, 'ERR Command not allowed inside a transaction', spec, argv);
    return afterReplyMode(c, replyMode);
  }
  if (!(c.user as User).allowsAll) {
    c.lastCmd = spec.fullName;
    const keys = spec.hasKeys ? getKeys(spec, argv) : NO_KEYS;
    const denied = checkClientCommand(c, spec, argv, keys, undefined, multi !== null ? 'multi' : 'toplevel');
    if (denied !== null) {
      reject(c, denied, spec, argv);
      return afterReplyMode(c, replyMode);
    }
  }
  if (spec.isProtected && !protectedAllowed(c)) {
    reject(c, protectedError(spec), spec, argv);
    return afterReplyMode(c, replyMode);
  }
  // RESP2 subscribed mode: only the pub/sub commands, PING, QUIT and RESET.
  if (c.subscriptions > 0 && c.resp === 2 && !SUBSCRIBED_OK.has(spec.fullName)) {
    reject(
      c,
      `ERR Can't execute '${spec.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      spec,
      argv,
    );
    return afterReplyMode(c, replyMode);
  }

  if (persistState.loading && !spec.loading) {
    reject(c, 'LOADING Redis is loading the dataset in memory', spec, argv);
    return afterReplyMode(c, replyMode);
  }
  if ((persistState.writeError !== '' || persistState.rdbError !== '') && (spec.isWrite || spec.fullName === 'ping')) {
    reject(c, persistState.rdbError !== '' ? persistState.rdbError : persistState.writeError, spec, argv);
    return afterReplyMode(c, replyMode);
  }
  c.lastCmd = spec.fullName;
  if (multi !== null && !TX_CONTROL.has(spec.fullName)) {
    // Queued for EXEC. An aborted transaction (queueing error or touched WATCH) queues nothing more.
    if (!multi.dirtyExec && (c.watch === null || !c.watch.dirty)) multi.cmds.push({ spec, argv, flags: 0 });
    R.raw(c, '+QUEUED\r\n');
    return afterReplyMode(c, replyMode);
  }
  call(c, spec, argv);
  // Serve clients blocked on keys this command (or this EXEC) made ready.
  if (readyState.pending !== 0) handleClientsBlockedOnKeys();
  // The command's effects (with those of the clients it served) leave as one unit.
  if (prop.ops.length !== 0) emitPending();
  afterReplyMode(c, replyMode);
}

/** Commands run immediately even between MULTI and EXEC (Redis' processCommand list). */
const TX_CONTROL = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);
/** Commands a RESP2 client with subscriptions may run. */
const SUBSCRIBED_OK = new Set(['subscribe', 'ssubscribe', 'psubscribe', 'unsubscribe', 'sunsubscribe', 'punsubscribe', 'ping', 'quit', 'reset']);

/**
 * Redis' rejectCommand: counts the rejected call, replies the error and aborts a transaction being
 * queued (EXECABORT). A rejected EXEC discards the transaction at once and says why (execCommandAbort), in or out of MULTI.
 */
function reject(c: Client, msg: string, spec: CommandSpec | undefined, argv: string[]): void {
  // Counted against the command when it exists (an arity error knows it; an unknown command does not).
  if (spec !== undefined) cmdStat(spec.fullName).rejected++;
  if (c.multi !== null) c.multi.dirtyExec = true;
  if (spec !== undefined && spec.fullName === 'exec') {
    txHooks.discard(c);
    // Redis' texts of these rejections carry no "ERR " (it is added when replied on their own).
    error(c, 'EXECABORT Transaction discarded because of: ' + (msg.startsWith('ERR ') ? msg.slice(4) : msg));
    if (monitorCount() > 0) feedMonitors(c, argv);
  } else {
    error(c, msg);
  }
  errBase = errors.totalErrorReplies;
}

/** Set by the transaction handlers (src/handlers/tx): leave MULTI and unwatch. */
export const txHooks = {
  discard(c: Client): void {
    c.multi = null;
  },
};

/**
 * Errors replied since the last command completed (Redis' static prev_err_count in
 * incrCommandStatsOnError): a command is "failed" only for errors it replied itself, so EXEC does not
 * count the errors of the commands it ran.
 */
let errBase = 0;

/**
 * Runs a command whose checks passed (Redis' call()): the handler, then stats, slowlog, latency and
 * MONITOR. EXEC runs its queued commands through here. A command that blocked the client
 * (BLPOP...) has its stats counted when it completes (server/blocking.ts).
 */
export function call(c: Client, spec: CommandSpec, argv: string[]): void {
  const prevCmd = c.cmd;
  c.cmd = spec;
  const dbId = c.db.id;
  const frame = frames[prop.depth] ?? (frames[prop.depth] = { dirty: 0, prevent: false, force: false, rewrite: null });
  beginCall(frame);
  const st = spec.stat ?? (spec.stat = cmdStat(spec.fullName));
  errBase = errors.totalErrorReplies;
  // Timing costs two clock reads (~110 ns); O(1) commands (flag "fast" or documented complexity "O(1)")
  // are timed one call in FAST_SAMPLE and the figure scaled; every other command is timed always (they
  // are the ones that reach the slowlog).
  if (!spec.constantTime || (st.calls & (FAST_SAMPLE - 1)) === 0) {
    const t0 = performance.now();
    runHandler(c, spec, argv);
    const us = (performance.now() - t0) * 1000;
    if (c.blocked === null) {
      st.usec += spec.constantTime ? us * FAST_SAMPLE : us;
      const slower = liveConfig.slowlogSlowerThan;
      if (us >= slower && slower >= 0 && !spec.skipSlowlog) slowlogRecord(c, argv, us);
      if (liveConfig.latencyThresholdMs > 0 && us / 1000 >= liveConfig.latencyThresholdMs) latencyRecord('command', us / 1000);
    }
  } else {
    runHandler(c, spec, argv);
  }
  endCall(frame, c, spec, argv, dbId);
  if (c.blocked === null) {
    serverStats.totalCommands++;
    st.calls++;
    if (errors.totalErrorReplies !== errBase) st.failed++;
  }
  errBase = errors.totalErrorReplies;
  if (monitorCount() > 0 && !spec.skipMonitor && !spec.isAdmin) feedMonitors(c, argv);
  c.cmd = prevCmd;
}

const NO_KEYS: number[] = [];
/** Reused call() frames, one per nesting level (EXEC runs commands inside its own call). */
const frames: CallFrame[] = [];
const FAST_SAMPLE = 8;

function arityOk(spec: CommandSpec, argc: number): boolean {
  const a = spec.arity;
  return a > 0 ? argc === a : argc >= -a;
}

// CLIENT REPLY SKIP mutes exactly the next command; OFF mutes until ON.
function afterReplyMode(c: Connection, modeBefore: string): void {
  if (modeBefore === 'skip' && c.replyMode === 'skip') {
    c.replyMode = 'on';
    c.mute = false;
  } else if (c.replyMode === 'on') {
    c.mute = false;
  } else if (modeBefore === 'on' && c.replyMode === 'skip') {
    // CLIENT REPLY SKIP itself: its own reply is muted; the next command is skipped too.
    c.mute = true;
  }
}

function protectedAllowed(c: Connection): boolean {
  const mode = liveConfig.enableDebugCommand;
  if (mode === 'yes') return true;
  if (mode === 'local') return c.isLocal;
  return false;
}
function protectedError(spec: CommandSpec): string {
  const name = (spec.parent ?? spec).name.toUpperCase();
  return `ERR ${name} command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.`;
}

/**
 * Runs a handler so that a bug in one command cannot take the server down: the exception is logged,
 * whatever part of a reply the handler wrote is taken back (the RESP stream stays well-formed) and the
 * client gets an error instead.
 */
function runHandler(c: Client, spec: CommandSpec, argv: string[]): void {
  const out = c.out;
  const pos = c.opos;
  try {
    spec.handler!(c, argv);
  } catch (e) {
    log.error({ cmd: spec.fullName, err: e instanceof Error ? e.stack : String(e) }, 'command handler failed');
    // Growing the buffer keeps what was before `pos`; a buffer created by the handler holds only its output.
    if (c.out !== null) c.opos = out === null ? 0 : pos;
    error(c, `ERR internal error while running '${spec.fullName}' (see the server log)`);
  }
}

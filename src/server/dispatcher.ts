// The single path every command takes: lookup + arity (from commands/*.json) -> auth -> ACL -> handler,
// then stats, slowlog, latency and MONITOR. Persistence, WATCH and cluster routing hook in here, once,
// rather than in each handler.
import type { Connection } from './connection';
import type { CommandSpec } from './commandTable';
import { lookupCommand, getKeys } from './commandTable';
import { checkClientCommand, authRequired, User } from './acl';
import { error, E } from '../protocol/errors';
import * as errors from '../protocol/errors';
import { serverStats, cmdStat } from './state';
import { slowlogRecord, latencyRecord, feedMonitors, monitorCount } from './observe';
import { liveConfig } from './live';

/** Fast path: raw argv[0] text -> spec, for top-level commands without subcommands. */
const fastCache = new Map<string, CommandSpec>();

export function dispatch(c: Connection, argv: string[]): void {
  serverStats.totalCommands++;
  let spec = fastCache.get(argv[0]);
  if (spec === undefined || !arityOk(spec, argv.length)) {
    const r = lookupCommand(argv);
    if (r.spec === undefined) {
      // Redis counts rejected calls against the command when it exists (arity), else nothing.
      const known = r.known;
      if (known) cmdStat(known.fullName).rejected++;
      error(c, r.error ?? E.syntax);
      return;
    }
    spec = r.spec;
    if (spec.subcommands === null && spec.parent === null && fastCache.size < 4096) fastCache.set(argv[0], spec);
  }

  // Reply muting for CLIENT REPLY OFF|SKIP.
  const replyMode = c.replyMode;
  if (replyMode !== 'on') c.mute = true;

  if (!c.authenticated && !spec.noAuth && authRequired(c)) {
    cmdStat(spec.fullName).rejected++;
    error(c, E.noAuth);
    return afterReplyMode(c, replyMode);
  }
  if (!(c.user as User).allowsAll) {
    c.lastCmd = spec.fullName;
    const denied = checkClientCommand(c, spec, argv, spec.hasKeys ? getKeys(spec, argv) : NO_KEYS);
    if (denied !== null) {
      cmdStat(spec.fullName).rejected++;
      error(c, denied);
      return afterReplyMode(c, replyMode);
    }
  }
  if (spec.isProtected && !protectedAllowed(c)) {
    cmdStat(spec.fullName).rejected++;
    error(c, protectedError(spec));
    return afterReplyMode(c, replyMode);
  }

  c.cmd = spec;
  c.lastCmd = spec.fullName;
  const st = spec.stat ?? (spec.stat = cmdStat(spec.fullName));
  const errorsBefore = errors.totalErrorReplies;
  // Timing costs two clock reads (~110 ns); O(1) commands (flag "fast" or documented complexity "O(1)")
  // are timed one call in FAST_SAMPLE and the figure scaled; every other command is timed always (they
  // are the ones that reach the slowlog).
  if (!spec.constantTime || (st.calls & (FAST_SAMPLE - 1)) === 0) {
    const t0 = performance.now();
    spec.handler!(c, argv);
    const us = (performance.now() - t0) * 1000;
    st.usec += spec.constantTime ? us * FAST_SAMPLE : us;
    const slower = liveConfig.slowlogSlowerThan;
    if (us >= slower && slower >= 0 && !spec.skipSlowlog) slowlogRecord(c, argv, us);
    if (liveConfig.latencyThresholdMs > 0 && us / 1000 >= liveConfig.latencyThresholdMs) latencyRecord('command', us / 1000);
  } else {
    spec.handler!(c, argv);
  }
  st.calls++;
  if (errors.totalErrorReplies !== errorsBefore) st.failed++;
  if (monitorCount() > 0 && !spec.skipMonitor && !spec.isAdmin) feedMonitors(c, argv);
  c.cmd = null;
  afterReplyMode(c, replyMode);
}

const NO_KEYS: number[] = [];
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

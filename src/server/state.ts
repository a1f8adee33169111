// Process-wide server state: live limits (mirrored from config for the hot path), counters for INFO,
// and the registry of connected clients.
import type { Client } from './context';
import { stats as keyspaceStats } from '../keyspace/db';

export const limits = {
  protoMaxBulkLen: 512 * 1024 * 1024,
  queryBufferLimit: 1024 * 1024 * 1024,
  /** client-output-buffer-limit normal hard limit in bytes; 0 = none (Redis' default for normal clients). */
  outputHard: 0,
  /** client-output-buffer-limit pubsub hard limit (Redis' default 32 MB). */
  outputHardPubsub: 32 * 1024 * 1024,
  /** client-output-buffer-limit replica hard limit (connections that sent SYNC; Redis' default 256 MB). */
  outputHardReplica: 256 * 1024 * 1024,
  maxclients: 10000,
};

export const serverStats = {
  startTime: Date.now(),
  totalConnections: 0,
  rejectedConnections: 0,
  totalCommands: 0,
  netInput: 0,
  netOutput: 0,
  protocolErrors: 0,
  queryBufferLimitDisconnections: 0,
  clientOutputLimitDisconnections: 0,
  /** keyspace stats.dirty when the last snapshot started (rdb_changes_since_last_save is the difference). */
  dirtyAtLastSave: 0,
  lastSave: Math.floor(Date.now() / 1000),
};

export const clients = new Map<number, Client>();

/** Per-command call statistics (INFO commandstats). */
export interface CmdStat {
  calls: number;
  usec: number;
  rejected: number;
  failed: number;
}
export const cmdStats = new Map<string, CmdStat>();
export function cmdStat(name: string): CmdStat {
  let s = cmdStats.get(name);
  if (s === undefined) {
    s = { calls: 0, usec: 0, rejected: 0, failed: 0 };
    cmdStats.set(name, s);
  }
  return s;
}

/** DEBUG SET-ACTIVE-EXPIRE and friends. */
export const debugFlags = { activeExpire: true };

/** CONFIG RESETSTAT: Redis clears command, error and connection counters, not the keyspace. */
export function resetStats(): void {
  cmdStats.forEach((s) => {
    s.calls = 0;
    s.usec = 0;
    s.rejected = 0;
    s.failed = 0;
  });
  serverStats.totalConnections = 0;
  serverStats.rejectedConnections = 0;
  serverStats.totalCommands = 0;
  serverStats.netInput = 0;
  serverStats.netOutput = 0;
  serverStats.protocolErrors = 0;
  serverStats.queryBufferLimitDisconnections = 0;
  serverStats.clientOutputLimitDisconnections = 0;
  keyspaceStats.hits = 0;
  keyspaceStats.misses = 0;
  keyspaceStats.expiredKeys = 0;
  keyspaceStats.evictedKeys = 0;
}

/** Persistence actions other layers trigger (set by main.ts once persistence is up). */
export const persistenceHooks = {
  /** FLUSHALL: Redis saves right after when save points are configured. */
  afterFlushAll(): void {},
};

/**
 * Persistence state the dispatcher checks before running a command: while the dataset loads, commands
 * without the `loading` flag answer -LOADING; while the WAL cannot be written (`writeError`) or a save
 * failed with stop-writes-on-bgsave-error (`rdbError`, which wins as in Redis), writes and PING answer
 * that -MISCONF text.
 */
export const persistState = { loading: false, writeError: '', rdbError: '' };

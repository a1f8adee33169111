// Shared by persistence.crash.*.test.ts: runs the kill -9 cycles of persistence-writer.js against real
// Strata processes (test/helpers/servers.ts) on one data dir. See persistence-writer.js for the workload
// and why its check is exact. Environment: PERSIST_SEED (replay a failing seed), PERSIST_CYCLES,
// STRATA_KEEP_DIRS=1 (keep the data dir of a failure), STRATA_TEST_LOGS=1 (echo server output).
import * as path from 'path';
import { startStrata, makeTempDir, ServerHandle } from '../helpers/servers';

export interface CrashStats {
  cycles: number;
  acked: number;
  sent: number;
  unackedApplied: number;
  snapshots: number;
  rewrites: number;
  doubleKills: number;
  terms: number;
  failures: string[];
}

export interface CrashOptions {
  cycles: number;
  seed: number;
  conns?: number;
  ackDir: string;
  start: () => Promise<Pick<ServerHandle, 'port' | 'kill9' | 'stop' | 'logs'>>;
  log?: (msg: string) => void;
  maxBatch?: number;
  killMinMs?: number;
  killMaxMs?: number;
  bgsaveProb?: number;
  rewriteProb?: number;
  doubleKillProb?: number;
  termProb?: number;
  dbs?: number;
  filler?: number;
}

interface WriterModule {
  runCrashCycles(o: CrashOptions): Promise<CrashStats>;
}

// eslint-disable-next-line @typescript-eslint/no-var-requires
const W = require('./persistence-writer.js') as WriterModule;

export interface SuiteOptions {
  /** Server arguments (appendfsync, segment size, save points...). */
  args: string[];
  cycles: number;
  seed: number;
  conns?: number;
  killMinMs?: number;
  killMaxMs?: number;
  bgsaveProb?: number;
  rewriteProb?: number;
  doubleKillProb?: number;
  termProb?: number;
  /** Connection i works in database i % dbs (default 2). */
  dbs?: number;
  /** Static keys in database 0, so snapshots take many steps (default 20000). */
  filler?: number;
}

/** Runs the cycles; resolves with the stats (failures listed, not thrown) and the data dir. */
export async function runSuite(o: SuiteOptions): Promise<{ stats: CrashStats; dir: string; seed: number; log: string[] }> {
  const seed = Number(process.env.PERSIST_SEED) || o.seed;
  const cycles = Number(process.env.PERSIST_CYCLES) || o.cycles;
  const dir = makeTempDir('strata-persist-crash-');
  const ackDir = makeTempDir('strata-persist-acks-');
  const log: string[] = [];
  const stats = await W.runCrashCycles({
    cycles,
    seed,
    conns: o.conns ?? 4,
    ackDir,
    killMinMs: o.killMinMs,
    killMaxMs: o.killMaxMs,
    bgsaveProb: o.bgsaveProb,
    rewriteProb: o.rewriteProb,
    doubleKillProb: o.doubleKillProb,
    termProb: o.termProb,
    dbs: o.dbs ?? 2,
    filler: o.filler ?? 20000,
    // The same dir every time; a new port each start is fine (clients reconnect per cycle).
    start: () => startStrata({ dir: path.join(dir), args: o.args, readyTimeout: 60000 }),
    log: (m) => log.push(m),
  });
  return { stats, dir, seed, log };
}

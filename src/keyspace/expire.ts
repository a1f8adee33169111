// Active expiry: Redis' activeExpireCycle (7.0 expire.c), adapted to a Map-based expires table.
//
// Lazy expiry (Db.get/has/expireIfNeeded) removes a key when it is touched; this cycle removes keys
// nobody touches. Each call does bounded work: it visits up to `dbsPerCall` databases round-robin; per
// database it samples `keysPerLoop` entries of the expires table, continuing from where the previous
// sample stopped (Db.expireCursor: a Map iterator, which survives deletions and insertions, so
// successive calls walk the whole table and wrap around), and repeats while more than
// `acceptableStalePerc` % of a sample had expired and the time budget allows. It also keeps Redis'
// running estimates: Db.avgTtlMs (INFO keyspace avg_ttl) and stats.expiredStalePerc.
//
// The lead calls activeExpireCycle(keyspace.dbs, 1000 / hz * 25 / 100) from a timer at `hz` (Redis'
// slow cycle: 25% of the period); a "fast" cycle with a ~1 ms budget may be run between event-loop
// turns when stats.expiredStalePerc is high (see shouldRunFastCycle).
import { Db, stats } from './db';

export const expireConfig = {
  /** Redis' active-expire-effort, 1..10. */
  effort: 1,
  /** Databases visited per call (Redis' CRON_DBS_PER_CALL). */
  dbsPerCall: 16,
};

/** Counters for INFO stats (expired_time_cap_reached_count, expire_cycle_cpu_milliseconds). */
export const expireStats = {
  timeCapReachedCount: 0,
  cycleTimeUsedMs: 0,
};

// Module state that makes the work incremental across calls, as in Redis.
let currentDb = 0;
let timelimitExit = false;
let lastFastCycle = 0;

function params() {
  const effort = Math.max(0, Math.min(9, (expireConfig.effort | 0) - 1));
  return {
    keysPerLoop: 20 + 5 * effort,
    fastDurationMs: (1000 + 250 * effort) / 1000,
    slowTimePerc: 25 + 2 * effort,
    acceptableStale: 10 - effort,
  };
}

/** Time budget in ms for a slow cycle run at `hz` (Redis: slow_time_perc% of the cron period). */
export function slowCycleTimeLimitMs(hz: number): number {
  return (params().slowTimePerc * 1000) / Math.max(1, hz) / 100;
}

/**
 * Whether a fast cycle is worth running now (Redis' ACTIVE_EXPIRE_CYCLE_FAST preconditions: the last
 * slow cycle hit its time limit or the estimated stale percentage is high, and no fast cycle ran in
 * the last 2 × fast duration). Call it before activeExpireCycle(dbs, fastCycleTimeLimitMs()).
 */
export function shouldRunFastCycle(now = performance.now()): boolean {
  const p = params();
  if (!timelimitExit && stats.expiredStalePerc < p.acceptableStale) return false;
  if (now < lastFastCycle + p.fastDurationMs * 2) return false;
  lastFastCycle = now;
  return true;
}
export function fastCycleTimeLimitMs(): number {
  return params().fastDurationMs;
}

export interface ExpireCycleResult {
  sampled: number;
  expired: number;
  timedOut: boolean;
}

/**
 * One active expiry cycle over `dbs` with a time budget of `timeLimitMs` milliseconds.
 * Expired keys go through Db.removeExpired (frees the value, counts, notifies the listener).
 */
export function activeExpireCycle(dbs: readonly Db[], timeLimitMs: number): ExpireCycleResult {
  const p = params();
  const start = performance.now();
  const dbnum = dbs.length;
  let dbsPerCall = expireConfig.dbsPerCall;
  if (dbsPerCall > dbnum || timelimitExit) dbsPerCall = dbnum;
  if (!(timeLimitMs > 0)) timeLimitMs = 0.001;
  timelimitExit = false;

  let totalSampled = 0;
  let totalExpired = 0;

  for (let j = 0; j < dbsPerCall && !timelimitExit; j++) {
    const db = dbs[currentDb % dbnum];
    currentDb = (currentDb + 1) % dbnum;
    let sampled: number;
    let expired: number;
    do {
      const num0 = db.expires.size;
      if (num0 === 0) {
        db.avgTtlMs = 0;
        db.expireCursor = null;
        break;
      }
      const now = Date.now();
      const num = num0 > p.keysPerLoop ? p.keysPerLoop : num0;
      sampled = 0;
      expired = 0;
      let ttlSum = 0;
      let ttlSamples = 0;
      let wraps = 0;
      let it = db.expireCursor;
      while (sampled < num) {
        if (it === null) {
          if (++wraps > 2) break; // the table emptied under us
          it = db.expires.entries();
        }
        const r = it.next();
        if (r.done) {
          it = null;
          continue;
        }
        const key = r.value[0];
        const when = r.value[1];
        const ttl = when - now;
        // Same rule as lazy expiry (Db.expireIfNeeded): expired once when <= now.
        if (ttl <= 0) {
          db.removeExpired(key);
          expired++;
        } else {
          ttlSum += ttl;
          ttlSamples++;
        }
        sampled++;
      }
      db.expireCursor = it;
      totalSampled += sampled;
      totalExpired += expired;

      if (ttlSamples > 0) {
        // Running average: the new sample weighs 2% (Redis' integer arithmetic).
        const avg = Math.floor(ttlSum / ttlSamples);
        if (db.avgTtlMs === 0) db.avgTtlMs = avg;
        db.avgTtlMs = Math.floor(db.avgTtlMs / 50) * 49 + Math.floor(avg / 50);
      }

      if (performance.now() - start > timeLimitMs) {
        timelimitExit = true;
        expireStats.timeCapReachedCount++;
        break;
      }
      if (sampled === 0) break; // nothing could be sampled: do not spin
    } while (Math.floor((expired * 100) / sampled) > p.acceptableStale);
  }

  const elapsed = performance.now() - start;
  expireStats.cycleTimeUsedMs += elapsed;
  // Estimated % of keys logically expired but not yet reclaimed (INFO expired_stale_perc prints this
  // value, i.e. Redis' stat_expired_stale_perc * 100). Running average, the new sample weighs 5%.
  const currentPerc = totalSampled ? (totalExpired * 100) / totalSampled : 0;
  stats.expiredStalePerc = currentPerc * 0.05 + stats.expiredStalePerc * 0.95;
  return { sampled: totalSampled, expired: totalExpired, timedOut: timelimitExit };
}

/** Resets the cycle's round-robin state (tests, FLUSHALL of every db is harmless without it). */
export function resetExpireCycle(): void {
  currentDb = 0;
  timelimitExit = false;
  lastFastCycle = 0;
}

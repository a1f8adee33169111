// WATCH bookkeeping (Redis 7.0 multi.c): per db, key -> the WatchedKey entries of the clients watching
// it; per client, its WatchedKey list (c.watch). Every write reaches touchWatchedKey through the keyspace
// listener (Db.set/update/delete/detach/setExpire/persist, expiry, flush), so handlers need nothing.
//
// 7.0 details kept: a key already logically expired when WATCH runs is flagged `expired`; its later
// deletion (lazy/active expiry, DEL, FLUSH*) is not a change. A watched key that expires after WATCH
// makes EXEC fail (isWatchedKeyExpired). FLUSHDB/FLUSHALL touch only the watched keys that exist.
import type { Client, WatchedKey } from '../../server/context';
import { type Db, type KeyspaceListener, addKeyspaceListener } from '../../keyspace/db';

const watchedByDb = new Map<Db, Map<string, WatchedKey[]>>();
/** Number of WatchedKey entries in all dbs: writes pay one comparison when nobody watches. */
let watchCount = 0;

function keyIsExpired(db: Db, key: string, now: number): boolean {
  const when = db.expires.get(key);
  return when !== undefined && when <= now && db.dict.has(key);
}

export function watchForKey(c: Client, key: string): void {
  const db = c.db;
  let ws = c.watch;
  if (ws === null || ws === undefined) ws = c.watch = { keys: [], dirty: false };
  for (const wk of ws.keys) if (wk.db === db && wk.key === key) return; // already watched
  let m = watchedByDb.get(db);
  if (m === undefined) {
    m = new Map();
    watchedByDb.set(db, m);
  }
  let list = m.get(key);
  if (list === undefined) {
    list = [];
    m.set(key, list);
  }
  const wk: WatchedKey = { client: c, db, key, expired: keyIsExpired(db, key, Date.now()) };
  list.push(wk);
  ws.keys.push(wk);
  watchCount++;
}

/** Forgets every key the client watches (the dirty flag is the caller's business). */
export function unwatchAllKeys(c: Client): void {
  const ws = c.watch;
  if (ws === null || ws === undefined) return;
  for (const wk of ws.keys) {
    const m = watchedByDb.get(wk.db);
    const list = m?.get(wk.key);
    if (m === undefined || list === undefined) continue;
    const i = list.indexOf(wk);
    if (i !== -1) {
      list.splice(i, 1);
      watchCount--;
    }
    if (list.length === 0) {
      m.delete(wk.key);
      if (m.size === 0) watchedByDb.delete(wk.db);
    }
  }
  ws.keys = [];
}

/** UNWATCH / end of a transaction: no watched keys, not dirty. */
export function clearWatch(c: Client): void {
  unwatchAllKeys(c);
  c.watch = null;
}

/** True when one of the watched keys expired after WATCH (EXEC treats it as modified). */
export function isWatchedKeyExpired(c: Client): boolean {
  const ws = c.watch;
  if (ws === null || ws === undefined || ws.keys.length === 0) return false;
  const now = Date.now();
  for (const wk of ws.keys) {
    if (wk.expired) continue;
    if (keyIsExpired(wk.db, wk.key, now)) return true;
  }
  return false;
}

export function touchWatchedKey(db: Db, key: string): void {
  if (watchCount === 0) return;
  const list = watchedByDb.get(db)?.get(key);
  if (list === undefined) return;
  for (const wk of list) {
    if (wk.expired) {
      if (!db.dict.has(key)) {
        // The already-expired key was deleted: logically no change.
        wk.expired = false;
        continue;
      }
    }
    wk.client.watch!.dirty = true;
  }
}

/** FLUSHDB/FLUSHALL (before the keys go): Redis' touchAllWatchedKeysInDb(emptied, NULL). */
export function touchAllWatchedKeysInDb(db: Db): void {
  if (watchCount === 0) return;
  const m = watchedByDb.get(db);
  if (m === undefined) return;
  for (const [key, list] of m) {
    if (!db.dict.has(key)) continue;
    for (const wk of list) {
      if (wk.expired) {
        wk.expired = false;
        continue;
      }
      wk.client.watch!.dirty = true;
    }
  }
}

/** SWAPDB-style replacement: Redis' touchAllWatchedKeysInDb(emptied, replacedWith). */
export function touchAllWatchedKeysOnSwap(emptied: Db, replacedWith: Db): void {
  if (watchCount === 0) return;
  const m = watchedByDb.get(emptied);
  if (m === undefined) return;
  const now = Date.now();
  for (const [key, list] of m) {
    const inEmptied = emptied.dict.has(key);
    const inReplaced = replacedWith.dict.has(key);
    if (!inEmptied && !inReplaced) continue;
    for (const wk of list) {
      if (wk.expired) {
        if (!inReplaced) {
          wk.expired = false;
          continue;
        } else if (keyIsExpired(replacedWith, key, now)) continue;
      } else if (!inEmptied && keyIsExpired(replacedWith, key, now)) {
        wk.expired = true;
        continue;
      }
      wk.client.watch!.dirty = true;
    }
  }
}

/** Number of clients' watched-key entries (tests). */
export function watchedKeyCount(): number {
  return watchCount;
}

const watchListener: KeyspaceListener = {
  modified: touchWatchedKey,
  expired: touchWatchedKey,
  flushed: touchAllWatchedKeysInDb,
};
addKeyspaceListener(watchListener);

// Helpers shared by the collection types (hash, set, ...).
import type { Db, RObj } from './db';

/** A collection whose members can be removed one by one (RHash fields, RSet members). */
export interface Removable extends RObj {
  delete(member: string): boolean;
  readonly size: number;
}

/**
 * Removes argv[from..] from the collection stored at key and returns how many were there. Redis never
 * keeps an empty aggregate: the key is deleted when its last member goes; otherwise one update tells
 * WATCH and the WAL that the value changed.
 */
export function removeMembers(db: Db, key: string, coll: Removable, argv: readonly string[], from: number): number {
  let removed = 0;
  for (let i = from; i < argv.length; i++) {
    if (!coll.delete(argv[i])) continue;
    removed++;
    if (coll.size === 0) {
      db.delete(key);
      return removed;
    }
  }
  if (removed !== 0) db.update(key, coll);
  return removed;
}

// Set commands (Redis 7.0 t_set.c): SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS SRANDMEMBER SPOP SMOVE
// SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN. The value type is
// keyspace/types/set.ts (RSet).
//
// The set-algebra commands follow Redis' algorithms step by step (smallest set first for SINTER, the
// two SDIFF strategies, results built in a set that starts as an intset), because the algorithm decides
// the encoding of a stored result and the order of the reply (an intset replies in ascending order).
import { removeMembers } from '../../keyspace/aggregate';
import type { Client, Handler } from '../../server/context';
import { addDirty, type Value } from '../../keyspace/db';
import { arrayLen, bulk, int, nullBulk, raw, setLen, emptyArray } from '../../protocol/reply';
import { error, E } from '../../protocol/errors';
import { RSet, FULL_ERROR } from '../../keyspace/types/set';
import { scanStep, parseCursor } from '../../keyspace/scan';
import { stringmatch } from '../../util/glob';
import { parseLL, LLONG_MIN } from '../../util/strconv';
import { kw } from '../string/util';
import { config } from '../../config';
import { parseScanOptions, emptyScan, replyOverLimit, arrayLenExact } from '../hash/scanargs';
import { keyspaceHooks } from '../keyspace/keyspace';

/** Error texts of the set commands (t_set.c, and object.c's range checks). */
export const SE = {
  positive: 'ERR value is out of range, must be positive',
  longRange: 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
  numkeys: 'ERR numkeys should be greater than 0',
  tooManyKeys: "ERR Number of keys can't be greater than number of args",
  limitNegative: "ERR LIMIT can't be negative",
} as const;

const ZERO = ':0\r\n';
const ONE = ':1\r\n';

function isSet(v: Value | undefined): v is RSet {
  return v instanceof RSet;
}

/** lookupKeyRead + checkType: the set, undefined when missing, null after a WRONGTYPE reply. */
function readSet(c: Client, key: string): RSet | undefined | null {
  const v = c.db.get(key);
  if (v === undefined || v instanceof RSet) return v;
  error(c, E.wrongType);
  return null;
}

/** lookupKeyWrite + checkType. */
function writeSet(c: Client, key: string): RSet | undefined | null {
  const v = c.db.getForWrite(key);
  if (v === undefined || v instanceof RSet) return v;
  error(c, E.wrongType);
  return null;
}

/** Redis' emptyset: *0 (RESP2) or ~0 (RESP3). */
function emptySet(c: Client): void {
  raw(c, c.resp === 3 ? '~0\r\n' : '*0\r\n');
}

/** Replies the members of s in its iteration order, as a set (RESP3) or an array. */
function replySet(c: Client, s: RSet): void {
  setLen(c, s.size);
  for (const m of s.members()) bulk(c, m);
}

/**
 * Replies the members of s in the order a new set built from them (SUNION of s alone) iterates: only a
 * small hashtable of integers differs from s itself, as its copy is an intset (ascending order).
 */
function replyAsNewSet(c: Client, s: RSet): void {
  if (!s.isIntset() && s.size <= config['set-max-intset-entries']) {
    const copy = RSet.from(s.members());
    if (copy.isIntset()) s = copy;
  }
  replySet(c, s);
}

/**
 * getPositiveLongFromObjectOrReply: a count in [0, LONG_MAX], or -1 after the error reply (Redis
 * answers the same text for a non-integer and for a negative value).
 */
function positiveLongOrReply(c: Client, s: string, msg: string): number {
  const v = parseLL(s);
  if (v === null || v < 0) {
    error(c, msg);
    return -1;
  }
  return Number(v);
}

// ---- SADD / SREM / SCARD / SISMEMBER / SMISMEMBER / SMEMBERS ----

function saddCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const found = writeSet(c, key);
  if (found === null) return;
  const s = found ?? RSet.forMember(argv[2]);
  let added = 0;
  let full = false;
  const n = argv.length;
  for (let i = 2; i < n; i++) {
    const r = s.add(argv[i]);
    if (r < 0) {
      full = true;
      break;
    }
    added += r;
  }
  if (found === undefined) {
    if (s.size !== 0) c.db.set(key, s);
  } else if (added !== 0) c.db.update(key, s);
  if (added > 1) addDirty(added - 1); // Redis counts each member added
  if (full) error(c, FULL_ERROR);
  else int(c, added);
}

function sremCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const s = writeSet(c, key);
  if (s === null) return;
  if (s === undefined) {
    raw(c, ZERO);
    return;
  }
  const removed = removeMembers(c.db, key, s, argv, 2);
  if (removed > 1) addDirty(removed - 1); // Redis counts each member removed
  int(c, removed);
}

function scardCommand(c: Client, argv: string[]): void {
  const s = readSet(c, argv[1]);
  if (s === null) return;
  if (s === undefined) raw(c, ZERO);
  else int(c, s.size);
}

function sismemberCommand(c: Client, argv: string[]): void {
  const s = readSet(c, argv[1]);
  if (s === null) return;
  raw(c, s !== undefined && s.has(argv[2]) ? ONE : ZERO);
}

function smismemberCommand(c: Client, argv: string[]): void {
  const s = readSet(c, argv[1]);
  if (s === null) return;
  const n = argv.length;
  arrayLen(c, n - 2);
  for (let i = 2; i < n; i++) raw(c, s !== undefined && s.has(argv[i]) ? ONE : ZERO);
}

function smembersCommand(c: Client, argv: string[]): void {
  // Redis 7.0 serves SMEMBERS with SINTER of one key.
  const s = readSet(c, argv[1]);
  if (s === null) return;
  if (s === undefined) emptySet(c);
  else replySet(c, s);
}

// ---- SRANDMEMBER / SPOP ----

function srandmemberCommand(c: Client, argv: string[]): void {
  if (argv.length === 3) {
    srandmemberWithCount(c, argv);
    return;
  }
  if (argv.length > 3) {
    error(c, E.syntax);
    return;
  }
  const s = readSet(c, argv[1]);
  if (s === null) return;
  if (s === undefined) nullBulk(c);
  else bulk(c, s.randomMember());
}

function srandmemberWithCount(c: Client, argv: string[]): void {
  const l = parseLL(argv[2]);
  if (l === null) {
    error(c, E.notInt);
    return;
  }
  if (l === LLONG_MIN) {
    error(c, SE.longRange);
    return;
  }
  const uniq = l >= 0;
  const count = uniq ? Number(l) : -Number(l);
  const s = readSet(c, argv[1]);
  if (s === null) return;
  if (s === undefined || count === 0) {
    emptyArray(c);
    return;
  }

  // CASE 1: negative count (repeats allowed), or a single member.
  if (!uniq || count === 1) {
    arrayLenExact(c, uniq ? l : -BigInt(l));
    for (let i = 0; i < count; i++) {
      bulk(c, s.randomMember());
      if ((i & 1023) === 1023 && replyOverLimit(c)) return;
    }
    return;
  }

  // CASE 2: at least as many as the set holds: the whole set, in iteration order.
  const size = s.size;
  if (count >= size) {
    arrayLen(c, size);
    for (const m of s.members()) bulk(c, m);
    return;
  }

  // CASES 3 and 4: count distinct random members.
  const picked = s.sample(count);
  arrayLen(c, count);
  for (let i = 0; i < picked.length; i++) bulk(c, picked[i]);
}

function spopCommand(c: Client, argv: string[]): void {
  if (argv.length === 3) {
    spopWithCount(c, argv);
    return;
  }
  if (argv.length > 3) {
    error(c, E.syntax);
    return;
  }
  const key = argv[1];
  const s = writeSet(c, key);
  if (s === null) return;
  if (s === undefined) {
    nullBulk(c);
    return;
  }
  const m = s.popRandom();
  bulk(c, m);
  if (s.size === 0) c.db.delete(key);
  else c.db.update(key, s);
  // Random: logged as what it did (Redis propagates SPOP as SREM).
  keyspaceHooks.rewriteArgv(c, ['SREM', key, m]);
}

/** SPOP_MOVE_STRATEGY_MUL of t_set.c. */
const SPOP_MOVE_STRATEGY_MUL = 5;

function spopWithCount(c: Client, argv: string[]): void {
  const count = positiveLongOrReply(c, argv[2], SE.positive);
  if (count < 0) return;
  const key = argv[1];
  const s = writeSet(c, key);
  if (s === null) return;
  if (s === undefined || count === 0) {
    emptySet(c);
    return;
  }
  const size = s.size;

  // CASE 1: the whole set (Redis replies through SUNION of the key, then deletes it).
  if (count >= size) {
    replyAsNewSet(c, s);
    c.db.delete(key);
    addDirty(size - 1); // Redis counts each member popped
    keyspaceHooks.rewriteArgv(c, ['DEL', key]);
    return;
  }

  setLen(c, count);
  const remaining = size - count;
  const logged = ['SREM', key];
  for (let i = 0; i < count; i++) {
    const m = s.popRandom();
    bulk(c, m);
    logged.push(m);
  }
  keyspaceHooks.rewriteArgv(c, logged); // Redis propagates the popped members as SREMs
  // CASE 3 (most of the set goes): Redis moves the remaining members into a new set, which gets the
  // encoding of a fresh set (a hashtable of integers can become an intset again).
  if (remaining * SPOP_MOVE_STRATEGY_MUL <= count) s.reencode();
  c.db.update(key, s);
  addDirty(count - 1); // Redis counts each member popped
}

// ---- SMOVE ----

function smoveCommand(c: Client, argv: string[]): void {
  const db = c.db;
  const srcKey = argv[1];
  const dstKey = argv[2];
  const ele = argv[3];
  const src = db.getForWrite(srcKey);
  const dst = db.getForWrite(dstKey);
  if (src === undefined) {
    raw(c, ZERO);
    return;
  }
  if (!isSet(src) || (dst !== undefined && !isSet(dst))) {
    error(c, E.wrongType);
    return;
  }
  if (src === dst) {
    raw(c, src.has(ele) ? ONE : ZERO);
    return;
  }
  if (!src.has(ele)) {
    raw(c, ZERO);
    return;
  }
  // Add first (the only step that can fail, at V8's size limit), then remove from the source.
  const target = dst ?? RSet.forMember(ele);
  const added = target.add(ele);
  if (added < 0) {
    error(c, FULL_ERROR);
    return;
  }
  src.delete(ele);
  if (src.size === 0) db.delete(srcKey);
  else db.update(srcKey, src);
  if (dst === undefined) db.set(dstKey, target);
  else if (added === 1) db.update(dstKey, target);
  raw(c, ONE);
}

// ---- SINTER / SINTERCARD / SINTERSTORE ----

/**
 * Looks up every key (lookupKeyWrite when storing, else lookupKeyRead; missing keys give undefined).
 * Returns null after a WRONGTYPE reply: every key is type-checked, even after a missing one.
 */
function lookupSets(c: Client, keys: string[], forWrite: boolean): (RSet | undefined)[] | null {
  const db = c.db;
  const out: (RSet | undefined)[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const v = forWrite ? db.getForWrite(keys[i]) : db.get(keys[i]);
    if (v !== undefined && !isSet(v)) {
      error(c, E.wrongType);
      return null;
    }
    out[i] = v;
  }
  return out;
}

/** Stores a non-empty result at dst (replacing any value and TTL) or deletes dst; replies the size. */
function storeResult(c: Client, dstKey: string, result: RSet): void {
  if (result.size > 0) {
    c.db.set(dstKey, result);
    int(c, result.size);
  } else {
    c.db.delete(dstKey);
    raw(c, ZERO);
  }
}

const MODE_REPLY = 0;
const MODE_CARD = 1;
const MODE_STORE = 2;

/** sinterGenericCommand. limit: SINTERCARD's LIMIT (0 = none). */
function sinterGeneric(c: Client, keys: string[], dstKey: string | null, mode: number, limit: number): void {
  const found = lookupSets(c, keys, dstKey !== null);
  if (found === null) return;
  if (found.includes(undefined)) {
    // An intersection with an empty set is empty.
    if (mode === MODE_STORE) {
      c.db.delete(dstKey!);
      raw(c, ZERO);
    } else if (mode === MODE_CARD) raw(c, ZERO);
    else emptySet(c);
    return;
  }
  const sets = found as RSet[];
  // Smallest first (a stable sort, as glibc's qsort for small arrays).
  sets.sort((a, b) => a.size - b.size);
  const first = sets[0];
  const n = sets.length;
  const out: string[] = [];
  const dst = mode === MODE_STORE ? new RSet(true) : null;
  let card = 0;
  for (const m of first.members()) {
    let j = 1;
    for (; j < n; j++) {
      const o = sets[j];
      if (o !== first && !o.has(m)) break;
    }
    if (j !== n) continue;
    if (mode === MODE_CARD) {
      card++;
      if (limit !== 0 && card >= limit) break;
    } else if (dst !== null) {
      if (dst.add(m) < 0) {
        error(c, FULL_ERROR);
        return;
      }
    } else out.push(m);
  }
  if (mode === MODE_CARD) int(c, card);
  else if (dst !== null) storeResult(c, dstKey!, dst);
  else {
    setLen(c, out.length);
    for (let i = 0; i < out.length; i++) bulk(c, out[i]);
  }
}

function sinterCommand(c: Client, argv: string[]): void {
  sinterGeneric(c, argv.slice(1), null, MODE_REPLY, 0);
}

function sinterstoreCommand(c: Client, argv: string[]): void {
  sinterGeneric(c, argv.slice(2), argv[1], MODE_STORE, 0);
}

function sintercardCommand(c: Client, argv: string[]): void {
  const argc = argv.length;
  const nk = parseLL(argv[1]);
  if (nk === null || nk < 1) {
    error(c, SE.numkeys);
    return;
  }
  if (nk > argc - 2) {
    error(c, SE.tooManyKeys);
    return;
  }
  const numkeys = Number(nk);
  let limit = 0;
  for (let j = 2 + numkeys; j < argc; j++) {
    if (kw(argv[j]) === 'limit' && argc - 1 - j > 0) {
      j++;
      limit = positiveLongOrReply(c, argv[j], SE.limitNegative);
      if (limit < 0) return;
    } else {
      error(c, E.syntax);
      return;
    }
  }
  sinterGeneric(c, argv.slice(2, 2 + numkeys), null, MODE_CARD, limit);
}

// ---- SUNION / SDIFF (+STORE) ----

/**
 * The union of some sets, built like Redis' temporary result (an intset until a member says otherwise);
 * null when it outgrew V8's size limit.
 */
function unionOf(sets: (RSet | undefined)[]): RSet | null {
  const dst = new RSet(true);
  for (const s of sets) {
    if (s === undefined) continue;
    for (const m of s.members()) if (dst.add(m) < 0) return null;
  }
  return dst;
}

const OP_UNION = 0;
const OP_DIFF = 1;

/** sunionDiffGenericCommand. */
function sunionDiffGeneric(c: Client, keys: string[], dstKey: string | null, op: number): void {
  const sets = lookupSets(c, keys, dstKey !== null);
  if (sets === null) return;
  const n = sets.length;
  let sameSet = false;
  for (let j = 1; j < n; j++) if (sets[j] !== undefined && sets[j] === sets[0]) sameSet = true;

  let dst: RSet;
  let full = false;
  if (op === OP_UNION) {
    const u = unionOf(sets);
    if (u === null) {
      error(c, FULL_ERROR);
      return;
    }
    dst = u;
  } else {
    dst = new RSet(true);
    const first = sets[0];
    if (first !== undefined && !sameSet) {
      // Pick the algorithm as Redis does: 1 = test each member of the first set against the others,
      // 2 = add the first set, then remove every member of the others.
      let one = 0;
      let two = 0;
      for (let j = 0; j < n; j++) {
        const s = sets[j];
        if (s === undefined) continue;
        one += first.size;
        two += s.size;
      }
      one = Math.floor(one / 2);
      if (one <= two) {
        const others = sets.slice(1).filter((s): s is RSet => s !== undefined);
        others.sort((a, b) => b.size - a.size);
        for (const m of first.members()) {
          let j = 0;
          for (; j < others.length; j++) if (others[j].has(m)) break;
          if (j === others.length && dst.add(m) < 0) {
            full = true;
            break;
          }
        }
      } else {
        for (const m of first.members()) {
          if (dst.add(m) < 0) {
            full = true;
            break;
          }
        }
        for (let j = 1; j < n && dst.size !== 0; j++) {
          const s = sets[j];
          if (s === undefined) continue;
          for (const m of s.members()) dst.delete(m);
        }
      }
    }
  }
  if (full) {
    error(c, FULL_ERROR);
    return;
  }
  if (dstKey === null) replySet(c, dst);
  else storeResult(c, dstKey, dst);
}

function sunionCommand(c: Client, argv: string[]): void {
  sunionDiffGeneric(c, argv.slice(1), null, OP_UNION);
}

function sunionstoreCommand(c: Client, argv: string[]): void {
  sunionDiffGeneric(c, argv.slice(2), argv[1], OP_UNION);
}

function sdiffCommand(c: Client, argv: string[]): void {
  sunionDiffGeneric(c, argv.slice(1), null, OP_DIFF);
}

function sdiffstoreCommand(c: Client, argv: string[]): void {
  sunionDiffGeneric(c, argv.slice(2), argv[1], OP_DIFF);
}

// ---- SSCAN ----

function sscanCommand(c: Client, argv: string[]): void {
  const cursor = parseCursor(argv[2]);
  if (cursor === null) {
    error(c, 'ERR invalid cursor');
    return;
  }
  const s = readSet(c, argv[1]);
  if (s === null) return;
  if (s === undefined) {
    emptyScan(c);
    return;
  }
  const opts = parseScanOptions(c, argv, 3);
  if (opts === null) return;
  const pat = opts.pattern;
  const out: string[] = [];
  let next = 0;
  if (s.isIntset()) {
    // Not a hash table: Redis returns everything in one call, cursor 0, whatever the cursor was.
    for (const m of s.members()) if (pat === null || stringmatch(pat, m)) out.push(m);
  } else {
    next = scanStep(s, s.s, cursor, opts.count, (m) => {
      if (pat === null || stringmatch(pat, m)) out.push(m);
    });
  }
  arrayLen(c, 2);
  bulk(c, String(next));
  arrayLen(c, out.length);
  for (let i = 0; i < out.length; i++) bulk(c, out[i]);
}

export const commands: Record<string, Handler> = {
  sadd: saddCommand,
  srem: sremCommand,
  scard: scardCommand,
  sismember: sismemberCommand,
  smismember: smismemberCommand,
  smembers: smembersCommand,
  srandmember: srandmemberCommand,
  spop: spopCommand,
  smove: smoveCommand,
  sinter: sinterCommand,
  sintercard: sintercardCommand,
  sinterstore: sinterstoreCommand,
  sunion: sunionCommand,
  sunionstore: sunionstoreCommand,
  sdiff: sdiffCommand,
  sdiffstore: sdiffstoreCommand,
  sscan: sscanCommand,
};

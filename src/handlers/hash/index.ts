// Hash commands (Redis 7.0 t_hash.c): HSET HMSET HSETNX HGET HMGET HDEL HLEN HSTRLEN HEXISTS HKEYS HVALS
// HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN. The value type is keyspace/types/hash.ts (RHash).
//
// Order of checks follows Redis: argument parsing that Redis does before the key lookup happens first
// (HINCRBY's increment, HRANDFIELD's count, HSCAN's cursor), then the lookup and WRONGTYPE, then the rest.
import { removeMembers } from '../../keyspace/aggregate';
import { addDirty } from '../../keyspace/db';
import type { Client, Handler } from '../../server/context';
import { arrayLen, bulk, int, mapLen, nullBulk, ok, raw, emptyArray } from '../../protocol/reply';
import { error, E } from '../../protocol/errors';
import { RHash } from '../../keyspace/types/hash';
import { FULL_ERROR } from '../../keyspace/types/set';
import { scanStep, parseCursor } from '../../keyspace/scan';
import { stringmatch } from '../../util/glob';
import { parseLL, LLONG_MAX, LLONG_MIN } from '../../util/strconv';
import { kw, longLongOrReply, MAX_SAFE } from '../string/util';
import { parseLongDouble, longDoubleFromInt, addLongDouble, formatLongDouble, LongDouble } from '../string/longdouble';
import { parseScanOptions, emptyScan, replyOverLimit, arrayLenExact } from './scanargs';
import { keyspaceHooks } from '../keyspace/keyspace';

/** Error texts of the hash commands (t_hash.c, and object.c's range checks). */
export const HE = {
  notInt: 'ERR hash value is not an integer',
  notFloat: 'ERR hash value is not a float',
  nanOrInfArg: 'ERR value is NaN or Infinity',
  nanOrInf: 'ERR increment would produce NaN or Infinity',
  outOfRange: 'ERR value is out of range',
  longRange: 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
} as const;

const ZERO = ':0\r\n';
const ONE = ':1\r\n';

/** lookupKeyRead + checkType: the hash, undefined when missing, null after a WRONGTYPE reply. */
function readHash(c: Client, key: string): RHash | undefined | null {
  const v = c.db.get(key);
  if (v === undefined || v instanceof RHash) return v;
  error(c, E.wrongType);
  return null;
}

/** lookupKeyWrite + checkType. */
function writeHash(c: Client, key: string): RHash | undefined | null {
  const v = c.db.getForWrite(key);
  if (v === undefined || v instanceof RHash) return v;
  error(c, E.wrongType);
  return null;
}

/** Stores a hash written in place (update) or created by this command (set). */
function store(c: Client, key: string, h: RHash, created: boolean): void {
  if (created) c.db.set(key, h);
  else c.db.update(key, h);
}

// ---- HSET / HMSET / HSETNX ----

function hsetGeneric(c: Client, argv: string[], isHset: boolean): void {
  const n = argv.length;
  if ((n & 1) === 1) {
    error(c, E.wrongArity(isHset ? 'hset' : 'hmset'));
    return;
  }
  const key = argv[1];
  const found = writeHash(c, key);
  if (found === null) return;
  const h = found ?? new RHash();
  let created = 0;
  let pairs = 0;
  let full = false;
  for (let i = 2; i < n; i += 2) {
    const r = h.set(argv[i], argv[i + 1]);
    if (r < 0) {
      full = true;
      break;
    }
    created += r;
    pairs++;
  }
  if (h.size !== 0) {
    store(c, key, h, found === undefined);
    // Redis counts every field-value pair written, new or not, changed or not.
    if (pairs > 1) addDirty(pairs - 1);
  }
  if (full) error(c, FULL_ERROR);
  else if (isHset) int(c, created);
  else ok(c);
}

function hsetCommand(c: Client, argv: string[]): void {
  hsetGeneric(c, argv, true);
}

function hmsetCommand(c: Client, argv: string[]): void {
  hsetGeneric(c, argv, false);
}

function hsetnxCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const found = writeHash(c, key);
  if (found === null) return;
  if (found !== undefined && found.has(argv[2])) {
    raw(c, ZERO);
    return;
  }
  const h = found ?? new RHash();
  if (h.set(argv[2], argv[3]) < 0) {
    error(c, FULL_ERROR);
    return;
  }
  store(c, key, h, found === undefined);
  raw(c, ONE);
}

// ---- reads ----

function hgetCommand(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  if (h === null) return;
  const v = h === undefined ? undefined : h.get(argv[2]);
  if (v === undefined) nullBulk(c);
  else bulk(c, v);
}

function hmgetCommand(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  if (h === null) return;
  const n = argv.length;
  arrayLen(c, n - 2);
  for (let i = 2; i < n; i++) {
    const v = h === undefined ? undefined : h.get(argv[i]);
    if (v === undefined) nullBulk(c);
    else bulk(c, v);
  }
}

function hlenCommand(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  if (h === null) return;
  if (h === undefined) raw(c, ZERO);
  else int(c, h.size);
}

function hstrlenCommand(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  if (h === null) return;
  const v = h === undefined ? undefined : h.get(argv[2]);
  if (v === undefined) raw(c, ZERO);
  else int(c, v.length);
}

function hexistsCommand(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  if (h === null) return;
  raw(c, h !== undefined && h.has(argv[2]) ? ONE : ZERO);
}

const KEYS = 1;
const VALUES = 2;

/** genericHgetallCommand: HKEYS (array), HVALS (array), HGETALL (map in RESP3). */
function hgetallGeneric(c: Client, key: string, what: number): void {
  const h = readHash(c, key);
  if (h === null) return;
  const both = what === (KEYS | VALUES);
  const n = h === undefined ? 0 : h.size;
  if (both) mapLen(c, n);
  else arrayLen(c, n);
  if (h === undefined) return;
  if (both) {
    for (const [f, v] of h.entries()) {
      bulk(c, f);
      bulk(c, v);
    }
  } else if (what === KEYS) {
    for (const f of h.m.keys()) bulk(c, f);
  } else {
    for (const v of h.m.values()) bulk(c, v);
  }
}

function hkeysCommand(c: Client, argv: string[]): void {
  hgetallGeneric(c, argv[1], KEYS);
}

function hvalsCommand(c: Client, argv: string[]): void {
  hgetallGeneric(c, argv[1], VALUES);
}

function hgetallCommand(c: Client, argv: string[]): void {
  hgetallGeneric(c, argv[1], KEYS | VALUES);
}

// ---- HDEL ----

function hdelCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const h = writeHash(c, key);
  if (h === null) return;
  if (h === undefined) {
    raw(c, ZERO);
    return;
  }
  const removed = removeMembers(c.db, key, h, argv, 2);
  if (removed > 1) addDirty(removed - 1); // Redis counts each field removed
  int(c, removed);
}

// ---- HINCRBY / HINCRBYFLOAT ----

function hincrbyCommand(c: Client, argv: string[]): void {
  const incr = longLongOrReply(c, argv[3]);
  if (incr === null) return;
  const key = argv[1];
  const field = argv[2];
  const found = writeHash(c, key);
  if (found === null) return;
  let value: number | bigint = 0;
  const cur = found === undefined ? undefined : found.get(field);
  if (cur !== undefined) {
    const p = parseLL(cur);
    if (p === null) {
      error(c, HE.notInt);
      return;
    }
    value = p;
  }
  let result: number | bigint;
  const sum = typeof value === 'number' && typeof incr === 'number' ? value + incr : NaN;
  if (sum <= MAX_SAFE && sum >= -MAX_SAFE) {
    result = sum; // exact: both operands and the sum are safe integers
  } else {
    const a = BigInt(value);
    const b = BigInt(incr);
    if ((b < 0n && a < 0n && b < LLONG_MIN - a) || (b > 0n && a > 0n && b > LLONG_MAX - a)) {
      error(c, E.overflow);
      return;
    }
    result = a + b;
  }
  const h = found ?? new RHash();
  if (h.set(field, String(result)) < 0) {
    error(c, FULL_ERROR);
    return;
  }
  store(c, key, h, found === undefined);
  int(c, result);
}

function hincrbyfloatCommand(c: Client, argv: string[]): void {
  const incr = parseLongDouble(argv[3]);
  if (incr === null) {
    error(c, E.notFloat);
    return;
  }
  if (incr.inf) {
    error(c, HE.nanOrInfArg);
    return;
  }
  const key = argv[1];
  const field = argv[2];
  const found = writeHash(c, key);
  if (found === null) return;
  let value: LongDouble = longDoubleFromInt(0);
  const cur = found === undefined ? undefined : found.get(field);
  if (cur !== undefined) {
    const p = parseLL(cur);
    const v = p !== null ? longDoubleFromInt(p) : parseLongDouble(cur);
    if (v === null) {
      error(c, HE.notFloat);
      return;
    }
    value = v;
  }
  const sum = addLongDouble(value, incr);
  if (sum === null) {
    error(c, HE.nanOrInf);
    return;
  }
  const s = formatLongDouble(sum);
  const h = found ?? new RHash();
  if (h.set(field, s) < 0) {
    error(c, FULL_ERROR);
    return;
  }
  store(c, key, h, found === undefined);
  bulk(c, s);
  // Logged as HSET of the result, as Redis propagates it: replay must not redo float arithmetic.
  keyspaceHooks.rewriteArgv(c, ['HSET', key, field, s]);
}

// ---- HRANDFIELD ----

/** LONG_MAX / 2: the largest |count| HRANDFIELD accepts WITHVALUES. */
const HALF_LONG_MAX = 4611686018427387903n;

function hrandfieldCommand(c: Client, argv: string[]): void {
  const argc = argv.length;
  if (argc >= 3) {
    const l = parseLL(argv[2]);
    if (l === null) {
      error(c, E.notInt);
      return;
    }
    if (l === LLONG_MIN) {
      error(c, HE.longRange);
      return;
    }
    if (argc > 4 || (argc === 4 && kw(argv[3]) !== 'withvalues')) {
      error(c, E.syntax);
      return;
    }
    const withValues = argc === 4;
    if (withValues && (l < -HALF_LONG_MAX || l > HALF_LONG_MAX)) {
      error(c, HE.outOfRange);
      return;
    }
    hrandfieldWithCount(c, argv[1], l, withValues);
    return;
  }
  const h = readHash(c, argv[1]);
  if (h === null) return;
  if (h === undefined) nullBulk(c);
  else bulk(c, h.randomField());
}

function hrandfieldWithCount(c: Client, key: string, l: number | bigint, withValues: boolean): void {
  const h = readHash(c, key);
  if (h === null) return;
  if (h === undefined) {
    emptyArray(c);
    return;
  }
  const uniq = l >= 0;
  const count = uniq ? Number(l) : -Number(l);
  if (count === 0) {
    emptyArray(c);
    return;
  }
  const resp3 = c.resp === 3;
  const pairs = withValues && resp3; // RESP3: an array of [field, value] arrays; RESP2: one flat array
  const m = h.m;

  // CASE 1: negative count (repeats allowed, random order), or a single field.
  if (!uniq || count === 1) {
    const n = uniq ? BigInt(l) : -BigInt(l);
    arrayLenExact(c, withValues && !resp3 ? n * 2n : n);
    for (let i = 0; i < count; i++) {
      const f = h.randomField();
      if (pairs) arrayLen(c, 2);
      bulk(c, f);
      if (withValues) bulk(c, m.get(f)!);
      if ((i & 1023) === 1023 && replyOverLimit(c)) return;
    }
    return;
  }

  const size = h.size;
  const replySize = count < size ? count : size;
  arrayLen(c, withValues && !resp3 ? replySize * 2 : replySize);

  // CASE 2: at least as many as the hash holds: all of it, in iteration order.
  if (count >= size) {
    for (const [f, v] of m) {
      if (pairs) arrayLen(c, 2);
      bulk(c, f);
      if (withValues) bulk(c, v);
    }
    return;
  }

  // CASES 3 and 4: count distinct random fields.
  const fields = h.sample(count);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (pairs) arrayLen(c, 2);
    bulk(c, f);
    if (withValues) bulk(c, m.get(f)!);
  }
}

// ---- HSCAN ----

function hscanCommand(c: Client, argv: string[]): void {
  const cursor = parseCursor(argv[2]);
  if (cursor === null) {
    error(c, 'ERR invalid cursor');
    return;
  }
  const h = readHash(c, argv[1]);
  if (h === null) return;
  if (h === undefined) {
    emptyScan(c);
    return;
  }
  const opts = parseScanOptions(c, argv, 3);
  if (opts === null) return;
  const pat = opts.pattern;
  const m = h.m;
  const out: string[] = [];
  let next = 0;
  if (h.isListpack()) {
    // Not a hash table: Redis returns everything in one call, cursor 0, whatever the cursor was.
    for (const [f, v] of m) if (pat === null || stringmatch(pat, f)) out.push(f, v);
  } else {
    next = scanStep(h, m, cursor, opts.count, (f) => {
      if (pat === null || stringmatch(pat, f)) out.push(f, m.get(f)!);
    });
  }
  arrayLen(c, 2);
  bulk(c, String(next));
  arrayLen(c, out.length);
  for (let i = 0; i < out.length; i++) bulk(c, out[i]);
}

export const commands: Record<string, Handler> = {
  hset: hsetCommand,
  hmset: hmsetCommand,
  hsetnx: hsetnxCommand,
  hget: hgetCommand,
  hmget: hmgetCommand,
  hdel: hdelCommand,
  hlen: hlenCommand,
  hstrlen: hstrlenCommand,
  hexists: hexistsCommand,
  hkeys: hkeysCommand,
  hvals: hvalsCommand,
  hgetall: hgetallCommand,
  hincrby: hincrbyCommand,
  hincrbyfloat: hincrbyfloatCommand,
  hrandfield: hrandfieldCommand,
  hscan: hscanCommand,
};

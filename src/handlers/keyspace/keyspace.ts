// Generic keyspace commands, Redis 7.0 semantics and reply/error texts (db.c, expire.c, object.c):
// DEL UNLINK EXISTS TYPE KEYS SCAN RANDOMKEY RENAME RENAMENX COPY MOVE TOUCH
// EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST
// OBJECT ENCODING|FREQ|IDLETIME|REFCOUNT|HELP
//
// Arity and unknown subcommands are checked by the dispatcher (commands/*.json). Every write goes
// through Db methods, which notify the WAL/WATCH listener.
import type { Client, Handler } from '../../server/context';
import * as R from '../../protocol/reply';
import { error, E } from '../../protocol/errors';
import { keyspace, typeName, Db, Value, addDirty } from '../../keyspace/db';
import { scanStep, parseCursor } from '../../keyspace/scan';
import { stringmatch } from '../../util/glob';
import { infoHooks } from '../../server/info';
import { clusterMode } from '../connection/connection';
import { cloneValue } from './clone';
import { parseLL, LLONG_MAX, LLONG_MIN } from '../../util/strconv';
import { prop, rewriteArgv, alsoPropagate, ackedBy } from '../../server/propagate';

/**
 * The deterministic form a handler propagates instead of its argv when that would not replay the same
 * (Redis' rewriteClientCommandVector): relative TTLs (EXPIRE -> PEXPIREAT <abs-ms>, a past time -> DEL),
 * randomness (SPOP -> SREM), float results (INCRBYFLOAT -> SET), blocking pops (BLPOP -> LPOP key).
 * A hook so unit tests can watch the rewrites; by default propagate.ts' rewriteArgv.
 */
export const keyspaceHooks = {
  rewriteArgv: (_c: Client, argv: string[]): void => {
    // WAL replay runs handlers outside call(): nothing to rewrite.
    if (!prop.loading) rewriteArgv(argv);
  },
};

/**
 * Redis' checkAlreadyExpired: an absolute time already past deletes the key at once, except while
 * loading (the log replays at a later time; it holds the DEL of the key when it really expired).
 */
export function checkAlreadyExpired(whenMs: number, now = Date.now()): boolean {
  return whenMs <= now && !prop.loading;
}

/** An absolute ms time as the integer text a replay parses back to it (exact beyond 2^53, int64-clamped). */
export function formatMs(whenMs: number): string {
  if (Number.isSafeInteger(whenMs)) return String(whenMs);
  return whenMs >= 9223372036854775807 ? '9223372036854775807' : BigInt(whenMs).toString();
}

/**
 * A blocked client served outside call() (server/blocking.ts): its effect joins the pending unit as
 * `argv` (the non-blocking twin of its command) and its reply acknowledges that unit.
 */
export function propagateServed(c: Client, argv: string[]): void {
  if (prop.loading) return;
  ackedBy(c);
  alsoPropagate(c.db.id, argv);
}

// ---- integer arguments (Redis getIntFromObject) -----------------------------------------------------

const INT_RANGE_ERR = 'ERR value is out of range, value must between -2147483648 and 2147483647';

/** getIntFromObjectOrReply: returns null after replying with the error. */
function parseIntArg(c: Client, s: string): number | null {
  const v = parseLL(s);
  if (v === null) {
    error(c, E.notInt);
    return null;
  }
  if (typeof v === 'bigint' || v < -2147483648 || v > 2147483647) {
    error(c, INT_RANGE_ERR);
    return null;
  }
  return v;
}

/** Replies with an integer that may exceed 2^53 (expire times near LLONG_MAX), clamped like int64. */
function replyLL(c: Client, n: number): void {
  if (n >= 9223372036854775807) R.int(c, LLONG_MAX);
  else R.int(c, n);
}

// ---- DEL / UNLINK / EXISTS / TOUCH / TYPE ------------------------------------------------------------

function delGeneric(c: Client, argv: string[]): void {
  const db = c.db;
  let n = 0;
  for (let j = 1; j < argv.length; j++) {
    const k = argv[j];
    if (db.expires.size !== 0 && db.expireIfNeeded(k)) continue;
    if (db.delete(k)) n++;
  }
  R.int(c, n);
}

/** EXISTS and TOUCH: count of existing keys (repeats counted), as lookupKeyRead (hits/misses). */
function exists(c: Client, argv: string[]): void {
  const db = c.db;
  let n = 0;
  for (let j = 1; j < argv.length; j++) if (db.get(argv[j]) !== undefined) n++;
  R.int(c, n);
}

function type(c: Client, argv: string[]): void {
  const v = c.db.get(argv[1]);
  R.simple(c, v === undefined ? 'none' : typeName(v));
}

// ---- KEYS / SCAN / RANDOMKEY ------------------------------------------------------------------------

function keys(c: Client, argv: string[]): void {
  const db = c.db;
  const pat = argv[1];
  const all = pat === '*';
  const exp = db.expires;
  const checkExp = exp.size !== 0;
  const now = Date.now();
  const out: string[] = [];
  if (!all && isLiteralPattern(pat)) {
    // No metacharacters: at most one key can match, look it up instead of walking the keyspace.
    if (db.dict.has(pat)) {
      const w = checkExp ? exp.get(pat) : undefined;
      if (w === undefined || w > now) out.push(pat);
    }
    return R.bulkArray(c, out);
  }
  for (const k of db.dict.keys()) {
    if (!all && !stringmatch(pat, k)) continue;
    if (checkExp) {
      const w = exp.get(k);
      if (w !== undefined && w <= now) continue; // logically expired: skipped, not deleted (as Redis)
    }
    out.push(k);
  }
  R.bulkArray(c, out);
}

/** True when stringmatch(p, s) is just p === s: no '*', '?', '[' or '\\'. */
function isLiteralPattern(p: string): boolean {
  for (let i = 0; i < p.length; i++) {
    const ch = p.charCodeAt(i);
    if (ch === 42 || ch === 63 || ch === 91 || ch === 92) return false;
  }
  return true;
}

function scan(c: Client, argv: string[]): void {
  const cursor = parseCursor(argv[1]);
  if (cursor === null) return error(c, 'ERR invalid cursor');
  let count = 10;
  let pat: string | null = null;
  let type: string | null = null;
  for (let i = 2; i < argv.length; ) {
    const left = argv.length - i;
    const opt = argv[i].toLowerCase();
    if (opt === 'count' && left >= 2) {
      const v = parseLL(argv[i + 1]);
      if (v === null) return error(c, E.notInt);
      if (v < 1) return error(c, E.syntax);
      count = Number(v);
      i += 2;
    } else if (opt === 'match' && left >= 2) {
      pat = argv[i + 1] === '*' ? null : argv[i + 1];
      i += 2;
    } else if (opt === 'type' && left >= 2) {
      type = asciiLower(argv[i + 1]);
      i += 2;
    } else {
      return error(c, E.syntax);
    }
  }
  const db = c.db;
  const found: string[] = [];
  const now = Date.now();
  const next = scanStep(db, db.dict, cursor, count, (k) => {
    if (pat !== null && !stringmatch(pat, k)) return;
    if (type !== null) {
      // Redis looks the key up (lookupKeyRead: stats, lazy expiry) and compares type names
      // case-insensitively; an unknown type name simply matches nothing (7.0).
      const v = db.get(k);
      if (v === undefined || typeName(v) !== type) return;
    } else if (db.expires.size !== 0 && db.expireIfNeeded(k, now)) return;
    found.push(k);
  });
  R.arrayLen(c, 2);
  R.bulk(c, String(next));
  R.bulkArray(c, found);
}

function asciiLower(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    out += ch >= 65 && ch <= 90 ? String.fromCharCode(ch + 32) : s[i];
  }
  return out;
}

function randomkey(c: Client): void {
  const k = c.db.randomKey();
  if (k === undefined) R.nullBulk(c);
  else R.bulk(c, k);
}

// ---- RENAME / RENAMENX / MOVE / COPY ------------------------------------------------------------------

function renameGeneric(c: Client, argv: string[], nx: boolean): void {
  const db = c.db;
  const src = argv[1];
  const dst = argv[2];
  const v = db.getForWrite(src);
  if (v === undefined) return error(c, E.noSuchKey);
  if (src === dst) {
    if (nx) R.int(c, 0);
    else R.ok(c);
    return;
  }
  const when = db.getExpire(src);
  if (db.getForWrite(dst) !== undefined && nx) return R.int(c, 0);
  // The same value object moves to the new key (no free, no copy); an old dst value is freed by set().
  db.detach(src);
  db.set(dst, v);
  if (when !== undefined) db.setExpire(dst, when);
  addDirty(when !== undefined ? -2 : -1); // Redis counts a rename as one change
  if (nx) R.int(c, 1);
  else R.ok(c);
}

function move(c: Client, argv: string[]): void {
  if (clusterMode.enabled) return error(c, 'ERR MOVE is not allowed in cluster mode');
  const src = c.db;
  const dbid = parseIntArg(c, argv[2]);
  if (dbid === null) return;
  if (dbid < 0 || dbid >= keyspace.dbs.length) return error(c, E.dbIndex);
  const dst = keyspace.dbs[dbid];
  if (dst === src) return error(c, E.sameObject);
  const key = argv[1];
  const v = src.getForWrite(key);
  if (v === undefined) return R.int(c, 0);
  const when = src.getExpire(key);
  if (dst.getForWrite(key) !== undefined) return R.int(c, 0);
  src.detach(key);
  dst.set(key, v);
  if (when !== undefined) dst.setExpire(key, when);
  addDirty(when !== undefined ? -2 : -1); // Redis counts a move as one change
  R.int(c, 1);
}

function copy(c: Client, argv: string[]): void {
  const src = c.db;
  let dst: Db = src;
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    const additional = argv.length - j - 1;
    const opt = argv[j].toLowerCase();
    if (opt === 'replace') {
      replace = true;
    } else if (opt === 'db' && additional >= 1) {
      const dbid = parseIntArg(c, argv[j + 1]);
      if (dbid === null) return;
      if (dbid < 0 || dbid >= keyspace.dbs.length) return error(c, E.dbIndex);
      dst = keyspace.dbs[dbid];
      j++;
    } else {
      return error(c, E.syntax);
    }
  }
  if (clusterMode.enabled && (src.id !== 0 || dst.id !== 0)) {
    return error(c, 'ERR Copying to another database is not allowed in cluster mode');
  }
  const key = argv[1];
  const newkey = argv[2];
  if (src === dst && key === newkey) return error(c, E.sameObject);
  const v = src.get(key);
  if (v === undefined) return R.int(c, 0);
  const when = src.getExpire(key);
  if (dst.getForWrite(newkey) !== undefined && !replace) return R.int(c, 0);
  const dup = cloneValue(v);
  if (dup === null) return error(c, 'ERR not supported for this module type');
  dst.set(newkey, dup); // frees a replaced value
  if (when !== undefined) {
    dst.setExpire(newkey, when);
    addDirty(-1); // Redis counts a copy as one change
  }
  R.int(c, 1);
}

// ---- EXPIRE family ----------------------------------------------------------------------------------

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

/** Redis' expireGenericCommand. basetimeMs: now for relative forms, 0 for *AT. */
function expireGeneric(c: Client, argv: string[], name: string, basetimeMs: number, seconds: boolean): void {
  let flags = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    if (opt === 'nx') flags |= EXPIRE_NX;
    else if (opt === 'xx') flags |= EXPIRE_XX;
    else if (opt === 'gt') flags |= EXPIRE_GT;
    else if (opt === 'lt') flags |= EXPIRE_LT;
    else {
      const nul = argv[j].indexOf('\0'); // %s of a C string stops at NUL
      return error(c, `ERR Unsupported option ${nul === -1 ? argv[j] : argv[j].slice(0, nul)}`);
    }
  }
  if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) {
    return error(c, 'ERR NX and XX, GT or LT options at the same time are not compatible');
  }
  if (flags & EXPIRE_GT && flags & EXPIRE_LT) {
    return error(c, 'ERR GT and LT options at the same time are not compatible');
  }

  const parsed = parseLL(argv[2]);
  if (parsed === null) return error(c, E.notInt);
  let when: number;
  if (typeof parsed === 'number' && parsed > -1e12 && parsed < 1e12) {
    // Exact in doubles: |when * 1000 + now| < 2^53.
    when = (seconds ? parsed * 1000 : parsed) + basetimeMs;
  } else {
    let w = BigInt(parsed);
    if (seconds) {
      if (w > LLONG_MAX / 1000n || w < LLONG_MIN / 1000n) return error(c, E.invalidExpire(name));
      w *= 1000n;
    }
    const base = BigInt(basetimeMs);
    if (w > LLONG_MAX - base) return error(c, E.invalidExpire(name));
    when = Number(w + base);
  }

  const db = c.db;
  const key = argv[1];
  if (db.getForWrite(key) === undefined) return R.int(c, 0);

  if (flags !== 0) {
    const cur = db.getExpire(key);
    if (flags & EXPIRE_NX && cur !== undefined) return R.int(c, 0);
    if (flags & EXPIRE_XX && cur === undefined) return R.int(c, 0);
    // No TTL counts as infinite: GT always fails, LT always passes.
    if (flags & EXPIRE_GT && (cur === undefined || when <= cur)) return R.int(c, 0);
    if (flags & EXPIRE_LT && cur !== undefined && when >= cur) return R.int(c, 0);
  }

  if (checkAlreadyExpired(when)) {
    // Already expired: delete now, propagated as DEL.
    db.delete(key);
    keyspaceHooks.rewriteArgv(c, ['DEL', key]);
    return R.int(c, 1);
  }
  db.setExpire(key, when);
  if (name !== 'pexpireat') {
    const out = argv.slice();
    out[0] = 'PEXPIREAT';
    out[2] = formatMs(when);
    keyspaceHooks.rewriteArgv(c, out);
  }
  R.int(c, 1);
}

const expire: Handler = (c, argv) => expireGeneric(c, argv, 'expire', Date.now(), true);
const pexpire: Handler = (c, argv) => expireGeneric(c, argv, 'pexpire', Date.now(), false);
const expireat: Handler = (c, argv) => expireGeneric(c, argv, 'expireat', 0, true);
const pexpireat: Handler = (c, argv) => expireGeneric(c, argv, 'pexpireat', 0, false);

/** TTL PTTL EXPIRETIME PEXPIRETIME (Redis' ttlGenericCommand). */
function ttlGeneric(c: Client, argv: string[], ms: boolean, abs: boolean): void {
  const db = c.db;
  const key = argv[1];
  if (db.get(key) === undefined) return R.int(c, -2);
  const when = db.getExpire(key);
  if (when === undefined) return R.int(c, -1);
  let ttl = abs ? when : when - Date.now();
  if (ttl < 0) ttl = 0;
  if (ms) replyLL(c, ttl);
  else if (ttl <= Number.MAX_SAFE_INTEGER) R.int(c, Math.floor((ttl + 500) / 1000));
  else R.int(c, (BigInt(ttl) + 500n) / 1000n); // exact rounding beyond 2^53 (times near LLONG_MAX)
}

function persist(c: Client, argv: string[]): void {
  const db = c.db;
  const key = argv[1];
  if (db.getForWrite(key) === undefined) return R.int(c, 0);
  if (db.persist(key)) {
    R.int(c, 1);
  } else R.int(c, 0);
}

// ---- OBJECT -----------------------------------------------------------------------------------------

/** Redis' OBJ_ENCODING_EMBSTR_SIZE_LIMIT. */
const EMBSTR_LIMIT = 44;
/** OBJ_SHARED_REFCOUNT (INT_MAX). */
const SHARED_REFCOUNT = 2147483647;

function policyIsLfu(): boolean {
  return infoHooks.maxmemoryPolicy.endsWith('-lfu');
}
/** Redis shares the integers 0..9999 unless maxmemory is set with an LRU/LFU policy. */
function sharedIntegersEnabled(): boolean {
  const p = infoHooks.maxmemoryPolicy;
  return infoHooks.maxmemory === 0 || !(p.endsWith('-lru') || p.endsWith('-lfu'));
}
function isSharedInt(v: Value): boolean {
  return typeof v === 'number' && v >= 0 && v < 10000 && Number.isInteger(v) && sharedIntegersEnabled();
}

/** OBJECT ENCODING of a value as SET would have stored it (tryObjectEncoding). */
export function encodingOf(v: Value): string {
  if (typeof v === 'number') return 'int';
  if (typeof v === 'string') {
    if (v.length <= 20 && parseLL(v) !== null) return 'int';
    return v.length <= EMBSTR_LIMIT ? 'embstr' : 'raw';
  }
  return v.encoding();
}

function objectEncoding(c: Client, argv: string[]): void {
  const v = c.db.get(argv[2]);
  if (v === undefined) return R.nullBulk(c);
  R.bulk(c, (typeof v !== 'object' && c.db.encOverride.get(argv[2])) || encodingOf(v));
}

function objectRefcount(c: Client, argv: string[]): void {
  const v = c.db.get(argv[2]);
  if (v === undefined) return R.nullBulk(c);
  R.int(c, isSharedInt(v) ? SHARED_REFCOUNT : 1);
}

const LFU_NOT_SELECTED =
  'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';
const LFU_SELECTED =
  'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';
/** Redis' LFU_INIT_VAL: the counter a new key starts with. */
const LFU_INIT_VAL = 5;

function objectFreq(c: Client, argv: string[]): void {
  const v = c.db.get(argv[2]);
  if (v === undefined) return R.nullBulk(c);
  if (!policyIsLfu()) return error(c, LFU_NOT_SELECTED);
  // Access frequency is not tracked (no per-key memory for it): answer what a freshly written key
  // has, and 0 for the shared integers (their counter is never initialised in Redis).
  R.int(c, isSharedInt(v) ? 0 : LFU_INIT_VAL);
}

function objectIdletime(c: Client, argv: string[]): void {
  const v = c.db.get(argv[2]);
  if (v === undefined) return R.nullBulk(c);
  if (policyIsLfu()) return error(c, LFU_SELECTED);
  // Last-access time is not tracked: it would cost a per-key field, and plain string values are bare
  // JS strings with nowhere to keep it. Every key reports 0 (as if just accessed).
  R.int(c, 0);
}

const OBJECT_HELP = [
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
];

function objectHelp(c: Client, argv: string[]): void {
  R.help(c, argv[0], OBJECT_HELP);
}

export const commands: Record<string, Handler> = {
  del: delGeneric,
  unlink: delGeneric,
  exists,
  touch: exists,
  type,
  keys,
  scan,
  randomkey,
  rename: (c, argv) => renameGeneric(c, argv, false),
  renamenx: (c, argv) => renameGeneric(c, argv, true),
  move,
  copy,
  expire,
  pexpire,
  expireat,
  pexpireat,
  ttl: (c, argv) => ttlGeneric(c, argv, false, false),
  pttl: (c, argv) => ttlGeneric(c, argv, true, false),
  expiretime: (c, argv) => ttlGeneric(c, argv, false, true),
  pexpiretime: (c, argv) => ttlGeneric(c, argv, true, true),
  persist,
  'object|encoding': objectEncoding,
  'object|freq': objectFreq,
  'object|idletime': objectIdletime,
  'object|refcount': objectRefcount,
  'object|help': objectHelp,
};

// String commands (Redis 7.0 t_string.c): GET SET SETNX SETEX PSETEX GETSET GETDEL GETEX MGET MSET MSETNX
// APPEND STRLEN GETRANGE SETRANGE INCR DECR INCRBY DECRBY INCRBYFLOAT.
//
// Values: latin1 strings, or JS numbers where Redis would use the int encoding (see util.encodeValue).
// Results Redis stores as raw/embstr strings (APPEND to an existing key, SETRANGE, SETBIT, BITOP,
// INCRBYFLOAT) stay JS strings even when they read as integers: a number always means "int encoding".
import type { Client, Handler } from '../../server/context';
import { bulk, bulkInt, int, nullBulk, ok, raw, arrayLen } from '../../protocol/reply';
import { error, E } from '../../protocol/errors';
import {
  SE,
  MAX_SAFE,
  encodeValue,
  strOf,
  valueLen,
  kw,
  checkStringLength,
  clampRange,
  longLongOrReply,
  zeros,
} from './util';
import { parseLL, LLONG_MAX, LLONG_MIN } from '../../util/strconv';
import { parseLongDouble, longDoubleFromInt, addLongDouble, formatLongDouble, LongDouble } from './longdouble';
import { keyspaceHooks, checkAlreadyExpired, formatMs } from '../keyspace/keyspace';
import { addDirty } from '../../keyspace/db';

// ---- SET / GETEX option parsing (parseExtendedStringArgumentsOrReply) ----

const F_NX = 1;
const F_XX = 2;
const F_EX = 4;
const F_PX = 8;
const F_KEEPTTL = 16;
const F_GET = 32;
const F_EXAT = 64;
const F_PXAT = 128;
const F_PERSIST = 256;
const F_ANY_EXPIRE = F_EX | F_PX | F_EXAT | F_PXAT;

/** Index in argv of the expire value found by the last parseExtended() call, or -1. */
let expireIdx = -1;

// Option ids for parseExtended().
const O_NX = 1;
const O_XX = 2;
const O_GET = 3;
const O_KEEPTTL = 4;
const O_PERSIST = 5;
const O_EX = 6;
const O_PX = 7;
const O_EXAT = 8;
const O_PXAT = 9;

/** Lower-cased char code for ASCII letters (c | 0x20 maps only 'A'-'Z' onto 'a'-'z'). */
function lc(s: string, i: number): number {
  return s.charCodeAt(i) | 0x20;
}

/** Which SET/GETEX option s is, case-insensitively, without allocating; 0 if none. */
function optionId(s: string): number {
  switch (s.length) {
    case 2: {
      if (lc(s, 1) !== 120) return 0; // 'x'
      const a = lc(s, 0);
      return a === 110 ? O_NX : a === 120 ? O_XX : a === 101 ? O_EX : a === 112 ? O_PX : 0;
    }
    case 3:
      return lc(s, 0) === 103 && lc(s, 1) === 101 && lc(s, 2) === 116 ? O_GET : 0;
    case 4: {
      if (lc(s, 1) !== 120 || lc(s, 2) !== 97 || lc(s, 3) !== 116) return 0; // '?xat'
      const a = lc(s, 0);
      return a === 101 ? O_EXAT : a === 112 ? O_PXAT : 0;
    }
    case 7: {
      const k = kw(s);
      return k === 'keepttl' ? O_KEEPTTL : k === 'persist' ? O_PERSIST : 0;
    }
  }
  return 0;
}

/**
 * Redis 7.0's option grammar for SET (from argv[3]) and GETEX (from argv[2]). Repeating an option is
 * accepted (the last expire wins); conflicting ones, unknown ones and a missing expire value are a
 * syntax error. Options compare like C strings: "NX\0junk" is NX. Returns the flags, or -1.
 */
function parseExtended(argv: string[], start: number, isSet: boolean): number {
  let flags = 0;
  expireIdx = -1;
  const argc = argv.length;
  for (let j = start; j < argc; j++) {
    const a = argv[j];
    let opt = optionId(a);
    if (opt === 0) {
      const z = a.indexOf('\0');
      if (z !== -1) opt = optionId(a.slice(0, z));
    }
    const hasNext = j < argc - 1;
    switch (opt) {
      case O_NX:
        if (!isSet || flags & F_XX) return -1;
        flags |= F_NX;
        break;
      case O_XX:
        if (!isSet || flags & F_NX) return -1;
        flags |= F_XX;
        break;
      case O_GET:
        if (!isSet) return -1;
        flags |= F_GET;
        break;
      case O_KEEPTTL:
        if (!isSet || flags & (F_PERSIST | F_ANY_EXPIRE)) return -1;
        flags |= F_KEEPTTL;
        break;
      case O_PERSIST:
        if (isSet || flags & (F_ANY_EXPIRE | F_KEEPTTL)) return -1;
        flags |= F_PERSIST;
        break;
      case O_EX:
        if (!hasNext || flags & (F_KEEPTTL | F_PERSIST | F_EXAT | F_PX | F_PXAT)) return -1;
        flags |= F_EX;
        expireIdx = ++j;
        break;
      case O_PX:
        if (!hasNext || flags & (F_KEEPTTL | F_PERSIST | F_EX | F_EXAT | F_PXAT)) return -1;
        flags |= F_PX;
        expireIdx = ++j;
        break;
      case O_EXAT:
        if (!hasNext || flags & (F_KEEPTTL | F_PERSIST | F_EX | F_PX | F_PXAT)) return -1;
        flags |= F_EXAT;
        expireIdx = ++j;
        break;
      case O_PXAT:
        if (!hasNext || flags & (F_KEEPTTL | F_PERSIST | F_EX | F_EXAT | F_PX)) return -1;
        flags |= F_PXAT;
        expireIdx = ++j;
        break;
      default:
        return -1;
    }
  }
  return flags;
}

const BIG_1000 = 1000n;
const LLONG_MAX_DIV_1000 = LLONG_MAX / BIG_1000;

/**
 * getExpireMillisecondsOrReply: the absolute unix time in ms of an expire argument, or -1 after replying
 * an error. EX/PX are relative to now. Zero, negative and int64-overflowing values are invalid.
 */
function expireAt(c: Client, arg: string, flags: number, cmd: string): number {
  const v = longLongOrReply(c, arg);
  if (v === null) return -1;
  const seconds = (flags & (F_EX | F_EXAT)) !== 0;
  const relative = (flags & (F_EX | F_PX)) !== 0;
  if (typeof v === 'number' && v > 0 && v <= (seconds ? 9e12 : 9e15)) {
    // No int64 overflow possible and the result stays an exact JS integer.
    let ms = seconds ? v * 1000 : v;
    if (relative) ms += Date.now();
    return ms;
  }
  let ms = BigInt(v);
  if (ms <= 0n || (seconds && ms > LLONG_MAX_DIV_1000)) {
    error(c, E.invalidExpire(cmd));
    return -1;
  }
  if (seconds) ms *= BIG_1000;
  if (relative) ms += BigInt(Date.now());
  if (ms > LLONG_MAX) {
    // C wraps around to a negative value here.
    error(c, E.invalidExpire(cmd));
    return -1;
  }
  return Number(ms);
}

// ---- GET family ----

/** getGenericCommand: replies the value (or null); false after a WRONGTYPE reply. */
function getGeneric(c: Client, key: string): boolean {
  const v = c.db.get(key);
  if (v === undefined) nullBulk(c);
  else if (typeof v === 'string') bulk(c, v);
  else if (typeof v === 'number') bulkInt(c, v);
  else {
    error(c, E.wrongType);
    return false;
  }
  return true;
}

function getCommand(c: Client, argv: string[]): void {
  const v = c.db.get(argv[1]);
  if (v === undefined) nullBulk(c);
  else if (typeof v === 'string') bulk(c, v);
  else if (typeof v === 'number') bulkInt(c, v);
  else error(c, E.wrongType);
}

const REPLY_OK = 0; // SET/SETEX/PSETEX: +OK, aborted -> null
const REPLY_INT = 1; // SETNX: :1, aborted -> :0

/** setGenericCommand. expireArg null = no expire. Returns true when it stored the value. */
function setGeneric(
  c: Client,
  flags: number,
  key: string,
  val: string,
  expireArg: string | null,
  cmd: string,
  replyKind: number,
): boolean {
  let when = 0;
  if (expireArg !== null) {
    when = expireAt(c, expireArg, flags, cmd);
    if (when < 0) return false;
  }
  if (flags & F_GET && !getGeneric(c, key)) return false;
  const db = c.db;
  const found = db.getForWrite(key) !== undefined;
  if ((flags & F_NX && found) || (flags & F_XX && !found)) {
    if (!(flags & F_GET)) {
      if (replyKind === REPLY_INT) raw(c, ':0\r\n');
      else nullBulk(c);
    }
    return false;
  }
  db.set(key, encodeValue(val), (flags & F_KEEPTTL) !== 0 || expireArg !== null);
  // An EXAT/PXAT in the past is stored as such: the key is gone on its next access (as in 7.0).
  if (expireArg !== null) {
    db.setExpire(key, when);
    addDirty(-1); // one change in Redis (setKey + setExpire: server.dirty++ once)
    // The absolute time, so a replay does not restart a relative TTL (NX/XX/GET already did their part).
    // A PXAT the client gave is already absolute: Redis keeps that argv as it came.
    if (!(flags & F_PXAT)) keyspaceHooks.rewriteArgv(c, ['SET', key, val, 'PXAT', formatMs(when)]);
  }
  if (!(flags & F_GET)) {
    if (replyKind === REPLY_INT) raw(c, ':1\r\n');
    else ok(c);
  }
  return true;
}

function setCommand(c: Client, argv: string[]): void {
  if (argv.length === 3) {
    // Hot path: SET key value.
    const db = c.db;
    const key = argv[1];
    if (db.expires.size !== 0) db.expireIfNeeded(key); // lookupKeyWrite: counts an expired key
    db.set(key, encodeValue(argv[2]));
    ok(c);
    return;
  }
  const flags = parseExtended(argv, 3, true);
  if (flags < 0) {
    error(c, E.syntax);
    return;
  }
  const eidx = expireIdx;
  if (setGeneric(c, flags, argv[1], argv[2], eidx >= 0 ? argv[eidx] : null, 'set', REPLY_OK) && flags & F_GET && eidx < 0) {
    // Propagated without GET, as Redis does (with no EX/PX..., no option takes a value).
    keyspaceHooks.rewriteArgv(c, argv.filter((a, i) => i < 3 || optionId(a) !== O_GET));
  }
}

function setnxCommand(c: Client, argv: string[]): void {
  setGeneric(c, F_NX, argv[1], argv[2], null, 'setnx', REPLY_INT);
}

function setexCommand(c: Client, argv: string[]): void {
  setGeneric(c, F_EX, argv[1], argv[3], argv[2], 'setex', REPLY_OK);
}

function psetexCommand(c: Client, argv: string[]): void {
  setGeneric(c, F_PX, argv[1], argv[3], argv[2], 'psetex', REPLY_OK);
}

function getsetCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  if (!getGeneric(c, key)) return;
  c.db.set(key, encodeValue(argv[2]));
}

function getdelCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const v = c.db.get(key);
  if (v === undefined) {
    nullBulk(c);
    return;
  }
  if (typeof v === 'string') bulk(c, v);
  else if (typeof v === 'number') bulkInt(c, v);
  else {
    error(c, E.wrongType);
    return;
  }
  c.db.delete(key);
}

function getexCommand(c: Client, argv: string[]): void {
  const flags = parseExtended(argv, 2, false);
  if (flags < 0) {
    error(c, E.syntax);
    return;
  }
  const eidx = expireIdx;
  const db = c.db;
  const key = argv[1];
  const v = db.get(key);
  if (v === undefined) {
    nullBulk(c);
    return;
  }
  if (typeof v === 'object') {
    error(c, E.wrongType);
    return;
  }
  let when = 0;
  if (eidx >= 0) {
    when = expireAt(c, argv[eidx], flags, 'getex');
    if (when < 0) return;
  }
  if (typeof v === 'string') bulk(c, v);
  else bulkInt(c, v);
  // Propagated as what it did (Redis' getexCommand): a relative TTL would restart at replay.
  if (flags & (F_EXAT | F_PXAT) && checkAlreadyExpired(when)) {
    db.delete(key); // an absolute time already in the past deletes the key
    keyspaceHooks.rewriteArgv(c, ['DEL', key]);
  } else if (eidx >= 0) {
    db.setExpire(key, when);
    keyspaceHooks.rewriteArgv(c, ['PEXPIREAT', key, formatMs(when)]);
  } else if (flags & F_PERSIST) {
    if (db.persist(key)) keyspaceHooks.rewriteArgv(c, ['PERSIST', key]);
  }
}

function mgetCommand(c: Client, argv: string[]): void {
  const db = c.db;
  const n = argv.length;
  arrayLen(c, n - 1);
  for (let j = 1; j < n; j++) {
    const v = db.get(argv[j]);
    if (typeof v === 'string') bulk(c, v);
    else if (typeof v === 'number') bulkInt(c, v);
    else nullBulk(c); // missing or not a string
  }
}

function msetCommand(c: Client, argv: string[]): void {
  const n = argv.length;
  if ((n & 1) === 0) {
    error(c, E.wrongArity('mset'));
    return;
  }
  const db = c.db;
  const checkExpire = db.expires.size !== 0;
  for (let j = 1; j < n; j += 2) {
    const key = argv[j];
    if (checkExpire) db.expireIfNeeded(key);
    db.set(key, encodeValue(argv[j + 1]));
  }
  ok(c);
}

function msetnxCommand(c: Client, argv: string[]): void {
  const n = argv.length;
  if ((n & 1) === 0) {
    error(c, E.wrongArity('msetnx'));
    return;
  }
  const db = c.db;
  for (let j = 1; j < n; j += 2) {
    if (db.getForWrite(argv[j]) !== undefined) {
      raw(c, ':0\r\n');
      return;
    }
  }
  for (let j = 1; j < n; j += 2) db.set(argv[j], encodeValue(argv[j + 1]));
  raw(c, ':1\r\n');
}

// ---- APPEND / STRLEN / GETRANGE / SETRANGE ----

function appendCommand(c: Client, argv: string[]): void {
  const db = c.db;
  const key = argv[1];
  const add = argv[2];
  const v = db.getForWrite(key);
  if (v === undefined) {
    db.set(key, encodeValue(add));
    int(c, add.length);
    return;
  }
  if (typeof v === 'object') {
    error(c, E.wrongType);
    return;
  }
  const cur = strOf(v);
  if (!checkStringLength(c, cur.length, add.length)) return;
  const s = cur + add;
  db.update(key, s); // always a raw string now, even if it reads as an integer
  db.setEncoding(key, 'raw');
  int(c, s.length);
}

function strlenCommand(c: Client, argv: string[]): void {
  const v = c.db.get(argv[1]);
  if (v === undefined) raw(c, ':0\r\n');
  else if (typeof v === 'object') error(c, E.wrongType);
  else int(c, valueLen(v));
}

function getrangeCommand(c: Client, argv: string[]): void {
  const a = longLongOrReply(c, argv[2]);
  if (a === null) return;
  const b = longLongOrReply(c, argv[3]);
  if (b === null) return;
  const v = c.db.get(argv[1]);
  if (v === undefined) {
    bulk(c, '');
    return;
  }
  if (typeof v === 'object') {
    error(c, E.wrongType);
    return;
  }
  const s = strOf(v);
  const len = s.length;
  if (a < 0 && b < 0 && a > b) {
    bulk(c, '');
    return;
  }
  const [start, end] = clampRange(Number(a), Number(b), len);
  if (start > end || len === 0) bulk(c, '');
  else bulk(c, start === 0 && end === len - 1 ? s : s.slice(start, end + 1));
}

function setrangeCommand(c: Client, argv: string[]): void {
  const off = longLongOrReply(c, argv[2]);
  if (off === null) return;
  if (off < 0) {
    error(c, E.offsetRange);
    return;
  }
  const db = c.db;
  const key = argv[1];
  const val = argv[3];
  const v = db.getForWrite(key);
  if (v === undefined) {
    if (val.length === 0) {
      raw(c, ':0\r\n');
      return;
    }
    if (!checkStringLength(c, off, val.length)) return;
    const s = zeros(off as number) + val;
    db.set(key, s);
    db.setEncoding(key, 'raw');
    int(c, s.length);
    return;
  }
  if (typeof v === 'object') {
    error(c, E.wrongType);
    return;
  }
  const cur = strOf(v);
  if (val.length === 0) {
    int(c, cur.length);
    return;
  }
  if (!checkStringLength(c, off, val.length)) return;
  const o = off as number;
  const clen = cur.length;
  let s: string;
  if (o >= clen) s = cur + zeros(o - clen) + val;
  else if (o + val.length >= clen) s = cur.slice(0, o) + val;
  else s = cur.slice(0, o) + val + cur.slice(o + val.length);
  db.update(key, s);
  db.setEncoding(key, 'raw');
  int(c, s.length);
}

// ---- INCR family ----

/** incrDecrCommand. incr is an int64 (number when safe). */
function incrDecr(c: Client, key: string, incr: number | bigint): void {
  const db = c.db;
  const v = db.getForWrite(key);
  let cur: number | bigint;
  if (v === undefined) cur = 0;
  else if (typeof v === 'number') cur = v;
  else if (typeof v === 'string') {
    const p = longLongOrReply(c, v);
    if (p === null) return;
    cur = p;
  } else {
    error(c, E.wrongType);
    return;
  }
  if (typeof cur === 'number' && typeof incr === 'number') {
    const r = cur + incr;
    // Exact whenever the true sum is a safe integer; otherwise it lands outside this range.
    if (r <= MAX_SAFE && r >= -MAX_SAFE) {
      if (v === undefined) db.set(key, r);
      else db.update(key, r);
      int(c, r);
      return;
    }
  }
  const a = BigInt(cur);
  const b = BigInt(incr);
  if ((b < 0n && a < 0n && b < LLONG_MIN - a) || (b > 0n && a > 0n && b > LLONG_MAX - a)) {
    error(c, E.overflow);
    return;
  }
  const r = a + b;
  const stored = r <= BigInt(MAX_SAFE) && r >= -BigInt(MAX_SAFE) ? Number(r) : r.toString();
  if (v === undefined) db.set(key, stored);
  else db.update(key, stored);
  int(c, r);
}

function incrCommand(c: Client, argv: string[]): void {
  incrDecr(c, argv[1], 1);
}

function decrCommand(c: Client, argv: string[]): void {
  incrDecr(c, argv[1], -1);
}

function incrbyCommand(c: Client, argv: string[]): void {
  const incr = longLongOrReply(c, argv[2]);
  if (incr === null) return;
  incrDecr(c, argv[1], incr);
}

function decrbyCommand(c: Client, argv: string[]): void {
  const incr = longLongOrReply(c, argv[2]);
  if (incr === null) return;
  if (typeof incr === 'bigint') {
    if (incr === LLONG_MIN) {
      error(c, SE.decrOverflow);
      return;
    }
    incrDecr(c, argv[1], -incr);
  } else {
    incrDecr(c, argv[1], incr === 0 ? 0 : -incr);
  }
}

function incrbyfloatCommand(c: Client, argv: string[]): void {
  const db = c.db;
  const key = argv[1];
  const v = db.getForWrite(key);
  let cur: LongDouble | null;
  if (v === undefined) cur = longDoubleFromInt(0);
  else if (typeof v === 'number') cur = longDoubleFromInt(v);
  else if (typeof v === 'string') {
    const p = parseLL(v);
    cur = p !== null ? longDoubleFromInt(p) : parseLongDouble(v);
  } else {
    error(c, E.wrongType);
    return;
  }
  if (cur === null) {
    error(c, E.notFloat);
    return;
  }
  const incr = parseLongDouble(argv[2]);
  if (incr === null) {
    error(c, E.notFloat);
    return;
  }
  const sum = addLongDouble(cur, incr);
  if (sum === null) {
    error(c, SE.nanOrInf);
    return;
  }
  const s = formatLongDouble(sum); // stored as a string (Redis: embstr/raw, never int)
  if (v === undefined) db.set(key, s);
  else db.update(key, s);
  if (s.length <= 44) db.setEncoding(key, 'embstr');
  bulk(c, s);
  // The result, as Redis propagates it: replay must not redo the float arithmetic.
  keyspaceHooks.rewriteArgv(c, ['SET', key, s, 'KEEPTTL']);
}

export const commands: Record<string, Handler> = {
  get: getCommand,
  set: setCommand,
  setnx: setnxCommand,
  setex: setexCommand,
  psetex: psetexCommand,
  getset: getsetCommand,
  getdel: getdelCommand,
  getex: getexCommand,
  mget: mgetCommand,
  mset: msetCommand,
  msetnx: msetnxCommand,
  append: appendCommand,
  strlen: strlenCommand,
  getrange: getrangeCommand,
  substr: getrangeCommand,
  setrange: setrangeCommand,
  incr: incrCommand,
  decr: decrCommand,
  incrby: incrbyCommand,
  decrby: decrbyCommand,
  incrbyfloat: incrbyfloatCommand,
};

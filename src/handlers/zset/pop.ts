// ZPOPMIN ZPOPMAX ZMPOP and the blocking BZPOPMIN BZPOPMAX BZMPOP (Redis 7.0 genericZpopCommand,
// blockingGenericZpopCommand, zmpopGenericCommand).
import type { Client, Handler } from '../../server/context';
import * as R from '../../protocol/reply';
import { error, E } from '../../protocol/errors';
import { RZSet } from '../../keyspace/types/zset';
import { addDirty } from '../../keyspace/db';
import { blockForKeys, mustNotBlock, parseTimeout } from '../../server/blocking';
import { keyspaceHooks, propagateServed } from '../keyspace/keyspace';
import { ZE, isKw, positiveLongOrReply, rangeLongOrReply, replyScore } from './util';

const MIN = 0;
const MAX = 1;
const POP_NAMES = ['ZPOPMIN', 'ZPOPMAX'];

/**
 * genericZpopCommand. `count` -1 = a plain single pop. Reply shapes:
 *   !nested & !emitKey: flat [m, s, m, s...]            (ZPOPMIN/ZPOPMAX, RESP2 or without COUNT)
 *   nested & !emitKey:  [[m, s], ...]                   (ZPOPMIN/ZPOPMAX with COUNT in RESP3)
 *   !nested & emitKey:  [key, m, s]                     (BZPOPMIN/BZPOPMAX)
 *   nested & emitKey:   [key, [[m, s], ...]]            (ZMPOP/BZMPOP)
 * Returns the key popped from (null when nothing was popped or after an error).
 */
function genericZpop(
  c: Client,
  keys: readonly string[],
  where: number,
  emitKey: boolean,
  count: number,
  nested: boolean,
  nilWhenEmpty: boolean,
): string | null {
  const db = c.db;
  let key = '';
  let z: RZSet | null = null;
  for (let i = 0; i < keys.length; i++) {
    key = keys[i];
    const v = db.getForWrite(key);
    if (v === undefined) continue;
    if (!(v instanceof RZSet)) {
      error(c, E.wrongType);
      return null;
    }
    z = v;
    break;
  }
  if (z === null) {
    if (nilWhenEmpty) R.nullArray(c);
    else R.emptyArray(c);
    return null;
  }
  if (count === 0) {
    R.emptyArray(c);
    return null;
  }
  if (count === -1) count = 1;
  const llen = z.size;
  const rangelen = count > llen ? llen : count;
  if (!nested && !emitKey) R.arrayLen(c, rangelen * 2);
  else if (nested && !emitKey) R.arrayLen(c, rangelen);
  else if (!nested && emitKey) {
    R.arrayLen(c, rangelen * 2 + 1);
    R.bulk(c, key);
  } else {
    R.arrayLen(c, 2);
    R.bulk(c, key);
    R.arrayLen(c, rangelen);
  }
  if (rangelen === llen) {
    // everything goes: reply in order, then drop the key
    z.forEach((m, s) => {
      if (nested) R.arrayLen(c, 2);
      R.bulk(c, m);
      replyScore(c, s);
    }, where === MAX);
    db.delete(key);
  } else {
    for (let n = 0; n < rangelen; n++) {
      const it = where === MAX ? z.last() : z.first();
      const m = it.key;
      const s = it.score;
      z.deleteElement(m, s);
      if (nested) R.arrayLen(c, 2);
      R.bulk(c, m);
      replyScore(c, s);
    }
    db.update(key, z);
  }
  addDirty(rangelen - 1); // Redis counts each member popped (served blocked clients too)
  return key;
}

function zpopMinMax(c: Client, argv: string[], where: number): void {
  if (argv.length > 3) {
    error(c, E.syntax);
    return;
  }
  let count = -1;
  if (argv.length === 3) {
    const n = positiveLongOrReply(c, argv[2]);
    if (n === null) return;
    count = n;
  }
  const nested = c.resp > 2 && count !== -1;
  genericZpop(c, [argv[1]], where, false, count, nested, false);
}

/**
 * The blocking pops: serve now when a key holds a sorted set, else block (or answer a null array when
 * the client may not block). `count` -1 = BZPOPMIN/BZPOPMAX, else BZMPOP's count.
 */
function blockingZpop(c: Client, argv: string[], keys: string[], where: number, timeoutIdx: number, count: number, nested: boolean): void {
  const timeout = parseTimeout(c, argv[timeoutIdx]);
  if (timeout === null) return;
  const db = c.db;
  for (let j = 0; j < keys.length; j++) {
    const key = keys[j];
    const v = db.getForWrite(key);
    if (v === undefined) continue;
    if (!(v instanceof RZSet)) {
      error(c, E.wrongType);
      return;
    }
    if (v.size === 0) continue;
    servePop(c, key, v.size, where, count, nested, false);
    return;
  }
  if (mustNotBlock(c)) {
    R.nullArray(c);
    return;
  }
  blockForKeys(
    c,
    keys,
    timeout,
    (bc, readyKey) => {
      // Served from the key that was signalled ready, when it now holds a non-empty sorted set; any
      // other type keeps the client blocked, as in Redis 7.0.
      const v = bc.db.getForWrite(readyKey);
      if (v instanceof RZSet && v.size !== 0) {
        servePop(bc, readyKey, v.size, where, count, nested, true);
        return true;
      }
      return false;
    },
    (bc) => R.nullArray(bc),
  );
}

/**
 * Pops from one key known to hold a non-empty sorted set and propagates it as ZPOPMIN/ZPOPMAX of that
 * key (Redis 7.0): as the rewrite of the running command, or queued for the unit when a blocked client
 * is `served` outside call().
 */
function servePop(c: Client, key: string, llen: number, where: number, count: number, nested: boolean, served: boolean): void {
  genericZpop(c, [key], where, true, count, nested, true);
  const out = count === -1 ? [POP_NAMES[where], key] : [POP_NAMES[where], key, String(count > llen ? llen : count)];
  if (served) propagateServed(c, out);
  else keyspaceHooks.rewriteArgv(c, out);
}

/** ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]; BZMPOP timeout numkeys ... */
function zmpopGeneric(c: Client, argv: string[], numkeysIdx: number, block: boolean): void {
  const numkeys = rangeLongOrReply(c, argv[numkeysIdx], 1, ZE.numkeys);
  if (numkeys === null) return;
  const whereIdx = numkeysIdx + numkeys + 1;
  const argc = argv.length;
  if (whereIdx >= argc) {
    error(c, E.syntax);
    return;
  }
  let where: number;
  if (isKw(argv[whereIdx], 'min')) where = MIN;
  else if (isKw(argv[whereIdx], 'max')) where = MAX;
  else {
    error(c, E.syntax);
    return;
  }
  let count = -1;
  for (let j = whereIdx + 1; j < argc; j++) {
    const moreargs = argc - 1 - j;
    if (count === -1 && isKw(argv[j], 'count') && moreargs > 0) {
      j++;
      const n = rangeLongOrReply(c, argv[j], 1, ZE.count);
      if (n === null) return;
      count = n;
    } else {
      error(c, E.syntax);
      return;
    }
  }
  if (count === -1) count = 1;
  const keys = argv.slice(numkeysIdx + 1, numkeysIdx + 1 + numkeys);
  if (block) {
    blockingZpop(c, argv, keys, where, 1, count, true);
    return;
  }
  const db = c.db;
  let llen = 0;
  for (const k of keys) {
    const v = db.getForWrite(k);
    if (v instanceof RZSet) {
      llen = v.size;
      break;
    }
    if (v !== undefined) break;
  }
  const popped = genericZpop(c, keys, where, true, count, true, true);
  if (popped !== null) keyspaceHooks.rewriteArgv(c, [POP_NAMES[where], popped, String(count > llen ? llen : count)]);
}

export const commands: Record<string, Handler> = {
  zpopmin: (c, argv) => zpopMinMax(c, argv, MIN),
  zpopmax: (c, argv) => zpopMinMax(c, argv, MAX),
  zmpop: (c, argv) => zmpopGeneric(c, argv, 1, false),
  bzpopmin: (c, argv) => blockingZpop(c, argv, argv.slice(1, argv.length - 1), MIN, argv.length - 1, -1, false),
  bzpopmax: (c, argv) => blockingZpop(c, argv, argv.slice(1, argv.length - 1), MAX, argv.length - 1, -1, false),
  bzmpop: (c, argv) => zmpopGeneric(c, argv, 2, true),
};

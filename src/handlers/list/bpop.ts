// Blocking list commands (Redis 7.0): BLPOP BRPOP BLMPOP BLMOVE BRPOPLPUSH.
//
// Each tries to serve the call at once like its non-blocking twin; otherwise the client blocks on the
// keys (src/server/blocking.ts) with a `retry` closure that makes the same attempt when a key is
// signalled ready. As in Redis 7.0 when it serves blocked clients: a source key that now holds another
// type is skipped (the client keeps waiting); a BLMOVE/BRPOPLPUSH destination of another type ends
// the wait with WRONGTYPE (the element stays in the source). Inside MULTI/EXEC or a script the call
// answers at once: null array (BLPOP, BRPOP, BLMPOP) or null bulk (BLMOVE, BRPOPLPUSH). A timeout
// (or CLIENT UNBLOCK) answers a null array for all of them, BLMOVE included (Redis 7.0's
// replyToBlockedClientTimedOut). What a call serves, at once or later, is propagated as Redis 7.0 does:
// LPOP/RPOP key [n] of the key served, LMOVE or RPOPLPUSH.
import type { Client, Handler } from '../../server/context';
import { nullArray, nullBulk } from '../../protocol/reply';
import { error, E } from '../../protocol/errors';
import { RList } from '../../keyspace/types/list';
import { blockForKeys, mustNotBlock, parseTimeout } from '../../server/blocking';
import { moveElement, mpopFrom, parseMpop, whereOrReply } from './list';
import { keyspaceHooks, propagateServed } from '../keyspace/keyspace';
import { addDirty } from '../../keyspace/db';

const timeoutNullArray = (c: Client): void => nullArray(c);

/** Keys to try on a retry: the signalled key alone when the blocking layer names it (Redis 7.0 serves
 *  a blocked client from the key that became ready), else all of them in order. */
function retryKeys(keys: readonly string[], key: string | undefined): readonly string[] {
  return key !== undefined && keys.includes(key) ? [key] : keys;
}

function bpop(c: Client, argv: string[], tail: boolean): void {
  const timeout = parseTimeout(c, argv[argv.length - 1]);
  if (timeout === null) return;
  const keys = argv.slice(1, argv.length - 1);
  if (mpopFrom(c, keys, tail, -1, false) !== 0) return;
  if (mustNotBlock(c)) return nullArray(c);
  blockForKeys(c, keys, timeout, (bc: Client, key?: string) => mpopFrom(bc, retryKeys(keys, key), tail, -1, true) === 1, timeoutNullArray);
}

function blpop(c: Client, argv: string[]): void {
  bpop(c, argv, false);
}
function brpop(c: Client, argv: string[]): void {
  bpop(c, argv, true);
}

function blmpop(c: Client, argv: string[]): void {
  const timeout = parseTimeout(c, argv[1]);
  if (timeout === null) return;
  const p = parseMpop(c, argv, 2);
  if (p === null) return;
  const { keys, tail, count } = p;
  if (mpopFrom(c, keys, tail, count, false) !== 0) return;
  if (mustNotBlock(c)) return nullArray(c);
  blockForKeys(c, keys, timeout, (bc: Client, key?: string) => mpopFrom(bc, retryKeys(keys, key), tail, count, true) === 1, timeoutNullArray);
}

/**
 * BLMOVE/BRPOPLPUSH attempt. 1 served (or error replied), 0 must wait. A move is propagated as `propArgv`
 * (LMOVE/RPOPLPUSH): queued for the unit when `retrying` (served outside call()), else as the rewrite.
 */
function tryMove(c: Client, src: string, dst: string, fromTail: boolean, toTail: boolean, retrying: boolean, propArgv: string[]): number {
  // (a destination of the wrong type answers WRONGTYPE on a retry too, see the header)
  const v = c.db.getForWrite(src);
  if (v === undefined) return 0;
  if (!(v instanceof RList)) {
    if (retrying) return 0;
    error(c, E.wrongType);
    return 1;
  }
  if (v.len === 0) return 0;
  if (moveElement(c, src, v, dst, fromTail, toTail)) {
    if (retrying) {
      propagateServed(c, propArgv);
      addDirty(-1); // Redis 7.0 does not count the move of a served BLMOVE (serveClientBlockedOnList)
    } else keyspaceHooks.rewriteArgv(c, propArgv);
  }
  return 1;
}

function bmove(c: Client, src: string, dst: string, fromTail: boolean, toTail: boolean, timeout: number, propArgv: string[]): void {
  if (tryMove(c, src, dst, fromTail, toTail, false, propArgv) !== 0) return;
  if (mustNotBlock(c)) return nullBulk(c);
  blockForKeys(c, [src], timeout, (bc: Client) => tryMove(bc, src, dst, fromTail, toTail, true, propArgv) === 1, timeoutNullArray);
}

function blmove(c: Client, argv: string[]): void {
  const from = whereOrReply(c, argv[3]);
  if (from < 0) return;
  const to = whereOrReply(c, argv[4]);
  if (to < 0) return;
  const timeout = parseTimeout(c, argv[5]);
  if (timeout === null) return;
  const side = (where: number): string => (where === 1 ? 'RIGHT' : 'LEFT');
  bmove(c, argv[1], argv[2], from === 1, to === 1, timeout, ['LMOVE', argv[1], argv[2], side(from), side(to)]);
}

function brpoplpush(c: Client, argv: string[]): void {
  const timeout = parseTimeout(c, argv[3]);
  if (timeout === null) return;
  bmove(c, argv[1], argv[2], true, false, timeout, ['RPOPLPUSH', argv[1], argv[2]]);
}

export const commands: Record<string, Handler> = {
  blpop,
  brpop,
  blmpop,
  blmove,
  brpoplpush,
};

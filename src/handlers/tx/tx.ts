// Transactions: MULTI EXEC DISCARD WATCH UNWATCH (Redis 7.0 multi.c).
// Queueing happens in the dispatcher (c.multi non-null: +QUEUED; a rejected command sets dirtyExec);
// EXEC runs the queue through the dispatcher's call() so stats, slowlog and MONITOR see each command.
import type { Client, Handler } from '../../server/context';
import * as R from '../../protocol/reply';
import { error } from '../../protocol/errors';
import { call, txHooks } from '../../server/dispatcher';
import { getKeys } from '../../server/commandTable';
import { checkCommand, addAclLogEntry, lastDeniedPos, type User, type AclDenied } from '../../server/acl';
import { resetHooks } from '../connection/connection';
import { addClientClosedHook } from '../../server/connection';
import { watchForKey, clearWatch, isWatchedKeyExpired } from './watch';

/** Leaves MULTI state and forgets the watched keys (Redis' discardTransaction). */
export function discardTransaction(c: Client): void {
  c.multi = null;
  clearWatch(c);
}

function multi(c: Client): void {
  if (c.multi !== null) return error(c, 'ERR MULTI calls can not be nested');
  c.multi = { cmds: [], dirtyExec: false };
  R.ok(c);
}

function discard(c: Client): void {
  if (c.multi === null) return error(c, 'ERR DISCARD without MULTI');
  discardTransaction(c);
  R.ok(c);
}

// EXEC re-checks ACLs (they may have changed since queueing); Redis 7.0's texts.
const EXEC_ACL_REASON: Record<AclDenied, string> = {
  command: 'no permission to execute the command or subcommand',
  key: 'no permission to touch the specified keys',
  channel: 'no permission to access one of the channels used as arguments',
};

function exec(c: Client): void {
  const ms = c.multi;
  if (ms === null) return error(c, 'ERR EXEC without MULTI');
  // A watched key that expired since WATCH counts as modified.
  if (c.watch !== null && isWatchedKeyExpired(c)) c.watch.dirty = true;
  if (ms.dirtyExec || (c.watch !== null && c.watch.dirty)) {
    if (ms.dirtyExec) error(c, 'EXECABORT Transaction discarded because of previous errors.');
    else R.nullArray(c);
    discardTransaction(c);
    return;
  }
  const oldDeny = c.denyBlocking;
  c.denyBlocking = true; // blocking commands answer as if timed out
  clearWatch(c); // unwatch before running: the transaction's own writes do not matter
  const cmds = ms.cmds;
  R.arrayLen(c, cmds.length);
  try {
    for (let i = 0; i < cmds.length; i++) {
      const q = cmds[i];
      if (!(c.user as User).allowsAll) {
        const d = checkCommand(c.user, q.spec, q.argv, q.spec.hasKeys ? getKeys(q.spec, q.argv) : []);
        if (d !== null) {
          addAclLogEntry(c, d, 'multi', d === 'command' ? q.spec.fullName : q.argv[lastDeniedPos()]);
          error(
            c,
            'NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. ' +
              'This command is no longer allowed for the following reason: ' +
              EXEC_ACL_REASON[d],
          );
          continue;
        }
      }
      for (let h = 0; h < execHooks.length; h++) execHooks[h](c, q.flags);
      call(c, q.spec, q.argv);
    }
  } finally {
    c.denyBlocking = oldDeny;
    discardTransaction(c);
  }
}

/**
 * Run before each queued command inside EXEC with the flags recorded when it was queued (the cluster
 * layer restores ASKING from them).
 */
export const execHooks: ((c: Client, flags: number) => void)[] = [];

function watch(c: Client, argv: string[]): void {
  if (c.multi !== null) return error(c, 'ERR WATCH inside MULTI is not allowed');
  // No point in watching more once a watched key was touched.
  if (c.watch === null || !c.watch.dirty) for (let j = 1; j < argv.length; j++) watchForKey(c, argv[j]);
  R.ok(c);
}

function unwatch(c: Client): void {
  clearWatch(c);
  R.ok(c);
}

// RESET and disconnect leave MULTI and forget the watched keys.
const cleanup = (c: Client): void => {
  if (c.multi !== null || c.watch !== null) discardTransaction(c);
};
resetHooks.push(cleanup);
txHooks.discard = discardTransaction;
addClientClosedHook(cleanup);

export const commands: Record<string, Handler> = {
  multi,
  exec,
  discard,
  watch,
  unwatch,
};

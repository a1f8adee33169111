// DUMP, RESTORE and RESTORE-ASKING (Redis 7.0 cluster.c: dumpCommand, restoreCommand), with Redis' exact
// reply and error texts. The payload format lives in src/keyspace/rdb/.
import type { Client, Handler } from '../../server/context';
import * as R from '../../protocol/reply';
import { error, E } from '../../protocol/errors';
import { typeName, addDirty } from '../../keyspace/db';
import { createDumpPayload, restorePayload, RdbUnsupportedError } from '../../keyspace/rdb';
import { signalKeyAsReady } from '../../server/blocking';
import { parseLL, LLONG_MAX } from '../../util/strconv';
import { kw } from '../string/util';
import { keyspaceHooks, checkAlreadyExpired, formatMs } from './keyspace';

const BUSYKEY = 'BUSYKEY Target key name already exists.';
const INVALID_TTL = 'ERR Invalid TTL value, must be >= 0';
const INVALID_IDLETIME = 'ERR Invalid IDLETIME value, must be >= 0';
const INVALID_FREQ = 'ERR Invalid FREQ value, must be >= 0 and <= 255';

function dump(c: Client, argv: string[]): void {
  const v = c.db.get(argv[1]);
  if (v === undefined) return R.nullBulk(c);
  let payload: Buffer;
  try {
    payload = createDumpPayload(v);
  } catch (e) {
    if (e instanceof RdbUnsupportedError) return error(c, `ERR DUMP is not supported for values of type '${typeName(v)}'`);
    throw e;
  }
  R.bulkBuf(c, payload);
}

/** ttl + now with int64 wrap-around, as C's long long addition behaves in Redis for huge TTLs. */
function addNow(ttl: number | bigint, now: number): number {
  if (typeof ttl === 'number' && ttl + now <= Number.MAX_SAFE_INTEGER) return ttl + now;
  let s = BigInt(ttl) + BigInt(now);
  if (s > LLONG_MAX) s -= 1n << 64n;
  return Number(s);
}

function restore(c: Client, argv: string[]): void {
  let replace = false;
  let absttl = false;
  let lfuFreq: number | bigint = -1;
  let lruIdle: number | bigint = -1;
  for (let j = 4; j < argv.length; j++) {
    const additional = argv.length - j - 1;
    const opt = kw(argv[j]);
    if (opt === 'replace') {
      replace = true;
    } else if (opt === 'absttl') {
      absttl = true;
    } else if (opt === 'idletime' && additional >= 1 && lfuFreq === -1) {
      const v = parseLL(argv[j + 1]);
      if (v === null) return error(c, E.notInt);
      if (v < 0) return error(c, INVALID_IDLETIME);
      lruIdle = v;
      j++;
    } else if (opt === 'freq' && additional >= 1 && lruIdle === -1) {
      const v = parseLL(argv[j + 1]);
      if (v === null) return error(c, E.notInt);
      if (v < 0 || v > 255) return error(c, INVALID_FREQ);
      lfuFreq = v;
      j++;
    } else {
      return error(c, E.syntax);
    }
  }
  // IDLETIME/FREQ are validated but not kept: Strata tracks neither access time nor frequency per key.

  const db = c.db;
  const key = argv[1];
  if (!replace && db.getForWrite(key) !== undefined) return error(c, BUSYKEY);

  const parsed = parseLL(argv[2]);
  if (parsed === null) return error(c, E.notInt);
  if (parsed < 0) return error(c, INVALID_TTL);

  const res = restorePayload(Buffer.from(argv[3], 'latin1'), { key, dbId: db.id });
  if (!res.ok) return error(c, res.error);

  // Redis deletes before checking the TTL: a REPLACE with an already expired TTL removes the key.
  const deleted = replace ? db.delete(key) : false;

  const now = Date.now();
  let ttl = 0;
  if (parsed !== 0) ttl = absttl ? Number(parsed) : addNow(parsed, now);
  if (parsed !== 0 && checkAlreadyExpired(ttl, now)) {
    if (typeof res.value === 'object' && res.value.free) res.value.free();
    if (deleted) {
      keyspaceHooks.rewriteArgv(c, ['DEL', key]);
    }
    return R.ok(c);
  }

  db.set(key, res.value);
  // Redis counts a restore as one change (the replaced key's delete and the TTL included).
  if (deleted) addDirty(-1);
  if (parsed !== 0) {
    db.setExpire(key, ttl);
    addDirty(-1);
    if (!absttl) {
      // Propagated with the absolute time, so a replay does not restart the TTL.
      const out = argv.slice();
      out[2] = formatMs(ttl);
      out.push('ABSTTL');
      keyspaceHooks.rewriteArgv(c, out);
    }
  }
  signalKeyAsReady(db, key);
  R.ok(c);
}

export const commands: Record<string, Handler> = {
  dump,
  restore,
  'restore-asking': restore,
};

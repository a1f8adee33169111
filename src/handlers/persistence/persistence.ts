// SAVE, BGSAVE, BGREWRITEAOF, and SYNC/REPLCONF as far as `redis-cli --rdb` needs them (a fresh
// snapshot's RDB sent as a full resync payload). The work is in src/persistence.
import * as fs from 'fs';
import type { Client, Handler } from '../../server/context';
import * as R from '../../protocol/reply';
import { error, E } from '../../protocol/errors';
import { addReplica } from '../../server/replicas';
import { saveSync, bgsaveCommand, bgrewriteaofCommand, lastSnapshotFile } from '../../persistence';

function save(c: Client): void {
  const e = saveSync();
  if (e !== null) return error(c, e === 'ERR Background save already in progress' ? e : 'ERR');
  R.ok(c);
}

function bgsave(c: Client, argv: string[]): void {
  let schedule = false;
  if (argv.length > 1) {
    if (argv.length === 2 && argv[1].toLowerCase() === 'schedule') schedule = true;
    else return error(c, E.syntax);
  }
  const r = bgsaveCommand(schedule);
  if ('err' in r) return error(c, r.err);
  R.simple(c, r.ok);
}

function bgrewriteaof(c: Client): void {
  const r = bgrewriteaofCommand();
  if ('err' in r) return error(c, r.err);
  R.simple(c, r.ok);
}

/** SYNC / PSYNC: a full resync payload ($<len>\r\n<rdb>) from a new snapshot, then the live stream of writes. */
function sync(c: Client): void {
  const e = saveSync();
  const file = lastSnapshotFile();
  if (e !== null || file === null) return error(c, 'ERR Unable to perform background save');
  const data = fs.readFileSync(file);
  if (c.cmd?.name === 'psync') R.raw(c, `+FULLRESYNC ${'0'.repeat(40)} 0\r\n`);
  R.raw(c, `$${data.length}\r\n`);
  R.rawBuf(c, data);
  // What is written from now on follows as a replication stream.
  addReplica(c);
}

/** REPLCONF: the options a replica (or redis-cli --rdb) announces are acknowledged. */
function replconf(c: Client, argv: string[]): void {
  if ((argv.length & 1) === 0) return error(c, E.syntax);
  for (let i = 1; i < argv.length; i += 2) {
    const o = argv[i].toLowerCase();
    if (o === 'ack' || o === 'getack') return; // no reply, as in Redis
    if (!['listening-port', 'ip-address', 'capa', 'rdb-only', 'rdb-filter-only'].includes(o)) {
      return error(c, `ERR Unrecognized REPLCONF option: ${argv[i]}`);
    }
  }
  R.ok(c);
}

export const commands: Record<string, Handler> = {
  save,
  bgsave,
  bgrewriteaof,
  sync,
  psync: sync,
  replconf,
};

// Connections that asked for a full resync (SYNC/PSYNC) get, after the snapshot's RDB, the live stream
// of propagated effects, as a Redis master sends its replicas: `SELECT n` when the database changes, a
// unit of several commands wrapped in MULTI/EXEC. One more consumer of the propagation stream (the
// WAL is the other); nothing is buffered for a replica beyond its connection's output.
import type { Client } from './context';
import { addPropConsumer, removePropConsumer, type PropUnit } from './propagate';
import { addClientClosedHook } from './connection';
import * as R from '../protocol/reply';

const replicas = new Map<Client, { db: number }>();

function resp(argv: readonly string[]): string {
  let s = `*${argv.length}\r\n`;
  for (let i = 0; i < argv.length; i++) s += `$${argv[i].length}\r\n${argv[i]}\r\n`;
  return s;
}
const MULTI = resp(['MULTI']);
const EXEC = resp(['EXEC']);

function feed(unit: PropUnit): void {
  const ops = unit.ops;
  for (const [c, st] of replicas) {
    let s = ops.length > 1 ? MULTI : '';
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      if (op.db !== st.db) {
        s += resp(['SELECT', String(op.db)]);
        st.db = op.db;
      }
      s += resp(op.argv);
    }
    if (ops.length > 1) s += EXEC;
    R.raw(c, s);
  }
}

/** After the full-resync payload: the client receives every unit from now on. */
export function addReplica(c: Client): void {
  if (replicas.size === 0) addPropConsumer(feed);
  replicas.set(c, { db: -1 });
  (c as { isReplica?: boolean }).isReplica = true;
}

export function replicaCount(): number {
  return replicas.size;
}

addClientClosedHook((c) => {
  if (replicas.delete(c as unknown as Client) && replicas.size === 0) removePropConsumer(feed);
});

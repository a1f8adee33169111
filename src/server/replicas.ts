// Connections that asked for a full resync (SYNC/PSYNC) get, after the snapshot's RDB, the live stream
// of propagated effects, as a Redis master sends its replicas: `SELECT n` when the database changes, a
// unit of several commands wrapped in MULTI/EXEC. One more consumer of the propagation stream (the
// WAL is the other); nothing is buffered for a replica beyond its connection's output.
import type { Client } from './context';
import { addPropConsumer, removePropConsumer, type PropUnit } from './propagate';
import { addClientClosedHook } from './connection';
import * as R from '../protocol/reply';

const replicas = new Map<Client, { db: number }>();

function feed(unit: PropUnit): void {
  const ops = unit.ops;
  const wrap = ops.length > 1;
  for (const [c, st] of replicas) {
    if (wrap) R.bulkArray(c, MULTI);
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      if (op.db !== st.db) {
        R.bulkArray(c, ['SELECT', String(op.db)]);
        st.db = op.db;
      }
      R.bulkArray(c, op.argv);
    }
    if (wrap) R.bulkArray(c, EXEC);
  }
}
const MULTI = ['MULTI'];
const EXEC = ['EXEC'];

/** After the full-resync payload: the client receives every unit from now on. */
export function addReplica(c: Client): void {
  if (replicas.size === 0) addPropConsumer(feed);
  replicas.set(c, { db: -1 });
  (c as { isReplica?: boolean }).isReplica = true;
}

addClientClosedHook((c) => {
  if (replicas.delete(c as unknown as Client) && replicas.size === 0) removePropConsumer(feed);
});

// Propagation: the one path by which the effects of writes leave the keyspace (Redis' alsoPropagate /
// propagatePendingCommands). The WAL consumes it now; slot migration and replication later.
//
// - The keyspace counts its changes (keyspace/db.ts `stats.dirty`); call() compares the count around a
//   handler: a command that changed something queues its own argv, unless it queued a deterministic
//   replacement (rewrite: SET EX -> SET PXAT ...) or a list of other commands (also + prevent: SPOP ->
//   SREM, a served BLPOP -> LPOP).
// - Keys that expire (lazily or in the active cycle) queue a DEL before the command that found them.
// - The ops of one top-level command (EXEC with all it ran, plus the blocked clients it served) form
//   one unit, handed to every consumer at once: a consumer stores or applies a unit whole, never half.
// - Handlers only describe their effect (rewriteArgv / alsoPropagate / preventPropagation /
//   forcePropagation); none of them knows the WAL.
import type { Client } from './context';
import type { CommandSpec } from './commandTable';
import { stats as keyspaceStats, addKeyspaceListener, type Db } from '../keyspace/db';
import { config } from '../config';

/** One command of a unit, in the database it ran in. `spec` is known for the command's own argv. */
export interface PropOp {
  db: number;
  argv: string[];
  spec: CommandSpec | null;
}

/** One atomic unit of effects with its sequence number (assigned when the unit is emitted). */
export interface PropUnit {
  seq: number;
  ops: PropOp[];
}

export type PropConsumer = (unit: PropUnit) => void;

/** Process-wide propagation state (one event loop: no locking). */
export const prop = {
  /** Sequence number of the last emitted unit. Consumers may set it at start (recovery). */
  seq: 0,
  /** Ops queued by the command (or EXEC) running now. */
  ops: [] as PropOp[],
  /** Clients whose replies acknowledge the pending unit (they wait for its durability). */
  clients: [] as Client[],
  /** call() nesting: units are emitted when the outermost command returns. */
  depth: 0,
  /** The running command asked not to propagate its own argv (it queued replacements or nothing). */
  prevent: false,
  /** The running command must propagate even if nothing changed (FLUSHALL on an empty keyspace). */
  force: false,
  /** The running command's replacement for its own argv. */
  rewrite: null as string[] | null,
  /** Set while replaying the WAL or loading a snapshot: nothing is propagated. */
  loading: false,
};

const consumers: PropConsumer[] = [];
/** Adds a consumer of every emitted unit (the WAL; later replication and migration). */
export function addPropConsumer(fn: PropConsumer): void {
  if (!consumers.includes(fn)) consumers.push(fn);
}
export function removePropConsumer(fn: PropConsumer): void {
  const i = consumers.indexOf(fn);
  if (i !== -1) consumers.splice(i, 1);
}

/** Queues a command as part of the current unit (Redis' alsoPropagate). */
export function alsoPropagate(db: number, argv: string[]): void {
  if (prop.loading) return;
  prop.ops.push({ db, argv, spec: null });
  if (prop.depth === 0) emitPending();
}

/** The running command does not propagate its own argv (it queued what it did with alsoPropagate). */
export function preventPropagation(): void {
  prop.prevent = true;
}

/** The running command propagates its argv even though the keyspace did not change. */
export function forcePropagation(): void {
  prop.force = true;
}

/** The running command propagates `argv` instead of its own (Redis' rewriteClientCommandVector). */
export function rewriteArgv(argv: string[]): void {
  if (prop.depth > 0) prop.rewrite = argv;
}

/** The client acknowledges the pending unit with its reply (a served blocked client). */
export function ackedBy(c: Client): void {
  const cs = prop.clients;
  if (cs.length === 0 || cs[cs.length - 1] !== c) cs.push(c);
}

/** State saved around one command (call() nests for EXEC). */
export interface CallFrame {
  dirty: number;
  prevent: boolean;
  force: boolean;
  rewrite: string[] | null;
}

/** Before a handler runs: remember the dirty count and reset the per-command flags. */
export function beginCall(f: CallFrame): void {
  f.dirty = keyspaceStats.dirty;
  f.prevent = prop.prevent;
  f.force = prop.force;
  f.rewrite = prop.rewrite;
  prop.prevent = false;
  prop.force = false;
  prop.rewrite = null;
  prop.depth++;
}

/**
 * After the handler: queue its own argv (or its rewrite) when it changed the keyspace and did not
 * prevent it; restore the outer command's flags. Returns true when the command wrote.
 */
export function endCall(f: CallFrame, c: Client, spec: CommandSpec, argv: string[], dbId: number): boolean {
  const wrote = keyspaceStats.dirty !== f.dirty;
  if ((wrote || prop.force) && !prop.prevent && !prop.loading && !spec.noSelfPropagate) {
    const rw = prop.rewrite;
    prop.ops.push({ db: dbId, argv: rw ?? argv, spec: rw === null ? spec : null });
  }
  if (wrote || prop.force) ackedBy(c);
  prop.prevent = f.prevent;
  prop.force = f.force;
  prop.rewrite = f.rewrite;
  prop.depth--;
  return wrote;
}

/** Hands the queued ops to the consumers as one unit (the outermost command, or a lone expiry). */
export function emitPending(): void {
  const ops = prop.ops;
  if (ops.length === 0) {
    if (prop.clients.length !== 0) prop.clients.length = 0;
    return;
  }
  prop.ops = [];
  const unit: PropUnit = { seq: ++prop.seq, ops };
  for (let i = 0; i < consumers.length; i++) consumers[i](unit);
  const cs = prop.clients;
  for (let i = 0; i < cs.length; i++) cs[i].ackSeq = unit.seq;
  cs.length = 0;
}

// Expired keys are propagated as DEL, queued before the command that found them expired (or as a unit
// of their own from the active expiry cycle).
addKeyspaceListener({
  expired(db: Db, key: string) {
    if (prop.loading) return;
    // Redis' propagateDeletion: UNLINK when lazyfree-lazy-expire, else DEL.
    prop.ops.push({ db: db.id, argv: [config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key], spec: null });
    if (prop.depth === 0) emitPending();
  },
});

// A Client for driving handlers directly in unit tests (no socket): replies accumulate in `out` and are
// read back as latin1 strings, the exact bytes a socket would carry.
import type { Client, Handler } from '../../src/server/context';
import type { Db } from '../../src/keyspace/db';

export function makeClient(db: Db, resp = 2): Client {
  return {
    resp,
    out: null,
    opos: 0,
    mute: false,
    requestFlush() {},
    closeAfterReply() {},
    db,
    blocked: null,
    denyBlocking: false,
    ackSeq: 0,
    cmd: null,
  } as unknown as Client;
}

/** The reply bytes written since the last run(), as a latin1 string. */
export function output(c: Client): string {
  return c.out === null ? '' : (c.out as Buffer).toString('latin1', 0, c.opos);
}

/** Runs argv (command name first, any case) through its handler in `commands` as client c; returns the reply. */
export function run(commands: Record<string, Handler>, c: Client, argv: readonly (string | number)[]): string {
  const a = argv.map(String);
  const h = commands[a[0].toLowerCase()];
  if (!h) throw new Error('no handler for ' + a[0]);
  c.out = null;
  c.opos = 0;
  h(c, a);
  return output(c);
}

// WAL replay: reads the segments from a snapshot's seq on, checks that seqs follow each other, cuts a
// torn tail off the last segment, and applies each record's commands through the normal handlers with
// a client that has no socket (Redis' AOF loading client). Nothing is propagated while it runs and no
// key expires (the log holds the DELs of the keys that did).
import * as fs from 'fs';
import type { Client } from '../server/context';
import { lookupCommand } from '../server/commandTable';
import { defaultUser } from '../server/acl';
import { keyspace } from '../keyspace/db';
import { log } from '../server/log';
import { listSegments, readSegmentHeader, scanRecordsFrom, decodePayload, SEG_HEADER, type WalRecord } from './segment';

export class RecoveryError extends Error {}

/** Where appending resumes after replay. */
export interface ReplayResult {
  lastSeq: number;
  /** Segment to append to and its valid length (-1 when a new segment must be started). */
  segment: number;
  segmentBytes: number;
  segmentFirstSeq: number;
  records: number;
  truncated: { file: string; offset: number; reason: string } | null;
}

export interface ReplayProgress {
  (doneBytes: number, totalBytes: number): void;
}

/** A client with no connection: replies are muted, blocking answers at once. */
export function makeLoadingClient(): Client {
  return {
    id: 0,
    resp: 2,
    out: null,
    opos: 0,
    mute: true,
    requestFlush() {},
    addr: '',
    laddr: '',
    fd: -1,
    name: '',
    libName: '',
    libVer: '',
    db: keyspace.dbs[0],
    user: defaultUser(),
    authenticated: true,
    ctime: Date.now(),
    lastInteraction: Date.now(),
    lastCmd: '',
    replyMode: 'on',
    noEvict: true,
    flagsText: () => 'N',
    qbufLen: () => 0,
    outputLen: () => 0,
    closeAfterReply() {},
    kill() {},
    monitor: false,
    cmd: null,
    subscriptions: 0,
    multi: null,
    watch: null,
    blocked: null,
    denyBlocking: true,
    ackSeq: 0,
  } as Client;
}

/** Applies one record's commands. Throws RecoveryError for a command that cannot exist. */
export function applyRecord(c: Client, rec: { db: number; payload: Buffer }, file: string, offset: number): void {
  const where = (): string => `${file} offset ${offset}`;
  let cmds: string[][];
  try {
    cmds = decodePayload(rec.payload);
  } catch (e) {
    throw new RecoveryError(`${where()}: ${(e as Error).message}`);
  }
  const db = keyspace.dbs[rec.db];
  if (db === undefined) throw new RecoveryError(`${where()}: database ${rec.db} is beyond 'databases'`);
  c.db = db;
  for (const argv of cmds) {
    if (argv.length === 2 && argv[0] === 'select') {
      const d = keyspace.dbs[Number(argv[1])];
      if (d === undefined) throw new RecoveryError(`${where()}: SELECT ${argv[1]} is beyond 'databases'`);
      c.db = d;
      continue;
    }
    const r = lookupCommand(argv);
    const spec = r.spec;
    if (spec === undefined || spec.handler === null) throw new RecoveryError(`${where()}: unknown command '${argv[0]}' in the log`);
    c.cmd = spec;
    try {
      spec.handler(c, argv);
    } catch (e) {
      // A handler bug must not stop the whole recovery; the command is named in the log.
      log.error({ where: where(), cmd: argv[0], err: String(e) }, 'WAL replay: a command failed');
    }
    c.cmd = null;
    c.out = null;
    c.opos = 0;
  }
}

/**
 * Replays the WAL of `walDir` after `fromSeq` (the snapshot's seq; 0 with no snapshot). A generator that
 * yields every few milliseconds: driven with runAsync the event loop keeps answering INFO and -LOADING
 * meanwhile; runSync drives it in one go (DEBUG LOADAOF).
 */
export function* replayWal(walDir: string, fromSeq: number, progress?: ReplayProgress): Generator<void, ReplayResult> {
  let segs = listSegments(walDir);
  // A crash while a segment was being created can leave its file empty or with a partial header.
  while (segs.length > 0) {
    const last = segs[segs.length - 1];
    const st = fs.statSync(last.file);
    if (st.size >= SEG_HEADER) break;
    log.warn({ file: last.file, size: st.size }, 'WAL: removing a segment whose header was never completed');
    fs.unlinkSync(last.file);
    segs = segs.slice(0, -1);
  }
  const result: ReplayResult = { lastSeq: fromSeq, segment: -1, segmentBytes: 0, segmentFirstSeq: fromSeq + 1, records: 0, truncated: null };
  if (segs.length === 0) return result;

  const headers = segs.map((s) => {
    const h = readSegmentHeader(s.file);
    if (h === null) throw new RecoveryError(`${s.file}: not a valid WAL segment header`);
    return h;
  });
  // Start at the last segment that begins at or before fromSeq + 1.
  let first = 0;
  for (let i = 0; i < segs.length; i++) if (headers[i].firstSeq <= fromSeq + 1) first = i;
  if (headers[first].firstSeq > fromSeq + 1) {
    throw new RecoveryError(
      `${segs[first].file}: the WAL starts at seq ${headers[first].firstSeq} but recovery needs seq ${fromSeq + 1} (records are missing)`,
    );
  }
  let totalBytes = 0;
  for (let i = first; i < segs.length; i++) totalBytes += fs.statSync(segs[i].file).size;
  let doneBytes = 0;
  const c = makeLoadingClient();
  let expected = fromSeq + 1;
  for (let i = first; i < segs.length; i++) {
    const seg = segs[i];
    const isLast = i === segs.length - 1;
    if (i > first && headers[i].firstSeq !== expected) {
      throw new RecoveryError(`${seg.file}: segment starts at seq ${headers[i].firstSeq}, expected ${expected} (a gap in the WAL)`);
    }
    const buf = fs.readFileSync(seg.file);
    let validEnd = buf.length;
    // Records are applied as they are scanned, 1 MB at a time between yields. A damaged record stops
    // the start (what was applied before it is thrown away with the process).
    const apply = (r: WalRecord): void => {
      if (r.seq < expected) return; // already in the snapshot
      if (r.seq !== expected) {
        throw new RecoveryError(`${seg.file}: record at offset ${r.offset} has seq ${r.seq}, expected ${expected} (a gap in the WAL)`);
      }
      applyRecord(c, r, seg.file, r.offset);
      expected++;
      result.records++;
    };
    let end = scanRecordsFrom(buf, apply, SEG_HEADER, 1 << 20);
    while (end.kind === 'more') {
      progress?.(doneBytes + end.offset, totalBytes);
      yield;
      end = scanRecordsFrom(buf, apply, end.offset, 1 << 20);
    }
    if (end.kind === 'corrupt' || (end.kind === 'torn' && !isLast)) {
      throw new RecoveryError(`${seg.file}: corrupt record at offset ${end.offset} (${end.reason}); refusing to start rather than lose what follows it`);
    }
    if (end.kind === 'torn') {
      validEnd = end.offset;
      result.truncated = { file: seg.file, offset: end.offset, reason: end.reason };
    }
    doneBytes += buf.length;
    progress?.(doneBytes, totalBytes);
    if (isLast) {
      if (result.truncated !== null) {
        log.warn({ file: seg.file, offset: validEnd, reason: result.truncated.reason, cutBytes: buf.length - validEnd }, 'WAL: truncating a torn tail');
        fs.truncateSync(seg.file, validEnd);
      }
      result.segment = seg.n;
      result.segmentBytes = validEnd;
      result.segmentFirstSeq = headers[i].firstSeq;
    }
  }
  result.lastSeq = Math.max(fromSeq, expected - 1);
  return result;
}

/** Drives a loading generator to its end without yielding (inside a command: DEBUG RELOAD). */
export function runSync<T>(g: Generator<void, T>): T {
  for (;;) {
    const r = g.next();
    if (r.done === true) return r.value;
  }
}
/** Drives a loading generator, letting the event loop run at each yield. */
export async function runAsync<T>(g: Generator<void, T>): Promise<T> {
  for (;;) {
    const r = g.next();
    if (r.done === true) return r.value;
    await new Promise<void>((res) => setImmediate(res));
  }
}

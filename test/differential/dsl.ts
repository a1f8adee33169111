// Differential testing DSL: a script is a list of commands (argv arrays, may hold binary Buffers).
// Each command is sent to Strata and to a real redis-server over raw connections, in the same state
// (fresh servers, FLUSHALL before each script), and the raw reply bytes must be equal.
//
//   const s: Script = { name: 'set/get', steps: [
//     ['SET', 'k', 'v'],
//     ['GET', 'k'],
//     sorted(['KEYS', '*']),          // compare arrays as multisets (KEYS, SMEMBERS...)
//     pairs(['CONFIG', 'GET', 'a', 'b']), // multiset of (name, value) pairs; RESP3 maps likewise
//     scan(['SCAN', '0', 'COUNT', '3']), // iterate to cursor 0 on each side, compare the unions
//     ttl(['TTL', 'k'], 1),           // integer replies within a tolerance
//     ignore(['CLIENT', 'ID']),       // run on both, compare nothing
//     shape(['HELLO', '3']),          // same reply types / lengths / map keys, any scalar values
//     pause(120),                     // sleep (e.g. to let a PX expire)
//   ]};
//
// Per-script options: resp3 (run under HELLO 3; 'both' = once under RESP2 and once under RESP3),
// requires (commands the Strata side must know; the script is reported as skipped otherwise).
import { Arg, RespClient, decodeReply, escapeBytes, replyEnd, RespValue } from '../helpers/resp';
import { ServerHandle, redisAvailable, startRedis, startStrata, warnRedisMissing } from '../helpers/servers';

export type Mode = 'exact' | 'sorted' | 'pairs' | 'scan' | 'ttl' | 'ignore' | 'shape';

export interface Step {
  argv: Arg[];
  mode: Mode;
  /** Tolerance for 'ttl' mode. */
  tol?: number;
  /** Human note printed with a mismatch. */
  note?: string;
}
export interface Pause {
  pause: number;
}
export type Item = Arg[] | Step | Pause;

export interface Script {
  name: string;
  steps: Item[];
  /** true: run under HELLO 3 only; 'both': run twice, RESP2 and RESP3. */
  resp3?: boolean | 'both';
  /** Commands Strata must implement for this script to be meaningful (checked by a bare-name probe). */
  requires?: string[];
}

export const exact = (argv: Arg[], note?: string): Step => ({ argv, mode: 'exact', note });
export const sorted = (argv: Arg[]): Step => ({ argv, mode: 'sorted' });
/** Like sorted, but a RESP2 flat array is compared as (name, value) pairs (CONFIG GET a b). */
export const pairs = (argv: Arg[]): Step => ({ argv, mode: 'pairs' });
export const scan = (argv: Arg[]): Step => ({ argv, mode: 'scan' });
export const ttl = (argv: Arg[], tol = 1): Step => ({ argv, mode: 'ttl', tol });
export const ignore = (argv: Arg[]): Step => ({ argv, mode: 'ignore' });
export const shape = (argv: Arg[]): Step => ({ argv, mode: 'shape' });
export const pause = (ms: number): Pause => ({ pause: ms });
/** A binary string from latin1 escapes, e.g. bin('a\x00\xff'). */
export const bin = (s: string): Buffer => Buffer.from(s, 'latin1');

function toStep(i: Item): Step | Pause {
  if (Array.isArray(i)) return { argv: i, mode: 'exact' };
  return i;
}

function fmtArgv(argv: Arg[]): string {
  return argv
    .map((a) => {
      const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
      const printable = /^[\x21-\x7e]+$/.test(b.toString('latin1'));
      return printable ? b.toString('latin1') : escapeBytes(b, 200);
    })
    .join(' ');
}

// ---------------------------------------------------------------------------------------------
// Comparison helpers

/** Splits a top-level aggregate reply into its header char, count and raw element bytes. */
function splitAggregate(buf: Buffer, pairwise = false): { head: string; elems: Buffer[] } | null {
  const t = String.fromCharCode(buf[0]);
  if (!'*~%'.includes(t)) return null;
  const le = buf.indexOf('\r\n');
  const n = Number(buf.toString('latin1', 1, le));
  if (!(n >= 0)) return null;
  const elems: Buffer[] = [];
  let p = le + 2;
  const grouped = t === '%' || pairwise;
  if (grouped && t !== '%' && n % 2 !== 0) return null;
  const count = t === '%' ? n : grouped ? n / 2 : n;
  for (let i = 0; i < count; i++) {
    let e = replyEnd(buf, p);
    if (grouped) e = replyEnd(buf, e); // key + value as one unit
    elems.push(buf.subarray(p, e));
    p = e;
  }
  return { head: t, elems };
}

export function compareSorted(a: Buffer, b: Buffer, pairwise = false): boolean {
  if (a.equals(b)) return true;
  const sa = splitAggregate(a, pairwise);
  const sb = splitAggregate(b, pairwise);
  if (!sa || !sb || sa.head !== sb.head || sa.elems.length !== sb.elems.length) return false;
  const ka = sa.elems.map((e) => e.toString('latin1')).sort();
  const kb = sb.elems.map((e) => e.toString('latin1')).sort();
  return ka.every((x, i) => x === kb[i]);
}

function intOf(buf: Buffer): number | null {
  if (buf[0] !== 0x3a) return null;
  const n = Number(buf.toString('latin1', 1, buf.length - 2));
  return Number.isFinite(n) ? n : null;
}

export function compareTtl(a: Buffer, b: Buffer, tol: number): boolean {
  if (a.equals(b)) return true;
  const x = intOf(a);
  const y = intOf(b);
  if (x === null || y === null) return false;
  if (x < 0 || y < 0) return x === y; // -1 / -2 are exact
  return Math.abs(x - y) <= tol;
}

/** A type-and-structure signature: scalars by type only, map keys by value, lengths of aggregates. */
function shapeOf(v: RespValue): unknown {
  switch (v.type) {
    case 'array': case 'set': case 'push':
      return v.value === null ? `${v.type}:null` : { [v.type]: v.value.map(shapeOf) };
    case 'map':
      return { map: v.value.map(([k, val]) => [k.type + ':' + ('value' in k ? String(k.value) : ''), shapeOf(val)]) };
    case 'attributed':
      return { attributed: shapeOf(v.value) };
    case 'error':
      // errors must agree on their code (first word)
      return 'error:' + v.value.toString().split(' ')[0];
    default:
      return v.type;
  }
}

export function compareShape(a: Buffer, b: Buffer): boolean {
  try {
    return JSON.stringify(shapeOf(decodeReply(a).value)) === JSON.stringify(shapeOf(decodeReply(b).value));
  } catch {
    return false;
  }
}

/** Iterates a SCAN-family command to cursor 0. Returns the sorted union of items, or the first error reply. */
async function scanAll(c: RespClient, argv: Arg[]): Promise<{ items: string[]; error?: Buffer; calls: number }> {
  const cmd = String(argv[0]).toUpperCase();
  const ci = cmd === 'SCAN' ? 1 : 2;
  const pairs = cmd === 'HSCAN' || cmd === 'ZSCAN';
  const seen = new Set<string>();
  let cursor = String(argv[ci]);
  let calls = 0;
  do {
    const a = argv.slice();
    a[ci] = cursor;
    const r = await c.call(...a);
    calls++;
    if (r[0] !== 0x2a) return { items: [], error: r, calls };
    const v = decodeReply(r).value;
    if (v.type !== 'array' || !v.value || v.value.length !== 2) return { items: [], error: r, calls };
    const [cur, list] = v.value;
    if (!('value' in cur) || list.type !== 'array' || !list.value) return { items: [], error: r, calls };
    cursor = String((cur as { value: Buffer }).value);
    const els = list.value.map((e) => ('value' in e && Buffer.isBuffer(e.value) ? e.value.toString('latin1') : '?'));
    for (let i = 0; i < els.length; i += pairs ? 2 : 1) seen.add(pairs ? els[i] + '\u0000=>' + els[i + 1] : els[i]);
    if (calls > 100000) throw new Error('SCAN did not terminate after 100000 calls');
  } while (cursor !== '0');
  return { items: [...seen].sort(), calls };
}

// ---------------------------------------------------------------------------------------------
// Runner

export interface Mismatch {
  index: number;
  argv: Arg[];
  mode: Mode;
  strata: string;
  redis: string;
  note?: string;
}

export interface RunResult {
  mismatches: Mismatch[];
  skipped?: string;
}

const PROBE_UNKNOWN = /^-ERR unknown command/;

/** Returns the required commands Strata does not know (bare-name probe: an arity error means "known"). */
export async function missingCommands(strataPort: number, names: string[]): Promise<string[]> {
  const c = await RespClient.connect(strataPort);
  try {
    const missing: string[] = [];
    for (const n of names) {
      const r = (await c.call(...n.split(' '))).toString('latin1');
      if (PROBE_UNKNOWN.test(r)) missing.push(n);
    }
    return missing;
  } finally {
    c.close();
  }
}

export async function runScript(strataPort: number, redisPort: number, script: Script, resp3: boolean): Promise<RunResult> {
  if (script.requires?.length) {
    const missing = await missingCommands(strataPort, script.requires);
    if (missing.length) return { mismatches: [], skipped: `Strata lacks ${missing.join(', ')}` };
  }
  const s = await RespClient.connect(strataPort);
  const r = await RespClient.connect(redisPort);
  const mismatches: Mismatch[] = [];
  const record = (index: number, step: Step, sa: Buffer | string, ra: Buffer | string) =>
    mismatches.push({
      index,
      argv: step.argv,
      mode: step.mode,
      strata: typeof sa === 'string' ? sa : escapeBytes(sa),
      redis: typeof ra === 'string' ? ra : escapeBytes(ra),
      note: step.note,
    });
  try {
    const setup: Step[] = [];
    if (resp3) setup.push(shape(['HELLO', '3']));
    setup.push(exact(['FLUSHALL']));
    const steps = [...setup, ...script.steps.map(toStep)];
    for (let i = 0; i < steps.length; i++) {
      const st = steps[i];
      if ('pause' in st) {
        await new Promise((res) => setTimeout(res, st.pause));
        continue;
      }
      const idx = i - setup.length; // setup steps get negative indexes
      if (st.mode === 'scan') {
        const [a, b] = await Promise.all([scanAll(s, st.argv), scanAll(r, st.argv)]);
        if (a.error || b.error) {
          if (!(a.error && b.error && a.error.equals(b.error)))
            record(idx, st, a.error ?? `(no error) ${JSON.stringify(a.items)}`, b.error ?? `(no error) ${JSON.stringify(b.items)}`);
        } else if (JSON.stringify(a.items) !== JSON.stringify(b.items)) {
          record(idx, st, `union ${JSON.stringify(a.items)}`, `union ${JSON.stringify(b.items)}`);
        }
        continue;
      }
      let sa: Buffer | string;
      let ra: Buffer | string;
      const [x, y] = await Promise.allSettled([s.call(...st.argv), r.call(...st.argv)]);
      sa = x.status === 'fulfilled' ? x.value : `<no reply: ${(x.reason as Error).message}>`;
      ra = y.status === 'fulfilled' ? y.value : `<no reply: ${(y.reason as Error).message}>`;
      if (typeof sa === 'string' || typeof ra === 'string') {
        record(idx, st, sa, ra);
        if (s.isClosed || r.isClosed) break; // one side hung up: nothing more to compare
        continue;
      }
      let ok: boolean;
      switch (st.mode) {
        case 'exact': ok = sa.equals(ra); break;
        case 'sorted': ok = compareSorted(sa, ra); break;
        case 'pairs': ok = compareSorted(sa, ra, true); break;
        case 'ttl': ok = compareTtl(sa, ra, st.tol ?? 1); break;
        case 'shape': ok = compareShape(sa, ra); break;
        case 'ignore': ok = true; break;
        default: ok = false;
      }
      if (!ok) record(idx, st, sa, ra);
    }
  } finally {
    s.close();
    r.close();
  }
  return { mismatches };
}

export function formatMismatches(script: Script, resp3: boolean, ms: Mismatch[]): string {
  const lines = [`script "${script.name}" (${resp3 ? 'RESP3' : 'RESP2'}): ${ms.length} mismatch(es)`];
  for (const m of ms.slice(0, 40)) {
    lines.push(
      `  #${m.index} [${m.mode}] ${fmtArgv(m.argv)}${m.note ? `   (${m.note})` : ''}\n` +
        `      strata: ${m.strata}\n` +
        `      redis:  ${m.redis}`,
    );
  }
  if (ms.length > 40) lines.push(`  ... and ${ms.length - 40} more`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Jest glue: one Strata + one redis-server per test file, one test per script (and protocol).

export interface Pair {
  strata: ServerHandle;
  redis: ServerHandle;
}

/**
 * Declares a describe block running each script as a test against a fresh pair of servers.
 * When redis-server is missing, the tests are declared skipped and a warning is printed.
 */
export function differential(title: string, scripts: Script[], opts: { strataArgs?: string[]; redisArgs?: string[] } = {}): void {
  const haveRedis = redisAvailable();
  const cases: [Script, boolean][] = [];
  for (const sc of scripts) {
    if (sc.resp3 === 'both') cases.push([sc, false], [sc, true]);
    else cases.push([sc, !!sc.resp3]);
  }
  const names = new Set<string>();
  for (const [sc, r3] of cases) {
    const n = `${sc.name} [${r3 ? 'RESP3' : 'RESP2'}]`;
    if (names.has(n)) throw new Error(`duplicate script name ${n}`);
    names.add(n);
  }

  describe(title, () => {
    if (!haveRedis) {
      warnRedisMissing(`differential tests "${title}"`);
      for (const [sc, r3] of cases) it.skip(`${sc.name} [${r3 ? 'RESP3' : 'RESP2'}] (SKIPPED: redis-server not installed)`, () => undefined);
      return;
    }
    let pair: Pair | null = null;
    beforeAll(async () => {
      const [strata, redis] = await Promise.all([startStrata({ args: opts.strataArgs }), startRedis({ args: opts.redisArgs })]);
      pair = { strata, redis: redis! };
    }, 60000);
    afterAll(async () => {
      if (pair) await Promise.all([pair.strata.stop(), pair.redis.stop()]);
    });
    for (const [sc, r3] of cases) {
      it(`${sc.name} [${r3 ? 'RESP3' : 'RESP2'}]`, async () => {
        if (!pair) throw new Error('servers did not start');
        const deadNote = () => (pair!.strata.alive() ? '' : `\nSTRATA EXITED. Logs (tail):\n${pair!.strata.logs().slice(-4000)}`);
        let res: RunResult;
        try {
          res = await runScript(pair.strata.port, pair.redis.port, sc, r3);
        } catch (e) {
          throw new Error(`script "${sc.name}" could not run: ${(e as Error).message}${deadNote()}`);
        }
        if (res.skipped) {
          // eslint-disable-next-line no-console
          console.warn(`SKIPPED script "${sc.name}": ${res.skipped}`);
          return;
        }
        if (res.mismatches.length) throw new Error(formatMismatches(sc, r3, res.mismatches) + deadNote());
      });
    }
  });
}

// kill -9 of a real Strata process while clients write to a range index, then a restart on the same data
// dir, several rounds. Writes are sequential fields f000000, f000001, ... acknowledged in order, so every
// commit holds a prefix of them. After each restart the index must open with exactly fields 0..M-1 (a
// prefix: nothing torn, nothing from the future), M at most what was acknowledged, and M at least what was
// acknowledged a few commit ticks before the kill (commits run every 40 ms).
import { startStrata, stopAll, makeTempDir } from '../helpers/servers';
import { RespClient, decodeReply, toJS } from '../helpers/resp';
import { rng } from '../helpers/rng';

afterAll(async () => {
  await stopAll();
});

/** Acknowledged count ~0.5 s before the last kill: the next start must find at least this many. */
let safeFloor = 0;
const name = (i: number): string => `f${String(i).padStart(6, '0')}`;

async function js(c: RespClient, ...argv: string[]): Promise<unknown> {
  return toJS(decodeReply(await c.call(...argv)).value);
}

test('kill -9 during RI.MSET load: every restart finds a committed prefix, never less than the acknowledged writes of ~0.5 s before', async () => {
  const dir = makeTempDir('strata-ri-server-crash-');
  const args = ['--rangeindex-commit-ms', '40'];
  const r = rng(2026);
  let acked = 0;
  for (let round = 0; round < 6; round++) {
    const h = await startStrata({ dir, args });
    const c = await RespClient.connect(h.port, { timeout: 20000 });
    // What survived the previous kill.
    const exists = await js(c, 'RI.EXISTS', 'idx');
    let m = 0;
    if (exists === 1) {
      m = (await js(c, 'RI.COUNT', 'idx')) as number;
      if (m > 0) {
        const first = (await js(c, 'RI.SCAN', 'idx', '', 'COUNT', '1', 'FIELDS', 'KEY')) as string[];
        const last = (await js(c, 'RI.RANGE', 'idx', name(m - 1), name(m - 1), 'FIELDS', 'BOTH')) as string[][];
        expect(first).toEqual([name(0)]);
        expect(last).toEqual([[name(m - 1), `v${m - 1}`]]);
        expect(await js(c, 'RI.GET', 'idx', name(m))).toBeNull(); // a prefix: nothing beyond it
        expect(await js(c, 'RI.COUNT', 'idx', name(0), name(m - 1))).toBe(m);
      }
    } else {
      expect(round).toBe(0);
      expect(await js(c, 'RI.CREATE', 'idx', 'CACHESIZE', '262144')).toBe('OK');
    }
    if (round > 0) {
      expect(m).toBeLessThanOrEqual(acked);
      expect(m).toBeGreaterThanOrEqual(safeFloor);
    }
    // Write batches from m on until killed at a random moment.
    acked = m;
    const history: [number, number][] = []; // [time, acked]
    let stop = false;
    const writer = (async () => {
      let next = m;
      while (!stop) {
        const argv = ['RI.MSET', 'idx'];
        for (let i = 0; i < 200; i++, next++) argv.push(name(next), `v${next}`);
        try {
          const n = (await js(c, ...argv)) as number;
          expect(n).toBe(200);
          acked = next;
          history.push([Date.now(), acked]);
        } catch {
          return; // connection gone: the kill
        }
      }
    })();
    await new Promise((res) => setTimeout(res, 300 + Math.floor(r() * 700)));
    const killedAt = Date.now();
    await h.kill9();
    stop = true;
    await writer;
    c.close();
    // Everything acknowledged 500 ms before the kill was committed (40 ms ticks) and listed in the catalog.
    safeFloor = 0;
    for (const [t, a] of history) if (t <= killedAt - 500) safeFloor = a;
  }
}, 120000);

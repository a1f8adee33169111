// Shared by the blocking-command scenarios (test/differential/*.blocking.test.ts): several real
// connections to one server, a way to wait until clients are blocked, and replies read as text.
import { RespClient, Arg } from './resp';
import { ServerHandle, redisAvailable, startRedis, startStrata, warnRedisMissing } from './servers';

/** The replies one scenario produced, in order. */
export type Transcript = string[];
export interface BlockingScenario {
  run: (port: number) => Promise<Transcript>;
  expect: Transcript;
}

/**
 * Declares one test per scenario: run on Strata and, when installed, on redis-server; the transcripts
 * must equal each other and the expected one.
 */
export function blockingScenarios(title: string, what: string, scenarios: Record<string, BlockingScenario>): void {
  describe(title, () => {
    const haveRedis = redisAvailable();
    let strata: ServerHandle | null = null;
    let redis: ServerHandle | null = null;
    beforeAll(async () => {
      strata = await startStrata();
      if (haveRedis) redis = await startRedis();
      else warnRedisMissing(what);
    }, 60000);
    afterAll(async () => {
      await Promise.all([strata?.stop(), redis?.stop()]);
    });

    for (const [name, sc] of Object.entries(scenarios)) {
      test(name, async () => {
        const got = await sc.run(strata!.port);
        if (redis) expect(got).toEqual(await sc.run(redis.port));
        expect(got).toEqual(sc.expect);
      });
    }
  });
}

export const show = (b: Buffer): string => b.toString('latin1');

export async function connect(port: number, resp3 = false): Promise<RespClient> {
  const c = await RespClient.connect(port);
  if (resp3) await c.call('HELLO', '3');
  return c;
}

/** Waits until the server reports n blocked clients (INFO clients). */
export async function waitBlocked(ctl: RespClient, n: number): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const info = show(await ctl.call('INFO', 'clients'));
    const m = /blocked_clients:(\d+)/.exec(info);
    if (m && Number(m[1]) === n) return;
    if (Date.now() > deadline) throw new Error(`blocked_clients never reached ${n}: ${info}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Sends a command whose reply will come later; returns the pending reply. */
export function later(c: RespClient, ...argv: Arg[]): Promise<string> {
  return c.call(...argv).then(show);
}

/**
 * Opens n connections (RESP3 for all with `true`, for the first only with 'first'), flushes the
 * server, runs fn and closes them.
 */
export async function withClients<T>(port: number, n: number, fn: (cs: RespClient[]) => Promise<T>, resp3: boolean | 'first' = false): Promise<T> {
  const cs: RespClient[] = [];
  try {
    for (let i = 0; i < n; i++) cs.push(await connect(port, resp3 === true || (resp3 === 'first' && i === 0)));
    await cs[cs.length - 1].call('FLUSHALL');
    return await fn(cs);
  } finally {
    for (const c of cs) c.close();
  }
}

// Shared by the blocking-command scenarios (test/differential/*.blocking.test.ts): several real
// connections to one server, a way to wait until clients are blocked, and replies read as text.
import { RespClient, Arg } from './resp';

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

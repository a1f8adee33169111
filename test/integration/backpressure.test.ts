// A client that pipelines commands with large replies and does not read them must not make the
// server buffer every reply: Strata stops running that client's commands until it reads, keeps
// serving others, and delivers every reply once the client reads again.
import * as net from 'net';
import { RespClient, encodeCommands } from '../helpers/resp';
import { ServerHandle, startStrata, HOST } from '../helpers/servers';

let strata: ServerHandle;
beforeAll(async () => {
  strata = await startStrata();
});
afterAll(async () => {
  await strata?.stop();
});

function usedMemory(info: string): number {
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

test('a non-reading client with 300 MB of pending replies keeps server memory bounded', async () => {
  const admin = await RespClient.connect(strata.port);
  const value = 'x'.repeat(1024 * 1024);
  await admin.call('SET', 'big', value);
  const before = usedMemory(String(await admin.callJS('INFO', 'memory')));

  const N = 300;
  const sock = net.connect(strata.port, HOST);
  await new Promise<void>((r) => sock.once('connect', () => r()));
  sock.pause(); // never read until we say so
  sock.write(encodeCommands(Array.from({ length: N }, () => ['GET', 'big'])));
  await new Promise((r) => setTimeout(r, 1500));

  // Other clients are still served, and the server holds far less than N replies.
  expect(await admin.callJS('PING')).toBe('PONG');
  const during = usedMemory(String(await admin.callJS('INFO', 'memory')));
  expect(during - before).toBeLessThan(100 * 1024 * 1024);

  // Reading resumes the pipeline: every reply arrives, intact.
  const replyLen = `$${value.length}\r\n`.length + value.length + 2;
  let got = 0;
  await new Promise<void>((resolve, reject) => {
    sock.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= N * replyLen) resolve();
    });
    sock.on('error', reject);
    sock.resume();
  });
  expect(got).toBe(N * replyLen);
  sock.destroy();
  admin.close();
}, 60000);

// The kill -9 cycles of persistence.crash.everysec.test.ts with `appendfsync always` (replies wait for
// the group-committed fdatasync): 25 cycles, every acknowledged write present after each restart,
// MULTI/EXEC all or nothing, then a graceful stop with an exact check. See persistence-writer.js.
import { stopAll } from '../helpers/servers';
import { runSuite } from './persistence-harness';

afterAll(async () => {
  await stopAll();
});

test('appendfsync always: 25 kill -9 cycles under load lose no acknowledged write', async () => {
  const { stats, dir, seed, log } = await runSuite({
    args: ['--appendonly', 'yes', '--appendfsync', 'always', '--wal-segment-size', '65536', '--save', '5', '1000'],
    cycles: 25,
    seed: 20262,
  });
  if (stats.failures.length > 0) {
    throw new Error(`seed ${seed}, data dir ${dir} (STRATA_KEEP_DIRS=1 keeps it)\n${log.join('\n')}\n${stats.failures.join('\n')}`);
  }
  expect(stats.cycles).toBe(Number(process.env.PERSIST_CYCLES) || 25);
  expect(stats.acked).toBeGreaterThan(500);
}, 150000);

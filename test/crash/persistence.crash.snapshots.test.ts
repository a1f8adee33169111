// kill -9 cycles with the snapshot machinery as busy as it gets: `appendfsync no` (a killed process still
// loses nothing it acknowledged: the records were written to the kernel), a save point every second
// (`save 1 1`), `snapshot-keep 1`, 16 KiB WAL segments, BGSAVE or BGREWRITEAOF in half the cycles and a
// second kill during recovery in a quarter of them. 15 cycles; see persistence-writer.js for the checks.
import { stopAll } from '../helpers/servers';
import { runSuite } from './persistence-harness';

afterAll(async () => {
  await stopAll();
});

test('appendfsync no, snapshots every second, BGREWRITEAOF and kills during recovery: 15 cycles lose no acknowledged write', async () => {
  const { stats, dir, seed, log } = await runSuite({
    args: ['--appendonly', 'yes', '--appendfsync', 'no', '--wal-segment-size', '16384', '--save', '1', '1', '--snapshot-keep', '1'],
    cycles: 15,
    seed: 20263,
    killMinMs: 150,
    killMaxMs: 1500,
    bgsaveProb: 0.25,
    rewriteProb: 0.25,
    doubleKillProb: 0.25,
  });
  if (stats.failures.length > 0) {
    throw new Error(`seed ${seed}, data dir ${dir} (STRATA_KEEP_DIRS=1 keeps it)\n${log.join('\n')}\n${stats.failures.join('\n')}`);
  }
  expect(stats.cycles).toBe(Number(process.env.PERSIST_CYCLES) || 15);
  expect(stats.doubleKills + stats.rewrites).toBeGreaterThan(0);
}, 150000);

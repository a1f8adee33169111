// kill -9 of a real Strata process at random moments while 4 clients write under load (pipelines of
// INCR, RPUSH/LTRIM, HSET/HDEL, SADD/SREM, ZADD, SET EX/PX/SETEX, MULTI/EXEC pairs, RI.SET/RI.DEL, SET/DEL;
// two clients in db 0 beside 20000 static keys, two in db 1), then a restart on the same dir, 25 times,
// with `appendfsync everysec`: every acknowledged write must be there after each restart, MULTI/EXEC all
// or nothing, nothing torn (see persistence-writer.js). Some cycles run BGSAVE or BGREWRITEAOF just before
// the kill, some kill again during recovery, some stop with SIGTERM under load instead. WAL segments are
// small (32 KiB) so the kills also land around segment rolls. The last cycle stops gracefully and checks
// that exactly everything is there. Longer runs: node test/crash/persistence-soak.js --cycles 300
import { stopAll } from '../helpers/servers';
import { runSuite } from './persistence-harness';

afterAll(async () => {
  await stopAll();
});

test('appendfsync everysec: 25 kill -9 cycles under load lose no acknowledged write', async () => {
  const { stats, dir, seed, log } = await runSuite({
    args: ['--appendonly', 'yes', '--appendfsync', 'everysec', '--wal-segment-size', '32768', '--save', '5', '1000'],
    cycles: 25,
    seed: 20261,
  });
  if (stats.failures.length > 0) {
    throw new Error(`seed ${seed}, data dir ${dir} (STRATA_KEEP_DIRS=1 keeps it)\n${log.join('\n')}\n${stats.failures.join('\n')}`);
  }
  expect(stats.cycles).toBe(Number(process.env.PERSIST_CYCLES) || 25);
  expect(stats.acked).toBeGreaterThan(1000); // the writers made real progress
}, 150000);

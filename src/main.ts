// strata-server entry point: config file + `--directive value` overrides, like redis-server.
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';
import { initLog, log } from './server/log';
import { keyspace } from './keyspace/db';
import { loadCommandTable, loadHandlerModules } from './server/commandTable';
import { Server } from './server/server';
import { serverInfo } from './server/identity';
import { limits, clients } from './server/state';
import { liveConfig } from './server/live';
import { infoHooks, markStartupMemory, sampleInstantaneous } from './server/info';
import { loadServerConfig, config, onConfigChange, setUserRewriteHook, type ServerConfig } from './config';
import { setResetStatHook } from './handlers/server/config';
import { resetStats } from './server/state';
import { allUsers, describeLine } from './server/acl';
import { setRequirePass, setUserDeletedHook, defaultUser, setAclLogMaxLen, setPubsubDefault, setAclFile, loadAclFile, loadUserDirective } from './server/acl';
import type { Client } from './server/context';
import { initRangeIndexDir, loadCatalog, sweepAfterRecovery, closeAll as closeRangeIndexes } from './rangeindex/registry';
import { persistState, persistenceHooks } from './server/state';
import { setLoadingProbe } from './config/directives';
import {
  lockDir,
  setDataDir,
  unlockDir,
  LockHeldError,
  RecoveryError,
  hasLogState,
  startPersistence,
  shutdownPersistence,
  afterFlushAll,
  saveSync,
  cron as persistenceCron,
  configChanged as persistenceConfigChanged,
  infoFields as persistenceInfo,
} from './persistence';
import { planRollback, applyRollback } from './persistence/rollback';

function parseCli(argv: string[]): { file: string | null; rest: string[]; rollbackTo: string | null; fromBackup: boolean } | null {
  const program = new Command();
  program
    .name('strata-server')
    .usage('[/path/to/strata.conf] [options] [-]')
    .description(
      'A Redis-protocol server with range indexes, cluster slot migration and crash-safe persistence.\n' +
        'Any redis.conf directive can be given as --<directive> <value...>, e.g.\n' +
        '  strata-server --port 7000 --bind 127.0.0.1 --dir ./data --requirepass secret\n' +
        'Start-up actions (not directives):\n' +
        '  --rollback-to <seq|snapshot-name>  go back to that WAL seq or snapshot (validated first)\n' +
        '  --recover-from-backup              start from backup-dir\'s WAL and snapshots',
    )
    .version(serverInfo.strataVersion, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .argument('[args...]')
    .action(() => {});
  // commander only validates --help/--version here; the directives are parsed by the config module
  // with redis-server's own rules (values may start with '-', `--save ""` etc.).
  if (argv.some((a) => a === '-h' || a === '--help' || a === '-v' || a === '--version' || a === '-V')) {
    program.parse(argv, { from: 'user' });
    return null;
  }
  // Strata's own start-up actions (not directives): taken out before the config parser sees them.
  let rollbackTo: string | null = null;
  let fromBackup = false;
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rollback-to' && i + 1 < argv.length) rollbackTo = argv[++i];
    else if (argv[i] === '--recover-from-backup') fromBackup = true;
    else args.push(argv[i]);
  }
  argv = args;
  let file: string | null = null;
  let rest = argv;
  if (argv.length > 0 && !argv[0].startsWith('--')) {
    file = argv[0];
    rest = argv.slice(1);
  }
  return { file, rest, rollbackTo, fromBackup };
}

function applyLive(cfg: ServerConfig): void {
  limits.protoMaxBulkLen = cfg.num('proto-max-bulk-len');
  limits.queryBufferLimit = cfg.num('client-query-buffer-limit');
  limits.maxclients = cfg.num('maxclients');
  limits.outputHard = cfg.outputHardLimitNormal();
  limits.outputHardPubsub = cfg['client-output-buffer-limit'].pubsub.hard;
  limits.outputHardReplica = cfg['client-output-buffer-limit'].replica.hard;
  liveConfig.slowlogSlowerThan = cfg.num('slowlog-log-slower-than');
  liveConfig.slowlogMaxLen = cfg.num('slowlog-max-len');
  liveConfig.latencyThresholdMs = cfg.num('latency-monitor-threshold');
  liveConfig.enableDebugCommand = cfg.str('enable-debug-command') as 'no' | 'yes' | 'local';
  infoHooks.hz = cfg.num('hz');
  infoHooks.maxmemory = cfg.num('maxmemory');
  infoHooks.maxmemoryPolicy = cfg.str('maxmemory-policy');
  infoHooks.clusterEnabled = cfg.bool('cluster-enabled');
  infoHooks.aofEnabled = cfg.bool('appendonly');
}

export async function main(argv: string[]): Promise<void> {
  const cli = parseCli(argv);
  if (cli === null) return;
  const res = loadServerConfig(cli.file, cli.rest);
  if (res.error) {
    process.stderr.write(res.error + '\n');
    process.exit(1);
  }
  const cfg = config;
  initLog({ level: cfg.str('loglevel'), file: cfg.str('logfile') });
  for (const w of res.warnings ?? []) log.warn(w);
  serverInfo.configFile = cli.file ? path.resolve(cli.file) : '';
  serverInfo.executable = path.resolve(process.argv[1] ?? 'strata-server');

  const dir = cfg.str('dir');
  try {
    fs.mkdirSync(dir, { recursive: true });
    process.chdir(dir);
  } catch (e) {
    log.fatal({ dir, err: String(e) }, "Can't chdir to the data directory");
    process.exit(1);
  }

  // One server per data directory.
  try {
    lockDir(process.cwd());
  } catch (e) {
    if (e instanceof LockHeldError) {
      log.fatal({ dir: process.cwd(), pid: e.pid, err: e.message }, `Can't start: ${e.message}`);
      process.exit(1);
    }
    // An unwritable dir (read-only mount): like Redis, serve; saving and the WAL report their errors.
    log.error({ dir: process.cwd(), err: (e as Error).message }, "Can't create the data-directory lock: running without it");
    setDataDir(process.cwd());
  }

  if (cli.rollbackTo !== null) {
    try {
      const plan = planRollback(process.cwd(), cli.rollbackTo);
      log.warn(
        { target: plan.targetSeq, base: plan.base?.name ?? null, dropSnapshots: plan.dropSnapshots.map((x) => x.name), dropSegments: plan.dropSegments.length },
        'rolling back',
      );
      applyRollback(process.cwd(), plan);
    } catch (e) {
      log.fatal({ target: cli.rollbackTo, err: (e as Error).message }, `Can't roll back: ${(e as Error).message}`);
      unlockDir();
      process.exit(1);
    }
  }

  keyspace.init(cfg.num('databases'));
  // Range-index files live in <dir>/rangeindex/. With a WAL or snapshots in dir, recovery rebuilds the
  // indexes from them; otherwise (a directory of an older version) the catalog mounts the trees it
  // lists, and a first snapshot makes them part of the log's base. Then unreferenced files are removed.
  const logState = hasLogState(process.cwd());
  let legacyIndexes = 0;
  try {
    // ephemeral-dir holds what recovery can rebuild: the range-index working files.
    const eph = cfg.str('ephemeral-dir');
    initRangeIndexDir(eph !== '' ? path.resolve(eph) : process.cwd());
    if (!logState) {
      legacyIndexes = loadCatalog(keyspace.dbs.length);
      sweepAfterRecovery();
    }
  } catch (e) {
    // Like Redis with an unwritable dir (it starts, and only saving fails): serve, and let RI.CREATE of a
    // DISK index answer the error. MEMORY indexes still work.
    log.error({ err: String(e) }, "Can't prepare the range index directory: DISK range indexes will fail");
  }
  loadCommandTable();
  loadHandlerModules();
  setRequirePass(cfg.str('requirepass'));
  // ACL: `user` lines from the config, then the aclfile (Redis refuses both at once).
  for (const u of res.users ?? []) {
    const err = loadUserDirective(u);
    if (err) {
      log.fatal({ err }, 'Error in user declaration');
      process.exit(1);
    }
  }
  if (cfg.str('aclfile')) {
    setAclFile(cfg.str('aclfile'));
    const err = loadAclFile();
    if (err) {
      log.fatal({ err }, 'Aborting Strata startup because of ACL errors');
      process.exit(1);
    }
  }
  setAclLogMaxLen(cfg.num('acllog-max-len'));
  setUserRewriteHook(() => allUsers().map(describeLine));
  setResetStatHook(resetStats);
  setPubsubDefault(cfg.str('acl-pubsub-default') === 'allchannels');
  // A deleted user's connections fall back to the default user, unauthenticated, and are closed.
  setUserDeletedHook((_name, user) => {
    for (const c of clients.values()) {
      if (c.user !== user) continue;
      const cl = c as Client;
      cl.user = defaultUser();
      cl.authenticated = false;
      if (cl.cmd !== null) cl.closeAfterReply();
      else cl.kill();
    }
  });
  applyLive(cfg);
  onConfigChange(() => applyLive(cfg));
  onConfigChange((name) => {
    if (name === 'requirepass') setRequirePass(cfg.str('requirepass'));
    if (name === 'loglevel' || name === 'logfile') initLog({ level: cfg.str('loglevel'), file: cfg.str('logfile') });
    if (name === 'acllog-max-len') setAclLogMaxLen(cfg.num('acllog-max-len'));
    if (name === 'acl-pubsub-default') setPubsubDefault(cfg.str('acl-pubsub-default') === 'allchannels');
  });

  const bind = cfg.str('bind').split(/\s+/).filter(Boolean);
  const server = new Server({
    port: cfg.num('port'),
    bind: bind.length ? bind : ['127.0.0.1'],
    protectedMode: cfg.bool('protected-mode'),
    hz: cfg.num('hz'),
    tcpBacklog: cfg.num('tcp-backlog'),
  });
  onConfigChange((name) => {
    if (name === 'hz') {
      server.opts.hz = cfg.num('hz');
      server.startCron();
    }
    if (name === 'protected-mode') server.opts.protectedMode = cfg.bool('protected-mode');
  });

  let stopping = false;
  let persistenceReady = false;
  const stop = (reason: string, code = 0, save: boolean | null = null, force = false): boolean => {
    if (stopping) return true;
    stopping = true;
    log.warn({ reason }, 'User requested shutdown...');
    // Durable first (the WAL synced, a final snapshot when asked), then the sockets go.
    const err = persistenceReady ? shutdownPersistence(save) : null;
    if (err !== null && save === true && !force) {
      log.warn({ err }, 'Error trying to save the DB, can\'t exit.');
      stopping = false;
      return false;
    }
    server
      .close()
      .catch(() => undefined)
      .finally(() => {
        try {
          closeRangeIndexes(); // commit and close every range-index file
        } catch (e) {
          log.error({ err: String(e) }, 'closing range indexes failed');
        }
        unlockDir();
        log.warn('Strata is now ready to exit, bye bye...');
        process.exit(code);
      });
    return true;
  };
  serverInfo.shutdown = (o) => stop('SHUTDOWN', 0, o.save, o.force);
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  // From the first accepted connection until recovery ends, commands answer -LOADING.
  persistState.loading = true;
  infoHooks.persistence = persistenceInfo;
  setLoadingProbe(() => persistState.loading);
  persistenceHooks.afterFlushAll = afterFlushAll;
  try {
    await server.listen();
  } catch (e) {
    log.fatal({ err: String(e), port: cfg.num('port') }, `Failed listening on port ${cfg.num('port')} (tcp), aborting.`);
    process.exit(1);
  }
  serverInfo.tcpPort = server.port;

  // Recovery runs while the server answers: clients get -LOADING until it is done.
  try {
    await startPersistence({ fromBackup: cli.fromBackup });
  } catch (e) {
    log.fatal({ err: (e as Error).message }, e instanceof RecoveryError ? `Can't recover the dataset: ${(e as Error).message}` : 'Recovery failed');
    unlockDir();
    process.exit(1);
  }
  persistenceReady = true;
  if (logState) {
    try {
      sweepAfterRecovery();
    } catch (e) {
      log.error({ err: String(e) }, 'range index sweep failed');
    }
  } else if (legacyIndexes > 0 && cfg.bool('appendonly')) {
    // Indexes mounted from the catalog of an older version become part of the WAL's base.
    const e = saveSync();
    if (e !== null) log.error({ err: e }, 'could not snapshot the mounted range indexes');
  }
  onConfigChange((name) => persistenceConfigChanged(name));
  setInterval(persistenceCron, 1000).unref();
  markStartupMemory();
  setInterval(sampleInstantaneous, 100).unref();
  // Idle-client timeout (Redis' `timeout`), checked once a second.
  setInterval(() => {
    const t = cfg.num('timeout');
    if (t <= 0) return;
    const now = Date.now();
    for (const c of clients.values()) if (!c.monitor && now - c.lastInteraction > t * 1000) c.kill();
  }, 1000).unref();
  log.info(
    { version: serverInfo.strataVersion, port: server.port, bind, dir: process.cwd() },
    'Ready to accept connections tcp',
  );
}

// INFO: section generators. Subsystems (persistence, cluster, range index) register their own sections
// here instead of editing the INFO handler. Lines end in \r\n: redis-cli parses INFO with strchr('\r').
import * as os from 'os';
import * as v8 from 'v8';
import { keyspace, stats as ksStats } from '../keyspace/db';
import { serverStats, clients, cmdStats, limits } from './state';
import { errorStats, totalErrorReplies } from '../protocol/errors';
import { serverInfo } from './identity';
import { numChannels, numPatterns, numShardChannels } from './pubsub';
import { blockedClientCount, clientsInTimeoutTable } from './blocking';

export type Section = () => [string, string | number][];
interface SectionDef {
  title: string;
  gen: Section;
  isDefault: boolean;
}
const sections = new Map<string, SectionDef>();

/** Registers (or replaces) a section. Order of registration is the order INFO prints. */
export function registerInfoSection(name: string, title: string, gen: Section, isDefault = true): void {
  sections.set(name, { title, gen, isDefault });
}

export const infoHooks = {
  /** Extra config-derived values, filled by the binary. */
  hz: 10,
  maxmemory: 0,
  maxmemoryPolicy: 'noeviction',
  clusterEnabled: false,
  aofEnabled: false,
  persistence: null as null | (() => [string, string | number][]),
};

function human(n: number): string {
  const units = ['B', 'K', 'M', 'G', 'T', 'P'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n}B` : `${v.toFixed(2)}${units[i]}`;
}

let peakMemory = 0;
/** Bytes held by data and the runtime's heap (Redis' used_memory counterpart). */
export function usedMemory(): number {
  const h = v8.getHeapStatistics();
  const used = h.used_heap_size + h.external_memory;
  if (used > peakMemory) peakMemory = used;
  return used;
}
let startupMemory = 0;
export function peakMemoryBytes(): number {
  return peakMemory;
}
export function startupMemoryBytes(): number {
  return startupMemory;
}
export function markStartupMemory(): void {
  startupMemory = usedMemory();
}

// Ops/s and kbps sampled by the cron (Redis' trackInstantaneousMetric, 16 samples).
const opsSamples: number[] = [];
const inSamples: number[] = [];
const outSamples: number[] = [];
let lastSample = { t: Date.now(), ops: 0, inb: 0, outb: 0 };
export function sampleInstantaneous(): void {
  const now = Date.now();
  const dt = now - lastSample.t;
  if (dt < 100) return;
  const push = (arr: number[], v: number) => {
    arr.push(v);
    if (arr.length > 16) arr.shift();
  };
  push(opsSamples, ((serverStats.totalCommands - lastSample.ops) * 1000) / dt);
  push(inSamples, (serverStats.netInput - lastSample.inb) / dt / 1.024);
  push(outSamples, (serverStats.netOutput - lastSample.outb) / dt / 1.024);
  lastSample = { t: now, ops: serverStats.totalCommands, inb: serverStats.netInput, outb: serverStats.netOutput };
}
const avg = (a: number[]) => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : 0);

registerInfoSection('server', 'Server', () => {
  const up = Math.floor((Date.now() - serverStats.startTime) / 1000);
  return [
    ['redis_version', serverInfo.redisVersion],
    ['strata_version', serverInfo.strataVersion],
    ['redis_git_sha1', '00000000'],
    ['redis_git_dirty', 0],
    ['redis_build_id', '0'],
    ['redis_mode', infoHooks.clusterEnabled ? 'cluster' : 'standalone'],
    ['os', `${os.type()} ${os.release()} ${os.arch()}`],
    ['arch_bits', 64],
    ['monotonic_clock', 'POSIX clock_gettime'],
    ['multiplexing_api', 'epoll'],
    ['atomicvar_api', 'c11-builtin'],
    ['gcc_version', '0.0.0'],
    ['process_id', process.pid],
    ['process_supervised', 'no'],
    ['run_id', serverInfo.runId],
    ['tcp_port', serverInfo.tcpPort],
    ['server_time_usec', Date.now() * 1000],
    ['uptime_in_seconds', up],
    ['uptime_in_days', Math.floor(up / 86400)],
    ['hz', infoHooks.hz],
    ['configured_hz', infoHooks.hz],
    ['lru_clock', Math.floor(Date.now() / 1000) & 0xffffff],
    ['executable', serverInfo.executable],
    ['config_file', serverInfo.configFile],
    ['io_threads_active', 0],
    ['node_version', process.version],
  ];
});

registerInfoSection('clients', 'Clients', () => [
  ['connected_clients', clients.size],
  ['cluster_connections', 0],
  ['maxclients', limits.maxclients],
  ['client_recent_max_input_buffer', 0],
  ['client_recent_max_output_buffer', 0],
  ['blocked_clients', blockedClientCount()],
  ['tracking_clients', 0],
  ['clients_in_timeout_table', clientsInTimeoutTable()],
]);

registerInfoSection('memory', 'Memory', () => {
  const used = usedMemory();
  const rss = process.memoryUsage.rss();
  const total = os.totalmem();
  return [
    ['used_memory', used],
    ['used_memory_human', human(used)],
    ['used_memory_rss', rss],
    ['used_memory_rss_human', human(rss)],
    ['used_memory_peak', peakMemory],
    ['used_memory_peak_human', human(peakMemory)],
    ['used_memory_peak_perc', `${((used / Math.max(1, peakMemory)) * 100).toFixed(2)}%`],
    ['used_memory_overhead', startupMemory],
    ['used_memory_startup', startupMemory],
    ['used_memory_dataset', Math.max(0, used - startupMemory)],
    ['used_memory_dataset_perc', `${((Math.max(0, used - startupMemory) / Math.max(1, used)) * 100).toFixed(2)}%`],
    ['total_system_memory', total],
    ['total_system_memory_human', human(total)],
    ['used_memory_lua', 0],
    ['used_memory_scripts', 0],
    ['maxmemory', infoHooks.maxmemory],
    ['maxmemory_human', human(infoHooks.maxmemory)],
    ['maxmemory_policy', infoHooks.maxmemoryPolicy],
    ['mem_fragmentation_ratio', (rss / Math.max(1, used)).toFixed(2)],
    ['mem_allocator', 'v8'],
    ['lazyfree_pending_objects', 0],
  ];
});

registerInfoSection('persistence', 'Persistence', () =>
  infoHooks.persistence
    ? infoHooks.persistence()
    : [
        ['loading', 0],
        ['async_loading', 0],
        ['rdb_changes_since_last_save', ksStats.dirty - serverStats.dirtyAtLastSave],
        ['rdb_bgsave_in_progress', 0],
        ['rdb_last_save_time', serverStats.lastSave],
        ['rdb_last_bgsave_status', 'ok'],
        ['aof_enabled', infoHooks.aofEnabled ? 1 : 0],
        ['aof_rewrite_in_progress', 0],
        ['aof_last_write_status', 'ok'],
      ],
);

registerInfoSection('stats', 'Stats', () => [
  ['total_connections_received', serverStats.totalConnections],
  ['total_commands_processed', serverStats.totalCommands],
  ['instantaneous_ops_per_sec', Math.round(avg(opsSamples))],
  ['total_net_input_bytes', serverStats.netInput],
  ['total_net_output_bytes', serverStats.netOutput],
  ['instantaneous_input_kbps', avg(inSamples).toFixed(2)],
  ['instantaneous_output_kbps', avg(outSamples).toFixed(2)],
  ['rejected_connections', serverStats.rejectedConnections],
  ['sync_full', 0],
  ['sync_partial_ok', 0],
  ['sync_partial_err', 0],
  ['expired_keys', ksStats.expiredKeys],
  ['expired_stale_perc', ksStats.expiredStalePerc.toFixed(2)],
  ['expired_time_cap_reached_count', 0],
  ['evicted_keys', ksStats.evictedKeys],
  ['evicted_clients', 0],
  ['keyspace_hits', ksStats.hits],
  ['keyspace_misses', ksStats.misses],
  ['pubsub_channels', numChannels()],
  ['pubsub_patterns', numPatterns()],
  ['pubsubshard_channels', numShardChannels()],
  ['latest_fork_usec', 0],
  ['total_forks', 0],
  ['migrate_cached_sockets', 0],
  ['unexpected_error_replies', 0],
  ['total_error_replies', totalErrorReplies],
  ['total_reads_processed', 0],
  ['total_writes_processed', 0],
  ['client_query_buffer_limit_disconnections', serverStats.queryBufferLimitDisconnections],
  ['client_output_buffer_limit_disconnections', serverStats.clientOutputLimitDisconnections],
]);

registerInfoSection('replication', 'Replication', () => [
  ['role', 'master'],
  ['connected_slaves', 0],
  ['master_failover_state', 'no-failover'],
  ['master_replid', serverInfo.runId],
  ['master_replid2', '0000000000000000000000000000000000000000'],
  ['master_repl_offset', 0],
  ['second_repl_offset', -1],
  ['repl_backlog_active', 0],
  ['repl_backlog_size', 1048576],
  ['repl_backlog_first_byte_offset', 0],
  ['repl_backlog_histlen', 0],
]);

registerInfoSection('cpu', 'CPU', () => {
  const u = process.cpuUsage();
  const sys = (u.system / 1e6).toFixed(6);
  const usr = (u.user / 1e6).toFixed(6);
  return [
    ['used_cpu_sys', sys],
    ['used_cpu_user', usr],
    ['used_cpu_sys_children', '0.000000'],
    ['used_cpu_user_children', '0.000000'],
    ['used_cpu_sys_main_thread', sys],
    ['used_cpu_user_main_thread', usr],
  ];
});

registerInfoSection('modules', 'Modules', () => []);

registerInfoSection('commandstats', 'Commandstats', () => {
  const out: [string, string][] = [];
  for (const [name, s] of cmdStats) {
    if (s.calls === 0 && s.rejected === 0 && s.failed === 0) continue;
    out.push([
      `cmdstat_${name}`,
      `calls=${s.calls},usec=${Math.round(s.usec)},usec_per_call=${(s.calls ? s.usec / s.calls : 0).toFixed(2)},rejected_calls=${s.rejected},failed_calls=${s.failed}`,
    ]);
  }
  return out;
}, false);

registerInfoSection('errorstats', 'Errorstats', () => {
  const out: [string, string][] = [];
  for (const [code, n] of errorStats) out.push([`errorstat_${code}`, `count=${n}`]);
  return out;
});

registerInfoSection('cluster', 'Cluster', () => [['cluster_enabled', infoHooks.clusterEnabled ? 1 : 0]]);

registerInfoSection('keyspace', 'Keyspace', () => {
  const out: [string, string][] = [];
  for (const db of keyspace.dbs) {
    if (db.dict.size === 0) continue;
    out.push([`db${db.id}`, `keys=${db.dict.size},expires=${db.expires.size},avg_ttl=${Math.round(db.avgTtlMs)}`]);
  }
  return out;
});

/** Builds the INFO text for the requested section names (Redis 7.0 semantics, multiple args allowed). */
export function buildInfo(args: string[]): string {
  const want = new Set<string>();
  let all = false;
  let everything = false;
  let dflt = args.length === 0;
  for (const a of args) {
    const s = a.toLowerCase();
    if (s === 'all') all = true;
    else if (s === 'everything') everything = true;
    else if (s === 'default') dflt = true;
    else want.add(s);
  }
  let out = '';
  for (const [name, def] of sections) {
    const include = everything || all || want.has(name) || (dflt && def.isDefault);
    if (!include) continue;
    if (out.length) out += '\r\n';
    out += `# ${def.title}\r\n`;
    for (const [k, v] of def.gen()) out += `${k}:${v}\r\n`;
  }
  return out;
}

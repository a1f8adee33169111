// SLOWLOG, LATENCY and MONITOR: what operators use to see what the server is doing.
import type { Client } from './context';
import { liveConfig } from './live';
import { pushRaw } from './push';
import { repr } from '../util/repr';

export interface SlowlogEntry {
  id: number;
  time: number; // unix seconds
  us: number;
  argv: string[];
  addr: string;
  name: string;
}
export const slowlog: SlowlogEntry[] = []; // newest first
let slowlogNextId = 0;

const SLOWLOG_ENTRY_MAX_ARGC = 32;
const SLOWLOG_ENTRY_MAX_STRING = 128;

export function slowlogRecord(c: Client, argv: string[], us: number): void {
  const n = Math.min(argv.length, SLOWLOG_ENTRY_MAX_ARGC);
  const args: string[] = [];
  for (let i = 0; i < n; i++) {
    if (n === SLOWLOG_ENTRY_MAX_ARGC && i === n - 1) {
      args.push(`... (${argv.length - SLOWLOG_ENTRY_MAX_ARGC + 1} more arguments)`);
      break;
    }
    const a = argv[i];
    args.push(
      a.length > SLOWLOG_ENTRY_MAX_STRING
        ? a.slice(0, SLOWLOG_ENTRY_MAX_STRING) + `... (${a.length - SLOWLOG_ENTRY_MAX_STRING} more bytes)`
        : a,
    );
  }
  slowlog.unshift({ id: slowlogNextId++, time: Math.floor(Date.now() / 1000), us: Math.round(us), argv: args, addr: c.addr, name: c.name });
  while (slowlog.length > liveConfig.slowlogMaxLen) slowlog.pop();
}
export function slowlogReset(): void {
  slowlog.length = 0;
}

export interface LatencyEvent {
  latestTime: number;
  latestMs: number;
  maxMs: number;
  samples: { time: number; ms: number }[];
}
export const latencyEvents = new Map<string, LatencyEvent>();
export function latencyRecord(event: string, ms: number): void {
  const now = Math.floor(Date.now() / 1000);
  const m = Math.round(ms);
  let e = latencyEvents.get(event);
  if (!e) {
    e = { latestTime: now, latestMs: m, maxMs: m, samples: [] };
    latencyEvents.set(event, e);
  }
  e.latestTime = now;
  e.latestMs = m;
  if (m > e.maxMs) e.maxMs = m;
  const last = e.samples[e.samples.length - 1];
  if (last && last.time === now) last.ms = Math.max(last.ms, m);
  else {
    e.samples.push({ time: now, ms: m });
    if (e.samples.length > 160) e.samples.shift();
  }
}

const monitors = new Set<Client>();
export function monitorCount(): number {
  return monitors.size;
}
export function addMonitor(c: Client): void {
  monitors.add(c);
  c.monitor = true;
}
export function removeMonitor(c: Client): void {
  monitors.delete(c);
}

export function feedMonitors(c: Client, argv: string[]): void {
  const now = Date.now();
  const sec = Math.floor(now / 1000);
  const usec = (now % 1000) * 1000 + Math.floor((performance.now() * 1000) % 1000);
  let line = `+${sec}.${String(usec).padStart(6, '0')} [${c.db.id} ${c.addr}]`;
  for (const a of argv) line += ' ' + repr(a);
  line += '\r\n';
  for (const m of monitors) {
    if (m === c) continue;
    pushRaw(m, line);
  }
}

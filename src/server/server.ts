// TCP accept loop, connection admission (maxclients, protected mode) and the periodic server cron.
import * as net from 'net';
import { Connection } from './connection';
import { dispatch } from './dispatcher';
import { keyspace, expiryControl } from '../keyspace/db';
import { limits, serverStats, clients, debugFlags } from './state';
import { defaultUser, authRequiredFor } from './acl';
import { activeExpireCycle } from '../keyspace/expire';
import { log } from './log';

export interface ListenOptions {
  port: number;
  bind: string[];
  protectedMode: boolean;
  hz: number;
  tcpBacklog: number;
}

const DENIED =
  '-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. ' +
  'In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: ' +
  "1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. " +
  '2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to \'no\', and then restarting the server. ' +
  '3) If you started the server manually just for testing, restart it with the \'--protected-mode no\' option. ' +
  '4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n';

function isLoopback(addr: string | undefined): boolean {
  if (!addr) return true; // unix sockets
  return addr === '127.0.0.1' || addr === '::1' || addr.startsWith('127.') || addr === '::ffff:127.0.0.1' || addr.startsWith('::ffff:127.');
}

export class Server {
  private servers: net.Server[] = [];
  private cron: NodeJS.Timeout | null = null;
  opts: ListenOptions;
  constructor(opts: ListenOptions) {
    this.opts = opts;
  }

  async listen(): Promise<void> {
    for (const spec of this.opts.bind) {
      // Redis' bind syntax: "*" = all IPv4, "::*" = all IPv6, a leading "-" = skip if unavailable.
      const optional = spec.startsWith('-');
      const addr = optional ? spec.slice(1) : spec;
      const host = addr === '*' ? '0.0.0.0' : addr === '::*' ? '::' : addr;
      const srv = net.createServer({ noDelay: true }, (s) => this.accept(s));
      try {
        await new Promise<void>((resolve, reject) => {
          srv.once('error', reject);
          srv.listen({ port: this.opts.port, host, backlog: this.opts.tcpBacklog, ipv6Only: host.includes(':') }, () => {
            srv.off('error', reject);
            resolve();
          });
        });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (optional && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT' || code === 'ENOTFOUND')) {
          log.warn({ addr }, 'Skipping optional bind address that is not available');
          continue;
        }
        throw e;
      }
      srv.on('error', (e) => log.error({ err: e }, 'listener error'));
      this.servers.push(srv);
      // Port 0: every further address binds the port the first one got.
      if (this.opts.port === 0) this.opts.port = this.port;
    }
    if (this.servers.length === 0) throw new Error('no bind address could be used');
    this.startCron();
  }

  /** The actual port (useful when configured as 0). */
  get port(): number {
    const a = this.servers[0]?.address();
    return a && typeof a === 'object' ? a.port : this.opts.port;
  }

  private accept(s: net.Socket): void {
    serverStats.totalConnections++;
    if (clients.size >= limits.maxclients) {
      serverStats.rejectedConnections++;
      s.end('-ERR max number of clients reached\r\n');
      return;
    }
    const local = isLoopback(s.remoteAddress);
    const user = defaultUser();
    if (this.opts.protectedMode && !local && !authRequiredFor(user)) {
      s.end(DENIED);
      serverStats.rejectedConnections++;
      return;
    }
    const c = new Connection(s, dispatch, keyspace.dbs[0], user, !authRequiredFor(user));
    c.isLocal = local;
    clients.set(c.id, c);
  }

  startCron(): void {
    if (this.cron) clearInterval(this.cron);
    const hz = Math.max(1, Math.min(500, this.opts.hz));
    const period = 1000 / hz;
    // Active expiry gets a bounded slice of each tick (Redis: 25% of the period at effort 1).
    this.cron = setInterval(() => {
      if (debugFlags.activeExpire && !expiryControl.suspended) activeExpireCycle(keyspace.dbs, period * 0.25);
    }, period);
    this.cron.unref();
  }

  async close(): Promise<void> {
    if (this.cron) clearInterval(this.cron);
    for (const c of clients.values()) c.kill();
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.servers = [];
  }
}

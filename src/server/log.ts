// Logging through pino: JSON lines when stdout is not a terminal (services, tests), pretty in one.
import pino from 'pino';

// Redis log levels mapped onto pino's.
const LEVELS: Record<string, string> = { debug: 'debug', verbose: 'debug', notice: 'info', warning: 'warn', nothing: 'silent' };

export let log: pino.Logger = pino({ level: 'info' });

export function initLog(opts: { level: string; file: string }): void {
  const level = LEVELS[opts.level] ?? 'info';
  if (opts.file) {
    log = pino({ level, base: { pid: process.pid } }, pino.destination({ dest: opts.file, sync: true, mkdir: true }));
  } else if (process.stdout.isTTY) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const pretty = require('pino-pretty') as (o: object) => NodeJS.WritableStream;
    log = pino({ level, base: { pid: process.pid } }, pretty({ colorize: true, sync: true, translateTime: 'SYS:standard' }));
  } else {
    log = pino({ level, base: { pid: process.pid } }, pino.destination({ dest: 1, sync: true }));
  }
}

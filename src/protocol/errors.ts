// Redis' exact error texts, in one place, and the error counters behind INFO errorstats.
import { errorRaw, ReplyTarget } from './reply';

export const E = {
  syntax: 'ERR syntax error',
  notInt: 'ERR value is not an integer or out of range',
  notFloat: 'ERR value is not a valid float',
  overflow: 'ERR increment or decrement would overflow',
  wrongType: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  noSuchKey: 'ERR no such key',
  dbIndex: 'ERR DB index is out of range',
  noAuth: 'NOAUTH Authentication required.',
  wrongPass: 'WRONGPASS invalid username-password pair or user is disabled.',
  invalidExpire: (cmd: string) => `ERR invalid expire time in '${cmd}' command`,
  wrongArity: (cmd: string) => `ERR wrong number of arguments for '${cmd}' command`,
  unknownSub: (sub: string, cmd: string) =>
    `ERR unknown subcommand '${cstr(sub).slice(0, 128)}'. Try ${cmd.toUpperCase()} HELP.`,
  noPermCommand: (cmd: string) => `NOPERM this user has no permissions to run the '${cmd}' command`,
  noPermKey: 'NOPERM this user has no permissions to access one of the keys used as arguments',
  noPermChannel: 'NOPERM this user has no permissions to access one of the channels used as arguments',
  stringTooLong: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
  bitOffset: 'ERR bit offset is not an integer or out of range',
  bitValue: 'ERR bit is not an integer or out of range',
  offsetRange: 'ERR offset is out of range',
  sameObject: 'ERR source and destination objects are the same',
  timeoutNeg: 'ERR timeout is negative',
} as const;

/** `ERR unknown command 'x', with args beginning with: 'a' 'b' ` — as Redis 7.0 formats it (C strings:
 * each part ends at its first NUL byte). */
export function unknownCommand(argv: readonly string[]): string {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += "'" + cstr(argv[i]).slice(0, 128 - args.length) + "' ";
  }
  return `ERR unknown command '${cstr(argv[0]).slice(0, 128)}', with args beginning with: ${args}`;
}

/** The part of s before its first NUL byte (what C's %s prints). */
export function cstr(s: string): string {
  const z = s.indexOf('\0');
  return z === -1 ? s : s.slice(0, z);
}

/** Counts per error code (the first word) for INFO errorstats. */
export const errorStats = new Map<string, number>();
export let totalErrorReplies = 0;
export function resetErrorStats(): void {
  errorStats.clear();
  totalErrorReplies = 0;
}

/** Sends an error reply and counts it. `msg` has no leading '-'. */
export function error(c: ReplyTarget, msg: string): void {
  // Redis turns newlines in error messages into spaces: an error must be one RESP line.
  if (msg.indexOf('\n') !== -1 || msg.indexOf('\r') !== -1) msg = msg.replace(/[\r\n]/g, ' ');
  const sp = msg.indexOf(' ');
  const code = sp === -1 ? msg : msg.slice(0, sp);
  errorStats.set(code, (errorStats.get(code) ?? 0) + 1);
  totalErrorReplies++;
  errorRaw(c, msg);
}

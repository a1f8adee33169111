// CONFIG GET / SET / RESETSTAT / REWRITE / HELP, Redis 7.0.15-exact (texts verified against redis-server).
// The logic lives in src/config/; this file only turns argv into calls and results into replies.
import type { Client, Handler } from '../../server/context';
import * as R from '../../protocol/reply';
import { error, E, resetErrorStats } from '../../protocol/errors';
import { configGet, configSet, isLocalAddr } from '../../config/directives';
import { configFilePath } from '../../config/parse';
import { rewriteConfig } from '../../config/rewrite';
import { log } from '../../server/log';

let resetStatHook: (() => void) | null = null;
/**
 * The server's part of CONFIG RESETSTAT (Redis: resetServerStats() + resetCommandTableStats(): INFO stats
 * counters, per-command stats, latency histograms; the slowlog is not touched). CONFIG RESETSTAT calls the
 * hook, then clears the error stats itself (protocol/errors.ts resetErrorStats()).
 */
export function setResetStatHook(fn: (() => void) | null): void {
  resetStatHook = fn;
}

function configGetCmd(c: Client, argv: string[]): void {
  if (argv.length < 3) {
    error(c, E.wrongArity('config|get'));
    return;
  }
  const pairs = configGet(argv.slice(2));
  R.mapLen(c, pairs.length);
  for (const [k, v] of pairs) {
    R.bulk(c, k);
    R.bulk(c, v);
  }
}

function configSetCmd(c: Client, argv: string[]): void {
  if (argv.length < 4) {
    error(c, E.wrongArity('config|set'));
    return;
  }
  if (argv.length & 1) {
    error(c, E.syntax);
    return;
  }
  const err = configSet(argv.slice(2), { local: isLocalAddr(c.addr) });
  if (err === null) R.ok(c);
  else error(c, err);
}

function configResetstatCmd(c: Client, argv: string[]): void {
  if (argv.length !== 2) {
    error(c, E.wrongArity('config|resetstat'));
    return;
  }
  if (resetStatHook) resetStatHook();
  resetErrorStats();
  R.ok(c);
}

function configRewriteCmd(c: Client, argv: string[]): void {
  if (argv.length !== 2) {
    error(c, E.wrongArity('config|rewrite'));
    return;
  }
  const file = configFilePath();
  if (file === null) {
    error(c, 'ERR The server is running without a config file');
    return;
  }
  const err = rewriteConfig(file);
  if (err !== null) {
    log.warn(`CONFIG REWRITE failed: ${err}`);
    error(c, `ERR Rewriting config file: ${err}`);
    return;
  }
  log.warn('CONFIG REWRITE executed with success.');
  R.ok(c);
}

const HELP = [
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
];

function configHelpCmd(c: Client, argv: string[]): void {
  if (argv.length !== 2) {
    error(c, E.wrongArity('config|help'));
    return;
  }
  R.help(c, argv[0], HELP);
}

export const commands: Record<string, Handler> = {
  'config|get': configGetCmd,
  'config|set': configSetCmd,
  'config|resetstat': configResetstatCmd,
  'config|rewrite': configRewriteCmd,
  'config|help': configHelpCmd,
};

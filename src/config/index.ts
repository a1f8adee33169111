// Public face of the config subsystem. See directives.ts (table, live values, listeners),
// parse.ts (redis.conf + command line), rewrite.ts (CONFIG REWRITE).
//
// Start-up (what bin/strata-server does, via src/main.ts):
//   const res = loadServerConfig(file, restOfArgv);      // or loadFromCommandLine(process.argv.slice(2))
//   if (res.error) { process.stderr.write(res.error + '\n'); process.exit(1); }
//   config.port, config.maxclients, config['maxmemory-policy'] ...   // typed live values
//   onChange('maxclients', (v, old) => ...)                          // react to CONFIG SET

import * as fs from 'fs';
import {
  config as liveConfig,
  onAnyChange,
  configGet,
  getConfigText,
  lookupDirective,
  type ConfigValues,
  type ConfigName,
  type Directive,
} from './directives';
import { loadConfig, parseCommandLine, type LoadResult } from './parse';

export * from './directives';
export { splitArgs } from '../util/splitargs';
export {
  parseCommandLine,
  loadConfig,
  loadConfigFromString,
  loadFromCommandLine,
  configFilePath,
  setConfigFilePath,
  type CommandLine,
  type LoadOptions,
  type LoadResult,
} from './parse';
export { rewriteConfig, rewriteContent, setUserRewriteHook, REWRITE_SIGNATURE } from './rewrite';
export { REDIS_VERSION, memtoull, formatMemory } from './util';
export { string2ll } from '../util/strconv';

/** Accessors by name, for code that picks directives dynamically (and for src/main.ts). */
export interface ConfigAccessors {
  /** Numeric value (memory in bytes; maxmemory-clients' N% is -N). Throws on unknown names. */
  num(name: string): number;
  /** The text CONFIG GET prints ("" for unset strings; "* -::*" for bind). */
  str(name: string): string;
  /** yes/no directives. */
  bool(name: string): boolean;
  /** client-output-buffer-limit's hard limit for normal clients, in bytes (0 = none). */
  outputHardLimitNormal(): number;
}

export type ServerConfig = Readonly<ConfigValues> & ConfigAccessors;

function entryOf(name: string): Directive {
  const e = lookupDirective(name);
  if (!e) throw new Error(`unknown config directive '${name}'`);
  return e.def;
}

const accessors: ConfigAccessors = {
  num(name) {
    const d = entryOf(name);
    const v = d.value();
    if (typeof v === 'number') return v;
    if (typeof v === 'boolean') return v ? 1 : 0;
    return Number(d.get());
  },
  str(name) {
    return entryOf(name).get();
  },
  bool(name) {
    return entryOf(name).get() === 'yes';
  },
  outputHardLimitNormal() {
    return liveConfig['client-output-buffer-limit'].normal.hard;
  },
};
for (const [k, fn] of Object.entries(accessors)) {
  Object.defineProperty(liveConfig, k, { value: fn, enumerable: false, writable: false });
}

/** The live configuration: `config.port`, `config['maxmemory-policy']`, and `config.num('port')` etc. */
export const config = liveConfig as ServerConfig;

/**
 * Calls `fn(name)` for every directive a CONFIG SET changed (after all values are stored; primary
 * names). Like onChange(), returning a string refuses the change and rolls the CONFIG SET back.
 */
export function onConfigChange(fn: (name: ConfigName) => void | string | undefined): () => void {
  return onAnyChange(fn);
}

/**
 * src/main.ts' entry point: `file` is the config file argument (or null), `rest` the remaining
 * command-line arguments (`--port 7000 --save "" ...`, optionally "-" for stdin). Returns
 * { error } with the exact text redis-server would print, or {} plus the load details.
 */
export function loadServerConfig(
  file: string | null,
  rest: readonly string[] = [],
  readStdin: () => string = () => fs.readFileSync(0).toString('latin1'),
): LoadResult {
  const argv = file !== null ? [file, ...rest] : [...rest];
  const cl = parseCommandLine(argv);
  return loadConfig({
    configFile: cl.configFile,
    stdin: cl.readStdin ? readStdin() : null,
    options: cl.options,
  });
}

export { configGet, getConfigText };

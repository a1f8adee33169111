// redis.conf parsing and redis-server command-line handling, Redis 7.0.15-exact.
//
//   strata-server [/path/to/strata.conf] [--directive value [value ...]] ... [-]
//
// Like redis-server, the command line is turned into config lines appended after the file (and after
// stdin when "-" is given): each `--name` starts a line, the following arguments are its values, quoted
// with sdscatrepr so any byte survives; `--save` with no value means `save ""`. The whole text is then
// parsed line by line with sdssplitargs quoting. Errors come back as text (the binary prints and exits):
//
//   *** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***
//   Reading the configuration file, at line 3
//   >>> 'maxclients "0"'
//   argument must be between 1 and 4294967295 inclusive

import * as fs from 'fs';
import * as path from 'path';
import { stringmatch } from '../util/glob';
import { splitArgs } from '../util/splitargs';
import { repr } from '../util/repr';
import { REDIS_VERSION, trimChars } from './util';
import {
  lookupDirective,
  setDirective,
  resetConfig,
  allDirectives,
  config,
  MULTI_ARG,
  type Directive,
} from './directives';

// ---------------------------------------------------------------------------------------------------
// Command line

export interface CommandLine {
  /** What redis-server would do with argv[1]: run, or print the version / the help. */
  action: 'run' | 'version' | 'help' | 'test-memory' | 'check-system';
  /** Absolute path of the config file (first argument not starting with '-'), or null. */
  configFile: string | null;
  /** Config text built from the `--name value` arguments (appended after file and stdin). */
  options: string;
  /** "-" as first or last argument: read config from stdin too. */
  readStdin: boolean;
}

/** redis-server's main() argument handling. `argv` excludes the program name (process.argv.slice(2)). */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const res: CommandLine = { action: 'run', configFile: null, options: '', readStdin: false };
  // C argv indexes: argv[0] is the program, so the first real argument has j === 1.
  const args = ['strata-server', ...argv];
  const argc = args.length;
  if (argc < 2) return res;
  const a1 = args[1];
  if (a1 === '-v' || a1 === '--version') return { ...res, action: 'version' };
  if (a1 === '--help' || a1 === '-h') return { ...res, action: 'help' };
  if (a1 === '--test-memory') return { ...res, action: 'test-memory' };
  if (a1 === '--check-system') return { ...res, action: 'check-system' };
  let j = 1;
  if (a1[0] !== '-') {
    res.configFile = path.resolve(a1);
    j = 2;
  }
  let options = '';
  let handledLast = true;
  while (j < argc) {
    const a = args[j];
    if (a === '-' && (j === 1 || j === argc - 1)) {
      res.readStdin = true;
    } else if (handledLast && a[0] === '-' && a[1] === '-') {
      if (options.length) options += '\n';
      options += a.slice(2) + ' ';
      const toks = splitArgs(a);
      if (toks !== null && toks.length === 1) {
        handledLast = false;
        const next = j !== argc - 1 ? args[j + 1] : null;
        const lower = a.toLowerCase();
        if (next !== null && next[0] === '-' && next[1] === '-' && lower === '--save') {
          options += '""';
          handledLast = true;
        } else if (next === null && lower === '--save') {
          options += '""';
        } else if (next !== null && next[0] === '-' && next[1] === '-' && lower === '--sentinel') {
          handledLast = true;
        }
      } else {
        handledLast = true;
      }
    } else {
      options += repr(a) + ' ';
      handledLast = true;
    }
    j++;
  }
  res.options = options;
  return res;
}

// ---------------------------------------------------------------------------------------------------
// Loading

export interface LoadResult {
  ok: boolean;
  /**
   * The text to print (to stderr) before exiting with status 1. For config errors it is Redis' block
   * "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n...": for a file that cannot be opened it is the
   * one-line log message Redis prints ("Fatal error, can't open config file ...").
   */
  error?: string;
  errorKind?: 'config' | 'open';
  /** Directives Strata accepts but ignores, set to a non-default value (worth a log warning). */
  warnings: string[];
  /** `user <name> <rules...>` lines, for the ACL module to apply at start-up (in order). */
  users: string[][];
  /** `rename-command <from> <to>` lines ("" = remove), for the command table. */
  renames: [string, string][];
}

const DEPRECATED: [string, number, number][] = [
  ['list-max-ziplist-entries', 2, 2],
  ['list-max-ziplist-value', 2, 2],
  ['lua-replicate-commands', 2, 2],
];

let configFile: string | null = null;
/** Absolute path of the loaded config file (CONFIG REWRITE target), or null when running without one. */
export function configFilePath(): string | null {
  return configFile;
}
/** For tests and embedders: sets (or clears) the file CONFIG REWRITE writes. */
export function setConfigFilePath(p: string | null): void {
  configFile = p === null ? null : path.resolve(p);
}

let readingConfigFile = false;

class LoadError extends Error {
  constructor(
    readonly text: string,
    readonly kind: 'config' | 'open',
  ) {
    super(text);
  }
}

function fatal(err: string, lineno?: number, line?: string): LoadError {
  let t = `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\n`;
  if (lineno !== undefined) t += `Reading the configuration file, at line ${lineno}\n>>> '${line}'\n`;
  t += err;
  return new LoadError(t, 'config');
}

function hasWildcard(p: string): boolean {
  return p.indexOf('*') !== -1 || p.indexOf('?') !== -1 || p.indexOf('[') !== -1;
}

/** glob(3) for include patterns: wildcards in any path component, sorted, dot-files need an explicit dot. */
function globFiles(pattern: string): string[] {
  const abs = path.resolve(config.dir, pattern);
  const parts = abs.split('/').filter((x, i) => i === 0 || x.length > 0);
  let bases = ['/'];
  for (let i = 1; i < parts.length; i++) {
    const comp = parts[i];
    const next: string[] = [];
    for (const b of bases) {
      if (!hasWildcard(comp)) {
        const p = path.join(b, comp);
        if (fs.existsSync(p)) next.push(p);
        continue;
      }
      let names: string[];
      try {
        names = fs.readdirSync(b);
      } catch {
        continue;
      }
      names.sort();
      for (const nm of names) {
        if (nm[0] === '.' && comp[0] !== '.') continue;
        // glob(3) negates classes with '!' too
        if (stringmatch(comp.replace(/\[!/g, '[^'), nm, false)) next.push(path.join(b, nm));
      }
    }
    bases = next;
  }
  return bases;
}

function readConfigFile(p: string): string {
  try {
    return fs.readFileSync(p).toString('latin1');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') return ''; // fopen() succeeds on a directory, fgets() reads nothing
    throw new LoadError(`Fatal error, can't open config file '${p}': ${errText(e)}`, 'open');
  }
}
function errText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const m: Record<string, string> = {
    ENOENT: 'No such file or directory',
    EACCES: 'Permission denied',
    ENOTDIR: 'Not a directory',
    ELOOP: 'Too many levels of symbolic links',
  };
  return (code && m[code]) || (e as Error).message;
}

/** Redis loadServerConfig(filename, ...) for the file part: a single file or a glob pattern. */
function readFileOrGlob(p: string): string {
  if (hasWildcard(p)) {
    let text = '';
    for (const f of globFiles(p)) text += readConfigFile(f);
    return text;
  }
  return readConfigFile(path.resolve(config.dir, p));
}

interface Collect {
  users: string[][];
  renames: [string, string][];
  moduleConfigs: Map<string, string>;
}

function loadFromString(text: string, col: Collect): void {
  readingConfigFile = true;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineno = i + 1;
    const line = trimChars(lines[i], ' \t\r\n');
    if (line.length === 0 || line[0] === '#') continue;
    const argv = splitArgs(line);
    if (argv === null) throw fatal('Unbalanced quotes in configuration line', lineno, line);
    if (argv.length === 0) continue;
    const name = argv[0].toLowerCase();
    const entry = lookupDirective(name);
    if (entry) {
      const d: Directive = entry.def;
      if (!(d.flags & MULTI_ARG) && argv.length !== 2) throw fatal('wrong number of arguments', lineno, line);
      const r = setDirective(d, argv.slice(1), { readingFile: readingConfigFile, startup: true });
      if (typeof r === 'string') throw fatal(r, lineno, line);
      continue;
    }
    if (DEPRECATED.some(([n, lo, hi]) => n === name && argv.length >= lo && argv.length <= hi)) continue;
    if (name === 'include' && argv.length === 2) {
      loadFromString(readFileOrGlob(argv[1]), col);
    } else if (name === 'rename-command' && argv.length === 3) {
      col.renames.push([argv[1], argv[2]]);
    } else if (name === 'user' && argv.length >= 2) {
      col.users.push(argv.slice(1));
    } else if (name === 'loadmodule' && argv.length >= 2) {
      throw fatal('loadmodule is not supported by Strata (it has no module API)', lineno, line);
    } else if (name.indexOf('.') !== -1) {
      if (argv.length !== 2) throw fatal('Module config specified without value', lineno, line);
      col.moduleConfigs.set(argv[0], argv[1]);
    } else if (name === 'sentinel') {
      if (argv.length !== 1) throw fatal('sentinel directive while not in sentinel mode', lineno, line);
    } else {
      throw fatal('Bad directive or wrong number of arguments', lineno, line);
    }
  }

  const logfile = config.logfile;
  if (logfile.length > 0) {
    try {
      fs.closeSync(fs.openSync(path.resolve(config.dir, logfile), 'a'));
    } catch (e) {
      throw fatal(`Can't open the log file: ${errText(e)}`);
    }
  }
  if (config['cluster-enabled'] && config.replicaof) throw fatal('replicaof directive not allowed in cluster mode');
  readingConfigFile = false;
}

export interface LoadOptions {
  /** Config file path (relative to the current directory), or null/undefined for none. */
  configFile?: string | null;
  /** Text read from stdin ("-" on the command line), appended after the file. */
  stdin?: string | null;
  /** Extra config text, appended after a newline (what parseCommandLine() builds from `--name value`). */
  options?: string | null;
  /** Keep the current values instead of starting from the defaults (default: reset first). */
  keepCurrent?: boolean;
}

/**
 * Redis loadServerConfig(): resets every directive to its default, then loads file + stdin + options.
 * Remembers the file for CONFIG REWRITE. Never exits: on error, `ok` is false and `error` holds the text.
 */
export function loadConfig(opts: LoadOptions = {}): LoadResult {
  const col: Collect = { users: [], renames: [], moduleConfigs: new Map() };
  const res: LoadResult = { ok: true, warnings: [], users: col.users, renames: col.renames };
  if (!opts.keepCurrent) resetConfig();
  const file = opts.configFile ? path.resolve(opts.configFile) : null;
  configFile = file;
  try {
    let text = '';
    if (file !== null) text += readFileOrGlob(file);
    if (opts.stdin) text += opts.stdin;
    if (opts.options) text += '\n' + opts.options;
    loadFromString(text, col);
    if (col.moduleConfigs.size > 0)
      throw new LoadError(
        'Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting',
        'open',
      );
  } catch (e) {
    readingConfigFile = false;
    if (e instanceof LoadError) {
      res.ok = false;
      res.error = e.text;
      res.errorKind = e.kind;
      return res;
    }
    throw e;
  }
  for (const d of allDirectives()) {
    if (d.support === 'compat' && d.get() !== d.defaultText && d.name !== 'dir')
      res.warnings.push(`${d.name} is accepted for Redis compatibility but has no effect in Strata`);
  }
  return res;
}

/** Loads plain config text (no file; CONFIG REWRITE will answer that there is no config file). */
export function loadConfigFromString(text: string, keepCurrent = false): LoadResult {
  return loadConfig({ options: null, stdin: text, keepCurrent });
}

/**
 * Everything redis-server does with its arguments: parse argv, read the file, stdin ("-") and the
 * `--name value` overrides. `readStdin` is called only when "-" is present.
 */
export function loadFromCommandLine(
  argv: readonly string[],
  readStdin: () => string = () => fs.readFileSync(0).toString('latin1'),
): LoadResult & { commandLine: CommandLine } {
  const cl = parseCommandLine(argv);
  if (cl.action !== 'run') return { ok: true, warnings: [], users: [], renames: [], commandLine: cl };
  const r = loadConfig({
    configFile: cl.configFile,
    stdin: cl.readStdin ? readStdin() : null,
    options: cl.options,
  });
  return { ...r, commandLine: cl };
}

// The command table: commands/*.json (generated from redis-server 7.0.15 by tools/gen-commands.js) plus
// the handlers registered for them. It answers the dispatcher's questions (which command, arity, flags),
// extracts key positions from key specs (cluster routing, ACL, COMMAND GETKEYS) and feeds COMMAND
// INFO/DOCS/COUNT/LIST.
//
// Rules (Redis 7.0 semantics):
// - Only commands with a registered handler exist. A container (CONFIG, CLIENT, ...) exists when it has a
//   handler itself or at least one registered subcommand; its unregistered subcommands do not exist.
// - lookupCommand() follows processCommand(): unknown command, unknown subcommand of a container, then
//   arity, with Redis' exact error texts.
// - getKeys() follows getKeysFromCommandWithSpecs(): key specs when they are all reliable, else the
//   native getkeys function Redis has for that command (EVAL, SORT, MIGRATE, SET, ... see NATIVE_GETKEYS),
//   and the legacy first/last/step range for hand-written specs without key_specs.
import * as fs from 'fs';
import * as path from 'path';
import type { Handler } from './context';
import type { CmdStat } from './state';
import { E, unknownCommand } from '../protocol/errors';
import { string2ll, atoi } from '../util/strconv';

// ---- JSON format -------------------------------------------------------------------------------

/** begin_search.spec / find_keys.spec: integers, except `keyword` (a string). */
export interface KeySpecSearchJson {
  type: string; // 'index' | 'keyword' | 'unknown' (begin_search); 'range' | 'keynum' | 'unknown' (find_keys)
  spec: Record<string, number | string>;
}
export interface KeySpecJson {
  notes?: string;
  /** Redis' names and order: RO RW OW RM access update insert delete not_key incomplete variable_flags */
  flags: string[];
  begin_search: KeySpecSearchJson;
  find_keys: KeySpecSearchJson;
}
/** One COMMAND DOCS argument; keys in the order Redis sends them (strings are bulk, numbers integers). */
export interface CommandArgJson {
  name: string;
  type: string;
  key_spec_index?: number;
  token?: string;
  summary?: string;
  since?: string;
  /** optional, multiple, multiple_token */
  flags?: string[];
  deprecated_since?: string;
  arguments?: CommandArgJson[];
}
export interface CommandJson {
  /** Lower-case full name: 'get', or 'config|get' for a subcommand. */
  name: string;
  /** For a subcommand: the container's name ('config'). */
  container?: string;
  // COMMAND DOCS fields (serialized in this order)
  summary?: string;
  since?: string;
  group: string;
  complexity?: string;
  module?: string;
  doc_flags?: string[];
  deprecated_since?: string;
  replaced_by?: string;
  history?: [string, string][];
  // COMMAND INFO fields (serialized in this order)
  arity: number;
  flags: string[];
  /** Flags COMMAND INFO does not show (Redis hides them on purpose): 'protected', 'may_replicate'. */
  hidden_flags?: string[];
  /** Name in the wrong-arity error when it is not the table name (Garnet's RI.* say 'RI.SET'); not in COMMAND. */
  error_name?: string;
  first_key: number;
  last_key: number;
  step: number;
  acl_categories: string[];
  tips: string[];
  key_specs: KeySpecJson[];
  arguments?: CommandArgJson[];
}

/** One key found in a command line: argv position and CMD_KEY_* flag bits (0 when Redis gives none). */
export interface KeyRef {
  pos: number;
  flags: number;
}

// Key-spec flag bits, in the order COMMAND INFO / GETKEYSANDFLAGS print them.
export const KEY_RO = 1 << 0;
export const KEY_RW = 1 << 1;
export const KEY_OW = 1 << 2;
export const KEY_RM = 1 << 3;
export const KEY_ACCESS = 1 << 4;
export const KEY_UPDATE = 1 << 5;
export const KEY_INSERT = 1 << 6;
export const KEY_DELETE = 1 << 7;
export const KEY_NOT_KEY = 1 << 8;
export const KEY_INCOMPLETE = 1 << 9;
export const KEY_VARIABLE_FLAGS = 1 << 10;
export const KEY_FLAG_NAMES: readonly string[] = [
  'RO', 'RW', 'OW', 'RM', 'access', 'update', 'insert', 'delete', 'not_key', 'incomplete', 'variable_flags',
];

/** Redis' ACL categories in its own order (the order of COMMAND INFO and ACL CAT), without '@'. */
export const ACL_CATEGORY_NAMES: readonly string[] = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo',
  'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
];

interface CompiledKeySpec {
  flags: number;
  /** 0 unknown, 1 index, 2 keyword */
  bs: number;
  pos: number;
  keyword: string; // lower case
  startfrom: number;
  /** 0 unknown, 1 range, 2 keynum */
  fk: number;
  lastkey: number;
  keystep: number;
  limit: number;
  keynumidx: number;
  firstkey: number;
}

type NativeGetKeys = (argv: readonly string[]) => KeyRef[];

export interface CommandSpec extends CommandJson {
  /** 'get' or 'config|get' */
  fullName: string;
  /** For a subcommand, its own name ('get' of 'config|get'); for a command, fullName. */
  subName: string;
  handler: Handler | null;
  /** INFO commandstats counters, created on first call (kept here so the dispatcher needs no map lookup). */
  stat?: CmdStat;
  /** Containers only: every loaded subcommand by lower-case name (registered or not), sorted by name. */
  subcommands: Map<string, CommandSpec> | null;
  parent: CommandSpec | null;
  /** True when the command exists (has a handler, or is a container with a registered subcommand). */
  registered: boolean;
  /** ACL category bits: bit i = ACL_CATEGORY_NAMES[i]. */
  aclCategoryBits: number;
  // precomputed from `flags`
  isWrite: boolean;
  isReadonly: boolean;
  isAdmin: boolean;
  noAuth: boolean;
  noScript: boolean;
  loading: boolean;
  stale: boolean;
  fast: boolean;
  /** "fast" or documented as O(1): cheap enough that the dispatcher samples its timing. */
  constantTime: boolean;
  movableKeys: boolean;
  denyOom: boolean;
  pubsub: boolean;
  skipMonitor: boolean;
  skipSlowlog: boolean;
  allowBusy: boolean;
  blocking: boolean;
  noMulti: boolean;
  noMandatoryKeys: boolean;
  asking: boolean;
  noAsyncLoading: boolean;
  /** EXEC: its own argv is never propagated (the commands it ran are). */
  noSelfPropagate: boolean;
  /** hidden 'protected' flag: DEBUG (enable-debug-command), MODULE LOAD/UNLOAD (enable-module-command) */
  isProtected: boolean;
  /** hidden 'may_replicate' flag */
  mayReplicate: boolean;
  /** doesCommandHaveKeys(): the command may have key arguments (getKeys can return something). */
  hasKeys: boolean;
  /** Key extraction: 0 no keys at all, 1 one fixed position (keyPos), 2 general. */
  keyMode: number;
  keyPos: number;
  /** internal */
  _ks: CompiledKeySpec[];
  _hasKeySpec: boolean;
  _hasVarFlags: boolean;
  _native: NativeGetKeys | null;
  /** internal: registered subcommands keyed by lower- and upper-case name */
  _subLookup: Map<string, CommandSpec> | null;
}

// ---- table state -------------------------------------------------------------------------------

const DEFAULT_DIR = path.join(__dirname, '../../commands');

/** Every loaded top-level spec by lower-case name. */
let specs = new Map<string, CommandSpec>();
/** Registered top-level commands by lower- and upper-case name. */
let lookupMap = new Map<string, CommandSpec>();
let registeredList: CommandSpec[] = [];
let loaded = false;
let generation = 0;

/** Changes whenever the table or its registrations change (cache key for COMMAND replies). */
export function tableGeneration(): number {
  return generation;
}

function ensureLoaded(): void {
  if (!loaded) loadCommandTable();
}

function compileKeySpec(ks: KeySpecJson, name: string): CompiledKeySpec {
  let flags = 0;
  for (const f of ks.flags) {
    const i = KEY_FLAG_NAMES.indexOf(f);
    if (i < 0) throw new Error(`commands/${name}: unknown key spec flag '${f}'`);
    flags |= 1 << i;
  }
  const b = ks.begin_search;
  const f = ks.find_keys;
  const num = (o: Record<string, number | string>, k: string): number => (typeof o[k] === 'number' ? (o[k] as number) : 0);
  return {
    flags,
    bs: b.type === 'index' ? 1 : b.type === 'keyword' ? 2 : 0,
    pos: num(b.spec, 'index'),
    keyword: typeof b.spec.keyword === 'string' ? b.spec.keyword.toLowerCase() : '',
    startfrom: num(b.spec, 'startfrom'),
    fk: f.type === 'range' ? 1 : f.type === 'keynum' ? 2 : 0,
    lastkey: num(f.spec, 'lastkey'),
    keystep: num(f.spec, 'keystep'),
    limit: num(f.spec, 'limit'),
    keynumidx: num(f.spec, 'keynumidx'),
    firstkey: num(f.spec, 'firstkey'),
  };
}

/** Builds a CommandSpec from its JSON (not registered anywhere; loadCommandTable uses this). */
export function specFromJson(json: CommandJson): CommandSpec {
  const name = json.name.toLowerCase();
  const bar = name.indexOf('|');
  const fl = new Set(json.flags);
  const ks = (json.key_specs ?? []).map((k) => compileKeySpec(k, name));
  let aclBits = 0;
  for (const cat of json.acl_categories ?? []) {
    const i = ACL_CATEGORY_NAMES.indexOf(cat.replace(/^@/, '').toLowerCase());
    if (i >= 0) aclBits |= 1 << i;
  }
  let hasKeySpec = false;
  let hasVarFlags = false;
  for (const k of ks) {
    if (!(k.flags & KEY_NOT_KEY)) hasKeySpec = true;
    if (k.flags & KEY_VARIABLE_FLAGS) hasVarFlags = true;
  }
  const native = NATIVE_GETKEYS[name] ?? null;
  const spec: CommandSpec = {
    ...json,
    name,
    tips: json.tips ?? [],
    key_specs: json.key_specs ?? [],
    acl_categories: json.acl_categories ?? [],
    fullName: name,
    subName: bar === -1 ? name : name.slice(bar + 1),
    handler: null,
    subcommands: null,
    parent: null,
    registered: false,
    aclCategoryBits: aclBits,
    isWrite: fl.has('write'),
    isReadonly: fl.has('readonly'),
    isAdmin: fl.has('admin'),
    noAuth: fl.has('no_auth'),
    noScript: fl.has('noscript'),
    loading: fl.has('loading'),
    stale: fl.has('stale'),
    fast: fl.has('fast'),
    constantTime: fl.has('fast') || json.complexity === 'O(1)',
    movableKeys: fl.has('movablekeys'),
    denyOom: fl.has('denyoom'),
    pubsub: fl.has('pubsub'),
    skipMonitor: fl.has('skip_monitor'),
    skipSlowlog: fl.has('skip_slowlog'),
    allowBusy: fl.has('allow_busy'),
    blocking: fl.has('blocking'),
    noMulti: fl.has('no_multi'),
    noMandatoryKeys: fl.has('no_mandatory_keys'),
    asking: fl.has('asking'),
    noAsyncLoading: fl.has('no_async_loading'),
    noSelfPropagate: json.name === 'exec',
    isProtected: (json.hidden_flags ?? []).includes('protected'),
    mayReplicate: (json.hidden_flags ?? []).includes('may_replicate'),
    hasKeys: false,
    keyMode: 2,
    keyPos: 0,
    _ks: ks,
    _hasKeySpec: hasKeySpec,
    _hasVarFlags: hasVarFlags,
    _native: native,
    _subLookup: null,
  };
  // Fast paths for getKeys: no keys at all, or exactly one key at a fixed index (GET, SET without GET...).
  if (ks.length === 0 && native === null && !(json.first_key > 0)) spec.keyMode = 0;
  else if (
    ks.length === 1 &&
    native === null &&
    hasKeySpec &&
    !hasVarFlags &&
    ks[0].bs === 1 &&
    ks[0].fk === 1 &&
    ks[0].lastkey === 0 &&
    !(ks[0].flags & KEY_INCOMPLETE)
  ) {
    spec.keyMode = 1;
    spec.keyPos = ks[0].pos;
  }
  spec.hasKeys = spec.keyMode !== 0 && (native !== null || hasKeySpec || (ks.length === 0 && json.first_key > 0));
  return spec;
}

/**
 * Loads every *.json of `dir` (default: the package's commands/), replacing the current table and
 * dropping all handler registrations. Throws on malformed files.
 */
export function loadCommandTable(dir: string = DEFAULT_DIR): void {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  const top = new Map<string, CommandSpec>();
  const subs: CommandSpec[] = [];
  for (const f of files) {
    let json: CommandJson;
    try {
      json = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    } catch (e) {
      throw new Error(`commands/${f}: ${(e as Error).message}`);
    }
    if (typeof json.name !== 'string' || typeof json.arity !== 'number' || !Array.isArray(json.flags)) {
      throw new Error(`commands/${f}: missing name, arity or flags`);
    }
    const spec = specFromJson(json);
    if (spec.container !== undefined || spec.fullName.includes('|')) subs.push(spec);
    else {
      if (top.has(spec.fullName)) throw new Error(`commands/${f}: duplicate command '${spec.fullName}'`);
      top.set(spec.fullName, spec);
    }
  }
  subs.sort((a, b) => (a.fullName < b.fullName ? -1 : a.fullName > b.fullName ? 1 : 0));
  for (const s of subs) {
    const cname = (s.container ?? s.fullName.slice(0, s.fullName.indexOf('|'))).toLowerCase();
    const parent = top.get(cname);
    if (!parent) throw new Error(`commands: subcommand '${s.fullName}' has no container '${cname}'.json`);
    if (s.fullName !== cname + '|' + s.subName) throw new Error(`commands: subcommand '${s.fullName}' does not match container '${cname}'`);
    s.parent = parent;
    if (parent.subcommands === null) parent.subcommands = new Map();
    if (parent.subcommands.has(s.subName)) throw new Error(`commands: duplicate subcommand '${s.fullName}'`);
    parent.subcommands.set(s.subName, s);
  }
  specs = top;
  loaded = true;
  rebuild();
}

function rebuild(): void {
  const m = new Map<string, CommandSpec>();
  const list: CommandSpec[] = [];
  for (const spec of specs.values()) {
    let anySub = false;
    if (spec.subcommands !== null) {
      const sl = new Map<string, CommandSpec>();
      for (const sub of spec.subcommands.values()) {
        sub.registered = sub.handler !== null;
        if (sub.registered) {
          anySub = true;
          sl.set(sub.subName, sub);
          sl.set(sub.subName.toUpperCase(), sub);
        }
      }
      spec._subLookup = sl;
    }
    spec.registered = spec.handler !== null || anySub;
    if (spec.registered) {
      m.set(spec.fullName, spec);
      m.set(spec.fullName.toUpperCase(), spec);
      list.push(spec);
    }
  }
  lookupMap = m;
  registeredList = list;
  generation++;
}

/** Any loaded spec by full name ('get', 'config|get'), registered or not. */
export function getSpec(fullName: string): CommandSpec | undefined {
  ensureLoaded();
  const n = fullName.toLowerCase();
  const bar = n.indexOf('|');
  if (bar === -1) return specs.get(n);
  return specs.get(n.slice(0, bar))?.subcommands?.get(n.slice(bar + 1));
}

/** Every loaded top-level spec (registered or not), sorted by name. */
export function allSpecs(): CommandSpec[] {
  ensureLoaded();
  return [...specs.values()];
}

/** Registers handlers by full name ('get', 'config|get'). Throws when a name has no JSON spec. */
export function registerHandlers(map: Record<string, Handler>): void {
  ensureLoaded();
  for (const name of Object.keys(map)) {
    const spec = getSpec(name);
    if (spec === undefined) throw new Error(`registerHandlers: command '${name}' has no commands/*.json spec`);
    const h = map[name];
    if (typeof h !== 'function') throw new Error(`registerHandlers: handler for '${name}' is not a function`);
    if (spec.handler !== null && spec.handler !== h) {
      throw new Error(`registerHandlers: command '${name}' already has a different handler`);
    }
    spec.handler = h;
  }
  rebuild();
}

/** Removes every handler registration (tests). */
export function clearHandlers(): void {
  ensureLoaded();
  for (const spec of specs.values()) {
    spec.handler = null;
    if (spec.subcommands) for (const s of spec.subcommands.values()) s.handler = null;
  }
  rebuild();
}

/**
 * Requires every handler module under `dir` (recursively, .js or .ts, not .d.ts/.map/.test.*) and
 * registers each module's exported `commands: Record<string, Handler>`. Returns the files loaded.
 */
export function loadHandlerModules(dir: string = path.join(__dirname, '../handlers')): string[] {
  ensureLoaded();
  const files: string[] = [];
  const walk = (d: string): void => {
    const entries = fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (
        (e.name.endsWith('.js') || e.name.endsWith('.ts')) &&
        !e.name.endsWith('.d.ts') &&
        !/\.(test|spec)\.[jt]s$/.test(e.name)
      ) {
        files.push(p);
      }
    }
  };
  if (!fs.existsSync(dir)) return files;
  walk(dir);
  for (const f of files) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mod = require(f);
    if (mod && mod.commands && typeof mod.commands === 'object') registerHandlers(mod.commands);
  }
  return files;
}

/** Registered top-level commands (sorted by name). */
export function allCommands(): CommandSpec[] {
  ensureLoaded();
  return registeredList;
}

/** Registered subcommands of a container, sorted by name (empty for plain commands). */
export function registeredSubcommands(spec: CommandSpec): CommandSpec[] {
  const out: CommandSpec[] = [];
  if (spec.subcommands) for (const s of spec.subcommands.values()) if (s.handler !== null) out.push(s);
  return out;
}

// ---- lookup ------------------------------------------------------------------------------------

function lookupTop(name: string): CommandSpec | undefined {
  const s = lookupMap.get(name);
  if (s !== undefined) return s;
  return lookupMap.get(name.toLowerCase());
}

function lookupSub(container: CommandSpec, name: string): CommandSpec | undefined {
  const m = container._subLookup!;
  const s = m.get(name);
  if (s !== undefined) return s;
  return m.get(name.toLowerCase());
}

/** Redis' arity rule: exact when positive, minimum when negative. */
export function arityOk(spec: CommandSpec, argc: number): boolean {
  const a = spec.arity;
  return a >= 0 ? argc === a : argc >= -a;
}

/**
 * lookupCommand() of Redis (non-strict): argv[0] is the command, argv[1] the subcommand of a container.
 * Registered commands only; no arity check. `start` skips leading argv entries (COMMAND GETKEYS).
 */
export function findCommand(argv: readonly string[], start = 0): CommandSpec | null {
  ensureLoaded();
  const argc = argv.length - start;
  if (argc <= 0) return null;
  const base = lookupTop(argv[start]);
  if (base === undefined) return null;
  if (argc === 1 || base.subcommands === null) return base;
  return lookupSub(base, argv[start + 1]) ?? null;
}

/**
 * lookupCommandBySds() of Redis: 'get' or 'config|get' (one level, case-insensitive, strict), as used by
 * COMMAND INFO/DOCS and ACL rules. Registered commands only.
 */
export function findCommandByFullName(name: string): CommandSpec | null {
  ensureLoaded();
  const bar = name.indexOf('|');
  if (bar === -1) {
    if (name.length === 0) return null;
    return lookupTop(name) ?? null;
  }
  if (name.indexOf('|', bar + 1) !== -1) return null;
  const base = lookupTop(name.slice(0, bar));
  if (base === undefined || base.subcommands === null) return null;
  return lookupSub(base, name.slice(bar + 1)) ?? null;
}

export interface LookupResult {
  /** Set only on success: run this command. */
  spec?: CommandSpec;
  /** The error to reply with (no leading '-'), set exactly when `spec` is not. */
  error?: string;
  /** On an arity error: the command that was found (Redis counts a rejected call against it). */
  known?: CommandSpec;
}

/**
 * processCommand()'s lookup of Redis 7.0: unknown command, then unknown subcommand of a container, then
 * arity. On success `{spec}`; otherwise `{error}` (plus `known` for an arity error).
 */
export function lookupCommand(argv: readonly string[]): LookupResult {
  ensureLoaded();
  const argc = argv.length;
  if (argc === 0) return { error: unknownCommand(['']) };
  const base = lookupTop(argv[0]);
  if (base === undefined) return { error: unknownCommand(argv) };
  let spec: CommandSpec = base;
  if (argc > 1 && base.subcommands !== null) {
    const sub = lookupSub(base, argv[1]);
    if (sub === undefined) return { error: E.unknownSub(argv[1], asciiUpper(argv[0])) };
    spec = sub;
  }
  const a = spec.arity;
  if (a >= 0 ? argc !== a : argc < -a) return { known: spec, error: E.wrongArity(spec.error_name ?? spec.fullName) };
  if (spec.handler === null) {
    // A container without a handler of its own, called with a valid arity (never the case for Redis'
    // containers, whose arity is -2): behave as an unknown command.
    return { error: unknownCommand(argv) };
  }
  return { spec };
}

function asciiUpper(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 97 && c <= 122 ? String.fromCharCode(c - 32) : s[i];
  }
  return out;
}

// ---- key extraction ----------------------------------------------------------------------------

/** strcasecmp(a, b) == 0 with C-string semantics (a stops at NUL); b is lower-case ASCII. */
function cstrEqLower(a: string, b: string): boolean {
  let n = a.indexOf('\0');
  if (n === -1) n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) {
    let c = a.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== b.charCodeAt(i)) return false;
  }
  return true;
}

const toInt = (n: number): number => n | 0;

/** getKeysUsingKeySpecs(GET_KEYSPEC_DEFAULT): keys, or null for an invalid/incomplete spec. */
function keysFromSpecs(spec: CommandSpec, argv: readonly string[]): KeyRef[] | null {
  const argc = argv.length;
  const out: KeyRef[] = [];
  for (const ks of spec._ks) {
    if (ks.flags & KEY_NOT_KEY) continue;
    let first = 0;
    if (ks.bs === 1) first = ks.pos;
    else if (ks.bs === 2) {
      const sf = ks.startfrom;
      const startIndex = sf > 0 ? sf : argc + sf;
      const endIndex = sf > 0 ? argc - 1 : 1;
      for (let i = startIndex; i !== endIndex; i = startIndex <= endIndex ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (cstrEqLower(argv[i], ks.keyword)) {
          first = i + 1;
          break;
        }
      }
      if (!first) continue; // keyword not found
    } else return null;

    let last: number;
    let step: number;
    if (ks.fk === 1) {
      step = ks.keystep;
      if (ks.lastkey >= 0) last = first + ks.lastkey;
      else if (!ks.limit) last = argc + ks.lastkey;
      else last = first + toInt(Math.trunc((argc - first) / ks.limit) + ks.lastkey);
    } else if (ks.fk === 2) {
      step = ks.keystep;
      const idx = first + ks.keynumidx;
      if (idx >= argc || idx < 0) return null;
      const numkeys = string2ll(argv[idx]);
      if (numkeys === null || numkeys < 0n) return null;
      first += ks.firstkey;
      last = toInt(first + Number(BigInt.asIntN(32, numkeys)) - 1);
    } else return null;

    if (last >= argc || last < first || first >= argc) return null;
    if (step < 1) return null; // never the case in Redis' specs; avoids an endless loop
    for (let i = first; i <= last; i += step) {
      if (i >= argc || i < first) continue;
      out.push({ pos: i, flags: ks.flags });
    }
    if (ks.flags & KEY_INCOMPLETE) return null;
  }
  return out;
}

function keysFromLegacyRange(spec: CommandSpec, argv: readonly string[]): KeyRef[] {
  const argc = argv.length;
  const first = spec.first_key;
  if (!(first > 0)) return [];
  let last = spec.last_key;
  const step = spec.step > 0 ? spec.step : 1;
  if (last < 0) last = argc + last;
  const out: KeyRef[] = [];
  for (let j = first; j <= last; j += step) {
    if (j >= argc) return [];
    out.push({ pos: j, flags: 0 });
  }
  return out;
}

/**
 * getKeysFromCommandWithSpecs(GET_KEYSPEC_DEFAULT) of Redis 7.0: key positions in `argv` (argv[0] is the
 * command name) with their CMD_KEY_* flags.
 */
export function getKeysWithFlags(spec: CommandSpec, argv: readonly string[]): KeyRef[] {
  if (spec.keyMode === 0) return [];
  if (spec.keyMode === 1) {
    return spec.keyPos < argv.length ? [{ pos: spec.keyPos, flags: spec._ks[0].flags }] : [];
  }
  if (spec._hasKeySpec && !spec._hasVarFlags) {
    const r = keysFromSpecs(spec, argv);
    if (r !== null) return r;
  }
  if (spec._native !== null) return spec._native(argv);
  if (spec._ks.length === 0) return keysFromLegacyRange(spec, argv);
  return [];
}

/** Key positions in `argv` (argv[0] is the command name); [] for commands without keys. */
export function getKeys(spec: CommandSpec, argv: readonly string[]): number[] {
  if (spec.keyMode === 0) return [];
  if (spec.keyMode === 1) return spec.keyPos < argv.length ? [spec.keyPos] : [];
  const refs = getKeysWithFlags(spec, argv);
  const out = new Array<number>(refs.length);
  for (let i = 0; i < refs.length; i++) out[i] = refs[i].pos;
  return out;
}

const flagNameCache = new Map<number, readonly string[]>();
/** Key flag bits → Redis' names in Redis' order. */
export function keyFlagNames(flags: number): readonly string[] {
  let r = flagNameCache.get(flags);
  if (r === undefined) {
    const a: string[] = [];
    for (let i = 0; i < KEY_FLAG_NAMES.length; i++) if (flags & (1 << i)) a.push(KEY_FLAG_NAMES[i]);
    r = a;
    flagNameCache.set(flags, r);
  }
  return r;
}

// Redis' native getkeys_proc functions (db.c, 7.0), used when the key specs cannot answer.

function genericGetKeys(storeKeyOfs: number, keyCountOfs: number, firstKeyOfs: number, keyStep: number, argv: readonly string[]): KeyRef[] {
  const argc = argv.length;
  if (keyCountOfs >= argc) return [];
  const num = atoi(argv[keyCountOfs]);
  if (num < 1 || num > Math.trunc((argc - firstKeyOfs) / keyStep)) return [];
  const out: KeyRef[] = [];
  for (let i = 0; i < num; i++) out.push({ pos: firstKeyOfs + i * keyStep, flags: 0 });
  if (storeKeyOfs) out.push({ pos: storeKeyOfs, flags: 0 });
  return out;
}

function sortGetKeys(argv: readonly string[]): KeyRef[] {
  const argc = argv.length;
  const keys: KeyRef[] = [{ pos: 1, flags: KEY_RO | KEY_ACCESS }];
  let store: KeyRef | null = null;
  for (let i = 2; i < argc; i++) {
    const a = argv[i];
    if (cstrEqLower(a, 'limit')) i += 2;
    else if (cstrEqLower(a, 'store') && i + 1 < argc) store = { pos: i + 1, flags: KEY_OW | KEY_UPDATE };
    else if (cstrEqLower(a, 'get') || cstrEqLower(a, 'by')) i += 1;
  }
  if (store) keys.push(store);
  return keys;
}

function migrateGetKeys(argv: readonly string[]): KeyRef[] {
  const argc = argv.length;
  let first = 3;
  let num = 1;
  // MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw] [AUTH2 user pw] [KEYS key...]
  if (argc > 6) {
    for (let i = 6; i < argc; i++) {
      const a = argv[i];
      if (cstrEqLower(a, 'keys')) {
        if (argv[3].length > 0) return []; // KEYS with a non-empty key argument
        first = i + 1;
        num = argc - first;
        break;
      }
      if (cstrEqLower(a, 'auth')) i += 1;
      else if (cstrEqLower(a, 'auth2')) i += 2;
    }
  }
  const out: KeyRef[] = [];
  for (let i = 0; i < num; i++) out.push({ pos: first + i, flags: KEY_RW | KEY_ACCESS | KEY_DELETE });
  return out;
}

function georadiusGetKeys(argv: readonly string[]): KeyRef[] {
  const argc = argv.length;
  let stored = -1;
  for (let i = 5; i < argc; i++) {
    const a = argv[i];
    if ((cstrEqLower(a, 'store') || cstrEqLower(a, 'storedist')) && i + 1 < argc) {
      stored = i + 1;
      i++;
    }
  }
  const out: KeyRef[] = [{ pos: 1, flags: 0 }];
  if (stored !== -1) out.push({ pos: stored, flags: 0 });
  return out;
}

function xreadGetKeys(argv: readonly string[]): KeyRef[] {
  const argc = argv.length;
  let streamsPos = -1;
  for (let i = 1; i < argc; i++) {
    const a = argv[i];
    if (cstrEqLower(a, 'block') || cstrEqLower(a, 'count')) i++;
    else if (cstrEqLower(a, 'group')) i += 2;
    else if (cstrEqLower(a, 'noack')) {
      /* nothing */
    } else if (cstrEqLower(a, 'streams')) {
      streamsPos = i;
      break;
    } else break;
  }
  let num = streamsPos !== -1 ? argc - streamsPos - 1 : 0;
  if (streamsPos === -1 || num === 0 || num % 2 !== 0) return [];
  num /= 2;
  const out: KeyRef[] = [];
  for (let i = streamsPos + 1; i < argc - num; i++) out.push({ pos: i, flags: 0 });
  return out;
}

function setGetKeys(argv: readonly string[]): KeyRef[] {
  for (let i = 3; i < argv.length; i++) {
    if (cstrEqLower(argv[i], 'get')) return [{ pos: 1, flags: KEY_RW | KEY_ACCESS | KEY_UPDATE }];
  }
  return [{ pos: 1, flags: KEY_OW | KEY_UPDATE }];
}

function bitfieldGetKeys(argv: readonly string[]): KeyRef[] {
  const argc = argv.length;
  for (let i = 2; i < argc; i++) {
    if (cstrEqLower(argv[i], 'get') && argc - i - 1 >= 2) return [{ pos: 1, flags: KEY_RO | KEY_ACCESS }];
  }
  return [{ pos: 1, flags: KEY_RW | KEY_ACCESS | KEY_UPDATE }];
}

const g = (s: number, k: number, f: number, st: number): NativeGetKeys => (argv) => genericGetKeys(s, k, f, st, argv);

const NATIVE_GETKEYS: Record<string, NativeGetKeys> = {
  set: setGetKeys,
  bitfield: bitfieldGetKeys,
  sort: sortGetKeys,
  sort_ro: () => [{ pos: 1, flags: KEY_RO | KEY_ACCESS }],
  migrate: migrateGetKeys,
  georadius: georadiusGetKeys,
  georadiusbymember: georadiusGetKeys,
  xread: xreadGetKeys,
  xreadgroup: xreadGetKeys,
  eval: g(0, 2, 3, 1),
  evalsha: g(0, 2, 3, 1),
  eval_ro: g(0, 2, 3, 1),
  evalsha_ro: g(0, 2, 3, 1),
  fcall: g(0, 2, 3, 1),
  fcall_ro: g(0, 2, 3, 1),
  zunionstore: g(1, 2, 3, 1),
  zinterstore: g(1, 2, 3, 1),
  zdiffstore: g(1, 2, 3, 1),
  zunion: g(0, 1, 2, 1),
  zinter: g(0, 1, 2, 1),
  zdiff: g(0, 1, 2, 1),
  zintercard: g(0, 1, 2, 1),
  sintercard: g(0, 1, 2, 1),
  lmpop: g(0, 1, 2, 1),
  blmpop: g(0, 2, 3, 1),
  zmpop: g(0, 1, 2, 1),
  bzmpop: g(0, 2, 3, 1),
};

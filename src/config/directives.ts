// The directive table (every config Strata knows, Redis 7.0.15's set plus a few Strata-specific ones),
// the live values, the typed `config` object and change listeners.
//
// Model (mirrors Redis config.c): each directive has a type interface
//   set(args) -> 1 changed | 2 unchanged | error text      (validation + store, no side effects)
//   get()     -> the text CONFIG GET prints
//   rewrite() -> lines for CONFIG REWRITE
// Side effects that Redis performs in "apply" functions (rebinding the port, resizing the client table,
// updating the default user's password, ...) are the job of listeners registered with onChange(); they
// run after every value of a CONFIG SET has been stored, and one refusing the change rolls the whole
// CONFIG SET back, exactly like Redis' apply functions do. Listeners never run while a config file loads.
//
// Values are 64-bit in Redis, so numeric directives keep a BigInt (CONFIG GET/REWRITE print it exactly);
// `config.<name>` exposes a JS number/boolean/string view for the rest of the server.

import * as fs from 'fs';
import * as path from 'path';
import { stringmatch, hasGlobChars } from '../util/glob';
import { string2ll, strtoll, atoi, LLONG_MAX } from '../util/strconv';
import { repr } from '../util/repr';
import {
  memtoull,
  formatMemory,
  splitSpaces,
  strerror,
  string2d,
  formatPercentile,
  INT_MAX,
  INT_MIN,
  UINT_MAX,
  LONG_MAX,
  ULLONG_MAX,
  SSIZE_MAX,
} from './util';

// ---------------------------------------------------------------------------------------------------
// Flags and types

/** CONFIG SET refuses it: "can't set immutable config". Settable from the config file / command line. */
export const IMMUTABLE = 1 << 0;
/** CONFIG SET allowed only when enable-protected-configs permits it ("can't set protected config"). */
export const PROTECTED = 1 << 1;
/** Value must be redacted from SLOWLOG/MONITOR/logs (requirepass, masterauth, masteruser). */
export const SENSITIVE = 1 << 2;
/** Not matched by CONFIG GET patterns, only by its exact name. */
export const HIDDEN = 1 << 3;
/** CONFIG SET answers -LOADING while the dataset is loading. */
export const DENY_LOADING = 1 << 4;
/** Takes several arguments: CONFIG SET splits the value on single spaces. */
export const MULTI_ARG = 1 << 5;
/** Listed by Redis in DEBUG CONFIG-style debug info; informational. */
export const DEBUG_CONFIG = 1 << 6;

/** Numeric sub-flags. */
const MEMORY = 1 << 0;
const PERCENT = 1 << 1;
const OCTAL = 1 << 2;

/**
 * How Strata treats a directive:
 *  used          Strata honours it (some subsystem reads config.<name> or listens for changes)
 *  compat        accepted, validated, stored and shown by CONFIG GET/REWRITE exactly like Redis, no effect
 *  default-only  accepted only at its default value; anything else is refused as unsupported
 *  strata        Strata-specific, not a Redis directive
 */
export type Support = 'used' | 'compat' | 'default-only' | 'strata';

export type Kind = 'bool' | 'numeric' | 'memory' | 'enum' | 'string' | 'special';

export interface SetContext {
  /** True while a config file / command line is being loaded (only `save` cares, like Redis). */
  readingFile: boolean;
  /** True for every line of the start-up load (file, include, stdin, command line). */
  startup?: boolean;
}

/** 1 = value changed, 2 = same value (listeners are not called), string = error text. */
export type SetResult = 1 | 2 | string;

export interface RewriteSink {
  /** Rewrites (or, when forced, appends) one line for `option` (a primary directive name). */
  line(option: string, line: string, force: boolean): void;
  /** Marks `option` processed without writing: its remaining old lines are blanked. */
  processed(option: string): void;
}

export interface Directive<N extends string = string, T = unknown> {
  readonly name: N;
  readonly alias: string | null;
  readonly flags: number;
  readonly kind: Kind;
  readonly support: Support;
  /** Redis' default as CONFIG GET prints it (computed at registration; `dir` is the start-up cwd). */
  defaultText: string;
  /** Error text when a default-only directive gets another value. */
  readonly unsupported?: string;
  /** Extra information for docs: bounds, enum values, notes. */
  readonly info: DirectiveInfo;
  init(): void;
  set(args: readonly string[], ctx: SetContext): SetResult;
  get(): string;
  value(): T;
  rewrite(out: RewriteSink): void;
}

export interface DirectiveInfo {
  min?: bigint;
  max?: bigint;
  enumValues?: readonly string[];
  note?: string;
}

interface Opts {
  support?: Support;
  unsupported?: string;
  note?: string;
}

const DEFAULT_SUPPORT: Support = 'compat';

// ---------------------------------------------------------------------------------------------------
// Type constructors

function yesno(s: string): number {
  const l = s.toLowerCase();
  if (l === 'yes') return 1;
  if (l === 'no') return 0;
  return -1;
}

function boolD<N extends string>(
  name: N,
  alias: string | null,
  flags: number,
  def: boolean,
  o: Opts & { valid?: (v: boolean) => string | null } = {},
): Directive<N, boolean> {
  let v = def;
  return {
    name,
    alias,
    flags,
    kind: 'bool',
    support: o.support ?? DEFAULT_SUPPORT,
    unsupported: o.unsupported,
    defaultText: '',
    info: { note: o.note },
    init() {
      v = def;
    },
    set(args) {
      const yn = yesno(args[0]);
      if (yn === -1) return "argument must be 'yes' or 'no'";
      const nv = yn === 1;
      if (o.valid) {
        const e = o.valid(nv);
        if (e) return e;
      }
      if (nv === v) return 2;
      v = nv;
      return 1;
    },
    get: () => (v ? 'yes' : 'no'),
    value: () => v,
    rewrite(out) {
      out.line(name, `${name} ${v ? 'yes' : 'no'}`, v !== def);
    },
  };
}

type NumType = 'int' | 'uint' | 'long' | 'ulong' | 'll' | 'ull' | 'size_t' | 'ssize_t' | 'time_t' | 'off_t';

function numD<N extends string>(
  name: N,
  alias: string | null,
  flags: number,
  type: NumType,
  lower: bigint,
  upper: bigint,
  def: bigint,
  numFlags: number,
  o: Opts & {
    valid?: (v: bigint) => string | null;
    /** Applied to every stored value (hz clamping: done at load end and by CONFIG SET's apply). */
    post?: (v: bigint) => bigint;
    /** Applied only by CONFIG SET (Redis apply functions that adjust the value, e.g. repl-backlog-size). */
    applyPost?: (v: bigint) => bigint;
  } = {},
): Directive<N, number> {
  let v = def;
  const unsigned = type === 'ull' || type === 'uint' || type === 'size_t';
  const parse = (s: string): bigint | string => {
    if (numFlags & MEMORY) {
      const m = memtoull(s);
      if (m !== null) return BigInt.asIntN(64, m);
    }
    if (numFlags & PERCENT && s.length > 1 && s.endsWith('%')) {
      const p = string2ll(s.slice(0, -1));
      if (p !== null && p >= 0n) return -p;
    }
    if (numFlags & OCTAL) {
      const r = strtoll(s, 8);
      if (!r.overflow && r.end === s.length) return r.value;
    }
    if (!numFlags) {
      const r = string2ll(s);
      if (r !== null) return r;
    }
    if (numFlags & MEMORY && numFlags & PERCENT) return 'argument must be a memory or percent value';
    if (numFlags & MEMORY) return 'argument must be a memory value';
    if (numFlags & OCTAL) return "argument couldn't be parsed as an octal number";
    return "argument couldn't be parsed into an integer";
  };
  const bounds = (ll: bigint): string | null => {
    if (unsigned) {
      const ull = BigInt.asUintN(64, ll);
      const lo = BigInt.asUintN(64, lower);
      const hi = BigInt.asUintN(64, upper);
      if (ull > hi || ull < lo) {
        if (numFlags & OCTAL)
          return `argument must be between ${lo.toString(8)} and ${hi.toString(8)} inclusive`;
        return `argument must be between ${lo} and ${hi} inclusive`;
      }
      return null;
    }
    if (numFlags & PERCENT && ll < 0n) {
      if (ll < lower) return `percentage argument must be less or equal to ${-lower}`;
      return null;
    }
    if (ll > upper || ll < lower) return `argument must be between ${lower} and ${upper} inclusive`;
    return null;
  };
  const text = (x: bigint): string => {
    if (numFlags & PERCENT && x < 0n) return `${-x}%`;
    if (numFlags & MEMORY) return BigInt.asUintN(64, x).toString();
    if (numFlags & OCTAL) return BigInt.asUintN(64, x).toString(8);
    return x.toString();
  };
  return {
    name,
    alias,
    flags,
    kind: numFlags & MEMORY ? 'memory' : 'numeric',
    support: o.support ?? DEFAULT_SUPPORT,
    unsupported: o.unsupported,
    defaultText: '',
    info: { min: lower, max: upper, note: o.note },
    init() {
      v = o.post ? o.post(def) : def;
    },
    set(args, ctx) {
      const r = parse(args[0]);
      if (typeof r === 'string') return r;
      const e = bounds(r);
      if (e) return e;
      if (o.valid) {
        const ve = o.valid(r);
        if (ve) return ve;
      }
      if (r === v) return 2;
      v = o.post ? o.post(r) : r;
      if (o.applyPost && !ctx.startup) v = o.applyPost(v);
      return 1;
    },
    get: () => text(v),
    value: () => Number(numFlags & MEMORY && v < 0n && !(numFlags & PERCENT) ? BigInt.asUintN(64, v) : v),
    rewrite(out) {
      const force = v !== def;
      let line: string;
      if (numFlags & PERCENT && v < 0n) line = `${name} ${-v}%`;
      else if (numFlags & MEMORY) line = `${name} ${formatMemory(v)}`;
      else if (numFlags & OCTAL) line = `${name} ${BigInt.asUintN(64, v).toString(8)}`;
      else line = `${name} ${v}`;
      out.line(name, line, force);
    },
  };
}

type EnumPairs = readonly (readonly [string, number])[];

function enumName(pairs: EnumPairs, val: number, bitflags: boolean): string {
  let names: string | null = null;
  let unmatched = val;
  for (const [n, x] of pairs) {
    if (val === x) return n;
    if (bitflags && x && x === (unmatched & x)) {
      names = names === null ? n : names + ' ' + n;
      unmatched &= ~x;
    }
  }
  if (names === null || unmatched) return 'unknown';
  return names;
}

function enumError(pairs: EnumPairs): string {
  // Redis builds this in a 256-byte buffer.
  return ('argument(s) must be one of the following: ' + pairs.map((p) => p[0]).join(', ')).slice(0, 255);
}

function enumD<N extends string, const P extends EnumPairs>(
  name: N,
  alias: string | null,
  flags: number,
  pairs: P,
  def: number,
  o: Opts & { valid?: (v: number) => string | null } = {},
): Directive<N, P[number][0]> {
  let v = def;
  const bitflags = (flags & MULTI_ARG) !== 0;
  return {
    name,
    alias,
    flags,
    kind: 'enum',
    support: o.support ?? DEFAULT_SUPPORT,
    unsupported: o.unsupported,
    defaultText: '',
    info: { enumValues: pairs.map((p) => p[0]), note: o.note },
    init() {
      v = def;
    },
    set(args) {
      if (args.length === 0 || (!bitflags && args.length !== 1)) return enumError(pairs);
      let nv = 0;
      for (const a of args) {
        const l = a.toLowerCase();
        let matched = false;
        for (const [n, x] of pairs) {
          if (n === l) {
            nv |= x;
            matched = true;
          }
        }
        if (!matched) return enumError(pairs);
      }
      if (o.valid) {
        const e = o.valid(nv);
        if (e) return e;
      }
      if (nv === v) return 2;
      v = nv;
      return 1;
    },
    get: () => enumName(pairs, v, bitflags),
    value: () => enumName(pairs, v, bitflags) as P[number][0],
    rewrite(out) {
      out.line(name, `${name} ${enumName(pairs, v, bitflags)}`, v !== def);
    },
  };
}

/** A bit-flags enum (shutdown-on-sigint ...): typed value is the list of flag names ([] = default). */
function flagsD<N extends string, const P extends EnumPairs>(
  name: N,
  flags: number,
  pairs: P,
  def: number,
  o: Opts & { valid?: (v: number) => string | null } = {},
): Directive<N, P[number][0][]> {
  const d = enumD(name, null, flags | MULTI_ARG, pairs, def, o);
  return {
    ...d,
    value: () => {
      const t = d.get();
      return (t === 'default' ? [] : t.split(' ')) as P[number][0][];
    },
  } as Directive<N, P[number][0][]>;
}

function strD<N extends string>(
  name: N,
  alias: string | null,
  flags: number,
  emptyIsNull: boolean,
  def: string | null,
  o: Opts & { valid?: (v: string) => string | null } = {},
): Directive<N, string> {
  let v: string | null = def;
  return {
    name,
    alias,
    flags,
    kind: 'string',
    support: o.support ?? DEFAULT_SUPPORT,
    unsupported: o.unsupported,
    defaultText: '',
    info: { note: o.note },
    init() {
      v = def;
    },
    set(args) {
      const a = args[0];
      if (o.valid) {
        const e = o.valid(a);
        if (e) return e;
      }
      const nv = emptyIsNull && a.length === 0 ? null : a;
      if (nv === v) return 2;
      v = nv;
      return 1;
    },
    get: () => v ?? '',
    value: () => v ?? '',
    rewrite(out) {
      if (v === null) {
        out.processed(name);
        return;
      }
      const force = !(def !== null && v === def);
      out.line(name, `${name} ${repr(v)}`, force);
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Validators (Redis' is_valid functions)

function isBaseName(p: string): boolean {
  return p.indexOf('/') === -1;
}
const validDbFilename = (v: string): string | null =>
  isBaseName(v) ? null : "dbfilename can't be a path, just a filename";
const validAofFilename = (v: string): string | null =>
  v === ''
    ? "appendfilename can't be empty"
    : isBaseName(v)
      ? null
      : "appendfilename can't be a path, just a filename";
const validAofDirname = (v: string): string | null =>
  v === ''
    ? "appenddirname can't be empty"
    : isBaseName(v)
      ? null
      : "appenddirname can't be a path, just a dirname";
function validHostname(v: string): string | null {
  if (v.length >= 256) return 'Hostnames must be less than 256 characters';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 46;
    if (!ok) return 'Hostnames may only contain alphanumeric characters, hyphens or dots';
  }
  return null;
}
const PROC_TITLE_VARS = new Set(['title', 'listen-addr', 'server-mode', 'port', 'tls-port', 'unixsocket', 'config-file']);
/** Redis validateProcTitleTemplate(): sdstemplate() must succeed and the expansion (title "") be non-blank. */
function validProcTitle(t: string): string | null {
  const bad = 'template format is invalid or contains unknown variables';
  let out = '';
  let i = 0;
  while (i < t.length) {
    const c = t[i];
    if (c === '{') {
      if (t[i + 1] === '{') {
        out += '{';
        i += 2;
        continue;
      }
      const end = t.indexOf('}', i + 1);
      if (end === -1) return bad;
      const name = t.slice(i + 1, end);
      if (!PROC_TITLE_VARS.has(name)) return bad;
      out += name === 'title' ? '' : 'x';
      i = end + 1;
    } else if (c === '}') {
      if (t[i + 1] !== '}') return bad;
      out += '}';
      i += 2;
    } else {
      out += c;
      i++;
    }
  }
  return out.replace(/^ +| +$/g, '').length === 0 ? bad : null;
}

const SHUTDOWN_SAVE = 1;
const SHUTDOWN_NOSAVE = 2;
const shutdownValid = (v: number): string | null =>
  v & SHUTDOWN_SAVE && v & SHUTDOWN_NOSAVE ? "shutdown options SAVE and NOSAVE can't be used simultaneously" : null;

// ---------------------------------------------------------------------------------------------------
// Keyspace notification flags (notify-keyspace-events), as in Redis server.h

export const NOTIFY_KEYSPACE = 1 << 0; // K
export const NOTIFY_KEYEVENT = 1 << 1; // E
export const NOTIFY_GENERIC = 1 << 2; // g
export const NOTIFY_STRING = 1 << 3; // $
export const NOTIFY_LIST = 1 << 4; // l
export const NOTIFY_SET = 1 << 5; // s
export const NOTIFY_HASH = 1 << 6; // h
export const NOTIFY_ZSET = 1 << 7; // z
export const NOTIFY_EXPIRED = 1 << 8; // x
export const NOTIFY_EVICTED = 1 << 9; // e
export const NOTIFY_STREAM = 1 << 10; // t
export const NOTIFY_KEY_MISS = 1 << 11; // m (excluded from A)
export const NOTIFY_LOADED = 1 << 12; // module only
export const NOTIFY_MODULE = 1 << 13; // d
export const NOTIFY_NEW = 1 << 14; // n (excluded from A)
export const NOTIFY_ALL =
  NOTIFY_GENERIC |
  NOTIFY_STRING |
  NOTIFY_LIST |
  NOTIFY_SET |
  NOTIFY_HASH |
  NOTIFY_ZSET |
  NOTIFY_EXPIRED |
  NOTIFY_EVICTED |
  NOTIFY_STREAM |
  NOTIFY_MODULE;

/** Redis keyspaceEventsStringToFlags(); -1 on an unknown class character. */
export function keyspaceEventsStringToFlags(s: string): number {
  let f = 0;
  for (const c of s) {
    switch (c) {
      case 'A': f |= NOTIFY_ALL; break;
      case 'g': f |= NOTIFY_GENERIC; break;
      case '$': f |= NOTIFY_STRING; break;
      case 'l': f |= NOTIFY_LIST; break;
      case 's': f |= NOTIFY_SET; break;
      case 'h': f |= NOTIFY_HASH; break;
      case 'z': f |= NOTIFY_ZSET; break;
      case 'x': f |= NOTIFY_EXPIRED; break;
      case 'e': f |= NOTIFY_EVICTED; break;
      case 'K': f |= NOTIFY_KEYSPACE; break;
      case 'E': f |= NOTIFY_KEYEVENT; break;
      case 't': f |= NOTIFY_STREAM; break;
      case 'm': f |= NOTIFY_KEY_MISS; break;
      case 'd': f |= NOTIFY_MODULE; break;
      case 'n': f |= NOTIFY_NEW; break;
      default: return -1;
    }
  }
  return f;
}

/** Redis keyspaceEventsFlagsToString() (note: with A, 'n' is not printed, like Redis 7.0). */
export function keyspaceEventsFlagsToString(f: number): string {
  let r = '';
  if ((f & NOTIFY_ALL) === NOTIFY_ALL) r += 'A';
  else {
    if (f & NOTIFY_GENERIC) r += 'g';
    if (f & NOTIFY_STRING) r += '$';
    if (f & NOTIFY_LIST) r += 'l';
    if (f & NOTIFY_SET) r += 's';
    if (f & NOTIFY_HASH) r += 'h';
    if (f & NOTIFY_ZSET) r += 'z';
    if (f & NOTIFY_EXPIRED) r += 'x';
    if (f & NOTIFY_EVICTED) r += 'e';
    if (f & NOTIFY_STREAM) r += 't';
    if (f & NOTIFY_MODULE) r += 'd';
    if (f & NOTIFY_NEW) r += 'n';
  }
  if (f & NOTIFY_KEYSPACE) r += 'K';
  if (f & NOTIFY_KEYEVENT) r += 'E';
  if (f & NOTIFY_KEY_MISS) r += 'm';
  return r;
}

// ---------------------------------------------------------------------------------------------------
// Special directives

export interface SaveParam {
  seconds: number;
  changes: number;
}

/** Redis' static save_loaded: while a file loads, the first `save` line replaces the defaults, later ones
 *  append (reset by resetConfig()). */
let saveLoaded = false;

function saveD(): Directive<'save', SaveParam[]> {
  const DEF: [bigint, number][] = [
    [3600n, 1],
    [300n, 100],
    [60n, 10000],
  ];
  let v: [bigint, number][] = DEF.slice();
  const text = (): string => v.map(([s, c]) => `${s} ${c}`).join(' ');
  return {
    name: 'save',
    alias: null,
    flags: MULTI_ARG,
    kind: 'special',
    support: 'used',
    defaultText: '',
    info: { note: 'pairs of <seconds> <changes>; "" disables snapshots' },
    init() {
      v = DEF.slice();
    },
    set(argsIn, ctx) {
      let args = argsIn;
      if (args.length === 1 && args[0] === '') {
        v = [];
        args = [];
      }
      if (args.length & 1) return 'Invalid save parameters';
      const parsed: [bigint, number][] = [];
      for (let j = 0; j < args.length; j++) {
        const r = strtoll(args[j]);
        if (r.end !== args[j].length) return 'Invalid save parameters';
        if ((j & 1) === 0 && r.value < 1n) return 'Invalid save parameters';
        if ((j & 1) === 1 && r.value < 0n) return 'Invalid save parameters';
      }
      for (let j = 0; j < args.length; j += 2) {
        parsed.push([strtoll(args[j]).value, atoi(args[j + 1])]);
      }
      if (!ctx.readingFile) v = [];
      else if (!saveLoaded) {
        saveLoaded = true;
        v = [];
      }
      v.push(...parsed);
      return 1;
    },
    get: text,
    value: () => v.map(([s, c]) => ({ seconds: Number(s), changes: c })),
    rewrite(out) {
      if (v.length === 0) out.line('save', 'save ""', true);
      else for (const [s, c] of v) out.line('save', `save ${s} ${c}`, true);
      out.processed('save');
    },
  };
}

export interface ObufLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}
export interface ObufLimits {
  normal: ObufLimit;
  replica: ObufLimit;
  pubsub: ObufLimit;
}

function obufD(): Directive<'client-output-buffer-limit', ObufLimits> {
  type L = [bigint, bigint, number];
  const DEF: L[] = [
    [0n, 0n, 0],
    [268435456n, 67108864n, 60],
    [33554432n, 8388608n, 60],
  ];
  const NAMES = ['normal', 'slave', 'pubsub'];
  let v: L[] = DEF.map((x) => x.slice() as L);
  const classOf = (s: string): number => {
    switch (s.toLowerCase()) {
      case 'normal':
        return 0;
      case 'slave':
      case 'replica':
        return 1;
      case 'pubsub':
        return 2;
      case 'master':
        return 3;
      default:
        return -1;
    }
  };
  const lim = (x: L): ObufLimit => ({ hard: Number(x[0]), soft: Number(x[1]), softSeconds: x[2] });
  return {
    name: 'client-output-buffer-limit',
    alias: null,
    flags: MULTI_ARG,
    kind: 'special',
    support: 'used',
    defaultText: '',
    info: { note: '<class> <hard> <soft> <soft seconds>, class normal|replica|pubsub' },
    init() {
      v = DEF.map((x) => x.slice() as L);
    },
    set(args) {
      if (args.length % 4) return 'Wrong number of arguments in buffer limit configuration.';
      const next = new Map<number, L>();
      for (let j = 0; j < args.length; j += 4) {
        const cls = classOf(args[j]);
        if (cls === -1 || cls === 3) return 'Invalid client class specified in buffer limit configuration.';
        const hard = memtoull(args[j + 1]);
        const soft = memtoull(args[j + 2]);
        const ss = strtoll(args[j + 3]);
        const secs = Number(BigInt.asIntN(32, ss.value));
        if (hard === null || soft === null || secs < 0 || ss.end !== args[j + 3].length)
          return 'Error in hard, soft or soft_seconds setting in buffer limit configuration.';
        next.set(cls, [hard, soft, secs]);
      }
      for (const [cls, l] of next) v[cls] = l;
      return 1;
    },
    get: () => v.map((x, i) => `${NAMES[i]} ${x[0]} ${x[1]} ${x[2]}`).join(' '),
    value: () => ({ normal: lim(v[0]), replica: lim(v[1]), pubsub: lim(v[2]) }),
    rewrite(out) {
      for (let j = 0; j < 3; j++) {
        const d = DEF[j];
        const x = v[j];
        const force = x[0] !== d[0] || x[1] !== d[1] || x[2] !== d[2];
        const tn = j === 1 ? 'replica' : NAMES[j];
        out.line(
          'client-output-buffer-limit',
          `client-output-buffer-limit ${tn} ${formatMemory(BigInt.asIntN(64, x[0]))} ${formatMemory(BigInt.asIntN(64, x[1]))} ${x[2]}`,
          force,
        );
      }
    },
  };
}

function oomValuesD(): Directive<'oom-score-adj-values', number[]> {
  const DEF = [0, 200, 800];
  let v = DEF.slice();
  return {
    name: 'oom-score-adj-values',
    alias: null,
    flags: MULTI_ARG,
    kind: 'special',
    support: 'compat',
    defaultText: '',
    info: {},
    init() {
      v = DEF.slice();
    },
    set(args) {
      if (args.length !== 3) return 'wrong number of arguments';
      const nv: number[] = [];
      for (const a of args) {
        const r = strtoll(a);
        if (r.end !== a.length || r.value < -2000n || r.value > 2000n)
          return 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.';
        nv.push(Number(r.value));
      }
      if (nv.every((x, i) => x === v[i])) return 2;
      v = nv;
      return 1;
    },
    get: () => v.join(' '),
    value: () => v.slice(),
    rewrite(out) {
      out.line('oom-score-adj-values', `oom-score-adj-values ${v.join(' ')}`, v.some((x, i) => x !== DEF[i]));
    },
  };
}

function notifyD(): Directive<'notify-keyspace-events', number> {
  let v = 0;
  return {
    name: 'notify-keyspace-events',
    alias: null,
    flags: 0,
    kind: 'special',
    support: 'used',
    defaultText: '',
    info: { note: 'typed value is the NOTIFY_* bit mask' },
    init() {
      v = 0;
    },
    set(args) {
      if (args.length !== 1) return 'wrong number of arguments';
      const f = keyspaceEventsStringToFlags(args[0]);
      if (f === -1) return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
      v = f;
      return 1;
    },
    get: () => keyspaceEventsFlagsToString(v),
    value: () => v,
    rewrite(out) {
      out.line('notify-keyspace-events', `notify-keyspace-events ${repr(keyspaceEventsFlagsToString(v))}`, v !== 0);
    },
  };
}

function bindD(): Directive<'bind', string[]> {
  // Strata binds to loopback unless told otherwise (Redis' shipped redis.conf does the same).
  const DEF = ['127.0.0.1', '-::1'];
  let v = DEF.slice();
  return {
    name: 'bind',
    alias: null,
    flags: MULTI_ARG,
    kind: 'special',
    support: 'used',
    defaultText: '',
    info: { note: '"*" = all IPv4, "::*" = all IPv6, a leading "-" makes an address optional; [] = default' },
    init() {
      v = DEF.slice();
    },
    set(argsIn) {
      let args = argsIn;
      if (args.length > 16) return 'Too many bind addresses specified.';
      if (args.length === 1 && args[0].length === 0) args = [];
      v = args.slice();
      return 1;
    },
    get: () => v.join(' '),
    value: () => v.slice(),
    rewrite(out) {
      if (v.length === DEF.length && v.every((x, i) => x === DEF[i])) {
        out.processed('bind');
        return;
      }
      out.line('bind', `bind ${v.length ? v.join(' ') : '""'}`, true);
    },
  };
}

export interface ReplicaOf {
  host: string;
  port: number;
}

function replicaofD(): Directive<'replicaof', ReplicaOf | null> {
  let v: ReplicaOf | null = null;
  return {
    name: 'replicaof',
    alias: 'slaveof',
    flags: IMMUTABLE | MULTI_ARG,
    kind: 'special',
    support: 'default-only',
    unsupported: 'replicaof is not supported by Strata (it has no replication)',
    defaultText: '',
    info: {},
    init() {
      v = null;
    },
    set(args) {
      if (args.length !== 2) return 'wrong number of arguments';
      v = null;
      if (args[0].toLowerCase() === 'no' && args[1].toLowerCase() === 'one') return 1;
      const r = strtoll(args[1]);
      // strtol into an int: Redis keeps the low 32 bits
      const port = Number(BigInt.asIntN(32, r.value));
      if (port < 0 || port > 65535 || r.end !== args[1].length) return 'Invalid master port';
      v = { host: args[0], port };
      return 1;
    },
    get: () => (v ? `${v.host} ${v.port}` : ''),
    value: () => (v ? { ...v } : null),
    rewrite(out) {
      if (!v || clusterEnabled()) {
        out.processed('replicaof');
        return;
      }
      out.line('replicaof', `replicaof ${v.host} ${v.port}`, true);
    },
  };
}

function percentilesD(): Directive<'latency-tracking-info-percentiles', number[]> {
  const DEF = [50, 99, 99.9];
  let v = DEF.slice();
  return {
    name: 'latency-tracking-info-percentiles',
    alias: null,
    flags: MULTI_ARG,
    kind: 'special',
    support: 'used',
    defaultText: '',
    info: {},
    init() {
      v = DEF.slice();
    },
    set(args) {
      const n = args.length === 1 && args[0].length === 0 ? 0 : args.length;
      const nv: number[] = [];
      for (let j = 0; j < n; j++) {
        const d = string2d(args[j]);
        if (d === null) {
          v = [];
          return 'Invalid latency-tracking-info-percentiles parameters';
        }
        if (d > 100 || d < 0) {
          v = [];
          return 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]';
        }
        nv.push(d);
      }
      v = nv;
      return 1;
    },
    get: () => v.map(formatPercentile).join(' '),
    value: () => v.slice(),
    rewrite(out) {
      const body = v.length ? v.map(formatPercentile).join(' ') : '""';
      out.line('latency-tracking-info-percentiles', `latency-tracking-info-percentiles ${body}`, true);
    },
  };
}

/** `dir`: stored as an absolute, symlink-resolved path (what Redis' getcwd() reports after chdir). */
function dirD(): Directive<'dir', string> {
  let v = safeCwd();
  return {
    name: 'dir',
    alias: null,
    flags: PROTECTED | DENY_LOADING,
    kind: 'special',
    support: 'used',
    defaultText: '',
    info: {
      note: 'Strata does not chdir(): the value is absolute and other relative paths resolve against it (resolveInDir)',
    },
    init() {
      v = safeCwd();
    },
    set(args, ctx) {
      if (args.length !== 1) return 'wrong number of arguments';
      try {
        const abs = path.resolve(v, args[0]);
        // Strata deviation: at start-up (config file / command line) a missing directory is created,
        // so `strata-server --dir ./data` works on a fresh checkout. CONFIG SET dir stays strict.
        if (ctx.startup && !fs.existsSync(abs)) fs.mkdirSync(abs, { recursive: true });
        const st = fs.statSync(abs);
        if (!st.isDirectory()) return 'Not a directory';
        fs.accessSync(abs, fs.constants.X_OK);
        v = fs.realpathSync(abs);
      } catch (e) {
        return strerror(e);
      }
      return 1;
    },
    get: () => v,
    value: () => v,
    rewrite(out) {
      out.line('dir', `dir ${repr(v)}`, true);
    },
  };
}
function safeCwd(): string {
  try {
    return fs.realpathSync(process.cwd());
  } catch {
    return process.cwd();
  }
}

// ---------------------------------------------------------------------------------------------------
// The table (Redis 7.0.15 static_configs order; aliases are registered right after their primary)

const I = IMMUTABLE;
const M = 0; // MODIFIABLE_CONFIG
const U: Opts = { support: 'used' };

const PROTECTED_ACTION = [
  ['no', 0],
  ['yes', 1],
  ['local', 2],
] as const;

function buildTable() {
  return [
    // Bool configs
    boolD('rdbchecksum', null, I, true),
    boolD('daemonize', null, I, false, {
      support: 'default-only',
      unsupported: 'daemonize yes is not supported by Strata: run it in the foreground under a supervisor',
    }),
    boolD('io-threads-do-reads', null, DEBUG_CONFIG | I, false),
    boolD('always-show-logo', null, I, false),
    boolD('protected-mode', null, M, true, U),
    boolD('rdbcompression', null, M, true),
    boolD('rdb-del-sync-files', null, M, false),
    boolD('activerehashing', null, M, true),
    boolD('stop-writes-on-bgsave-error', null, M, true, U),
    boolD('set-proc-title', null, I, true),
    boolD('dynamic-hz', null, M, true, U),
    boolD('lazyfree-lazy-eviction', null, DEBUG_CONFIG | M, false, U),
    boolD('lazyfree-lazy-expire', null, DEBUG_CONFIG | M, false, U),
    boolD('lazyfree-lazy-server-del', null, DEBUG_CONFIG | M, false, U),
    boolD('lazyfree-lazy-user-del', null, DEBUG_CONFIG | M, false, U),
    boolD('lazyfree-lazy-user-flush', null, DEBUG_CONFIG | M, false, U),
    boolD('repl-disable-tcp-nodelay', null, M, false),
    boolD('repl-diskless-sync', null, DEBUG_CONFIG | M, true),
    boolD('aof-rewrite-incremental-fsync', null, M, true),
    boolD('no-appendfsync-on-rewrite', null, M, false),
    boolD('cluster-require-full-coverage', null, M, true, U),
    boolD('rdb-save-incremental-fsync', null, M, true),
    boolD('aof-load-truncated', null, M, true, U),
    boolD('aof-use-rdb-preamble', null, M, true),
    boolD('aof-timestamp-enabled', null, M, false),
    boolD('cluster-replica-no-failover', 'cluster-slave-no-failover', M, false),
    boolD('replica-lazy-flush', 'slave-lazy-flush', M, false),
    boolD('replica-serve-stale-data', 'slave-serve-stale-data', M, true),
    boolD('replica-read-only', 'slave-read-only', DEBUG_CONFIG | M, true),
    boolD('replica-ignore-maxmemory', 'slave-ignore-maxmemory', M, true),
    boolD('jemalloc-bg-thread', null, M, true),
    boolD('activedefrag', null, DEBUG_CONFIG | M, false),
    boolD('syslog-enabled', null, I, false),
    boolD('cluster-enabled', null, I, false, U),
    boolD('appendonly', null, M | DENY_LOADING, false, U),
    boolD('cluster-allow-reads-when-down', null, M, false, U),
    boolD('cluster-allow-pubsubshard-when-down', null, M, true, U),
    boolD('crash-log-enabled', null, M, true),
    boolD('crash-memcheck-enabled', null, M, true),
    boolD('use-exit-on-panic', null, M | HIDDEN, false),
    boolD('disable-thp', null, I, true),
    boolD('cluster-allow-replica-migration', null, M, true),
    boolD('replica-announced', null, M, true),
    boolD('latency-tracking', null, M, true, U),
    boolD('aof-disable-auto-gc', null, M, false),
    boolD('replica-ignore-disk-write-errors', null, M, false),

    // String configs
    strD('aclfile', null, I, false, '', U),
    strD('unixsocket', null, I, true, null, {
      support: 'default-only',
      unsupported: 'unixsocket is not supported by Strata (TCP only)',
    }),
    strD('pidfile', null, I, true, null, U),
    strD('replica-announce-ip', 'slave-announce-ip', M, true, null),
    strD('masteruser', null, M | SENSITIVE, true, null),
    strD('cluster-announce-ip', null, M, true, null, U),
    strD('cluster-config-file', null, I, false, 'nodes.conf', U),
    strD('cluster-announce-hostname', null, M, true, null, { support: 'used', valid: validHostname }),
    strD('syslog-ident', null, I, false, 'redis'),
    strD('dbfilename', null, M | PROTECTED, false, 'dump.rdb', { support: 'used', valid: validDbFilename }),
    strD('appendfilename', null, I, false, 'appendonly.aof', { support: 'used', valid: validAofFilename }),
    strD('appenddirname', null, I, false, 'appendonlydir', { support: 'used', valid: validAofDirname }),
    strD('server_cpulist', null, I, true, null),
    strD('bio_cpulist', null, I, true, null),
    strD('aof_rewrite_cpulist', null, I, true, null),
    strD('bgsave_cpulist', null, I, true, null),
    strD('ignore-warnings', null, M, false, ''),
    strD('proc-title-template', null, M, false, '{title} {listen-addr} {server-mode}', { valid: validProcTitle }),
    strD('bind-source-addr', null, M, true, null),
    strD('logfile', null, I, false, '', U),
    strD('masterauth', null, M | SENSITIVE, true, null),
    strD('requirepass', null, M | SENSITIVE, true, null, U),

    // Enum configs
    enumD('supervised', null, I, [['upstart', 1], ['systemd', 2], ['auto', 3], ['no', 0]], 0),
    enumD(
      'syslog-facility',
      null,
      I,
      [['user', 8], ['local0', 128], ['local1', 136], ['local2', 144], ['local3', 152], ['local4', 160], ['local5', 168], ['local6', 176], ['local7', 184]],
      128,
    ),
    enumD('repl-diskless-load', null, DEBUG_CONFIG | M | DENY_LOADING, [['disabled', 0], ['on-empty-db', 1], ['swapdb', 2]], 0),
    enumD('loglevel', null, M, [['debug', 0], ['verbose', 1], ['notice', 2], ['warning', 3]], 2, U),
    enumD(
      'maxmemory-policy',
      null,
      M,
      [
        ['volatile-lru', 1],
        ['volatile-lfu', 2],
        ['volatile-random', 3],
        ['volatile-ttl', 4],
        ['allkeys-lru', 5],
        ['allkeys-lfu', 6],
        ['allkeys-random', 7],
        ['noeviction', 8],
      ],
      8,
      U,
    ),
    enumD('appendfsync', null, M, [['everysec', 1], ['always', 0], ['no', 2]], 1, U),
    enumD('oom-score-adj', null, M, [['no', 0], ['yes', 1], ['relative', 1], ['absolute', 2]], 0),
    enumD('acl-pubsub-default', null, M, [['allchannels', 1], ['resetchannels', 0]], 0, U),
    enumD('sanitize-dump-payload', null, DEBUG_CONFIG | M, [['no', 0], ['yes', 1], ['clients', 2]], 0, U),
    enumD('enable-protected-configs', null, I, PROTECTED_ACTION, 0, U),
    enumD('enable-debug-command', null, I, PROTECTED_ACTION, 0, {
      support: 'used',
      note: 'Redis 7 default is "no": DEBUG is refused unless the server starts with enable-debug-command yes|local',
    }),
    enumD('enable-module-command', null, I, PROTECTED_ACTION, 0),
    enumD('cluster-preferred-endpoint-type', null, M, [['ip', 0], ['hostname', 1], ['unknown-endpoint', 2]], 0, U),
    enumD('propagation-error-behavior', null, M, [['ignore', 0], ['panic', 1], ['panic-on-replicas', 2]], 0),
    flagsD('shutdown-on-sigint', M, [['default', 0], ['save', 1], ['nosave', 2], ['now', 4], ['force', 8]], 0, {
      support: 'used',
      valid: shutdownValid,
    }),
    flagsD('shutdown-on-sigterm', M, [['default', 0], ['save', 1], ['nosave', 2], ['now', 4], ['force', 8]], 0, {
      support: 'used',
      valid: shutdownValid,
    }),

    // Integer configs
    numD('databases', null, I, 'int', 1n, INT_MAX, 16n, 0, U),
    numD('port', null, M, 'int', 0n, 65535n, 6379n, 0, U),
    numD('io-threads', null, DEBUG_CONFIG | I, 'int', 1n, 128n, 1n, 0, {
      note: 'accepted and ignored: Strata runs commands on one thread',
    }),
    numD('auto-aof-rewrite-percentage', null, M, 'int', 0n, INT_MAX, 100n, 0),
    numD('cluster-replica-validity-factor', 'cluster-slave-validity-factor', M, 'int', 0n, INT_MAX, 10n, 0),
    numD('list-max-listpack-size', 'list-max-ziplist-size', M, 'int', INT_MIN, INT_MAX, -2n, 0, U),
    numD('tcp-keepalive', null, M, 'int', 0n, INT_MAX, 300n, 0, U),
    numD('cluster-migration-barrier', null, M, 'int', 0n, INT_MAX, 1n, 0),
    numD('active-defrag-cycle-min', null, M, 'int', 1n, 99n, 1n, 0),
    numD('active-defrag-cycle-max', null, M, 'int', 1n, 99n, 25n, 0),
    numD('active-defrag-threshold-lower', null, M, 'int', 0n, 1000n, 10n, 0),
    numD('active-defrag-threshold-upper', null, M, 'int', 0n, 1000n, 100n, 0),
    numD('lfu-log-factor', null, M, 'int', 0n, INT_MAX, 10n, 0, U),
    numD('lfu-decay-time', null, M, 'int', 0n, INT_MAX, 1n, 0, U),
    numD('replica-priority', 'slave-priority', M, 'int', 0n, INT_MAX, 100n, 0),
    numD('repl-diskless-sync-delay', null, M, 'int', 0n, INT_MAX, 5n, 0),
    numD('maxmemory-samples', null, M, 'int', 1n, INT_MAX, 5n, 0, U),
    numD('maxmemory-eviction-tenacity', null, M, 'int', 0n, 100n, 10n, 0, U),
    numD('timeout', null, M, 'int', 0n, INT_MAX, 0n, 0, U),
    numD('replica-announce-port', 'slave-announce-port', M, 'int', 0n, 65535n, 0n, 0),
    numD('tcp-backlog', null, I, 'int', 0n, INT_MAX, 511n, 0, U),
    numD('cluster-port', null, I, 'int', 0n, 65535n, 0n, 0, {
      note: 'accepted and ignored: Strata gossips over the client port',
    }),
    numD('cluster-announce-bus-port', null, M, 'int', 0n, 65535n, 0n, 0),
    numD('cluster-announce-port', null, M, 'int', 0n, 65535n, 0n, 0, U),
    numD('cluster-announce-tls-port', null, M, 'int', 0n, 65535n, 0n, 0),
    numD('repl-timeout', null, M, 'int', 1n, INT_MAX, 60n, 0),
    numD('repl-ping-replica-period', 'repl-ping-slave-period', M, 'int', 1n, INT_MAX, 10n, 0),
    numD('list-compress-depth', null, DEBUG_CONFIG | M, 'int', 0n, INT_MAX, 0n, 0, U),
    numD('rdb-key-save-delay', null, M | HIDDEN, 'int', INT_MIN, INT_MAX, 0n, 0),
    numD('key-load-delay', null, M | HIDDEN, 'int', INT_MIN, INT_MAX, 0n, 0),
    numD('active-expire-effort', null, M, 'int', 1n, 10n, 1n, 0, U),
    numD('hz', null, M, 'int', 0n, INT_MAX, 10n, 0, {
      support: 'used',
      // updateHZ(): out-of-range values are accepted and clamped to [1, 500]
      post: (x) => (x < 1n ? 1n : x > 500n ? 500n : x),
    }),
    numD('min-replicas-to-write', 'min-slaves-to-write', M, 'int', 0n, INT_MAX, 0n, 0),
    numD('min-replicas-max-lag', 'min-slaves-max-lag', M, 'int', 0n, INT_MAX, 10n, 0),
    numD('watchdog-period', null, M | HIDDEN, 'int', 0n, INT_MAX, 0n, 0),
    numD('shutdown-timeout', null, M, 'int', 0n, INT_MAX, 10n, 0, U),
    numD('repl-diskless-sync-max-replicas', null, M, 'int', 0n, INT_MAX, 0n, 0),

    // Unsigned int configs
    numD('maxclients', null, M, 'uint', 1n, UINT_MAX, 10000n, 0, U),
    numD('unixsocketperm', null, I, 'uint', 0n, 0o777n, 0n, OCTAL),
    numD('socket-mark-id', null, I, 'uint', 0n, UINT_MAX, 0n, 0),

    // Unsigned long configs
    numD('active-defrag-max-scan-fields', null, M, 'ulong', 1n, LONG_MAX, 1000n, 0),
    numD('slowlog-max-len', null, M, 'ulong', 0n, LONG_MAX, 128n, 0, U),
    numD('acllog-max-len', null, M, 'ulong', 0n, LONG_MAX, 128n, 0, U),

    // Long long configs
    numD('busy-reply-threshold', 'lua-time-limit', M, 'll', 0n, LONG_MAX, 5000n, 0, U),
    numD('cluster-node-timeout', null, M, 'll', 0n, LLONG_MAX, 15000n, 0, U),
    numD('slowlog-log-slower-than', null, M, 'll', -1n, LLONG_MAX, 10000n, 0, U),
    numD('latency-monitor-threshold', null, M, 'll', 0n, LLONG_MAX, 0n, 0, U),
    numD('proto-max-bulk-len', null, DEBUG_CONFIG | M, 'll', 1048576n, LONG_MAX, 536870912n, MEMORY, U),
    numD('stream-node-max-entries', null, M, 'll', 0n, LLONG_MAX, 100n, 0),
    numD('repl-backlog-size', null, M, 'll', 1n, LLONG_MAX, 1048576n, MEMORY, {
      // resizeReplicationBacklog(): CONFIG SET raises it to the 16k minimum
      applyPost: (x) => (x < 16384n ? 16384n : x),
    }),

    // Unsigned long long configs
    numD('maxmemory', null, M, 'ull', 0n, ULLONG_MAX, 0n, MEMORY, U),
    numD('cluster-link-sendbuf-limit', null, M, 'ull', 0n, ULLONG_MAX, 0n, MEMORY),

    // Size_t configs
    numD('hash-max-listpack-entries', 'hash-max-ziplist-entries', M, 'size_t', 0n, LONG_MAX, 512n, 0, U),
    numD('set-max-intset-entries', null, M, 'size_t', 0n, LONG_MAX, 512n, 0, U),
    numD('zset-max-listpack-entries', 'zset-max-ziplist-entries', M, 'size_t', 0n, LONG_MAX, 128n, 0, U),
    numD('active-defrag-ignore-bytes', null, M, 'size_t', 1n, LLONG_MAX, 104857600n, MEMORY),
    numD('hash-max-listpack-value', 'hash-max-ziplist-value', M, 'size_t', 0n, LONG_MAX, 64n, MEMORY, U),
    numD('stream-node-max-bytes', null, M, 'size_t', 0n, LONG_MAX, 4096n, MEMORY),
    numD('zset-max-listpack-value', 'zset-max-ziplist-value', M, 'size_t', 0n, LONG_MAX, 64n, MEMORY, U),
    numD('hll-sparse-max-bytes', null, M, 'size_t', 0n, LONG_MAX, 3000n, MEMORY),
    numD('tracking-table-max-keys', null, M, 'size_t', 0n, LONG_MAX, 1000000n, 0),
    numD('client-query-buffer-limit', null, DEBUG_CONFIG | M, 'size_t', 1048576n, LONG_MAX, 1073741824n, MEMORY, U),
    numD('maxmemory-clients', null, M, 'ssize_t', -100n, SSIZE_MAX, 0n, MEMORY | PERCENT, {
      note: 'typed value: bytes, or -N for N% of maxmemory',
    }),

    // Other configs
    numD('repl-backlog-ttl', null, M, 'time_t', 0n, LONG_MAX, 3600n, 0),
    numD('auto-aof-rewrite-min-size', null, M, 'off_t', 0n, LLONG_MAX, 67108864n, MEMORY),
    numD('loading-process-events-interval-bytes', null, M | HIDDEN, 'off_t', 1024n, INT_MAX, 2097152n, 0),

    // TLS configs (the Redis 7.0.15 build this targets has TLS). Strata speaks plain TCP only.
    numD('tls-port', null, M, 'int', 0n, 65535n, 0n, 0, {
      support: 'default-only',
      unsupported: 'TLS is not supported by Strata',
    }),
    numD('tls-session-cache-size', null, M, 'int', 0n, INT_MAX, 20480n, 0),
    numD('tls-session-cache-timeout', null, M, 'int', 0n, INT_MAX, 300n, 0),
    boolD('tls-cluster', null, M, false),
    boolD('tls-replication', null, M, false),
    enumD('tls-auth-clients', null, M, [['no', 0], ['yes', 1], ['optional', 2]], 1),
    boolD('tls-prefer-server-ciphers', null, M, false),
    boolD('tls-session-caching', null, M, true),
    strD('tls-cert-file', null, M, true, null),
    strD('tls-key-file', null, M, true, null),
    strD('tls-key-file-pass', null, M, true, null),
    strD('tls-client-cert-file', null, M, true, null),
    strD('tls-client-key-file', null, M, true, null),
    strD('tls-client-key-file-pass', null, M, true, null),
    strD('tls-dh-params-file', null, M, true, null),
    strD('tls-ca-cert-file', null, M, true, null),
    strD('tls-ca-cert-dir', null, M, true, null),
    strD('tls-protocols', null, M, true, null),
    strD('tls-ciphers', null, M, true, null),
    strD('tls-ciphersuites', null, M, true, null),

    // Special configs
    dirD(),
    saveD(),
    obufD(),
    oomValuesD(),
    notifyD(),
    bindD(),
    replicaofD(),
    percentilesD(),

    // Strata-specific (not in Redis). Paths resolve against `dir`.
    numD('wal-segment-size', null, M, 'll', 16384n, LLONG_MAX, 67108864n, MEMORY, {
      support: 'strata',
      note: 'WAL segments roll at this size',
    }),
    numD('snapshot-keep', null, M, 'int', 1n, INT_MAX, 2n, 0, {
      support: 'strata',
      note: 'number of newest snapshots kept; older WAL segments are truncated',
    }),
    strD('backup-dir', null, I, false, '', {
      support: 'strata',
      note: 'optional second copy of every closed WAL segment, index and snapshot ("" = none)',
    }),
    numD('rangeindex-commit-ms', null, M, 'int', 0n, 3600000n, 100n, 0, {
      support: 'strata',
      note: 'a range index written to is committed to its file at most this many ms later (0 = at the end of the event-loop turn)',
    }),
    strD('ephemeral-dir', null, I, false, '', {
      support: 'strata',
      note: 'optional directory for rebuildable data: range-index working files, migration staging ("" = inside dir)',
    }),
  ];
}

// ---------------------------------------------------------------------------------------------------
// Typed live config

type TableEntry = ReturnType<typeof buildTable>[number];
type ValueOf<D> = D extends Directive<string, infer T> ? T : never;

/** `config.<directive>`: the live, typed value of every primary directive name. */
export type ConfigValues = { [D in TableEntry as D['name']]: ValueOf<D> };
export type ConfigName = keyof ConfigValues;

/** The live configuration. Read-only for everyone but this module; updated on every accepted change. */
export const config = {} as Readonly<ConfigValues>;
const mutableConfig = config as Record<string, unknown>;

export interface Entry {
  /** Registered name: the primary name or the alias. */
  name: string;
  def: Directive;
  isAlias: boolean;
}

const ordered: Entry[] = [];
const byName = new Map<string, Entry>();
const directives: Directive[] = [];

function register(d: Directive): void {
  const key = d.name.toLowerCase();
  if (byName.has(key) || (d.alias && byName.has(d.alias.toLowerCase())))
    throw new Error(`config directive '${d.name}' registered twice`);
  d.init();
  d.defaultText = d.get();
  directives.push(d);
  const e: Entry = { name: d.name, def: d, isAlias: false };
  ordered.push(e);
  byName.set(key, e);
  if (d.alias) {
    const a: Entry = { name: d.alias, def: d, isAlias: true };
    ordered.push(a);
    byName.set(d.alias.toLowerCase(), a);
  }
  mutableConfig[d.name] = d.value();
}

for (const d of buildTable()) register(d as Directive);

/**
 * Adds a directive defined by another subsystem (before the config file loads). The typed value appears
 * as `(config as any)[name]`; prefer adding it to the table here so it gets a static type.
 */
export function registerDirective(d: Directive): void {
  register(d);
}

/** Case-insensitive lookup by primary name or alias. */
export function lookupDirective(name: string): Entry | undefined {
  return byName.get(name.toLowerCase());
}

/** All registered names (primary names and aliases), in table order. */
export function allEntries(): readonly Entry[] {
  return ordered;
}

/** All directives (primary only), in table order. */
export function allDirectives(): readonly Directive[] {
  return directives;
}

function syncTyped(d: Directive): void {
  mutableConfig[d.name] = d.value();
}

/** Puts every directive back to its default (tests, and the loader before it reads a file). */
export function resetConfig(): void {
  for (const d of directives) {
    d.init();
    syncTyped(d);
  }
  saveLoaded = false;
}

function clusterEnabled(): boolean {
  return (config as ConfigValues)['cluster-enabled'];
}

// ---------------------------------------------------------------------------------------------------
// Listeners

export type Listener<K extends ConfigName> = (
  value: ConfigValues[K],
  old: ConfigValues[K],
  name: K,
) => void | string | undefined;

const listeners = new Map<string, Listener<ConfigName>[]>();

/**
 * Calls `fn` after CONFIG SET changes `name` (all values of that CONFIG SET are already stored).
 * Return a string (or throw) to refuse the change: the whole CONFIG SET is rolled back and the client gets
 * "ERR CONFIG SET failed (possibly related to argument '<name>') - <your text>". Listeners must be
 * synchronous. They are not called while the config file / command line loads: read `config` after
 * loading instead. Returns a function that removes the listener.
 */
export function onChange<K extends ConfigName>(name: K, fn: Listener<K>): () => void {
  const e = lookupDirective(name);
  if (!e) throw new Error(`onChange: unknown config directive '${name}'`);
  const key = e.def.name;
  let arr = listeners.get(key);
  if (!arr) listeners.set(key, (arr = []));
  arr.push(fn as unknown as Listener<ConfigName>);
  return () => {
    const a = listeners.get(key);
    if (!a) return;
    const i = a.indexOf(fn as unknown as Listener<ConfigName>);
    if (i !== -1) a.splice(i, 1);
  };
}

const anyListeners: ((name: ConfigName) => void | string | undefined)[] = [];
/**
 * Calls `fn(name)` for every directive a CONFIG SET changed, after that directive's own onChange
 * listeners. Same rules as onChange(): synchronous, a returned string (or a throw) vetoes the change.
 */
export function onAnyChange(fn: (name: ConfigName) => void | string | undefined): () => void {
  anyListeners.push(fn);
  return () => {
    const i = anyListeners.indexOf(fn);
    if (i !== -1) anyListeners.splice(i, 1);
  };
}

function fire(d: Directive, old: unknown): string | null {
  const arr = [
    ...(listeners.get(d.name) ?? []),
    ...anyListeners.map((f) => (_v: unknown, _o: unknown, n: ConfigName) => f(n)),
  ];
  if (arr.length === 0) return null;
  const v = mutableConfig[d.name];
  for (const fn of arr) {
    try {
      const r = (fn as (v: unknown, o: unknown, n: string) => unknown)(v, old, d.name);
      if (typeof r === 'string') return r;
    } catch (err) {
      return (err as Error)?.message ?? String(err);
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------
// GET / SET engine

/** Splits a CONFIG SET value like Redis' performInterfaceSet(). */
function setArgs(d: Directive, value: string): string[] {
  return d.flags & MULTI_ARG ? splitSpaces(value) : [value];
}

/**
 * Sets one directive from already-split arguments and enforces Strata's default-only rule.
 * Used by the loader (file and command line) and by CONFIG SET.
 */
export function setDirective(d: Directive, args: readonly string[], ctx: SetContext): SetResult {
  const r = d.set(args, ctx);
  if (typeof r === 'string') return r;
  if (d.support === 'default-only' && d.get() !== d.defaultText) {
    // A default-only directive can only ever hold its default, so that is what it goes back to.
    d.init();
    return d.unsupported ?? `${d.name} is not supported by Strata`;
  }
  syncTyped(d);
  return r;
}

/** Re-syncs typed values after direct set() calls (the loader uses setDirective, which syncs). */
export function syncAll(): void {
  for (const d of directives) syncTyped(d);
}

/** CONFIG GET value text of one directive (by primary name or alias), or null when unknown. */
export function getConfigText(name: string): string | null {
  const e = lookupDirective(name);
  return e ? e.def.get() : null;
}

/**
 * CONFIG GET semantics (Redis 7.0): several patterns; a pattern without [*? is an exact, case-insensitive
 * lookup that also finds hidden directives and is answered under the name as typed; glob patterns match
 * case-insensitively against every non-hidden name and alias. Each directive name appears once.
 */
export function configGet(patterns: readonly string[]): [string, string][] {
  const matches = new Map<string, [string, Directive]>();
  for (const p of patterns) {
    if (!hasGlobChars(p)) {
      const k = p.toLowerCase();
      if (matches.has(k)) continue;
      const e = lookupDirective(p);
      if (e) matches.set(k, [p, e.def]);
      continue;
    }
    for (const e of ordered) {
      if (e.def.flags & HIDDEN) continue;
      const k = e.name.toLowerCase();
      if (matches.has(k)) continue;
      if (stringmatch(p, e.name, true)) matches.set(k, [e.name, e.def]);
    }
  }
  const out: [string, string][] = [];
  for (const [n, d] of matches.values()) out.push([n, d.get()]);
  return out;
}

export type ProtectedSetting = 'no' | 'yes' | 'local';

/** Redis allowProtectedAction(): 'yes', or 'local' and the client is on loopback / a unix socket. */
export function allowProtectedAction(setting: ProtectedSetting | string, isLocal: boolean): boolean {
  return setting === 'yes' || (setting === 'local' && isLocal);
}

/** Redis islocalClient() for a Strata "ip:port" peer address ("[::1]:port" and "/path" accepted too). */
export function isLocalAddr(addr: string): boolean {
  if (addr.startsWith('/') || addr.startsWith('unix:')) return true;
  let ip = addr;
  if (addr.startsWith('[')) {
    const end = addr.indexOf(']');
    ip = end === -1 ? addr.slice(1) : addr.slice(1, end);
  } else {
    const i = addr.lastIndexOf(':');
    if (i !== -1) ip = addr.slice(0, i);
  }
  return ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1';
}

let loadingProbe: () => boolean = () => false;
/** Lets CONFIG SET answer -LOADING for appendonly/dir/repl-diskless-load while the dataset loads. */
export function setLoadingProbe(fn: () => boolean): void {
  loadingProbe = fn;
}

export const LOADING_ERR = 'LOADING Redis is loading the dataset in memory';

export interface ConfigSetOptions {
  /** The client is local (loopback/unix): matters for enable-protected-configs local. */
  local?: boolean;
}

/**
 * CONFIG SET name value [name value ...], atomically, with Redis 7.0's checks and error texts.
 * Returns null on success or the full error message ("ERR ..." / "LOADING ...") without the leading '-'.
 */
export function configSet(pairs: readonly string[], opts: ConfigSetOptions = {}): string | null {
  const n = pairs.length >> 1;
  const set: (Entry | undefined)[] = new Array(n);
  const values: string[] = new Array(n);
  let invalidArgName: string | null = null;
  let invalid = false;
  let denyLoading = false;
  let errstr: string | null = null;
  let errArgName = '';

  for (let i = 0; i < n; i++) {
    const name = pairs[2 * i];
    const e = lookupDirective(name);
    if (!e) {
      if (!invalid) {
        invalidArgName = name;
        invalid = true;
      }
      continue;
    }
    if (invalid) continue;
    const d = e.def;
    if (
      d.flags & IMMUTABLE ||
      (d.flags & PROTECTED && !allowProtectedAction(config['enable-protected-configs'], !!opts.local))
    ) {
      errstr = d.flags & IMMUTABLE ? "can't set immutable config" : "can't set protected config";
      errArgName = name;
      invalid = true;
      continue;
    }
    if (d.flags & DENY_LOADING && loadingProbe()) {
      denyLoading = true;
      invalid = true;
      continue;
    }
    for (let j = 0; j < i; j++) {
      if (set[j] === e) {
        errstr = 'duplicate parameter';
        errArgName = name;
        invalid = true;
        break;
      }
    }
    set[i] = e;
    values[i] = pairs[2 * i + 1];
  }

  if (!invalid) {
    const entries = set as Entry[];
    const oldText = entries.map((e) => e.def.get());
    const oldTyped = entries.map((e) => mutableConfig[e.def.name]);
    const ctx: SetContext = { readingFile: false };
    const restore = (upto: number): void => {
      for (let i = 0; i < upto; i++) {
        const d = entries[i].def;
        const r = d.set(setArgs(d, oldText[i]), ctx);
        if (typeof r === 'string') {
          // Same as Redis: log-worthy but nothing else to do.
        }
      }
      for (let i = 0; i < upto; i++) syncTyped(entries[i].def);
    };
    const changed: number[] = [];
    for (let i = 0; i < n; i++) {
      const d = entries[i].def;
      const r = setDirective(d, setArgs(d, values[i]), ctx);
      if (typeof r === 'string') {
        restore(i + 1);
        errstr = r;
        errArgName = entries[i].name;
        return finish();
      }
      if (r === 1) changed.push(i);
    }
    for (const e of entries) syncTyped(e.def);
    // Apply: one call per directive (aliases share it), in order.
    const fired = new Set<Directive>();
    for (const i of changed) {
      const d = entries[i].def;
      if (fired.has(d)) continue;
      fired.add(d);
      const msg = fire(d, oldTyped[i]);
      if (msg !== null) {
        const newTyped = entries.map((e) => mutableConfig[e.def.name]);
        restore(n);
        // Let every listener that may have seen the new value see the old one again (errors ignored,
        // as in Redis' restoreBackupConfig()).
        const refired = new Set<Directive>();
        for (const k of changed) {
          const dk = entries[k].def;
          if (refired.has(dk)) continue;
          refired.add(dk);
          fire(dk, newTyped[k]);
        }
        errstr = msg;
        errArgName = entries[i].def.name;
        return finish();
      }
    }
    return null;
  }
  return finish();

  function finish(): string {
    if (denyLoading) return LOADING_ERR;
    if (invalidArgName !== null) return `ERR Unknown option or number of arguments for CONFIG SET - '${invalidArgName}'`;
    if (errstr !== null) return `ERR CONFIG SET failed (possibly related to argument '${errArgName}') - ${errstr}`;
    return `ERR CONFIG SET failed (possibly related to argument '${errArgName}')`;
  }
}

/** Indexes (into the CONFIG SET argv, 0 = "config") of values to redact in SLOWLOG/MONITOR. */
export function configSetSensitiveArgs(argv: readonly string[]): number[] {
  const out: number[] = [];
  for (let i = 2; i + 1 < argv.length; i += 2) {
    const e = lookupDirective(argv[i]);
    if (e && e.def.flags & SENSITIVE) out.push(i + 1);
  }
  return out;
}

/** Resolves a path the way Redis does after chdir(dir): relative paths are relative to `dir`. */
export function resolveInDir(p: string): string {
  return path.resolve(config.dir, p);
}

/** CONFIG REWRITE support: the directive list in rewrite order (primary names only). */
export function rewriteAll(out: RewriteSink): void {
  for (const d of directives) d.rewrite(out);
}


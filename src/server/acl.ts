// Redis 7.0's ACL model: users, selectors, rule parsing (ACL SETUSER), the ACL LIST description,
// permission checks for the dispatcher, AUTH, and the ACL log.
//
// Follows Redis 7.0's acl.c closely, because the visible behaviour (error texts, the minimal
// description ACL LIST prints, which key flags need which permission) is the spec:
// - every command (containers and subcommands alike) has a numeric id; a selector holds a bitmap of
//   allowed ids plus a "future commands" flag (Redis' reserved bit, set by +@all, cleared by -@all)
//   that also answers for ids beyond the bitmap;
// - key patterns carry R/W permissions (~ = both, %R~, %W~); a key needs R when its key spec has
//   ACCESS and W when it has INSERT, DELETE or UPDATE (ACLSelectorCheckKey), so RO/RW/OW alone need
//   nothing but a matching pattern;
// - channels: PUBLISH/SPUBLISH and SUBSCRIBE/SSUBSCRIBE channels are glob-matched, PSUBSCRIBE patterns
//   are compared literally; UNSUBSCRIBE variants are never checked.
// Single-command rules at the end of a description follow the command table's order (Redis prints
// them in its dict order, which changes from run to run).
//
// Strings are latin1 (one char per byte), like everywhere in Strata.
import { createHash, randomBytes, timingSafeEqual } from 'crypto';
import * as fs from 'fs';
import { stringmatch } from '../util/glob';
import { splitArgs } from '../util/splitargs';
import type { AclUserRef, Client } from './context';
import { E } from '../protocol/errors';
import {
  ACL_CATEGORY_NAMES,
  allCommands,
  getKeysWithFlags,
  tableGeneration,
  KEY_ACCESS,
  KEY_DELETE,
  KEY_INSERT,
  KEY_UPDATE,
} from './commandTable';
import type { CommandSpec, KeyRef } from './commandTable';

// ---------------------------------------------------------------------------------------------
// Command table view

/** What the ACL code reads from a command spec (commandTable.ts' CommandSpec satisfies it). */
export interface AclCommandSpec {
  /** 'get', 'config|get' */
  readonly fullName: string;
  readonly parent: AclCommandSpec | null;
  /** e.g. ['@read', '@string', '@fast'] (case and the '@' are optional). */
  readonly acl_categories?: readonly string[];
  /** Command flags, e.g. ['readonly', 'fast'] (case-insensitive). */
  readonly flags?: readonly string[];
  /** Key specs in declaration order; only `flags` is read (RO RW OW RM ACCESS INSERT DELETE UPDATE ...). */
  readonly key_specs?: readonly { readonly flags?: readonly string[] }[];
  readonly arity?: number;
}

/** Redis 7.0's categories, in ACL CAT order. */
export const ACL_CATEGORIES = ACL_CATEGORY_NAMES;
const CAT_INDEX = new Map<string, number>(ACL_CATEGORIES.map((n, i) => [n, i]));
const CAT = (n: string): number => 1 << (CAT_INDEX.get(n) as number);

/** Category bit (1 << index) for a name (case-insensitive, without '@'), or 0. */
export function categoryFlag(name: string): number {
  const i = CAT_INDEX.get(name.toLowerCase());
  return i === undefined ? 0 : 1 << i;
}

const PERM_R = 1;
const PERM_W = 2;
const PERM_ALL = 3;

const CH_PUBLISH = 1;
const CH_SUBSCRIBE = 2;
const CH_PATTERN = 4;

/** Internal per-command record. */
interface CmdInfo {
  id: number;
  /** lower-case full name */
  name: string;
  parent: CmdInfo | null;
  subs: CmdInfo[];
  cats: number;
  noAuth: boolean;
  /** Permissions each key spec needs (PERM_R/PERM_W), by key-spec index. */
  keyPerms: number[];
  /** Union over key specs (what a key needs when its spec is unknown). */
  keyPermsUnion: number;
  /**
   * Plain key positions are not enough: key specs need different permissions (LMOVE, COPY,
   * SORT ... STORE) or the flags depend on the arguments (VARIABLE_FLAGS: SET ... GET, BITFIELD).
   */
  needsKeyFlags: boolean;
  /** Channel arguments: CH_* flags, 0 = none. */
  channels: number;
  /** Channel argument range: publish = argv[1] only, subscribe = argv[1..]. */
  chanAll: boolean;
  spec: AclCommandSpec;
}

const idByName = new Map<string, number>(); // stable ids by full name (Redis' ACLGetCommandID)
let nextId = 0;
function commandId(name: string): number {
  let id = idByName.get(name);
  if (id === undefined) {
    id = nextId++;
    idByName.set(name, id);
  }
  return id;
}

let topLevel: CmdInfo[] = []; // table order; subcommands hang off their container
const byName = new Map<string, CmdInfo>(); // 'get', 'config|get'
let bySpec = new WeakMap<object, CmdInfo>();
/** Per category index: the commands in it, in the order Redis' recursive walk visits them. */
let catMembers: CmdInfo[][] = ACL_CATEGORIES.map(() => []);

type CommandSource = () => Iterable<AclCommandSpec>;
let commandSource: CommandSource | null = null;
let lastSourceResult: unknown = null;
let lastSourceSize = -1;
let lastGeneration = -1;

/**
 * Overrides where the ACL code takes the command table from (tests, tools). By default it follows
 * commandTable.ts: the registered commands (allCommands()) and their registered subcommands, rebuilt
 * whenever tableGeneration() changes. The iterable may list subcommands itself or expose them via a
 * `subcommands` field (array, Map or record) on their container; specs with `registered === false`
 * are left out.
 */
export function setCommandSource(src: CommandSource | null): void {
  commandSource = src;
  lastSourceResult = null;
  lastSourceSize = -1;
  lastGeneration = -1;
  ensureTable();
}

function ensureTable(): void {
  if (commandSource === null) {
    const g = tableGeneration();
    if (g === lastGeneration) return;
    const list = allCommands();
    lastGeneration = tableGeneration();
    buildTable(list);
    return;
  }
  const res = commandSource();
  const size = Array.isArray(res) ? res.length : res instanceof Map || res instanceof Set ? res.size : -2;
  if (res === lastSourceResult && size === lastSourceSize && size !== -2) return;
  lastSourceResult = res;
  lastSourceSize = size;
  buildTable(res);
}

function subsOf(spec: AclCommandSpec): AclCommandSpec[] {
  const s = (spec as { subcommands?: unknown }).subcommands;
  let list: AclCommandSpec[];
  if (s === null || s === undefined) return [];
  if (Array.isArray(s)) list = s as AclCommandSpec[];
  else if (s instanceof Map) list = [...(s.values() as Iterable<AclCommandSpec>)];
  else if (typeof s === 'object') list = Object.values(s as Record<string, AclCommandSpec>);
  else return [];
  return list.filter((x) => (x as { registered?: boolean }).registered !== false);
}

function buildTable(specs: Iterable<AclCommandSpec>): void {
  topLevel = [];
  byName.clear();
  bySpec = new WeakMap();
  const pending: AclCommandSpec[] = [];
  const visit = (spec: AclCommandSpec): void => {
    if ((spec as { registered?: boolean }).registered === false) return;
    pending.push(spec);
    for (const sub of subsOf(spec)) visit(sub);
  };
  for (const spec of specs) visit(spec);
  // Containers first, so subcommands find their parent whatever the input order.
  for (const spec of pending) if (spec.parent === null || spec.parent === undefined) addSpec(spec);
  for (const spec of pending) if (spec.parent !== null && spec.parent !== undefined) addSpec(spec);
  rebuildCategories();
}

function addSpec(spec: AclCommandSpec): CmdInfo {
  const name = spec.fullName.toLowerCase();
  const existing = byName.get(name);
  if (existing !== undefined) {
    bySpec.set(spec, existing);
    return existing;
  }
  let parent: CmdInfo | null = null;
  if (spec.parent) parent = bySpec.get(spec.parent) ?? byName.get(spec.parent.fullName.toLowerCase()) ?? addSpec(spec.parent);
  const flags = (spec.flags ?? []).map((f) => f.toLowerCase());
  const has = (f: string): boolean => flags.includes(f);
  let cats = 0;
  for (const c of spec.acl_categories ?? []) cats |= categoryFlag(c[0] === '@' ? c.slice(1) : c);
  // setImplicitACLCategories()
  if (has('write')) cats |= CAT('write');
  if (has('readonly') && !(cats & CAT('scripting'))) cats |= CAT('read');
  if (has('admin')) cats |= CAT('admin') | CAT('dangerous');
  if (has('pubsub')) cats |= CAT('pubsub');
  if (has('fast')) cats |= CAT('fast');
  if (has('blocking')) cats |= CAT('blocking');
  if (!(cats & CAT('fast'))) cats |= CAT('slow');
  const keyPerms: number[] = [];
  let union = 0;
  let mixed = false;
  let seen = false;
  for (const ks of spec.key_specs ?? []) {
    let p = 0;
    let notKey = false;
    for (const f of ks.flags ?? []) {
      const u = f.toUpperCase();
      if (u === 'ACCESS') p |= PERM_R;
      else if (u === 'INSERT' || u === 'DELETE' || u === 'UPDATE') p |= PERM_W;
      else if (u === 'VARIABLE_FLAGS') mixed = true;
      else if (u === 'NOT_KEY') notKey = true;
    }
    keyPerms.push(p);
    if (!notKey) {
      if (seen && p !== union) mixed = true;
      seen = true;
      union |= p;
    }
  }
  let channels = 0;
  let chanAll = false;
  switch (name) {
    case 'subscribe':
    case 'ssubscribe':
      channels = CH_SUBSCRIBE;
      chanAll = true;
      break;
    case 'psubscribe':
      channels = CH_SUBSCRIBE | CH_PATTERN;
      chanAll = true;
      break;
    case 'publish':
    case 'spublish':
      channels = CH_PUBLISH;
      break;
  }
  const info: CmdInfo = {
    id: commandId(name),
    name,
    parent,
    subs: [],
    cats,
    noAuth: has('no_auth') || (spec as { noAuth?: boolean }).noAuth === true,
    keyPerms,
    keyPermsUnion: union,
    needsKeyFlags: mixed,
    channels,
    chanAll,
    spec,
  };
  byName.set(name, info);
  bySpec.set(spec, info);
  if (parent) parent.subs.push(info);
  else topLevel.push(info);
  return info;
}

function rebuildCategories(): void {
  catMembers = ACL_CATEGORIES.map(() => []);
  const walk = (list: CmdInfo[]): void => {
    for (const c of list) {
      for (let j = 0; j < ACL_CATEGORIES.length; j++) if (c.cats & (1 << j)) catMembers[j].push(c);
      if (c.subs.length) walk(c.subs);
    }
  };
  walk(topLevel);
}

function infoForSpec(spec: AclCommandSpec): CmdInfo {
  let info = bySpec.get(spec);
  if (info !== undefined) return info;
  ensureTable();
  info = bySpec.get(spec) ?? byName.get(spec.fullName.toLowerCase());
  if (info === undefined) {
    info = addSpec(spec);
    rebuildCategories();
  } else bySpec.set(spec, info);
  return info;
}

/** Redis' ACLLookupCommand: 'get', 'config|get'; strict about the number of '|' parts. */
function lookupAclCommand(name: string): CmdInfo | null {
  ensureTable();
  const parts = name.split('|');
  if (parts.length > 2) return null;
  const base = byName.get(parts[0].toLowerCase());
  if (base === undefined || base.parent !== null) return null;
  if (parts.length === 1) return base;
  if (base.subs.length === 0) return null;
  return byName.get(base.name + '|' + parts[1].toLowerCase()) ?? null;
}

/**
 * Redis' lookupCommand (not strict): argv[0] and, for containers, argv[1]. Used by ACL DRYRUN.
 * Returns the spec or null.
 */
export function lookupCommandForAcl(argv: readonly string[]): AclCommandSpec | null {
  ensureTable();
  const base = byName.get(argv[0].toLowerCase());
  if (base === undefined || base.parent !== null) return null;
  if (argv.length === 1 || base.subs.length === 0) return base.spec;
  return byName.get(base.name + '|' + argv[1].toLowerCase())?.spec ?? null;
}

/** Command names in a category, as ACL CAT <category> lists them (subcommands as 'config|get'). */
export function commandsInCategory(category: string): string[] | null {
  const f = categoryFlag(category);
  if (f === 0) return null;
  ensureTable();
  const idx = CAT_INDEX.get(category.toLowerCase()) as number;
  return catMembers[idx].map((c) => c.name);
}

// ---------------------------------------------------------------------------------------------
// Selectors and users

interface KeyPattern {
  pattern: string;
  perm: number;
}

/** Redis' acl-pubsub-default: new selectors start with allchannels when true (7.0 default: false). */
let pubsubDefaultAll = false;
export function setPubsubDefault(allChannels: boolean): void {
  pubsubDefaultAll = allChannels;
}
export function getPubsubDefault(): boolean {
  return pubsubDefaultAll;
}

export class Selector {
  root: boolean;
  allKeys = false;
  allChannels: boolean;
  /** SELECTOR_FLAG_ALLCOMMANDS: set by +@all, cleared when any bit is cleared. */
  allCommands = false;
  /** The reserved "future commands" bit: set by +@all, cleared by -@all; answers for unknown ids. */
  future = false;
  bits: Uint8Array = new Uint8Array(0);
  firstArgs: Map<number, string[]> | null = null;
  keys: KeyPattern[] = [];
  channels: string[] = [];

  constructor(root: boolean) {
    this.root = root;
    this.allChannels = pubsubDefaultAll;
  }

  clone(): Selector {
    const s = new Selector(this.root);
    s.allKeys = this.allKeys;
    s.allChannels = this.allChannels;
    s.allCommands = this.allCommands;
    s.future = this.future;
    s.bits = this.bits.slice();
    if (this.firstArgs) {
      s.firstArgs = new Map();
      for (const [k, v] of this.firstArgs) s.firstArgs.set(k, v.slice());
    }
    s.keys = this.keys.map((k) => ({ pattern: k.pattern, perm: k.perm }));
    s.channels = this.channels.slice();
    return s;
  }

  getBit(id: number): boolean {
    return id < this.bits.length ? this.bits[id] === 1 : this.future;
  }

  setBit(id: number, v: boolean): void {
    if (id >= this.bits.length) {
      if (v === this.future) return; // already reads as v
      const n = new Uint8Array(Math.max(id + 1, nextId, this.bits.length * 2));
      n.set(this.bits);
      if (this.future) n.fill(1, this.bits.length);
      this.bits = n;
    }
    this.bits[id] = v ? 1 : 0;
    if (!v) this.allCommands = false;
  }

  setAll(v: boolean): void {
    this.bits = new Uint8Array(Math.max(nextId, 1));
    if (v) this.bits.fill(1);
    this.future = v;
    this.allCommands = v;
    this.firstArgs = null;
  }
}

/** ACLSetUser failures (the errno values Redis sets), turned into texts by aclErrorText(). */
export type AclErr = 'ENOENT' | 'EINVAL' | 'EEXIST' | 'EISDIR' | 'ENODEV' | 'EBADMSG' | 'ECHILD' | 'EALREADY';

export function aclErrorText(e: AclErr): string {
  switch (e) {
    case 'ENOENT':
      return 'Unknown command or category name in ACL';
    case 'EINVAL':
      return 'Syntax error';
    case 'EEXIST':
      return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
    case 'EISDIR':
      return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels";
    case 'ENODEV':
      return 'The password you are trying to remove from the user does not exist';
    case 'EBADMSG':
      return 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters';
    case 'EALREADY':
      return 'Duplicate user found. A user can only be defined once in config files';
    case 'ECHILD':
      return 'Allowing first-arg of a subcommand is not supported';
  }
}

export class User implements AclUserRef {
  name: string;
  /** USER_FLAG_ENABLED / USER_FLAG_DISABLED (a new user is "off"). */
  enabled = false;
  nopass = false;
  /** 0: neither flag, 1: sanitize-payload, 2: skip-sanitize-payload */
  sanitize = 0;
  /** sha256 hex of each password, in insertion order. */
  passwords: string[] = [];
  /** selectors[0] is the root selector. */
  selectors: Selector[] = [new Selector(true)];
  /** Fast path: the root selector allows every command, key and channel. Kept by refresh(). */
  allowsAll = false;

  constructor(name: string) {
    this.name = name;
  }

  get root(): Selector {
    return this.selectors[0];
  }

  /** Recomputes derived flags; called after every change. */
  refresh(): void {
    const r = this.selectors[0];
    this.allowsAll = r.allCommands && r.allKeys && r.allChannels;
  }

  /** ACLCopyUser: take src's rules (not its name). Keeps this object's identity for clients. */
  copyFrom(src: User): void {
    this.enabled = src.enabled;
    this.nopass = src.nopass;
    this.sanitize = src.sanitize;
    this.passwords = src.passwords.slice();
    this.selectors = src.selectors.map((s) => s.clone());
    this.refresh();
  }

  clone(name = this.name): User {
    const u = new User(name);
    u.copyFrom(this);
    return u;
  }
}

export function hashPassword(pw: string): string {
  return createHash('sha256').update(Buffer.from(pw, 'latin1')).digest('hex');
}

function validHash(h: string): boolean {
  return /^[0-9a-f]{64}$/.test(h);
}

/** isspace() or NUL, like ACLStringHasSpaces. */
export function hasSpaces(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13) || c === 0) return true;
  }
  return false;
}

/** C-string view: Redis compares ops with strcasecmp, which stops at a NUL. */
function cstr(s: string): string {
  const z = s.indexOf('\0');
  return z === -1 ? s : s.slice(0, z);
}

function changePerm(sel: Selector, cmd: CmdInfo, allow: boolean): void {
  sel.setBit(cmd.id, allow);
  if (sel.firstArgs) {
    sel.firstArgs.delete(cmd.id);
    if (sel.firstArgs.size === 0) sel.firstArgs = null;
  }
  for (const sub of cmd.subs) sel.setBit(sub.id, allow);
}

function setCategory(sel: Selector, catIdx: number, allow: boolean): void {
  for (const c of catMembers[catIdx]) changePerm(sel, c, allow);
}

function countCategory(sel: Selector, catIdx: number): [number, number] {
  let on = 0;
  let off = 0;
  for (const c of catMembers[catIdx]) {
    if (sel.getBit(c.id)) on++;
    else off++;
  }
  return [on, off];
}

/** ACLSetSelector. Returns null on success or the error code. */
export function setSelectorOp(sel: Selector, op: string): AclErr | null {
  const lo = cstr(op).toLowerCase();
  if (lo === 'allkeys' || lo === '~*') {
    sel.allKeys = true;
    sel.keys = [];
  } else if (lo === 'resetkeys') {
    sel.allKeys = false;
    sel.keys = [];
  } else if (lo === 'allchannels' || lo === '&*') {
    sel.allChannels = true;
    sel.channels = [];
  } else if (lo === 'resetchannels') {
    sel.allChannels = false;
    sel.channels = [];
  } else if (lo === 'allcommands' || lo === '+@all') {
    sel.setAll(true);
  } else if (lo === 'nocommands' || lo === '-@all') {
    sel.setAll(false);
  } else if (op[0] === '~' || op[0] === '%') {
    if (sel.allKeys) return 'EEXIST';
    let perm = 0;
    let offset = 1;
    if (op[0] === '%') {
      for (; offset < op.length; offset++) {
        const ch = op[offset].toUpperCase();
        if (ch === 'R' && !(perm & PERM_R)) perm |= PERM_R;
        else if (ch === 'W' && !(perm & PERM_W)) perm |= PERM_W;
        else if (op[offset] === '~') {
          offset++;
          break;
        } else return 'EINVAL';
      }
    } else perm = PERM_ALL;
    if (perm === 0) return 'EINVAL';
    const pat = op.slice(offset);
    if (hasSpaces(pat)) return 'EINVAL';
    const ex = sel.keys.find((k) => k.pattern === pat);
    if (ex) ex.perm |= perm;
    else sel.keys.push({ pattern: pat, perm });
    sel.allKeys = false;
  } else if (op[0] === '&') {
    if (sel.allChannels) return 'EISDIR';
    const pat = op.slice(1);
    if (hasSpaces(pat)) return 'EINVAL';
    if (!sel.channels.includes(pat)) sel.channels.push(pat);
    sel.allChannels = false;
  } else if (op[0] === '+' && op[1] !== '@') {
    const body = cstr(op.slice(1));
    const bar = body.lastIndexOf('|');
    if (bar === -1) {
      const cmd = lookupAclCommand(body);
      if (cmd === null) return 'ENOENT';
      changePerm(sel, cmd, true);
    } else {
      const cmd = lookupAclCommand(body.slice(0, bar));
      const sub = body.slice(bar + 1);
      if (cmd === null) return 'ENOENT';
      if (cmd.parent !== null) return 'ECHILD';
      if (sub.length === 0) return 'EINVAL';
      if (cmd.subs.length) {
        const sc = lookupAclCommand(body);
        if (sc === null) return 'ENOENT';
        changePerm(sel, sc, true);
      } else {
        // First-arg rule (+select|0): deprecated in Redis, still supported.
        if (sel.firstArgs === null) sel.firstArgs = new Map();
        let list = sel.firstArgs.get(cmd.id);
        if (list === undefined) sel.firstArgs.set(cmd.id, (list = []));
        if (!list.some((a) => a.toLowerCase() === sub.toLowerCase())) list.push(sub);
      }
    }
  } else if (op[0] === '-' && op[1] !== '@') {
    const cmd = lookupAclCommand(cstr(op.slice(1)));
    if (cmd === null) return 'ENOENT';
    changePerm(sel, cmd, false);
  } else if ((op[0] === '+' || op[0] === '-') && op[1] === '@') {
    const idx = CAT_INDEX.get(cstr(op.slice(2)).toLowerCase());
    if (idx === undefined) return 'ENOENT';
    ensureTable();
    setCategory(sel, idx, op[0] === '+');
  } else return 'EINVAL';
  return null;
}

/** ACLSetUser: applies one rule to a user. Returns null on success or the error code. */
export function setUserOp(u: User, op: string): AclErr | null {
  const r = setUserOpInner(u, op);
  u.refresh();
  return r;
}

function setUserOpInner(u: User, op: string): AclErr | null {
  if (op.length === 0) return null;
  const lo = cstr(op).toLowerCase();
  if (lo === 'on') u.enabled = true;
  else if (lo === 'off') u.enabled = false;
  else if (lo === 'skip-sanitize-payload') u.sanitize = 2;
  else if (lo === 'sanitize-payload') u.sanitize = 1;
  else if (lo === 'nopass') {
    u.nopass = true;
    u.passwords = [];
  } else if (lo === 'resetpass') {
    u.nopass = false;
    u.passwords = [];
  } else if (op[0] === '>' || op[0] === '#') {
    let h: string;
    if (op[0] === '>') h = hashPassword(op.slice(1));
    else {
      h = op.slice(1);
      if (!validHash(h)) return 'EBADMSG';
    }
    if (!u.passwords.includes(h)) u.passwords.push(h);
    u.nopass = false;
  } else if (op[0] === '<' || op[0] === '!') {
    let h: string;
    if (op[0] === '<') h = hashPassword(op.slice(1));
    else {
      h = op.slice(1);
      if (!validHash(h)) return 'EBADMSG';
    }
    const i = u.passwords.indexOf(h);
    if (i === -1) return 'ENODEV';
    u.passwords.splice(i, 1);
  } else if (op[0] === '(' && op[op.length - 1] === ')') {
    const sel = new Selector(false);
    const args = splitArgs(op.slice(1, -1)) ?? [];
    for (const a of args) {
      const e = setSelectorOp(sel, a);
      if (e !== null) return e;
    }
    u.selectors.push(sel);
  } else if (lo === 'clearselectors') {
    u.selectors.length = 1;
  } else if (lo === 'reset') {
    setUserOpInner(u, 'resetpass');
    setUserOpInner(u, 'resetkeys');
    setUserOpInner(u, 'resetchannels');
    if (pubsubDefaultAll) setUserOpInner(u, 'allchannels');
    setUserOpInner(u, 'off');
    setUserOpInner(u, 'sanitize-payload');
    setUserOpInner(u, 'clearselectors');
    setUserOpInner(u, '-@all');
  } else return setSelectorOp(u.root, op);
  return null;
}

/**
 * ACLMergeSelectorArguments: joins "(a" "b" "c)" into "(a b c)". Returns the merged list, or the
 * index (into `ops`) of the unmatched opening argument.
 */
export function mergeSelectorArgs(ops: readonly string[]): string[] | number {
  const out: string[] = [];
  let open = -1;
  let cur = '';
  for (let j = 0; j < ops.length; j++) {
    const op = ops[j];
    if (op[0] === '(' && op[op.length - 1] !== ')') {
      cur = op;
      open = j;
      continue;
    }
    if (open !== -1) {
      cur += ' ' + op;
      if (op[op.length - 1] === ')') {
        open = -1;
        out.push(cur);
      }
      continue;
    }
    out.push(op);
  }
  return open !== -1 ? open : out;
}

// ---------------------------------------------------------------------------------------------
// Descriptions (ACL LIST, ACL GETUSER)

/** ACLDescribeSelectorCommandRules: "+@all -keys", "-@all +@read -keys", "-@all +get +set". */
export function describeCommandRules(sel: Selector): string {
  ensureTable();
  const additive = !sel.future;
  let rules = additive ? '-@all ' : '+@all ';
  const fake = new Selector(false);
  fake.setAll(!additive);
  const temp = new Selector(false);
  temp.bits = sel.bits.slice();
  temp.future = sel.future;
  const applied = new Array<boolean>(ACL_CATEGORIES.length).fill(false);
  for (;;) {
    let best = -1;
    let mindiff = Number.MAX_SAFE_INTEGER;
    let maxsame = 0;
    for (let j = 0; j < ACL_CATEGORIES.length; j++) {
      if (applied[j]) continue;
      const [on, off] = countCategory(temp, j);
      const diff = additive ? off : on;
      const same = additive ? on : off;
      if (same > diff && (diff < mindiff || (diff === mindiff && same > maxsame))) {
        best = j;
        mindiff = diff;
        maxsame = same;
      }
    }
    if (best === -1) break;
    setCategory(fake, best, additive);
    setCategory(temp, best, !additive);
    rules += (additive ? '+@' : '-@') + ACL_CATEGORIES[best] + ' ';
    applied[best] = true;
  }
  const single = (list: CmdInfo[]): void => {
    for (const cmd of list) {
      const userbit = sel.getBit(cmd.id);
      if (userbit !== fake.getBit(cmd.id)) {
        rules += (userbit ? '+' : '-') + cmd.name + ' ';
        changePerm(fake, cmd, userbit);
      }
      if (cmd.subs.length) single(cmd.subs);
      const fa = sel.firstArgs?.get(cmd.id);
      if (!userbit && fa) for (const a of fa) rules += '+' + cmd.name + '|' + a + ' ';
    }
  };
  single(topLevel);
  return rules.slice(0, -1);
}

function keyPatternText(k: KeyPattern): string {
  return (k.perm === PERM_ALL ? '~' : k.perm === PERM_R ? '%R~' : '%W~') + k.pattern;
}

/** ACLDescribeSelector: keys, channels, then command rules. */
export function describeSelector(sel: Selector): string {
  let res = '';
  if (sel.allKeys) res += '~* ';
  else for (const k of sel.keys) res += keyPatternText(k) + ' ';
  if (sel.allChannels) res += '&* ';
  else {
    res += 'resetchannels ';
    for (const c of sel.channels) res += '&' + c + ' ';
  }
  return res + describeCommandRules(sel);
}

/** Flag names as ACL GETUSER lists them, in Redis' order. */
export function userFlags(u: User): string[] {
  const f: string[] = [];
  f.push(u.enabled ? 'on' : 'off');
  if (u.nopass) f.push('nopass');
  if (u.sanitize === 2) f.push('skip-sanitize-payload');
  if (u.sanitize === 1) f.push('sanitize-payload');
  return f;
}

/** ACLDescribeUser: the rules part of an ACL LIST line ("on nopass ~* &* +@all"). */
export function describe(u: User): string {
  let res = '';
  for (const f of userFlags(u)) res += f + ' ';
  for (const p of u.passwords) res += '#' + p + ' ';
  for (const s of u.selectors) {
    const d = describeSelector(s);
    res += s.root ? d : ' (' + d + ')';
  }
  return res;
}

/** The ACL LIST / ACL SAVE line of a user. */
export function describeLine(u: User): string {
  return 'user ' + u.name + ' ' + describe(u);
}

/** ACL GETUSER "keys" field of a selector. */
export function selectorKeysText(s: Selector): string {
  return s.allKeys ? '~*' : s.keys.map(keyPatternText).join(' ');
}
/** ACL GETUSER "channels" field of a selector. */
export function selectorChannelsText(s: Selector): string {
  return s.allChannels ? '&*' : s.channels.map((c) => '&' + c).join(' ');
}

// ---------------------------------------------------------------------------------------------
// Registry

const users = new Map<string, User>();
let defUser: User = createDefaultUser();
users.set('default', defUser);

function createDefaultUser(): User {
  const u = new User('default');
  setUserOp(u, '+@all');
  setUserOp(u, '~*');
  setUserOp(u, '&*');
  setUserOp(u, 'on');
  setUserOp(u, 'nopass');
  return u;
}

export function defaultUser(): User {
  return defUser;
}
export function getUser(name: string): User | undefined {
  return users.get(name);
}
/** Users in ACL LIST order (byte order of the names). */
export function allUsers(): User[] {
  return [...users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
/** Creates an empty user ("off", no permissions), or returns null if it exists. */
export function createUser(name: string): User | null {
  if (users.has(name)) return null;
  const u = new User(name);
  u.refresh();
  users.set(name, u);
  return u;
}

export type UserDeletedHook = (userName: string, user: User) => void;
let userDeletedHook: UserDeletedHook | null = null;
/** Called for each deleted user (ACL DELUSER, ACL LOAD): the server kills clients authenticated as it. */
export function setUserDeletedHook(fn: UserDeletedHook | null): void {
  userDeletedHook = fn;
}

export type ChannelsRevokedHook = (user: User, stillAllowed: (channel: string, isPattern: boolean) => boolean) => void;
let channelsRevokedHook: ChannelsRevokedHook | null = null;
/**
 * Called by ACL SETUSER when a user's channel permissions shrank (ACLKillPubsubClientsIfNeeded):
 * the pub/sub layer should disconnect clients of `user` subscribed to a channel or pattern for
 * which `stillAllowed` is false.
 */
export function setChannelsRevokedHook(fn: ChannelsRevokedHook | null): void {
  channelsRevokedHook = fn;
}

/** Deletes a user (not "default"); returns false if it did not exist. */
export function deleteUser(name: string): boolean {
  const u = users.get(name);
  if (u === undefined || u === defUser) return false;
  users.delete(name);
  if (userDeletedHook) userDeletedHook(name, u);
  return true;
}

/**
 * ACL SETUSER semantics: validates every rule on a copy, then applies all or nothing.
 * Returns null on success or the full error message (without the leading "-").
 */
export function setUser(name: string, rules: readonly string[]): string | null {
  if (hasSpaces(name)) return "ERR Usernames can't contain spaces or null characters";
  const merged = mergeSelectorArgs(rules);
  if (typeof merged === 'number') return `ERR Unmatched parenthesis in acl selector starting at '${rules[merged]}'.`;
  const existing = users.get(name);
  const temp = existing ? existing.clone() : new User(name);
  for (const op of merged) {
    const e = setUserOp(temp, op);
    if (e !== null) return `ERR Error in ACL SETUSER modifier '${op}': ${aclErrorText(e)}`;
  }
  if (existing) {
    const revoked = channelsShrank(existing, temp);
    existing.copyFrom(temp);
    if (revoked && channelsRevokedHook) {
      const allowed = allowedChannelList(existing);
      channelsRevokedHook(existing, (ch, isPattern) => channelAgainstList(allowed, ch, isPattern));
    }
  } else {
    const u = createUser(name) as User;
    u.copyFrom(temp);
  }
  return null;
}

function allowedChannelList(u: User): string[] {
  const l: string[] = [];
  for (const s of u.selectors) l.push(...s.channels);
  return l;
}

/** ACLKillPubsubClientsIfNeeded's pre-checks: true when some old channel is no longer granted. */
function channelsShrank(old: User, neu: User): boolean {
  if (neu.selectors.some((s) => s.allChannels)) return false;
  const upcoming = new Set(allowedChannelList(neu));
  for (const s of old.selectors) {
    // allchannels before, a list now (redis 7.0.15 kills such subscribers too)
    if (s.allChannels) return true;
    for (const c of s.channels) if (!upcoming.has(c)) return true;
  }
  return false;
}

/**
 * requirepass: sets the default user's password (pw non-empty) or makes it nopass (pw '').
 */
export function setRequirePass(pw: string): void {
  setUserOp(defUser, 'resetpass');
  if (pw.length > 0) setUserOp(defUser, '>' + pw);
  else setUserOp(defUser, 'nopass');
}

/** Back to a fresh registry (tests, FLUSHALL-like resets of the ACL state). */
export function resetAcl(): void {
  for (const [name, u] of users) if (u !== defUser && userDeletedHook) userDeletedHook(name, u);
  users.clear();
  defUser.copyFrom(createDefaultUser());
  users.set('default', defUser);
  aclLog.length = 0;
}

// ---------------------------------------------------------------------------------------------
// Authentication

/** ACLCheckUserCredentials: the user when name/password are valid and the user is enabled. */
export function authenticate(username: string, password: string): User | null {
  const u = users.get(username);
  if (u === undefined || !u.enabled) return null;
  if (u.nopass) return u;
  const h = Buffer.from(hashPassword(password), 'latin1');
  let ok = false;
  for (const p of u.passwords) {
    if (timingSafeEqual(h, Buffer.from(p, 'latin1'))) ok = true;
  }
  return ok ? u : null;
}

/**
 * ACLAuthenticateUser: on success sets c.user / c.authenticated; on failure adds an "auth" ACL log
 * entry. `object` is the command name as typed (argv[0]) for the log.
 */
export function authenticateClient(c: Client, username: string, password: string, object?: string, inMulti = false): boolean {
  const u = authenticate(username, password);
  if (u !== null) {
    c.authenticated = true;
    c.user = u;
    return true;
  }
  addAclLogEntry(c, 'auth', inMulti ? 'multi' : 'toplevel', object ?? (c.cmd ? c.cmd.fullName : 'auth'), username);
  return false;
}

/** Whether a connection whose user is `u` and that did not AUTH must authenticate (Redis' authRequired). */
export function authRequiredFor(u: AclUserRef): boolean {
  // Redis looks at the default user only: connections start as "default".
  void u;
  return !defUser.nopass || !defUser.enabled;
}

/** Redis' authRequired(c): the connection must AUTH before running commands not flagged no-auth. */
export function authRequired(c: Client): boolean {
  return (!defUser.nopass || !defUser.enabled) && !c.authenticated;
}

/** A new connection's user and authenticated state (Redis' createClient). */
export function initClientAuth(c: Client): void {
  c.user = defUser;
  c.authenticated = defUser.nopass && defUser.enabled;
}

/** Resolves a client's user reference to the ACL user (by identity, else by name, else default). */
export function resolveUser(ref: AclUserRef): User {
  if (ref instanceof User) return ref;
  return users.get(ref.name) ?? defUser;
}

// ---------------------------------------------------------------------------------------------
// Permission checks

export type AclDenied = 'command' | 'key' | 'channel';
const REASON_RANK: Record<AclDenied, number> = { command: 1, key: 2, channel: 4 };

let deniedPos = 0;
/** argv index of the key or channel that caused the last 'key'/'channel' denial of checkCommand. */
export function lastDeniedPos(): number {
  return deniedPos;
}

function keyAllowed(sel: Selector, key: string, need: number): boolean {
  const ks = sel.keys;
  for (let i = 0; i < ks.length; i++) {
    const p = ks[i];
    if ((p.perm & need) !== need) continue;
    if (stringmatch(p.pattern, key)) return true;
  }
  return false;
}

function channelAgainstList(list: readonly string[], ch: string, isPattern: boolean): boolean {
  for (const p of list) {
    if (isPattern ? p === ch : stringmatch(p, ch)) return true;
  }
  return false;
}

// Keys of the command being checked, with the permission each needs (filled once per check).
const kPos: number[] = [];
const kPerm: number[] = [];
const KEY_W_BITS = KEY_INSERT | KEY_DELETE | KEY_UPDATE;
function permOfKeyFlags(f: number): number {
  return (f & KEY_ACCESS ? PERM_R : 0) | (f & KEY_W_BITS ? PERM_W : 0);
}

function isKeyRefs(keys: readonly number[] | readonly KeyRef[]): keys is readonly KeyRef[] {
  return keys.length > 0 && typeof keys[0] !== 'number';
}

/** Fills kPos/kPerm: what each key of this call needs (ACLSelectorCheckKey's key_flags). */
function collectKeys(
  cmd: CmdInfo,
  spec: AclCommandSpec,
  argv: readonly string[],
  keys: readonly number[] | readonly KeyRef[],
  keySpecIdx: readonly number[] | undefined,
): void {
  kPos.length = 0;
  kPerm.length = 0;
  if (keys.length === 0) return;
  if (!isKeyRefs(keys) && keySpecIdx === undefined && cmd.needsKeyFlags) {
    // Positions alone cannot tell what each key needs: ask for the flags.
    const refs = keysWithFlags(spec, argv);
    if (refs.length === keys.length) keys = refs;
  }
  if (isKeyRefs(keys)) {
    for (const k of keys) {
      kPos.push(k.pos);
      kPerm.push(permOfKeyFlags(k.flags));
    }
    return;
  }
  for (let j = 0; j < keys.length; j++) {
    const idx = keySpecIdx === undefined ? -1 : keySpecIdx[j];
    kPos.push(keys[j]);
    kPerm.push(idx >= 0 && idx < cmd.keyPerms.length ? cmd.keyPerms[idx] : cmd.keyPermsUnion);
  }
}

/** ACLSelectorCheckCmd (keys already collected). Sets deniedPos on key/channel denials. */
function selectorCheck(sel: Selector, cmd: CmdInfo, argv: readonly string[]): AclDenied | null {
  if (!sel.allCommands && !cmd.noAuth && !sel.getBit(cmd.id)) {
    const fa = sel.firstArgs?.get(cmd.id);
    if (argv.length < 2 || fa === undefined) return 'command';
    const arg = (argv[cmd.parent ? 2 : 1] ?? '').toLowerCase();
    if (!fa.some((a) => a.toLowerCase() === arg)) return 'command';
  }
  if (!sel.allKeys) {
    for (let j = 0; j < kPos.length; j++) {
      const pos = kPos[j];
      if (!keyAllowed(sel, argv[pos], kPerm[j])) {
        deniedPos = pos;
        return 'key';
      }
    }
  }
  if (!sel.allChannels && cmd.channels !== 0) {
    const isPattern = (cmd.channels & CH_PATTERN) !== 0;
    const last = cmd.chanAll ? argv.length - 1 : Math.min(1, argv.length - 1);
    for (let i = 1; i <= last; i++) {
      if (!channelAgainstList(sel.channels, argv[i], isPattern)) {
        deniedPos = i;
        return 'channel';
      }
    }
  }
  return null;
}

/**
 * The dispatcher's permission check (Redis' ACLCheckAllUserCommandPerm), run before every command
 * once authentication passed (skip it when `(c.user as User).allowsAll`).
 * `keys`: the command's keys, either as commandTable's getKeysWithFlags() refs (exact) or as plain
 * getKeys() positions; with positions, commands whose key specs need different permissions (LMOVE,
 * COPY, SORT ... STORE) are re-extracted with flags, unless `keySpecIdx[i]` tells the key-spec index
 * of keys[i]. Returns null when allowed, else why it is denied; lastDeniedPos() then tells the argv
 * index of the offending key or channel.
 */
export function checkCommand(
  userRef: AclUserRef,
  spec: AclCommandSpec,
  argv: readonly string[],
  keys: readonly number[] | readonly KeyRef[],
  keySpecIdx?: readonly number[],
): AclDenied | null {
  const u = userRef instanceof User ? userRef : resolveUser(userRef);
  if (u.allowsAll) return null;
  const cmd = infoForSpec(spec);
  collectKeys(cmd, spec, argv, keys, keySpecIdx);
  let relevant: AclDenied = 'command';
  let lastIdx = 0;
  const sels = u.selectors;
  for (let i = 0; i < sels.length; i++) {
    deniedPos = 0;
    const r = selectorCheck(sels[i], cmd, argv);
    if (r === null) return null;
    if (REASON_RANK[r] > REASON_RANK[relevant] || (r === relevant && deniedPos > lastIdx)) {
      relevant = r;
      lastIdx = deniedPos;
    }
  }
  deniedPos = lastIdx;
  return relevant;
}

/** NOPERM error text for a denial, as processCommand words it. */
export function deniedMessage(denied: AclDenied, spec: AclCommandSpec): string {
  if (denied === 'command') return E.noPermCommand(spec.fullName);
  return denied === 'key' ? E.noPermKey : E.noPermChannel;
}

/**
 * getAclErrorMessage: the reason text EXEC (re-checking queued commands: "-NOPERM ACLs rules changed
 * between the moment the transaction was accumulated and the EXEC call. This command is no longer
 * allowed for the following reason: <text>") and scripts use.
 */
export function deniedReason(denied: AclDenied): string {
  if (denied === 'command') return "can't run this command or subcommand";
  if (denied === 'key') return "can't access at least one of the keys mentioned in the command arguments";
  return "can't publish to the channel mentioned in the command";
}

/**
 * checkCommand + ACL log entry (what Redis' processCommand does). Returns null when allowed, else
 * the NOPERM error text to reply with. `context` is 'multi' for a command queued in MULTI (and for
 * EXEC's re-check), 'lua' from scripts.
 */
export function checkClientCommand(
  c: Client,
  spec: AclCommandSpec,
  argv: readonly string[],
  keys: readonly number[] | readonly KeyRef[],
  keySpecIdx?: readonly number[],
  context: AclLogContext = 'toplevel',
): string | null {
  const d = checkCommand(c.user, spec, argv, keys, keySpecIdx);
  if (d === null) return null;
  const object = d === 'command' ? spec.fullName : argv[lastDeniedPos()];
  addAclLogEntry(c, d, context, object);
  return deniedMessage(d, spec);
}

/** Whether a user may use a channel (pub/sub code re-checking existing subscriptions). */
export function userCanAccessChannel(userRef: AclUserRef, channel: string, isPattern: boolean): boolean {
  const u = resolveUser(userRef);
  for (const s of u.selectors) {
    if (s.allChannels) return true;
    if (channelAgainstList(s.channels, channel, isPattern)) return true;
  }
  return false;
}

/** Key extraction with CMD_KEY_* flags (commandTable's KEY_* bits). */
export type KeyExtractor = (spec: AclCommandSpec, argv: readonly string[]) => readonly KeyRef[];
let keyExtractor: KeyExtractor | null = null;
/** Overrides the key extraction used by ACL DRYRUN and by checkCommand's re-extraction (tests). */
export function setKeyExtractor(fn: KeyExtractor | null): void {
  keyExtractor = fn;
}
/** The keys of a call with their flags: commandTable's getKeysWithFlags() by default. */
export function keysWithFlags(spec: AclCommandSpec, argv: readonly string[]): readonly KeyRef[] {
  if (keyExtractor !== null) return keyExtractor(spec, argv);
  if ((spec as Partial<CommandSpec>)._ks !== undefined) return getKeysWithFlags(spec as CommandSpec, argv);
  return [];
}

// ---------------------------------------------------------------------------------------------
// ACL LOG

export type AclLogReason = AclDenied | 'auth';
export type AclLogContext = 'toplevel' | 'multi' | 'lua' | 'module';

export interface AclLogEntry {
  count: number;
  reason: AclLogReason;
  context: AclLogContext;
  object: string;
  username: string;
  /** ms */
  ctime: number;
  cinfo: string;
}

/** Newest first. */
export const aclLog: AclLogEntry[] = [];
let aclLogMaxLen = 128;
/** acllog-max-len */
export function setAclLogMaxLen(n: number): void {
  aclLogMaxLen = Math.max(0, n);
  if (aclLog.length > aclLogMaxLen) aclLog.length = aclLogMaxLen;
}
export function getAclLogMaxLen(): number {
  return aclLogMaxLen;
}

type ClientInfoFn = (c: Client) => string;
let clientInfo: ClientInfoFn = (c) => `id=${c.id} addr=${c.addr} cmd=${c.lastCmd} user=${c.user.name}`;
/** The CLIENT LIST line of a client (no newline) for ACL LOG entries; the ACL handlers module sets it. */
export function setClientInfoProvider(fn: ClientInfoFn): void {
  clientInfo = fn;
}

const LOG_GROUPING_MS = 60000;

/** addACLLogEntry. `username` defaults to the client's user. */
export function addAclLogEntry(c: Client, reason: AclLogReason, context: AclLogContext, object: string, username?: string): void {
  const now = Date.now();
  const uname = username ?? c.user.name;
  let cinfo: string;
  try {
    cinfo = clientInfo(c);
  } catch {
    cinfo = '';
  }
  const scan = Math.min(10, aclLog.length);
  for (let i = 0; i < scan; i++) {
    const e = aclLog[i];
    if (
      e.reason === reason &&
      e.context === context &&
      Math.abs(e.ctime - now) <= LOG_GROUPING_MS &&
      e.object === object &&
      e.username === uname
    ) {
      aclLog.splice(i, 1);
      aclLog.unshift(e);
      e.cinfo = cinfo;
      e.ctime = now;
      e.count++;
      return;
    }
  }
  aclLog.unshift({ count: 1, reason, context, object, username: uname, ctime: now, cinfo });
  if (aclLog.length > aclLogMaxLen) aclLog.length = aclLogMaxLen;
}

// ---------------------------------------------------------------------------------------------
// ACL file (aclfile directive, ACL LOAD / ACL SAVE)

let aclFile = '';
export function setAclFile(path: string): void {
  aclFile = path;
}
export function getAclFile(): string {
  return aclFile;
}

/** ACLLoadFromFile: null on success, else the error text (nothing changed). */
export function loadAclFile(filename = aclFile): string | null {
  let text: string;
  try {
    text = fs.readFileSync(filename).toString('latin1');
  } catch (e) {
    return `Error loading ACLs, opening file '${filename}': ${(e as NodeJS.ErrnoException).message}`;
  }
  const fresh = new Map<string, User>();
  let errors = '';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const linenum = i + 1;
    const line = lines[i].replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    if (line.length === 0) continue;
    const argv = line.split(' ').filter((a) => a.length > 0);
    if (argv.length === 0) continue;
    if (argv[0] !== 'user' || argv.length < 2) {
      errors += `${filename}:${linenum} should start with user keyword followed by the username. `;
      continue;
    }
    if (hasSpaces(argv[1])) {
      errors += `'${filename}:${linenum}: username '${argv[1]}' contains invalid characters. `;
      continue;
    }
    if (fresh.has(argv[1])) {
      errors += `WARNING: Duplicate user '${argv[1]}' found on line ${linenum}. `;
      continue;
    }
    const u = new User(argv[1]);
    fresh.set(argv[1], u);
    const merged = mergeSelectorArgs(argv.slice(2));
    if (typeof merged === 'number') {
      errors += `${filename}:${linenum}: Unmatched parenthesis in selector definition.`;
      continue;
    }
    for (const op of merged) {
      const e = setUserOp(u, op.replace(/^[\t\r\n]+|[\t\r\n]+$/g, ''));
      if (e !== null) errors += `${filename}:${linenum}: ${aclErrorText(e)}. `;
    }
  }
  if (errors.length) return errors + 'WARNING: ACL errors detected, no change to the previously active ACL rules was performed';
  const newDefault = fresh.get('default') ?? createDefaultUser();
  fresh.delete('default');
  for (const [name, u] of users) {
    if (u === defUser) continue;
    users.delete(name);
    if (userDeletedHook) userDeletedHook(name, u);
  }
  defUser.copyFrom(newDefault);
  for (const [name, u] of fresh) users.set(name, u);
  return null;
}

/** ACLSaveToFile: writes every user's ACL LIST line; false on I/O error. */
export function saveAclFile(filename = aclFile): boolean {
  let out = '';
  for (const u of allUsers()) out += describeLine(u) + '\n';
  const tmp = `${filename}.tmp-${process.pid}-${Date.now()}`;
  try {
    fs.writeFileSync(tmp, Buffer.from(out, 'latin1'));
    fs.renameSync(tmp, filename);
    return true;
  } catch {
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* ignore */
    }
    return false;
  }
}

/** A "user <name> rules..." directive from redis.conf; returns an error text or null. */
export function loadUserDirective(args: readonly string[]): string | null {
  if (args.length < 1) return 'wrong number of arguments';
  const name = args[0];
  if (hasSpaces(name)) return 'Spaces not allowed in ACL usernames';
  let u = users.get(name);
  if (u === undefined) u = createUser(name) as User;
  else if (u === defUser) setUserOp(u, 'reset');
  else return aclErrorText('EALREADY');
  const merged = mergeSelectorArgs(args.slice(1));
  if (typeof merged === 'number') return `Unmatched parenthesis in acl selector starting at '${args[merged + 1]}'.`;
  for (const op of merged) {
    const e = setUserOp(u, op);
    if (e !== null) return `Error loading ACL rule '${op}' for the user named '${name}': ${aclErrorText(e)}`;
  }
  return null;
}

/** ACL GENPASS: `chars` random hex characters. */
export function randomHex(chars: number): string {
  return randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars);
}

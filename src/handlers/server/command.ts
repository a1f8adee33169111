// COMMAND and its subcommands (COUNT, INFO, DOCS, LIST, GETKEYS, GETKEYSANDFLAGS, HELP), byte-exact with
// redis-server 7.0.15 in RESP2 and RESP3. Everything comes from the command table (commands/*.json);
// only registered commands are shown. Redis lists commands in the order of a randomly seeded dict, so
// its order differs from run to run; Strata lists them sorted by name.
import type { Client, Handler } from '../../server/context';
import {
  ReplyTarget,
  arrayLen,
  mapLen,
  setLen,
  bulk,
  bulkText,
  simple,
  int,
  nullBulk,
  rawBuf,
  help,
} from '../../protocol/reply';
import { E, error } from '../../protocol/errors';
import {
  CommandSpec,
  CommandArgJson,
  KeySpecJson,
  ACL_CATEGORY_NAMES,
  allCommands,
  registeredSubcommands,
  findCommand,
  findCommandByFullName,
  arityOk,
  getKeysWithFlags,
  keyFlagNames,
  tableGeneration,
} from '../../server/commandTable';
import { stringmatch } from '../../util/glob';

// ---- serialization -----------------------------------------------------------------------------

function statusSet(c: ReplyTarget, items: readonly string[]): void {
  setLen(c, items.length);
  for (let i = 0; i < items.length; i++) simple(c, items[i]);
}

function writeSearchSpec(c: ReplyTarget, s: { type: string; spec: Record<string, number | string> }): void {
  mapLen(c, 2);
  bulk(c, 'type');
  bulkText(c, s.type);
  bulk(c, 'spec');
  const keys = Object.keys(s.spec);
  mapLen(c, keys.length);
  for (const k of keys) {
    bulkText(c, k);
    const v = s.spec[k];
    if (typeof v === 'number') int(c, v);
    else bulkText(c, v);
  }
}

function writeKeySpec(c: ReplyTarget, ks: KeySpecJson): void {
  mapLen(c, ks.notes !== undefined ? 4 : 3);
  if (ks.notes !== undefined) {
    bulk(c, 'notes');
    bulkText(c, ks.notes);
  }
  bulk(c, 'flags');
  statusSet(c, ks.flags);
  bulk(c, 'begin_search');
  writeSearchSpec(c, ks.begin_search);
  bulk(c, 'find_keys');
  writeSearchSpec(c, ks.find_keys);
}

/** addReplyCommandInfo(): one COMMAND INFO entry (subcommands included). */
function writeInfo(c: ReplyTarget, spec: CommandSpec): void {
  arrayLen(c, 10);
  bulk(c, spec.fullName);
  int(c, spec.arity);
  statusSet(c, spec.flags);
  int(c, spec.first_key);
  int(c, spec.last_key);
  int(c, spec.step);
  statusSet(c, spec.acl_categories);
  setLen(c, spec.tips.length);
  for (const t of spec.tips) bulkText(c, t);
  setLen(c, spec.key_specs.length);
  for (const ks of spec.key_specs) writeKeySpec(c, ks);
  if (spec.subcommands === null) setLen(c, 0);
  else {
    const subs = registeredSubcommands(spec);
    arrayLen(c, subs.length);
    for (const s of subs) writeInfo(c, s);
  }
}

function writeArgs(c: ReplyTarget, args: readonly CommandArgJson[]): void {
  arrayLen(c, args.length);
  for (const a of args) {
    const keys = Object.keys(a) as (keyof CommandArgJson)[];
    mapLen(c, keys.length);
    for (const k of keys) {
      bulk(c, k);
      const v = a[k];
      if (k === 'flags') statusSet(c, v as string[]);
      else if (k === 'arguments') writeArgs(c, v as CommandArgJson[]);
      else if (typeof v === 'number') int(c, v);
      else bulkText(c, v as string);
    }
  }
}

/** addReplyCommandDocs(): one COMMAND DOCS value (the map; the name is written by the caller). */
function writeDocs(c: ReplyTarget, spec: CommandSpec): void {
  let n = 1; // group
  if (spec.summary !== undefined) n++;
  if (spec.since !== undefined) n++;
  if (spec.module !== undefined) n++;
  if (spec.complexity !== undefined) n++;
  if (spec.doc_flags !== undefined) n++;
  if (spec.deprecated_since !== undefined) n++;
  if (spec.replaced_by !== undefined) n++;
  if (spec.history !== undefined) n++;
  if (spec.arguments !== undefined) n++;
  if (spec.subcommands !== null) n++;
  mapLen(c, n);
  if (spec.summary !== undefined) {
    bulk(c, 'summary');
    bulkText(c, spec.summary);
  }
  if (spec.since !== undefined) {
    bulk(c, 'since');
    bulkText(c, spec.since);
  }
  bulk(c, 'group');
  bulkText(c, spec.group);
  if (spec.complexity !== undefined) {
    bulk(c, 'complexity');
    bulkText(c, spec.complexity);
  }
  if (spec.module !== undefined) {
    bulk(c, 'module');
    bulkText(c, spec.module);
  }
  if (spec.doc_flags !== undefined) {
    bulk(c, 'doc_flags');
    statusSet(c, spec.doc_flags);
  }
  if (spec.deprecated_since !== undefined) {
    bulk(c, 'deprecated_since');
    bulkText(c, spec.deprecated_since);
  }
  if (spec.replaced_by !== undefined) {
    bulk(c, 'replaced_by');
    bulkText(c, spec.replaced_by);
  }
  if (spec.history !== undefined) {
    bulk(c, 'history');
    setLen(c, spec.history.length);
    for (const [ver, text] of spec.history) {
      arrayLen(c, 2);
      bulkText(c, ver);
      bulkText(c, text);
    }
  }
  if (spec.arguments !== undefined) {
    bulk(c, 'arguments');
    writeArgs(c, spec.arguments);
  }
  if (spec.subcommands !== null) {
    bulk(c, 'subcommands');
    const subs = registeredSubcommands(spec);
    mapLen(c, subs.length);
    for (const s of subs) {
      bulk(c, s.fullName);
      writeDocs(c, s);
    }
  }
}

// Serialized replies are cached per spec and protocol until the table changes (redis-cli sends
// COMMAND DOCS at every start; clients send COMMAND at connect).
interface Cached {
  gen: number;
  parts: (Buffer | undefined)[]; // [info2, info3, docs2, docs3]
}
const cache = new WeakMap<CommandSpec, Cached>();

function render(resp: number, write: (t: ReplyTarget) => void): Buffer {
  const t: ReplyTarget = { resp, out: null, opos: 0, mute: false, requestFlush() {} };
  write(t);
  return Buffer.from(t.out!.subarray(0, t.opos));
}

function cachedPart(c: ReplyTarget, spec: CommandSpec, docs: boolean): void {
  const gen = tableGeneration();
  let e = cache.get(spec);
  if (e === undefined || e.gen !== gen) {
    e = { gen, parts: [] };
    cache.set(spec, e);
  }
  const idx = (docs ? 2 : 0) + (c.resp === 3 ? 1 : 0);
  let b = e.parts[idx];
  if (b === undefined) {
    b = render(c.resp, docs ? (t) => writeDocs(t, spec) : (t) => writeInfo(t, spec));
    e.parts[idx] = b;
  }
  rawBuf(c, b);
}

/** One COMMAND INFO entry for `spec` (nil for null), as Redis writes it. */
export function replyCommandInfo(c: ReplyTarget, spec: CommandSpec | null): void {
  if (spec === null) nullBulk(c);
  else cachedPart(c, spec, false);
}

/** One COMMAND DOCS value for `spec` (the map after the name). */
export function replyCommandDocs(c: ReplyTarget, spec: CommandSpec): void {
  cachedPart(c, spec, true);
}

// ---- handlers ----------------------------------------------------------------------------------

function command(c: Client, argv: string[]): void {
  void argv;
  const list = allCommands();
  arrayLen(c, list.length);
  for (const spec of list) replyCommandInfo(c, spec);
}

function commandCount(c: Client): void {
  int(c, allCommands().length);
}

function commandInfo(c: Client, argv: string[]): void {
  if (argv.length === 2) {
    command(c, argv);
    return;
  }
  arrayLen(c, argv.length - 2);
  for (let i = 2; i < argv.length; i++) replyCommandInfo(c, findCommandByFullName(argv[i]));
}

function commandDocs(c: Client, argv: string[]): void {
  if (argv.length === 2) {
    const list = allCommands();
    mapLen(c, list.length);
    for (const spec of list) {
      bulk(c, spec.fullName);
      replyCommandDocs(c, spec);
    }
    return;
  }
  const found: CommandSpec[] = [];
  for (let i = 2; i < argv.length; i++) {
    const spec = findCommandByFullName(argv[i]);
    if (spec !== null) found.push(spec);
  }
  mapLen(c, found.length);
  for (const spec of found) {
    bulk(c, spec.fullName);
    replyCommandDocs(c, spec);
  }
}

const enum Filter {
  None,
  Module,
  AclCat,
  Pattern,
}

function lower(ch: number): number {
  return ch >= 65 && ch <= 90 ? ch + 32 : ch;
}

function eqNoCase(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (lower(a.charCodeAt(i)) !== lower(b.charCodeAt(i))) return false;
  return true;
}

function commandList(c: Client, argv: string[]): void {
  let type = Filter.None;
  let arg = '';
  for (let i = 2; i < argv.length; i++) {
    const moreargs = argv.length - 1 - i;
    if (eqNoCase(argv[i], 'filterby') && moreargs === 2) {
      const ft = argv[i + 1];
      if (eqNoCase(ft, 'module')) type = Filter.Module;
      else if (eqNoCase(ft, 'aclcat')) type = Filter.AclCat;
      else if (eqNoCase(ft, 'pattern')) type = Filter.Pattern;
      else {
        error(c, E.syntax);
        return;
      }
      arg = argv[i + 2];
      i += 2;
    } else {
      error(c, E.syntax);
      return;
    }
  }
  let catBit = 0;
  if (type === Filter.AclCat) {
    const cstr = arg.indexOf('\0') === -1 ? arg : arg.slice(0, arg.indexOf('\0'));
    const idx = ACL_CATEGORY_NAMES.findIndex((n) => eqNoCase(n, cstr));
    catBit = idx < 0 ? 0 : 1 << idx;
  }
  const keep = (spec: CommandSpec): boolean => {
    switch (type) {
      case Filter.None:
        return true;
      case Filter.Module:
        return false; // no module commands in Strata
      case Filter.AclCat:
        return catBit !== 0 && (spec.aclCategoryBits & catBit) !== 0;
      case Filter.Pattern:
        return stringmatch(arg, spec.fullName, true);
    }
  };
  const names: string[] = [];
  for (const spec of allCommands()) {
    if (keep(spec)) names.push(spec.fullName);
    if (spec.subcommands !== null) {
      for (const s of registeredSubcommands(spec)) if (keep(s)) names.push(s.fullName);
    }
  }
  arrayLen(c, names.length);
  for (const n of names) bulk(c, n);
}

function getKeysImpl(c: Client, argv: string[], withFlags: boolean): void {
  const spec = findCommand(argv, 2);
  if (spec === null) {
    error(c, 'ERR Invalid command specified');
    return;
  }
  if (!spec.hasKeys) {
    error(c, 'ERR The command has no key arguments');
    return;
  }
  const sub = argv.slice(2);
  if (!arityOk(spec, sub.length)) {
    error(c, 'ERR Invalid number of arguments specified for command');
    return;
  }
  const keys = getKeysWithFlags(spec, sub);
  if (keys.length === 0) {
    if (spec.noMandatoryKeys) arrayLen(c, 0);
    else error(c, 'ERR Invalid arguments specified for command');
    return;
  }
  arrayLen(c, keys.length);
  for (const k of keys) {
    if (!withFlags) bulk(c, sub[k.pos]);
    else {
      arrayLen(c, 2);
      bulk(c, sub[k.pos]);
      statusSet(c, keyFlagNames(k.flags));
    }
  }
}

const HELP = [
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
];

export const commands: Record<string, Handler> = {
  command: (c, argv) => command(c, argv),
  'command|count': (c) => commandCount(c),
  'command|info': (c, argv) => commandInfo(c, argv),
  'command|docs': (c, argv) => commandDocs(c, argv),
  'command|list': (c, argv) => commandList(c, argv),
  'command|getkeys': (c, argv) => getKeysImpl(c, argv, false),
  'command|getkeysandflags': (c, argv) => getKeysImpl(c, argv, true),
  'command|help': (c, argv) => help(c, argv[0], HELP),
};

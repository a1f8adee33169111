// ACL * and AUTH, as Redis 7.0's aclCommand / authCommand answer them.
// Arity and unknown subcommands are the dispatcher's job (from commands/*.json); what is left here
// are the argument-count checks Redis does inside aclCommand itself.
import type { Client, Handler } from '../../server/context';
import * as R from '../../protocol/reply';
import { error, E } from '../../protocol/errors';
import * as acl from '../../server/acl';
import type { Selector } from '../../server/acl';
import { clientInfoLine } from '../connection/connection';
import { parseInt64 } from '../../util/strconv';

// ACL LOG entries record the client's CLIENT LIST line (without its newline).
acl.setClientInfoProvider((c) => clientInfoLine(c).replace(/\n$/, ''));

/** addReplySubcommandSyntaxError */
function subSyntax(c: Client, argv: string[]): void {
  error(c, `ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`);
}

function setuser(c: Client, argv: string[]): void {
  const err = acl.setUser(argv[2], argv.slice(3));
  if (err !== null) return error(c, err);
  R.ok(c);
}

function selectorFields(c: Client, s: Selector): void {
  R.bulk(c, 'commands');
  R.bulk(c, acl.describeCommandRules(s));
  R.bulk(c, 'keys');
  R.bulk(c, acl.selectorKeysText(s));
  R.bulk(c, 'channels');
  R.bulk(c, acl.selectorChannelsText(s));
}

function getuser(c: Client, argv: string[]): void {
  const u = acl.getUser(argv[2]);
  if (u === undefined) return R.nullBulk(c);
  R.mapLen(c, 6);
  R.bulk(c, 'flags');
  const flags = acl.userFlags(u);
  R.setLen(c, flags.length);
  for (const f of flags) R.bulk(c, f);
  R.bulk(c, 'passwords');
  R.bulkArray(c, u.passwords);
  selectorFields(c, u.root);
  R.bulk(c, 'selectors');
  R.arrayLen(c, u.selectors.length - 1);
  for (let i = 1; i < u.selectors.length; i++) {
    R.mapLen(c, 3);
    selectorFields(c, u.selectors[i]);
  }
}

function deluser(c: Client, argv: string[]): void {
  for (let j = 2; j < argv.length; j++) {
    if (argv[j] === 'default') return error(c, "ERR The 'default' user cannot be removed");
  }
  let deleted = 0;
  for (let j = 2; j < argv.length; j++) if (acl.deleteUser(argv[j])) deleted++;
  R.int(c, deleted);
}

function list(c: Client): void {
  const us = acl.allUsers();
  R.arrayLen(c, us.length);
  for (const u of us) R.bulk(c, acl.describeLine(u));
}

function users(c: Client): void {
  const us = acl.allUsers();
  R.arrayLen(c, us.length);
  for (const u of us) R.bulk(c, u.name);
}

function whoami(c: Client): void {
  R.bulk(c, c.user.name);
}

function cat(c: Client, argv: string[]): void {
  if (argv.length === 2) return R.bulkArray(c, acl.ACL_CATEGORIES);
  if (argv.length !== 3) return subSyntax(c, argv);
  const names = acl.commandsInCategory(argv[2]);
  if (names === null) return error(c, `ERR Unknown category '${argv[2].slice(0, 128)}'`);
  R.bulkArray(c, names);
}

const GENPASS_MAX_BITS = 4096;
function genpass(c: Client, argv: string[]): void {
  if (argv.length > 3) return subSyntax(c, argv);
  let bits = 256;
  if (argv.length === 3) {
    const n = parseInt64(argv[2]);
    if (n === null) return error(c, E.notInt);
    bits = n;
  }
  if (bits <= 0 || bits > GENPASS_MAX_BITS) {
    return error(c, `ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to ${GENPASS_MAX_BITS}`);
  }
  R.bulk(c, acl.randomHex(Math.floor((bits + 3) / 4)));
}

function log(c: Client, argv: string[]): void {
  if (argv.length > 3) return subSyntax(c, argv);
  let count = 10;
  if (argv.length === 3) {
    if (argv[2].toLowerCase() === 'reset') {
      acl.aclLog.length = 0;
      return R.ok(c);
    }
    const n = parseInt64(argv[2]);
    if (n === null) return error(c, E.notInt);
    count = n < 0 ? 0 : n;
  }
  const entries = acl.aclLog;
  if (count > entries.length) count = entries.length;
  R.arrayLen(c, count);
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    const e = entries[i];
    R.mapLen(c, 7);
    R.bulk(c, 'count');
    R.int(c, e.count);
    R.bulk(c, 'reason');
    R.bulk(c, e.reason);
    R.bulk(c, 'context');
    R.bulk(c, e.context);
    R.bulk(c, 'object');
    R.bulk(c, e.object);
    R.bulk(c, 'username');
    R.bulk(c, e.username);
    R.bulk(c, 'age-seconds');
    R.double(c, (now - e.ctime) / 1000);
    R.bulk(c, 'client-info');
    R.bulk(c, e.cinfo);
  }
}

function dryrun(c: Client, argv: string[]): void {
  const u = acl.getUser(argv[2]);
  if (u === undefined) return error(c, `ERR User '${argv[2]}' not found`);
  const cargv = argv.slice(3);
  const spec = acl.lookupCommandForAcl(cargv);
  if (spec === null) return error(c, `ERR Command '${argv[3]}' not found`);
  const arity = spec.arity ?? 0;
  if ((arity > 0 && arity !== cargv.length) || cargv.length < -arity) {
    return error(c, `ERR wrong number of arguments for '${spec.fullName}' command`);
  }
  const d = acl.checkCommand(u, spec, cargv, acl.keysWithFlags(spec, cargv));
  if (d === null) return R.ok(c);
  const pos = acl.lastDeniedPos();
  if (d === 'command') R.bulk(c, `This user has no permissions to run the '${spec.fullName}' command`);
  else if (d === 'key') R.bulk(c, `This user has no permissions to access the '${cargv[pos]}' key`);
  else R.bulk(c, `This user has no permissions to access the '${cargv[pos]}' channel`);
}

const NO_ACLFILE =
  'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.';

function load(c: Client): void {
  if (acl.getAclFile() === '') return error(c, NO_ACLFILE);
  const err = acl.loadAclFile();
  if (err !== null) return error(c, 'ERR ' + err);
  R.ok(c);
}

function save(c: Client): void {
  if (acl.getAclFile() === '') return error(c, NO_ACLFILE);
  if (!acl.saveAclFile()) {
    return error(c, 'ERR There was an error trying to save the ACLs. Please check the server logs for more information');
  }
  R.ok(c);
}

const ACL_HELP = [
  'CAT [<category>]',
  '    List all commands that belong to <category>, or all command categories',
  '    when no category is specified.',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Returns whether the user can execute the given command without executing the command.',
  'GETUSER <username>',
  "    Get the user's details.",
  'GENPASS [<bits>]',
  '    Generate a secure 256-bit user password. The optional `bits` argument can',
  '    be used to specify a different size.',
  'LIST',
  '    Show users details in config file format.',
  'LOAD',
  '    Reload users from the ACL file.',
  'LOG [<count> | RESET]',
  '    Show the ACL log entries.',
  'SAVE',
  '    Save the current config to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all the registered usernames.',
  'WHOAMI',
  '    Return the current connection username.',
];

/** addReplyHelp */
function help(c: Client, argv: string[]): void {
  R.help(c, argv[0], ACL_HELP);
}

/** AUTH [username] password */
function auth(c: Client, argv: string[]): void {
  if (argv.length > 3) return error(c, E.syntax);
  let username: string;
  let password: string;
  if (argv.length === 2) {
    if (acl.defaultUser().nopass) {
      return error(
        c,
        'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
      );
    }
    username = 'default';
    password = argv[1];
  } else {
    username = argv[1];
    password = argv[2];
  }
  if (acl.authenticateClient(c, username, password, argv[0])) R.ok(c);
  else error(c, E.wrongPass);
}

export const commands: Record<string, Handler> = {
  'acl|setuser': setuser,
  'acl|getuser': getuser,
  'acl|deluser': deluser,
  'acl|list': list,
  'acl|users': users,
  'acl|whoami': whoami,
  'acl|cat': cat,
  'acl|genpass': genpass,
  'acl|log': log,
  'acl|dryrun': dryrun,
  'acl|load': load,
  'acl|save': save,
  'acl|help': help,
  auth,
};


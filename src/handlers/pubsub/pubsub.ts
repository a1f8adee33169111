// Pub/sub commands (Redis 7.0): SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH, SSUBSCRIBE
// SUNSUBSCRIBE SPUBLISH and PUBSUB CHANNELS|NUMSUB|NUMPAT|SHARDCHANNELS|SHARDNUMSUB|HELP.
// The registry, frames and fan-out live in src/server/pubsub.ts. Arity, ACL channel permissions and the
// RESP2 subscribed-mode restriction are the dispatcher's. This module also wires the registry to the
// connection lifecycle (client closed, RESET) and to ACL SETUSER (revoked channels).
import type { Client, Handler } from '../../server/context';
import * as R from '../../protocol/reply';
import { error } from '../../protocol/errors';
import * as PS from '../../server/pubsub';
import { mustNotBlock } from '../../server/blocking';
import { addClientClosedHook } from '../../server/connection';
import { setChannelsRevokedHook } from '../../server/acl';
import { resetHooks } from '../connection/connection';

function subscribe(c: Client, argv: string[]): void {
  // Redis refuses SUBSCRIBE for a DENY BLOCKING client except inside MULTI (scripts never get here:
  // the command is flagged noscript), so there is nothing to check.
  for (let j = 1; j < argv.length; j++) PS.subscribeChannel(c, argv[j]);
}

function unsubscribe(c: Client, argv: string[]): void {
  if (argv.length === 1) PS.unsubscribeAllChannels(c);
  else for (let j = 1; j < argv.length; j++) PS.unsubscribeChannel(c, argv[j]);
}

function psubscribe(c: Client, argv: string[]): void {
  for (let j = 1; j < argv.length; j++) PS.subscribePattern(c, argv[j]);
}

function punsubscribe(c: Client, argv: string[]): void {
  if (argv.length === 1) PS.unsubscribeAllPatterns(c);
  else for (let j = 1; j < argv.length; j++) PS.unsubscribePattern(c, argv[j]);
}

function ssubscribe(c: Client, argv: string[]): void {
  // Inside MULTI/EXEC (CLIENT_DENY_BLOCKING) Redis 7.0 refuses SSUBSCRIBE but not SUBSCRIBE.
  if (mustNotBlock(c)) return error(c, "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
  for (let j = 1; j < argv.length; j++) PS.subscribeShardChannel(c, argv[j]);
}

function sunsubscribe(c: Client, argv: string[]): void {
  if (argv.length === 1) PS.unsubscribeAllShardChannels(c);
  else for (let j = 1; j < argv.length; j++) PS.unsubscribeShardChannel(c, argv[j]);
}

function publish(c: Client, argv: string[]): void {
  const n = PS.publish(argv[1], argv[2]);
  PS.pubsubHooks.propagate?.(false, argv[1], argv[2]);
  R.int(c, n);
}

function spublish(c: Client, argv: string[]): void {
  const n = PS.publishShard(argv[1], argv[2]);
  PS.pubsubHooks.propagate?.(true, argv[1], argv[2]);
  R.int(c, n);
}

// ---- PUBSUB ----

function syntaxError(c: Client, argv: string[]): void {
  error(c, `ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`);
}

function channelList(c: Client, argv: string[], shard: boolean): void {
  if (argv.length > 3) return syntaxError(c, argv);
  R.bulkArray(c, PS.activeChannels(argv.length === 3 ? argv[2] : null, shard));
}

function numsub(c: Client, argv: string[], shard: boolean): void {
  R.arrayLen(c, (argv.length - 2) * 2);
  for (let j = 2; j < argv.length; j++) {
    R.bulk(c, argv[j]);
    R.int(c, PS.numSubscribers(argv[j], shard));
  }
}

const PUBSUB_HELP = [
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
];

/** addReplyHelp: header line with the command as typed (upper-cased), the lines, then HELP. */
function pubsubHelp(c: Client, argv: string[]): void {
  R.help(c, argv[0], PUBSUB_HELP);
}

// ---- wiring ----

/** Connects the registry to the connection lifecycle and to ACL changes (idempotent). */
export function installPubsubHooks(): void {
  addClientClosedHook(PS.dropClient);
  if (!resetHooks.includes(PS.dropClient)) resetHooks.push(PS.dropClient);
  setChannelsRevokedHook((user, stillAllowed) => {
    PS.killRevokedSubscribers(user, stillAllowed);
  });
}
installPubsubHooks();

export const commands: Record<string, Handler> = {
  subscribe,
  unsubscribe,
  psubscribe,
  punsubscribe,
  publish,
  ssubscribe,
  sunsubscribe,
  spublish,
  'pubsub|channels': (c, argv) => channelList(c, argv, false),
  'pubsub|shardchannels': (c, argv) => channelList(c, argv, true),
  'pubsub|numsub': (c, argv) => numsub(c, argv, false),
  'pubsub|shardnumsub': (c, argv) => numsub(c, argv, true),
  'pubsub|numpat': (c) => R.int(c, PS.numPatterns()),
  'pubsub|help': pubsubHelp,
};

// Pub/sub registry (Redis 7.0's pubsub.c): channel, pattern and shard-channel subscriptions, the
// frames sent to subscribers, PUBLISH/SPUBLISH fan-out, and the pubsub-class output buffer limits.
//
// Shape, mirroring Redis:
// - server side: channel -> subscribers, pattern -> subscribers, shard channel -> subscribers. Each
//   subscriber set keeps subscription order (Redis appends to a list), which is the delivery order.
// - client side: its channels, patterns and shard channels, in subscription order. Redis iterates a
//   dict for "UNSUBSCRIBE with no arguments" (an order that changes with every server start); Strata
//   uses subscription order. Patterns are a list in Redis too, so PUNSUBSCRIBE's order is the same.
// - counts in confirmations: (UN)SUBSCRIBE and P(UN)SUBSCRIBE report channels + patterns,
//   S(UN)SUBSCRIBE report shard channels only (clientSubscriptionsCount / clientShardSubscriptionsCount).
//   `c.subscriptions` (read by the dispatcher for the RESP2 subscribed-mode restriction, PING, CLIENT
//   LIST) is the total of all three: Redis' CLIENT_PUBSUB flag is set exactly while it is non-zero.
// - PUBLISH delivers to channel subscribers first, then to every matching pattern (a client subscribed
//   to both receives both frames and counts twice); SPUBLISH ignores patterns.
//
// Frames go to other clients through the reply writer of the target (out-of-band: a private buffer
// flushed on the next tick); to the publishing client itself (RESP3) they land before its own reply,
// like in Redis. Channel names and messages are latin1 strings (binary-safe).
//
// Output buffer limits: a client with subscriptions is of class "pubsub" (getClientType). After each
// frame written to a subscriber its pending output is checked against client-output-buffer-limit
// pubsub <hard> <soft> <soft-seconds> (checkClientOutputBufferLimits): over hard, or over soft for
// more than soft-seconds (whole seconds, measured from the first write that found it over soft), the
// client is disconnected after the fan-out (Redis frees it asynchronously, so it still counts as a
// receiver of that message).
import * as R from '../protocol/reply';
import type { Client } from './context';
import { config } from '../config';
import { serverStats } from './state';
import { stringmatch } from '../util/glob';
import { log } from './log';

/** Per-client subscription state (only for clients with at least one subscription). */
interface SubState {
  channels: Set<string>;
  patterns: Set<string>;
  shard: Set<string>;
  /** Unix seconds when the soft output limit was first found exceeded, 0 = not exceeded. */
  softSince: number;
}

type Registry = Map<string, Set<Client>>;

const channelSubs: Registry = new Map();
const patternSubs: Registry = new Map();
const shardSubs: Registry = new Map();
const states = new Map<Client, SubState>();


function stateOf(c: Client): SubState {
  let st = states.get(c);
  if (st === undefined) {
    st = { channels: new Set(), patterns: new Set(), shard: new Set(), softSince: 0 };
    states.set(c, st);
  }
  return st;
}

/** Updates c.subscriptions and forgets the state of a client without subscriptions. */
function recount(c: Client, st: SubState): void {
  const n = st.channels.size + st.patterns.size + st.shard.size;
  c.subscriptions = n;
  if (n === 0) states.delete(c);
}

function addTo(reg: Registry, name: string, c: Client): void {
  let set = reg.get(name);
  if (set === undefined) reg.set(name, (set = new Set()));
  set.add(c);
}
function removeFrom(reg: Registry, name: string, c: Client): void {
  const set = reg.get(name);
  if (set === undefined) return;
  set.delete(c);
  if (set.size === 0) reg.delete(name);
}

// ---------------------------------------------------------------------------------------------
// Frames

const KIND_BULK: Record<string, string> = {
  subscribe: '$9\r\nsubscribe\r\n',
  unsubscribe: '$11\r\nunsubscribe\r\n',
  psubscribe: '$10\r\npsubscribe\r\n',
  punsubscribe: '$12\r\npunsubscribe\r\n',
  ssubscribe: '$10\r\nssubscribe\r\n',
  sunsubscribe: '$12\r\nsunsubscribe\r\n',
};

/** A confirmation frame: [kind, name or nil, count] as a RESP2 array or a RESP3 push. */
function confirm(c: Client, kind: string, name: string | null, count: number): void {
  R.raw(c, c.resp === 3 ? '>3\r\n' : '*3\r\n');
  R.raw(c, KIND_BULK[kind]);
  if (name === null) R.nullBulk(c);
  else R.bulk(c, name);
  R.int(c, count);
}

/** Channels + patterns: the count (P)SUBSCRIBE and (P)UNSUBSCRIBE confirmations carry. */
function plainCount(st: SubState | undefined): number {
  return st === undefined ? 0 : st.channels.size + st.patterns.size;
}
function shardCount(st: SubState | undefined): number {
  return st === undefined ? 0 : st.shard.size;
}

/** RESP2 bytes of a message frame; the RESP3 push differs only in its first byte. */
function messageFrame(kind: 'message' | 'smessage', channel: string, msg: string): string {
  return (
    (kind === 'message' ? '*3\r\n$7\r\nmessage\r\n$' : '*3\r\n$8\r\nsmessage\r\n$') +
    channel.length + '\r\n' + channel + '\r\n$' + msg.length + '\r\n' + msg + '\r\n'
  );
}
function pmessageFrame(pattern: string, channel: string, msg: string): string {
  return (
    '*4\r\n$8\r\npmessage\r\n$' + pattern.length + '\r\n' + pattern + '\r\n$' +
    channel.length + '\r\n' + channel + '\r\n$' + msg.length + '\r\n' + msg + '\r\n'
  );
}

// ---------------------------------------------------------------------------------------------
// Subscribe / unsubscribe (the confirmation frames are written to c)

/** SUBSCRIBE one channel (pubsubSubscribeChannel). Returns true if it was new. */
export function subscribeChannel(c: Client, channel: string): boolean {
  const st = stateOf(c);
  const added = !st.channels.has(channel);
  if (added) {
    st.channels.add(channel);
    addTo(channelSubs, channel, c);
  }
  recount(c, st);
  confirm(c, 'subscribe', channel, plainCount(st));
  return added;
}

/** SSUBSCRIBE one shard channel. Returns true if it was new. */
export function subscribeShardChannel(c: Client, channel: string): boolean {
  const st = stateOf(c);
  const added = !st.shard.has(channel);
  if (added) {
    st.shard.add(channel);
    addTo(shardSubs, channel, c);
  }
  recount(c, st);
  confirm(c, 'ssubscribe', channel, shardCount(st));
  return added;
}

/** PSUBSCRIBE one pattern. Returns true if it was new. */
export function subscribePattern(c: Client, pattern: string): boolean {
  const st = stateOf(c);
  const added = !st.patterns.has(pattern);
  if (added) {
    st.patterns.add(pattern);
    addTo(patternSubs, pattern, c);
  }
  recount(c, st);
  confirm(c, 'psubscribe', pattern, plainCount(st));
  return added;
}

/** UNSUBSCRIBE one channel; the confirmation is sent even when c was not subscribed to it. */
export function unsubscribeChannel(c: Client, channel: string, notify = true): boolean {
  const st = states.get(c);
  let removed = false;
  if (st !== undefined && st.channels.delete(channel)) {
    removed = true;
    removeFrom(channelSubs, channel, c);
    recount(c, st);
  }
  if (notify) confirm(c, 'unsubscribe', channel, plainCount(states.get(c)));
  return removed;
}

export function unsubscribeShardChannel(c: Client, channel: string, notify = true): boolean {
  const st = states.get(c);
  let removed = false;
  if (st !== undefined && st.shard.delete(channel)) {
    removed = true;
    removeFrom(shardSubs, channel, c);
    recount(c, st);
  }
  if (notify) confirm(c, 'sunsubscribe', channel, shardCount(states.get(c)));
  return removed;
}

export function unsubscribePattern(c: Client, pattern: string, notify = true): boolean {
  const st = states.get(c);
  let removed = false;
  if (st !== undefined && st.patterns.delete(pattern)) {
    removed = true;
    removeFrom(patternSubs, pattern, c);
    recount(c, st);
  }
  if (notify) confirm(c, 'punsubscribe', pattern, plainCount(states.get(c)));
  return removed;
}

/**
 * UNSUBSCRIBE without arguments: one confirmation per channel, or a single one with a nil channel
 * and the current count when subscribed to no channel. Returns how many were removed.
 */
export function unsubscribeAllChannels(c: Client, notify = true): number {
  const st = states.get(c);
  let n = 0;
  if (st !== undefined) for (const ch of [...st.channels]) if (unsubscribeChannel(c, ch, notify)) n++;
  if (notify && n === 0) confirm(c, 'unsubscribe', null, plainCount(states.get(c)));
  return n;
}

export function unsubscribeAllShardChannels(c: Client, notify = true): number {
  const st = states.get(c);
  let n = 0;
  if (st !== undefined) for (const ch of [...st.shard]) if (unsubscribeShardChannel(c, ch, notify)) n++;
  if (notify && n === 0) confirm(c, 'sunsubscribe', null, shardCount(states.get(c)));
  return n;
}

export function unsubscribeAllPatterns(c: Client, notify = true): number {
  const st = states.get(c);
  let n = 0;
  if (st !== undefined) for (const p of [...st.patterns]) if (unsubscribePattern(c, p, notify)) n++;
  if (notify && n === 0) confirm(c, 'punsubscribe', null, plainCount(states.get(c)));
  return n;
}

/** Drops every subscription of c without telling it (client closed, RESET). */
export function dropClient(c: Client): void {
  const st = states.get(c);
  if (st === undefined) return;
  for (const ch of st.channels) removeFrom(channelSubs, ch, c);
  for (const p of st.patterns) removeFrom(patternSubs, p, c);
  for (const ch of st.shard) removeFrom(shardSubs, ch, c);
  states.delete(c);
  c.subscriptions = 0;
}

// ---------------------------------------------------------------------------------------------
// Publish

/** Set by cluster/replication: called for every PUBLISH/SPUBLISH run by a client (not for local-only publishes). */
export const pubsubHooks: {
  propagate: ((shard: boolean, channel: string, message: string) => void) | null;
} = { propagate: null };

let victims: Client[] | null = null;

/** Writes a RESP2-encoded frame to c (switching the array header to a push for RESP3) and checks its limits. */
function deliver(c: Client, frame2: string, frame3: { s: string | null }): void {
  if (c.resp === 3) {
    if (frame3.s === null) frame3.s = '>' + frame2.slice(1);
    R.raw(c, frame3.s);
  } else R.raw(c, frame2);
  checkOutputLimits(c);
}

function checkOutputLimits(c: Client): void {
  const lim = config['client-output-buffer-limit'].pubsub;
  if (lim.hard === 0 && lim.soft === 0) return;
  const used = c.outputLen();
  const hard = lim.hard > 0 && used >= lim.hard;
  let soft = lim.soft > 0 && used >= lim.soft;
  const st = states.get(c);
  if (soft) {
    const now = Math.floor(Date.now() / 1000);
    if (st !== undefined) {
      if (st.softSince === 0) {
        st.softSince = now;
        soft = false;
      } else if (now - st.softSince <= lim.softSeconds) soft = false;
    }
  } else if (st !== undefined) st.softSince = 0;
  if (!hard && !soft) return;
  if (victims === null) victims = [];
  if (!victims.includes(c)) victims.push(c);
}

function closeVictims(): void {
  const list = victims;
  victims = null;
  if (list === null) return;
  for (const c of list) {
    serverStats.clientOutputLimitDisconnections++;
    log.warn({ client: c.addr, id: c.id }, 'Client scheduled to be closed ASAP for overcoming of output buffer limits.');
    dropClient(c);
    // The client being served (a RESP3 publisher subscribed to its own channel) closes after its reply.
    if (c.cmd !== null) c.closeAfterReply();
    else c.kill();
  }
}

/**
 * Delivers `message` to the subscribers of `channel` and to every pattern matching it; returns the
 * number of frames sent (PUBLISH's reply). Usable by other subsystems (keyspace notifications).
 */
export function publish(channel: string, message: string): number {
  let receivers = 0;
  const subs = channelSubs.get(channel);
  if (subs !== undefined) {
    const f2 = messageFrame('message', channel, message);
    const f3 = { s: null as string | null };
    for (const c of subs) {
      deliver(c, f2, f3);
      receivers++;
    }
  }
  if (patternSubs.size > 0) {
    for (const [pattern, clients] of patternSubs) {
      if (!stringmatch(pattern, channel)) continue;
      const f2 = pmessageFrame(pattern, channel, message);
      const f3 = { s: null as string | null };
      for (const c of clients) {
        deliver(c, f2, f3);
        receivers++;
      }
    }
  }
  if (victims !== null) closeVictims();
  return receivers;
}

/** SPUBLISH: shard channel subscribers only. */
export function publishShard(channel: string, message: string): number {
  let receivers = 0;
  const subs = shardSubs.get(channel);
  if (subs !== undefined) {
    const f2 = messageFrame('smessage', channel, message);
    const f3 = { s: null as string | null };
    for (const c of subs) {
      deliver(c, f2, f3);
      receivers++;
    }
  }
  if (victims !== null) closeVictims();
  return receivers;
}

// ---------------------------------------------------------------------------------------------
// Introspection (PUBSUB, INFO, CLIENT LIST)

/** Active channels (with at least one subscriber) matching `pattern` (all when null). */
export function activeChannels(pattern: string | null, shard = false): string[] {
  const out: string[] = [];
  for (const ch of (shard ? shardSubs : channelSubs).keys()) if (pattern === null || stringmatch(pattern, ch)) out.push(ch);
  return out;
}
/** Subscribers of one channel (not counting patterns). */
export function numSubscribers(channel: string, shard = false): number {
  return (shard ? shardSubs : channelSubs).get(channel)?.size ?? 0;
}
/** INFO pubsub_channels */
export function numChannels(): number {
  return channelSubs.size;
}
/** INFO pubsub_patterns, PUBSUB NUMPAT: distinct patterns with a subscriber. */
export function numPatterns(): number {
  return patternSubs.size;
}
/** INFO pubsubshard_channels */
export function numShardChannels(): number {
  return shardSubs.size;
}
/** CLIENT LIST sub= psub= ssub= */
export function clientSubscriptionCounts(c: Client): { sub: number; psub: number; ssub: number } {
  const st = states.get(c);
  return st === undefined ? { sub: 0, psub: 0, ssub: 0 } : { sub: st.channels.size, psub: st.patterns.size, ssub: st.shard.size };
}
/** Redis' getClientType() == CLIENT_TYPE_PUBSUB (CLIENT LIST/KILL TYPE pubsub, flag "P"). */
export function isPubsubClient(c: Client): boolean {
  return states.has(c);
}
/** Every client with at least one subscription. */
export function pubsubClients(): IterableIterator<Client> {
  return states.keys();
}

// ---------------------------------------------------------------------------------------------
// Hooks for other subsystems

/**
 * Cluster: a shard channel's slot left this node (pubsubShardUnsubscribeAllClients): every subscriber
 * gets an "sunsubscribe" frame with its remaining shard count and the channel disappears.
 */
export function unsubscribeShardChannelAllClients(channel: string): void {
  const subs = shardSubs.get(channel);
  if (subs === undefined) return;
  for (const c of [...subs]) unsubscribeShardChannel(c, channel, true);
  shardSubs.delete(channel);
}
/** Cluster: the shard channels matching a predicate (e.g. those hashing to a slot). */
export function shardChannelsWhere(pred: (channel: string) => boolean): string[] {
  const out: string[] = [];
  for (const ch of shardSubs.keys()) if (pred(ch)) out.push(ch);
  return out;
}

/**
 * ACL SETUSER shrank `user`'s channel permissions (ACLKillPubsubClientsIfNeeded): disconnect every
 * client of that user holding a pattern or a (shard) channel that `stillAllowed` now rejects.
 * Returns the clients closed.
 */
export function killRevokedSubscribers(
  user: object,
  stillAllowed: (channel: string, isPattern: boolean) => boolean,
): Client[] {
  const killed: Client[] = [];
  for (const [c, st] of [...states]) {
    if (c.user !== user) continue;
    let kill = false;
    for (const p of st.patterns) if (!stillAllowed(p, true)) { kill = true; break; }
    if (!kill) for (const ch of st.channels) if (!stillAllowed(ch, false)) { kill = true; break; }
    if (!kill) for (const ch of st.shard) if (!stillAllowed(ch, false)) { kill = true; break; }
    if (!kill) continue;
    killed.push(c);
    dropClient(c);
    if (c.cmd !== null) c.closeAfterReply();
    else c.kill();
  }
  return killed;
}

/** Tests: forget every subscription. */
export function resetPubsub(): void {
  for (const c of states.keys()) c.subscriptions = 0;
  channelSubs.clear();
  patternSubs.clear();
  shardSubs.clear();
  states.clear();
  victims = null;
}

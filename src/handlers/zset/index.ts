// The sorted set command group: basic.ts (ZADD, ZINCRBY, ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK,
// ZCOUNT, ZLEXCOUNT, ZRANDMEMBER, ZSCAN), range.ts (ZRANGE family, ZRANGESTORE, ZREMRANGEBY*),
// setops.ts (ZUNION, ZINTER, ZDIFF, their STORE forms, ZINTERCARD), pop.ts (ZPOPMIN, ZPOPMAX, ZMPOP,
// BZPOPMIN, BZPOPMAX, BZMPOP). The value type is src/keyspace/types/zset.ts.
import type { Handler } from '../../server/context';
import { commands as basicCommands } from './basic';
import { commands as rangeCommands } from './range';
import { commands as setopCommands } from './setops';
import { commands as popCommands } from './pop';

export const commands: Record<string, Handler> = {
  ...basicCommands,
  ...rangeCommands,
  ...setopCommands,
  ...popCommands,
};

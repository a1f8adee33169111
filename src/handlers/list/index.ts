// The list command group: list.ts (LPUSH ... LMPOP) and bpop.ts (BLPOP BRPOP BLMPOP BLMOVE BRPOPLPUSH).
// The list value itself is src/keyspace/types/list.ts; reply.ts writes replies from its packed chunks.
import type { Handler } from '../../server/context';
import { commands as listCommands } from './list';
import { commands as blockingCommands } from './bpop';

export const commands: Record<string, Handler> = {
  ...listCommands,
  ...blockingCommands,
};

// The string command group: strings.ts (GET/SET family, INCR family, ranges), bits.ts (SETBIT, GETBIT,
// BITCOUNT, BITPOS, BITOP) and lcs.ts (LCS).
import type { Handler } from '../../server/context';
import { commands as stringCommands } from './strings';
import { commands as bitCommands } from './bits';
import { commands as lcsCommands } from './lcs';

export const commands: Record<string, Handler> = {
  ...stringCommands,
  ...bitCommands,
  ...lcsCommands,
};

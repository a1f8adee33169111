// CLIENT UNBLOCK <id> [TIMEOUT|ERROR] (Redis 7.0 clientCommand).
import type { Client, Handler } from '../../server/context';
import * as R from '../../protocol/reply';
import { error, E } from '../../protocol/errors';
import { clients } from '../../server/state';
import { unblockClient } from '../../server/blocking';
import { string2ll } from '../../util/strconv';

function clientUnblock(c: Client, argv: string[]): void {
  if (argv.length > 4) {
    return error(c, "ERR unknown subcommand or wrong number of arguments for 'UNBLOCK'. Try CLIENT HELP.");
  }
  let withError = false;
  if (argv.length === 4) {
    const r = argv[3].toLowerCase();
    if (r === 'timeout') withError = false;
    else if (r === 'error') withError = true;
    else return error(c, 'ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
  }
  const id = string2ll(argv[2]);
  if (id === null) return error(c, E.notInt);
  const target = id > 0n && id <= BigInt(Number.MAX_SAFE_INTEGER) ? clients.get(Number(id)) : undefined;
  if (target !== undefined && target.blocked !== null && target.blocked !== undefined && unblockClient(target, withError)) {
    R.int(c, 1);
  } else {
    R.int(c, 0);
  }
}

export const commands: Record<string, Handler> = {
  'client|unblock': clientUnblock,
};

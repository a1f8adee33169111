// Out-of-band writes to a client that is not the one being served (MONITOR lines, pub/sub messages).
import * as R from '../protocol/reply';
import type { Client } from './context';

export function pushRaw(c: Client, s: string): void {
  // Pushes are never muted by CLIENT REPLY OFF of the receiving client? Redis mutes them too.
  R.raw(c, s);
}

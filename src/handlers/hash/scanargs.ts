// Pieces shared by the hash and set handlers: HSCAN/SSCAN option parsing (Redis 7.0
// scanGenericCommand on a value), the reply for a missing key, and the guard that stops an unbounded
// random reply (HRANDFIELD/SRANDMEMBER with a huge negative count).
import type { Client } from '../../server/context';
import { error, E } from '../../protocol/errors';
import { raw } from '../../protocol/reply';
import { parseLL } from '../../util/strconv';
import { kw } from '../string/util';

export interface ScanOptions {
  count: number;
  /** null when every element matches (no MATCH, or MATCH "*"). */
  pattern: string | null;
}

/**
 * COUNT and MATCH from argv[start..] (TYPE is a syntax error for HSCAN/SSCAN/ZSCAN), or null after an
 * error reply. Redis parses them only once the key was found and type-checked.
 */
export function parseScanOptions(c: Client, argv: string[], start: number): ScanOptions | null {
  let count = 10;
  let pattern: string | null = null;
  const n = argv.length;
  for (let i = start; i < n; ) {
    const opt = kw(argv[i]);
    if (opt === 'count' && n - i >= 2) {
      const v = parseLL(argv[i + 1]);
      if (v === null) {
        error(c, E.notInt);
        return null;
      }
      if (v < 1) {
        error(c, E.syntax);
        return null;
      }
      count = Number(v);
      i += 2;
    } else if (opt === 'match' && n - i >= 2) {
      const p = argv[i + 1];
      pattern = p === '*' ? null : p;
      i += 2;
    } else {
      error(c, E.syntax);
      return null;
    }
  }
  return { count, pattern };
}

/** Redis' shared.emptyscan: cursor 0 and no elements. */
export function emptyScan(c: Client): void {
  raw(c, '*2\r\n$1\r\n0\r\n*0\r\n');
}

/**
 * A reply with a negative count can be asked to repeat elements without bound (Redis keeps going until
 * the client is closed for its output buffer, or memory runs out). Past this many pending reply bytes
 * the reply stops and the client is closed after what was written.
 */
export const randomReplyLimit = { bytes: 1 << 30 };

/** Array header for a count that may exceed 2^53 (repeating random replies): exact digits. */
export function arrayLenExact(c: Client, n: number | bigint): void {
  raw(c, '*' + n.toString() + '\r\n');
}

/** True (and the client marked for closing) when a repeating random reply grew past the limit. */
export function replyOverLimit(c: Client): boolean {
  if (c.opos <= randomReplyLimit.bytes) return false;
  c.closeAfterReply();
  return true;
}

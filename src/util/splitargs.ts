// Redis' sdssplitargs() (sds.c): splits a line into arguments with redis-cli / redis.conf quoting.
// Used for redis.conf lines and the command line (config/), inline commands (protocol/) and ACL
// selectors (server/acl.ts). Strings are latin1 (one char = one byte).

import { isSpace } from './strconv';

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}
function hexVal(c: number): number {
  if (c <= 57) return c - 48;
  if (c >= 97) return c - 87;
  return c - 55;
}

/**
 * Redis sdssplitargs(): "double quotes" understand \n \r \t \b \a \\ \" \xHH (any other \c is c);
 * 'single quotes' only \'; a closing quote must be followed by a space or the end of the line.
 * Returns null on unbalanced quotes.
 *
 * The C code reads a NUL-terminated string, so a NUL byte ends the line: "a\0b c" gives ["a"], and a
 * quote still open at the NUL is unbalanced. (Redis' inline protocol never passes one: it finds the end
 * of the line with strchr, which stops at a NUL, so such a line never completes there.)
 */
export function splitArgs(input: string): string[] | null {
  const z = input.indexOf('\0');
  const line = z === -1 ? input : input.slice(0, z);
  const out: string[] = [];
  const n = line.length;
  let p = 0;
  for (;;) {
    while (p < n && isSpace(line.charCodeAt(p))) p++;
    if (p >= n) return out;
    let inq = false; // in "double quotes"
    let insq = false; // in 'single quotes'
    let done = false;
    let cur = '';
    while (!done) {
      const c = p < n ? line.charCodeAt(p) : 0;
      if (inq) {
        if (c === 92 && line.charCodeAt(p + 1) === 120 && isHex(line.charCodeAt(p + 2)) && isHex(line.charCodeAt(p + 3))) {
          cur += String.fromCharCode(hexVal(line.charCodeAt(p + 2)) * 16 + hexVal(line.charCodeAt(p + 3)));
          p += 3;
        } else if (c === 92 && p + 1 < n) {
          p++;
          const e = line[p];
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === 34) {
          if (p + 1 < n && !isSpace(line.charCodeAt(p + 1))) return null;
          done = true;
        } else if (p >= n) {
          return null;
        } else {
          cur += line[p];
        }
      } else if (insq) {
        if (c === 92 && line.charCodeAt(p + 1) === 39) {
          p++;
          cur += "'";
        } else if (c === 39) {
          if (p + 1 < n && !isSpace(line.charCodeAt(p + 1))) return null;
          done = true;
        } else if (p >= n) {
          return null;
        } else {
          cur += line[p];
        }
      } else {
        switch (c) {
          case 32:
          case 10:
          case 13:
          case 9:
          case 0:
            done = true;
            break;
          case 34:
            inq = true;
            break;
          case 39:
            insq = true;
            break;
          default:
            cur += line[p];
        }
      }
      if (p < n) p++;
    }
    out.push(cur);
  }
}

// Glob-style matching with Redis' stringmatchlen() semantics (util.c, Redis 7.0), shared by
// KEYS, SCAN MATCH, CONFIG GET, PSUBSCRIBE, ACL key/channel patterns.
//
// Strings are latin1 (one char = one byte), like every key in Strata.
//
// Tokens:   *        any run of bytes
//           ?        one byte
//           [abc]    one byte of the set; [^abc] negated; [a-z] ranges (ends may be given in either order);
//                    \x inside brackets is a literal x; an unterminated [ runs to the end of the pattern
//           \x       literal x (a trailing lone \ is a literal backslash)
// Quirks kept on purpose, because clients observe them:
//   - an empty subject never matches a non-empty pattern, not even "*" (KEYS/SCAN special-case a lone "*")
//   - range bounds and the subject byte compare as C `char` (signed on x86), so ranges that span 0x7f/0x80
//     behave like Redis on Linux x86-64
//   - nocase folds ASCII A-Z only (C locale tolower)
//
// Redis matches recursively (one frame per '*', with the "skip longer matches" cut-off from 7.0.9).
// Because every non-star token consumes exactly one byte, backtracking only to the most recent '*' gives
// the same answer, so this implementation is iterative: no recursion, no stack-depth limit, O(n*m) worst
// case. test/unit/glob.test.ts checks it against a line-by-line port of the recursive C code.

const STAR = 42; // *
const QMARK = 63; // ?
const LBRACK = 91; // [
const RBRACK = 93; // ]
const BSLASH = 92; // \
const CARET = 94; // ^
const DASH = 45; // -

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}
/** C `char` on x86: bytes 0x80..0xff are negative. */
function schar(c: number): number {
  return c > 127 ? c - 256 : c;
}

/**
 * Matches the token that starts at p[pi] (not '*') against byte c.
 * Returns the index just past the token when it matches, -1 when it does not.
 * The token's length never depends on c, so callers may rely on it after a match.
 */
function matchToken(p: string, pi: number, plen: number, c: number, nocase: boolean): number {
  const t = p.charCodeAt(pi);
  if (t === QMARK) return pi + 1;
  if (t === LBRACK) {
    pi++;
    const not = pi < plen && p.charCodeAt(pi) === CARET;
    if (not) pi++;
    let match = false;
    for (;;) {
      const rem = plen - pi;
      const pc = rem > 0 ? p.charCodeAt(pi) : -1;
      if (pc === BSLASH && rem >= 2) {
        pi++;
        if (p.charCodeAt(pi) === c) match = true;
      } else if (pc === RBRACK) {
        break;
      } else if (rem <= 0) {
        // Unterminated class: Redis steps back so that the final pattern++ lands on the end.
        pi--;
        break;
      } else if (rem >= 3 && p.charCodeAt(pi + 1) === DASH) {
        let start = schar(pc);
        let end = schar(p.charCodeAt(pi + 2));
        let ch = schar(c);
        if (start > end) {
          const x = start;
          start = end;
          end = x;
        }
        if (nocase) {
          start = lower(start);
          end = lower(end);
          ch = lower(ch);
        }
        pi += 2;
        if (ch >= start && ch <= end) match = true;
      } else if (nocase ? lower(pc) === lower(c) : pc === c) {
        match = true;
      }
      pi++;
    }
    if (not) match = !match;
    return match ? pi + 1 : -1;
  }
  if (t === BSLASH && plen - pi >= 2) pi++;
  const pc = p.charCodeAt(pi);
  if (nocase ? lower(pc) !== lower(c) : pc !== c) return -1;
  return pi + 1;
}

/** Redis stringmatchlen(pattern, string, nocase) on latin1 strings. */
export function stringmatch(pattern: string, s: string, nocase = false): boolean {
  const plen = pattern.length;
  const slen = s.length;
  if (slen === 0) return plen === 0;
  let pi = 0;
  let si = 0;
  let starPi = -1; // pattern index just after the last '*' seen
  let starSi = 0; // subject index that '*' is currently assumed to stop at
  while (si < slen) {
    if (pi < plen && pattern.charCodeAt(pi) === STAR) {
      while (pi < plen && pattern.charCodeAt(pi) === STAR) pi++;
      if (pi === plen) return true;
      starPi = pi;
      starSi = si;
      continue;
    }
    if (pi < plen) {
      const next = matchToken(pattern, pi, plen, s.charCodeAt(si), nocase);
      if (next !== -1) {
        pi = next;
        si++;
        continue;
      }
    }
    if (starPi === -1) return false;
    pi = starPi;
    si = ++starSi;
  }
  while (pi < plen && pattern.charCodeAt(pi) === STAR) pi++;
  return pi === plen;
}

/** Same as stringmatch, for Buffers (binary keys/channels). */
export function stringmatchBuf(pattern: Buffer, s: Buffer, nocase = false): boolean {
  return stringmatch(pattern.toString('latin1'), s.toString('latin1'), nocase);
}

/** True when the pattern has a glob metacharacter CONFIG GET treats as a pattern (Redis: strpbrk "[*?"). */
export function hasGlobChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === STAR || c === QMARK || c === LBRACK) return true;
  }
  return false;
}

// Redis' sdscatrepr(): how Redis quotes a byte string for humans and for config files (MONITOR lines,
// CONFIG REWRITE, the redis-server command line turned into config text).

/**
 * A double-quoted, escaped representation: \\ \" \n \r \t \a \b, printable ASCII as is, any other byte
 * as \xHH. Strings are latin1 (one char = one byte).
 */
export function repr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 92:
        out += '\\\\';
        break;
      case 34:
        out += '\\"';
        break;
      case 10:
        out += '\\n';
        break;
      case 13:
        out += '\\r';
        break;
      case 9:
        out += '\\t';
        break;
      case 7:
        out += '\\a';
        break;
      case 8:
        out += '\\b';
        break;
      default:
        if (c >= 32 && c <= 126) out += s[i];
        else out += '\\x' + (c & 0xff).toString(16).padStart(2, '0');
    }
  }
  return out + '"';
}

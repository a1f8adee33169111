// Inline command splitting with Redis' sdssplitargs rules (telnet / redis-cli inline input, and
// redis.conf lines). Returns null on unbalanced quotes. Works on latin1 strings (bytes).

function isHex(c: string): boolean {
  return /^[0-9a-fA-F]$/.test(c);
}

export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let p = 0;
  const n = line.length;
  for (;;) {
    while (p < n && isSpace(line.charCodeAt(p))) p++;
    if (p >= n) return out;
    let inq = false; // double quotes
    let insq = false; // single quotes
    let done = false;
    let cur = '';
    while (!done) {
      if (inq) {
        if (p >= n) return null;
        const ch = line[p];
        if (ch === '\\' && line[p + 1] === 'x' && p + 3 < n + 0 && isHex(line[p + 2] ?? '') && isHex(line[p + 3] ?? '')) {
          cur += String.fromCharCode(parseInt(line.substr(p + 2, 2), 16));
          p += 3;
        } else if (ch === '\\' && p + 1 < n) {
          p++;
          const e = line[p];
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (ch === '"') {
          // closing quote must be followed by a space or nothing
          if (p + 1 < n && !isSpace(line.charCodeAt(p + 1))) return null;
          done = true;
        } else {
          cur += ch;
        }
      } else if (insq) {
        if (p >= n) return null;
        const ch = line[p];
        if (ch === '\\' && line[p + 1] === "'") {
          p++;
          cur += "'";
        } else if (ch === "'") {
          if (p + 1 < n && !isSpace(line.charCodeAt(p + 1))) return null;
          done = true;
        } else {
          cur += ch;
        }
      } else {
        if (p >= n) {
          done = true;
          break;
        }
        const ch = line[p];
        const code = line.charCodeAt(p);
        if (code === 32 || code === 10 || code === 13 || code === 9 || code === 0) {
          done = true;
        } else if (ch === '"') {
          inq = true;
        } else if (ch === "'") {
          insq = true;
        } else {
          cur += ch;
        }
      }
      if (p < n) p++;
    }
    out.push(cur);
  }
}

// isspace() in the C locale: space, \t \n \v \f \r
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

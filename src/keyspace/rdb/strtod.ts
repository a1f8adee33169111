// C strtod() in the C locale, as a prefix parser: how Redis reads scores stored as text in listpacks and
// ziplists (zzlStrtod) and in old RDB_TYPE_ZSET payloads (sscanf "%lg").

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}
function matchWord(s: string, i: number, w: string): boolean {
  if (s.length - i < w.length) return false;
  return s.substr(i, w.length).toLowerCase() === w;
}

/**
 * strtod(s, &end): the value and the index just past the parsed text; end = 0 (and value 0) when no
 * conversion could be performed.
 */
export function strtodPrefix(s: string): { value: number; end: number } {
  const n = s.length;
  let i = 0;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  const sc = s.charCodeAt(i);
  if (sc === 43 || sc === 45) {
    neg = sc === 45;
    i++;
  }
  if (matchWord(s, i, 'inf')) {
    const end = matchWord(s, i, 'infinity') ? i + 8 : i + 3;
    return { value: neg ? -Infinity : Infinity, end };
  }
  if (matchWord(s, i, 'nan')) {
    let end = i + 3;
    if (s.charCodeAt(end) === 40) {
      // nan(n-char-sequence)
      let j = end + 1;
      while (j < n && /[0-9A-Za-z_]/.test(s[j])) j++;
      if (s.charCodeAt(j) === 41) end = j + 1;
    }
    return { value: NaN, end };
  }
  // Hexadecimal float.
  if (s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 32) === 120) {
    let j = i + 2;
    let mant = 0;
    let exp = 0;
    let digits = 0;
    while (j < n && hexVal(s.charCodeAt(j)) >= 0) {
      mant = mant * 16 + hexVal(s.charCodeAt(j));
      j++;
      digits++;
    }
    if (s.charCodeAt(j) === 46) {
      let k = j + 1;
      let frac = 0;
      while (k < n && hexVal(s.charCodeAt(k)) >= 0) {
        mant = mant * 16 + hexVal(s.charCodeAt(k));
        exp -= 4;
        k++;
        frac++;
      }
      if (digits + frac > 0) j = k;
      digits += frac;
    }
    if (digits === 0) {
      // "0x" without digits: only the "0" converts.
      return { value: neg ? -0 : 0, end: i + 1 };
    }
    if ((s.charCodeAt(j) | 32) === 112) {
      let k = j + 1;
      let eneg = false;
      if (s.charCodeAt(k) === 43 || s.charCodeAt(k) === 45) {
        eneg = s.charCodeAt(k) === 45;
        k++;
      }
      if (isDigit(s.charCodeAt(k))) {
        let e = 0;
        while (k < n && isDigit(s.charCodeAt(k))) {
          if (e < 100000) e = e * 10 + (s.charCodeAt(k) - 48);
          k++;
        }
        exp += eneg ? -e : e;
        j = k;
      }
    }
    const v = mant * Math.pow(2, exp);
    return { value: neg ? -v : v, end: j };
  }
  // Decimal.
  let j = i;
  let digits = 0;
  while (j < n && isDigit(s.charCodeAt(j))) {
    j++;
    digits++;
  }
  if (s.charCodeAt(j) === 46) {
    let k = j + 1;
    let frac = 0;
    while (k < n && isDigit(s.charCodeAt(k))) {
      k++;
      frac++;
    }
    if (digits + frac > 0) j = k;
    digits += frac;
  }
  if (digits === 0) return { value: 0, end: 0 };
  let numEnd = j;
  if ((s.charCodeAt(j) | 32) === 101) {
    let k = j + 1;
    if (s.charCodeAt(k) === 43 || s.charCodeAt(k) === 45) k++;
    if (isDigit(s.charCodeAt(k))) {
      while (k < n && isDigit(s.charCodeAt(k))) k++;
      numEnd = k;
    }
  }
  let text = s.slice(i, numEnd);
  if (text.charCodeAt(0) === 46) text = '0' + text;
  text = text.replace(/\.(?=[eE]|$)/, '');
  const v = Number(text);
  return { value: neg ? -v : v, end: numEnd };
}

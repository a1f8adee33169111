// LCS (Redis 7.0): longest common subsequence of two string keys, with LEN, IDX, MINMATCHLEN, WITHMATCHLEN.
// Same dynamic-programming table and the same backtracking tie-breaks as Redis, so IDX ranges match.
import type { Client, Handler } from '../../server/context';
import { bulk, int, arrayLen, mapLen } from '../../protocol/reply';
import { error, E } from '../../protocol/errors';
import { SE, strOf, kw, maxBulkLen, longLongOrReply } from './util';

function lcsCommand(c: Client, argv: string[]): void {
  const db = c.db;
  const va = db.get(argv[1]);
  const vb = db.get(argv[2]);
  if (typeof va === 'object' || typeof vb === 'object') {
    error(c, SE.lcsWrongType);
    return;
  }
  const a = va === undefined ? '' : strOf(va);
  const b = vb === undefined ? '' : strOf(vb);
  let getlen = false;
  let getidx = false;
  let withmatchlen = false;
  let minmatchlen = 0;
  const argc = argv.length;
  for (let j = 3; j < argc; j++) {
    const opt = kw(argv[j]);
    const moreargs = argc - 1 - j;
    if (opt === 'idx') getidx = true;
    else if (opt === 'len') getlen = true;
    else if (opt === 'withmatchlen') withmatchlen = true;
    else if (opt === 'minmatchlen' && moreargs > 0) {
      const m = longLongOrReply(c, argv[j + 1]);
      if (m === null) return;
      // Lengths never reach 2^53, so a rounded huge value compares the same.
      minmatchlen = m < 0 ? 0 : Number(m);
      j++;
    } else {
      error(c, E.syntax);
      return;
    }
  }
  if (getidx && getlen) {
    error(c, SE.lcsLenAndIdx);
    return;
  }
  const alen = a.length;
  const blen = b.length;
  if (alen >= 0xfffffffe || blen >= 0xfffffffe) {
    error(c, SE.lcsTooLong);
    return;
  }
  // Redis sizes its uint32 table before anything else, whatever the options.
  const cells = (alen + 1) * (blen + 1);
  if (cells * 4 > maxBulkLen) {
    error(c, SE.lcsMemLimit);
    return;
  }
  const A = Buffer.from(a, 'latin1');
  const B = Buffer.from(b, 'latin1');
  const w = blen + 1;

  if (getlen && !getidx) {
    // Only the length: two rows give the same LCS(alen, blen) as the full table.
    let prev = new Uint32Array(w);
    let row = new Uint32Array(w);
    for (let i = 1; i <= alen; i++) {
      const ca = A[i - 1];
      row[0] = 0;
      for (let j = 1; j <= blen; j++) {
        if (ca === B[j - 1]) row[j] = prev[j - 1] + 1;
        else {
          const l1 = prev[j];
          const l2 = row[j - 1];
          row[j] = l1 > l2 ? l1 : l2;
        }
      }
      const t = prev;
      prev = row;
      row = t;
    }
    int(c, prev[blen]);
    return;
  }

  let lcs: Uint16Array | Uint32Array;
  try {
    // Table values never exceed min(alen, blen): 16 bits are enough for most inputs.
    lcs = (alen < blen ? alen : blen) < 0xffff ? new Uint16Array(cells) : new Uint32Array(cells);
  } catch {
    error(c, SE.lcsAllocFail);
    return;
  }
  // lcs[j + i*w] = LCS length of a[0..i-1], b[0..j-1]; row 0 and column 0 stay 0.
  for (let i = 1; i <= alen; i++) {
    const ca = A[i - 1];
    const r = i * w;
    const p = r - w;
    for (let j = 1; j <= blen; j++) {
      if (ca === B[j - 1]) lcs[r + j] = lcs[p + j - 1] + 1;
      else {
        const l1 = lcs[p + j];
        const l2 = lcs[r + j - 1];
        lcs[r + j] = l1 > l2 ? l1 : l2;
      }
    }
  }
  const total = lcs[alen * w + blen];
  let idx = total;
  const result = getidx ? null : Buffer.allocUnsafe(total);
  // Ranges as flat [aStart, aEnd, bStart, bEnd, len] groups (Redis emits them with a deferred length).
  const ranges: number[] | null = getidx ? [] : null;
  let aStart = alen; // alen = no range in progress
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let i = alen;
  let j = blen;
  while (i > 0 && j > 0) {
    let emit = false;
    if (A[i - 1] === B[j - 1]) {
      if (result !== null) result[idx - 1] = A[i - 1];
      if (aStart === alen) {
        aStart = i - 1;
        aEnd = i - 1;
        bStart = j - 1;
        bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      const l1 = lcs[(i - 1) * w + j];
      const l2 = lcs[i * w + j - 1];
      if (l1 > l2) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1;
      if (ranges !== null && (minmatchlen === 0 || matchLen >= minmatchlen)) {
        ranges.push(aStart, aEnd, bStart, bEnd, matchLen);
      }
      aStart = alen;
    }
  }
  if (ranges !== null) {
    mapLen(c, 2);
    bulk(c, 'matches');
    const n = ranges.length / 5;
    arrayLen(c, n);
    for (let k = 0; k < ranges.length; k += 5) {
      arrayLen(c, withmatchlen ? 3 : 2);
      arrayLen(c, 2);
      int(c, ranges[k]);
      int(c, ranges[k + 1]);
      arrayLen(c, 2);
      int(c, ranges[k + 2]);
      int(c, ranges[k + 3]);
      if (withmatchlen) int(c, ranges[k + 4]);
    }
    bulk(c, 'len');
    int(c, total);
  } else {
    bulk(c, (result as Buffer).toString('latin1'));
  }
}

export const commands: Record<string, Handler> = {
  lcs: lcsCommand,
};

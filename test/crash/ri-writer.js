'use strict';
// Child process for rangeindex.crash.test.ts: applies a deterministic op stream to a range-index tree,
// commits every K ops (appliedSeq = ops applied), and prints the op count to stdout after each commit
// returns. The test kill -9s it at random moments. Requires the compiled engine (npx tsc -p .).
const path = require('path');
const fs = require('fs');

function hash32(a, b) {
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x27d4eb2f, 0xc2b2ae35)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** Op i of the stream: ['set', key, value] or ['del', key]. */
function opAt(seed, keySpace, i) {
  const h = hash32(seed, i);
  const key = Buffer.from('k' + (h % keySpace).toString(36).padStart(4, '0'));
  if (hash32(seed + 1, i) % 100 < 35) return ['del', key];
  const vlen = hash32(seed + 2, i) % 40;
  return ['set', key, Buffer.from(i + ':' + 'x'.repeat(vlen))];
}

module.exports = { opAt };

if (require.main === module) {
  const [file, pageSize, cacheFrames, K, keySpace, seed] = process.argv.slice(2);
  const { RangeTree } = require(path.resolve(__dirname, '../../dist/rangeindex/tree.js'));
  const ps = Number(pageSize);
  const cacheBytes = Number(cacheFrames) * ps;
  const t = fs.existsSync(file) ? RangeTree.open(file, { cacheBytes }) : RangeTree.create(file, { pageSize: ps, cacheBytes });
  let i = t.appliedSeq;
  const k = Number(K);
  // Snapshots come and go mid-transaction too (a pinned, uncommitted txn changes which pages commits
  // may reuse and which meta slot they write): they must not change what a crash leaves behind.
  const snaps = [];
  for (;;) {
    const op = opAt(Number(seed), Number(keySpace), i);
    if (op[0] === 'set') t.set(op[1], op[2]);
    else t.delete(op[1]);
    i++;
    const h = hash32(Number(seed) + 3, i) % 1000;
    if (h < 3) snaps.push(t.snapshot());
    else if (h < 6 && snaps.length > 0) snaps.shift().release();
    if (i % k === 0) {
      t.appliedSeq = i;
      t.commit();
      fs.writeSync(1, i + '\n');
    }
  }
}

'use strict';
// The workload of the persistence crash tests (persistence.crash.*.test.ts, persistence-soak.js).
//
// As a module: a deterministic op stream per connection (OpStream), the model it implies, a small raw
// RESP client, a reader of a server's state in the same canonical form as the model, and the kill -9
// cycle runner shared by the jest tests and the soak script.
//
// As a child process (`node persistence-writer.js '<json options>'`): the writer. It opens one
// connection per stream, sends pipelines of ops (INCR, RPUSH/LTRIM, HSET/HDEL, SADD/SREM, ZADD,
// SET EX/PX/SETEX, MULTI/EXEC of RPUSH+RPUSH+INCR, RI.CREATE/RI.SET/RI.DEL, SET/DEL), checks every reply
// against the model, and appends to the ack file:
//   S <conn> <end>        before a pipeline is written: ops below <end> may have reached the server
//   A <conn> <i>          op i got all its replies and they are the expected ones (acknowledged)
//   X <conn> <i> <json>   op i got an unexpected reply (the test fails)
// It prints "ready" once every connection is up and exits when every connection is gone (the server was
// killed), when each stream sent `ops` ops, or after `maxMs`.
//
// Why the check is exact: each connection has its own keys and the server runs one connection's commands
// in order, and the log is a prefix of the server's execution order, so after any crash a connection's
// keys must hold exactly the model after its first K ops, for one K between what was acknowledged and what
// was sent. Anything acknowledged that is missing, any half-applied MULTI/EXEC, any torn or reordered
// record makes every K fail.
const fs = require('fs');
const net = require('net');
const path = require('path');
const { spawn } = require('child_process');

// ---------------------------------------------------------------------------------------------------
// Deterministic hashing and rng

function hash32(a, b, c) {
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x27d4eb2f, 0xc2b2ae35) ^ Math.imul(c + 0x165667b1, 0x27d4eb2f)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** mulberry32, the same generator as test/helpers/rng.ts. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------------
// The op stream and its model

const KINDS = [
  ['incr', 12],
  ['list', 12],
  ['hash', 10],
  ['set', 8],
  ['zset', 8],
  ['str', 10],
  ['multi', 10],
  ['ri', 10],
  ['del', 8],
];
const KIND_TOTAL = KINDS.reduce((a, k) => a + k[1], 0);
const STR_SLOTS = 6;
const DEL_SLOTS = 5;

function newModel() {
  return {
    ctr: null,
    list: [],
    hash: new Map(),
    set: [], // insertion order (SREM takes the oldest)
    zset: new Map(),
    str: new Array(STR_SLOTS).fill(null),
    txa: [],
    txb: [],
    txn: null,
    riExists: false,
    ri: new Map(),
    del: new Array(DEL_SLOTS).fill(null),
  };
}

/** The keys of connection `conn`'s stream. */
function keysOf(conn) {
  const p = `pw${conn}:`;
  return {
    ctr: p + 'ctr',
    list: p + 'list',
    hash: p + 'hash',
    set: p + 'set',
    zset: p + 'zset',
    str: Array.from({ length: STR_SLOTS }, (_, j) => p + 'str' + j),
    txa: p + 'txa',
    txb: p + 'txb',
    txn: p + 'txn',
    ri: p + 'ri',
    del: Array.from({ length: DEL_SLOTS }, (_, j) => p + 'del' + j),
  };
}

/**
 * Op i of connection `conn`: its commands and the replies they must get (canonical reply text, see
 * replyText). next() applies the op to the model. Op 0 creates the range index.
 */
class OpStream {
  constructor(seed, conn) {
    this.seed = seed >>> 0;
    this.conn = conn;
    this.i = 0;
    this.m = newModel();
    this.k = keysOf(conn);
  }

  /** A copy at the same op (the model is small: every structure is bounded). */
  clone() {
    return OpStream.fromState(this.seed, this.conn, this.state());
  }

  /** Plain-JSON form of the position and model (handed to the writer process). */
  state() {
    const m = this.m;
    return { i: this.i, m: { ...m, list: [...m.list], hash: [...m.hash], set: [...m.set], zset: [...m.zset], str: [...m.str], txa: [...m.txa], txb: [...m.txb], ri: [...m.ri], del: [...m.del] } };
  }

  static fromState(seed, conn, st) {
    const s = new OpStream(seed, conn);
    s.i = st.i;
    const m = st.m;
    s.m = { ...m, list: [...m.list], hash: new Map(m.hash), set: [...m.set], zset: new Map(m.zset), str: [...m.str], txa: [...m.txa], txb: [...m.txb], ri: new Map(m.ri), del: [...m.del] };
    return s;
  }

  /** Advances to op `n` (replaying the model from where it is). */
  skipTo(n) {
    if (n < this.i) throw new Error(`OpStream cannot go back from ${this.i} to ${n}`);
    while (this.i < n) this.next();
  }

  next() {
    const i = this.i++;
    const m = this.m;
    const k = this.k;
    const h = hash32(this.seed, this.conn * 7919 + 1, i);
    const h2 = hash32(this.seed + 1, this.conn * 7919 + 2, i);
    if (i === 0) {
      m.riExists = true;
      return { i, kind: 'ricreate', cmds: [['RI.CREATE', k.ri, 'CACHESIZE', '65536']], expect: ['+OK'] };
    }
    let pick = h % KIND_TOTAL;
    let kind = KINDS[0][0];
    for (const [name, w] of KINDS) {
      if (pick < w) {
        kind = name;
        break;
      }
      pick -= w;
    }
    switch (kind) {
      case 'incr': {
        m.ctr = (m.ctr ?? 0) + 1;
        return { i, kind, cmds: [['INCR', k.ctr]], expect: [':' + m.ctr] };
      }
      case 'list': {
        if (m.list.length >= 40 && h2 % 3 === 0) {
          m.list = m.list.slice(-25);
          return { i, kind, cmds: [['LTRIM', k.list, '-25', '-1']], expect: ['+OK'] };
        }
        m.list.push('e' + i);
        return { i, kind, cmds: [['RPUSH', k.list, 'e' + i]], expect: [':' + m.list.length] };
      }
      case 'hash': {
        if (m.hash.size >= 16 && h2 % 4 === 0) {
          const f = [...m.hash.keys()].sort()[h2 % m.hash.size];
          m.hash.delete(f);
          return { i, kind, cmds: [['HDEL', k.hash, f]], expect: [':1'] };
        }
        const f = 'f' + (h2 % 24);
        const isNew = !m.hash.has(f);
        m.hash.set(f, 'v' + i);
        return { i, kind, cmds: [['HSET', k.hash, f, 'v' + i]], expect: [isNew ? ':1' : ':0'] };
      }
      case 'set': {
        if (m.set.length >= 30) {
          const old = m.set.shift();
          return { i, kind, cmds: [['SREM', k.set, old]], expect: [':1'] };
        }
        m.set.push('m' + i);
        return { i, kind, cmds: [['SADD', k.set, 'm' + i]], expect: [':1'] };
      }
      case 'zset': {
        const mem = 'z' + (h2 % 20);
        const isNew = !m.zset.has(mem);
        m.zset.set(mem, i);
        return { i, kind, cmds: [['ZADD', k.zset, String(i), mem]], expect: [isNew ? ':1' : ':0'] };
      }
      case 'str': {
        const j = h2 % STR_SLOTS;
        const v = 'v' + i;
        m.str[j] = v;
        const variant = (h2 >>> 8) % 3;
        const cmd =
          variant === 0 ? ['SET', k.str[j], v, 'EX', '100000'] : variant === 1 ? ['SET', k.str[j], v, 'PX', '100000000'] : ['SETEX', k.str[j], '100000', v];
        return { i, kind, cmds: [cmd], expect: ['+OK'] };
      }
      case 'multi': {
        let inner;
        let exec;
        m.txn = (m.txn ?? 0) + 1;
        if (m.txa.length >= 30) {
          m.txa = m.txa.slice(-20);
          m.txb = m.txb.slice(-20);
          inner = [
            ['LTRIM', k.txa, '-20', '-1'],
            ['LTRIM', k.txb, '-20', '-1'],
            ['INCR', k.txn],
          ];
          exec = `[+OK,+OK,:${m.txn}]`;
        } else {
          m.txa.push('t' + i);
          m.txb.push('t' + i);
          inner = [
            ['RPUSH', k.txa, 't' + i],
            ['RPUSH', k.txb, 't' + i],
            ['INCR', k.txn],
          ];
          exec = `[:${m.txa.length},:${m.txb.length},:${m.txn}]`;
        }
        return { i, kind, cmds: [['MULTI'], ...inner, ['EXEC']], expect: ['+OK', '+QUEUED', '+QUEUED', '+QUEUED', exec] };
      }
      case 'ri': {
        if (m.ri.size >= 30 && h2 % 4 === 0) {
          const f = [...m.ri.keys()].sort()[h2 % m.ri.size];
          m.ri.delete(f);
          return { i, kind, cmds: [['RI.DEL', k.ri, f]], expect: [':1'] };
        }
        const f = 'f' + String(h2 % 40).padStart(3, '0');
        m.ri.set(f, 'v' + i);
        return { i, kind, cmds: [['RI.SET', k.ri, f, 'v' + i]], expect: ['+OK'] };
      }
      case 'del': {
        const j = h2 % DEL_SLOTS;
        if (m.del[j] === null) {
          m.del[j] = 'x' + i;
          return { i, kind, cmds: [['SET', k.del[j], 'x' + i]], expect: ['+OK'] };
        }
        // Sometimes a second present key goes in the same DEL (a multi-key write).
        const keys = [k.del[j]];
        m.del[j] = null;
        const j2 = (j + 1 + ((h2 >>> 8) % (DEL_SLOTS - 1))) % DEL_SLOTS;
        if ((h2 >>> 16) % 2 === 0 && m.del[j2] !== null) {
          keys.push(k.del[j2]);
          m.del[j2] = null;
        }
        return { i, kind, cmds: [['DEL', ...keys]], expect: [':' + keys.length] };
      }
    }
    throw new Error('unreachable');
  }
}

/** The model in canonical text (what readState gives for the server's keys). */
function canonical(m) {
  const hash = [...m.hash.entries()].map(([f, v]) => `${f}=${v}`).sort();
  const set = [...m.set].sort();
  const zset = [...m.zset.entries()].sort((a, b) => a[1] - b[1]).map(([mem, s]) => `${mem}=${s}`);
  const ri = [...m.ri.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([f, v]) => `${f}=${v}`);
  return [
    `ctr:${m.ctr ?? 'nil'}`,
    `list:${m.list.join(',')}`,
    `hash:${hash.join(',')}`,
    `set:${set.join(',')}`,
    `zset:${zset.join(',')}`,
    `str:${m.str.map((v) => v ?? 'nil').join(',')}`,
    `txa:${m.txa.join(',')}`,
    `txb:${m.txb.join(',')}`,
    `txn:${m.txn ?? 'nil'}`,
    `ri:${m.riExists ? 'yes' : 'no'}:${ri.join(',')}`,
    `del:${m.del.map((v) => v ?? 'nil').join(',')}`,
  ];
}

// ---------------------------------------------------------------------------------------------------
// A small RESP2 client

/** Parses one reply at pos: { v, end } or null when incomplete. Values: {t, v} tagged. */
function parseReply(buf, pos) {
  if (pos >= buf.length) return null;
  const cr = buf.indexOf(13, pos);
  if (cr === -1 || cr + 1 >= buf.length) return null;
  const type = buf[pos];
  const line = buf.latin1Slice(pos + 1, cr);
  const after = cr + 2;
  switch (type) {
    case 43: // +
      return { v: { t: '+', v: line }, end: after };
    case 45: // -
      return { v: { t: '-', v: line }, end: after };
    case 58: // :
      return { v: { t: ':', v: Number(line) }, end: after };
    case 36: {
      // $
      const n = Number(line);
      if (n < 0) return { v: { t: '$', v: null }, end: after };
      if (after + n + 2 > buf.length) return null;
      return { v: { t: '$', v: buf.latin1Slice(after, after + n) }, end: after + n + 2 };
    }
    case 42: {
      // *
      const n = Number(line);
      if (n < 0) return { v: { t: '*', v: null }, end: after };
      const items = [];
      let p = after;
      for (let j = 0; j < n; j++) {
        const r = parseReply(buf, p);
        if (r === null) return null;
        items.push(r.v);
        p = r.end;
      }
      return { v: { t: '*', v: items }, end: p };
    }
    default:
      throw new Error(`not a RESP2 reply: byte ${type} at ${pos}`);
  }
}

/** Canonical text of a reply: +OK, -ERR ..., :5, $text, $nil, [a,b]. */
function replyText(r) {
  if (r.t === '*') return r.v === null ? '*nil' : '[' + r.v.map(replyText).join(',') + ']';
  if (r.t === '$') return r.v === null ? '$nil' : '$' + r.v;
  return r.t + r.v;
}

/** Plain JS value of a reply (errors as Error objects). */
function replyJS(r) {
  if (r.t === '-') return new Error(r.v);
  if (r.t === '*') return r.v === null ? null : r.v.map(replyJS);
  return r.v;
}

function encode(argv) {
  let n = 0;
  for (const a of argv) n += Buffer.byteLength(a, 'latin1');
  const b = Buffer.allocUnsafe(16 + argv.length * 16 + n);
  let p = b.latin1Write(`*${argv.length}\r\n`, 0);
  for (const a of argv) {
    p += b.latin1Write(`$${Buffer.byteLength(a, 'latin1')}\r\n`, p);
    p += b.latin1Write(a, p);
    p += b.latin1Write('\r\n', p);
  }
  return b.subarray(0, p);
}

class MiniClient {
  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.waiters = [];
    this.closed = false;
    this.onReply = null; // (reply) => void, for the writer (no waiters)
    sock.on('data', (d) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      let pos = 0;
      for (;;) {
        const r = parseReply(this.buf, pos);
        if (r === null) break;
        pos = r.end;
        if (this.onReply !== null) this.onReply(r.v);
        else {
          const w = this.waiters.shift();
          if (w) w.resolve(r.v);
        }
      }
      this.buf = this.buf.subarray(pos);
      if (this.onChunk) this.onChunk();
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w.reject(new Error('connection closed'));
      if (this.onClose) this.onClose();
    });
  }

  static connect(port, host = '127.0.0.1', timeoutMs = 10000) {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host });
      s.setNoDelay(true);
      const t = setTimeout(() => {
        s.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      s.once('error', (e) => {
        clearTimeout(t);
        reject(e);
      });
      s.once('connect', () => {
        clearTimeout(t);
        resolve(new MiniClient(s));
      });
    });
  }

  /** Sends commands in one write; resolves with their tagged replies. */
  pipeline(cmds, timeoutMs = 30000) {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    const ps = cmds.map(
      () =>
        new Promise((resolve, reject) => {
          this.waiters.push({ resolve, reject });
        }),
    );
    let timer;
    const all = Promise.all(ps);
    const to = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no reply within ${timeoutMs} ms to ${JSON.stringify(cmds[0])}...`)), timeoutMs);
    });
    this.sock.write(Buffer.concat(cmds.map(encode)));
    return Promise.race([all, to]).finally(() => clearTimeout(timer));
  }

  async call(...argv) {
    return (await this.pipeline([argv]))[0];
  }

  close() {
    this.sock.destroy();
  }
}

// ---------------------------------------------------------------------------------------------------
// Reading a server's state

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits until the server answers PING with PONG (not -LOADING). Bounded by timeoutMs. */
async function waitLoaded(port, timeoutMs = 60000) {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    let c = null;
    try {
      c = await MiniClient.connect(port, '127.0.0.1', 2000);
      for (let n = 0; n < 2000 && Date.now() < until; n++) {
        const r = await c.call('PING');
        last = replyText(r);
        if (r.t === '+' && r.v === 'PONG') return;
        await sleep(20);
      }
    } catch (e) {
      last = String(e);
      await sleep(50);
    } finally {
      if (c) c.close();
    }
  }
  throw new Error(`server on port ${port} not loaded after ${timeoutMs} ms (last: ${last})`);
}

/**
 * Reads connection `conn`'s keys: { lines (canonical, comparable with canonical(model)), issues (TTL
 * problems and other things the model does not cover) }.
 */
async function readState(client, conn, db = 0) {
  const k = keysOf(conn);
  const cmds = [
    ['SELECT', String(db)],
    ['GET', k.ctr],
    ['LRANGE', k.list, '0', '-1'],
    ['HGETALL', k.hash],
    ['SMEMBERS', k.set],
    ['ZRANGE', k.zset, '0', '-1', 'WITHSCORES'],
    ...k.str.map((s) => ['GET', s]),
    ...k.str.map((s) => ['PTTL', s]),
    ['LRANGE', k.txa, '0', '-1'],
    ['LRANGE', k.txb, '0', '-1'],
    ['GET', k.txn],
    ['RI.EXISTS', k.ri],
    ['RI.SCAN', k.ri, '', 'COUNT', '100000', 'FIELDS', 'BOTH'],
    ...k.del.map((s) => ['GET', s]),
    ['TYPE', k.ri],
    ['SELECT', '0'],
  ];
  const rs = (await client.pipeline(cmds)).map(replyJS);
  const issues = [];
  for (let j = 0; j < rs.length; j++) {
    const v = rs[j];
    // RI.SCAN of a missing index is an error; anything else must not be.
    if (v instanceof Error && cmds[j][0] !== 'RI.SCAN') issues.push(`${cmds[j].join(' ')} -> ${v.message}`);
  }
  let p = 1;
  const ctr = rs[p++];
  const list = rs[p++];
  const hashFlat = rs[p++];
  const set = rs[p++];
  const zflat = rs[p++];
  const str = rs.slice(p, p + STR_SLOTS);
  p += STR_SLOTS;
  const pttl = rs.slice(p, p + STR_SLOTS);
  p += STR_SLOTS;
  const txa = rs[p++];
  const txb = rs[p++];
  const txn = rs[p++];
  const riExists = rs[p++];
  const riScan = rs[p++];
  const del = rs.slice(p, p + DEL_SLOTS);
  p += DEL_SLOTS;
  const riType = rs[p++];
  const arr = (x) => (Array.isArray(x) ? x : []);
  const hash = [];
  for (let j = 0; j + 1 < arr(hashFlat).length; j += 2) hash.push(`${hashFlat[j]}=${hashFlat[j + 1]}`);
  const zset = [];
  for (let j = 0; j + 1 < arr(zflat).length; j += 2) zset.push(`${zflat[j]}=${zflat[j + 1]}`);
  const ri = riExists === 1 && Array.isArray(riScan) ? riScan.map((pair) => `${pair[0]}=${pair[1]}`) : [];
  for (let j = 0; j < STR_SLOTS; j++) {
    if (str[j] !== null && !(typeof pttl[j] === 'number' && pttl[j] > 0 && pttl[j] <= 100000000)) {
      issues.push(`${k.str[j]} = ${str[j]} has PTTL ${pttl[j]} (it was set with a 100000 s expiry)`);
    }
  }
  if (riExists === 1 && riType !== 'rangeindex') issues.push(`TYPE ${k.ri} is ${riType}`);
  if (Array.isArray(txa) && Array.isArray(txb) && txa.join(',') !== txb.join(',')) {
    issues.push(`MULTI/EXEC applied half: ${k.txa} = [${txa.join(',')}] but ${k.txb} = [${txb.join(',')}]`);
  }
  const lines = [
    `ctr:${ctr ?? 'nil'}`,
    `list:${arr(list).join(',')}`,
    `hash:${hash.sort().join(',')}`,
    `set:${arr(set).slice().sort().join(',')}`,
    `zset:${zset.join(',')}`,
    `str:${str.map((v) => v ?? 'nil').join(',')}`,
    `txa:${arr(txa).join(',')}`,
    `txb:${arr(txb).join(',')}`,
    `txn:${txn ?? 'nil'}`,
    `ri:${riExists === 1 ? 'yes' : 'no'}:${ri.join(',')}`,
    `del:${del.map((v) => v ?? 'nil').join(',')}`,
  ];
  return { lines, issues };
}

/**
 * Finds the K in [acked, sent] whose model equals `actual` (the largest one when several do), starting
 * from `from`, an OpStream at or before `acked` (left unchanged). Returns { k, stream } (a stream at K) or
 * { error } with a description of what differs from the model at `acked`.
 */
function matchState(from, acked, sent, actual) {
  const s = from.clone();
  s.skipTo(acked);
  const want = actual.join('\n');
  let found = null;
  let atAcked = null;
  for (let k = acked; k <= sent; k++) {
    const lines = canonical(s.m);
    if (k === acked) atAcked = lines;
    if (lines.join('\n') === want) found = s.clone();
    if (k < sent) s.next();
  }
  if (found !== null) return { k: found.i, stream: found };
  // An exact match below `acked` means acknowledged ops were lost (and names how many).
  let lost = '';
  const e = from.clone();
  for (let k = e.i; k < acked; k++) {
    if (canonical(e.m).join('\n') === want) lost = ` The server holds exactly the state after op ${k}: ${acked - k} acknowledged ops are lost.`;
    e.next();
  }
  const diffs = [];
  for (let j = 0; j < actual.length; j++) {
    if (actual[j] !== atAcked[j]) diffs.push(`    server: ${clip(actual[j])}\n    model : ${clip(atAcked[j])}`);
  }
  return {
    error:
      `connection ${from.conn}: the server's keys match the model after none of ops ${acked}..${sent} ` +
      `(acknowledged ${acked}, sent ${sent}).${lost} Against the model at ${acked}:\n${diffs.join('\n')}`,
  };
}

function clip(s, n = 600) {
  return s.length > n ? s.slice(0, n) + `...(${s.length} chars)` : s;
}

// ---------------------------------------------------------------------------------------------------
// The writer (child process)

async function writerMain(opts) {
  const { port, seed, states, ackFile, maxBatch = 24, ops = Infinity, maxMs = 30000, dbs = 1 } = opts;
  const starts = states.map((st) => st.i);
  const fd = fs.openSync(ackFile, 'a');
  const deadline = Date.now() + maxMs;
  const r = rng(seed ^ 0x5eed ^ (opts.round ?? 0));
  let lines = [];
  const out = () => {
    if (lines.length === 0) return;
    fs.writeSync(fd, lines.join(''));
    lines = [];
  };
  // The model is brought to each connection's start before anything is sent (and before "ready", which
  // starts the test's kill timer).
  const streams = states.map((st, conn) => OpStream.fromState(seed, conn, st));
  const clients = await Promise.all(starts.map(() => MiniClient.connect(port)));
  // Connection i works in database i % dbs.
  for (let conn = 0; conn < clients.length; conn++) {
    const r = await clients[conn].call('SELECT', String(conn % dbs));
    if (r.t !== '+') throw new Error(`SELECT ${conn % dbs}: ${replyText(r)}`);
  }
  process.stdout.write('ready\n');

  const runConn = (conn) =>
    new Promise((resolve) => {
      const c = clients[conn];
      const stream = streams[conn];
      const pending = []; // { op, got: [] }
      let sentOps = 0;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        out();
        c.close();
        resolve();
      };
      c.onReply = (rep) => {
        const p = pending[0];
        if (p === undefined) {
          lines.push(`X ${conn} -1 ${JSON.stringify('reply with nothing pending: ' + replyText(rep))}\n`);
          return;
        }
        p.got.push(replyText(rep));
        if (p.got.length < p.op.cmds.length) return;
        pending.shift();
        const ok = p.got.every((g, j) => g === p.op.expect[j]);
        if (ok) lines.push(`A ${conn} ${p.op.i}\n`);
        else lines.push(`X ${conn} ${p.op.i} ${JSON.stringify({ cmds: p.op.cmds, expect: p.op.expect, got: p.got })}\n`);
      };
      c.onChunk = () => {
        out();
        if (pending.length === 0 && !done) setImmediate(sendBatch);
      };
      c.onClose = finish;
      const sendBatch = () => {
        if (done || pending.length > 0) return;
        if (sentOps >= ops || Date.now() > deadline || c.closed) return finish();
        const n = Math.min(1 + Math.floor(r() * maxBatch), ops - sentOps);
        const bufs = [];
        for (let j = 0; j < n; j++) {
          const op = stream.next();
          pending.push({ op, got: [] });
          for (const cmd of op.cmds) bufs.push(encode(cmd));
        }
        sentOps += n;
        lines.push(`S ${conn} ${stream.i}\n`);
        out(); // on disk before the commands can reach the server
        c.sock.write(Buffer.concat(bufs));
      };
      sendBatch();
    });

  await Promise.all(starts.map((_, conn) => runConn(conn)));
  out();
  fs.closeSync(fd);
}

/** Reads an ack file: per connection { acked (first op not acknowledged), sent, bad: [...] }. */
function readAcks(file, starts) {
  const res = starts.map((s) => ({ acked: s, sent: s, bad: [] }));
  let text = '';
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch {
    return res;
  }
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const sp1 = line.indexOf(' ');
    const sp2 = line.indexOf(' ', sp1 + 1);
    const tag = line.slice(0, sp1);
    const conn = Number(line.slice(sp1 + 1, sp2 === -1 ? undefined : sp2));
    const rest = sp2 === -1 ? '' : line.slice(sp2 + 1);
    const e = res[conn];
    if (e === undefined) continue;
    if (tag === 'S') e.sent = Math.max(e.sent, Number(rest));
    else if (tag === 'A') {
      const i = Number(rest);
      // Replies come in order: acknowledgements are consecutive.
      if (i !== e.acked) e.bad.push(`ack of op ${i} out of order (expected ${e.acked})`);
      e.acked = Math.max(e.acked, i + 1);
    } else if (tag === 'X') e.bad.push(`unexpected reply: ${rest}`);
  }
  return res;
}

// ---------------------------------------------------------------------------------------------------
// The kill -9 cycle runner

const WRITER = __filename;

/** Runs the writer child until it exits (or `maxMs`, then SIGKILL). */
function startWriter(opts) {
  const child = spawn(process.execPath, [WRITER, JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let readyResolve;
  const ready = new Promise((res) => (readyResolve = res));
  child.stdout.on('data', (d) => {
    out += d.toString();
    if (out.includes('ready\n')) readyResolve(true);
  });
  child.stderr.on('data', (d) => (err += d.toString()));
  const exited = new Promise((res) => {
    child.on('exit', (code, signal) => {
      readyResolve(false);
      res({ code, signal, stderr: err });
    });
    child.on('error', (e) => {
      readyResolve(false);
      res({ code: null, signal: null, stderr: err + String(e) });
    });
  });
  return {
    child,
    ready,
    exited,
    async wait(ms) {
      let t;
      const r = await Promise.race([exited, new Promise((res) => (t = setTimeout(() => res(null), ms)))]);
      clearTimeout(t);
      if (r !== null) return r;
      child.kill('SIGKILL');
      const r2 = await exited;
      return { ...r2, timedOut: true };
    },
  };
}

/** Error-level lines of a server log (pino JSON: level >= 50), except those the cycles provoke on purpose. */
function errorLines(log) {
  const out = [];
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    let o;
    try {
      o = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof o.level === 'number' && o.level >= 50) out.push(line);
  }
  return out;
}

/**
 * kill -9 cycles: start, write under load, kill at a random moment, restart, check every connection's
 * keys against the model. Ends with a graceful stop and an exact check.
 *
 * opts: { cycles, seed, conns, dir, start(): Promise<server>, log(msg), maxBatch, killMinMs, killMaxMs,
 *         bgsaveProb, rewriteProb, doubleKillProb, termProb (SIGTERM instead of kill -9), dbs (connection i
 *         works in database i % dbs), filler (static keys in database 0), ackDir }
 * server: { port, kill9(): Promise, stop(): Promise, logs(): string }
 * Returns { cycles, acked, sent, unackedApplied, snapshots, rewrites, doubleKills, terms, failures: [] }. Stops at the
 * first failure (the state after it is unknown).
 */
async function runCrashCycles(opts) {
  const {
    cycles,
    seed,
    conns = 4,
    start,
    log = () => {},
    maxBatch = 24,
    killMinMs = 80,
    killMaxMs = 600,
    bgsaveProb = 0.2,
    rewriteProb = 0.15,
    doubleKillProb = 0.1,
    termProb = 0.1,
    dbs = 1,
    filler = 0,
    ackDir,
  } = opts;
  const r = rng(seed);
  let streams = Array.from({ length: conns }, (_, conn) => new OpStream(seed, conn));
  const startsOf = () => streams.map((st) => st.i);
  let starts = startsOf();
  const stats = { cycles: 0, acked: 0, sent: 0, unackedApplied: 0, snapshots: 0, rewrites: 0, doubleKills: 0, terms: 0, failures: [] };
  const fail = (msg) => {
    stats.failures.push(msg);
    return stats;
  };
  let server = await start();
  const restart = async (when) => {
    try {
      return await start();
    } catch (e) {
      throw new Error(`${when} (seed ${seed}): the server did not start again: ${e && e.message ? e.message : e}`);
    }
  };
  // Static filler keys in database 0 make every snapshot take many steps, so writes (also to the other
  // databases) land while it runs. Checked after each restart by count and by a few samples.
  const fillerCheck = async (c, when) => {
    if (filler === 0) return null;
    const rs = (await c.pipeline([['SELECT', '0'], ['MGET', 'filler:0', `filler:${filler >> 1}`, `filler:${filler - 1}`], ['DBSIZE']])).map(replyJS);
    const want = ['f0', `f${filler >> 1}`, `f${filler - 1}`];
    if (JSON.stringify(rs[1]) !== JSON.stringify(want)) return `${when}: filler keys lost: MGET gave ${JSON.stringify(rs[1])}`;
    if (!(rs[2] >= filler)) return `${when}: database 0 has ${rs[2]} keys, fewer than the ${filler} filler keys`;
    return null;
  };
  if (filler > 0) {
    await waitLoaded(server.port);
    const c = await MiniClient.connect(server.port);
    for (let b = 0; b < filler; b += 1000) {
      const cmds = [];
      for (let i = b; i < Math.min(filler, b + 1000); i++) cmds.push(['SET', `filler:${i}`, `f${i}`]);
      await c.pipeline(cmds);
    }
    c.close();
  }
  const checkLogs = (srv, when) => {
    const errs = errorLines(srv.logs());
    if (errs.length > 0) return `${when}: the server logged errors:\n${errs.slice(0, 10).join('\n')}`;
    return null;
  };

  for (let cycle = 0; cycle < cycles; cycle++) {
    await waitLoaded(server.port);
    const ackFile = path.join(ackDir, `acks-${cycle}.txt`);
    const w = startWriter({ port: server.port, seed, states: streams.map((st) => st.state()), ackFile, maxBatch, round: cycle, maxMs: 30000, dbs });
    let readyTimer;
    const ready = await Promise.race([w.ready, new Promise((res) => (readyTimer = setTimeout(() => res(false), 15000)))]);
    clearTimeout(readyTimer);
    if (!ready) {
      const e = await w.wait(1000);
      return fail(`cycle ${cycle}: the writer did not start: ${e.stderr}`);
    }
    const killAfter = killMinMs + Math.floor(r() * (killMaxMs - killMinMs));
    // Sometimes a snapshot or a WAL rewrite runs (or has just finished) when the kill comes.
    const side = r();
    let sideCmd = null;
    if (side < bgsaveProb) sideCmd = 'BGSAVE';
    else if (side < bgsaveProb + rewriteProb) sideCmd = 'BGREWRITEAOF';
    if (sideCmd !== null) {
      const at = Math.floor(r() * killAfter);
      await sleep(at);
      try {
        const c = await MiniClient.connect(server.port);
        const rep = await c.call(sideCmd);
        c.close();
        if (rep.t === '-' && !/in progress|already/.test(rep.v)) return fail(`cycle ${cycle}: ${sideCmd} -> -${rep.v}`);
        if (sideCmd === 'BGSAVE') stats.snapshots++;
        else stats.rewrites++;
      } catch (e) {
        return fail(`cycle ${cycle}: ${sideCmd}: ${e}`);
      }
      await sleep(killAfter - at);
    } else await sleep(killAfter);
    const le = checkLogs(server, `cycle ${cycle} before the kill`);
    // Mostly kill -9; sometimes a SIGTERM under load (a graceful stop must not lose anything either).
    const term = r() < termProb;
    if (term) {
      stats.terms++;
      const ex = await server.stop();
      if (ex.code !== 0) return fail(`cycle ${cycle}: SIGTERM under load: the server exited with ${JSON.stringify(ex)}:\n${server.logs().slice(-3000)}`);
    } else await server.kill9();
    const we = await w.wait(10000);
    if (we.timedOut) return fail(`cycle ${cycle}: the writer did not stop after the kill: ${we.stderr}`);
    if (we.code !== 0) return fail(`cycle ${cycle}: the writer failed (code ${we.code}): ${we.stderr}`);
    if (le !== null) return fail(le);
    const acks = readAcks(ackFile, starts);
    for (let c = 0; c < conns; c++) {
      if (acks[c].bad.length > 0) return fail(`cycle ${cycle} connection ${c}: ${acks[c].bad.slice(0, 5).join('\n')}`);
    }

    server = await restart(`cycle ${cycle}, after ${term ? 'SIGTERM' : 'kill -9'} at ${killAfter} ms${sideCmd ? ' (' + sideCmd + ')' : ''}`);
    if (r() < doubleKillProb) {
      // Killed again during (or right after) recovery: recovery itself must be crash-safe.
      stats.doubleKills++;
      await sleep(Math.floor(r() * 30));
      await server.kill9();
      server = await restart(`cycle ${cycle}, after a kill -9 during recovery`);
    }
    await waitLoaded(server.port);
    const c = await MiniClient.connect(server.port);
    try {
      const fe = await fillerCheck(c, `cycle ${cycle}`);
      if (fe !== null) return fail(fe);
      const next = [];
      for (let conn = 0; conn < conns; conn++) {
        const st = await readState(c, conn, conn % dbs);
        if (st.issues.length > 0) return fail(`cycle ${cycle} connection ${conn}: ${st.issues.join('\n')}`);
        const m = matchState(streams[conn], acks[conn].acked, acks[conn].sent, st.lines);
        if (m.error) return fail(`cycle ${cycle} (seed ${seed}, ${term ? 'SIGTERM' : 'kill -9'} after ${killAfter} ms${sideCmd ? ', ' + sideCmd : ''}): ${m.error}`);
        next.push(m.stream);
        stats.acked += acks[conn].acked - starts[conn];
        stats.sent += acks[conn].sent - starts[conn];
        stats.unackedApplied += m.k - acks[conn].acked;
      }
      streams = next;
      starts = startsOf();
    } finally {
      c.close();
    }
    const le2 = checkLogs(server, `cycle ${cycle} after the restart`);
    if (le2 !== null) return fail(le2);
    stats.cycles++;
    log(`cycle ${cycle}: ${term ? 'SIGTERM' : 'kill -9'} after ${killAfter} ms${sideCmd ? ' (' + sideCmd + ')' : ''}; acked ${acks.map((a) => a.acked).join('/')}, sent ${acks.map((a) => a.sent).join('/')}, recovered ${starts.join('/')}`);
  }

  // A last run without a kill: a fixed number of ops, a graceful stop, and everything must be there.
  await waitLoaded(server.port);
  const ackFile = path.join(ackDir, 'acks-final.txt');
  const w = startWriter({ port: server.port, seed, states: streams.map((st) => st.state()), ackFile, maxBatch, round: cycles, ops: 300, maxMs: 30000, dbs });
  const we = await w.wait(40000);
  if (we.code !== 0) return fail(`final run: the writer failed (code ${we.code}${we.timedOut ? ', timed out' : ''}): ${we.stderr}`);
  const acks = readAcks(ackFile, starts);
  await server.stop();
  server = await restart('after the final graceful stop');
  await waitLoaded(server.port);
  const c = await MiniClient.connect(server.port);
  try {
    const fe = await fillerCheck(c, 'after the graceful restart');
    if (fe !== null) return fail(fe);
    for (let conn = 0; conn < conns; conn++) {
      if (acks[conn].bad.length > 0) return fail(`final run connection ${conn}: ${acks[conn].bad.slice(0, 5).join('\n')}`);
      if (acks[conn].acked !== acks[conn].sent) return fail(`final run connection ${conn}: ${acks[conn].sent - acks[conn].acked} ops never acknowledged`);
      const st = await readState(c, conn, conn % dbs);
      if (st.issues.length > 0) return fail(`final check connection ${conn}: ${st.issues.join('\n')}`);
      const m = matchState(streams[conn], acks[conn].acked, acks[conn].acked, st.lines);
      if (m.error) return fail(`after a graceful restart: ${m.error}`);
    }
  } finally {
    c.close();
  }
  const le3 = checkLogs(server, 'after the graceful restart');
  if (le3 !== null) return fail(le3);
  await server.stop();
  return stats;
}

module.exports = {
  hash32,
  rng,
  OpStream,
  canonical,
  keysOf,
  MiniClient,
  replyText,
  replyJS,
  waitLoaded,
  readState,
  matchState,
  readAcks,
  startWriter,
  errorLines,
  runCrashCycles,
};

if (require.main === module) {
  const opts = JSON.parse(process.argv[2]);
  writerMain(opts).then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`writer: ${e && e.stack ? e.stack : e}\n`);
      process.exit(1);
    },
  );
}

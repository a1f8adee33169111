#!/usr/bin/env node
'use strict';
// Generates commands/<name>.json (and commands/<container>-<sub>.json for subcommands) from a real
// redis-server's COMMAND INFO and COMMAND DOCS replies.
//
//   node tools/gen-commands.js              # every name in tools/commands.txt
//   node tools/gen-commands.js get config   # only these (a container pulls in all its subcommands)
//   options: --redis-server <path> (default: $REDIS_SERVER or redis-server on PATH), --out <dir>
//
// The replies are read over a raw RESP3 connection so the type of every value is known, and converted
// strictly: any value whose RESP type differs from what the JSON format implies aborts the run, so the
// JSON always reproduces COMMAND INFO / COMMAND DOCS byte for byte (RESP2 and RESP3):
//   - INFO flags, acl_categories, key-spec flags, DOCS doc_flags and argument flags are status replies
//     (stored as JSON string arrays);
//   - every other string is a bulk string, every JSON number an integer reply;
//   - object keys are kept in the order Redis sends them (key specs, arguments).
// Only the order of subcommands is not taken from Redis (it iterates a dict seeded at random at start),
// each subcommand being its own file.

const net = require('net');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');

const ROOT = path.join(__dirname, '..');

// Command flags that COMMAND INFO hides on purpose (addReplyFlagsForCommand) but the dispatcher needs.
// From Redis 7.0's src/commands/*.json; written as "hidden_flags" and never sent to clients.
const HIDDEN_FLAGS = {
  debug: ['protected'],
  'module|load': ['protected'],
  'module|loadex': ['protected'],
  'module|unload': ['protected'],
};

// ---- RESP3 reader keeping types ---------------------------------------------------------------
// Node: {t:'+'|'-'|'$'|':'|'_'|'*'|'~'|'%'|'#'|',', v}

function parseValue(buf, pos) {
  if (pos >= buf.length) return null;
  const eol = buf.indexOf('\r\n', pos, 'latin1');
  if (eol === -1) return null;
  const t = String.fromCharCode(buf[pos]);
  const line = buf.toString('latin1', pos + 1, eol);
  let p = eol + 2;
  switch (t) {
    case '+':
    case '-':
    case ',':
    case '#':
      return { node: { t, v: line }, pos: p };
    case ':':
      return { node: { t, v: Number(line) }, pos: p };
    case '_':
      return { node: { t, v: null }, pos: p };
    case '$': {
      const n = Number(line);
      if (n < 0) return { node: { t: '_', v: null }, pos: p };
      if (p + n + 2 > buf.length) return null;
      return { node: { t, v: buf.toString('utf8', p, p + n) }, pos: p + n + 2 };
    }
    case '*':
    case '~':
    case '%': {
      let n = Number(line);
      if (n < 0) return { node: { t: '_', v: null }, pos: p };
      if (t === '%') n *= 2;
      const items = [];
      for (let i = 0; i < n; i++) {
        const r = parseValue(buf, p);
        if (r === null) return null;
        items.push(r.node);
        p = r.pos;
      }
      return { node: { t, v: items }, pos: p };
    }
    default:
      throw new Error('unexpected RESP type byte ' + JSON.stringify(t));
  }
}

function encodeCommand(args) {
  let s = '*' + args.length + '\r\n';
  for (const a of args) s += '$' + Buffer.byteLength(a) + '\r\n' + a + '\r\n';
  return s;
}

class Conn {
  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.waiters = [];
    sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.drain();
    });
  }
  drain() {
    while (this.waiters.length) {
      const r = parseValue(this.buf, 0);
      if (r === null) return;
      this.buf = this.buf.subarray(r.pos);
      this.waiters.shift()(r.node);
    }
  }
  call(...args) {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.sock.write(encodeCommand(args));
    });
  }
}

// ---- strict conversion ------------------------------------------------------------------------

function fail(msg, node) {
  throw new Error(msg + ': ' + JSON.stringify(node).slice(0, 300));
}
function want(node, t, what) {
  if (node.t !== t) fail(`${what}: expected RESP type '${t}', got '${node.t}'`, node);
  return node.v;
}
const bulkStr = (n, what) => want(n, '$', what);
const intVal = (n, what) => want(n, ':', what);
function statusSet(n, what) {
  return want(n, '~', what).map((x) => want(x, '+', what + ' item'));
}
function pairs(n, what) {
  const items = want(n, '%', what);
  const out = [];
  for (let i = 0; i < items.length; i += 2) out.push([bulkStr(items[i], what + ' key'), items[i + 1]]);
  return out;
}

// key spec begin_search / find_keys spec maps: ints or bulk strings
function specValues(n, what) {
  const o = {};
  for (const [k, v] of pairs(n, what)) {
    if (v.t === ':') o[k] = v.v;
    else if (v.t === '$') o[k] = v.v;
    else fail(what + '.' + k + ' must be int or bulk', v);
  }
  return o;
}

function convertKeySpec(n) {
  const o = {};
  for (const [k, v] of pairs(n, 'key spec')) {
    if (k === 'notes') o.notes = bulkStr(v, 'notes');
    else if (k === 'flags') o.flags = statusSet(v, 'key spec flags');
    else if (k === 'begin_search' || k === 'find_keys') {
      const inner = {};
      for (const [k2, v2] of pairs(v, k)) {
        if (k2 === 'type') inner.type = bulkStr(v2, k + '.type');
        else if (k2 === 'spec') inner.spec = specValues(v2, k + '.spec');
        else fail('unknown ' + k + ' field ' + k2, v2);
      }
      o[k] = inner;
    } else fail('unknown key spec field ' + k, v);
  }
  return o;
}

function convertInfo(n) {
  const a = want(n, '*', 'COMMAND INFO entry');
  if (a.length !== 10) fail('COMMAND INFO entry must have 10 elements', n);
  // no subcommands: an empty set; a container: an array of entries
  let subs = null;
  if (a[9].t === '~') {
    if (a[9].v.length !== 0) fail('subcommands as a non-empty set', a[9]);
  } else subs = want(a[9], '*', 'subcommands');
  return {
    name: bulkStr(a[0], 'name'),
    arity: intVal(a[1], 'arity'),
    flags: statusSet(a[2], 'flags'),
    first_key: intVal(a[3], 'first_key'),
    last_key: intVal(a[4], 'last_key'),
    step: intVal(a[5], 'step'),
    acl_categories: statusSet(a[6], 'acl_categories'),
    tips: want(a[7], '~', 'tips').map((x) => bulkStr(x, 'tip')),
    key_specs: want(a[8], '~', 'key_specs').map(convertKeySpec),
    subcommands: subs === null ? null : subs.map(convertInfo),
  };
}

const ARG_STRING_FIELDS = new Set(['name', 'type', 'token', 'summary', 'since', 'deprecated_since', 'display_text', 'value']);
function convertArg(n) {
  const o = {};
  for (const [k, v] of pairs(n, 'argument')) {
    if (k === 'key_spec_index') o[k] = intVal(v, k);
    else if (k === 'flags') o[k] = statusSet(v, 'argument flags');
    else if (k === 'arguments') o[k] = want(v, '*', 'arguments').map(convertArg);
    else if (ARG_STRING_FIELDS.has(k)) o[k] = bulkStr(v, 'argument ' + k);
    else fail('unknown argument field ' + k, v);
  }
  return o;
}

const DOC_STRING_FIELDS = ['summary', 'since', 'group', 'complexity', 'module', 'deprecated_since', 'replaced_by'];
function convertDocs(n) {
  const o = {};
  for (const [k, v] of pairs(n, 'docs')) {
    if (DOC_STRING_FIELDS.includes(k)) o[k] = bulkStr(v, k);
    else if (k === 'doc_flags') o[k] = statusSet(v, 'doc_flags');
    else if (k === 'history') {
      o[k] = want(v, '~', 'history').map((e) => {
        const pair = want(e, '*', 'history entry');
        if (pair.length !== 2) fail('history entry', e);
        return [bulkStr(pair[0], 'history version'), bulkStr(pair[1], 'history text')];
      });
    } else if (k === 'arguments') o[k] = want(v, '*', 'arguments').map(convertArg);
    else if (k === 'subcommands') {
      o[k] = {};
      for (const [name, d] of pairs(v, 'subcommands')) o[k][name] = convertDocs(d);
    } else fail('unknown docs field ' + k, v);
  }
  return o;
}

/** Merges INFO and DOCS into one file (the CommandJson interface of src/server/commandTable.ts). */
function buildSpec(info, docs, container) {
  const o = { name: info.name };
  if (container) o.container = container;
  // DOCS fields, in the order COMMAND DOCS replies with them
  for (const k of ['summary', 'since', 'group', 'complexity', 'module', 'doc_flags', 'deprecated_since', 'replaced_by', 'history']) {
    if (docs[k] !== undefined) o[k] = docs[k];
  }
  // INFO fields, in the order COMMAND INFO replies with them
  o.arity = info.arity;
  o.flags = info.flags;
  if (HIDDEN_FLAGS[info.name]) o.hidden_flags = HIDDEN_FLAGS[info.name];
  o.first_key = info.first_key;
  o.last_key = info.last_key;
  o.step = info.step;
  o.acl_categories = info.acl_categories;
  o.tips = info.tips;
  o.key_specs = info.key_specs;
  if (docs.arguments !== undefined) o.arguments = docs.arguments;
  return o;
}

function fileNameFor(fullName) {
  return fullName.replace('|', '-') + '.json';
}

// ---- redis-server lifecycle -------------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function connect(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

async function startRedis(bin) {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-commands-'));
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited = false;
  let spawnError = null;
  child.on('exit', () => (exited = true));
  child.on('error', (e) => {
    spawnError = e;
    exited = true;
  });
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  for (let i = 0; i < 100; i++) {
    if (spawnError) {
      cleanup();
      throw new Error(`cannot run ${bin}: ${spawnError.message} (use --redis-server <path>)`);
    }
    if (exited) {
      cleanup();
      throw new Error('redis-server exited at start');
    }
    try {
      const sock = await connect(port);
      return { child, sock, dir };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  child.kill('SIGKILL');
  cleanup();
  throw new Error('redis-server did not start');
}

// ---- main --------------------------------------------------------------------------------------

async function main() {
  const args = process.argv.slice(2);
  let bin = process.env.REDIS_SERVER || 'redis-server';
  let outDir = path.join(ROOT, 'commands');
  const names = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--redis-server') bin = args[++i];
    else if (args[i] === '--out') outDir = path.resolve(args[++i]);
    else names.push(args[i].toLowerCase());
  }
  if (names.length === 0) {
    const list = fs.readFileSync(path.join(__dirname, 'commands.txt'), 'utf8');
    for (const l of list.split('\n')) {
      const n = l.replace(/#.*/, '').trim().toLowerCase();
      if (n) names.push(n);
    }
  }
  fs.mkdirSync(outDir, { recursive: true });

  const { child, sock, dir } = await startRedis(bin);
  const conn = new Conn(sock);
  let written = 0;
  try {
    const hello = await conn.call('HELLO', '3');
    if (hello.t !== '%') fail('HELLO 3 failed', hello);
    const ver = pairs(hello, 'hello').find(([k]) => k === 'version');
    process.stderr.write(`gen-commands: redis-server ${ver ? ver[1].v : '?'}\n`);

    for (const name of names) {
      const infoReply = want(await conn.call('COMMAND', 'INFO', name), '*', 'COMMAND INFO');
      if (infoReply.length !== 1 || infoReply[0].t === '_') throw new Error(`unknown command '${name}'`);
      const info = convertInfo(infoReply[0]);
      const docsPairs = pairs(await conn.call('COMMAND', 'DOCS', name), 'COMMAND DOCS');
      if (docsPairs.length !== 1) throw new Error(`no docs for '${name}'`);
      const docs = convertDocs(docsPairs[0][1]);

      const out = [[info.name, buildSpec(info, docs, null)]];
      if (info.subcommands) {
        const subs = [...info.subcommands].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        for (const sub of subs) {
          const sd = docs.subcommands && docs.subcommands[sub.name];
          if (!sd) throw new Error(`no docs for subcommand '${sub.name}'`);
          out.push([sub.name, buildSpec(sub, sd, info.name)]);
        }
      }
      for (const [full, spec] of out) {
        fs.writeFileSync(path.join(outDir, fileNameFor(full)), JSON.stringify(spec, null, 2) + '\n');
        written++;
      }
    }
  } finally {
    sock.destroy();
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.stderr.write(`gen-commands: wrote ${written} files to ${path.relative(process.cwd(), outDir) || '.'}\n`);
}

main().catch((e) => {
  process.stderr.write('gen-commands: ' + (e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});

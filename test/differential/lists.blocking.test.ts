// Blocking list commands with several real connections, run against Strata and against redis-server
// 7.0: each scenario produces a transcript (every reply, in the order the test reads them) that must be
// byte-identical on both servers, and is also checked against the expected values.
// Covered: BLPOP/BRPOP served by a later push from another client, timeouts (a null array for every
// blocking list command in Redis 7.0, BLMOVE included; RESP2 and RESP3), FIFO order of blocked
// clients, BLMOVE/BRPOPLPUSH chains, BLMPOP with COUNT, pushes inside MULTI (served after EXEC), a
// served BLMOVE whose destination has the wrong type, a ready key that changed type, CLIENT UNBLOCK,
// and a disconnecting blocked client.
import { show, waitBlocked, later, withClients, blockingScenarios, BlockingScenario, Transcript } from '../helpers/blocking';

const scenarios: Record<string, BlockingScenario> = {
  'BLPOP is served by a later LPUSH from another client': {
    run: (port) =>
      withClients(port, 2, async ([a, b]) => {
        const t: Transcript = [];
        const p = later(a, 'BLPOP', 'k1', 'k', '0');
        await waitBlocked(b, 1);
        t.push(show(await b.call('LPUSH', 'k', 'x', 'y', 'z')));
        t.push(await p);
        t.push(show(await b.call('LRANGE', 'k', '0', '-1')));
        await waitBlocked(b, 0);
        return t;
      }),
    expect: [':3\r\n', '*2\r\n$1\r\nk\r\n$1\r\nz\r\n', '*2\r\n$1\r\ny\r\n$1\r\nx\r\n'],
  },
  'BRPOP on several keys is served from the key that gets data; the emptied key is deleted': {
    run: (port) =>
      withClients(port, 2, async ([a, b]) => {
        const t: Transcript = [];
        const p = later(a, 'BRPOP', 'k1', 'k2', 'k3', '0');
        await waitBlocked(b, 1);
        t.push(show(await b.call('RPUSH', 'k2', 'only')));
        t.push(await p);
        t.push(show(await b.call('EXISTS', 'k2')));
        return t;
      }),
    expect: [':1\r\n', '*2\r\n$2\r\nk2\r\n$4\r\nonly\r\n', ':0\r\n'],
  },
  'timeouts answer a null array, also for BLMOVE and BRPOPLPUSH (Redis 7.0)': {
    run: (port) =>
      withClients(port, 1, async ([a]) => {
        const t: Transcript = [];
        t.push(show(await a.call('BLPOP', 'k', '0.05')));
        t.push(show(await a.call('BRPOP', 'k', 'k2', '0.05')));
        t.push(show(await a.call('BLMPOP', '0.05', '2', 'k', 'k2', 'LEFT', 'COUNT', '3')));
        t.push(show(await a.call('BLMOVE', 'k', 'd', 'LEFT', 'RIGHT', '0.05')));
        t.push(show(await a.call('BRPOPLPUSH', 'k', 'd', '0.05')));
        t.push(show(await a.call('EXISTS', 'k', 'd')));
        return t;
      }),
    expect: ['*-1\r\n', '*-1\r\n', '*-1\r\n', '*-1\r\n', '*-1\r\n', ':0\r\n'],
  },
  'timeouts in RESP3 answer _': {
    run: (port) =>
      withClients(
        port,
        1,
        async ([a]) => {
          const t: Transcript = [];
          t.push(show(await a.call('BLPOP', 'k', '0.05')));
          t.push(show(await a.call('BLMPOP', '0.05', '1', 'k', 'RIGHT')));
          t.push(show(await a.call('BLMOVE', 'k', 'd', 'LEFT', 'RIGHT', '0.05')));
          t.push(show(await a.call('BRPOPLPUSH', 'k', 'd', '0.05')));
          return t;
        },
        true,
      ),
    expect: ['_\r\n', '_\r\n', '_\r\n', '_\r\n'],
  },
  'the timeout is not shortened by pipelined commands, and they run after the reply': {
    run: (port) =>
      withClients(port, 1, async ([a]) => {
        const t0 = Date.now();
        const replies = await a.pipeline([['BLPOP', 'k', '0.2'], ['RPUSH', 'k', 'v'], ['LPOP', 'k']]);
        const waited = Date.now() - t0;
        return [...replies.map(show), waited >= 150 ? 'waited' : `only ${waited} ms`];
      }),
    expect: ['*-1\r\n', ':1\r\n', '$1\r\nv\r\n', 'waited'],
  },
  'blocked clients are served in FIFO order': {
    run: (port) =>
      withClients(port, 4, async ([a, b, c, ctl]) => {
        const t: Transcript = [];
        const pa = later(a, 'BLPOP', 'q', '0');
        await waitBlocked(ctl, 1);
        const pb = later(b, 'BRPOP', 'q', '0');
        await waitBlocked(ctl, 2);
        const pc = later(c, 'BLPOP', 'other', 'q', '0');
        await waitBlocked(ctl, 3);
        t.push(show(await ctl.call('RPUSH', 'q', '1', '2')));
        t.push(await pa, await pb);
        await waitBlocked(ctl, 1);
        t.push(show(await ctl.call('RPUSH', 'q', '3')));
        t.push(await pc);
        t.push(show(await ctl.call('EXISTS', 'q')));
        return t;
      }),
    // a (BLPOP) takes the head "1"; b (BRPOP) takes the tail of what is left: "2"
    expect: [':2\r\n', '*2\r\n$1\r\nq\r\n$1\r\n1\r\n', '*2\r\n$1\r\nq\r\n$1\r\n2\r\n', ':1\r\n', '*2\r\n$1\r\nq\r\n$1\r\n3\r\n', ':0\r\n'],
  },
  'BLMOVE chain: a moved element serves the client blocked on the destination': {
    run: (port) =>
      withClients(port, 4, async ([a, b, c, ctl]) => {
        const t: Transcript = [];
        const pa = later(a, 'BLMOVE', 'k1', 'k2', 'LEFT', 'RIGHT', '0');
        await waitBlocked(ctl, 1);
        const pb = later(b, 'BRPOPLPUSH', 'k2', 'k3', '0');
        await waitBlocked(ctl, 2);
        const pc = later(c, 'BLPOP', 'k3', '0');
        await waitBlocked(ctl, 3);
        t.push(show(await ctl.call('RPUSH', 'k1', 'hop')));
        t.push(await pa, await pb, await pc);
        t.push(show(await ctl.call('EXISTS', 'k1', 'k2', 'k3')));
        return t;
      }),
    expect: [':1\r\n', '$3\r\nhop\r\n', '$3\r\nhop\r\n', '*2\r\n$2\r\nk3\r\n$3\r\nhop\r\n', ':0\r\n'],
  },
  'BLMOVE into a list that exists keeps the element there': {
    run: (port) =>
      withClients(port, 2, async ([a, ctl]) => {
        const t: Transcript = [];
        await ctl.call('RPUSH', 'dst', 'old');
        const pa = later(a, 'BLMOVE', 'src', 'dst', 'RIGHT', 'LEFT', '0');
        await waitBlocked(ctl, 1);
        t.push(show(await ctl.call('LPUSH', 'src', 'n1', 'n2')));
        t.push(await pa);
        t.push(show(await ctl.call('LRANGE', 'dst', '0', '-1')));
        t.push(show(await ctl.call('LRANGE', 'src', '0', '-1')));
        return t;
      }),
    expect: [':2\r\n', '$2\r\nn1\r\n', '*2\r\n$2\r\nn1\r\n$3\r\nold\r\n', '*1\r\n$2\r\nn2\r\n'],
  },
  'BLMPOP with COUNT is served with up to COUNT elements': {
    run: (port) =>
      withClients(port, 2, async ([a, ctl]) => {
        const t: Transcript = [];
        const pa = later(a, 'BLMPOP', '0', '2', 'x', 'y', 'RIGHT', 'COUNT', '2');
        await waitBlocked(ctl, 1);
        t.push(show(await ctl.call('RPUSH', 'y', 'a', 'b', 'c')));
        t.push(await pa);
        t.push(show(await ctl.call('LRANGE', 'y', '0', '-1')));
        return t;
      }),
    expect: [':3\r\n', '*2\r\n$1\r\ny\r\n*2\r\n$1\r\nc\r\n$1\r\nb\r\n', '*1\r\n$1\r\na\r\n'],
  },
  'pushes inside MULTI serve blocked clients after EXEC': {
    run: (port) =>
      withClients(port, 2, async ([a, ctl]) => {
        const t: Transcript = [];
        const pa = later(a, 'BLPOP', 'k', '0');
        await waitBlocked(ctl, 1);
        t.push(show(await ctl.call('MULTI')));
        t.push(show(await ctl.call('RPUSH', 'k', 'a')));
        t.push(show(await ctl.call('RPUSH', 'k', 'b')));
        t.push(show(await ctl.call('LPOP', 'k')));
        t.push(show(await ctl.call('EXEC')));
        t.push(await pa);
        t.push(show(await ctl.call('EXISTS', 'k')));
        return t;
      }),
    expect: ['+OK\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '*3\r\n:1\r\n:2\r\n$1\r\na\r\n', '*2\r\n$1\r\nk\r\n$1\r\nb\r\n', ':0\r\n'],
  },
  'a push that is popped in the same transaction does not serve anyone': {
    run: (port) =>
      withClients(port, 2, async ([a, ctl]) => {
        const t: Transcript = [];
        const pa = later(a, 'BLPOP', 'k', '0.3');
        await waitBlocked(ctl, 1);
        await ctl.call('MULTI');
        await ctl.call('RPUSH', 'k', 'a');
        await ctl.call('DEL', 'k');
        t.push(show(await ctl.call('EXEC')));
        t.push(await pa);
        return t;
      }),
    expect: ['*2\r\n:1\r\n:1\r\n', '*-1\r\n'],
  },
  'a served BRPOPLPUSH/BLMOVE whose destination has the wrong type gets WRONGTYPE, the element stays': {
    run: (port) =>
      withClients(port, 2, async ([a, ctl]) => {
        const t: Transcript = [];
        await ctl.call('SET', 'dst', 'string');
        let pa = later(a, 'BRPOPLPUSH', 'src', 'dst', '0');
        await waitBlocked(ctl, 1);
        t.push(show(await ctl.call('RPUSH', 'src', 'v')));
        t.push(await pa);
        await waitBlocked(ctl, 0);
        t.push(show(await ctl.call('LRANGE', 'src', '0', '-1')));
        await ctl.call('DEL', 'src');
        pa = later(a, 'BLMOVE', 'src', 'dst', 'LEFT', 'LEFT', '0');
        await waitBlocked(ctl, 1);
        t.push(show(await ctl.call('LPUSH', 'src', 'w')));
        t.push(await pa);
        t.push(show(await ctl.call('LRANGE', 'src', '0', '-1')));
        return t;
      }),
    expect: [
      ':1\r\n', '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n', '*1\r\n$1\r\nv\r\n',
      ':1\r\n', '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n', '*1\r\n$1\r\nw\r\n',
    ],
  },
  'a key that changed type before being served is skipped: the client keeps waiting': {
    run: (port) =>
      withClients(port, 2, async ([a, ctl]) => {
        const t: Transcript = [];
        const pa = later(a, 'BLPOP', 'k', 'k2', '0');
        await waitBlocked(ctl, 1);
        await ctl.call('MULTI');
        await ctl.call('RPUSH', 'k', 'v');
        await ctl.call('DEL', 'k');
        await ctl.call('SET', 'k', 'string');
        t.push(show(await ctl.call('EXEC')));
        await waitBlocked(ctl, 1);
        t.push(show(await ctl.call('RPUSH', 'k2', 'x')));
        t.push(await pa);
        return t;
      }),
    expect: ['*3\r\n:1\r\n:1\r\n+OK\r\n', ':1\r\n', '*2\r\n$2\r\nk2\r\n$1\r\nx\r\n'],
  },
  'CLIENT UNBLOCK answers the timeout reply, or an error': {
    run: (port) =>
      withClients(port, 2, async ([a, ctl]) => {
        const t: Transcript = [];
        const id = show(await a.call('CLIENT', 'ID')).slice(1, -2);
        let pa = later(a, 'BLPOP', 'k', '0');
        await waitBlocked(ctl, 1);
        t.push(show(await ctl.call('CLIENT', 'UNBLOCK', id)));
        t.push(await pa);
        pa = later(a, 'BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0');
        await waitBlocked(ctl, 1);
        t.push(show(await ctl.call('CLIENT', 'UNBLOCK', id, 'ERROR')));
        t.push(await pa);
        return t;
      }),
    expect: [':1\r\n', '*-1\r\n', ':1\r\n', '-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n'],
  },
  'a blocked client that disconnects is not served': {
    run: (port) =>
      withClients(port, 3, async ([a, b, ctl]) => {
        const t: Transcript = [];
        void later(a, 'BLPOP', 'k', '0').catch(() => undefined);
        await waitBlocked(ctl, 1);
        const pb = later(b, 'BLPOP', 'k', '0');
        await waitBlocked(ctl, 2);
        a.close();
        await waitBlocked(ctl, 1);
        t.push(show(await ctl.call('RPUSH', 'k', 'v')));
        t.push(await pb);
        return t;
      }),
    expect: [':1\r\n', '*2\r\n$1\r\nk\r\n$1\r\nv\r\n'],
  },
};

blockingScenarios('blocking list commands (two or more clients)', 'blocking list comparisons with redis-server', scenarios);

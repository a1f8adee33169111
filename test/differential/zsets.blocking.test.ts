// Blocking sorted set pops with several real connections, against Strata and redis-server 7.0: each
// scenario produces a transcript (every reply, in the order the test reads them) that must be
// byte-identical on both servers and equal to the expected one.
// Covered: BZPOPMIN/BZPOPMAX/BZMPOP served by a later ZADD, ZINCRBY, ZUNIONSTORE or ZRANGESTORE from
// another client, the key that became ready among several, FIFO order of blocked clients, writes in
// MULTI (served after EXEC), a ready key of another type (the client stays blocked), timeouts (RESP2
// and RESP3 null arrays), CLIENT UNBLOCK, RESP3 reply shapes.
import { show, waitBlocked, later, withClients, blockingScenarios, BlockingScenario, Transcript } from '../helpers/blocking';

const scenarios: Record<string, BlockingScenario> = {
  'BZPOPMIN is served by a later ZADD; the emptied key is deleted': {
    run: (port) =>
      withClients(port, 2, async ([a, b]) => {
        const t: Transcript = [];
        const p = later(a, 'BZPOPMIN', 'z1', 'z', '0');
        await waitBlocked(b, 1);
        t.push(show(await b.call('ZADD', 'z', '2', 'y', '1', 'x')));
        t.push(await p);
        t.push(show(await b.call('ZRANGE', 'z', '0', '-1', 'WITHSCORES')));
        const p2 = later(a, 'BZPOPMAX', 'z', '0');
        t.push(await p2);
        t.push(show(await b.call('EXISTS', 'z')));
        return t;
      }),
    expect: [':2\r\n', '*3\r\n$1\r\nz\r\n$1\r\nx\r\n$1\r\n1\r\n', '*2\r\n$1\r\ny\r\n$1\r\n2\r\n', '*3\r\n$1\r\nz\r\n$1\r\ny\r\n$1\r\n2\r\n', ':0\r\n'],
  },
  'BZPOPMAX on several keys is served from the key that gets data': {
    run: (port) =>
      withClients(port, 2, async ([a, b]) => {
        const t: Transcript = [];
        const p = later(a, 'BZPOPMAX', 'k1', 'k2', 'k3', '0');
        await waitBlocked(b, 1);
        t.push(show(await b.call('ZADD', 'k3', '1.5', 'm', '7', 'n')));
        t.push(await p);
        t.push(show(await b.call('ZCARD', 'k3')));
        return t;
      }),
    expect: [':2\r\n', '*3\r\n$2\r\nk3\r\n$1\r\nn\r\n$1\r\n7\r\n', ':1\r\n'],
  },
  'BZMPOP with COUNT, RESP3 shapes and doubles': {
    run: (port) =>
      withClients(
        port,
        2,
        async ([a, b]) => {
          const t: Transcript = [];
          const p = later(a, 'BZMPOP', '0', '2', 'k1', 'k2', 'MAX', 'COUNT', '2');
          await waitBlocked(b, 1);
          t.push(show(await b.call('ZADD', 'k2', '1', 'a', '2.5', 'b', '3', 'c')));
          t.push(await p);
          const p2 = later(a, 'BZPOPMIN', 'k2', '0');
          t.push(await p2);
          t.push(await later(a, 'BZPOPMIN', 'k2', '0.01'));
          t.push(await later(a, 'BZMPOP', '0.01', '1', 'k2', 'MIN'));
          return t;
        },
        'first',
      ),
    expect: [
      ':3\r\n',
      '*2\r\n$2\r\nk2\r\n*2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nb\r\n,2.5\r\n',
      '*3\r\n$2\r\nk2\r\n$1\r\na\r\n,1\r\n',
      '_\r\n',
      '_\r\n',
    ],
  },
  'timeouts answer a null array': {
    run: (port) =>
      withClients(port, 1, async ([a]) => {
        const t: Transcript = [];
        t.push(await later(a, 'BZPOPMIN', 'none', '0.05'));
        t.push(await later(a, 'BZPOPMAX', 'none', 'none2', '0.05'));
        t.push(await later(a, 'BZMPOP', '0.05', '1', 'none', 'MIN', 'COUNT', '3'));
        return t;
      }),
    expect: ['*-1\r\n', '*-1\r\n', '*-1\r\n'],
  },
  'blocked clients are served in FIFO order, one element each': {
    run: (port) =>
      withClients(port, 3, async ([a, b, ctl]) => {
        const t: Transcript = [];
        const pa = later(a, 'BZPOPMIN', 'q', '0');
        await waitBlocked(ctl, 1);
        const pb = later(b, 'BZPOPMIN', 'q', '0');
        await waitBlocked(ctl, 2);
        t.push(show(await ctl.call('ZADD', 'q', '1', 'one')));
        t.push(await pa);
        await waitBlocked(ctl, 1);
        t.push(show(await ctl.call('ZADD', 'q', '2', 'two')));
        t.push(await pb);
        t.push(show(await ctl.call('EXISTS', 'q')));
        return t;
      }),
    expect: [':1\r\n', '*3\r\n$1\r\nq\r\n$3\r\none\r\n$1\r\n1\r\n', ':1\r\n', '*3\r\n$1\r\nq\r\n$3\r\ntwo\r\n$1\r\n2\r\n', ':0\r\n'],
  },
  'writes inside MULTI serve the client after EXEC, with the final state': {
    run: (port) =>
      withClients(port, 2, async ([a, b]) => {
        const t: Transcript = [];
        const p = later(a, 'BZPOPMIN', 'm', '0');
        await waitBlocked(b, 1);
        t.push(show(await b.call('MULTI')));
        t.push(show(await b.call('ZADD', 'm', '5', 'five')));
        t.push(show(await b.call('ZADD', 'm', '0', 'zero')));
        t.push(show(await b.call('ZREM', 'm', 'five')));
        t.push(show(await b.call('EXEC')));
        t.push(await p);
        t.push(show(await b.call('EXISTS', 'm')));
        return t;
      }),
    expect: [
      '+OK\r\n',
      '+QUEUED\r\n',
      '+QUEUED\r\n',
      '+QUEUED\r\n',
      '*3\r\n:1\r\n:1\r\n:1\r\n',
      '*3\r\n$1\r\nm\r\n$4\r\nzero\r\n$1\r\n0\r\n',
      ':0\r\n',
    ],
  },
  'a ready key of another type keeps the client blocked': {
    run: (port) =>
      withClients(port, 2, async ([a, b]) => {
        const t: Transcript = [];
        const p = later(a, 'BZPOPMIN', 'k', '0');
        await waitBlocked(b, 1);
        t.push(show(await b.call('SET', 'k', 'str')));
        await waitBlocked(b, 1);
        t.push(show(await b.call('DEL', 'k')));
        t.push(show(await b.call('ZINCRBY', 'k', '3', 'member')));
        t.push(await p);
        return t;
      }),
    expect: ['+OK\r\n', ':1\r\n', '$1\r\n3\r\n', '*3\r\n$1\r\nk\r\n$6\r\nmember\r\n$1\r\n3\r\n'],
  },
  'ZUNIONSTORE and ZRANGESTORE destinations serve blocked clients': {
    run: (port) =>
      withClients(port, 2, async ([a, b]) => {
        const t: Transcript = [];
        t.push(show(await b.call('ZADD', 'src', '1', 'a', '2', 'b', '3', 'c')));
        const p = later(a, 'BZPOPMAX', 'dst', '0');
        await waitBlocked(b, 1);
        t.push(show(await b.call('ZUNIONSTORE', 'dst', '1', 'src', 'WEIGHTS', '10')));
        t.push(await p);
        const p2 = later(a, 'BZMPOP', '0', '1', 'dst2', 'MIN', 'COUNT', '10');
        await waitBlocked(b, 1);
        t.push(show(await b.call('ZRANGESTORE', 'dst2', 'src', '0', '1')));
        t.push(await p2);
        return t;
      }),
    expect: [
      ':3\r\n',
      ':3\r\n',
      '*3\r\n$3\r\ndst\r\n$1\r\nc\r\n$2\r\n30\r\n',
      ':2\r\n',
      '*2\r\n$4\r\ndst2\r\n*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n',
    ],
  },
  'CLIENT UNBLOCK ends a BZPOPMIN with a null array or an error': {
    run: (port) =>
      withClients(port, 2, async ([a, b]) => {
        const t: Transcript = [];
        const id = show(await a.call('CLIENT', 'ID')).slice(1, -2);
        const p = later(a, 'BZPOPMIN', 'u', '0');
        await waitBlocked(b, 1);
        t.push(show(await b.call('CLIENT', 'UNBLOCK', id)));
        t.push(await p);
        const p2 = later(a, 'BZMPOP', '0', '1', 'u', 'MAX');
        await waitBlocked(b, 1);
        t.push(show(await b.call('CLIENT', 'UNBLOCK', id, 'ERROR')));
        t.push(await p2);
        return t;
      }),
    expect: [':1\r\n', '*-1\r\n', ':1\r\n', '-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n'],
  },
};

blockingScenarios('blocking sorted set commands (two or more clients)', 'blocking sorted set comparisons with redis-server', scenarios);

// redis-cli 7.0 against a real Strata process: one-shot commands, --raw / --no-raw formatting,
// commands from stdin, -x, -3 (RESP3), -n, and --pipe mass insertion.
import { spawn } from 'child_process';
import { encodeCommands } from '../helpers/resp';
import { ServerHandle, redisCliPath, startStrata } from '../helpers/servers';

const cli = redisCliPath();
if (!cli) console.warn('SKIPPED: redis-cli not installed — redis-cli integration tests skipped');
const maybe = cli ? describe : describe.skip;

interface CliResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

maybe('redis-cli', () => {
  let server: ServerHandle;

  beforeAll(async () => {
    server = await startStrata();
  }, 60000);
  afterAll(async () => {
    await server?.stop();
  });

  function run(args: string[], input?: Buffer | string, timeout = 20000): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const p = spawn(cli!, ['-h', server.host, '-p', String(server.port), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      let err = '';
      const t = setTimeout(() => {
        p.kill('SIGKILL');
        reject(new Error(`redis-cli ${args.join(' ')} timed out; stdout so far: ${Buffer.concat(out).toString()}`));
      }, timeout);
      p.stdout.on('data', (d) => out.push(d));
      p.stderr.on('data', (d) => (err += d));
      p.on('error', reject);
      p.on('close', (code) => {
        clearTimeout(t);
        resolve({ code, stdout: Buffer.concat(out), stderr: err });
      });
      p.stdin.on('error', () => undefined);
      if (input !== undefined) p.stdin.end(input);
      else p.stdin.end();
    });
  }
  const out = async (args: string[], input?: Buffer | string) => (await run(args, input)).stdout.toString();

  it('ping', async () => {
    const r = await run(['ping']);
    expect(r.stdout.toString()).toBe('PONG\n');
    expect(r.code).toBe(0);
  });

  it('--no-raw formatting (what a terminal user sees)', async () => {
    expect(await out(['--no-raw', 'set', 'cli:k', 'v'])).toBe('OK\n');
    expect(await out(['--no-raw', 'get', 'cli:k'])).toBe('"v"\n');
    expect(await out(['--no-raw', 'get', 'cli:nope'])).toBe('(nil)\n');
    expect(await out(['--no-raw', 'incr', 'cli:n'])).toBe('(integer) 1\n');
    expect(await out(['--no-raw', 'mget', 'cli:k', 'cli:nope'])).toBe('1) "v"\n2) (nil)\n');
    expect(await out(['--no-raw', 'incr', 'cli:k'])).toBe('(error) ERR value is not an integer or out of range\n');
    expect(await out(['--no-raw', 'nosuchcmd', 'x'])).toBe("(error) ERR unknown command 'nosuchcmd', with args beginning with: 'x' \n");
  });

  it('--raw', async () => {
    await run(['set', 'cli:raw', 'b c']);
    expect(await out(['--raw', 'get', 'cli:raw'])).toBe('b c\n');
    expect(await out(['--raw', 'get', 'cli:nope'])).toBe('\n');
    expect(await out(['--raw', 'mget', 'cli:raw', 'cli:nope'])).toBe('b c\n\n');
    expect(await out(['--raw', 'strlen', 'cli:raw'])).toBe('3\n');
  });

  it('commands read from stdin, one per line (quoted arguments)', async () => {
    const r = await run([], 'set cli:q "b c"\nget cli:q\nappend cli:q " d"\nget cli:q\nget cli:nope\n');
    expect(r.stdout.toString()).toBe('OK\nb c\n5\nb c d\n\n');
    expect(r.code).toBe(0);
  });

  it('-x takes the last argument from stdin (binary-safe)', async () => {
    const payload = Buffer.from('line1\nline2\x00bin\xff', 'latin1');
    const r = await run(['-x', 'set', 'cli:x'], payload);
    expect(r.stdout.toString()).toBe('OK\n');
    expect(await out(['strlen', 'cli:x'])).toBe(`${payload.length}\n`);
    const g = await run(['--raw', 'get', 'cli:x']);
    expect(g.stdout.equals(Buffer.concat([payload, Buffer.from('\n')]))).toBe(true);
  });

  it('-n selects a database', async () => {
    expect(await out(['-n', '2', 'set', 'cli:db2', 'x'])).toBe('OK\n');
    expect(await out(['-n', '2', 'get', 'cli:db2'])).toBe('x\n');
    expect(await out(['get', 'cli:db2'])).toBe('\n');
  });

  it('-3 (RESP3)', async () => {
    expect(await out(['-3', 'ping'])).toBe('PONG\n');
    expect(await out(['-3', '--no-raw', 'mget', 'cli:k', 'cli:nope'])).toBe('1) "v"\n2) (nil)\n');
    const hello = await out(['-3', '--no-raw', 'hello', '3']);
    expect(hello).toMatch(/^1# "server" => /);
    expect(hello).toContain('"proto" => (integer) 3');
  });

  it('--pipe mass insertion', async () => {
    const n = 5000;
    const cmds: string[][] = [];
    for (let i = 0; i < n; i++) cmds.push(['SET', `cli:pipe:${i}`, `value-${i}`]);
    const r = await run(['--pipe'], encodeCommands(cmds));
    const text = r.stdout.toString();
    expect(text).toContain('All data transferred');
    expect(text).toContain(`errors: 0, replies: ${n}`);
    expect(r.code).toBe(0);
    expect(await out(['get', `cli:pipe:${n - 1}`])).toBe(`value-${n - 1}\n`);
  });

  it('--pipe counts errors', async () => {
    const r = await run(['--pipe'], encodeCommands([['SET', 'cli:pe', 'x'], ['INCR', 'cli:pe'], ['GET', 'cli:pe']]));
    expect(r.stdout.toString()).toContain('errors: 1, replies: 3');
    expect(r.code).toBe(1);
  });
});

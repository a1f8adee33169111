// Self-test of the raw RESP client's reply framing (every RESP2/RESP3 type) and decoder.
import * as net from 'net';
import { replyEnd, decodeReply, toJS, escapeBytes, RespClient, RespFramingError } from './resp';

const B = (s: string) => Buffer.from(s, 'latin1');

describe('replyEnd framing', () => {
  const complete: [string, string][] = [
    ['simple', '+OK\r\n'],
    ['error', '-ERR x y\r\n'],
    ['integer', ':-42\r\n'],
    ['null', '_\r\n'],
    ['double', ',3.14\r\n'],
    ['boolean', '#t\r\n'],
    ['bignum', '(3492890328409238509324850943850943825024385\r\n'],
    ['bulk', '$5\r\nhe\r\no\r\n'],
    ['empty bulk', '$0\r\n\r\n'],
    ['null bulk', '$-1\r\n'],
    ['blob error', '!21\r\nSYNTAX invalid syntax\r\n'],
    ['verbatim', '=15\r\ntxt:Some string\r\n'],
    ['array', '*2\r\n$1\r\na\r\n:1\r\n'],
    ['empty array', '*0\r\n'],
    ['null array', '*-1\r\n'],
    ['nested', '*2\r\n*1\r\n+a\r\n%1\r\n+k\r\n~2\r\n:1\r\n:2\r\n'],
    ['map', '%2\r\n+first\r\n:1\r\n+second\r\n_\r\n'],
    ['set', '~3\r\n+a\r\n+b\r\n+c\r\n'],
    ['push', '>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n'],
    ['attribute + reply', '|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*1\r\n:2039123\r\n'],
    ['streamed string', '$?\r\n;4\r\nHell\r\n;1\r\no\r\n;0\r\n'],
    ['streamed array', '*?\r\n:1\r\n:2\r\n.\r\n'],
  ];
  it.each(complete)('%s is one complete reply, and every proper prefix is incomplete', (_n, s) => {
    const b = B(s);
    expect(replyEnd(b)).toBe(b.length);
    expect(replyEnd(Buffer.concat([b, B('+NEXT\r\n')]))).toBe(b.length);
    for (let i = 0; i < b.length; i++) expect(replyEnd(b.subarray(0, i))).toBe(-1);
  });
  it('rejects bytes that are not a reply', () => {
    expect(() => replyEnd(B('hello\r\n'))).toThrow(RespFramingError);
    expect(() => replyEnd(B('$abc\r\n'))).toThrow(RespFramingError);
  });
  it('a bare \\r inside a line does not end it', () => {
    expect(replyEnd(B('+a\rb\r\n'))).toBe(6);
  });
});

describe('decodeReply / toJS', () => {
  it('decodes nested RESP3', () => {
    const v = decodeReply(B('%2\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n')).value;
    expect(toJS(v)).toEqual({ server: 'redis', proto: 3 });
    expect(toJS(decodeReply(B('*3\r\n$-1\r\n_\r\n#f\r\n')).value)).toEqual([null, null, false]);
    expect(toJS(decodeReply(B(':9223372036854775807\r\n')).value)).toBe(9223372036854775807n);
    expect(toJS(decodeReply(B('|1\r\n+a\r\n+b\r\n:5\r\n')).value)).toBe(5);
    expect(toJS(decodeReply(B('$?\r\n;2\r\nab\r\n;1\r\nc\r\n;0\r\n')).value)).toBe('abc');
    expect(toJS(decodeReply(B('-ERR boom\r\n')).value)).toEqual(new Error('ERR boom'));
  });
  it('escapes bytes readably', () => {
    expect(escapeBytes(B('+OK\r\n\x00\xff"'))).toBe('"+OK\\r\\n\\x00\\xff\\""');
  });
});

describe('RespClient', () => {
  it('reads replies split at every byte and batched together', async () => {
    const payload = B('+OK\r\n$3\r\nabc\r\n*2\r\n:1\r\n%1\r\n+k\r\n+v\r\n');
    const srv = net.createServer(async (s) => {
      for (const byte of payload) {
        s.write(Buffer.from([byte]));
        await new Promise((r) => setImmediate(r));
      }
      s.end();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    const c = await RespClient.connect(port);
    try {
      expect((await c.read()).toString()).toBe('+OK\r\n');
      expect((await c.read()).toString()).toBe('$3\r\nabc\r\n');
      expect((await c.read()).toString()).toBe('*2\r\n:1\r\n%1\r\n+k\r\n+v\r\n');
      await expect(c.read(2000)).rejects.toThrow(/closed/);
    } finally {
      c.close();
      srv.close();
    }
  });
});

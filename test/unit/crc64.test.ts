import { crc64, crc64LE } from '../../src/util/crc64';

describe('crc64 (Redis Jones variant)', () => {
  test('check value from Redis crc64.c', () => {
    expect(crc64(Buffer.from('123456789')).toString(16)).toBe('e9c6d914c4b8d9ca');
  });
  test('empty FUNCTION DUMP payload of redis 7.0 (RDB version 10)', () => {
    expect(crc64LE(Buffer.from([0x0a, 0x00])).toString('hex')).toBe('5d9b5c400f7fa2da');
  });
});

// Node's Buffer has fast latin1 codecs that @types/node does not declare. They are stable internals
// used by Node's own string decoding; latin1 keeps one char per byte, which is what makes binary-safe
// keys and values cheap as JS strings.
declare global {
  interface Buffer {
    latin1Slice(start?: number, end?: number): string;
    latin1Write(s: string, offset?: number, length?: number): number;
  }
}
export {};

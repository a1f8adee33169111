// The hash value (Redis 7.0 t_hash.c): a JS Map<string, string> of latin1 fields and values.
//
// Encoding (OBJECT ENCODING) follows Redis 7.0: a new hash is a 'listpack' and turns into a 'hashtable'
// for good once it holds more than hash-max-listpack-entries fields or once a field or value longer
// than hash-max-listpack-value bytes is written to it (never back, as in Redis). A listpack keeps
// insertion order, and so does a Map: HGETALL/HKEYS/HSCAN of a small hash answer in Redis' exact order.
//
// Random access (HRANDFIELD) uses the same Sampler as sets (see set.ts), built on first use.
import type { RObj } from '../db';
import { config } from '../../config';
import { forgetScans } from '../scan';
import { Sampler, SAFE_SIZE, SMALL_PICK, nthKey, randomIndex } from './set';

export class RHash implements RObj {
  declare readonly type: 'hash';
  /** field -> value. Mutate only through set/delete so the encoding and caches stay right. */
  readonly m: Map<string, string>;
  /** OBJECT ENCODING is 'hashtable' (else 'listpack'). */
  private ht: boolean;
  private rnd: Sampler | null = null;

  constructor(hashtable = false, m?: Map<string, string>) {
    this.ht = hashtable;
    this.m = m ?? new Map();
  }

  /** A hash of these pairs with the encoding a freshly built (or RDB-loaded) hash has. */
  static from(pairs: Iterable<[string, string]>): RHash {
    const h = new RHash(false);
    for (const [f, v] of pairs) if (h.set(f, v) < 0) break;
    return h;
  }

  get size(): number {
    return this.m.size;
  }

  get(f: string): string | undefined {
    return this.m.get(f);
  }

  has(f: string): boolean {
    return this.m.has(f);
  }

  /**
   * Redis' hashTypeSet: 1 when the field is new, 0 when its value was replaced, -1 when the hash cannot
   * grow (V8 size limit). Converts to a hashtable as Redis does (long field or value, too many fields).
   */
  set(f: string, v: string): number {
    const m = this.m;
    const n = m.size;
    if (!this.ht) {
      const maxv = config['hash-max-listpack-value'];
      if (f.length > maxv || v.length > maxv) this.ht = true;
    }
    if (n < SAFE_SIZE) m.set(f, v);
    else {
      try {
        m.set(f, v);
      } catch {
        return -1;
      }
    }
    if (m.size === n) return 0;
    if (!this.ht && n + 1 > config['hash-max-listpack-entries']) this.ht = true;
    if (this.rnd !== null) this.rnd.added(f);
    return 1;
  }

  /** Redis' hashTypeDelete: true when the field existed. */
  delete(f: string): boolean {
    if (!this.m.delete(f)) return false;
    if (this.rnd !== null && !this.rnd.removed(f)) this.rnd = null;
    return true;
  }

  /** [field, value] pairs in Redis' iteration order (insertion order while a listpack). */
  entries(): IterableIterator<[string, string]> {
    return this.m.entries();
  }

  fields(): IterableIterator<string> {
    return this.m.keys();
  }

  private sampler(): Sampler {
    let r = this.rnd;
    if (r === null) r = this.rnd = new Sampler(this.m.keys());
    return r;
  }

  /** A random field (the hash is not empty). */
  randomField(): string {
    if (this.rnd === null && this.m.size <= SMALL_PICK) return nthKey(this.m.keys(), randomIndex(this.m.size));
    const r = this.sampler();
    return r.arr[r.pick()];
  }

  /** k distinct random fields, 0 < k < size, in random order. */
  sample(k: number): string[] {
    return this.sampler().sample(k);
  }

  encoding(): string {
    return this.ht ? 'hashtable' : 'listpack';
  }

  isListpack(): boolean {
    return !this.ht;
  }

  clone(): RHash {
    return new RHash(this.ht, new Map(this.m));
  }

  free(): void {
    forgetScans(this);
    this.rnd = null;
  }
}
Object.defineProperty(RHash.prototype, 'type', { value: 'hash', writable: false, enumerable: false });

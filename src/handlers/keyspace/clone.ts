// Deep copy of keyspace values for COPY.
//
// Strings (latin1 JS strings) and ints (JS numbers) are immutable: the copy is the value itself.
// Object values copy themselves through RObj.clone() when they implement it (the only safe way for a
// value that owns external resources, e.g. a range-index B-tree file). A value without clone() and
// without free() is plain in-memory data: it is copied by a generic structural deep copy that keeps
// prototypes (so methods such as encoding() still work), Map/Set/Array/typed-array contents, shared
// and cyclic references. It is iterative, so long linked structures (skiplists, quicklists) cannot
// overflow the stack. Limits: ES `#private` fields cannot be copied by reflection; a type that uses
// them must implement clone().
import type { RObj, Value } from '../../keyspace/db';

/**
 * Returns an independent copy of `v`, or null when the value cannot be copied safely (an object that
 * owns resources (has free()) but has no clone(): copying it field by field would share them).
 */
export function cloneValue(v: Value): Value | null {
  if (typeof v !== 'object') return v;
  if (typeof v.clone === 'function') return v.clone();
  if (typeof v.free === 'function') return null;
  return deepCopy(v) as RObj;
}

type AnyObj = Record<string | symbol, unknown>;

/** Structural deep copy preserving prototypes, identity sharing and cycles. */
export function deepCopy<T>(root: T): T {
  const memo = new Map<object, object>();
  const work: [object, object][] = [];

  const shell = (x: unknown): unknown => {
    if (x === null || (typeof x !== 'object' && typeof x !== 'function')) return x;
    if (typeof x === 'function') return x; // functions (closures, classes) are shared
    const o = x as object;
    const seen = memo.get(o);
    if (seen !== undefined) return seen;
    let d: object;
    let fill = true;
    if (Buffer.isBuffer(o)) {
      d = Buffer.from(o as Buffer);
      fill = false;
    } else if (ArrayBuffer.isView(o)) {
      if (o instanceof DataView) d = new DataView(o.buffer.slice(o.byteOffset, o.byteOffset + o.byteLength));
      else {
        const ta = o as unknown as { slice(): object };
        d = ta.slice(); // typed arrays: slice() copies and keeps the element type
      }
      fill = false;
    } else if (o instanceof ArrayBuffer) {
      d = o.slice(0);
      fill = false;
    } else if (o instanceof Date) {
      d = new Date(o.getTime());
      fill = false;
    } else if (o instanceof RegExp || o instanceof WeakMap || o instanceof WeakSet || o instanceof Promise) {
      return o; // immutable enough, or not copyable: shared
    } else if (Array.isArray(o)) {
      d = new Array(o.length);
    } else if (o instanceof Map) {
      d = new Map();
    } else if (o instanceof Set) {
      d = new Set();
    } else {
      d = Object.create(Object.getPrototypeOf(o)) as object;
    }
    const proto = Object.getPrototypeOf(o);
    if (fill && Object.getPrototypeOf(d) !== proto) Object.setPrototypeOf(d, proto);
    memo.set(o, d);
    if (fill) work.push([o, d]);
    return d;
  };

  const out = shell(root) as T;
  while (work.length > 0) {
    const [s, d] = work.pop()!;
    if (Array.isArray(s)) {
      const da = d as unknown[];
      for (let i = 0; i < s.length; i++) if (i in s) da[i] = shell(s[i]);
      // Non-index own properties of arrays are rare; copy them too.
      for (const k of Object.keys(s)) {
        if (!isIndex(k)) (d as AnyObj)[k] = shell((s as unknown as AnyObj)[k]);
      }
      continue;
    }
    if (s instanceof Map) {
      const dm = d as Map<unknown, unknown>;
      for (const [k, v] of s) dm.set(shell(k), shell(v));
    } else if (s instanceof Set) {
      const ds = d as Set<unknown>;
      for (const v of s) ds.add(shell(v));
    }
    for (const k of Reflect.ownKeys(s)) {
      const desc = Object.getOwnPropertyDescriptor(s, k)!;
      if ('value' in desc) desc.value = shell(desc.value);
      Object.defineProperty(d, k, desc);
    }
    if (Object.isFrozen(s)) Object.freeze(d);
  }
  return out;
}

function isIndex(k: string): boolean {
  const n = k.length;
  if (n === 0 || n > 10) return false;
  for (let i = 0; i < n; i++) {
    const c = k.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return n === 1 || k.charCodeAt(0) !== 48;
}

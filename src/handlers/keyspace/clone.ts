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

const enum Kind {
  Plain, // ordinary object (class instance or literal): copy own properties
  Array,
  Map,
  Set,
  Leaf, // copied whole (buffers, typed arrays, dates)
  Shared, // not copied (regexps, weak collections, promises)
}

/** Per-prototype facts, computed once: the kind, and whether instances have exotic own properties. */
interface ProtoInfo {
  kind: Kind;
  /** Some instance had symbol keys, accessors, or non-enumerable/non-writable fields: copy descriptors. */
  exotic: boolean;
}
function kindOf(o: object): Kind {
  if (Array.isArray(o)) return Kind.Array;
  if (o instanceof Map) return Kind.Map;
  if (o instanceof Set) return Kind.Set;
  if (ArrayBuffer.isView(o) || o instanceof ArrayBuffer || o instanceof Date) return Kind.Leaf;
  if (o instanceof RegExp || o instanceof WeakMap || o instanceof WeakSet || o instanceof Promise) return Kind.Shared;
  return Kind.Plain;
}
function copyLeaf(o: object): object {
  if (Buffer.isBuffer(o)) return Buffer.from(o);
  if (o instanceof DataView) return new DataView(o.buffer.slice(o.byteOffset, o.byteOffset + o.byteLength));
  if (ArrayBuffer.isView(o)) return (o as unknown as { slice(): object }).slice(); // typed arrays keep their type
  if (o instanceof ArrayBuffer) return o.slice(0);
  return new Date((o as Date).getTime());
}
function isExotic(o: object): boolean {
  if (Object.getOwnPropertySymbols(o).length !== 0) return true;
  const props = Object.getOwnPropertyDescriptors(o) as Record<string, PropertyDescriptor>;
  for (const k in props) {
    const d = props[k];
    if (!('value' in d) || !d.writable || !d.enumerable || !d.configurable) return true;
  }
  return false;
}

/** Structural deep copy preserving prototypes, identity sharing and cycles. Iterative. */
export function deepCopy<T>(root: T): T {
  const memo = new Map<object, object>();
  const protos = new Map<object | null, ProtoInfo>();
  const work: object[] = []; // pairs: source, copy

  const info = (o: object): ProtoInfo => {
    const proto = Object.getPrototypeOf(o) as object | null;
    let pi = protos.get(proto);
    if (pi === undefined) {
      pi = { kind: kindOf(o), exotic: false };
      protos.set(proto, pi);
    }
    return pi;
  };

  const shell = (x: unknown): unknown => {
    if (x === null || typeof x !== 'object') return x; // primitives; functions are shared
    const o = x as object;
    const seen = memo.get(o);
    if (seen !== undefined) return seen;
    const pi = info(o);
    let d: object;
    switch (pi.kind) {
      case Kind.Shared:
        return o;
      case Kind.Leaf:
        d = copyLeaf(o);
        memo.set(o, d);
        return d;
      case Kind.Array:
        d = new Array((o as unknown[]).length);
        break;
      case Kind.Map:
        d = new Map();
        break;
      case Kind.Set:
        d = new Set();
        break;
      default:
        d = Object.create(Object.getPrototypeOf(o)) as object;
    }
    if (pi.kind !== Kind.Plain) {
      const proto = Object.getPrototypeOf(o);
      if (Object.getPrototypeOf(d) !== proto) Object.setPrototypeOf(d, proto); // subclasses
    }
    memo.set(o, d);
    work.push(o, d);
    return d;
  };

  const copyProps = (s: object, d: object, skipIndexes: boolean): void => {
    const pi = info(s);
    if (!pi.exotic && isExoticCheck(pi, s)) pi.exotic = true;
    if (!pi.exotic) {
      const keys = Object.keys(s);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        if (skipIndexes && isIndex(k)) continue;
        (d as AnyObj)[k] = shell((s as AnyObj)[k]);
      }
      return;
    }
    const props = Object.getOwnPropertyDescriptors(s) as unknown as Record<string | symbol, PropertyDescriptor>;
    for (const k of Reflect.ownKeys(props)) {
      if (skipIndexes && typeof k === 'string' && (isIndex(k) || k === 'length')) continue;
      const desc = props[k];
      if ('value' in desc) desc.value = shell(desc.value);
      Object.defineProperty(d, k, desc);
    }
  };

  const out = shell(root) as T;
  while (work.length > 0) {
    const d = work.pop()!;
    const s = work.pop()!;
    if (Array.isArray(s)) {
      const da = d as unknown[];
      for (let i = 0; i < s.length; i++) if (i in s) da[i] = shell(s[i]);
      copyProps(s, d, true);
      continue;
    }
    if (s instanceof Map) {
      const dm = d as Map<unknown, unknown>;
      for (const [k, v] of s) dm.set(shell(k), shell(v));
    } else if (s instanceof Set) {
      const ds = d as Set<unknown>;
      for (const v of s) ds.add(shell(v));
    }
    copyProps(s, d, false);
    if (Object.isFrozen(s)) Object.freeze(d);
  }
  return out;
}

/**
 * The exotic check is costly, so it runs on the first few instances of each prototype only; one exotic
 * instance switches the whole prototype to the descriptor-copying path.
 */
const CHECKS_PER_PROTO = 8;
const checks = new WeakMap<ProtoInfo, number>();
function isExoticCheck(pi: ProtoInfo, s: object): boolean {
  const n = checks.get(pi) ?? 0;
  if (n >= CHECKS_PER_PROTO) return false;
  checks.set(pi, n + 1);
  return isExotic(s);
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

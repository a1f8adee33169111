// The keyspace value of a range-index key: Garnet's 35-byte stub (RangeIndexManager.Index.cs, little-
// endian) plus the open RangeTree it names. The B-tree itself lives in its own file; the keyspace holds
// only this object.
//
//   off size field
//     0    4 file id (u32)      } Garnet: TreeHandle (native pointer). Strata: the registry's process-local
//     4    4 generation (u32)   } handle + the on-disk generation of the file (`<hash>-<generation>.ri`)
//     8    8 CacheSize (u64)
//    16    4 MinRecordSize (u32)
//    20    4 MaxRecordSize (u32)
//    24    4 MaxKeyLen (u32)
//    28    4 LeafPageSize (u32)     resolved (never 0 after create)
//    32    1 StorageBackend         0 = DISK, 1 = MEMORY
//    33    1 Flags                  bit0 Flushed, bit1 Recovered (Garnet's meaning; Strata sets neither yet)
//    34    1 SerializationPhase     reserved, 0
//
// Bytes 8..34 (the "config") are what DUMP carries and what the tree file stores as its meta blob, so a
// file describes itself. The file name is kept beside the stub (`fileName`): it is derived from the key the
// index was created under, and RENAME/MOVE/SWAPDB move this object without touching the file.
import type { RObj } from '../keyspace/db';
import type { RangeTree } from './tree';

export const STUB_SIZE = 35;
export const CONFIG_OFFSET = 8;
export const CONFIG_SIZE = STUB_SIZE - CONFIG_OFFSET; // 27

export const BACKEND_DISK = 0;
export const BACKEND_MEMORY = 1;

export const FLAG_FLUSHED = 1 << 0;
export const FLAG_RECOVERED = 1 << 1;

export interface RiConfig {
  backend: number; // BACKEND_DISK | BACKEND_MEMORY
  cacheSize: number;
  minRecord: number;
  maxRecord: number;
  maxKeyLen: number;
  pageSize: number;
}

/** Writes the 27 config bytes (stub offsets 8..34) at `off` of `b`. */
export function writeConfig(b: Buffer, off: number, cfg: RiConfig, flags = 0): void {
  b.writeBigUInt64LE(BigInt(cfg.cacheSize), off);
  b.writeUInt32LE(cfg.minRecord, off + 8);
  b.writeUInt32LE(cfg.maxRecord, off + 12);
  b.writeUInt32LE(cfg.maxKeyLen, off + 16);
  b.writeUInt32LE(cfg.pageSize, off + 20);
  b[off + 24] = cfg.backend;
  b[off + 25] = flags;
  b[off + 26] = 0;
}

/** Reads the 27 config bytes at `off` (no validation beyond the backend byte). */
export function readConfig(b: Buffer, off: number): RiConfig {
  if (b.length < off + CONFIG_SIZE) throw new Error('range index config truncated');
  const cache = b.readBigUInt64LE(off);
  if (cache > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('range index cache size out of range');
  const backend = b[off + 24];
  if (backend !== BACKEND_DISK && backend !== BACKEND_MEMORY) throw new Error(`unknown range index backend ${backend}`);
  return {
    cacheSize: Number(cache),
    minRecord: b.readUInt32LE(off + 8),
    maxRecord: b.readUInt32LE(off + 12),
    maxKeyLen: b.readUInt32LE(off + 16),
    pageSize: b.readUInt32LE(off + 20),
    backend,
  };
}

export function encodeStub(fileId: number, generation: number, cfg: RiConfig, flags = 0): Buffer {
  const b = Buffer.alloc(STUB_SIZE);
  b.writeUInt32LE(fileId >>> 0, 0);
  b.writeUInt32LE(generation >>> 0, 4);
  writeConfig(b, CONFIG_OFFSET, cfg, flags);
  return b;
}

/** What a stub calls when it leaves the keyspace or is copied (the registry). */
export interface StubOwner {
  release(s: RangeIndexStub): void;
  clone(s: RangeIndexStub): RangeIndexStub;
}

export class RangeIndexStub implements RObj {
  readonly type = 'rangeindex';
  /** The 35-byte stub. */
  readonly stub: Buffer;
  readonly config: RiConfig;
  /** Process-local registry handle (stub bytes 0..3); RI.METRICS' tree_handle. */
  readonly fileId: number;
  /** Generation of the file (stub bytes 4..7). */
  readonly generation: number;
  /** File name inside <dir>/rangeindex/ (null for MEMORY indexes, which have no file). */
  readonly fileName: string | null;
  /** The open tree; null once released. */
  tree: RangeTree | null;
  private readonly owner: StubOwner;

  /** Stubs whose tree is not released yet (lets the catalog skip keyspace events cheaply when zero). */
  static instances = 0;

  constructor(owner: StubOwner, fileId: number, generation: number, cfg: RiConfig, fileName: string | null, tree: RangeTree, flags = 0) {
    RangeIndexStub.instances++;
    this.owner = owner;
    this.fileId = fileId;
    this.generation = generation;
    this.config = cfg;
    this.fileName = fileName;
    this.tree = tree;
    this.stub = encodeStub(fileId, generation, cfg, flags);
  }

  get flags(): number {
    return this.stub[33];
  }
  get isMemory(): boolean {
    return this.config.backend === BACKEND_MEMORY;
  }

  encoding(): string {
    return 'rangeindex';
  }

  /** DEL/UNLINK/expiry/FLUSHDB/FLUSHALL/overwrite: drop the tree, release its cache, unlink its file (async). */
  free(): void {
    if (this.tree !== null) RangeIndexStub.instances--;
    this.owner.release(this);
  }

  /** MEMORY USAGE: what the key holds in RAM: the stub and the tree's cached pages (not its file). */
  memoryUsage(): number {
    const st = this.tree?.stats();
    return 64 + STUB_SIZE + (st ? st.pagesCached * st.pageSize : 0);
  }

  /** COPY: an independent tree (snapshot + bulk load into a new file). */
  clone(): RObj {
    return this.owner.clone(this);
  }
}

export function isRangeIndex(v: unknown): v is RangeIndexStub {
  return v instanceof RangeIndexStub;
}

// RDB constants shared by the DUMP/RESTORE codec (Redis 7.0's rdb.h).

/** The RDB version Strata writes into DUMP payloads and the highest it accepts (Redis 7.0). */
export const RDB_VERSION = 10;

// Object type bytes.
export const RDB_TYPE_STRING = 0;
export const RDB_TYPE_LIST = 1;
export const RDB_TYPE_SET = 2;
export const RDB_TYPE_ZSET = 3;
export const RDB_TYPE_HASH = 4;
export const RDB_TYPE_ZSET_2 = 5;
export const RDB_TYPE_MODULE_PRE_GA = 6;
export const RDB_TYPE_MODULE_2 = 7;
export const RDB_TYPE_HASH_ZIPMAP = 9;
export const RDB_TYPE_LIST_ZIPLIST = 10;
export const RDB_TYPE_SET_INTSET = 11;
export const RDB_TYPE_ZSET_ZIPLIST = 12;
export const RDB_TYPE_HASH_ZIPLIST = 13;
export const RDB_TYPE_LIST_QUICKLIST = 14;
export const RDB_TYPE_STREAM_LISTPACKS = 15;
export const RDB_TYPE_HASH_LISTPACK = 16;
export const RDB_TYPE_ZSET_LISTPACK = 17;
export const RDB_TYPE_LIST_QUICKLIST_2 = 18;
export const RDB_TYPE_STREAM_LISTPACKS_2 = 19;
/** Redis 7.2. */
export const RDB_TYPE_SET_LISTPACK = 20;
/** Redis 7.2. */
export const RDB_TYPE_STREAM_LISTPACKS_3 = 21;

/**
 * Type bytes Redis uses or has reserved for values (0..31 leaves room for Redis' future types; 7.4 is at
 * 25) and opcodes (0xF5..0xFF). Extension types (registerRdbType) must stay out of these.
 */
export function isRedisReservedType(t: number): boolean {
  return t < 32 || t >= 0xf5;
}

/**
 * The Strata-specific type byte reserved for range indexes (DUMP/RESTORE/MIGRATE carry the whole tree).
 * The codec itself is registered by the range-index module through registerRdbType().
 */
export const RDB_TYPE_STRATA_RANGEINDEX = 0xc8;

// Quicklist node containers (RDB_TYPE_LIST_QUICKLIST_2).
export const QUICKLIST_NODE_CONTAINER_PLAIN = 1;
export const QUICKLIST_NODE_CONTAINER_PACKED = 2;

// Length encodings.
export const RDB_6BITLEN = 0;
export const RDB_14BITLEN = 1;
export const RDB_32BITLEN = 0x80;
export const RDB_64BITLEN = 0x81;
export const RDB_ENCVAL = 3;
export const RDB_ENC_INT8 = 0;
export const RDB_ENC_INT16 = 1;
export const RDB_ENC_INT32 = 2;
export const RDB_ENC_LZF = 3;

/** The two RESTORE payload errors, Redis' exact texts. */
export const ERR_PAYLOAD_VERSION = 'ERR DUMP payload version or checksum are wrong';
export const ERR_BAD_FORMAT = 'ERR Bad data format';

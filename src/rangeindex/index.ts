// Range-index storage engine (docs/RANGEINDEX.md).
export { RangeTree, RangeTreeFullError } from './tree';
export type { TreeOptions, TreeStats, TreeSnapshot, ScanFn, RecordSink } from './tree';
export { maxKeyLen, maxRecordLen, validPageSize, MIN_PAGE_SIZE, MAX_PAGE_SIZE } from './page';

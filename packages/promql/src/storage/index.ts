/**
 * The embedded time-series store: compressed chunks in memory, a series index with postings,
 * a write-ahead log and chunk files for durability, retention and a memory limit.
 */

export { Appender, emptyAppendCounts } from './appender.js'
export type { AppendCounts } from './appender.js'
export { DataDirLockedError } from './data-dir-lock.js'
export { DEFAULT_CHUNK_POLICY, Head } from './head.js'
export type { AppendStatus } from './head.js'
export { MetricStore, openMetricStore } from './metric-store.js'
export type { MetricStoreEvent, MetricStoreOptions, MetricStoreStats } from './metric-store.js'
export type { ChunkPolicy } from './mem-series.js'
export { ChunkEncoder, ChunkIterator } from './xor-chunk.js'

/**
 * The options, events and statistics of the metric store.
 */
import type { AppendCounts } from './appender.js'
import type { WalReplayReport } from './wal-replay.js'

export interface MetricStoreOptions {
  /** Where to persist; without it the store lives in memory only. */
  readonly dataDir?: string
  /**
   * How long samples are kept, measured back from the newest sample (or from `now()` if that
   * is earlier, so one sample stamped far in the future cannot expire everything). Default
   * 15 days.
   */
  readonly retentionMs?: number
  /** Chunk files kept before the oldest are merged (default 16). */
  readonly maxChunkFiles?: number
  /** Memory the head may use before the oldest chunks are dropped. Default unbounded. */
  readonly maxMemoryBytes?: number
  /** Samples per chunk before a new one starts. Default 120. */
  readonly samplesPerChunk?: number
  /** Longest time one chunk spans. Default 2 hours. */
  readonly chunkRangeMs?: number
  /** Longest time samples wait in memory before the log is written and fsynced. Default 1 s. */
  readonly walFlushIntervalMs?: number
  /** Pending log bytes that trigger a flush sooner. Default 4 MiB. */
  readonly walFlushBytes?: number
  /** Log segment size. Default 64 MiB. */
  readonly walSegmentBytes?: number
  /** How often compaction, retention and the memory limit run. Default 30 minutes. */
  readonly compactionIntervalMs?: number
  /** Run the flush and compaction timers. Default true; tests drive the store by hand. */
  readonly background?: boolean
  /** The clock retention compares against. Default `Date.now`. */
  readonly now?: () => number
  /** Receives notable events; built only when given. */
  readonly onEvent?: (event: MetricStoreEvent) => void
}

/** Things worth logging, with units in field names. */
export type MetricStoreEvent =
  | { readonly type: 'opened'; readonly chunkFiles: number; readonly wal: WalReplayReport }
  | { readonly type: 'chunk_file_damaged'; readonly path: string; readonly reason: string }
  | {
      readonly type: 'wal_damaged'
      readonly segment: number
      readonly offset: number
      readonly reason: string
    }
  | { readonly type: 'compacted'; readonly chunks: number; readonly walSegmentsRemoved: number }
  | { readonly type: 'chunk_files_merged'; readonly before: number; readonly after: number }
  | {
      readonly type: 'retention'
      readonly cutoffMs: number
      readonly removedSeries: number
      readonly filesRemoved: number
    }
  | { readonly type: 'memory_limit'; readonly estimateBytes: number; readonly cutoffMs: number }
  | { readonly type: 'background_error'; readonly error: unknown }

export interface MetricStoreStats {
  readonly series: number
  readonly closedChunkBytes: number
  readonly memoryEstimateBytes: number
  readonly maxTimeMs: number
  /** Samples by append status since the store opened. */
  readonly appended: AppendCounts
  readonly chunkFiles: number
}

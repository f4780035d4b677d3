/**
 * The embedded metric store: the head in memory, made durable by a write-ahead log and chunk
 * files in a data directory, bounded by time-based retention and a memory limit.
 *
 * Layout of the data directory: `wal/NNNNNNNN` log segments and `chunks/NNNNNNNN.chunks`
 * files. Opening replays the chunk files, then the log. Compaction writes the chunks not yet
 * in a file to a new one and deletes the log segments it covers.
 */

import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'

import type { LabelMatcher, Labels, Querier, SeriesData } from '../model/series.js'
import type { AppendCounts } from './appender.js'
import { Appender, emptyAppendCounts } from './appender.js'
import type { ChunkFileInfo } from './chunk-file.js'
import { ChunkFileBuilder, listChunkFiles, readChunkFile } from './chunk-file.js'
import { lockDataDir } from './data-dir-lock.js'
import { labelsKey } from './labels.js'
import { Head } from './head.js'
import type { MemSeries } from './mem-series.js'
import { replayWal } from './wal-replay.js'
import { WriteAheadLog } from './write-ahead-log.js'
import { mergeOldestChunkFiles } from './chunk-merge.js'
import { prependColdSamples, readColdSeries } from './cold-chunks.js'
import type { MetricStoreOptions, MetricStoreStats } from './store-options.js'

const DAY_MS = 24 * 60 * 60 * 1000

export type { MetricStoreEvent, MetricStoreOptions, MetricStoreStats } from './store-options.js'

/**
 * @example
 * const store = openMetricStore({ dataDir: './data/metrics' })
 * const appender = store.appender()
 * appender.append(appender.seriesRef({ __name__: 'up', job: 'api' }), Date.now(), 1)
 * appender.commit()
 * store.select([{ name: 'job', type: '=', value: 'api' }], 0, Date.now())
 * store.close()
 */
export function openMetricStore(options: MetricStoreOptions = {}): MetricStore {
  return new MetricStore(options)
}

// TODO(#7): samples the memory bound dropped are read back from whole chunk files on each query
// that reaches them (see cold-chunks.ts); an index of chunk positions per series would make
// that proportional to the data asked for.
export class MetricStore implements Querier {
  readonly head: Head
  readonly wal: WriteAheadLog | undefined

  readonly #options: MetricStoreOptions
  readonly #retentionMs: number
  readonly #maxMemoryBytes: number
  readonly #flushIntervalMs: number
  readonly #chunksDir: string | undefined
  readonly #chunkFiles: ChunkFileInfo[] = []
  /** Samples before this time may be on disk only, dropped from memory by the bound. */
  #coldBeforeMs = -Infinity
  readonly #appended = emptyAppendCounts()
  readonly #timers: NodeJS.Timeout[] = []
  #lastFlushMs = Date.now()
  #closed = false
  #unlock: (() => void) | undefined

  /**
   * Prefer {@link openMetricStore}. Opening replays any persisted data synchronously, and
   * throws {@link DataDirLockedError} when another running process holds the directory.
   */
  constructor(options: MetricStoreOptions) {
    this.#options = options
    this.#retentionMs = options.retentionMs ?? 15 * DAY_MS
    this.#maxMemoryBytes = options.maxMemoryBytes ?? Infinity
    this.#flushIntervalMs = options.walFlushIntervalMs ?? 1000
    if (!(this.#retentionMs > 0) || !(this.#maxMemoryBytes > 0)) {
      throw new RangeError('retentionMs and maxMemoryBytes must be positive')
    }

    this.head = new Head({
      ...(options.samplesPerChunk === undefined
        ? {}
        : { samplesPerChunk: options.samplesPerChunk }),
      ...(options.chunkRangeMs === undefined ? {} : { chunkRangeMs: options.chunkRangeMs }),
    })

    if (options.dataDir !== undefined) {
      mkdirSync(options.dataDir, { recursive: true })
      const unlock = lockDataDir(options.dataDir)
      this.#chunksDir = join(options.dataDir, 'chunks')
      const walDir = join(options.dataDir, 'wal')
      try {
        this.#load(this.#chunksDir, walDir)
        this.wal = new WriteAheadLog(walDir, {
          flushBytes: options.walFlushBytes ?? 4 * 1024 * 1024,
          segmentBytes: options.walSegmentBytes ?? 64 * 1024 * 1024,
          onSyncError: (error) => this.#options.onEvent?.({ type: 'background_error', error }),
        })
      } catch (error) {
        unlock()
        throw error
      }
      this.#unlock = unlock
    }

    this.applyRetention()
    if (options.background !== false) this.#startTimers()
  }

  /** A new appender; one per concurrent ingest source (e.g. per scrape target). */
  appender(): Appender {
    return new Appender({
      head: this.head,
      wal: this.wal,
      afterCommit: (counts) => this.#afterCommit(counts),
    })
  }

  select(matchers: readonly LabelMatcher[], startMs: number, endMs: number): SeriesData[] {
    const memory = this.head.select(matchers, startMs, endMs)
    const cold = this.#coldSeries(matchers, startMs, endMs)
    return cold === undefined ? memory : prependColdSamples(memory, cold)
  }

  /** Label sets of matching series with samples in the range (the `/series` API). */
  seriesLabels(matchers: readonly LabelMatcher[], startMs?: number, endMs?: number): Labels[] {
    const memory = this.head.seriesLabels(matchers, startMs, endMs)
    const cold = this.#coldSeries(matchers, startMs ?? -Infinity, endMs ?? Infinity, true)
    if (cold === undefined) return memory
    const byKey = new Map(memory.map((labels) => [labelsKey(labels), labels]))
    for (const [key, series] of cold) if (!byKey.has(key)) byKey.set(key, series.labels)
    return [...byKey.values()]
  }

  /** Sorted label names (the `/labels` API). */
  labelNames(matchers?: readonly LabelMatcher[], startMs?: number, endMs?: number): string[] {
    const names = this.head.labelNames(matchers, startMs, endMs)
    const cold = this.#coldSeries(matchers ?? [], startMs ?? -Infinity, endMs ?? Infinity, true)
    if (cold === undefined) return names
    const all = new Set(names)
    for (const series of cold.values()) for (const name of Object.keys(series.labels)) all.add(name)
    return [...all].sort()
  }

  /** Sorted values of one label (the `/label/<name>/values` API). */
  labelValues(
    name: string,
    matchers?: readonly LabelMatcher[],
    startMs?: number,
    endMs?: number,
  ): string[] {
    const values = this.head.labelValues(name, matchers, startMs, endMs)
    const cold = this.#coldSeries(matchers ?? [], startMs ?? -Infinity, endMs ?? Infinity, true)
    if (cold === undefined) return values
    const all = new Set(values)
    for (const series of cold.values()) {
      const value = series.labels[name]
      if (value !== undefined && value !== '') all.add(value)
    }
    return [...all].sort()
  }

  /**
   * Samples the memory bound dropped (before #coldBeforeMs) that the chunk files still hold,
   * by series key; undefined when the range does not reach them.
   */
  #coldSeries(
    matchers: readonly LabelMatcher[],
    startMs: number,
    endMs: number,
    labelsOnly = false,
  ): Map<string, SeriesData> | undefined {
    const from = Math.max(startMs, this.head.minValidTimeMs)
    const chunksDir = this.#chunksDir
    if (from >= this.#coldBeforeMs || chunksDir === undefined) return undefined
    const to = Math.min(endMs, this.#coldBeforeMs - 1)
    return readColdSeries(chunksDir, this.#chunkFiles, matchers, from, to, labelsOnly)
  }

  /** Writes pending log records and fsyncs them. */
  flush(): void {
    this.wal?.flush()
    this.#lastFlushMs = Date.now()
  }

  /**
   * Writes every chunk (complete, and the open ones as far as they go) not yet in a chunk file
   * to a new file, then deletes the log segments it covers. Returns the chunks written.
   */
  compact(): number {
    const wal = this.wal
    const chunksDir = this.#chunksDir
    if (wal === undefined || chunksDir === undefined) return 0

    // The new segment restates every series, so no series record is lost with the old ones.
    const firstKeptSegment = wal.cut()
    this.head.forEachSeries((series) => wal.logSeries(series.ref, series.labels))
    wal.flush()
    this.#lastFlushMs = Date.now()

    const builder = new ChunkFileBuilder()
    this.head.forEachSeries((series) => addUnpersisted(builder, series))
    if (builder.chunkCount > 0) this.#chunkFiles.push(builder.write(chunksDir))
    this.#mergeChunkFiles(chunksDir)

    const walSegmentsRemoved = wal.removeSegmentsBefore(firstKeptSegment)
    this.#options.onEvent?.({ type: 'compacted', chunks: builder.chunkCount, walSegmentsRemoved })
    return builder.chunkCount
  }

  /**
   * Drops samples older than the retention period before the newest sample, from memory and
   * from chunk files, and refuses samples older than that from now on.
   */
  applyRetention(): void {
    if (this.head.maxTimeMs === -Infinity) return

    const now = this.#options.now ?? Date.now
    const cutoffMs = Math.min(this.head.maxTimeMs, now()) - this.#retentionMs
    this.head.minValidTimeMs = cutoffMs
    const { removedSeries } = this.head.truncateBefore(cutoffMs)

    let filesRemoved = 0
    for (let i = this.#chunkFiles.length - 1; i >= 0; i--) {
      const file = this.#chunkFiles[i]!
      if (file.maxTimeMs >= cutoffMs) continue
      rmSync(file.path, { force: true })
      this.#chunkFiles.splice(i, 1)
      filesRemoved++
    }

    if (removedSeries > 0 || filesRemoved > 0) {
      this.#options.onEvent?.({ type: 'retention', cutoffMs, removedSeries, filesRemoved })
    }
  }

  /** Drops the oldest chunks while the head's memory estimate exceeds the limit. */
  enforceMemoryLimit(): void {
    const limit = this.#maxMemoryBytes
    if (limit === Infinity || this.head.approximateBytes() <= limit) return

    const estimateBytes = this.head.memoryEstimateBytes()
    if (estimateBytes <= limit) return

    // Free a tenth more than needed so the limit is not hit again at the next commit.
    const cutoffMs = this.head.dropOldestChunks(estimateBytes - limit * 0.9)
    if (cutoffMs > this.#coldBeforeMs) this.#coldBeforeMs = cutoffMs
    this.#options.onEvent?.({ type: 'memory_limit', estimateBytes, cutoffMs })
  }

  stats(): MetricStoreStats {
    return {
      series: this.head.seriesCount,
      closedChunkBytes: this.head.closedChunkBytes,
      memoryEstimateBytes: this.head.memoryEstimateBytes(),
      maxTimeMs: this.head.maxTimeMs,
      appended: { ...this.#appended },
      chunkFiles: this.#chunkFiles.length,
    }
  }

  /** Stops the timers, compacts and closes the log, so the next open replays little. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const timer of this.#timers) clearInterval(timer)

    if (this.wal !== undefined) {
      this.compact()
      this.wal.close()
    }
    this.#unlock?.()
  }

  /** Rewrites the oldest chunk files as one when there are many (see chunk-merge.ts). */
  #mergeChunkFiles(chunksDir: string): void {
    const before = this.#chunkFiles.length
    const merged = mergeOldestChunkFiles(chunksDir, this.#chunkFiles, {
      maxFiles: this.#options.maxChunkFiles ?? 16,
      maxSpanMs: this.#retentionMs / 8,
      maxBytes: 256 * 1024 * 1024,
    })
    if (merged.length === before) return
    this.#chunkFiles.splice(0, before, ...merged)
    this.#options.onEvent?.({ type: 'chunk_files_merged', before, after: merged.length })
  }

  #load(chunksDir: string, walDir: string): void {
    const refs = new Map<number, MemSeries>()
    for (const number of listChunkFiles(chunksDir)) {
      const { info, problem } = readChunkFile(
        chunksDir,
        number,
        (ref, labels) => refs.set(ref, this.head.restore(ref, labels)),
        (chunk) => {
          const series = refs.get(chunk.ref)
          if (series !== undefined) this.head.loadChunk(series, chunk)
        },
      )
      this.#chunkFiles.push(info)
      if (problem !== undefined) {
        this.#options.onEvent?.({ type: 'chunk_file_damaged', path: info.path, reason: problem })
      }
    }

    // Everything loaded so far is on disk already; only what the log adds is not.
    this.head.forEachSeries((series) => {
      series.closed.markPersisted()
      series.headPersistedCount = series.head?.count ?? 0
    })

    const wal = replayWal(walDir, this.head, refs)
    if (wal.corruption !== undefined) {
      this.#options.onEvent?.({ type: 'wal_damaged', ...wal.corruption })
    }
    this.#options.onEvent?.({ type: 'opened', chunkFiles: this.#chunkFiles.length, wal })
  }

  #afterCommit(counts: AppendCounts): void {
    for (const status of Object.keys(counts) as (keyof AppendCounts)[]) {
      this.#appended[status] += counts[status]
    }

    if (this.wal !== undefined && Date.now() - this.#lastFlushMs >= this.#flushIntervalMs) {
      this.flush()
    }
    this.enforceMemoryLimit()
  }

  #startTimers(): void {
    const guard = (work: () => void) => () => {
      try {
        work()
      } catch (error) {
        this.#options.onEvent?.({ type: 'background_error', error })
      }
    }

    if (this.wal !== undefined) {
      this.#timers.push(
        setInterval(
          guard(() => this.flush()),
          this.#flushIntervalMs,
        ).unref(),
      )
    }
    const maintenance = () => {
      this.compact()
      this.applyRetention()
      this.enforceMemoryLimit()
    }
    const interval = this.#options.compactionIntervalMs ?? 30 * 60 * 1000
    this.#timers.push(setInterval(guard(maintenance), interval).unref())
  }
}

/** Adds the series' chunks that no chunk file holds yet, including its open chunk. */
function addUnpersisted(builder: ChunkFileBuilder, series: MemSeries): void {
  const closed = series.closed
  const head = series.head
  const newClosed = closed.unpersistedCount
  const headIsNew = head !== undefined && head.count > series.headPersistedCount
  if (newClosed === 0 && !headIsNew) return

  builder.addSeries(series.ref, series.labels)
  for (let i = closed.count - newClosed; i < closed.count; i++) {
    builder.addChunk({ ref: series.ref, open: false, ...closed.at(i) })
  }
  closed.markPersisted()

  if (head !== undefined && headIsNew) {
    builder.addChunk({
      ref: series.ref,
      open: true,
      minTimeMs: head.firstTimestampMs,
      maxTimeMs: head.lastTimestampMs,
      count: head.count,
      bytes: head.bytes.subarray(0, head.byteLength),
    })
    series.headPersistedCount = head.count
  }
}

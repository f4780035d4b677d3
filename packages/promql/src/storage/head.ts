/**
 * The in-memory part of the store: every series with its chunks, the index over their labels,
 * and the reads the query engine and the label APIs need.
 */

import type { LabelMatcher, Labels, Querier, SeriesData } from '../model/series.js'
import { compileMatcher } from './label-matcher.js'
import type { ChunkRecord } from './chunk-file.js'
import { canonicalLabels, labelsKey } from './labels.js'
import { MemSeries } from './mem-series.js'
import type { SampleSink } from './chunk-range-decoder.js'
import type { ChunkPolicy } from './mem-series.js'
import { SeriesIndex } from './series-index.js'
import { ChunkIterator, resumeChunk } from './xor-chunk.js'

/** Why a sample was not stored; `ok` when it was. */
export type AppendStatus =
  'ok' | 'out_of_order' | 'duplicate_timestamp' | 'too_old' | 'unknown_series'

/** Rough bytes of bookkeeping per series besides its label strings and chunk data. */
const SERIES_OVERHEAD_BYTES = 400
/** Typical buffer of an open chunk, and spare capacity plus metadata of complete chunks. */
const OPEN_CHUNK_ESTIMATE_BYTES = 256
const CLOSED_SLACK = 1.25

export const DEFAULT_CHUNK_POLICY: ChunkPolicy = {
  samplesPerChunk: 120,
  chunkRangeMs: 2 * 60 * 60 * 1000,
}

export class Head implements Querier {
  /** Samples older than this are refused as `too_old` (the retention boundary). */
  minValidTimeMs = -Infinity
  /** Newest sample time stored, the reference point for time-based retention. */
  maxTimeMs = -Infinity

  readonly #policy: ChunkPolicy
  readonly #index = new SeriesIndex()
  readonly #series: (MemSeries | undefined)[] = []
  #nextRef = 1
  #closedBytes = 0
  #labelBytes = 0

  constructor(policy: Partial<ChunkPolicy> = {}) {
    this.#policy = { ...DEFAULT_CHUNK_POLICY, ...policy }
    if (this.#policy.samplesPerChunk < 1 || this.#policy.chunkRangeMs <= 0) {
      throw new RangeError('samplesPerChunk must be ≥ 1 and chunkRangeMs > 0')
    }
  }

  get seriesCount(): number {
    return this.#index.size
  }

  /** Bytes of compressed data in complete chunks. */
  get closedChunkBytes(): number {
    return this.#closedBytes
  }

  /** The ref the next new series gets. */
  get nextRef(): number {
    return this.#nextRef
  }

  series(ref: number): MemSeries | undefined {
    return this.#series[ref]
  }

  /** The series for a label set, created when new. `created` tells which. */
  getOrCreate(labels: Labels): { series: MemSeries; created: boolean } {
    const key = labelsKey(labels)
    const ref = this.#index.refOf(key)
    if (ref !== undefined) return { series: this.#series[ref]!, created: false }

    return { series: this.#add(this.#nextRef, key, canonicalLabels(labels)), created: true }
  }

  /** Recreates a series under a known ref, as recorded in the write-ahead log or a file. */
  restore(ref: number, labels: Labels): MemSeries {
    const key = labelsKey(labels)
    const existing = this.#index.refOf(key)
    if (existing !== undefined) return this.#series[existing]!

    return this.#add(ref, key, canonicalLabels(labels))
  }

  /** Appends one sample to the series `ref`; see {@link AppendStatus} for refusals. */
  append(ref: number, timestampMs: number, value: number, stale: boolean): AppendStatus {
    const series = this.#series[ref]
    if (series === undefined) return 'unknown_series'

    if (timestampMs <= series.lastTimestampMs) {
      return timestampMs === series.lastTimestampMs ? 'duplicate_timestamp' : 'out_of_order'
    }
    if (timestampMs < this.minValidTimeMs) return 'too_old'

    this.#closedBytes += series.append(timestampMs, value, stale, this.#policy)
    if (timestampMs > this.maxTimeMs) this.maxTimeMs = timestampMs
    return 'ok'
  }

  /**
   * Adds a chunk read from a chunk file. A chunk newer than everything the series holds is
   * taken as it is; one overlapping what is already there contributes only its newer samples.
   */
  loadChunk(series: MemSeries, chunk: ChunkRecord): void {
    if (chunk.minTimeMs <= series.lastTimestampMs) {
      const iterator = new ChunkIterator(chunk.bytes, chunk.count)
      while (iterator.next()) {
        if (iterator.timestampMs <= series.lastTimestampMs) continue
        this.append(series.ref, iterator.timestampMs, iterator.value, iterator.stale)
      }
      return
    }

    this.#closedBytes += series.cutHead()
    if (chunk.open) {
      series.head = resumeChunk(chunk.bytes, chunk.count)
      series.headPersistedCount = chunk.count
    } else {
      series.closed.push(chunk.bytes, chunk.minTimeMs, chunk.maxTimeMs, chunk.count, true)
      this.#closedBytes += chunk.bytes.length
    }
    series.lastTimestampMs = chunk.maxTimeMs
    if (chunk.maxTimeMs > this.maxTimeMs) this.maxTimeMs = chunk.maxTimeMs
  }

  /**
   * The matching series' samples in [startMs, endMs]. All series share two typed arrays sized
   * from an estimate for the query (plus a staleness array if a marker is met), each series
   * getting views of them: a few allocations per query instead of growing arrays per series.
   */
  select(matchers: readonly LabelMatcher[], startMs: number, endMs: number): SeriesData[] {
    const matching = this.#matching(matchers, startMs, endMs)
    let capacity = 0
    for (const series of matching) capacity += series.estimateInRange(startMs, endMs)

    const sink: SampleSink = {
      timestampsMs: new Float64Array(capacity),
      values: new Float64Array(capacity),
      stale: undefined,
      length: 0,
    }
    const result: SeriesData[] = []
    for (const series of matching) {
      const start = sink.length
      series.collect(startMs, endMs, sink)
      const end = sink.length
      if (end === start) continue

      const stale = sink.stale?.subarray(start, end)
      result.push({
        labels: series.labels,
        timestampsMs: sink.timestampsMs.subarray(start, end),
        values: sink.values.subarray(start, end),
        stale: stale !== undefined && stale.includes(1) ? stale : undefined,
      })
    }

    return result
  }

  /** Label sets of the series matching `matchers` with chunks overlapping the range. */
  seriesLabels(matchers: readonly LabelMatcher[], startMs = -Infinity, endMs = Infinity): Labels[] {
    return this.#matching(matchers, startMs, endMs).map((series) => series.labels)
  }

  /** Sorted label names, of all series or of those matching `matchers` in the range. */
  labelNames(matchers: readonly LabelMatcher[] = [], startMs = -Infinity, endMs = Infinity) {
    if (matchers.length === 0 && startMs === -Infinity && endMs === Infinity) {
      return this.#index.labelNames()
    }
    return this.#index.labelNames(this.#matching(matchers, startMs, endMs).map((s) => s.ref))
  }

  /** Sorted values of a label, among all series or those matching `matchers` in the range. */
  labelValues(
    name: string,
    matchers: readonly LabelMatcher[] = [],
    startMs = -Infinity,
    endMs = Infinity,
  ): string[] {
    if (matchers.length === 0 && startMs === -Infinity && endMs === Infinity) {
      return this.#index.labelValues(name)
    }
    const refs = this.#matching(matchers, startMs, endMs).map((s) => s.ref)
    return this.#index.labelValues(name, refs)
  }

  forEachSeries(visit: (series: MemSeries) => void): void {
    for (const series of this.#series) if (series !== undefined) visit(series)
  }

  /**
   * Drops complete chunks whose newest sample is older than `cutoffMs`, and series left with
   * no samples at all whose newest sample is older too. Returns what was removed.
   */
  truncateBefore(cutoffMs: number, shrink = false): { removedSeries: number; freedBytes: number } {
    let removedSeries = 0
    let freedBytes = 0
    for (const series of this.#series) {
      if (series === undefined) continue

      if (series.head !== undefined && series.head.lastTimestampMs < cutoffMs) {
        this.#closedBytes += series.cutHead()
      }
      const freed = series.closed.dropBefore(cutoffMs, shrink)
      this.#closedBytes -= freed
      freedBytes += freed

      if (series.isEmpty) {
        this.#remove(series)
        removedSeries++
      }
    }

    return { removedSeries, freedBytes }
  }

  /**
   * Frees at least `bytesToFree` bytes of complete chunks, oldest first across all series
   * (chunks ending at the same time go together). Returns the time cutoff it applied.
   */
  dropOldestChunks(bytesToFree: number): number {
    const ends: number[] = []
    const sizes: number[] = []
    for (const series of this.#series) {
      if (series === undefined) continue
      for (let i = 0; i < series.closed.count; i++) {
        const chunk = series.closed.at(i)
        ends.push(chunk.maxTimeMs)
        sizes.push(chunk.bytes.length)
      }
    }

    const order = ends.map((_, i) => i).sort((a, b) => ends[a]! - ends[b]!)
    let freed = 0
    let cutoffMs = -Infinity
    for (const i of order) {
      if (freed >= bytesToFree) break
      freed += sizes[i]!
      cutoffMs = ends[i]! + 1
    }

    if (cutoffMs !== -Infinity) this.truncateBefore(cutoffMs, true)
    return cutoffMs
  }

  /** A constant-time, rougher version of {@link memoryEstimateBytes}. */
  approximateBytes(): number {
    const perSeries = SERIES_OVERHEAD_BYTES + OPEN_CHUNK_ESTIMATE_BYTES
    return this.#closedBytes * CLOSED_SLACK + this.#labelBytes + this.#index.size * perSeries
  }

  /** An estimate of the memory the head holds: chunk buffers, labels and bookkeeping. */
  memoryEstimateBytes(): number {
    let bytes = this.#labelBytes + this.#index.size * SERIES_OVERHEAD_BYTES
    for (const series of this.#series) {
      if (series === undefined) continue
      bytes += series.closed.capacityBytes + (series.head?.capacityBytes ?? 0)
    }
    return bytes
  }

  #matching(matchers: readonly LabelMatcher[], startMs: number, endMs: number): MemSeries[] {
    const refs = this.#index.select(matchers.map(compileMatcher))
    const result: MemSeries[] = []
    for (const ref of refs) {
      const series = this.#series[ref]
      if (series !== undefined && series.overlaps(startMs, endMs)) result.push(series)
    }
    return result
  }

  #add(ref: number, key: string, labels: Labels): MemSeries {
    const series = new MemSeries(ref, key, labels)
    this.#series[ref] = series
    this.#index.add(ref, key, labels)
    if (ref >= this.#nextRef) this.#nextRef = ref + 1
    // UTF-16 strings: the key and the label object hold each string about once each.
    this.#labelBytes += key.length * 4
    return series
  }

  #remove(series: MemSeries): void {
    this.#series[series.ref] = undefined
    this.#index.remove(series.ref, series.key)
    this.#labelBytes -= series.key.length * 4
  }
}

/**
 * One series in memory: its labels, its complete chunks and the open chunk being appended to.
 */

import type { Labels } from '../model/series.js'
import { ClosedChunks } from './closed-chunks.js'
import { decodeChunkRange } from './chunk-range-decoder.js'
import type { SampleSink } from './chunk-range-decoder.js'
import { ChunkEncoder } from './xor-chunk.js'

/** When a chunk is complete: by sample count, or by the time it spans, whichever comes first. */
export interface ChunkPolicy {
  readonly samplesPerChunk: number
  readonly chunkRangeMs: number
}

export class MemSeries {
  readonly ref: number
  readonly key: string
  readonly labels: Labels
  readonly closed = new ClosedChunks()
  head: ChunkEncoder | undefined
  lastTimestampMs = -Infinity
  /** Samples of the open chunk already in a chunk file (the file holds that prefix). */
  headPersistedCount = 0

  #lastChunkBytes = 16

  constructor(ref: number, key: string, labels: Labels) {
    this.ref = ref
    this.key = key
    this.labels = labels
  }

  get minTimeMs(): number {
    if (this.closed.count > 0) return this.closed.minTimeMs
    return this.head === undefined ? Infinity : this.head.firstTimestampMs
  }

  get isEmpty(): boolean {
    return this.closed.count === 0 && this.head === undefined
  }

  /**
   * Appends a sample newer than every sample held (the caller checks). Returns the bytes of
   * the chunk this append completed, if it completed one, else 0.
   */
  append(timestampMs: number, value: number, stale: boolean, policy: ChunkPolicy): number {
    let closedBytes = 0
    let head = this.head
    if (
      head !== undefined &&
      (head.count >= policy.samplesPerChunk ||
        timestampMs - head.firstTimestampMs >= policy.chunkRangeMs)
    ) {
      closedBytes = this.cutHead()
      head = undefined
    }

    if (head === undefined) {
      // The previous chunk's size is a good guess for the next one and saves regrowing.
      head = new ChunkEncoder(this.#lastChunkBytes + 16)
      this.head = head
    }

    head.append(timestampMs, value, stale)
    this.lastTimestampMs = timestampMs
    return closedBytes
  }

  /** Moves the open chunk to the closed list; returns its bytes. */
  cutHead(): number {
    const head = this.head
    if (head === undefined) return 0

    const bytes = head.finish()
    this.#lastChunkBytes = bytes.length
    const persisted = this.headPersistedCount === head.count
    this.closed.push(bytes, head.firstTimestampMs, head.lastTimestampMs, head.count, persisted)
    this.head = undefined
    this.headPersistedCount = 0
    return bytes.length
  }

  /** About how many samples lie in [startMs, endMs], assuming evenly spaced samples. */
  estimateInRange(startMs: number, endMs: number): number {
    const closed = this.closed
    let estimate = 0
    for (let i = closed.firstEndingAtOrAfter(startMs); i < closed.count; i++) {
      const minTimeMs = closed.minTimeAt(i)
      if (minTimeMs > endMs) return estimate
      estimate += estimateChunk(minTimeMs, closed.maxTimeAt(i), closed.countAt(i), startMs, endMs)
    }

    const head = this.head
    if (head !== undefined && head.lastTimestampMs >= startMs && head.firstTimestampMs <= endMs) {
      const { firstTimestampMs, lastTimestampMs, count } = head
      estimate += estimateChunk(firstTimestampMs, lastTimestampMs, count, startMs, endMs)
    }
    return estimate
  }

  /** Appends the samples in [startMs, endMs] to the sink, oldest first. */
  collect(startMs: number, endMs: number, sink: SampleSink): void {
    const closed = this.closed
    for (let i = closed.firstEndingAtOrAfter(startMs); i < closed.count; i++) {
      if (closed.minTimeAt(i) > endMs) return
      const offset = closed.byteOffsetAt(i)
      decodeChunkRange(closed.buffer, offset, closed.countAt(i), startMs, endMs, sink)
    }

    const head = this.head
    if (head !== undefined && head.lastTimestampMs >= startMs && head.firstTimestampMs <= endMs) {
      decodeChunkRange(head.bytes, 0, head.count, startMs, endMs, sink)
    }
  }

  /** Whether any sample lies in [startMs, endMs], judged by chunk bounds. */
  overlaps(startMs: number, endMs: number): boolean {
    if (this.isEmpty) return false

    const maxTimeMs = this.head !== undefined ? this.head.lastTimestampMs : this.closed.maxTimeMs
    return this.minTimeMs <= endMs && maxTimeMs >= startMs
  }
}

/** The share of a chunk's samples inside the range, by time, plus one for rounding. */
function estimateChunk(
  minTimeMs: number,
  maxTimeMs: number,
  count: number,
  startMs: number,
  endMs: number,
): number {
  const span = maxTimeMs - minTimeMs
  if (span <= 0) return count

  const overlap = Math.min(endMs, maxTimeMs) - Math.max(startMs, minTimeMs)
  return Math.min(count, Math.ceil((overlap / span) * count) + 1)
}

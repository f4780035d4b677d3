/**
 * The ingest path: resolve a label set to a series ref once, then append samples by ref.
 */

import type { Labels } from '../model/series.js'
import type { AppendStatus, Head } from './head.js'
import type { WriteAheadLog } from './write-ahead-log.js'

/** How many samples ended with each status. */
export type AppendCounts = Record<AppendStatus, number>

export function emptyAppendCounts(): AppendCounts {
  return { ok: 0, out_of_order: 0, duplicate_timestamp: 0, too_old: 0, unknown_series: 0 }
}

/** What an appender needs from its store; the store passes itself. */
export interface AppenderTarget {
  readonly head: Head
  readonly wal: WriteAheadLog | undefined
  /** Called by `commit` with the counts since the previous commit. */
  afterCommit(counts: AppendCounts): void
}

/**
 * Appends samples to the store. Samples are visible to queries at once and reach the
 * write-ahead log in the next flush; `commit` ends a batch (a scrape) and reports it.
 *
 * @example
 * const appender = db.appender()
 * const ref = appender.seriesRef({ __name__: 'up', job: 'api' }) // once per series
 * appender.append(ref, Date.now(), 1) // every scrape
 * const counts = appender.commit()
 */
export class Appender {
  readonly #target: AppenderTarget
  #counts = emptyAppendCounts()

  constructor(target: AppenderTarget) {
    this.#target = target
  }

  /** The ref of the series with these labels, created (and logged) when new. Refs are stable. */
  seriesRef(labels: Labels): number {
    const { series, created } = this.#target.head.getOrCreate(labels)
    if (created) this.#target.wal?.logSeries(series.ref, series.labels)
    return series.ref
  }

  /**
   * Appends a sample to series `ref`. Returns `ok`, or why it was refused: out of order,
   * a second sample at the same timestamp, older than retention, or an unknown ref (its
   * series was removed by retention: resolve the labels again).
   */
  append(ref: number, timestampMs: number, value: number): AppendStatus {
    return this.#append(ref, timestampMs, value, false)
  }

  /** Appends a staleness marker: the series ended at `timestampMs`. */
  appendStale(ref: number, timestampMs: number): AppendStatus {
    return this.#append(ref, timestampMs, NaN, true)
  }

  /** Ends a batch: returns the counts since the previous commit and lets the store react. */
  commit(): AppendCounts {
    const counts = this.#counts
    this.#counts = emptyAppendCounts()
    this.#target.afterCommit(counts)
    return counts
  }

  #append(ref: number, timestampMs: number, value: number, stale: boolean): AppendStatus {
    const status = this.#target.head.append(ref, timestampMs, value, stale)
    if (status === 'ok') {
      this.#counts.ok++
      this.#target.wal?.logSample(ref, timestampMs, value, stale)
    } else {
      this.#counts[status]++
    }
    return status
  }
}

/**
 * A Querier over series held in plain arrays, for tests, the promqltest runner and small
 * embedded uses. Not tuned for large data: selection scans every series.
 */
import type { LabelMatcher, Labels, Querier, SeriesData } from '../model/series.js'
import { labelsKey } from './labels.js'
import { compileMatchers } from './matchers.js'

interface StoredSeries {
  readonly labels: Labels
  readonly timestampsMs: number[]
  readonly values: number[]
  readonly stale: number[]
  hasStale: boolean
}

/**
 * @example
 * const querier = new MemoryQuerier()
 * querier.add({ __name__: 'up', job: 'api' }, 0, 1)
 * const result = evaluateInstant('up', 0, { querier })
 */
export class MemoryQuerier implements Querier {
  readonly #series = new Map<string, StoredSeries>()

  /** Appends a sample; out-of-order samples are inserted in place, duplicates overwrite. */
  add(labels: Labels, timestampMs: number, value: number, stale = false): void {
    const key = labelsKey(labels)
    let series = this.#series.get(key)
    if (series === undefined) {
      series = { labels: { ...labels }, timestampsMs: [], values: [], stale: [], hasStale: false }
      this.#series.set(key, series)
    }
    if (stale) series.hasStale = true

    const index = lowerBound(series.timestampsMs, timestampMs)
    if (series.timestampsMs[index] === timestampMs) {
      series.values[index] = value
      series.stale[index] = stale ? 1 : 0
      return
    }
    series.timestampsMs.splice(index, 0, timestampMs)
    series.values.splice(index, 0, value)
    series.stale.splice(index, 0, stale ? 1 : 0)
  }

  /** Appends a staleness marker. */
  addStale(labels: Labels, timestampMs: number): void {
    this.add(labels, timestampMs, NaN, true)
  }

  /** Removes every series. */
  clear(): void {
    this.#series.clear()
  }

  select(matchers: readonly LabelMatcher[], startMs: number, endMs: number): SeriesData[] {
    const matches = compileMatchers(matchers)
    const out: SeriesData[] = []
    for (const series of this.#series.values()) {
      if (!matches(series.labels)) continue

      const from = lowerBound(series.timestampsMs, startMs)
      const to = lowerBound(series.timestampsMs, endMs + 1)
      if (from >= to) continue
      out.push({
        labels: series.labels,
        timestampsMs: series.timestampsMs.slice(from, to),
        values: series.values.slice(from, to),
        stale: series.hasStale ? series.stale.slice(from, to) : undefined,
      })
    }
    return out
  }
}

/** The first index whose value is >= target. */
function lowerBound(sorted: readonly number[], target: number): number {
  let low = 0
  let high = sorted.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if ((sorted[middle] ?? 0) < target) low = middle + 1
    else high = middle
  }
  return low
}

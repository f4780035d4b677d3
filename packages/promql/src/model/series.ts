/**
 * The data model shared by the PromQL engine and the stores it reads from.
 *
 * A series is identified by its label set (the metric name is the `__name__` label). Samples
 * are float values at millisecond timestamps, sorted by time.
 */

export type Labels = Readonly<Record<string, string>>

export const METRIC_NAME = '__name__'

export type MatchType = '=' | '!=' | '=~' | '!~'

export interface LabelMatcher {
  readonly name: string
  readonly type: MatchType
  readonly value: string
}

/**
 * One series with its samples inside a requested time range, oldest first.
 *
 * Staleness markers are flagged in `stale` rather than encoded as a NaN payload: V8 does not
 * keep NaN payloads when a number passes through ordinary arrays, so the bit pattern
 * Prometheus uses would be lost on the way to the engine.
 */
export interface SeriesData {
  readonly labels: Labels
  readonly timestampsMs: ArrayLike<number>
  readonly values: ArrayLike<number>
  /** 1 where the sample is a staleness marker; absent when the range has none. */
  readonly stale?: ArrayLike<number> | undefined
}

/** What the engine reads from: the embedded store, a test fixture, or a remote backend. */
export interface Querier {
  /**
   * Series matching every matcher that have at least one sample in [startMs, endMs], each
   * with only the samples in that range. The order of series is not significant.
   */
  select(matchers: readonly LabelMatcher[], startMs: number, endMs: number): Iterable<SeriesData>
}

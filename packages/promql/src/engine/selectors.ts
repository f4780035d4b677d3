/**
 * Vector and range selectors: the one place that reads from the Querier. Each selector is
 * read once per evaluation, covering every step, and then walked with a cursor per series.
 */
import type { SeriesData } from '../model/series.js'
import type { AtModifier, MatrixSelector, VectorSelector } from '../parser/ast.js'
import type { EvalContext } from './context.js'
import type { MatrixValue, RangeSeries, StepSeries, Timeline, VectorValue } from './values.js'
import { StepSeriesBlock, stepTime } from './values.js'

/** The time each step reads at after `@` and offset: `(at ?? t) - offset`. */
export function selectorTimes(
  timeline: Timeline,
  context: EvalContext,
  at: AtModifier | undefined,
  offsetMs: number,
): Float64Array {
  const times = new Float64Array(timeline.count)
  const fixed = atTimestamp(context, at)
  for (let index = 0; index < timeline.count; index++) {
    times[index] = (fixed ?? stepTime(timeline, index)) - offsetMs
  }
  return times
}

/** The timestamp an `@` modifier pins evaluation to, if any. */
export function atTimestamp(context: EvalContext, at: AtModifier | undefined): number | undefined {
  if (at === undefined) return undefined
  if (at.kind === 'start') return context.queryStartMs
  if (at.kind === 'end') return context.queryEndMs
  return at.timestampMs
}

/**
 * An instant vector selector: at each step the newest sample within the lookback delta,
 * unless that sample is a staleness marker. With `sampleTimes`, values are the samples'
 * timestamps in seconds (for `timestamp()`).
 */
export function evalVectorSelector(
  selector: VectorSelector,
  timeline: Timeline,
  context: EvalContext,
  sampleTimes = false,
): VectorValue {
  const times = selectorTimes(timeline, context, selector.at, selector.offsetMs)
  const { minMs, maxMs } = bounds(times)
  const lookback = context.lookbackDeltaMs
  const smoothed = selector.edges === 'smoothed'
  const found = context.querier.select(
    selector.matchers,
    minMs - lookback + 1,
    maxMs + (smoothed ? lookback : 0),
  )

  const series: StepSeries[] = []
  const ordered = isNonDecreasing(times)
  const all = Array.isArray(found) ? (found as SeriesData[]) : [...found]
  context.reservePoints(all.length * timeline.count)
  const block = new StepSeriesBlock(all.length, timeline.count)
  for (const data of all) {
    context.tick(timeline.count + data.values.length)
    context.addSamples(data.values.length)
    const out = block.next(data.labels, false)
    const { timestampsMs, values, stale } = data
    let cursor = 0
    let any = false
    for (let step = 0; step < timeline.count; step++) {
      const time = times[step] ?? 0
      if (!ordered) cursor = 0
      while (cursor < timestampsMs.length && (timestampsMs[cursor] ?? 0) <= time) cursor++
      const last = cursor - 1
      if (last < 0) continue
      const sampleTime = timestampsMs[last] ?? 0
      if (sampleTime <= time - lookback) continue
      if (stale !== undefined && stale[last] === 1) continue
      const next = cursor < timestampsMs.length ? (timestampsMs[cursor] ?? 0) : Infinity
      const interpolate = smoothed && next < time + lookback && stale?.[cursor] !== 1
      out.values[step] = sampleTimes
        ? sampleTime / 1000
        : interpolate
          ? interpolateAt(time, sampleTime, values[last] ?? 0, next, values[cursor] ?? 0)
          : (values[last] ?? 0)
      out.present[step] = 1
      any = true
    }
    if (any) series.push(out)
    else block.release()
  }
  return { kind: 'vector', series }
}

/** A range selector: raw samples with staleness markers removed, and each step's window. */
export function evalMatrixSelector(
  node: MatrixSelector,
  timeline: Timeline,
  context: EvalContext,
): MatrixValue {
  const { selector, rangeMs } = node
  const windowEndsMs = selectorTimes(timeline, context, selector.at, selector.offsetMs)
  const { minMs, maxMs } = bounds(windowEndsMs)
  // Edge modifiers also read the samples just before (and, smoothed, after) each window.
  const before = selector.edges === undefined ? 0 : context.lookbackDeltaMs
  const after = selector.edges === 'smoothed' ? context.lookbackDeltaMs : 0
  const found = context.querier.select(
    selector.matchers,
    minMs - rangeMs - before + 1,
    maxMs + after,
  )

  const series: RangeSeries[] = []
  for (const data of found) {
    context.tick(data.values.length)
    context.addSamples(data.values.length)
    const { timestampsMs, values } = withoutStaleMarkers(data)
    series.push({ labels: data.labels, timestampsMs, values, dropName: false })
  }
  const edges = selector.edges
  return edges === undefined
    ? { kind: 'matrix', series, windowEndsMs, rangeMs }
    : { kind: 'matrix', series, windowEndsMs, rangeMs, edges }
}

/** The samples of a series as typed arrays, staleness markers left out. */
function withoutStaleMarkers(data: SeriesData): {
  timestampsMs: Float64Array
  values: Float64Array
} {
  const { stale } = data
  const hasStale = stale !== undefined && Array.prototype.includes.call(stale, 1)
  if (!hasStale) {
    return { timestampsMs: toFloat64(data.timestampsMs), values: toFloat64(data.values) }
  }

  const length = data.values.length
  const timestampsMs = new Float64Array(length)
  const values = new Float64Array(length)
  let kept = 0
  for (let index = 0; index < length; index++) {
    if (stale[index] === 1) continue
    timestampsMs[kept] = data.timestampsMs[index] ?? 0
    values[kept] = data.values[index] ?? 0
    kept++
  }
  return { timestampsMs: timestampsMs.subarray(0, kept), values: values.subarray(0, kept) }
}

/** Uses a Float64Array as it is (the engine never writes to it); copies anything else. */
function toFloat64(source: ArrayLike<number>): Float64Array {
  return source instanceof Float64Array ? source : Float64Array.from(source)
}

/** The straight line through (t0, v0) and (t1, v1), read at `time`. */
function interpolateAt(time: number, t0: number, v0: number, t1: number, v1: number): number {
  return v0 + ((v1 - v0) * (time - t0)) / (t1 - t0)
}

function bounds(times: Float64Array): { minMs: number; maxMs: number } {
  let minMs = Infinity
  let maxMs = -Infinity
  for (const time of times) {
    if (time < minMs) minMs = time
    if (time > maxMs) maxMs = time
  }
  return { minMs, maxMs }
}

function isNonDecreasing(times: Float64Array): boolean {
  for (let index = 1; index < times.length; index++) {
    if ((times[index] ?? 0) < (times[index - 1] ?? 0)) return false
  }
  return true
}

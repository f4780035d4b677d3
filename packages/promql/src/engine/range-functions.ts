/**
 * Functions of a range vector (`rate`, `*_over_time`, ...). Each is a reduction of the
 * samples inside one step's window; the driver slides two cursors per series across steps.
 */
import type { EvalContext } from './context.js'
import type { MatrixValue, StepSeries, Timeline, VectorValue } from './values.js'
import { StepSeriesBlock } from './values.js'
import { KahanSum, linearRegression, mean, quantile, variance } from './stats.js'

/**
 * One window: samples `[from, to)` of a series, read at `endMs` over `rangeMs`. The driver
 * reuses one object for every step, so a function must not keep it.
 */
export interface Window {
  timestampsMs: Float64Array
  values: Float64Array
  from: number
  to: number
  endMs: number
  /** The step's own evaluation time (before offset and `@`), which predict_linear uses. */
  stepMs: number
  rangeMs: number
}

/** Reduces a window to a value, or undefined for no output at that step. */
export type WindowFunction = (window: Window, step: number) => number | undefined

/**
 * Applies `reduce` to every step's window of every series. `keepName` is false for the
 * functions whose result is no longer the measured quantity.
 */
export function applyWindows(
  matrix: MatrixValue,
  timeline: Timeline,
  reduce: WindowFunction,
  keepName: boolean,
  context: EvalContext,
  allowEmpty = false,
): VectorValue {
  const count = timeline.count
  const out: StepSeries[] = []
  const ends = matrix.windowEndsMs
  const { rangeMs } = matrix
  const window: Window = {
    timestampsMs: new Float64Array(0),
    values: new Float64Array(0),
    from: 0,
    to: 0,
    endMs: 0,
    stepMs: 0,
    rangeMs,
  }
  const block = new StepSeriesBlock(matrix.series.length, count)
  for (const series of matrix.series) {
    const { timestampsMs, values } = series
    const length = timestampsMs.length
    window.timestampsMs = timestampsMs
    window.values = values
    const result = block.next(series.labels, series.dropName || !keepName)
    let from = 0
    let to = 0
    let any = false
    let work = 0
    for (let step = 0; step < count; step++) {
      const endMs = ends[step] ?? 0
      const startMs = endMs - rangeMs
      if (step > 0 && endMs < (ends[step - 1] ?? 0)) {
        from = 0
        to = 0
      }
      while (from < length && (timestampsMs[from] ?? 0) <= startMs) from++
      if (to < from) to = from
      while (to < length && (timestampsMs[to] ?? 0) <= endMs) to++
      // Counted locally and handed over in slices: a call per step would show in the profile.
      work += to - from + 1
      if (work >= 4096) {
        context.tick(work)
        work = 0
      }
      if (to <= from && !allowEmpty) continue

      window.from = from
      window.to = to
      window.endMs = endMs
      window.stepMs = timeline.startMs + step * timeline.stepMs
      const value = reduce(window, step)
      if (value === undefined) continue
      result.values[step] = value
      result.present[step] = 1
      any = true
    }
    context.tick(work)
    if (any) out.push(result)
    else block.release()
  }
  return { kind: 'vector', series: out }
}

/** Prometheus's extrapolated delta behind `rate`, `increase` and `delta`. */
export function extrapolatedRate(isCounter: boolean, isRate: boolean): WindowFunction {
  // resetsBefore[i] counts counter resets among samples 1..i of the current series, so a
  // window without resets (the common case) skips the scan for them.
  let seriesValues: Float64Array | undefined
  let resetsBefore = new Uint32Array(64)

  return ({ timestampsMs, values, from, to, endMs, rangeMs }) => {
    const count = to - from
    if (count < 2) return undefined

    const first = values[from] ?? 0
    const last = values[to - 1] ?? 0
    let result = last - first
    if (isCounter) {
      if (seriesValues !== values) {
        seriesValues = values
        if (resetsBefore.length < values.length) resetsBefore = new Uint32Array(values.length * 2)
        countResets(values, resetsBefore)
      }
      if ((resetsBefore[to - 1] ?? 0) !== (resetsBefore[from] ?? 0)) {
        for (let index = from + 1; index < to; index++) {
          const previous = values[index - 1] ?? 0
          if ((values[index] ?? 0) < previous) result += previous
        }
      }
    }

    const firstMs = timestampsMs[from] ?? 0
    const lastMs = timestampsMs[to - 1] ?? 0
    let toStart = (firstMs - (endMs - rangeMs)) / 1000
    let toEnd = (endMs - lastMs) / 1000
    const sampled = (lastMs - firstMs) / 1000
    const average = sampled / (count - 1)
    const threshold = average * 1.1

    if (toStart >= threshold) toStart = average / 2
    if (isCounter && result > 0 && first >= 0) {
      const toZero = sampled * (first / result)
      if (toZero < toStart) toStart = toZero
    }
    if (toEnd >= threshold) toEnd = average / 2

    let factor = (sampled + toStart + toEnd) / sampled
    if (isRate) factor /= rangeMs / 1000
    return result * factor
  }
}

function countResets(values: Float64Array, counts: Uint32Array): void {
  counts[0] = 0
  for (let index = 1; index < values.length; index++) {
    const reset = (values[index] ?? 0) < (values[index - 1] ?? 0) ? 1 : 0
    counts[index] = (counts[index - 1] ?? 0) + reset
  }
}

/** `irate` and `idelta`: from the last two samples only. */
export function instantRate(isRate: boolean): WindowFunction {
  return ({ timestampsMs, values, from, to }) => {
    if (to - from < 2) return undefined
    const last = values[to - 1] ?? 0
    const previous = values[to - 2] ?? 0
    const result = isRate && last < previous ? last : last - previous
    if (!isRate) return result

    const intervalMs = (timestampsMs[to - 1] ?? 0) - (timestampsMs[to - 2] ?? 0)
    if (intervalMs === 0) return undefined
    return result / (intervalMs / 1000)
  }
}

/** `deriv`: the least-squares slope per second. */
export const deriv: WindowFunction = ({ timestampsMs, values, from, to }) => {
  if (to - from < 2) return undefined
  return linearRegression(timestampsMs, values, from, to, timestampsMs[from] ?? 0).slope
}

/** `predict_linear(v, seconds)`: the regression line extended past the window's end. */
export function predictLinear(seconds: Float64Array): WindowFunction {
  return ({ timestampsMs, values, from, to, stepMs }, step) => {
    if (to - from < 2) return undefined
    const { slope, intercept } = linearRegression(timestampsMs, values, from, to, stepMs)
    return intercept + slope * (seconds[step] ?? 0)
  }
}

/** `resets`: how often the value decreased. */
export const resets: WindowFunction = ({ values, from, to }) => {
  let count = 0
  for (let index = from + 1; index < to; index++) {
    if ((values[index] ?? 0) < (values[index - 1] ?? 0)) count++
  }
  return count
}

/** `changes`: how often the value changed (NaN to NaN is no change). */
export const changes: WindowFunction = ({ values, from, to }) => {
  let count = 0
  for (let index = from + 1; index < to; index++) {
    const current = values[index] ?? 0
    const previous = values[index - 1] ?? 0
    if (current !== previous && !(Number.isNaN(current) && Number.isNaN(previous))) count++
  }
  return count
}

/** `sum_over_time`, compensated. */
export const sumOverTime: WindowFunction = ({ values, from, to }) => {
  const sum = new KahanSum()
  for (let index = from; index < to; index++) sum.add(values[index] ?? 0)
  return sum.value
}

/** `avg_over_time`, robust against overflow. */
export const avgOverTime: WindowFunction = ({ values, from, to }) => mean(values, from, to)

/** `count_over_time`. */
export const countOverTime: WindowFunction = ({ from, to }) => to - from

/** `present_over_time`: 1 where the window has a sample. */
export const presentOverTime: WindowFunction = () => 1

/** `last_over_time`: the newest sample (it keeps the metric name). */
export const lastOverTime: WindowFunction = ({ values, to }) => values[to - 1]

/** `first_over_time`: the oldest sample in the window. */
export const firstOverTime: WindowFunction = ({ values, from }) => values[from]

/** `min_over_time` and `max_over_time`; NaN only when every sample is NaN. */
export function extremeOverTime(max: boolean): WindowFunction {
  return ({ values, from, to }) => {
    let result = values[from] ?? NaN
    for (let index = from + 1; index < to; index++) {
      const value = values[index] ?? NaN
      if (Number.isNaN(result) || (max ? value > result : value < result)) result = value
    }
    return result
  }
}

/** Timestamp in seconds of the sample a reduction picks (`ts_of_max_over_time`, ...). */
export function timestampOf(pick: 'max' | 'min' | 'first' | 'last'): WindowFunction {
  return ({ timestampsMs, values, from, to }) => {
    if (pick === 'first') return (timestampsMs[from] ?? 0) / 1000
    if (pick === 'last') return (timestampsMs[to - 1] ?? 0) / 1000
    let chosen = from
    for (let index = from + 1; index < to; index++) {
      const value = values[index] ?? NaN
      const best = values[chosen] ?? NaN
      if (Number.isNaN(best) || (pick === 'max' ? value >= best : value <= best)) chosen = index
    }
    return (timestampsMs[chosen] ?? 0) / 1000
  }
}

/** `stddev_over_time` and `stdvar_over_time` (population). */
export function deviationOverTime(squared: boolean): WindowFunction {
  return ({ values, from, to }) => {
    const result = variance(values, from, to)
    return squared ? result : Math.sqrt(result)
  }
}

/** `quantile_over_time(φ, v)`. */
export function quantileOverTime(levels: Float64Array): WindowFunction {
  return ({ values, from, to }, step) =>
    quantile(levels[step] ?? NaN, Array.from(values.subarray(from, to)))
}

/** `mad_over_time`: the median absolute deviation from the median. */
export const madOverTime: WindowFunction = ({ values, from, to }) => {
  const window = Array.from(values.subarray(from, to))
  if (window.some(Number.isNaN)) return NaN
  const median = quantile(0.5, window)
  return quantile(
    0.5,
    window.map((value) => Math.abs(value - median)),
  )
}

/** Holt's linear smoothing; factors must lie strictly between 0 and 1. */
export function doubleExponentialSmoothing(
  smoothing: Float64Array,
  trend: Float64Array,
): WindowFunction {
  return ({ values, from, to }, step) => {
    if (to - from < 2) return undefined
    const sf = smoothing[step] ?? NaN
    const tf = trend[step] ?? NaN
    let previous = 0
    let current = values[from] ?? 0
    let slope = (values[from + 1] ?? 0) - current
    for (let index = from + 1; index < to; index++) {
      const level = sf * (values[index] ?? 0)
      if (index > from + 1) slope = tf * (current - previous) + (1 - tf) * slope
      const forecast = (1 - sf) * (current + slope)
      previous = current
      current = level + forecast
    }
    return current
  }
}

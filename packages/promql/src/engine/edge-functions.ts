/**
 * `anchored` and `smoothed` range windows (Prometheus's extended range selectors).
 *
 * Anchored: the window also takes the last sample before it, so increase() and friends see
 * the whole change since the window began, without extrapolation. Smoothed: the values at
 * the window's edges are interpolated between the samples around each edge, counters
 * corrected for resets first.
 */
import type { Window, WindowFunction } from './range-functions.js'

export type EdgeFunction = 'increase' | 'rate' | 'delta' | 'changes' | 'resets'

/** The functions each edge kind works with, as Prometheus lists them in its error. */
export const EDGE_FUNCTIONS: Readonly<Record<'anchored' | 'smoothed', readonly string[]>> = {
  anchored: ['changes', 'delta', 'increase', 'rate', 'resets'],
  smoothed: ['delta', 'increase', 'rate'],
}

export function anchoredWindow(name: EdgeFunction, lookbackMs: number): WindowFunction {
  return ({ timestampsMs, values, from, to, endMs, rangeMs }) => {
    if (to <= from) return undefined
    const startMs = endMs - rangeMs
    const anchored = from > 0 && (timestampsMs[from - 1] ?? 0) > startMs - lookbackMs
    const first = anchored ? from - 1 : from

    let changes = 0
    let resets = 0
    let correction = 0
    for (let index = first + 1; index < to; index++) {
      const previous = values[index - 1] ?? 0
      const current = values[index] ?? 0
      if (current !== previous) changes++
      if (current < previous) {
        resets++
        correction += previous
      }
    }
    const difference = (values[to - 1] ?? 0) - (values[first] ?? 0)
    switch (name) {
      case 'changes':
        return changes
      case 'resets':
        return resets
      case 'delta':
        return difference
      case 'increase':
        return difference + correction
      case 'rate':
        return (difference + correction) / (rangeMs / 1000)
    }
  }
}

export function smoothedWindow(name: EdgeFunction, lookbackMs: number): WindowFunction {
  const counter = name !== 'delta'
  let seriesValues: Float64Array | undefined
  let adjusted: Float64Array = new Float64Array(0)

  return (window) => {
    const { values, endMs, rangeMs } = window
    if (seriesValues !== values) {
      seriesValues = values
      adjusted = counter ? resetAdjusted(values) : values
    }
    // Data only before or only after the window gives no result.
    const start = valueAt(window, adjusted, endMs - rangeMs, window.from, lookbackMs, 'after')
    const end = valueAt(window, adjusted, endMs, window.to, lookbackMs, 'before')
    if (start === undefined || end === undefined) return undefined
    const increase = end - start
    return name === 'rate' ? increase / (rangeMs / 1000) : increase
  }
}

/**
 * The value at `timeMs`, interpolated between the last sample at or before it (index
 * `after - 1`) and the first after it (`after`); the nearer one alone at the series' ends.
 */
function valueAt(
  window: Window,
  values: Float64Array,
  timeMs: number,
  after: number,
  lookbackMs: number,
  required: 'before' | 'after',
): number | undefined {
  const { timestampsMs } = window
  const beforeIndex = after - 1
  const hasBefore = beforeIndex >= 0 && (timestampsMs[beforeIndex] ?? 0) > timeMs - lookbackMs
  const hasAfter = after < timestampsMs.length && (timestampsMs[after] ?? 0) < timeMs + lookbackMs
  if (required === 'before' ? !hasBefore : !hasAfter) return undefined
  if (!hasAfter) return values[beforeIndex]
  if (!hasBefore) return values[after]

  const t0 = timestampsMs[beforeIndex] ?? 0
  const t1 = timestampsMs[after] ?? 0
  const v0 = values[beforeIndex] ?? 0
  const v1 = values[after] ?? 0
  return v0 + ((v1 - v0) * (timeMs - t0)) / (t1 - t0)
}

/** Counter values with every earlier reset added back, so they never decrease. */
function resetAdjusted(values: Float64Array): Float64Array {
  const out = new Float64Array(values.length)
  let correction = 0
  for (let index = 0; index < values.length; index++) {
    const current = values[index] ?? 0
    if (index > 0 && current < (values[index - 1] ?? 0)) correction += values[index - 1] ?? 0
    out[index] = current + correction
  }
  return out
}

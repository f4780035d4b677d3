/**
 * Joins step series that ended up with the same label set, as a range evaluation in
 * Prometheus collects every step's samples by series.
 */
import { PromqlExecutionError } from './errors.js'
import { dropMetricName, labelsKey } from './labels.js'
import type { StepSeries } from './values.js'

/**
 * Merges series with equal labels (after any pending name removal). Two values at the same
 * step are an error with `collisionMessage`, or, without one, the first value wins.
 */
export function mergeSeries(
  series: StepSeries[],
  count: number,
  collisionMessage?: string,
): StepSeries[] {
  if (series.length < 2) return series

  const byKey = new Map<string, StepSeries>()
  const out: StepSeries[] = []
  for (const item of series) {
    const key = labelsKey(item.dropName ? dropMetricName(item.labels) : item.labels)
    const existing = byKey.get(key)
    if (existing === undefined) {
      byKey.set(key, item)
      out.push(item)
      continue
    }
    for (let step = 0; step < count; step++) {
      if (item.present[step] !== 1) continue
      if (existing.present[step] === 1) {
        if (collisionMessage !== undefined) {
          throw new PromqlExecutionError('bad_data', collisionMessage)
        }
        continue
      }
      existing.values[step] = item.values[step] ?? 0
      existing.present[step] = 1
    }
  }
  return out
}

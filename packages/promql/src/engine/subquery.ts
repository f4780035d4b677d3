/**
 * Subqueries: the inner expression is evaluated once over every step the outer windows
 * need, at multiples of the subquery step, and its results become a range vector.
 */
import type { Expr, SubqueryExpr } from '../parser/ast.js'
import type { EvalContext } from './context.js'
import { selectorTimes } from './selectors.js'
import type { EvalValue, MatrixValue, RangeSeries, Timeline } from './values.js'
import { stepTime } from './values.js'

export type Evaluate = (expr: Expr, timeline: Timeline, context: EvalContext) => EvalValue

export function evalSubquery(
  node: SubqueryExpr,
  timeline: Timeline,
  context: EvalContext,
  evaluate: Evaluate,
): MatrixValue {
  const windowEndsMs = selectorTimes(timeline, context, node.at, node.offsetMs)
  const stepMs = node.stepMs ?? context.defaultSubqueryStepMs
  let minEnd = Infinity
  let maxEnd = -Infinity
  for (const end of windowEndsMs) {
    minEnd = Math.min(minEnd, end)
    maxEnd = Math.max(maxEnd, end)
  }

  // The first inner step is the first multiple of the step inside the earliest window.
  const windowStart = minEnd - node.rangeMs
  let startMs = Math.floor(windowStart / stepMs) * stepMs
  if (startMs <= windowStart) startMs += stepMs
  const count = startMs > maxEnd ? 0 : Math.floor((maxEnd - startMs) / stepMs) + 1
  if (count === 0) return { kind: 'matrix', series: [], windowEndsMs, rangeMs: node.rangeMs }
  context.reservePoints(count)

  const inner = evaluate(node.expr, { startMs, stepMs, count }, context)
  const series: RangeSeries[] = []
  const innerTimeline = { startMs, stepMs, count }
  if (inner.kind === 'scalar') {
    const timestampsMs = new Float64Array(count)
    for (let step = 0; step < count; step++) timestampsMs[step] = stepTime(innerTimeline, step)
    series.push({ labels: {}, timestampsMs, values: inner.values, dropName: false })
  } else if (inner.kind === 'vector') {
    for (const item of inner.series) {
      context.tick(count)
      const timestamps: number[] = []
      const values: number[] = []
      for (let step = 0; step < count; step++) {
        if (item.present[step] !== 1) continue
        timestamps.push(stepTime(innerTimeline, step))
        values.push(item.values[step] ?? 0)
      }
      context.addSamples(values.length)
      series.push({
        labels: item.labels,
        timestampsMs: Float64Array.from(timestamps),
        values: Float64Array.from(values),
        dropName: item.dropName,
      })
    }
  }
  return { kind: 'matrix', series, windowEndsMs, rangeMs: node.rangeMs }
}

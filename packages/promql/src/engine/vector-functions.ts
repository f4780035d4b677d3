/**
 * Functions that build or reshape instant vectors as a whole rather than per sample:
 * vector(), scalar(), time(), timestamp(), absent(), absent_over_time() and the sorts.
 */
import { METRIC_NAME } from '../model/series.js'
import type { Labels } from '../model/series.js'
import type { CallExpr, Expr } from '../parser/ast.js'
import type { EvalContext } from './context.js'
import { compareLabels } from './labels.js'
import { mapSamples } from './math-functions.js'
import * as range from './range-functions.js'
import { evalVectorSelector } from './selectors.js'
import type { Evaluate } from './subquery.js'
import type {
  EvalValue,
  MatrixValue,
  ScalarValue,
  StepSeries,
  StringValue,
  Timeline,
  VectorValue,
} from './values.js'
import { emptyStepSeries, stepTime } from './values.js'

export function stepTimes(timeline: Timeline): Float64Array {
  const values = new Float64Array(timeline.count)
  for (let step = 0; step < timeline.count; step++) values[step] = stepTime(timeline, step) / 1000
  return values
}

export function vectorOfTime(timeline: Timeline): VectorValue {
  return vectorOf({ kind: 'scalar', values: stepTimes(timeline) })
}

export function vectorOf(scalar: ScalarValue): VectorValue {
  const series = emptyStepSeries({}, scalar.values.length)
  series.values.set(scalar.values)
  series.present.fill(1)
  return { kind: 'vector', series: [series] }
}

export function scalarOf(input: VectorValue, count: number): ScalarValue {
  const values = new Float64Array(count).fill(NaN)
  const seen = new Uint8Array(count)
  for (const series of input.series) {
    for (let step = 0; step < count; step++) {
      if (series.present[step] !== 1) continue
      seen[step] = (seen[step] ?? 0) + 1
      values[step] = (seen[step] ?? 0) === 1 ? (series.values[step] ?? NaN) : NaN
    }
  }
  return { kind: 'scalar', values }
}

export function timestamp(
  node: CallExpr,
  timeline: Timeline,
  context: EvalContext,
  evaluate: Evaluate,
): VectorValue {
  let arg = node.args[0] as Expr
  while (arg.kind === 'paren') arg = arg.expr
  if (arg.kind === 'vectorSelector') {
    const selected = evalVectorSelector(arg, timeline, context, true)
    for (const series of selected.series) series.dropName = true
    return selected
  }
  const input = evaluate(arg, timeline, context) as VectorValue
  const times = stepTimes(timeline)
  return mapSamples(input, (_value, step) => times[step] ?? 0)
}

function absentLabels(arg: Expr | undefined): Labels {
  let inner = arg
  while (inner?.kind === 'paren') inner = inner.expr
  const selector =
    inner?.kind === 'vectorSelector'
      ? inner
      : inner?.kind === 'matrixSelector'
        ? inner.selector
        : undefined
  if (selector === undefined) return {}

  const labels: Record<string, string> = {}
  const repeated = new Set<string>()
  for (const matcher of selector.matchers) {
    if (matcher.name === METRIC_NAME) continue
    if (matcher.name in labels) repeated.add(matcher.name)
    if (matcher.type === '=') labels[matcher.name] = matcher.value
  }
  for (const name of repeated) delete labels[name]
  return labels
}

export function absent(
  arg: Expr | undefined,
  series: readonly StepSeries[],
  count: number,
): VectorValue {
  const result = emptyStepSeries(absentLabels(arg), count)
  for (let step = 0; step < count; step++) {
    if (!series.some((item) => item.present[step] === 1)) {
      result.values[step] = 1
      result.present[step] = 1
    }
  }
  return { kind: 'vector', series: result.present.includes(1) ? [result] : [] }
}

export function absentOverTime(
  arg: Expr | undefined,
  matrix: MatrixValue,
  timeline: Timeline,
  context: EvalContext,
): VectorValue {
  const present = range.applyWindows(matrix, timeline, range.presentOverTime, false, context)
  return absent(arg, present.series, timeline.count)
}

export function sortVector(
  node: CallExpr,
  args: EvalValue[],
  timeline: Timeline,
  context: EvalContext,
): VectorValue {
  const input = args[0] as VectorValue
  if (timeline.count > 1 || context.queryStartMs !== context.queryEndMs) {
    context.annotations.warn(
      'sort is ineffective for range queries since results are always ordered by labels',
      node.range,
    )
    return input
  }

  const descending = node.name.endsWith('_desc')
  const series = [...input.series]
  if (node.name.startsWith('sort_by_label')) {
    const names = args.slice(1).map((arg) => (arg as StringValue).value)
    series.sort((a, b) => {
      for (const name of names) {
        const order = collate(a.labels[name] ?? '', b.labels[name] ?? '')
        if (order !== 0) return descending ? -order : order
      }
      return descending ? -compareLabels(a.labels, b.labels) : compareLabels(a.labels, b.labels)
    })
    return { kind: 'vector', series }
  }

  const value = (item: StepSeries): number => item.values[0] ?? NaN
  series.sort((a, b) => {
    const x = value(a)
    const y = value(b)
    if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1
    if (Number.isNaN(y)) return -1
    return descending ? y - x : x - y
  })
  return { kind: 'vector', series }
}

/** Natural order for label values: digit runs compare as numbers. */
function collate(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true })
}

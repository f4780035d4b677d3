/**
 * `info(v, {selector})`: enriches each series with the data labels of the info series
 * (`target_info` by default) that share its identifying labels (`instance`, `job`).
 *
 * Info series are read at the same times as the base samples were (after `@` and offset),
 * a newer info series of one metric name wins over an older one, and different info metrics
 * that disagree on a label are an error.
 */
import { METRIC_NAME } from '../model/series.js'
import type { LabelMatcher, Labels } from '../model/series.js'
import type { CallExpr, Expr } from '../parser/ast.js'
import { matchesEmpty } from '../parser/selector-rules.js'
import type { EvalContext } from './context.js'
import { PromqlExecutionError } from './errors.js'
import { labelsKey } from './labels.js'
import { compileMatchers } from './matchers.js'
import { atTimestamp } from './selectors.js'
import type { Evaluate } from './subquery.js'
import type { StepSeries, Timeline, VectorValue } from './values.js'
import { emptyStepSeries, stepTime } from './values.js'

// TODO(#7): Prometheus rejects info series that hold native histograms; the Querier model
// carries floats only, so such series cannot be told apart here yet.
const IDENTIFYING_LABELS = ['instance', 'job']

interface InfoSample {
  readonly labels: Labels
  readonly timestampMs: number
}

/** Evaluates `info(v[, selector])` over every step. */
export function evalInfo(
  node: CallExpr,
  timeline: Timeline,
  context: EvalContext,
  evaluate: Evaluate,
): VectorValue {
  const baseExpr = node.args[0] as Expr
  const base = evaluate(baseExpr, timeline, context) as VectorValue
  const selector = node.args[1]
  const given = selector?.kind === 'vectorSelector' ? selector.matchers : []
  const nameMatchers = given.filter((matcher) => matcher.name === METRIC_NAME)
  const dataMatchers = given.filter((matcher) => matcher.name !== METRIC_NAME)
  // Without a name, the info metric is target_info; with only negative name matchers, the
  // candidates are all `*_info` metrics those matchers do not exclude.
  const positive = nameMatchers.some((matcher) => matcher.type === '=' || matcher.type === '=~')
  const implicitName: LabelMatcher | undefined =
    nameMatchers.length === 0
      ? { name: METRIC_NAME, type: '=', value: 'target_info' }
      : positive
        ? undefined
        : { name: METRIC_NAME, type: '=~', value: '.+_info' }
  const infoMatchers = implicitName === undefined ? [...given] : [implicitName, ...given]
  const isInfoMetric = compileMatchers(infoMatchers.filter((m) => m.name === METRIC_NAME))
  const dropWithoutMatch = dataMatchers.some((matcher) => !matchesEmpty(matcher))

  const times = referenceTimes(baseExpr, timeline, context)
  const infoAt = infoLookup(infoMatchers, times, context)
  const outputs = new Map<string, StepSeries>()
  const emit = (labels: Labels, series: StepSeries, step: number): void => {
    const key = `${series.dropName ? 1 : 0}${labelsKey(labels)}`
    let output = outputs.get(key)
    if (output === undefined) {
      output = emptyStepSeries(labels, timeline.count, series.dropName)
      outputs.set(key, output)
    }
    output.values[step] = series.values[step] ?? 0
    output.present[step] = 1
  }

  for (const series of base.series) {
    const identifying = IDENTIFYING_LABELS.filter((name) => series.labels[name] !== undefined)
    const passThrough = identifying.length === 0 || isInfoMetric(series.labels)
    for (let step = 0; step < timeline.count; step++) {
      if (series.present[step] !== 1) continue
      if (passThrough) {
        emit(series.labels, series, step)
        continue
      }
      const matches = infoAt(step).filter((info) =>
        identifying.every((name) => info.labels[name] === series.labels[name]),
      )
      if (matches.length === 0) {
        if (!dropWithoutMatch) emit(series.labels, series, step)
        continue
      }
      const added = dataLabels(latestPerMetric(matches), series.labels, dataMatchers)
      emit({ ...series.labels, ...added }, series, step)
    }
  }
  return { kind: 'vector', series: [...outputs.values()] }
}

/** Of several info series of one metric name, the one with the newest sample. */
function latestPerMetric(matches: InfoSample[]): InfoSample[] {
  const byName = new Map<string, InfoSample>()
  for (const info of matches) {
    const name = info.labels[METRIC_NAME] ?? ''
    const current = byName.get(name)
    if (current === undefined || info.timestampMs > current.timestampMs) byName.set(name, info)
  }
  return [...byName.values()]
}

function dataLabels(
  infos: InfoSample[],
  base: Labels,
  dataMatchers: readonly LabelMatcher[],
): Record<string, string> {
  const wanted = dataMatchers.length === 0 ? undefined : new Set(dataMatchers.map((m) => m.name))
  const added: Record<string, string> = {}
  for (const info of infos) {
    for (const [name, value] of Object.entries(info.labels)) {
      if (name === METRIC_NAME || IDENTIFYING_LABELS.includes(name)) continue
      if (base[name] !== undefined || (wanted !== undefined && !wanted.has(name))) continue
      const existing = added[name]
      if (existing !== undefined && existing !== value) {
        throw new PromqlExecutionError(
          'bad_data',
          `conflicting label: ${name} has values ${JSON.stringify(existing)} and ` +
            `${JSON.stringify(value)} in different info metrics`,
        )
      }
      added[name] = value
    }
  }
  return added
}

/** The info samples current at each step's reference time (lookback and staleness apply). */
function infoLookup(
  matchers: readonly LabelMatcher[],
  times: Float64Array,
  context: EvalContext,
): (step: number) => InfoSample[] {
  let min = Infinity
  let max = -Infinity
  for (const time of times) {
    min = Math.min(min, time)
    max = Math.max(max, time)
  }
  const lookback = context.lookbackDeltaMs
  const found = [...context.querier.select(matchers, min - lookback + 1, max)]
  return (step) => {
    const time = times[step] ?? 0
    const out: InfoSample[] = []
    for (const data of found) {
      let last = -1
      for (let index = 0; index < data.timestampsMs.length; index++) {
        if ((data.timestampsMs[index] ?? 0) > time) break
        last = index
      }
      if (last < 0) continue
      const timestampMs = data.timestampsMs[last] ?? 0
      if (timestampMs <= time - lookback || data.stale?.[last] === 1) continue
      out.push({ labels: data.labels, timestampMs })
    }
    return out
  }
}

/**
 * The time each step's base samples were read at: `@` and offset of the selector or
 * subquery the base expression reads from, composed through nested subqueries.
 */
function referenceTimes(expr: Expr, timeline: Timeline, context: EvalContext): Float64Array {
  const times = new Float64Array(timeline.count)
  for (let step = 0; step < timeline.count; step++) times[step] = stepTime(timeline, step)
  return shiftTimes(expr, times, context)
}

function shiftTimes(expr: Expr, times: Float64Array, context: EvalContext): Float64Array {
  const shift = (at: Parameters<typeof atTimestamp>[1], offsetMs: number): Float64Array => {
    const fixed = atTimestamp(context, at)
    return times.map((time) => (fixed ?? time) - offsetMs)
  }
  switch (expr.kind) {
    case 'vectorSelector':
      return shift(expr.at, expr.offsetMs)
    case 'matrixSelector':
      return shift(expr.selector.at, expr.selector.offsetMs)
    case 'subquery':
      return shiftTimes(expr.expr, shift(expr.at, expr.offsetMs), context)
    case 'paren':
    case 'unary':
      return shiftTimes(expr.expr, times, context)
    case 'aggregate':
      return shiftTimes(expr.expr, times, context)
    case 'call': {
      const source = expr.args.find((arg) => arg.kind !== 'number' && arg.kind !== 'string')
      return source === undefined ? times : shiftTimes(source, times, context)
    }
    case 'binary':
      return shiftTimes(expr.lhs.kind === 'number' ? expr.rhs : expr.lhs, times, context)
    default:
      return times
  }
}

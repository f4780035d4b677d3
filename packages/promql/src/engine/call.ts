/**
 * Function calls: argument evaluation and dispatch to the function library.
 */
import { METRIC_NAME } from '../model/series.js'
import type { CallExpr, Expr } from '../parser/ast.js'
import type { EvalContext } from './context.js'
import { PromqlExecutionError } from './errors.js'
import { histogramFraction, histogramQuantile } from './histogram-functions.js'
import { anchoredWindow, EDGE_FUNCTIONS, smoothedWindow } from './edge-functions.js'
import type { EdgeFunction } from './edge-functions.js'
import { evalInfo } from './info-function.js'
import { labelJoin, labelReplace } from './label-functions.js'
import {
  calendarMapper,
  clampMapper,
  mapSamples,
  roundMapper,
  simpleMapper,
} from './math-functions.js'
import { mergeSeries } from './merge.js'
import {
  absent,
  absentOverTime,
  scalarOf,
  sortVector,
  stepTimes,
  timestamp,
  vectorOf,
  vectorOfTime,
} from './vector-functions.js'
import * as range from './range-functions.js'
import type { WindowFunction } from './range-functions.js'
import type { Evaluate } from './subquery.js'
import type {
  EvalValue,
  MatrixValue,
  ScalarValue,
  StringValue,
  Timeline,
  VectorValue,
} from './values.js'

const COUNTER_SUFFIXES = ['_total', '_sum', '_count', '_bucket']

/** Range functions and whether their result keeps the metric name. */
function windowFunction(name: string, args: EvalValue[]): [WindowFunction, boolean] | undefined {
  const scalar = (index: number): Float64Array => (args[index] as ScalarValue).values
  switch (name) {
    case 'rate':
      return [range.extrapolatedRate(true, true), false]
    case 'increase':
      return [range.extrapolatedRate(true, false), false]
    case 'delta':
      return [range.extrapolatedRate(false, false), false]
    case 'irate':
      return [range.instantRate(true), false]
    case 'idelta':
      return [range.instantRate(false), false]
    case 'deriv':
      return [range.deriv, false]
    case 'predict_linear':
      return [range.predictLinear(scalar(1)), false]
    case 'resets':
      return [range.resets, false]
    case 'changes':
      return [range.changes, false]
    case 'sum_over_time':
      return [range.sumOverTime, false]
    case 'avg_over_time':
      return [range.avgOverTime, false]
    case 'count_over_time':
      return [range.countOverTime, false]
    case 'present_over_time':
      return [range.presentOverTime, false]
    case 'last_over_time':
      return [range.lastOverTime, true]
    case 'first_over_time':
      return [range.firstOverTime, true]
    case 'min_over_time':
      return [range.extremeOverTime(false), false]
    case 'max_over_time':
      return [range.extremeOverTime(true), false]
    case 'stddev_over_time':
      return [range.deviationOverTime(false), false]
    case 'stdvar_over_time':
      return [range.deviationOverTime(true), false]
    case 'quantile_over_time':
      return [range.quantileOverTime(scalar(0)), false]
    case 'mad_over_time':
      return [range.madOverTime, false]
    case 'ts_of_max_over_time':
      return [range.timestampOf('max'), false]
    case 'ts_of_min_over_time':
      return [range.timestampOf('min'), false]
    case 'ts_of_first_over_time':
      return [range.timestampOf('first'), false]
    case 'ts_of_last_over_time':
      return [range.timestampOf('last'), false]
    case 'double_exponential_smoothing':
      return [range.doubleExponentialSmoothing(scalar(1), scalar(2)), false]
    default:
      return undefined
  }
}

/** Evaluates a function call: its arguments, then the function over every step. */
export function evalCall(
  node: CallExpr,
  timeline: Timeline,
  context: EvalContext,
  evaluate: Evaluate,
): VectorValue | ScalarValue {
  const { name } = node
  const count = timeline.count

  if (name === 'time') return { kind: 'scalar', values: stepTimes(timeline) }
  if (name === 'pi') return { kind: 'scalar', values: new Float64Array(count).fill(Math.PI) }
  if (name === 'timestamp') return timestamp(node, timeline, context, evaluate)
  if (name === 'info') return evalInfo(node, timeline, context, evaluate)
  const queryTime = queryTimeFunction(name, timeline, context)
  if (queryTime !== undefined)
    return { kind: 'scalar', values: new Float64Array(count).fill(queryTime) }

  const args = node.args.map((arg) => evaluate(arg, timeline, context))
  const vector = (index: number): VectorValue => args[index] as VectorValue
  const scalarArg = (index: number): ScalarValue | undefined =>
    args[index] as ScalarValue | undefined
  const text = (index: number): string => (args[index] as StringValue).value

  const window = windowFunction(name, args)
  if (window !== undefined) {
    const matrixIndex = name === 'quantile_over_time' ? 1 : 0
    const matrix = args[matrixIndex] as MatrixValue
    checkFunctionArguments(node, args, context)
    if (name === 'rate' || name === 'increase') warnNonCounter(node, matrix, context)
    if (name === 'quantile_over_time') warnQuantile(node, scalarArg(0), context)
    if (matrix.edges !== undefined) return edgeWindows(name, matrix, timeline, context)
    return range.applyWindows(matrix, timeline, window[0], window[1], context)
  }

  const mapper = simpleMapper(name) ?? calendarMapper(name)
  if (mapper !== undefined) {
    if (args.length === 0) return mapSamples(vectorOfTime(timeline), mapper)
    return mapSamples(vector(0), mapper)
  }

  switch (name) {
    case 'min_of':
    case 'max_of': {
      const [a, b] = [scalarArg(0)?.values, scalarArg(1)?.values]
      const pick = name === 'min_of' ? Math.min : Math.max
      return {
        kind: 'scalar',
        values: new Float64Array(count).map((_, step) => pick(a?.[step] ?? NaN, b?.[step] ?? NaN)),
      }
    }
    case 'round':
      return mapSamples(vector(0), roundMapper(scalarArg(1)))
    case 'clamp':
      return mapSamples(vector(0), clampMapper(scalarArg(1), scalarArg(2)))
    case 'clamp_min':
      return mapSamples(vector(0), clampMapper(scalarArg(1), undefined))
    case 'clamp_max':
      return mapSamples(vector(0), clampMapper(undefined, scalarArg(1)))
    case 'vector':
      return vectorOf(scalarArg(0) as ScalarValue)
    case 'scalar':
      return scalarOf(vector(0), count)
    case 'absent':
      return absent(node.args[0], vector(0).series, count)
    case 'absent_over_time':
      return absentOverTime(node.args[0], args[0] as MatrixValue, timeline, context)
    case 'label_replace':
      return checkedMerge(labelReplace(vector(0), text(1), text(2), text(3), text(4)), count)
    case 'label_join': {
      const sources = args.slice(3).map((arg) => (arg as StringValue).value)
      return checkedMerge(labelJoin(vector(0), text(1), text(2), sources), count)
    }
    case 'sort':
    case 'sort_desc':
    case 'sort_by_label':
    case 'sort_by_label_desc':
      return sortVector(node, args, timeline, context)
    case 'histogram_quantile':
      return histogramQuantile(
        (scalarArg(0) as ScalarValue).values,
        vector(1),
        count,
        context,
        node.range,
        (node.args[1] as Expr).range,
      )
    case 'histogram_fraction':
      return histogramFraction(
        (scalarArg(0) as ScalarValue).values,
        (scalarArg(1) as ScalarValue).values,
        vector(2),
        count,
        context,
        (node.args[2] as Expr).range,
      )
    case 'histogram_count':
    case 'histogram_sum':
    case 'histogram_avg':
    case 'histogram_stddev':
    case 'histogram_stdvar':
      // Float samples are not native histograms, so these functions return nothing for them.
      return { kind: 'vector', series: [] }
    default:
      // TODO(#7): histogram_quantiles() and the native-histogram functions need native
      // histogram samples, which the engine does not model yet.
      throw new PromqlExecutionError('bad_data', `function "${name}" is not supported`)
  }
}

/** start(), end(), range() and step(): properties of the whole query, in seconds. */
/** A range function over an `anchored` or `smoothed` selector. */
function edgeWindows(
  name: string,
  matrix: MatrixValue,
  timeline: Timeline,
  context: EvalContext,
): VectorValue {
  const edges = matrix.edges ?? 'anchored'
  const allowed = EDGE_FUNCTIONS[edges]
  if (!allowed.includes(name)) {
    throw new PromqlExecutionError(
      'bad_data',
      `${edges} modifier can only be used with: ${allowed.join(', ')} - not with ${name}`,
    )
  }
  const lookback = context.lookbackDeltaMs
  const fn = name as EdgeFunction
  const reduce = edges === 'anchored' ? anchoredWindow(fn, lookback) : smoothedWindow(fn, lookback)
  const keepName = false
  return range.applyWindows(matrix, timeline, reduce, keepName, context, edges === 'smoothed')
}

function queryTimeFunction(
  name: string,
  timeline: Timeline,
  context: EvalContext,
): number | undefined {
  switch (name) {
    case 'start':
      return context.queryStartMs / 1000
    case 'end':
      return context.queryEndMs / 1000
    case 'range':
      return (context.queryEndMs - context.queryStartMs) / 1000
    case 'step':
      return context.queryStepMs / 1000
    default:
      return undefined
  }
}

/** Results of label rewrites may collide; that is an error as in Prometheus. */
function checkedMerge(value: VectorValue, count: number): VectorValue {
  const message = 'vector cannot contain metrics with the same labelset'
  return { kind: 'vector', series: mergeSeries(value.series, count, message) }
}

function warnNonCounter(node: CallExpr, matrix: MatrixValue, context: EvalContext): void {
  for (const series of matrix.series) {
    const name = series.labels[METRIC_NAME]
    if (name === undefined || series.values.length === 0) continue
    if (COUNTER_SUFFIXES.some((suffix) => name.endsWith(suffix))) continue
    context.annotations.info(
      `metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "${name}"`,
      (node.args[0] as Expr).range,
    )
  }
}

function warnQuantile(node: CallExpr, levels: ScalarValue | undefined, context: EvalContext): void {
  for (const level of levels?.values ?? []) {
    if (Number.isNaN(level) || level < 0 || level > 1) {
      context.annotations.warn(
        `quantile value should be between 0 and 1, got ${String(level)}`,
        (node.args[0] as Expr).range,
      )
      return
    }
  }
}

function checkFunctionArguments(node: CallExpr, args: EvalValue[], _context: EvalContext): void {
  if (node.name !== 'double_exponential_smoothing') return
  for (const [index, label] of [
    [1, 'smoothing'],
    [2, 'trend'],
  ] as const) {
    for (const value of (args[index] as ScalarValue).values) {
      if (!(value > 0 && value < 1)) {
        const name = label === 'smoothing' ? 'sf' : 'tf'
        throw new PromqlExecutionError(
          'bad_data',
          `invalid ${label} factor. Expected: 0 < ${name} < 1, got: ${value}`,
        )
      }
    }
  }
}

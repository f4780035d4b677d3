/**
 * Instant and range queries: the public way to run PromQL against a Querier.
 */
import type { Labels, Querier } from '../model/series.js'
import type { Expr } from '../parser/ast.js'
import { parseExpr } from '../parser/parse.js'
import { AnnotationCollector } from './annotations.js'
import type { Annotations } from './annotations.js'
import { EvalContext } from './context.js'
import { PromqlExecutionError } from './errors.js'
import { evaluate } from './evaluator.js'
import { resolveDurations } from './resolve-durations.js'
import { compareLabels, dropMetricName, labelsKey } from './labels.js'
import type { EvalValue, StepSeries, Timeline } from './values.js'
import { stepTime } from './values.js'

/** Where a query reads from and the limits it runs under. */
export interface QueryOptions {
  readonly querier: Querier
  /** How far back an instant selector looks for a sample; default 5 minutes. */
  readonly lookbackDeltaMs?: number
  /** Most samples a query may load; default 50,000,000. */
  readonly maxSamples?: number
  /** Default 2 minutes. */
  readonly timeoutMs?: number
  readonly signal?: AbortSignal
  /** Step of subqueries written without one (`[1h:]`); default 1 minute. */
  readonly defaultSubqueryStepMs?: number
}

/** One element of an instant vector. */
export interface Sample {
  readonly labels: Labels
  readonly timestampMs: number
  readonly value: number
}

/** One value of a series in a matrix. */
export interface Point {
  readonly timestampMs: number
  readonly value: number
}

/** One series of a matrix, points oldest first. */
export interface MatrixSeries {
  readonly labels: Labels
  readonly points: readonly Point[]
}

/** A query's value, in the shapes of Prometheus's `resultType`. */
export type QueryValue =
  | { readonly resultType: 'vector'; readonly samples: readonly Sample[] }
  | { readonly resultType: 'matrix'; readonly series: readonly MatrixSeries[] }
  | { readonly resultType: 'scalar'; readonly timestampMs: number; readonly value: number }
  | { readonly resultType: 'string'; readonly timestampMs: number; readonly value: string }

/** A query's value with the warnings and infos gathered while evaluating it. */
export interface QueryResult {
  readonly value: QueryValue
  readonly annotations: Annotations
}

const DEFAULTS = {
  lookbackDeltaMs: 5 * 60_000,
  maxSamples: 50_000_000,
  timeoutMs: 2 * 60_000,
  defaultSubqueryStepMs: 60_000,
}

/**
 * Evaluates `query` at one instant.
 *
 * @throws PromqlSyntaxError for a malformed query, PromqlExecutionError when evaluation fails.
 * @example
 * const { value } = evaluateInstant('sum(up)', Date.now(), { querier })
 */
export function evaluateInstant(
  query: string | Expr,
  timeMs: number,
  options: QueryOptions,
): QueryResult {
  const text = typeof query === 'string' ? query : ''
  const expr = typeof query === 'string' ? parseExpr(query) : query
  const { context, annotations } = createContext(text, timeMs, timeMs, 0, options)
  const resolved = resolveDurations(expr, { stepMs: 0, rangeMs: 0 })
  const value = evaluate(resolved, { startMs: timeMs, stepMs: 1, count: 1 }, context)
  return { value: instantValue(value, timeMs), annotations: annotations.toJSON() }
}

/**
 * Evaluates `query` at every step from `startMs` to `endMs` inclusive; the value is always a
 * matrix, series sorted by labels.
 */
export function evaluateRange(
  query: string | Expr,
  startMs: number,
  endMs: number,
  stepMs: number,
  options: QueryOptions,
): QueryResult {
  if (!(stepMs > 0)) throw new RangeError('step must be a positive number of milliseconds')
  if (endMs < startMs) throw new RangeError('end must not be before start')

  const text = typeof query === 'string' ? query : ''
  const expr = typeof query === 'string' ? parseExpr(query) : query
  const { context, annotations } = createContext(text, startMs, endMs, stepMs, options)
  const timeline = { startMs, stepMs, count: Math.floor((endMs - startMs) / stepMs) + 1 }
  context.reservePoints(timeline.count)
  const resolved = resolveDurations(expr, { stepMs, rangeMs: endMs - startMs })
  const value = evaluate(resolved, timeline, context)
  return { value: rangeValue(value, timeline), annotations: annotations.toJSON() }
}

function createContext(
  query: string,
  startMs: number,
  endMs: number,
  stepMs: number,
  options: QueryOptions,
): { context: EvalContext; annotations: AnnotationCollector } {
  const annotations = new AnnotationCollector(query)
  const context = new EvalContext({
    querier: options.querier,
    lookbackDeltaMs: options.lookbackDeltaMs ?? DEFAULTS.lookbackDeltaMs,
    maxSamples: options.maxSamples ?? DEFAULTS.maxSamples,
    defaultSubqueryStepMs: options.defaultSubqueryStepMs ?? DEFAULTS.defaultSubqueryStepMs,
    deadlineMs: Date.now() + (options.timeoutMs ?? DEFAULTS.timeoutMs),
    signal: options.signal,
    annotations,
    queryStartMs: startMs,
    queryEndMs: endMs,
    queryStepMs: stepMs,
  })
  return { context, annotations }
}

/** Removes pending metric names and rejects label sets that then collide. */
function finalLabels(series: readonly StepSeries[], count: number): StepSeries[] {
  const seen = new Map<string, StepSeries>()
  const out: StepSeries[] = []
  for (const item of series) {
    const labels = item.dropName ? dropMetricName(item.labels) : item.labels
    const key = labelsKey(labels)
    const existing = seen.get(key)
    if (existing !== undefined) {
      for (let step = 0; step < count; step++) {
        if (item.present[step] !== 1) continue
        if (existing.present[step] === 1) {
          throw new PromqlExecutionError(
            'bad_data',
            'vector cannot contain metrics with the same labelset',
          )
        }
        existing.values[step] = item.values[step] ?? 0
        existing.present[step] = 1
      }
      continue
    }
    const copy = { ...item, labels, dropName: false }
    seen.set(key, copy)
    out.push(copy)
  }
  return out
}

function instantValue(value: EvalValue, timeMs: number): QueryValue {
  switch (value.kind) {
    case 'scalar':
      return { resultType: 'scalar', timestampMs: timeMs, value: value.values[0] ?? NaN }
    case 'string':
      return { resultType: 'string', timestampMs: timeMs, value: value.value }
    case 'vector': {
      const samples = finalLabels(value.series, 1)
        .filter((series) => series.present[0] === 1)
        .map((series) => ({
          labels: series.labels,
          timestampMs: timeMs,
          value: series.values[0] ?? NaN,
        }))
      return { resultType: 'vector', samples }
    }
    case 'matrix': {
      const end = value.windowEndsMs[0] ?? timeMs
      const series = value.series
        .map((item) => {
          const points: Point[] = []
          item.timestampsMs.forEach((timestampMs, index) => {
            if (timestampMs > end - value.rangeMs && timestampMs <= end) {
              points.push({ timestampMs, value: item.values[index] ?? NaN })
            }
          })
          return { labels: item.dropName ? dropMetricName(item.labels) : item.labels, points }
        })
        .filter((item) => item.points.length > 0)
        .sort((a, b) => compareLabels(a.labels, b.labels))
      return { resultType: 'matrix', series }
    }
  }
}

function rangeValue(value: EvalValue, timeline: Timeline): QueryValue {
  if (value.kind === 'string' || value.kind === 'matrix') {
    throw new PromqlExecutionError(
      'bad_data',
      `invalid expression type "${value.kind === 'string' ? 'string' : 'range vector'}" for ` +
        'range query, must be Scalar or instant Vector',
    )
  }

  const toPoints = (values: ArrayLike<number>, present?: Uint8Array): Point[] => {
    const points: Point[] = []
    for (let step = 0; step < timeline.count; step++) {
      if (present !== undefined && present[step] !== 1) continue
      points.push({ timestampMs: stepTime(timeline, step), value: values[step] ?? NaN })
    }
    return points
  }

  if (value.kind === 'scalar') {
    return { resultType: 'matrix', series: [{ labels: {}, points: toPoints(value.values) }] }
  }
  const series = finalLabels(value.series, timeline.count)
    .map((item) => ({ labels: item.labels, points: toPoints(item.values, item.present) }))
    .filter((item) => item.points.length > 0)
    .sort((a, b) => compareLabels(a.labels, b.labels))
  return { resultType: 'matrix', series }
}

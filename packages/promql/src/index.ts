/**
 * `@rampart/promql`: a PromQL engine usable on its own.
 *
 * Parse with the Prometheus project's own grammar, evaluate instant and range queries over
 * any `Querier` (the embedded store, the in-memory querier below, or your own), and get
 * Prometheus-shaped results with warnings and infos.
 *
 * @example
 * import { MemoryQuerier, evaluateInstant } from '@rampart/promql'
 *
 * const querier = new MemoryQuerier()
 * querier.add({ __name__: 'http_requests_total', job: 'api' }, 0, 10)
 * querier.add({ __name__: 'http_requests_total', job: 'api' }, 60_000, 70)
 * const { value } = evaluateInstant('rate(http_requests_total[5m])', 60_000, { querier })
 */
export type { LabelMatcher, Labels, MatchType, Querier, SeriesData } from './model/series.js'
export { METRIC_NAME } from './model/series.js'

export type * from './parser/ast.js'
export { parseExpr } from './parser/parse.js'
export { PromqlSyntaxError } from './parser/syntax-error.js'
export { compileAnchoredRegex } from './parser/js-regex.js'
export { compilePromqlRegex } from './parser/regex.js'
export type { PromqlRegex } from './parser/regex.js'
export type { ErrorPosition } from './parser/syntax-error.js'
export { formatDurationMs, parseDurationMs } from './parser/duration.js'

export { evaluateInstant, evaluateRange } from './engine/query.js'
export type {
  MatrixSeries,
  Point,
  QueryOptions,
  QueryResult,
  QueryValue,
  Sample,
} from './engine/query.js'
export type { Annotations } from './engine/annotations.js'
export { PromqlExecutionError } from './engine/errors.js'
export type { PromqlExecutionErrorCode } from './engine/errors.js'
export { MemoryQuerier } from './engine/memory-querier.js'
export { formatFloat } from './engine/format.js'

// The series notation of Prometheus test files (used by Rampart's `rules test`).
export { parseMetric, parseSequence } from './promqltest/series-line.js'
export type { SequenceValue } from './promqltest/series-line.js'

// The embedded store and the exposition parser (used by Rampart's scraper and API).
export * from './storage/index.js'
export * from './exposition/index.js'

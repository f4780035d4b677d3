import type { LabelMatcher, QueryValue } from '@rampart/promql'
import { formatFloat, parseDurationMs, parseExpr, PromqlSyntaxError } from '@rampart/promql'

/** The error types of Prometheus's HTTP API, with the status Prometheus answers them with. */
export const apiErrorStatus = {
  bad_data: 400,
  execution: 422,
  canceled: 499,
  timeout: 503,
  internal: 500,
  unavailable: 503,
  not_found: 404,
} as const

export type ApiErrorType = keyof typeof apiErrorStatus

/** An error answered in Prometheus's shape, `{status:"error", errorType, error}`. */
export class ApiError extends Error {
  readonly errorType: ApiErrorType

  constructor(errorType: ApiErrorType, message: string) {
    super(message)
    this.errorType = errorType
  }
}

// Go's ParseFloat in decimal form; JavaScript's Number() also takes `0x10`, `0b1` and spaces.
const decimalNumber = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/
// RFC 3339 as Go's time.RFC3339Nano reads it: a zone (`Z` or an offset) is required, where
// Date.parse would read a zone-less time in the server's local zone.
const rfc3339 = /^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(?:\.\d+)?(?:[Zz]|[+-]\d\d:\d\d)$/

/** Seconds written as a decimal number, or undefined for anything else. */
function decimalSeconds(text: string): number | undefined {
  if (!decimalNumber.test(text)) return undefined
  const seconds = Number(text)
  return Number.isFinite(seconds) ? seconds : undefined
}

/** A timestamp parameter: Unix seconds (fractions allowed) or RFC 3339; in milliseconds. */
export function parseTimeParam(name: string, text: string | undefined, fallbackMs: number): number {
  if (text === undefined || text === '') return fallbackMs
  const seconds = decimalSeconds(text)
  if (seconds !== undefined) return Math.round(seconds * 1000)
  const parsed = rfc3339.test(text) ? Date.parse(text) : NaN
  if (!Number.isNaN(parsed)) return parsed
  throw new ApiError(
    'bad_data',
    `invalid parameter "${name}": cannot parse "${text}" to a valid timestamp`,
  )
}

/** A duration parameter: seconds as a number, or a Prometheus duration; in milliseconds. */
export function parseDurationParam(name: string, text: string | undefined): number {
  if (text === undefined || text === '') {
    throw new ApiError('bad_data', `invalid parameter "${name}": missing`)
  }
  const seconds = decimalSeconds(text)
  const ms = seconds !== undefined ? Math.round(seconds * 1000) : parseDurationMs(text)
  if (ms === undefined || ms <= 0) {
    throw new ApiError(
      'bad_data',
      `invalid parameter "${name}": cannot parse "${text}" to a valid duration`,
    )
  }
  return ms
}

/** The matchers of a series selector such as `{job="api"}` or `up{instance=~"a.*"}`. */
export function parseSelector(text: string): LabelMatcher[] {
  let expr
  try {
    expr = parseExpr(text)
  } catch (error) {
    if (error instanceof PromqlSyntaxError) throw new ApiError('bad_data', error.message)
    throw error
  }
  if (expr.kind !== 'vectorSelector' || hasModifiers(text)) {
    throw new ApiError('bad_data', `invalid parameter "match[]": ${text} is not a series selector`)
  }
  return [...expr.matchers]
}

/**
 * Whether anything follows the selector's name or braces (`offset 5m`, `@ 100`, `smoothed`).
 * Prometheus reads match[] with a grammar for bare selectors, so it rejects these; the AST
 * cannot tell `offset 0s` from no offset, so the text is checked with string values blanked.
 */
function hasModifiers(text: string): boolean {
  const unquoted = text.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
  const close = unquoted.lastIndexOf('}')
  const tail =
    close >= 0
      ? unquoted.slice(close + 1)
      : unquoted.trim().replace(/^[a-zA-Z_:][a-zA-Z0-9_:]*/, '')
  return tail.trim() !== ''
}

function pair(timestampMs: number, value: number): [number, string] {
  return [timestampMs / 1000, formatFloat(value)]
}

/** A query result in the JSON shape of Prometheus's `/api/v1/query` and `query_range`. */
export function formatQueryValue(value: QueryValue): { resultType: string; result: unknown } {
  switch (value.resultType) {
    case 'vector':
      return {
        resultType: 'vector',
        result: value.samples.map((sample) => ({
          metric: sample.labels,
          value: pair(sample.timestampMs, sample.value),
        })),
      }
    case 'matrix':
      return {
        resultType: 'matrix',
        result: value.series.map((series) => ({
          metric: series.labels,
          values: series.points.map((point) => pair(point.timestampMs, point.value)),
        })),
      }
    case 'scalar':
      return { resultType: 'scalar', result: pair(value.timestampMs, value.value) }
    case 'string':
      return { resultType: 'string', result: [value.timestampMs / 1000, value.value] }
  }
}

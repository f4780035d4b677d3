/**
 * Metric family metadata from `# HELP`, `# TYPE` and `# UNIT` lines.
 */

/** The exposition formats the parser reads. */
export type ExpositionFormat = 'prometheus' | 'openmetrics'

export type MetricType =
  | 'counter'
  | 'gauge'
  | 'histogram'
  | 'gaugehistogram'
  | 'summary'
  | 'info'
  | 'stateset'
  | 'untyped'
  | 'unknown'

export interface MetricMetadata {
  type: MetricType
  help: string
  unit: string
}

/** Types each format allows in a `# TYPE` line. */
export const TYPES_BY_FORMAT: Readonly<Record<ExpositionFormat, ReadonlySet<string>>> = {
  prometheus: new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']),
  openmetrics: new Set([
    'counter',
    'gauge',
    'histogram',
    'gaugehistogram',
    'summary',
    'info',
    'stateset',
    'unknown',
  ]),
}

/** The Content-Type that announces each format, for the scraper's Accept header. */
export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  prometheus: 'text/plain; version=0.0.4',
  openmetrics: 'application/openmetrics-text; version=1.0.0',
}

/** The format a scrape response's Content-Type announces; text format when unknown. */
export function formatOfContentType(contentType: string | undefined): ExpositionFormat {
  return contentType?.toLowerCase().startsWith('application/openmetrics-text') === true
    ? 'openmetrics'
    : 'prometheus'
}

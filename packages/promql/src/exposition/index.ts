/**
 * Parsing of the Prometheus text exposition format 0.0.4 and OpenMetrics 1.0.
 */

export { ExpositionError } from './exposition-error.js'
export type { ExpositionErrorCode } from './exposition-error.js'
export { ExpositionParser } from './exposition-parser.js'
export type {
  CachedSeries,
  ExpositionParserOptions,
  ParsedScrape,
  ParseResult,
} from './exposition-parser.js'
export { CONTENT_TYPES, formatOfContentType } from './metric-metadata.js'
export type { ExpositionFormat, MetricMetadata, MetricType } from './metric-metadata.js'
export { parseExposition } from './parse-exposition.js'
export type { ExposedSample, ParsedExposition } from './parse-exposition.js'

/**
 * The series part of a sample line: `name` or `name{label="value",...}`.
 *
 * Finding where it ends is cheap and happens for every line; turning it into labels happens
 * only the first time a target exposes that exact text (see the parser's series cache).
 */

import type { Labels } from '../model/series.js'
import {
  BACKSLASH,
  CLOSE_BRACE,
  COMMA,
  EQUALS,
  OPEN_BRACE,
  QUOTE,
  isBlank,
  isLabelNamePart,
  isLabelNameStart,
  isMetricNamePart,
  isMetricNameStart,
  skipBlanks,
} from './characters.js'
import { ExpositionError } from './exposition-error.js'
import type { ExpositionFormat } from './metric-metadata.js'

/**
 * Index just past the series text that starts at `start`: after the metric name, or after
 * the closing brace of its label set. Returns -1 when a label set is not closed on the line.
 * Text format allows blanks between the name and the brace; OpenMetrics does not.
 */
export function findSeriesEnd(
  text: string,
  start: number,
  end: number,
  format: ExpositionFormat,
): number {
  let i = start
  while (i < end && isMetricNamePart(text.charCodeAt(i))) i++

  let brace = i
  if (format === 'prometheus') brace = skipBlanks(text, i, end)
  if (brace >= end || text.charCodeAt(brace) !== OPEN_BRACE) return i

  let inQuotes = false
  for (let j = brace + 1; j < end; j++) {
    const c = text.charCodeAt(j)
    if (inQuotes) {
      if (c === BACKSLASH) j++
      else if (c === QUOTE) inQuotes = false
    } else if (c === QUOTE) {
      inQuotes = true
    } else if (c === CLOSE_BRACE) {
      return j + 1
    }
  }

  return -1
}

/**
 * Parses series text found by {@link findSeriesEnd} into labels, `__name__` first.
 *
 * TODO(#7): quoted UTF-8 metric and label names (`{"my.metric", "a.b"="c"}`, newer Prometheus
 * releases) are refused as invalid names; they need the escaping scheme agreed with scraping.
 */
export function parseSeriesText(series: string, line: number, format: ExpositionFormat): Labels {
  const end = series.length
  if (end === 0 || !isMetricNameStart(series.charCodeAt(0))) {
    throw new ExpositionError('invalid_metric_name', line, 'expected a metric name')
  }

  let i = 1
  while (i < end && isMetricNamePart(series.charCodeAt(i))) i++
  const labels: Record<string, string> = { __name__: series.slice(0, i) }

  i = skipBlanks(series, i, end)
  if (i === end) return labels
  if (series.charCodeAt(i) !== OPEN_BRACE) {
    throw new ExpositionError('invalid_metric_name', line, 'invalid character in metric name')
  }

  const blanksAllowed = format === 'prometheus'
  i++
  for (;;) {
    if (blanksAllowed) i = skipBlanks(series, i, end)
    if (series.charCodeAt(i) === CLOSE_BRACE) break

    i = parseLabel(series, i, line, blanksAllowed, labels)

    if (blanksAllowed) i = skipBlanks(series, i, end)
    const c = series.charCodeAt(i)
    if (c === CLOSE_BRACE) break
    if (c !== COMMA) {
      throw new ExpositionError('invalid_label_set', line, 'expected "," or "}" after a label')
    }
    i++
  }

  return labels
}

/** Parses `name="value"` at `start` into `labels`; returns the index after the closing quote. */
function parseLabel(
  series: string,
  start: number,
  line: number,
  blanksAllowed: boolean,
  labels: Record<string, string>,
): number {
  const end = series.length
  let i = start
  if (!isLabelNameStart(series.charCodeAt(i))) {
    throw new ExpositionError('invalid_label_name', line, 'expected a label name')
  }
  while (i < end && isLabelNamePart(series.charCodeAt(i))) i++
  const name = series.slice(start, i)

  if (blanksAllowed) i = skipBlanks(series, i, end)
  if (series.charCodeAt(i) !== EQUALS) {
    throw new ExpositionError('invalid_label_name', line, `expected "=" after label "${name}"`)
  }
  i++
  if (blanksAllowed) i = skipBlanks(series, i, end)
  if (series.charCodeAt(i) !== QUOTE) {
    throw new ExpositionError('invalid_label_set', line, `expected a quoted value for "${name}"`)
  }

  const { value, next } = readQuoted(series, i + 1, line)
  if (Object.prototype.hasOwnProperty.call(labels, name)) {
    throw new ExpositionError('duplicate_label', line, `label "${name}" appears twice`)
  }
  if (name === '__proto__') {
    Object.defineProperty(labels, name, { value, enumerable: true, writable: true })
  } else {
    labels[name] = value
  }

  return next
}

/**
 * Reads a label value after its opening quote, resolving `\\`, `\"` and `\n`. Any other escaped
 * character is kept with its backslash, as Prometheus's parsers do (they accept `\.` for any
 * character and resolve only those three), so `\xff` from an exporter does not fail a scrape.
 */
function readQuoted(series: string, start: number, line: number): { value: string; next: number } {
  const end = series.length
  let value = ''
  let chunkStart = start
  for (let i = start; i < end; i++) {
    const c = series.charCodeAt(i)
    if (c === QUOTE) return { value: value + series.slice(chunkStart, i), next: i + 1 }
    if (c !== BACKSLASH) continue

    value += series.slice(chunkStart, i) + unescape(series.charCodeAt(i + 1), line)
    i++
    chunkStart = i + 1
  }

  throw new ExpositionError('unterminated_label_value', line, 'label value is not terminated')
}

function unescape(code: number, line: number): string {
  switch (code) {
    case BACKSLASH:
      return '\\'
    case QUOTE:
      return '"'
    case 0x6e:
      return '\n'
    default:
      if (Number.isNaN(code)) {
        throw new ExpositionError('invalid_escape', line, 'invalid escape sequence end of line')
      }
      return `\\${String.fromCharCode(code)}`
  }
}

/** Whether the character after the series text may follow it (a blank, in valid lines). */
export function isSeriesTerminator(code: number): boolean {
  return isBlank(code)
}

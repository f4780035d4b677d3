/**
 * A parser for the Prometheus text format 0.0.4 and OpenMetrics 1.0, built for scraping: one
 * parser per target, reused for every scrape of it.
 *
 * Each distinct series text (`name{labels}` exactly as the target wrote it) is parsed into
 * labels once and kept in a cache with a slot for the store's series ref, so a steady-state
 * scrape costs a map lookup and a number parse per line.
 */

import type { Labels } from '../model/series.js'
import {
  CARRIAGE_RETURN,
  CLOSE_BRACE,
  HASH,
  OPEN_BRACE,
  SPACE,
  findBlank,
  isBlank,
  skipBlanks,
} from './characters.js'
import { completeMetadata, parseCommentLine } from './comment-line.js'
import { ExpositionError } from './exposition-error.js'
import type { ExpositionFormat, MetricMetadata } from './metric-metadata.js'
import {
  parseDecimal,
  parseMillisecondTimestamp,
  parseSampleValue,
  parseSecondTimestamp,
} from './numbers.js'
import { findSeriesEnd, parseSeriesText } from './series-text.js'

/** One series as a target exposes it, cached across scrapes. */
export interface CachedSeries {
  /** The series text exactly as exposed, the cache key. */
  readonly text: string
  /** Parsed labels, `__name__` first, in exposition order; empty values kept. */
  readonly labels: Labels
  /** The store's ref for this series: -1 until the caller sets it. */
  ref: number
  /** Number of the latest scrape that contained this series. */
  lastScrape: number
}

/**
 * The samples of one scrape as parallel arrays. Only the first `sampleCount` entries are
 * meaningful, and the arrays are reused by the next `parse` call.
 */
export interface ParsedScrape {
  readonly sampleCount: number
  readonly series: readonly CachedSeries[]
  readonly values: Float64Array
  /** Timestamps the lines carried, in milliseconds; NaN where a line had none. */
  readonly timestampsMs: Float64Array
  /** Metadata per metric family named in HELP, TYPE or UNIT lines. */
  readonly metadata: ReadonlyMap<string, MetricMetadata>
}

export type ParseResult =
  | { readonly ok: true; readonly scrape: ParsedScrape }
  | { readonly ok: false; readonly error: ExpositionError }

export interface ExpositionParserOptions {
  /** Cached series beyond this many are dropped if unseen for a scrape. Default 100,000. */
  readonly cacheSoftLimit?: number
}

const INITIAL_CAPACITY = 1024

/**
 * @example
 * const parser = new ExpositionParser()
 * const result = parser.parse(body, formatOfContentType(contentType))
 * if (!result.ok) markScrapeFailed(result.error.message)
 */
export class ExpositionParser {
  readonly #cache = new Map<string, CachedSeries>()
  readonly #cacheSoftLimit: number
  #series: CachedSeries[] = []
  #values = new Float64Array(INITIAL_CAPACITY)
  #timestampsMs = new Float64Array(INITIAL_CAPACITY)
  #scrape = 0
  #lastOk = 0
  #previousOk = 0

  constructor(options: ExpositionParserOptions = {}) {
    this.#cacheSoftLimit = options.cacheSoftLimit ?? 100_000
  }

  /** Series texts currently cached. */
  get cacheSize(): number {
    return this.#cache.size
  }

  /**
   * Parses a whole scrape. The first malformed line ends the parse with an error naming the
   * line and the reason; nothing of that scrape should then be stored.
   */
  parse(text: string, format: ExpositionFormat): ParseResult {
    const scrape = ++this.#scrape
    const metadata = new Map<string, MetricMetadata>()
    let sampleCount: number
    try {
      sampleCount = this.#parseLines(text, format, scrape, metadata)
    } catch (error) {
      if (error instanceof ExpositionError) return { ok: false, error }
      throw error
    }

    completeMetadata(metadata, format)
    this.#previousOk = this.#lastOk
    this.#lastOk = scrape
    this.#evict(sampleCount)
    return {
      ok: true,
      scrape: {
        sampleCount,
        series: this.#series,
        values: this.#values,
        timestampsMs: this.#timestampsMs,
        metadata,
      },
    }
  }

  /**
   * Series present in the previous successful scrape but not in the latest one: those that
   * need a staleness marker.
   */
  disappeared(): CachedSeries[] {
    const result: CachedSeries[] = []
    for (const entry of this.#cache.values()) {
      if (entry.lastScrape >= this.#previousOk && entry.lastScrape < this.#lastOk) {
        result.push(entry)
      }
    }
    return result
  }

  #parseLines(
    text: string,
    format: ExpositionFormat,
    scrape: number,
    metadata: Map<string, MetricMetadata>,
  ): number {
    const length = text.length
    let count = 0
    let line = 0
    let position = 0
    let sawEof = false
    while (position < length) {
      let newline = text.indexOf('\n', position)
      if (newline === -1) newline = length
      line++

      let end = newline
      if (end > position && text.charCodeAt(end - 1) === CARRIAGE_RETURN) end--
      if (sawEof) {
        throw new ExpositionError('content_after_eof', line, 'content after "# EOF"')
      }

      const start = format === 'prometheus' ? skipBlanks(text, position, end) : position
      if (start === end) {
        position = newline + 1
        continue
      }

      if (text.charCodeAt(start) === HASH) {
        sawEof = parseCommentLine(text, start, end, line, format, metadata) === 'eof'
      } else {
        this.#parseSample(text, start, end, line, format, count, scrape)
        count++
      }
      position = newline + 1
    }

    if (format === 'openmetrics' && !sawEof) {
      throw new ExpositionError('missing_eof', line, 'OpenMetrics text must end with "# EOF"')
    }
    return count
  }

  #parseSample(
    text: string,
    start: number,
    end: number,
    line: number,
    format: ExpositionFormat,
    index: number,
    scrape: number,
  ): void {
    const entry = this.#lookupSeries(text, start, end, line, format, this.#series[index])
    const seriesEnd = start + entry.text.length
    const openMetrics = format === 'openmetrics'

    const valueStart = nextToken(text, seriesEnd, end, openMetrics, line)
    if (valueStart >= end) throw new ExpositionError('missing_value', line, 'missing value')
    const valueEnd = findBlank(text, valueStart, end)
    let value = parseDecimal(text, valueStart, valueEnd)
    const valueText = value === undefined ? text.slice(valueStart, valueEnd) : ''
    if (value === undefined) value = parseSampleValue(valueText)
    if (value === undefined) {
      throw new ExpositionError('invalid_value', line, `invalid value "${valueText}"`)
    }

    let timestampMs = NaN
    let next = nextToken(text, valueEnd, end, openMetrics, line)
    if (next < end && text.charCodeAt(next) !== HASH) {
      const timestampEnd = findBlank(text, next, end)
      const timestampText = text.slice(next, timestampEnd)
      const parsed = openMetrics
        ? parseSecondTimestamp(timestampText)
        : parseMillisecondTimestamp(timestampText)
      if (parsed === undefined) {
        throw new ExpositionError('invalid_timestamp', line, `invalid timestamp "${timestampText}"`)
      }
      timestampMs = parsed
      next = nextToken(text, timestampEnd, end, openMetrics, line)
    }

    // An exemplar (` # {labels} value [timestamp]`) may follow; it is not stored.
    if (next < end && text.charCodeAt(next) !== HASH) {
      throw new ExpositionError('unexpected_content', line, 'unexpected text after the value')
    }

    if (index >= this.#values.length) this.#grow()
    this.#series[index] = entry
    this.#values[index] = value
    this.#timestampsMs[index] = timestampMs
    entry.lastScrape = scrape
  }

  /** The cached series for the line's series text, parsing and caching it when new. */
  #lookupSeries(
    text: string,
    start: number,
    end: number,
    line: number,
    format: ExpositionFormat,
    previous: CachedSeries | undefined,
  ): CachedSeries {
    const cached = this.#lookupCachedSeries(text, start, end, previous)
    if (cached !== undefined) return cached

    const seriesEnd = findSeriesEnd(text, start, end, format)
    if (seriesEnd === -1) {
      // Parsing the unclosed label set names the precise problem.
      parseSeriesText(text.slice(start, end), line, format)
      throw new ExpositionError('invalid_label_set', line, 'label set is not closed')
    }
    if (seriesEnd === end) throw new ExpositionError('missing_value', line, 'missing value')

    const separator = text.charCodeAt(seriesEnd)
    if (format === 'openmetrics' ? separator !== SPACE : !isBlank(separator)) {
      const reason =
        seriesEnd === start ? 'expected a metric name' : 'invalid character in metric name'
      throw new ExpositionError('invalid_metric_name', line, reason)
    }

    const key = text.slice(start, seriesEnd)
    let entry = this.#cache.get(key)
    if (entry === undefined) {
      const own = ownCopy(key)
      entry = { text: own, labels: parseSeriesText(own, line, format), ref: -1, lastScrape: 0 }
      this.#cache.set(own, entry)
    }
    return entry
  }

  /**
   * The fast path for series seen before: take the text up to the first space as the key
   * (`previous` is the series at the same position in the last scrape).
   * Only complete, validated series texts are ever cached, and such a text never ends inside
   * a quoted value, so a hit is always right; a miss (spaces inside label values, blanks
   * before the brace, a new series) falls back to the exact scan.
   */
  #lookupCachedSeries(
    text: string,
    start: number,
    end: number,
    previous: CachedSeries | undefined,
  ): CachedSeries | undefined {
    const space = text.indexOf(' ', start)
    if (space === -1 || space >= end) return undefined

    if (!isCompleteSeriesText(text, space)) return undefined
    const key = text.slice(start, space)
    // Targets write their series in the same order every scrape: the series at this position
    // last time usually matches, and comparing with it is cheaper than hashing for the map.
    if (previous !== undefined && previous.text === key) return previous
    return this.#cache.get(key)
  }

  #grow(): void {
    const capacity = this.#values.length * 2
    const values = new Float64Array(capacity)
    values.set(this.#values)
    const timestamps = new Float64Array(capacity)
    timestamps.set(this.#timestampsMs)
    this.#values = values
    this.#timestampsMs = timestamps
  }

  /** Drops cached series unseen in the last two scrapes once the cache outgrows its use. */
  #evict(sampleCount: number): void {
    if (this.#cache.size <= Math.max(this.#cacheSoftLimit, sampleCount * 2)) return

    for (const [key, entry] of this.#cache) {
      if (entry.lastScrape < this.#previousOk) this.#cache.delete(key)
    }
  }
}

/**
 * A copy of `slice` that does not keep the whole scrape text alive, as V8's substrings do;
 * also flat, which keeps later comparisons with it fast.
 */
function ownCopy(slice: string): string {
  // A JSON round trip copies every code unit, lone surrogates included.
  return JSON.parse(JSON.stringify(slice)) as string
}

/**
 * Whether a cached series text ending at `end` (where a blank follows) is the whole series
 * text of the line: `name {labels}` (blanks before the brace, text format) must not be taken
 * for the bare series `name`.
 */
function isCompleteSeriesText(text: string, end: number): boolean {
  if (text.charCodeAt(end - 1) === CLOSE_BRACE) return true

  const after = text.charCodeAt(end + 1)
  return after !== OPEN_BRACE && !isBlank(after)
}

/**
 * The start of the next token after a token ending at `from`: text format allows any blanks
 * between tokens, OpenMetrics exactly one space. Returns `end` when the line is over.
 */
function nextToken(
  text: string,
  from: number,
  end: number,
  openMetrics: boolean,
  line: number,
): number {
  if (from >= end) return end
  if (!openMetrics) return skipBlanks(text, from, end)

  if (text.charCodeAt(from) !== SPACE || from + 1 >= end || isBlank(text.charCodeAt(from + 1))) {
    throw new ExpositionError('unexpected_content', line, 'tokens must be separated by one space')
  }
  return from + 1
}

import type { Appender, CachedSeries, Labels, MetricMetadata, MetricStore } from '@rampart/promql'
import { ExpositionParser, formatOfContentType } from '@rampart/promql'
import type { Clock } from '../../platform/clock.js'
import type { CompiledRelabel } from './relabel.js'
import { relabel } from './relabel.js'

/** How a target's exposition is fetched: over HTTP, or in-process for Rampart itself. */
export type FetchExposition = (
  signal: AbortSignal,
) => Promise<{ readonly text: string; readonly contentType: string | undefined }>

export interface ScrapeTargetOptions {
  readonly job: string
  /** `host:port`, the `instance` label. */
  readonly instance: string
  readonly scrapeUrl: string
  /** Target labels: job, instance and the static config's labels. */
  readonly labels: Labels
  readonly intervalMs: number
  readonly timeoutMs: number
  readonly honorLabels: boolean
  readonly honorTimestamps: boolean
  readonly sampleLimit: number
  readonly labelLimit: number
  readonly relabels: readonly CompiledRelabel[]
  readonly fetch: FetchExposition
  readonly store: MetricStore
  readonly clock: Clock
}

export type TargetHealthState = 'up' | 'down' | 'unknown'

/** A target's state as `/api/v1/targets` reports it. */
export interface TargetHealth {
  readonly job: string
  readonly instance: string
  readonly scrapeUrl: string
  readonly labels: Labels
  readonly health: TargetHealthState
  readonly lastError: string
  readonly lastScrapeMs: number | undefined
  readonly lastScrapeDurationSeconds: number
  readonly intervalMs: number
  readonly timeoutMs: number
}

const droppedRef = -2

class ScrapeFailure extends Error {}

/** The reason with its causes: fetch says only "fetch failed" and keeps ECONNREFUSED below. */
function describeScrapeError(error: unknown): string {
  const parts: string[] = []
  for (let current = error; current instanceof Error && parts.length < 3;) {
    parts.push(current.message)
    current = current.cause
  }
  return parts.length === 0 ? 'scrape failed' : parts.join(': ')
}

/**
 * One scrape target: fetches its exposition, parses it (labels once per new series, through
 * the parser's cache), applies target labels and metric relabeling, appends the samples and
 * the synthetic `up`, `scrape_*` series, and writes staleness markers for series that
 * disappeared or when the scrape fails.
 */
export class ScrapeTarget {
  readonly #options: ScrapeTargetOptions
  readonly #parser = new ExpositionParser()
  /** Refs of the series the last successful scrape appended, for staleness on failure. */
  #liveRefs = new Set<number>()
  #health: TargetHealthState = 'unknown'
  #lastError = ''
  #lastScrapeMs: number | undefined
  #lastDurationSeconds = 0
  #metadata: ReadonlyMap<string, MetricMetadata> = new Map()

  constructor(options: ScrapeTargetOptions) {
    this.#options = options
  }

  get metadata(): ReadonlyMap<string, MetricMetadata> {
    return this.#metadata
  }

  health(): TargetHealth {
    const options = this.#options
    return {
      job: options.job,
      instance: options.instance,
      scrapeUrl: options.scrapeUrl,
      labels: options.labels,
      health: this.#health,
      lastError: this.#lastError,
      lastScrapeMs: this.#lastScrapeMs,
      lastScrapeDurationSeconds: this.#lastDurationSeconds,
      intervalMs: options.intervalMs,
      timeoutMs: options.timeoutMs,
    }
  }

  /** Scrapes once. Never throws: a failed scrape is recorded as `up 0` with its reason. */
  async scrape(): Promise<void> {
    const { clock, store } = this.#options
    const startedMs = clock.now()
    const started = performance.now()
    const appender = store.appender()
    let scraped = 0
    let kept = 0
    let added = 0

    try {
      const result = await this.#fetchAndParse()
      scraped = result.sampleCount
      ;({ kept, added } = this.#appendSamples(appender, result, startedMs))
      this.#health = 'up'
      this.#lastError = ''
    } catch (error) {
      this.#health = 'down'
      this.#lastError = describeScrapeError(error)
      for (const ref of this.#liveRefs) appender.appendStale(ref, startedMs)
      this.#liveRefs = new Set()
    }

    this.#lastDurationSeconds = (performance.now() - started) / 1000
    this.#lastScrapeMs = startedMs
    this.#appendReport(appender, startedMs, { scraped, kept, added })
    appender.commit()
  }

  async #fetchAndParse(): Promise<{
    sampleCount: number
    series: readonly CachedSeries[]
    values: Float64Array
    timestampsMs: Float64Array
  }> {
    const signal = AbortSignal.timeout(this.#options.timeoutMs)
    let exposition: { text: string; contentType: string | undefined }
    try {
      exposition = await this.#options.fetch(signal)
    } catch (error) {
      if (signal.aborted) {
        throw new ScrapeFailure(`scrape timed out after ${this.#options.timeoutMs} ms`)
      }
      throw error
    }

    const parsed = this.#parser.parse(exposition.text, formatOfContentType(exposition.contentType))
    if (!parsed.ok) throw new ScrapeFailure(parsed.error.message)

    const { scrape } = parsed
    const limit = this.#options.sampleLimit
    if (limit > 0 && scrape.sampleCount > limit) {
      throw new ScrapeFailure(`sample_limit exceeded: ${scrape.sampleCount} > ${limit}`)
    }
    this.#metadata = scrape.metadata
    return scrape
  }

  #appendSamples(
    appender: Appender,
    scrape: {
      sampleCount: number
      series: readonly CachedSeries[]
      values: Float64Array
      timestampsMs: Float64Array
    },
    scrapeTimeMs: number,
  ): { kept: number; added: number } {
    const live = new Set<number>()
    let kept = 0
    let added = 0

    // New series are resolved first: a series over label_limit fails the whole scrape before
    // any sample of it is appended, as in Prometheus.
    for (let index = 0; index < scrape.sampleCount; index++) {
      const series = scrape.series[index]
      if (series === undefined || series.ref !== -1) continue
      series.ref = this.#resolveRef(appender, series.labels)
      if (series.ref !== droppedRef) added++
    }

    for (let index = 0; index < scrape.sampleCount; index++) {
      const series = scrape.series[index]
      if (series === undefined || series.ref < 0) continue

      const exposed = scrape.timestampsMs[index] ?? NaN
      const timestampMs =
        this.#options.honorTimestamps && !Number.isNaN(exposed) ? exposed : scrapeTimeMs
      appender.append(series.ref, timestampMs, scrape.values[index] ?? NaN)
      live.add(series.ref)
      kept++
    }

    for (const gone of this.#parser.disappeared()) {
      if (gone.ref >= 0 && !live.has(gone.ref)) appender.appendStale(gone.ref, scrapeTimeMs)
    }
    for (const ref of this.#liveRefs) {
      if (!live.has(ref)) appender.appendStale(ref, scrapeTimeMs)
    }
    this.#liveRefs = live
    return { kept, added }
  }

  /** Target labels merged with the exposed ones, relabelled; a series over the limit fails. */
  #resolveRef(appender: Appender, exposed: Labels): number {
    const { labels: targetLabels, honorLabels, relabels, labelLimit } = this.#options
    const merged: Record<string, string> = { ...exposed }
    for (const [name, value] of Object.entries(targetLabels)) {
      const clash = Object.hasOwn(exposed, name)
      if (!clash) merged[name] = value
      else if (!honorLabels) {
        merged[`exported_${name}`] = exposed[name] ?? ''
        merged[name] = value
      }
    }
    for (const [name, value] of Object.entries(merged)) if (value === '') delete merged[name]

    const final = relabel(merged, relabels)
    if (final === undefined) return droppedRef
    if (labelLimit > 0 && Object.keys(final).length > labelLimit) {
      throw new ScrapeFailure(`label_limit exceeded by ${final.__name__ ?? 'a series'}`)
    }
    return appender.seriesRef(final)
  }

  #appendReport(
    appender: Appender,
    timestampMs: number,
    counts: { scraped: number; kept: number; added: number },
  ): void {
    const report: [string, number][] = [
      ['up', this.#health === 'up' ? 1 : 0],
      ['scrape_duration_seconds', this.#lastDurationSeconds],
      ['scrape_samples_scraped', counts.scraped],
      ['scrape_samples_post_metric_relabeling', counts.kept],
      ['scrape_series_added', counts.added],
    ]
    for (const [name, value] of report) {
      const ref = appender.seriesRef({ ...this.#options.labels, __name__: name })
      appender.append(ref, timestampMs, value)
    }
  }

  /** Marks every series of this target stale: the target was removed. */
  retire(): void {
    const appender = this.#options.store.appender()
    const nowMs = this.#options.clock.now()
    for (const ref of this.#liveRefs) appender.appendStale(ref, nowMs)
    this.#liveRefs = new Set()
    appender.commit()
  }
}

import type { MetricStore } from '@rampart/promql'
import type { Clock } from '../../platform/clock.js'
import type { Logger } from '../../platform/logger.js'
import type { MetricsConfig } from '../config.js'
import { authorizationHeader, httpFetcher, scrapeUrlOf } from './http-fetch.js'
import { compileRelabels } from './relabel.js'
import type { FetchExposition, TargetHealth } from './scrape-target.js'
import { ScrapeTarget } from './scrape-target.js'

export interface ScrapeManagerOptions {
  readonly config: MetricsConfig
  readonly store: MetricStore
  readonly clock: Clock
  readonly logger: Logger
  /** Rampart's own exposition, scraped in-process as job `rampart` when `scrape_self`. */
  readonly selfExposition?: FetchExposition
  readonly selfInstance?: string
}

/** Builds the scrape targets of the configuration and runs each on its own interval. */
export class ScrapeManager {
  readonly targets: readonly ScrapeTarget[]
  readonly #logger: Logger
  readonly #timers = new Set<NodeJS.Timeout>()
  readonly #inFlight = new Set<Promise<void>>()
  #stopped = true

  constructor(options: ScrapeManagerOptions) {
    this.#logger = options.logger
    this.targets = buildTargets(options)
  }

  start(): void {
    if (!this.#stopped) return
    this.#stopped = false
    for (const [index, target] of this.targets.entries()) {
      // Spread first scrapes over the interval so targets do not all fire together.
      const { intervalMs } = target.health()
      this.#schedule(target, Math.floor((intervalMs * index) / Math.max(1, this.targets.length)))
    }
  }

  #schedule(target: ScrapeTarget, delayMs: number): void {
    if (this.#stopped) return
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      const started = Date.now()
      const run = target.scrape().finally(() => {
        this.#inFlight.delete(run)
        const { intervalMs } = target.health()
        this.#schedule(target, Math.max(0, intervalMs - (Date.now() - started)))
      })
      this.#inFlight.add(run)
    }, delayMs)
    this.#timers.add(timer)
  }

  health(): TargetHealth[] {
    return this.targets.map((target) => target.health())
  }

  async stop(): Promise<void> {
    this.#stopped = true
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
    await Promise.allSettled([...this.#inFlight])
    this.#logger.debug({ targets: this.targets.length }, 'scraping stopped')
  }
}

function buildTargets(options: ScrapeManagerOptions): ScrapeTarget[] {
  const { config, store, clock } = options
  const targets: ScrapeTarget[] = []
  const common = { store, clock, honorTimestamps: true }

  if (config.scrape_self && options.selfExposition !== undefined) {
    const instance = options.selfInstance ?? 'rampart'
    targets.push(
      new ScrapeTarget({
        ...common,
        job: 'rampart',
        instance,
        scrapeUrl: `http://${instance}/metrics`,
        labels: { job: 'rampart', instance },
        intervalMs: config.global.scrape_interval,
        timeoutMs: config.global.scrape_timeout,
        honorLabels: false,
        sampleLimit: 0,
        labelLimit: 0,
        relabels: [],
        fetch: options.selfExposition,
      }),
    )
  }

  for (const scrape of config.scrape_configs) {
    const authorization = authorizationHeader(scrape)
    const relabels = compileRelabels(scrape.metric_relabel_configs)
    const intervalMs = scrape.scrape_interval ?? config.global.scrape_interval
    const timeoutMs = Math.min(scrape.scrape_timeout ?? config.global.scrape_timeout, intervalMs)
    for (const group of scrape.static_configs) {
      for (const instance of group.targets) {
        const scrapeUrl = scrapeUrlOf(scrape, instance)
        targets.push(
          new ScrapeTarget({
            ...common,
            job: scrape.job_name,
            instance,
            scrapeUrl,
            labels: { ...group.labels, job: scrape.job_name, instance },
            intervalMs,
            timeoutMs,
            honorLabels: scrape.honor_labels,
            honorTimestamps: scrape.honor_timestamps,
            sampleLimit: scrape.sample_limit,
            labelLimit: scrape.label_limit,
            relabels,
            fetch: httpFetcher(scrapeUrl, authorization),
          }),
        )
      }
    }
  }
  return targets
}

/**
 * Writes rule results (recording rules, `ALERTS`, `ALERTS_FOR_STATE`) back to a remote
 * Prometheus-compatible backend by remote write. The samples of one evaluation round are
 * sent as one request, each at its group's evaluation time; requests go one after another so
 * a series' samples arrive in order.
 */
import type { Labels } from '@rampart/promql'
import { Counter } from 'prom-client'
import type { Registry } from 'prom-client'
import type { Clock } from '../../platform/clock.js'
import type { Logger } from '../../platform/logger.js'
import type { RemoteWriteTarget } from '../../metrics/remote-write/sender.js'
import { sendWriteRequest } from '../../metrics/remote-write/sender.js'
import type { WriteSeries } from '../../metrics/remote-write/write-request.js'
import type { RuleSample } from './rule-querier.js'

export interface RuleWriteBatchOptions {
  readonly target: RemoteWriteTarget
  readonly logger: Logger
  readonly clock: Clock
  readonly registry: Registry
  /** Failures are logged at most once per this many milliseconds; each is counted. */
  readonly logEveryMs?: number
  /** Rounds waiting behind a slow request before new rounds are dropped. */
  readonly maxPendingRounds?: number
}

export class RuleWriteBatch {
  readonly #options: RuleWriteBatchOptions
  readonly #sent: Counter
  readonly #failed: Counter
  #series: WriteSeries[] = []
  #sending: Promise<void> = Promise.resolve()
  #pendingRounds = 0
  #lastLoggedMs = Number.NEGATIVE_INFINITY

  constructor(options: RuleWriteBatchOptions) {
    this.#options = options
    this.#sent = new Counter({
      name: 'rampart_rule_remote_write_samples_total',
      help: 'Rule result samples accepted by the remote metrics backend.',
      registers: [options.registry],
    })
    this.#failed = new Counter({
      name: 'rampart_rule_remote_write_failed_samples_total',
      help: 'Rule result samples refused by or never sent to the remote metrics backend.',
      registers: [options.registry],
    })
  }

  /** Adds one rule's output to the current round; `ended` series get a staleness marker. */
  add(samples: readonly RuleSample[], ended: readonly Labels[], timeMs: number): void {
    for (const sample of samples) {
      this.#series.push({
        labels: sample.labels,
        samples: [{ value: sample.value, timestampMs: timeMs }],
      })
    }
    for (const labels of ended) {
      this.#series.push({
        labels,
        samples: [{ value: Number.NaN, timestampMs: timeMs, stale: true }],
      })
    }
  }

  /** Sends the current round in the background; never throws, never waits for the network. */
  flush(): void {
    const series = this.#series
    this.#series = []
    if (series.length === 0) return

    const maxPending = this.#options.maxPendingRounds ?? 4
    if (this.#pendingRounds >= maxPending) {
      this.#fail(series.length, new Error(`${maxPending} earlier rounds are still being sent`))
      return
    }

    this.#pendingRounds++
    this.#sending = this.#sending.then(async () => {
      try {
        await sendWriteRequest(this.#options.target, series)
        this.#sent.inc(series.length)
      } catch (error) {
        this.#fail(series.length, error)
      } finally {
        this.#pendingRounds--
      }
    })
  }

  /** Resolves when every round flushed so far has been sent or has failed. */
  idle(): Promise<void> {
    return this.#sending
  }

  #fail(samples: number, error: unknown): void {
    this.#failed.inc(samples)
    const nowMs = this.#options.clock.now()
    if (nowMs - this.#lastLoggedMs < (this.#options.logEveryMs ?? 60_000)) return
    this.#lastLoggedMs = nowMs
    const { origin, pathname } = new URL(this.#options.target.url)
    this.#options.logger.warn(
      { err: error, endpoint: `${origin}${pathname}`, samples },
      'rule results not written to the remote metrics backend',
    )
  }
}

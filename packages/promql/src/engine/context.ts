/**
 * Per-query state shared by every node of one evaluation: where data comes from, the limits,
 * and the annotations gathered on the way.
 */
import type { Querier } from '../model/series.js'
import type { AnnotationCollector } from './annotations.js'
import { PromqlExecutionError } from './errors.js'

// About 100 µs of typical per-sample work between two reads of the clock.
const WORK_BETWEEN_CHECKS = 16_384

/** What an evaluation context is built from; see `QueryOptions` for the meanings. */
export interface EvalContextOptions {
  readonly querier: Querier
  readonly lookbackDeltaMs: number
  readonly maxSamples: number
  readonly defaultSubqueryStepMs: number
  readonly deadlineMs: number
  readonly signal: AbortSignal | undefined
  readonly annotations: AnnotationCollector
  /** Start and end of the whole query, for `@ start()` and `@ end()`. */
  readonly queryStartMs: number
  readonly queryEndMs: number
  /** Step of the whole query (0 for an instant query), for `step()`. */
  readonly queryStepMs: number
}

/** The state one query's evaluation shares across its nodes. */
export class EvalContext {
  readonly querier: Querier
  readonly lookbackDeltaMs: number
  readonly defaultSubqueryStepMs: number
  readonly annotations: AnnotationCollector
  readonly queryStartMs: number
  readonly queryEndMs: number
  readonly queryStepMs: number
  readonly #maxSamples: number
  readonly #deadlineMs: number
  readonly #signal: AbortSignal | undefined
  #loadedSamples = 0
  #workSinceCheck = 0

  constructor(options: EvalContextOptions) {
    this.querier = options.querier
    this.lookbackDeltaMs = options.lookbackDeltaMs
    this.defaultSubqueryStepMs = options.defaultSubqueryStepMs
    this.annotations = options.annotations
    this.queryStartMs = options.queryStartMs
    this.queryEndMs = options.queryEndMs
    this.queryStepMs = options.queryStepMs
    this.#maxSamples = options.maxSamples
    this.#deadlineMs = options.deadlineMs
    this.#signal = options.signal
  }

  /** Counts loaded samples against the limit. */
  addSamples(count: number): void {
    this.#loadedSamples += count
    if (this.#loadedSamples > this.#maxSamples) {
      throw new PromqlExecutionError(
        'too_many_samples',
        'query processing would load too many samples into memory in query execution',
      )
    }
  }

  /**
   * Counts the points a node is about to hold (`series × steps`), so that a huge range or
   * subquery resolution fails with the sample limit instead of exhausting memory.
   */
  reservePoints(count: number): void {
    this.addSamples(count)
  }

  /**
   * Records `units` of work (roughly: samples or points visited) and checks the deadline once
   * enough work has accumulated. Long loops inside a node call this, so a single expensive
   * node (a wide range function, a big aggregation or join) stops near the timeout instead of
   * running to completion; reading the clock on every iteration would cost more than the work.
   */
  tick(units = 1): void {
    this.#workSinceCheck += units
    if (this.#workSinceCheck < WORK_BETWEEN_CHECKS) return
    this.#workSinceCheck = 0
    this.checkCancelled()
  }

  /** Throws when the query was aborted or ran past its deadline. */
  checkCancelled(): void {
    if (this.#signal?.aborted === true) {
      throw new PromqlExecutionError('canceled', 'query was canceled in query execution', {
        cause: this.#signal.reason,
      })
    }
    if (Date.now() > this.#deadlineMs) {
      throw new PromqlExecutionError('timeout', 'query timed out in query execution')
    }
  }
}

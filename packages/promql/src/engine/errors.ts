/**
 * The error raised when a parsed query cannot be evaluated.
 */

/**
 * Stable codes callers can switch on:
 * - `too_many_samples`: the query would load more samples than the engine's limit;
 * - `timeout`: the query ran longer than its timeout;
 * - `canceled`: the caller's abort signal fired;
 * - `bad_data`: the query is well-formed but its data or arguments are not usable
 *   (many-to-many matching, duplicate label sets, invalid arguments).
 */
export type PromqlExecutionErrorCode = 'too_many_samples' | 'timeout' | 'canceled' | 'bad_data'

/** A query that failed while it was evaluated; maps to Prometheus's `errorType: execution`. */
export class PromqlExecutionError extends Error {
  readonly code: PromqlExecutionErrorCode

  constructor(code: PromqlExecutionErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'PromqlExecutionError'
    this.code = code
  }
}

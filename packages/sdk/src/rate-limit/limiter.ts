import type { RateLimiterAbstract } from 'rate-limiter-flexible'
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible'
import { ConfigurationError, RequestRefusal } from '../errors.js'
import type { Logger } from '../observe/logger.js'

export interface RateLimitSettings {
  /** Requests allowed per key in each window. */
  readonly points: number
  /** The window, in seconds. */
  readonly duration: number
  /** Prefix of the counters' keys, so several limits do not share counters. */
  readonly name?: string
  /**
   * A Redis client (ioredis or node-redis) for counters shared by every replica; counters
   * live in this process when absent. If Redis fails, each process counts on its own until
   * it is back, rather than letting every request through or refusing them all.
   */
  readonly redis?: unknown
}

/**
 * One rate limit: consumes a point per request for a key and refuses with 429 and
 * `Retry-After` once the key has used its points in the window.
 */
export class RateLimit {
  readonly #limiter: RateLimiterAbstract
  readonly #points: number
  readonly #logger: Logger

  constructor(settings: RateLimitSettings, logger: Logger) {
    if (!Number.isInteger(settings.points) || settings.points < 1) {
      throw new ConfigurationError(`rateLimit points must be a positive integer`)
    }
    if (!(settings.duration > 0)) {
      throw new ConfigurationError('rateLimit duration must be a positive number of seconds')
    }
    const common = {
      points: settings.points,
      duration: settings.duration,
      keyPrefix: settings.name ?? 'rampart',
    }
    this.#limiter =
      settings.redis === undefined
        ? new RateLimiterMemory(common)
        : new RateLimiterRedis({
            ...common,
            storeClient: settings.redis,
            insuranceLimiter: new RateLimiterMemory(common),
          })
    this.#points = settings.points
    this.#logger = logger
  }

  /** Resolves with the headers to send when allowed; throws a 429 refusal otherwise. */
  async consume(key: string): Promise<Record<string, string>> {
    try {
      const result = await this.#limiter.consume(key)
      return {
        'ratelimit-limit': String(this.#points),
        'ratelimit-remaining': String(result.remainingPoints),
      }
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection
      const retryAfter = String(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)))
      this.#logger.info({ retryAfterSeconds: Number(retryAfter) }, 'rate limit reached')
      throw new RequestRefusal('rate_limited', `too many requests; retry in ${retryAfter} s`, {
        headers: {
          'retry-after': retryAfter,
          'ratelimit-limit': String(this.#points),
          'ratelimit-remaining': '0',
        },
      })
    }
  }
}

import type { Logger } from '../observe/logger.js'
import { ConfigurationError } from '../errors.js'

/** A dependency the service needs, checked on every `/readyz`. */
export interface HealthCheck {
  readonly name: string
  /** Resolves when healthy; rejects (or throws) with the reason otherwise. */
  check(signal: AbortSignal): unknown
  /** A failing critical check makes the service not ready (default true). */
  readonly critical?: boolean
  /** How long the check may take before it counts as failed (default 2,000 ms). */
  readonly timeoutMs?: number
}

export interface CheckResult {
  readonly name: string
  readonly status: 'pass' | 'fail'
  readonly critical: boolean
  readonly durationMs: number
  readonly error?: string
}

export interface Readiness {
  /** `degraded`: only non-critical checks fail; the service still takes traffic. */
  readonly status: 'ready' | 'degraded' | 'not_ready'
  readonly httpStatus: 200 | 503
  readonly checks: readonly CheckResult[]
}

class CheckTimeout extends Error {}

const defaultTimeoutMs = 2_000

/**
 * The registered dependency checks and the readiness they add up to. Checks run in parallel,
 * each under its own timeout. What a failure says on the unauthenticated `/readyz` is only
 * "failed" or the timeout, never the driver's message (it names hosts and ports); the log
 * has the rest.
 */
export class HealthChecks {
  readonly #checks = new Map<string, HealthCheck>()
  readonly #logger: Logger
  #draining = false

  constructor(logger: Logger) {
    this.#logger = logger
  }

  add(check: HealthCheck): void {
    if (check.name.trim() === '') throw new ConfigurationError('a health check needs a name')
    if (this.#checks.has(check.name)) {
      throw new ConfigurationError(`health check ${check.name} is registered twice`)
    }
    if (check.timeoutMs !== undefined && !(check.timeoutMs > 0)) {
      throw new ConfigurationError(`health check ${check.name}: timeoutMs must be positive`)
    }
    this.#checks.set(check.name, check)
  }

  /** From now on `/readyz` answers 503, so load balancers stop sending traffic. */
  drain(): void {
    this.#draining = true
  }

  async readiness(): Promise<Readiness> {
    const checks = await Promise.all([...this.#checks.values()].map((check) => this.#run(check)))
    const criticalFailed = checks.some((result) => result.critical && result.status === 'fail')
    if (this.#draining || criticalFailed) return { status: 'not_ready', httpStatus: 503, checks }
    const anyFailed = checks.some((result) => result.status === 'fail')
    return { status: anyFailed ? 'degraded' : 'ready', httpStatus: 200, checks }
  }

  async #run(check: HealthCheck): Promise<CheckResult> {
    const critical = check.critical ?? true
    const timeoutMs = check.timeoutMs ?? defaultTimeoutMs
    const started = performance.now()
    const controller = new AbortController()
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort()
        reject(new CheckTimeout(`timed out after ${timeoutMs} ms`))
      }, timeoutMs)
    })

    try {
      await Promise.race([Promise.resolve().then(() => check.check(controller.signal)), timeout])
      return { name: check.name, status: 'pass', critical, durationMs: elapsedMs(started) }
    } catch (error) {
      this.#logger.warn({ err: error, check: check.name, critical }, 'health check failed')
      const reason = error instanceof CheckTimeout ? error.message : 'failed'
      return {
        name: check.name,
        status: 'fail',
        critical,
        durationMs: elapsedMs(started),
        error: reason,
      }
    } finally {
      clearTimeout(timer)
    }
  }
}

function elapsedMs(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 1000) / 1000
}

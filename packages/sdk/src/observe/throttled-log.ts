import type { Logger } from './logger.js'

type Level = 'info' | 'warn' | 'error'

/**
 * Logs a recurring condition (a stale policy, an unreachable Rampart) at most once per
 * interval for each message, with how many were left out since the last line, so an outage
 * under load writes a line a minute rather than one per request.
 */
export class ThrottledLog {
  readonly #logger: Logger
  readonly #intervalMs: number
  readonly #now: () => number
  readonly #last = new Map<string, { at: number; suppressed: number }>()

  constructor(logger: Logger, intervalMs: number, now: () => number) {
    this.#logger = logger
    this.#intervalMs = intervalMs
    this.#now = now
  }

  log(level: Level, fields: Record<string, unknown>, message: string): void {
    const now = this.#now()
    const last = this.#last.get(message)
    if (last !== undefined && now - last.at < this.#intervalMs) {
      last.suppressed += 1
      return
    }
    const suppressed = last?.suppressed ?? 0
    this.#last.set(message, { at: now, suppressed: 0 })
    this.#logger[level](suppressed === 0 ? fields : { ...fields, suppressed }, message)
  }
}

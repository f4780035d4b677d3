import { FetchFailed } from './fetch-json.js'
import { TokenInactive } from './introspection.js'

export interface RevocationCheckOptions {
  /** A token's status is asked again once its last answer is this old. */
  readonly intervalMs: number
  /** While Rampart cannot answer, the last answer is trusted until it is this old. */
  readonly maxAnswerAgeMs: number
  /** After a failed question, the next waits this long (requests use the last answer). */
  readonly retryAfterMs: number
  readonly maxEntries: number
  /** The RFC 7662 answer about a token. */
  readonly introspect: (token: string) => Promise<Record<string, unknown>>
  readonly now: () => number
  readonly onError: (error: unknown) => void
}

interface Status {
  active: boolean
  answeredAt: number
  failedAt: number
  readonly expiresAtMs: number
}

/**
 * Whether a verified JWT is still active at Rampart, asked by token introspection (RFC 7662)
 * at most once per `intervalMs` per token, so a token whose grant was revoked is refused
 * within that interval although its signature and expiry still verify. Keyed by the token's
 * hash (the token itself is only held during a question). A revoked answer is final. When
 * Rampart cannot answer, the last answer holds until `maxAnswerAgeMs`; after that, or with
 * no answer ever, the token is refused as unverifiable (fail closed).
 *
 * TODO(#6): a feed of revoked grants pushed by identity would refuse a revoked token at once
 * and save one call per token per interval; identity publishes no such feed yet.
 */
export class RevocationCheck {
  readonly #options: RevocationCheckOptions
  readonly #statuses = new Map<string, Status>()
  readonly #pending = new Map<string, Promise<void>>()

  constructor(options: RevocationCheckOptions) {
    this.#options = options
  }

  /** True when the token's last answer says active and is recent enough to need no question. */
  isCurrent(key: string): boolean {
    const status = this.#statuses.get(key)
    return (
      status !== undefined &&
      status.active &&
      this.#options.now() - status.answeredAt < this.#options.intervalMs
    )
  }

  /**
   * Resolves when the token is active; rejects with `TokenInactive` when Rampart says it is
   * not, and with `FetchFailed` when its status cannot be known.
   */
  async check(key: string, token: string, expiresAtMs: number): Promise<void> {
    const now = this.#options.now()
    const status = this.#statuses.get(key)
    if (status !== undefined) {
      if (!status.active) throw new TokenInactive('introspection says the token was revoked')
      if (now - status.answeredAt < this.#options.intervalMs) return
      // A recent failure: answer from what is known rather than asking again at once.
      if (now - status.failedAt < this.#options.retryAfterMs) return this.#lastAnswer(status)
    }

    let pending = this.#pending.get(key)
    if (pending === undefined) {
      pending = this.#ask(key, token, expiresAtMs).finally(() => this.#pending.delete(key))
      this.#pending.set(key, pending)
    }
    return pending
  }

  async #ask(key: string, token: string, expiresAtMs: number): Promise<void> {
    let answer: Record<string, unknown>
    try {
      answer = await this.#options.introspect(token)
    } catch (error) {
      this.#options.onError(error)
      const status = this.#statuses.get(key)
      if (status === undefined) {
        throw new FetchFailed('the token status is unknown and introspection failed', {
          cause: error,
        })
      }
      status.failedAt = this.#options.now()
      return this.#lastAnswer(status, error)
    }

    const active = answer.active === true
    this.#remember(key, {
      active,
      answeredAt: this.#options.now(),
      failedAt: -Infinity,
      expiresAtMs,
    })
    if (!active) throw new TokenInactive('introspection says the token was revoked')
  }

  #lastAnswer(status: Status, cause?: unknown): void {
    if (this.#options.now() - status.answeredAt > this.#options.maxAnswerAgeMs) {
      throw new FetchFailed('the token status is too old and introspection fails', { cause })
    }
    if (!status.active) throw new TokenInactive('introspection says the token was revoked')
  }

  #remember(key: string, status: Status): void {
    const now = this.#options.now()
    if (status.expiresAtMs <= now) return
    // Entries are kept in answer order (re-inserted on each answer): when full, the one
    // answered longest ago goes, and is asked about again if its token comes back.
    if (this.#statuses.size >= this.#options.maxEntries && !this.#statuses.has(key)) {
      const oldest = this.#statuses.keys().next()
      if (oldest.done !== true) this.#statuses.delete(oldest.value)
    }
    this.#statuses.delete(key)
    this.#statuses.set(key, status)
  }
}

import type { PolicyEvaluator, PolicySnapshot } from '@rampart/access-engine'
import { compileSnapshot, SNAPSHOT_FORMAT } from '@rampart/access-engine'

export interface SnapshotSyncOptions {
  /** Rampart's base URL; the snapshot is `<url>/v1/access/snapshot`. */
  readonly url: string
  /** The token presented to Rampart (its access check token). */
  readonly serviceToken: (() => Promise<string | undefined>) | undefined
  /** How long each long poll asks Rampart to hold the request while nothing changes. */
  readonly waitMs: number
  /** Timeout of a request, on top of `waitMs` for a long poll. */
  readonly timeoutMs: number
  /** The first retry after a failure waits this long, doubling up to `maxBackoffMs`. */
  readonly minBackoffMs: number
  readonly maxBackoffMs: number
  readonly now: () => number
  /** Called after every failed attempt; the caller decides how often to log. */
  readonly onError: (error: unknown) => void
  /** Called when a new policy version is in use. */
  readonly onVersion?: (version: number) => void
}

/** The snapshot endpoint answered something the SDK cannot use. */
export class SnapshotUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SnapshotUnavailable'
  }
}

/** A poll that answers quicker than this is not repeated at once, so a server that ignores
 * `waitMs` cannot make the loop spin. */
const minPollIntervalMs = 200

function isSnapshot(value: unknown): value is PolicySnapshot {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Partial<Record<keyof PolicySnapshot, unknown>>
  return (
    candidate.format === SNAPSHOT_FORMAT &&
    typeof candidate.version === 'number' &&
    Array.isArray(candidate.roles) &&
    Array.isArray(candidate.bindings) &&
    Array.isArray(candidate.grants) &&
    Array.isArray(candidate.groups)
  )
}

/**
 * Keeps a compiled copy of Rampart's access policy current: one plain fetch of
 * `GET /v1/access/snapshot`, then long polls carrying the version as `If-None-Match`, which
 * Rampart holds until the policy changes (200, a new snapshot) or the wait ends (304). Each
 * answer confirms the copy is current at that moment (`confirmedAt`); failures retry with
 * exponential backoff and jitter. Its timers never keep the process alive.
 */
export class SnapshotSync {
  readonly #options: SnapshotSyncOptions
  readonly #endpoint: string
  #evaluator: PolicyEvaluator | undefined
  #etag: string | undefined
  #confirmedAt = Number.NEGATIVE_INFINITY
  #failures = 0
  #running = false
  #timer: NodeJS.Timeout | undefined
  #inFlight: AbortController | undefined
  #firstAttempt: Promise<void> | undefined

  constructor(options: SnapshotSyncOptions) {
    this.#options = options
    this.#endpoint = `${options.url.replace(/\/$/, '')}/v1/access/snapshot`
  }

  /** The evaluator of the newest snapshot received, if any. */
  get evaluator(): PolicyEvaluator | undefined {
    return this.#evaluator
  }

  /** When Rampart last confirmed the copy current (ms since the epoch); -Infinity if never. */
  get confirmedAt(): number {
    return this.#confirmedAt
  }

  /** Resolves once the first fetch has succeeded or failed; never rejects. */
  get firstAttempt(): Promise<void> | undefined {
    return this.#firstAttempt
  }

  /** Starts the loop; calling it again does nothing. */
  start(): void {
    if (this.#running) return
    this.#running = true
    this.#firstAttempt = this.#poll()
  }

  /** Stops the loop and aborts the request in flight. */
  stop(): void {
    this.#running = false
    clearTimeout(this.#timer)
    this.#inFlight?.abort()
  }

  async #poll(): Promise<void> {
    const startedAt = this.#options.now()
    try {
      await this.#fetch()
      this.#failures = 0
      const elapsedMs = this.#options.now() - startedAt
      this.#schedule(Math.max(0, minPollIntervalMs - elapsedMs))
    } catch (error) {
      if (!this.#running) return
      this.#failures += 1
      this.#options.onError(error)
      this.#schedule(this.#backoffMs())
    }
  }

  #backoffMs(): number {
    const { minBackoffMs, maxBackoffMs } = this.#options
    const ceiling = Math.min(maxBackoffMs, minBackoffMs * 2 ** Math.min(this.#failures - 1, 30))
    // Full jitter on the upper half, so replicas that failed together do not retry together.
    return ceiling / 2 + Math.random() * (ceiling / 2)
  }

  #schedule(delayMs: number): void {
    if (!this.#running) return
    this.#timer = setTimeout(() => void this.#poll(), delayMs)
    this.#timer.unref()
  }

  async #fetch(): Promise<void> {
    const options = this.#options
    const longPoll = this.#etag !== undefined
    const headers: Record<string, string> = { accept: 'application/json' }
    const token = await options.serviceToken?.()
    if (token !== undefined) headers.authorization = `Bearer ${token}`
    if (this.#etag !== undefined) headers['if-none-match'] = this.#etag
    const url = longPoll ? `${this.#endpoint}?waitMs=${options.waitMs}` : this.#endpoint

    const controller = new AbortController()
    this.#inFlight = controller
    const timeoutMs = options.timeoutMs + (longPoll ? options.waitMs : 0)
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(timeoutMs)])
    let response: Response
    try {
      response = await fetch(url, { headers, signal })
    } catch (cause) {
      throw new SnapshotUnavailable(`${this.#endpoint} could not be reached`, { cause })
    } finally {
      this.#inFlight = undefined
    }

    if (response.status === 304) {
      await response.body?.cancel()
      this.#confirmedAt = options.now()
      return
    }
    if (response.status !== 200) {
      await response.body?.cancel()
      throw new SnapshotUnavailable(`${this.#endpoint} answered ${response.status}`)
    }
    let body: unknown
    try {
      body = await response.json()
    } catch (cause) {
      throw new SnapshotUnavailable(`${this.#endpoint} did not answer JSON`, { cause })
    }
    if (!isSnapshot(body)) {
      throw new SnapshotUnavailable(`${this.#endpoint} did not answer a ${SNAPSHOT_FORMAT}`)
    }
    this.#install(body, response.headers.get('etag'))
  }

  #install(snapshot: PolicySnapshot, etag: string | null): void {
    let evaluator: PolicyEvaluator
    try {
      evaluator = compileSnapshot(snapshot, { now: this.#options.now })
    } catch (cause) {
      throw new SnapshotUnavailable(`policy version ${snapshot.version} does not compile`, {
        cause,
      })
    }
    const changed = evaluator.version !== this.#evaluator?.version
    this.#evaluator = evaluator
    this.#etag = etag ?? `"v${snapshot.version}"`
    this.#confirmedAt = this.#options.now()
    if (changed) this.#options.onVersion?.(evaluator.version)
  }
}

import { randomUUID } from 'node:crypto'
import type { Logger } from '../observe/logger.js'
import type { PendingEvent } from './types.js'
import { SpillFile } from './spill-file.js'

export interface AuditEmitterOptions {
  /** Rampart's base URL; batches go to `<url>/v1/audit/events`. */
  readonly url: string
  /** The bearer token of Rampart's audit ingestion. */
  readonly token: () => Promise<string | undefined>
  /** Where undelivered events wait while Rampart is unreachable, and across restarts. */
  readonly spillFile: string
  readonly batchSize: number
  readonly flushIntervalMs: number
  /** Events held in memory; more go straight to the spill file. */
  readonly maxBuffered: number
  readonly maxBackoffMs: number
  readonly timeoutMs: number
  readonly logger: Logger
}

interface IngestResult {
  readonly status: 'accepted' | 'duplicate' | 'rejected'
  readonly issues?: unknown
}

class DeliveryFailed extends Error {}

/**
 * Sends audit events to Rampart in batches, never on the request path.
 *
 * Each event gets an idempotency key when it is recorded, so a batch sent twice (after a
 * timeout whose request did arrive, or a crash before the spill file was trimmed) is stored
 * once. While Rampart answers, events wait in memory for the next flush. When a delivery
 * fails, everything pending moves to the spill file and later events are appended there,
 * oldest first; the file is drained with exponential backoff until Rampart answers again.
 * On `close`, what is still in memory is sent once more or spilled, and the file is read
 * back at the next start. Events rejected by Rampart as invalid are logged and dropped:
 * resending cannot fix them.
 */
export class AuditEmitter {
  readonly #options: AuditEmitterOptions
  readonly #endpoint: string
  readonly #spill: SpillFile
  #memory: PendingEvent[] = []
  /** True while the spill file may hold events: new events go behind them. */
  #spilling = true
  #backoffMs = 0
  #timer: NodeJS.Timeout | undefined
  #flushing: Promise<void> | undefined
  #closed = false
  #appending = 0

  constructor(options: AuditEmitterOptions) {
    this.#options = options
    this.#endpoint = `${options.url.replace(/\/$/, '')}/v1/audit/events`
    this.#spill = new SpillFile(options.spillFile)
    this.#schedule(0)
  }

  /** Queues one event; returns at once. */
  record(event: Record<string, unknown>): void {
    if (this.#closed) throw new Error('the audit emitter is closed')
    const pending = { idempotencyKey: randomUUID(), event }
    if (this.#spilling || this.#memory.length >= this.#options.maxBuffered) {
      this.#spillQuietly([pending])
      return
    }
    this.#memory.push(pending)
    if (this.#memory.length >= this.#options.batchSize) this.#schedule(0)
  }

  /** Delivers what it can now; resolves when this attempt is over. */
  flush(): Promise<void> {
    this.#flushing ??= this.#flushOnce().finally(() => (this.#flushing = undefined))
    return this.#flushing
  }

  /** Sends what is pending once more, spills what could not be sent, and stops. */
  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    await this.#flushing
    await this.flush()
    const left = this.#memory
    this.#memory = []
    await this.#spill.append(left)
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      void this.flush().finally(() => {
        const delay = this.#backoffMs > 0 ? this.#backoffMs : this.#options.flushIntervalMs
        this.#schedule(delay)
      })
    }, delayMs)
    this.#timer.unref()
  }

  #spillQuietly(events: readonly PendingEvent[]): void {
    this.#appending++
    this.#spill
      .append(events)
      .catch((error: unknown) => {
        this.#options.logger.error(
          { err: error, events: events.length },
          'audit events could not be written to the spill file and are lost',
        )
      })
      .finally(() => this.#appending--)
  }

  async #flushOnce(): Promise<void> {
    try {
      if (this.#spilling) await this.#drainSpillFile()
      while (!this.#spilling && this.#memory.length > 0) {
        const batch = this.#memory.slice(0, this.#options.batchSize)
        await this.#deliver(batch)
        this.#memory.splice(0, batch.length)
      }
      this.#backoffMs = 0
    } catch (error) {
      if (!(error instanceof DeliveryFailed)) throw error
      this.#options.logger.warn({ err: error }, 'audit delivery failed; spilling and retrying')
      const moved = this.#memory
      this.#memory = []
      this.#spilling = true
      await this.#spill.append(moved)
      const doubled = this.#backoffMs === 0 ? 500 : this.#backoffMs * 2
      const capped = Math.min(doubled, this.#options.maxBackoffMs)
      this.#backoffMs = capped / 2 + Math.random() * (capped / 2)
    }
  }

  async #drainSpillFile(): Promise<void> {
    for (let round = 0; round < 10_000; round++) {
      const events = await this.#spill.readAll()
      if (events.length === 0) {
        // An append still on its way would land behind an empty file: read again after it.
        if (this.#appending > 0) continue
        this.#spilling = false
        return
      }
      const batch = events.slice(0, this.#options.batchSize)
      await this.#deliver(batch)
      await this.#spill.removeFirst(batch.length)
    }
  }

  /** One batch to Rampart; resolves when every event is stored or rejected for good. */
  async #deliver(batch: readonly PendingEvent[]): Promise<void> {
    const token = await this.#options.token()
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (token !== undefined) headers.authorization = `Bearer ${token}`

    let response: Response
    try {
      response = await fetch(this.#endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({ events: batch }),
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      })
    } catch (cause) {
      throw new DeliveryFailed(`${this.#endpoint} could not be reached`, { cause })
    }
    if (!response.ok) {
      await response.body?.cancel()
      throw new DeliveryFailed(`${this.#endpoint} answered ${response.status}`)
    }

    const body = (await response.json().catch(() => undefined)) as
      { results?: IngestResult[] } | undefined
    const results = body?.results
    if (!Array.isArray(results) || results.length !== batch.length) {
      throw new DeliveryFailed(`${this.#endpoint} answered without one result per event`)
    }
    results.forEach((result, index) => {
      if (result.status !== 'rejected') return
      const type = batch[index]?.event.type
      this.#options.logger.error(
        { eventType: type, issues: result.issues },
        'Rampart rejected an audit event; it is dropped',
      )
    })
  }
}

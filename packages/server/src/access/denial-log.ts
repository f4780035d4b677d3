/**
 * Denied decisions as `access.denied` audit events, rate-limited so that a flood of denied
 * checks cannot drown the log: at most `perSecond` events a second per process; the rest are
 * counted, and the count goes into the next event (or a summary event a second later), so
 * the log always says how many denials it did not itemise.
 */
import type { AuditEvents } from '../audit/module.js'
import type { Logger } from '../platform/logger.js'
import type { AccessRequest, Decision } from '@rampart/access-engine'
import { parseSubject } from '@rampart/access-engine'

export interface DenialLogOptions {
  readonly events: AuditEvents
  readonly logger: Logger
  readonly now: () => number
  /** Events a second; 0 turns itemised denial events off (the counts are still logged). */
  readonly perSecond: number
}

export class DenialLog {
  readonly #options: DenialLogOptions
  #windowStart = 0
  #inWindow = 0
  #suppressed = 0
  #flushTimer: NodeJS.Timeout | undefined
  readonly #pending = new Set<Promise<unknown>>()

  constructor(options: DenialLogOptions) {
    this.#options = options
  }

  /** Records one denial; never throws and never delays the decision. */
  record(request: AccessRequest, decision: Decision): void {
    const now = this.#options.now()
    if (now - this.#windowStart >= 1000) {
      this.#windowStart = now
      this.#inWindow = 0
    }
    if (this.#inWindow >= this.#options.perSecond) {
      this.#suppressed += 1
      this.#flushTimer ??= setTimeout(() => this.#flush(), 1000)
      return
    }
    this.#inWindow += 1
    const suppressed = this.#takeSuppressed()
    const subject = parseSubject(request.subject)
    const resource = request.resource
    this.#append({
      type: 'access.denied',
      occurredAt: new Date(now).toISOString(),
      ...(request.tenant === undefined ? {} : { tenant: request.tenant }),
      actor: { type: subject?.type ?? 'unknown', id: subject?.id ?? request.subject },
      target: { type: 'permission', id: request.permission },
      action: 'check',
      outcome: { status: 'denied', reason: decision.reason },
      fields: {
        policyVersion: decision.version,
        ...(resource === undefined ? {} : { resource: `${resource.type}:${resource.id}` }),
        suppressedBefore: suppressed,
      },
    })
  }

  /** Writes the count still held back and waits for the events under way. */
  async stop(): Promise<void> {
    clearTimeout(this.#flushTimer)
    this.#flush()
    await Promise.allSettled([...this.#pending])
  }

  #takeSuppressed(): number {
    const count = this.#suppressed
    this.#suppressed = 0
    clearTimeout(this.#flushTimer)
    this.#flushTimer = undefined
    return count
  }

  #flush(): void {
    this.#flushTimer = undefined
    const suppressed = this.#takeSuppressed()
    if (suppressed === 0) return
    this.#append({
      type: 'access.denied.suppressed',
      occurredAt: new Date(this.#options.now()).toISOString(),
      actor: { type: 'system', id: 'access' },
      action: 'check',
      outcome: { status: 'denied', reason: 'rate limit on denial events' },
      fields: { suppressed },
    })
  }

  #append(event: Parameters<AuditEvents['append']>[0]): void {
    const appended = this.#options.events.append(event).catch((error: unknown) => {
      this.#options.logger.warn({ err: error }, 'access.denied event not recorded')
    })
    this.#pending.add(appended)
    void appended.finally(() => this.#pending.delete(appended))
  }
}

/**
 * Identity facts as audit events. One builder keeps the shape uniform: who acted, from where,
 * on what, and the outcome with its reason. Secrets never enter: callers pass ids, never
 * passwords, codes or tokens.
 */
import type { Transaction } from 'kysely'

import type { AuditEvents } from '../audit/module.js'
import type { AuditActor, AuditEventInput, AuditSeverity, AuditTarget } from '../audit/event.js'
import type { JsonObject } from '../audit/canonical-json.js'
import type { Clock } from '../platform/clock.js'
import type { Logger } from '../platform/logger.js'
import type { Database } from '../store/schema.js'

/** Where a request came from, as events record it. */
export interface RequestOrigin {
  readonly ip?: string | undefined
  readonly userAgent?: string | undefined
  readonly requestId?: string | undefined
}

export interface IdentityFact {
  /** `auth.login.succeeded`, `identity.user.created`, ... */
  readonly type: string
  readonly action: string
  readonly actor: AuditActor
  readonly target?: AuditTarget
  readonly outcome: 'success' | 'failure' | 'denied'
  readonly reason?: string
  readonly severity?: AuditSeverity
  readonly origin?: RequestOrigin
  readonly fields?: JsonObject
}

const ipPattern = /^[0-9a-fA-F:.]+$/

function toEvent(fact: IdentityFact, clock: Clock): AuditEventInput {
  const origin = fact.origin
  const ip = origin?.ip?.replace(/^::ffff:/, '')
  return {
    type: fact.type,
    occurredAt: new Date(clock.now()).toISOString(),
    actor: fact.actor,
    action: fact.action,
    outcome: {
      status: fact.outcome,
      ...(fact.reason === undefined ? {} : { reason: fact.reason }),
    },
    ...(fact.target === undefined ? {} : { target: fact.target }),
    ...(fact.severity === undefined ? {} : { severity: fact.severity }),
    ...(fact.fields === undefined ? {} : { fields: fact.fields }),
    ...(origin === undefined
      ? {}
      : {
          source: {
            ...(ip !== undefined && ipPattern.test(ip) ? { ip } : {}),
            ...(origin.userAgent ? { userAgent: origin.userAgent.slice(0, 1024) } : {}),
          },
        }),
    ...(origin?.requestId === undefined ? {} : { requestId: origin.requestId }),
  }
}

/** Records identity facts in the audit log. */
export class IdentityAudit {
  readonly #events: AuditEvents
  readonly #clock: Clock
  readonly #logger: Logger
  #pending: AuditEventInput[] = []

  constructor(events: AuditEvents, clock: Clock, logger: Logger) {
    this.#events = events
    this.#clock = clock
    this.#logger = logger
  }

  /** Appends the fact, in `transaction` when given, so it commits with the change. */
  async record(fact: IdentityFact, transaction?: Transaction<Database>): Promise<void> {
    try {
      await this.#events.append(toEvent(fact, this.#clock), transaction)
    } catch (error) {
      // A refused event is this module's fault, never the caller's: a 500, not a 400.
      throw new Error(`identity audit event ${fact.type} not recorded`, { cause: error })
    }
  }

  /**
   * Appends the fact without waiting, for library callbacks that cannot wait (the OIDC
   * provider's event emitter); a failure is logged as an error, never thrown. Facts arriving
   * in the same turn of the event loop go to the log as one batch, one transaction: under
   * load, token issuance would otherwise queue one transaction per token.
   */
  recordLater(fact: IdentityFact): void {
    this.#pending.push(toEvent(fact, this.#clock))
    if (this.#pending.length > 1) return
    setImmediate(() => {
      const batch = this.#pending
      this.#pending = []
      this.#events.appendBatch(batch).catch((error: unknown) => {
        const types = [...new Set(batch.map((event) => event.type))]
        this.#logger.error({ err: error, types }, 'identity audit events not recorded')
      })
    })
  }
}

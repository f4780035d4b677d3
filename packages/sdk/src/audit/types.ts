/** Who or what did something, as the audit log records it. */
export interface AuditActor {
  readonly type: string
  readonly id?: string
  readonly name?: string
}

/**
 * An event for Rampart's audit log. `occurredAt`, `requestId` and `traceId` are filled in
 * from the clock and the current request when absent. Never put secrets in `fields`: Rampart
 * rejects events that carry them.
 */
export interface AuditEvent {
  /** Dot-namespaced and lowercase, such as `order.created`. */
  readonly type: string
  readonly action: string
  readonly outcome: { readonly status: 'success' | 'failure' | 'denied'; readonly reason?: string }
  /** The service itself when absent. */
  readonly actor?: AuditActor
  readonly target?: { readonly type: string; readonly id?: string; readonly name?: string }
  readonly dataClasses?: readonly string[]
  readonly severity?: 'info' | 'low' | 'medium' | 'high' | 'critical'
  readonly fields?: Readonly<Record<string, unknown>>
  readonly occurredAt?: string
}

/** A data-access record: who read or changed how many records of which class, and why. */
export interface DataAccess {
  /** `pii`, `financial`, `health`, `credentials`, `biometric`, `location`, `confidential`. */
  readonly dataClass: string
  /** `read`, `export`, `update`, `delete`... */
  readonly operation: string
  readonly recordCount: number
  readonly purpose: string
  readonly actor?: AuditActor
  readonly target?: { readonly type: string; readonly id?: string }
}

/** One event waiting for delivery, with the key that makes resending it harmless. */
export interface PendingEvent {
  readonly idempotencyKey: string
  readonly event: Record<string, unknown>
}

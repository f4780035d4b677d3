/** What a decision is asked about, and what it answers. */

export interface ResourceRef {
  readonly type: string
  readonly id: string
  /** Attributes conditions read as `resource.<name>` (ownerId, department...). */
  readonly attributes?: Readonly<Record<string, unknown>>
}

export interface RequestContext {
  /**
   * `context.time` for conditions, in milliseconds since the epoch; the evaluator's clock when
   * absent. Expiry always follows the evaluator's clock, never this.
   */
  readonly time?: number
  readonly ip?: string
  readonly mfa?: boolean
  readonly attributes?: Readonly<Record<string, unknown>>
}

export interface AccessRequest {
  /** `user:42`, `client:billing` or `group:eng`. */
  readonly subject: string
  /** A concrete `resource:action`. */
  readonly permission: string
  readonly tenant?: string
  readonly resource?: ResourceRef
  /** Attributes conditions read as `subject.attributes.<name>`, supplied by the caller. */
  readonly subjectAttributes?: Readonly<Record<string, unknown>>
  readonly context?: RequestContext
}

/**
 * Why a decision came out as it did: `allowed`; `denied` by a deny grant; `no_permission`
 * when nothing grants it; `condition_false` or `condition_error` when the only paths that
 * could allow had a condition that was false or failed to evaluate.
 */
export type DecisionReason =
  'allowed' | 'denied' | 'no_permission' | 'condition_false' | 'condition_error'

export interface Decision {
  readonly allowed: boolean
  readonly reason: DecisionReason
  /** The policy version the decision was computed at. */
  readonly version: number
}

/** One binding or grant considered while explaining a decision. */
export interface ExplainStep {
  readonly kind: 'binding' | 'grant'
  /** The binding or grant id. */
  readonly id: string
  /** The subject it belongs to: the asked subject or a group it is in. */
  readonly subject: string
  /** For bindings: the chain from the bound role to the role that holds the permission. */
  readonly roles?: readonly string[]
  readonly effect: 'allow' | 'deny'
  /** The pattern that matched the permission, when one did. */
  readonly pattern?: string
  readonly condition?: string
  /** What the condition gave: true, false, or the error that made it deny. */
  readonly conditionResult?: boolean | { readonly error: string }
  /** Whether this step decides (allows, or denies): false when skipped or not matching. */
  readonly applies: boolean
  /** Why it was skipped: expired, another tenant, another resource, inactive role... */
  readonly skipped?: string
}

export interface Explanation extends Decision {
  /** Groups the subject is in, directly or through other groups. */
  readonly groups: readonly string[]
  readonly steps: readonly ExplainStep[]
}

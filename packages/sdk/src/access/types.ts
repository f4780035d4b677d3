/** The resource a request acts on, as an `authorize` loader describes it. */
export interface ResourceDescription {
  readonly id?: string
  /** Attributes conditions read, such as `ownerId` or `department`. */
  readonly attributes?: Readonly<Record<string, unknown>>
}

/** One question to the access model: may this subject do this to this resource? */
export interface AccessQuery {
  readonly subject: { readonly id: string; readonly clientId?: string }
  readonly resource: { readonly type: string } & ResourceDescription
  readonly action: string
  /** `resource:action`, the permission the question is about. */
  readonly permission: string
  readonly context?: Readonly<Record<string, unknown>>
}

export interface AccessDecision {
  readonly allowed: boolean
  /** The policy version the answer was computed at, when the decider knows it. */
  readonly policyVersion?: number
}

/**
 * Something that answers access queries remotely: Rampart's decision API. It rejects when it
 * cannot answer; it never guesses. Local decisions go through `LocalDecider` instead.
 */
export interface AccessDecider {
  decide(query: AccessQuery): Promise<AccessDecision>
}

/**
 * Decisions from a compiled snapshot. Deny grants are looked at first and win; then allow
 * grants and role bindings. A condition that errors never allows, and on a deny grant it
 * denies (fails closed). `explain` walks every path instead of stopping at the first.
 */
import { timestampFromMs } from '@bufbuild/protobuf/wkt'

import type { CompiledPolicy, HeldPermission } from './compiled-policy.js'
import { compilePolicy } from './compiled-policy.js'
import type { CompiledCondition, ConditionInput, ConditionOutcome } from './condition.js'
import { AccessEngineError } from './errors.js'
import type { Permission } from './permission.js'
import { concretePermission } from './permission.js'
import type {
  AccessRequest,
  Decision,
  DecisionReason,
  ExplainStep,
  Explanation,
} from './request.js'
import type { PolicySnapshot } from './snapshot.js'
import { parseSubject } from './subject.js'

export interface EvaluatorOptions {
  /** The clock for expiry and `context.time`; `Date.now` by default. */
  readonly now?: () => number
}

interface Scoped {
  readonly tenant: string | null
  readonly resource: string | null
  readonly expiresAt: number | null
}

/** Why a binding or grant does not apply to this request, or undefined when it does. */
function scopeProblem(
  scoped: Scoped,
  tenant: string | undefined,
  instance: string | undefined,
  now: number,
): string | undefined {
  if (scoped.expiresAt !== null && scoped.expiresAt <= now) return 'expired'
  if (scoped.tenant !== null && scoped.tenant !== tenant) return `scoped to tenant ${scoped.tenant}`
  if (scoped.resource !== null && scoped.resource !== instance) {
    return `scoped to resource ${scoped.resource}`
  }
  return undefined
}

function heldTenantProblem(held: HeldPermission, tenant: string | undefined): string | undefined {
  if (held.tenant === null || held.tenant === tenant) return undefined
  return held.tenant === false
    ? 'the role chain mixes tenants'
    : `role scoped to tenant ${held.tenant}`
}

/** The state of one decision while it is walked. */
interface Walk {
  readonly request: AccessRequest
  readonly permission: Permission
  readonly now: number
  readonly instance: string | undefined
  readonly principals: readonly string[]
  /** Collected only when explaining; then nothing stops early. */
  readonly steps: ExplainStep[] | undefined
  input: ConditionInput | undefined
  /** Outcomes by condition: one reached through several roles is evaluated once. */
  outcomes: Map<CompiledCondition, ConditionOutcome> | undefined
  sawFalse: boolean
  sawError: boolean
  denied: boolean
  allowed: boolean
}

/** Answers access decisions from one policy version. Cheap to query, built once per version. */
export class PolicyEvaluator {
  readonly #policy: CompiledPolicy
  readonly #now: () => number
  readonly #principals = new Map<string, readonly string[]>()

  constructor(snapshot: PolicySnapshot, options: EvaluatorOptions = {}) {
    this.#policy = compilePolicy(snapshot)
    this.#now = options.now ?? Date.now
  }

  get version(): number {
    return this.#policy.version
  }

  /** The compiled policy, for listing what a subject holds. */
  get policy(): CompiledPolicy {
    return this.#policy
  }

  /** Whether `request.subject` may do `request.permission`. */
  check(request: AccessRequest): Decision {
    const walk = this.#walk(request, undefined)
    return { allowed: walk.allowed && !walk.denied, reason: reasonOf(walk), version: this.version }
  }

  /** The decision with every binding and grant considered on the way. */
  explain(request: AccessRequest): Explanation {
    const walk = this.#walk(request, [])
    return {
      allowed: walk.allowed && !walk.denied,
      reason: reasonOf(walk),
      version: this.version,
      groups: walk.principals.slice(1),
      steps: walk.steps ?? [],
    }
  }

  /** The subject and every group it is in, directly or through groups, subject first. */
  principalsOf(subject: string): readonly string[] {
    const cached = this.#principals.get(subject)
    if (cached !== undefined) return cached
    if (parseSubject(subject) === undefined) {
      throw new AccessEngineError('ACCESS_SUBJECT_INVALID', `"${subject}" is not a subject`)
    }
    const found = [subject]
    for (let index = 0; index < found.length; index += 1) {
      for (const group of this.#policy.groupsByMember.get(found[index] as string) ?? []) {
        if (!found.includes(group)) found.push(group)
      }
    }
    // Bounded so that a flood of distinct unknown subjects cannot grow memory for ever.
    if (this.#principals.size >= 100_000) this.#principals.clear()
    this.#principals.set(subject, found)
    return found
  }

  #walk(request: AccessRequest, steps: ExplainStep[] | undefined): Walk {
    const permission = concretePermission(request.permission)
    const resource = request.resource
    const walk: Walk = {
      request,
      permission,
      now: this.#now(),
      instance: resource === undefined ? undefined : `${resource.type}:${resource.id}`,
      principals: this.principalsOf(request.subject),
      steps,
      input: undefined,
      outcomes: undefined,
      sawFalse: false,
      sawError: false,
      denied: false,
      allowed: false,
    }
    this.#walkGrants(walk, 'deny')
    if (walk.denied && steps === undefined) return walk
    this.#walkGrants(walk, 'allow')
    if (walk.allowed && steps === undefined) return walk
    this.#walkBindings(walk)
    return walk
  }

  #walkGrants(walk: Walk, effect: 'allow' | 'deny'): void {
    const { permission, request, steps } = walk
    for (const principal of walk.principals) {
      for (const grant of this.#policy.grantsBySubject.get(principal) ?? []) {
        const definition = grant.definition
        if (definition.effect !== effect) continue
        const matches =
          (grant.resource === '*' || grant.resource === permission.resource) &&
          (grant.action === '*' || grant.action === permission.action)
        if (!matches) continue
        // Steps are only built when explaining, so a check allocates as little as it can.
        const base =
          steps === undefined
            ? undefined
            : ({
                kind: 'grant',
                id: definition.id,
                subject: principal,
                effect,
                pattern: definition.permission,
              } as const)
        const skipped = scopeProblem(definition, request.tenant, walk.instance, walk.now)
        if (skipped !== undefined) {
          if (base !== undefined) steps?.push({ ...base, applies: false, skipped })
          continue
        }
        const applies = this.#passes(walk, grant.condition, effect, base)
        if (!applies) continue
        if (effect === 'deny') walk.denied = true
        else walk.allowed = true
        if (steps === undefined) return
      }
    }
  }

  #walkBindings(walk: Walk): void {
    const { request, steps } = walk
    for (const principal of walk.principals) {
      for (const binding of this.#policy.bindingsBySubject.get(principal) ?? []) {
        const base = {
          kind: 'binding',
          id: binding.id,
          subject: principal,
          effect: 'allow',
        } as const
        // Checks (no steps) skip straight to the lookup when the binding applies.
        const role = this.#policy.roles.get(binding.role)
        const skipped =
          scopeProblem(binding, request.tenant, walk.instance, walk.now) ??
          (role === undefined ? `role ${binding.role} does not exist` : undefined) ??
          (role?.definition.active === false ? `role ${binding.role} is inactive` : undefined)
        if (skipped !== undefined || role === undefined) {
          steps?.push({ ...base, roles: [binding.role], applies: false, skipped })
          continue
        }
        let held = 0
        const { resource, action } = walk.permission
        const exact = role.byResource.get(resource)
        const anyResource = role.byResource.get('*')
        // The four patterns that can cover resource:action, most specific first.
        for (const list of [
          exact?.get(action),
          exact?.get('*'),
          anyResource?.get(action),
          anyResource?.get('*'),
        ]) {
          for (const permission of list ?? []) {
            held += 1
            const step =
              steps === undefined
                ? undefined
                : { ...base, roles: permission.path, pattern: permission.pattern }
            const tenantProblem = heldTenantProblem(permission, request.tenant)
            if (tenantProblem !== undefined) {
              if (step !== undefined)
                steps?.push({ ...step, applies: false, skipped: tenantProblem })
              continue
            }
            if (!this.#passes(walk, permission.condition, 'allow', step)) continue
            walk.allowed = true
            if (steps === undefined) return
          }
        }
        if (held === 0) {
          steps?.push({
            ...base,
            roles: [binding.role],
            applies: false,
            skipped: `role ${binding.role} does not hold ${request.permission}`,
          })
        }
      }
    }
  }

  /** Evaluates a path's condition; a failed condition on a deny still denies. */
  #passes(
    walk: Walk,
    condition: CompiledCondition | undefined,
    effect: 'allow' | 'deny',
    step: Omit<ExplainStep, 'applies'> | undefined,
  ): boolean {
    if (condition === undefined) {
      if (step !== undefined) walk.steps?.push({ ...step, applies: true })
      return true
    }
    walk.input ??= this.#conditionInput(walk)
    walk.outcomes ??= new Map()
    let outcome = walk.outcomes.get(condition)
    if (outcome === undefined) {
      outcome = condition.evaluate(walk.input)
      walk.outcomes.set(condition, outcome)
    }
    const conditionResult = outcome.ok ? outcome.value : { error: outcome.error }
    const applies = outcome.ok ? outcome.value : effect === 'deny'
    if (!outcome.ok) walk.sawError = true
    else if (!outcome.value) walk.sawFalse = true
    if (step !== undefined) {
      walk.steps?.push({ ...step, condition: condition.source, conditionResult, applies })
    }
    return applies
  }

  #conditionInput(walk: Walk): ConditionInput {
    const { request } = walk
    const subject = parseSubject(request.subject)
    const roles = new Set<string>()
    for (const principal of walk.principals) {
      for (const binding of this.#policy.bindingsBySubject.get(principal) ?? []) {
        if (scopeProblem(binding, request.tenant, walk.instance, walk.now) === undefined) {
          roles.add(binding.role)
        }
      }
    }
    const context = request.context ?? {}
    const resource = request.resource
    return {
      subject: {
        id: subject?.id ?? '',
        type: subject?.type ?? '',
        roles: [...roles],
        attributes: request.subjectAttributes ?? {},
      },
      resource:
        resource === undefined
          ? {}
          : { ...resource.attributes, type: resource.type, id: resource.id },
      context: {
        time: timestampFromMs(context.time ?? walk.now),
        ...(context.ip === undefined ? {} : { ip: context.ip }),
        ...(context.mfa === undefined ? {} : { mfa: context.mfa }),
        attributes: context.attributes ?? {},
      },
    }
  }
}

function reasonOf(walk: Walk): DecisionReason {
  if (walk.denied) return 'denied'
  if (walk.allowed) return 'allowed'
  if (walk.sawError) return 'condition_error'
  if (walk.sawFalse) return 'condition_false'
  return 'no_permission'
}

/**
 * Compiles a snapshot into an evaluator.
 *
 * @example
 * const evaluator = compileSnapshot(await (await fetch(`${base}/v1/access/snapshot`)).json())
 * evaluator.check({ subject: 'user:42', permission: 'order:read' }).allowed
 */
export function compileSnapshot(
  snapshot: PolicySnapshot,
  options: EvaluatorOptions = {},
): PolicyEvaluator {
  return new PolicyEvaluator(snapshot, options)
}

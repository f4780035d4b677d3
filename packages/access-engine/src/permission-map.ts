/**
 * What a subject may do, as a UI needs it to show or hide actions: the permission patterns it
 * holds, and for each listed resource the permissions it is allowed on that instance.
 */
import type { PolicyEvaluator } from './evaluator.js'
import type { RequestContext, ResourceRef } from './request.js'
import { splitPermission } from './permission.js'

export interface PermissionQuery {
  readonly subject: string
  readonly tenant?: string
  readonly resources?: readonly ResourceRef[]
  readonly subjectAttributes?: Readonly<Record<string, unknown>>
  readonly context?: RequestContext
}

export interface PermissionMap {
  readonly version: number
  /** Patterns held without a resource in view; `conditional` ones need a resource to decide. */
  readonly permissions: readonly string[]
  readonly conditional: readonly string[]
  /** Per listed resource (`type:id`), the permissions allowed on it. */
  readonly resources?: Readonly<Record<string, readonly string[]>>
}

/** The patterns the subject's bindings and allow grants could give, in the query's tenant. */
function heldPatterns(evaluator: PolicyEvaluator, query: PermissionQuery): Set<string> {
  const { policy } = evaluator
  const patterns = new Set<string>()
  for (const principal of evaluator.principalsOf(query.subject)) {
    for (const grant of policy.grantsBySubject.get(principal) ?? []) {
      if (grant.definition.effect === 'allow') patterns.add(grant.definition.permission)
    }
    for (const binding of policy.bindingsBySubject.get(principal) ?? []) {
      for (const pattern of policy.roles.get(binding.role)?.byPattern.keys() ?? []) {
        patterns.add(pattern)
      }
    }
  }
  return patterns
}

/** A concrete permission to ask for a pattern: wildcards stand for themselves. */
function probe(pattern: string): string {
  const { resource, action } = splitPermission(pattern)
  return `${resource === '*' ? 'any' : resource}:${action === '*' ? 'any' : action}`
}

/**
 * Lists what `query.subject` may do. A pattern is listed when asking for it (wildcards asked
 * as a made-up action) is allowed; a pattern whose only paths are conditional is listed under
 * `conditional` instead, since only a resource can decide it.
 */
export function listPermissions(evaluator: PolicyEvaluator, query: PermissionQuery): PermissionMap {
  const patterns = [...heldPatterns(evaluator, query)].sort()
  const base = {
    subject: query.subject,
    ...(query.tenant === undefined ? {} : { tenant: query.tenant }),
    ...(query.subjectAttributes === undefined
      ? {}
      : { subjectAttributes: query.subjectAttributes }),
    ...(query.context === undefined ? {} : { context: query.context }),
  }

  const permissions: string[] = []
  const conditional: string[] = []
  for (const pattern of patterns) {
    const decision = evaluator.check({ ...base, permission: probe(pattern) })
    if (decision.allowed) permissions.push(pattern)
    else if (decision.reason === 'condition_false' || decision.reason === 'condition_error') {
      conditional.push(pattern)
    }
  }
  if (query.resources === undefined) return { version: evaluator.version, permissions, conditional }

  const resources: Record<string, string[]> = {}
  for (const resource of query.resources) {
    const allowed: string[] = []
    for (const pattern of patterns) {
      const held = splitPermission(pattern)
      if (held.resource !== '*' && held.resource !== resource.type) continue
      const action = held.action === '*' ? 'any' : held.action
      const decision = evaluator.check({
        ...base,
        resource,
        permission: `${resource.type}:${action}`,
      })
      const name = `${resource.type}:${held.action}`
      if (decision.allowed && !allowed.includes(name)) allowed.push(name)
    }
    resources[`${resource.type}:${resource.id}`] = allowed.sort()
  }
  return { version: evaluator.version, permissions, conditional, resources }
}

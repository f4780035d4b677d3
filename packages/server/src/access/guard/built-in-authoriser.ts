/**
 * The decision behind Rampart's own API: a subject holds a permission there only through a
 * binding to a built-in role (or a role inheriting one), never through a direct grant or a
 * role of the services' own policy, so a service role holding `*:read` reads nothing of
 * Rampart. A deny grant still wins. A refusal is an `access.denied` event like any other.
 */
import { isBuiltInRole } from '../built-in-roles.js'
import type { DenialLog } from '../denial-log.js'
import type { PolicyCache } from '../policy-cache.js'

export interface BuiltInDecision {
  readonly allowed: boolean
  readonly version: number
}

export type BuiltInAuthoriser = (subject: string, permission: string) => Promise<BuiltInDecision>

export function createBuiltInAuthoriser(cache: PolicyCache, denials: DenialLog): BuiltInAuthoriser {
  return async (subject, permission) => {
    const evaluator = await cache.evaluator(0)
    const request = { subject, permission }
    const explanation = evaluator.explain(request)
    const allowed =
      explanation.allowed &&
      explanation.steps.some(
        (step) =>
          step.kind === 'binding' &&
          step.applies &&
          step.effect === 'allow' &&
          isBuiltInRole(step.roles?.at(-1) ?? ''),
      )
    if (!allowed) {
      const reason = explanation.allowed ? 'no_permission' : explanation.reason
      denials.record(request, { allowed: false, reason, version: explanation.version })
    }
    return { allowed, version: explanation.version }
  }
}

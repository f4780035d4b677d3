/**
 * The access service other modules and the HTTP routes use: decisions from the cached policy
 * and policy changes through the audited store.
 */
import { RampartError } from '../platform/errors.js'
import type {
  AccessRequest,
  Decision,
  Explanation,
  PermissionMap,
  PermissionQuery,
  PolicyEvaluator,
  PolicySnapshot,
} from '@rampart/access-engine'
import { AccessEngineError, listPermissions } from '@rampart/access-engine'
import type { DenialLog } from './denial-log.js'
import type { PolicyCache } from './policy-cache.js'

export interface Consistency {
  /** Answer from this policy version or a later one. */
  readonly atLeastVersion?: number
}

/** One answer of a batch: a decision, or why that check could not be evaluated. */
export type BatchResult = Decision | { readonly error: { code: string; detail: string } }

export interface AccessService {
  check(request: AccessRequest, consistency?: Consistency): Promise<Decision>
  checkBatch(
    requests: readonly AccessRequest[],
    consistency?: Consistency,
  ): Promise<{ version: number; results: BatchResult[] }>
  explain(request: AccessRequest, consistency?: Consistency): Promise<Explanation>
  permissions(query: PermissionQuery, consistency?: Consistency): Promise<PermissionMap>
  snapshot(consistency?: Consistency): Promise<PolicySnapshot>
}

/** Turns the engine's errors about a request into the API's problem codes. */
function asProblem<T>(work: () => T): T {
  try {
    return work()
  } catch (error) {
    if (!(error instanceof AccessEngineError)) throw error
    const code =
      error.code === 'ACCESS_PERMISSION_INVALID'
        ? 'access_permission_invalid'
        : 'access_subject_invalid'
    throw new RampartError(code, error.message, { cause: error })
  }
}

export function createAccessService(cache: PolicyCache, denials?: DenialLog): AccessService {
  const evaluator = (consistency?: Consistency): Promise<PolicyEvaluator> =>
    cache.evaluator(consistency?.atLeastVersion ?? 0)

  return {
    check: async (request, consistency) => {
      const current = await evaluator(consistency)
      const decision = asProblem(() => current.check(request))
      if (!decision.allowed) denials?.record(request, decision)
      return decision
    },
    checkBatch: async (requests, consistency) => {
      const current = await evaluator(consistency)
      const results = requests.map((request): BatchResult => {
        try {
          const decision = asProblem(() => current.check(request))
          if (!decision.allowed) denials?.record(request, decision)
          return decision
        } catch (error) {
          if (!(error instanceof RampartError)) throw error
          return { error: { code: error.code, detail: error.message } }
        }
      })
      return { version: current.version, results }
    },
    explain: async (request, consistency) => {
      const current = await evaluator(consistency)
      return asProblem(() => current.explain(request))
    },
    permissions: async (query, consistency) => {
      const current = await evaluator(consistency)
      return asProblem(() => listPermissions(current, query))
    },
    snapshot: (consistency) => cache.snapshot(consistency?.atLeastVersion ?? 0),
  }
}

import { permissionProblem } from '@rampart/access-engine'
import type { RampartAuth } from '../auth/types.js'
import type { Logger } from '../observe/logger.js'
import type { ServiceMetrics } from '../observe/metrics.js'
import type { ThrottledLog } from '../observe/throttled-log.js'
import { bearerChallenge } from '../auth/bearer.js'
import { ConfigurationError, RequestRefusal } from '../errors.js'
import { accessRequestOf } from './access-request.js'
import type { LocalDecider } from './local-decider.js'
import type { SnapshotSync } from './snapshot-sync.js'
import type { AccessDecider, AccessQuery, ResourceDescription } from './types.js'

export interface AuthorizerOptions {
  readonly remote: AccessDecider
  /** Local decisions from the policy snapshot; absent when the service turned them off. */
  readonly local: { readonly decider: LocalDecider; readonly sync: SnapshotSync } | undefined
  readonly logger: Logger
  /** For conditions that recur under load: stale snapshot, unreachable Rampart. */
  readonly throttledLog: ThrottledLog
  readonly metrics: ServiceMetrics
  /** The realm named in `WWW-Authenticate` challenges; the service name. */
  readonly realm: string
}

/**
 * Decides `authorize(resource, action)` for a request, failing closed: locally from the
 * policy snapshot while it is current, through Rampart's check API while it is not, and
 * with 503 when neither can answer. Never allows by default.
 */
export class Authorizer {
  readonly #options: AuthorizerOptions

  constructor(options: AuthorizerOptions) {
    this.#options = options
  }

  /**
   * Checks a permission an `authorize()` middleware will ask about, when the middleware is
   * created (a typo fails at start-up, not per request), and starts keeping the snapshot.
   */
  prepare(resourceType: string, action: string): void {
    const problem = permissionProblem(`${resourceType}:${action}`, true)
    if (problem !== undefined) throw new ConfigurationError(`authorize(): ${problem}`)
    this.#options.local?.sync.start()
  }

  /** Stops keeping the snapshot; later decisions go to Rampart. */
  close(): void {
    this.#options.local?.sync.stop()
  }

  /**
   * The decision when it can be had without waiting, from a current snapshot: true when
   * allowed; throws a `RequestRefusal` when refused; false when only `authorize` can answer
   * (the snapshot is loading or unusable). Saves a promise on the path most requests take.
   */
  decideNow(
    auth: RampartAuth | undefined,
    resourceType: string,
    action: string,
    resource: ResourceDescription | undefined,
  ): boolean {
    const local = this.#options.local
    const query = this.#queryOf(auth, resourceType, action, resource)
    if (local === undefined || local.decider.pending() !== undefined) return false
    const decision = local.decider.decide(accessRequestOf(query))
    if (typeof decision === 'string') return false
    return this.#settle('local', decision.allowed, query)
  }

  /** Resolves when allowed; throws a `RequestRefusal` (401, 403 or 503) otherwise. */
  async authorize(
    auth: RampartAuth | undefined,
    resourceType: string,
    action: string,
    resource: ResourceDescription | undefined,
  ): Promise<void> {
    const { metrics, local } = this.#options
    const query = this.#queryOf(auth, resourceType, action, resource)

    if (local !== undefined) {
      const pending = local.decider.pending()
      if (pending !== undefined) await pending
      const decision = local.decider.decide(accessRequestOf(query))
      if (typeof decision !== 'string') {
        this.#settle('local', decision.allowed, query)
        return
      }
      this.#options.throttledLog.log(
        'warn',
        { reason: decision },
        'policy snapshot unusable, asking Rampart for access decisions',
      )
    }

    let allowed: boolean
    try {
      allowed = (await this.#options.remote.decide(query)).allowed
    } catch (error) {
      metrics.accessDecided('none', 'unavailable')
      this.#options.throttledLog.log(
        'error',
        { err: error },
        'access decisions unavailable, denying requests',
      )
      throw new RequestRefusal('access_check_unavailable', 'the access decision is unavailable', {
        cause: error,
        permission: query.permission,
        headers: { 'retry-after': '1' },
      })
    }
    this.#settle('remote', allowed, query)
  }

  /** The question for an authenticated caller; 401 without one. */
  #queryOf(
    auth: RampartAuth | undefined,
    resourceType: string,
    action: string,
    resource: ResourceDescription | undefined,
  ): AccessQuery {
    const permission = `${resourceType}:${action}`
    if (auth === undefined) {
      throw new RequestRefusal('unauthorized', 'authentication is required', {
        permission,
        headers: { 'www-authenticate': bearerChallenge(this.#options.realm) },
      })
    }
    return {
      subject:
        auth.clientId === undefined
          ? { id: auth.subject }
          : { id: auth.subject, clientId: auth.clientId },
      resource:
        resource === undefined ? { type: resourceType } : { type: resourceType, ...resource },
      action,
      permission,
    }
  }

  /** Counts a decision; true when allowed, a 403 naming the permission otherwise. */
  #settle(source: 'local' | 'remote', allowed: boolean, query: AccessQuery): true {
    this.#options.metrics.accessDecided(source, allowed ? 'allowed' : 'denied')
    if (allowed) return true
    this.#options.logger.info(
      { permission: query.permission, subject: query.subject.id },
      'access denied',
    )
    throw new RequestRefusal('forbidden', `missing permission ${query.permission}`, {
      permission: query.permission,
    })
  }
}

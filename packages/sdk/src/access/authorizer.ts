import type { RampartAuth } from '../auth/types.js'
import type { Logger } from '../observe/logger.js'
import { bearerChallenge } from '../auth/bearer.js'
import { RequestRefusal } from '../errors.js'
import type { AccessDecider, AccessQuery, ResourceDescription } from './types.js'

/**
 * Decides `authorize(resource, action)` for a request, failing closed.
 *
 * TODO(#6): evaluate locally from Rampart's policy snapshot (`GET /v1/access/snapshot`, kept
 * current by its change feed) with the pure evaluator of the access engine (#5), and use the
 * remote decider only while the snapshot is missing or stale beyond a limit. Until that
 * engine exists every decision is a remote check.
 */
export class Authorizer {
  readonly #remote: AccessDecider
  readonly #logger: Logger
  readonly #realm: string

  constructor(remote: AccessDecider, logger: Logger, realm: string) {
    this.#remote = remote
    this.#logger = logger
    this.#realm = realm
  }

  /** Resolves when allowed; throws a `RequestRefusal` (403 or 503) otherwise. */
  async authorize(
    auth: RampartAuth | undefined,
    resourceType: string,
    action: string,
    resource: ResourceDescription | undefined,
  ): Promise<void> {
    const permission = `${resourceType}:${action}`
    if (auth === undefined) {
      throw new RequestRefusal('unauthorized', 'authentication is required', {
        permission,
        headers: { 'www-authenticate': bearerChallenge(this.#realm) },
      })
    }

    const query: AccessQuery = {
      subject:
        auth.clientId === undefined
          ? { id: auth.subject }
          : { id: auth.subject, clientId: auth.clientId },
      resource: { type: resourceType, ...resource },
      action,
      permission,
    }

    let allowed: boolean
    try {
      allowed = (await this.#remote.decide(query)).allowed
    } catch (error) {
      this.#logger.error({ err: error, permission }, 'access decision unavailable, denying')
      throw new RequestRefusal('access_check_unavailable', 'the access decision is unavailable', {
        cause: error,
        permission,
        headers: { 'retry-after': '1' },
      })
    }

    if (!allowed) {
      this.#logger.info({ permission, subject: auth.subject }, 'access denied')
      throw new RequestRefusal('forbidden', `missing permission ${permission}`, { permission })
    }
  }
}

/** Who made a policy change through the API, for its audit event. */
import type { FastifyRequest } from 'fastify'

import type { ChangeActor } from '../store/policy-changes.js'

/** The admin token's holder, until identity names real users. */
export function actorOf(request: FastifyRequest): ChangeActor {
  const userAgent = request.headers['user-agent']
  return {
    // TODO(#4): the authenticated user or service client, once identity's tokens are accepted.
    actor: { type: 'service', id: 'access.admin_token', authMethod: 'bearer_token' },
    source: { ip: request.ip, ...(userAgent === undefined ? {} : { userAgent }) },
    requestId: request.id,
  }
}

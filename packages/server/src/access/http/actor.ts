/** Who made a policy change through the API, for its audit event. */
import type { FastifyRequest } from 'fastify'

import { callerOf } from '../guard/route-guard.js'
import type { ChangeActor } from '../store/policy-changes.js'

/** The subject whose access token passed the gate, else the admin token's holder. */
export function actorOf(request: FastifyRequest): ChangeActor {
  const userAgent = request.headers['user-agent']
  const caller = callerOf(request)
  const [type = 'service', id = 'access.admin_token'] =
    caller?.kind === 'subject' ? caller.subject.split(/:(.*)/s) : []
  return {
    actor: { type: type === 'client' ? 'service' : type, id, authMethod: 'bearer_token' },
    source: { ip: request.ip, ...(userAgent === undefined ? {} : { userAgent }) },
    requestId: request.id,
  }
}

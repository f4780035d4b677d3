/** Where a request to the identity pages and endpoints came from, as audit events record it. */
import type { FastifyRequest } from 'fastify'

import type { RequestOrigin } from '../audit-events.js'

export function originOf(request: FastifyRequest): RequestOrigin {
  return { ip: request.ip, userAgent: request.headers['user-agent'], requestId: request.id }
}

import type { AccessRequest } from '@rampart/access-engine'
import type { AccessQuery } from './types.js'

/**
 * The question in the access engine's terms, which is also the body `POST /v1/access/check`
 * takes: a typed subject id (`client:<id>` for a token a client got for itself, where `sub`
 * is its client id; `user:<id>` otherwise), the permission, the resource when it has an id,
 * and the caller's attributes for conditions. Local and remote decisions ask the same thing.
 */
export function accessRequestOf(query: AccessQuery): AccessRequest {
  const { subject, resource } = query
  const isClient = subject.clientId !== undefined && subject.clientId === subject.id
  const request: {
    -readonly [Key in keyof AccessRequest]: AccessRequest[Key]
  } = {
    subject: `${isClient ? 'client' : 'user'}:${subject.id}`,
    permission: query.permission,
  }
  if (resource.id !== undefined) {
    request.resource = {
      type: resource.type,
      id: resource.id,
      ...(resource.attributes === undefined ? {} : { attributes: resource.attributes }),
    }
  }
  if (query.context !== undefined) request.context = { attributes: query.context }
  return request
}

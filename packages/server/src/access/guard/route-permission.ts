/**
 * The permission a route of Rampart's own API needs, derived from the route so a route group
 * is protected by one hook: reads (GET, HEAD) need `:read`, everything else `:write`.
 */
import type { FastifyRequest } from 'fastify'

const reads = new Set(['GET', 'HEAD'])

function actionOf(request: FastifyRequest): 'read' | 'write' {
  return reads.has(request.method) ? 'read' : 'write'
}

/** `<resource>:read` or `<resource>:write` by method, e.g. `access.policy:write` for a PUT. */
export function permissionByMethod(resource: string): (request: FastifyRequest) => string {
  return (request) => `${resource}:${actionOf(request)}`
}

/**
 * `<area>.<collection>:<read|write>` from the route template: under `/v1/identity`,
 * `/users/:id/sessions` needs `identity.users:read` for a GET and `resource-servers`
 * becomes `identity.resource_servers`.
 */
export function permissionByRoute(area: string): (request: FastifyRequest) => string {
  const prefix = `/v1/${area}/`
  return (request) => {
    const route = request.routeOptions.url ?? request.url
    const rest = route.startsWith(prefix) ? route.slice(prefix.length) : ''
    const collection = (rest.split('/')[0] ?? '').replaceAll('-', '_') || 'api'
    return `${area}.${collection}:${actionOf(request)}`
  }
}

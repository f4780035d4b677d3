import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { MetricsConfig } from '../config.js'
import { remoteHeaders } from '../remote-headers.js'
import { sendNotFound } from './unknown-paths.js'

const forwardedHeaders = ['accept', 'content-type']

/** The read endpoints forwarded; admin and write paths of the remote are never reachable. */
const readEndpoints = new RegExp(
  '^/(query|query_range|query_exemplars|series|labels|label/[^/]+/values|metadata|targets|' +
    'rules|alerts|format_query|status/buildinfo)$',
)

/**
 * With `metrics.backend: prometheus`, the read API is answered by the remote server: the
 * request is forwarded as it came (path, query string, form body) and the answer returned
 * unchanged, so clients see the remote's results in the same shapes. The client's own
 * Authorization header (Rampart's token) is never forwarded; the configured credentials and
 * headers (`metrics.remote`, e.g. a tenant's X-Scope-OrgID) are sent instead.
 */
export function registerRemoteProxy(scope: FastifyInstance, config: MetricsConfig): void {
  const remoteUrl = config.remote_url ?? ''
  const configuredHeaders = remoteHeaders(config)

  scope.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => done(null, body),
  )

  const forward = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const suffix = request.url.replace(/^\/prometheus/, '')
    const endpoint = (suffix.split('?', 1)[0] ?? '').replace(/^\/api\/v1/, '')
    // Dot segments, plain or percent-encoded, could climb out of the remote's API prefix.
    if (/\.\.|%2e/i.test(endpoint) || !readEndpoints.test(endpoint)) {
      return sendNotFound(reply, `${request.method} /api/v1${endpoint}`)
    }
    const target = new URL(suffix, remoteUrl.endsWith('/') ? remoteUrl : `${remoteUrl}/`)
    target.pathname = `${new URL(remoteUrl).pathname.replace(/\/$/, '')}${suffix.split('?')[0]}`

    const headers: Record<string, string> = { ...configuredHeaders }
    for (const name of forwardedHeaders) {
      const value = request.headers[name]
      if (typeof value === 'string') headers[name] = value
    }

    try {
      const response = await fetch(target, {
        method: request.method,
        headers,
        body: typeof request.body === 'string' ? request.body : undefined,
        signal: AbortSignal.timeout(130_000),
      })
      const text = await response.text()
      return reply
        .status(response.status)
        .type(response.headers.get('content-type') ?? 'application/json')
        .send(text)
    } catch (error) {
      request.log.warn({ err: error }, 'remote metrics backend unreachable')
      return reply.status(503).send({
        status: 'error',
        errorType: 'unavailable',
        error: 'the remote metrics backend is unreachable',
      })
    }
  }

  scope.route({ method: ['GET', 'POST'], url: '/*', handler: forward })
}

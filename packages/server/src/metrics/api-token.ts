import { createHash, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { RampartError } from '../platform/errors.js'
import type { MetricsConfig } from './config.js'

const challengeHeader = 'Bearer realm="rampart metrics"'

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

/**
 * Guards the Prometheus-compatible API with the configured bearer token (for Grafana and
 * other data-source clients). Without a token the API is closed rather than open.
 * TODO(#5): authorise through the access model's `metrics:read` permission as well.
 */
export function requireApiToken(scope: FastifyInstance, config: MetricsConfig): void {
  const configured =
    config.api_token ??
    (config.api_token_file === undefined
      ? undefined
      : readFileSync(config.api_token_file, 'utf8').trim())
  const expected = configured === undefined ? undefined : digest(configured)

  scope.addHook('onRequest', (request, reply, done) => {
    // RFC 9110 §11.6.1: a 401 names the scheme the client should answer with.
    const challenge = (): void => void reply.header('www-authenticate', challengeHeader)
    if (expected === undefined) {
      challenge()
      done(new RampartError('unauthorized', 'the metrics API is closed: set metrics.api_token'))
      return
    }
    const header = request.headers.authorization ?? ''
    const presented = header.startsWith('Bearer ') ? header.slice(7) : ''
    // Comparing digests keeps the comparison constant-time whatever the lengths.
    if (!timingSafeEqual(digest(presented), expected)) {
      challenge()
      done(new RampartError('unauthorized', 'a valid bearer token is required'))
      return
    }
    done()
  })
}

/**
 * Mounts the provider (a Koa application) in Fastify: its routes under `/oidc`, discovery at
 * `/.well-known/openid-configuration`. The request body is left unread for the provider,
 * which parses its own, and the platform's headers are copied onto the raw response.
 */
import type { IncomingMessage } from 'node:http'

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type Provider from 'oidc-provider'

import { RampartError } from '../../platform/errors.js'

/** Provider endpoints live under this prefix; discovery stays at the root `/.well-known`. */
export const providerPrefix = '/oidc'

/** Fastify's request id of a raw request, for the provider's audit events. */
export const requestIds = new WeakMap<IncomingMessage, string>()

export async function mountProvider(
  server: FastifyInstance,
  current: () => Provider | undefined,
): Promise<void> {
  await server.register((scope, _options, done) => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', (_request, _payload, done) => {
      done(null, undefined)
    })

    const forward = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      const provider = current()
      if (provider === undefined) {
        throw new RampartError('identity_provider_unavailable', 'the identity provider is starting')
      }
      requestIds.set(request.raw, request.id)
      // The provider builds endpoint URLs from the Host header; pinning it to the issuer's
      // keeps a forged Host out of discovery and every URL it writes.
      request.raw.headers.host = new URL(provider.issuer).host
      reply.hijack()
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) reply.raw.setHeader(name, value)
      }
      await provider.callback()(request.raw, reply.raw)
    }

    const options = { schema: { hide: true } }
    scope.all(`${providerPrefix}/*`, options, forward)
    scope.route({
      method: ['GET', 'OPTIONS'],
      url: '/.well-known/openid-configuration',
      ...options,
      handler: forward,
    })
    done()
  })
}

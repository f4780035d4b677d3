/**
 * The policy snapshot for local evaluation, with the version as its ETag. A client that sends
 * `If-None-Match` with `?waitMs=` is held until the policy changes (long poll) or the wait
 * ends (304), so it learns of a change as soon as this replica does.
 */
import type { FastifyInstance } from 'fastify'

import type { PolicyCache } from '../policy-cache.js'
import type { AccessTokens } from '../tokens.js'
import { requireAccessToken } from '../tokens.js'
import { problemResponses, security, tags } from './schemas.js'

const etagOf = (version: number) => `"v${version}"`

/** The version an `If-None-Match` names, when it names one of ours. */
function versionOf(header: string | undefined): number | undefined {
  const match = /^(?:W\/)?"v(\d{1,15})"$/.exec(header?.trim() ?? '')
  return match === null ? undefined : Number(match[1])
}

export function registerSnapshotRoutes(
  server: FastifyInstance,
  deps: {
    readonly cache: PolicyCache
    readonly tokens: AccessTokens
    readonly maxWaitMs: number
  },
): void {
  const { cache, tokens, maxWaitMs } = deps

  server.get<{ Querystring: { waitMs?: string } }>(
    '/v1/access/snapshot',
    {
      onRequest: requireAccessToken(tokens, 'check'),
      schema: {
        summary: 'The whole compiled policy, for local evaluation',
        tags,
        security,
        querystring: {
          type: 'object',
          properties: {
            waitMs: {
              type: 'string',
              pattern: '^[0-9]{1,6}$',
              description: `with If-None-Match: wait this long for a change (max ${maxWaitMs})`,
            },
          },
        },
        response: problemResponses,
      },
    },
    async (request, reply) => {
      const known = versionOf(request.headers['if-none-match'])
      let snapshot = await cache.snapshot()
      const waitMs = Math.min(Number(request.query.waitMs ?? '0'), maxWaitMs)
      if (known !== undefined && snapshot.version <= known && waitMs > 0) {
        await cache.waitForNewer(known, waitMs)
        snapshot = await cache.snapshot()
      }
      void reply.header('etag', etagOf(snapshot.version)).header('cache-control', 'no-cache')
      if (known !== undefined && snapshot.version <= known) return reply.code(304).send()
      return snapshot
    },
  )
}

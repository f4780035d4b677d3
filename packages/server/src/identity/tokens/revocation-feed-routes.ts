/**
 * `GET /v1/identity/revocations`: the JWT access tokens revoked since a cursor, for resource
 * servers that verify tokens locally and must refuse revoked ones within a bounded delay.
 * A resource server polls it with its own OAuth client's credentials (HTTP Basic, as at the
 * token endpoint), the same confidential client it would introspect with.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'

import { RampartError } from '../../platform/errors.js'
import type { Clients } from '../clients/clients.js'
import type { JwtAccessTokens } from './jwt-access-tokens.js'

export interface RevocationFeedDeps {
  readonly clients: Clients
  readonly jwtAccessTokens: JwtAccessTokens
}

const defaultLimit = 500
const maxLimit = 1000

const querySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    since: { type: 'string', maxLength: 20 },
    // Query values arrive as strings (the server does not coerce types): digits here, the
    // bounds in parseLimit, so an out-of-range limit gets a message naming them.
    limit: { type: 'string', pattern: '^[0-9]{1,16}$', description: `1 to ${maxLimit}` },
  },
} as const

// TODO(#4): clients that authenticate with private_key_jwt cannot poll the feed yet; they
// would need the provider's client assertion check, which is not reachable outside /oidc.
/** The client id and secret of an RFC 6749 §2.3.1 Basic header, each form-decoded. */
function basicCredentials(request: FastifyRequest): { id: string; secret: string } | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(request.headers.authorization ?? '')
  if (match === null) return undefined
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon <= 0) return undefined
  try {
    const form = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '))
    return { id: form(decoded.slice(0, colon)), secret: form(decoded.slice(colon + 1)) }
  } catch {
    return undefined
  }
}

function parseCursor(since: string | undefined): number {
  if (since === undefined || since === '') return 0
  if (!/^\d{1,15}$/.test(since)) {
    throw new RampartError('invalid_cursor', 'since must be a cursor this endpoint returned')
  }
  return Number(since)
}

function parseLimit(limit: string | undefined): number {
  if (limit === undefined) return defaultLimit
  const value = Number(limit)
  if (value < 1 || value > maxLimit) {
    throw new RampartError('validation_failed', `limit must be an integer from 1 to ${maxLimit}`)
  }
  return value
}

export function registerRevocationFeedRoutes(
  server: FastifyInstance,
  deps: RevocationFeedDeps,
): void {
  server.get<{ Querystring: { since?: string; limit?: string } }>(
    '/v1/identity/revocations',
    {
      schema: {
        tags: ['identity'],
        summary: 'JWT access tokens revoked after a cursor, oldest first',
        querystring: querySchema,
      },
    },
    async (request) => {
      const credentials = basicCredentials(request)
      const valid =
        credentials !== undefined &&
        (await deps.clients.secretMatches(credentials.id, credentials.secret))
      if (!valid) {
        throw new RampartError('unauthorized', 'valid client credentials (HTTP Basic) are required')
      }
      const cursor = parseCursor(request.query.since)
      const limit = parseLimit(request.query.limit)
      const page = await deps.jwtAccessTokens.revocationsSince(cursor, limit)
      return { ...page, cursor: String(page.cursor) }
    },
  )
}

import type { RampartAuth } from './types.js'
import { scopesOf } from './jwt-verifier.js'
import { fetchJson } from './fetch-json.js'

/** The token is not active, or its introspection answer does not fit this service. */
export class TokenInactive extends Error {
  constructor(reason: string) {
    super(reason)
    this.name = 'TokenInactive'
  }
}

export interface IntrospectionOptions extends IntrospectionClient {
  readonly issuer: string
  readonly audience: string | readonly string[]
  readonly now: () => number
}

// RFC 6749 appendix B: client credentials in Basic auth are form-encoded first.
export function basicAuthorization(clientId: string, clientSecret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+')
  const pair = `${encode(clientId)}:${encode(clientSecret)}`
  return `Basic ${Buffer.from(pair).toString('base64')}`
}

/** How to reach the introspection endpoint, as a client of Rampart. */
export interface IntrospectionClient {
  readonly endpoint: () => Promise<string>
  readonly clientId: string
  readonly clientSecret: string
  readonly timeoutMs: number
}

/**
 * Rampart's RFC 7662 answer about a token, authenticating as this service's client. The
 * token goes in the form body, never in the URL; it is not logged.
 */
export async function requestIntrospection(
  token: string,
  client: IntrospectionClient,
): Promise<Record<string, unknown>> {
  const endpoint = await client.endpoint()
  return fetchJson(endpoint, {
    method: 'POST',
    timeoutMs: client.timeoutMs,
    headers: {
      authorization: basicAuthorization(client.clientId, client.clientSecret),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
  })
}

/**
 * Asks Rampart whether an opaque token is active (RFC 7662), authenticating as this service's
 * client. An active answer must still name this service's audience, Rampart as issuer when
 * it names one, a subject, and an expiry in the future.
 */
export async function introspect(
  token: string,
  options: IntrospectionOptions,
): Promise<RampartAuth> {
  const answer = await requestIntrospection(token, options)

  if (answer.active !== true) throw new TokenInactive('introspection says the token is not active')
  if (answer.iss !== undefined && answer.iss !== options.issuer) {
    throw new TokenInactive('introspection names another issuer')
  }
  const audiences = Array.isArray(answer.aud) ? answer.aud : [answer.aud]
  const wanted = typeof options.audience === 'string' ? [options.audience] : options.audience
  if (!audiences.some((audience) => wanted.includes(audience as string))) {
    throw new TokenInactive('introspection names another audience')
  }
  if (typeof answer.sub !== 'string' || answer.sub === '') {
    throw new TokenInactive('introspection names no subject')
  }
  if (typeof answer.exp !== 'number' || answer.exp * 1000 <= options.now()) {
    throw new TokenInactive('introspection gives no expiry in the future')
  }

  return {
    subject: answer.sub,
    clientId: typeof answer.client_id === 'string' ? answer.client_id : undefined,
    scopes: scopesOf(answer),
    expiresAt: new Date(answer.exp * 1000),
    tokenKind: 'opaque',
    claims: answer,
  }
}

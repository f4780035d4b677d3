/**
 * What Rampart records of a JWT access token as the provider issues it: the payload the
 * provider would have stored for an opaque token of the same grant (so introspection answers
 * the same fields), with the `iat`, `exp` and `jti` the JWT carries, and the introspection
 * members (such as a client's `sub`) the library would otherwise leave out.
 */
import type { AccessToken, ClientCredentials } from 'oidc-provider'

import type { IssuedJwt } from '../tokens/jwt-access-tokens.js'

/** The payload members of a token model, as the library lists them. */
function payloadFields(token: AccessToken | ClientCredentials): readonly string[] {
  return (token.constructor as unknown as { IN_PAYLOAD: readonly string[] }).IN_PAYLOAD
}

/**
 * RFC 7662 §2.2 members the JWT carries that introspection would not derive from the stored
 * token. The library answers `sub` only from an account, yet a client-credentials JWT names
 * its client as `sub`; kept in `extra`, which introspection copies into its answer.
 */
function introspectionClaims(
  claims: Record<string, unknown>,
  hasAccount: boolean,
): Record<string, unknown> {
  const found: Record<string, unknown> = {}
  if (!hasAccount && typeof claims.sub === 'string') found.sub = claims.sub
  if (typeof claims.nbf === 'number') found.nbf = claims.nbf
  if (typeof claims.username === 'string') found.username = claims.username
  return found
}

export function issuedJwt(
  token: AccessToken | ClientCredentials,
  claims: Record<string, unknown>,
): IssuedJwt {
  const source = token as unknown as Record<string, unknown>
  const payload: Record<string, unknown> = {}
  for (const field of payloadFields(token)) {
    if (source[field] !== undefined) payload[field] = source[field]
  }
  const { jti, iat, exp } = claims
  if (typeof jti !== 'string' || typeof iat !== 'number' || typeof exp !== 'number') {
    throw new TypeError('a JWT access token lacks jti, iat or exp')
  }
  Object.assign(payload, { jti, iat, exp })
  const introspected = introspectionClaims(claims, source.accountId !== undefined)
  if (Object.keys(introspected).length > 0) {
    payload.extra = { ...(payload.extra as Record<string, unknown> | undefined), ...introspected }
  }
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined)
  return {
    jti,
    model: token.kind,
    clientId: token.clientId ?? '',
    accountId: text(source.accountId),
    grantId: text(source.grantId),
    payload,
    exp,
  }
}

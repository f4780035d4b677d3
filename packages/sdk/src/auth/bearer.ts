import { RequestRefusal } from '../errors.js'

/** Longest Authorization header read; a longer one is refused before any parsing. */
export const maxAuthorizationLength = 8_192

// RFC 6750 section 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const b64token = /^[A-Za-z0-9\-._~+/]+=*$/

function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '')}"`
}

/** An RFC 6750 `WWW-Authenticate` challenge for the realm, with the error when there is one. */
export function bearerChallenge(
  realm: string,
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope',
  description?: string,
): string {
  const parts = [`Bearer realm=${quoted(realm)}`]
  if (error !== undefined) parts.push(`error=${quoted(error)}`)
  if (description !== undefined) parts.push(`error_description=${quoted(description)}`)
  return parts.join(', ')
}

/**
 * The bearer token of an `Authorization` header; undefined when there is no header or it
 * uses another scheme (the request then has no credentials for this resource). A header that
 * says Bearer but is malformed or oversized is refused as `invalid_request` (RFC 6750 3.1).
 */
export function bearerToken(header: string | undefined, realm: string): string | undefined {
  if (header === undefined || header === '') return undefined
  const malformed = (reason: string) =>
    new RequestRefusal('invalid_request', 'the Authorization header is malformed', {
      cause: new Error(reason),
      headers: { 'www-authenticate': bearerChallenge(realm, 'invalid_request') },
    })

  if (header.length > maxAuthorizationLength) throw malformed('header too long')
  const space = header.indexOf(' ')
  const scheme = space === -1 ? header : header.slice(0, space)
  if (scheme.toLowerCase() !== 'bearer') return undefined
  const token = header.slice(space + 1).trim()
  if (space === -1 || token === '') throw malformed('no token after Bearer')
  return token
}

/**
 * Refuses a token with characters outside RFC 6750's b64token. Run on a cache miss only: a
 * token found in the cache was checked when it was first seen.
 */
export function checkTokenCharacters(token: string, realm: string): void {
  if (b64token.test(token)) return
  throw new RequestRefusal('invalid_request', 'the Authorization header is malformed', {
    cause: new Error('token has characters outside b64token'),
    headers: { 'www-authenticate': bearerChallenge(realm, 'invalid_request') },
  })
}

/**
 * Lets the provider's introspection (RFC 7662) and revocation (RFC 7009) endpoints take the
 * JWT access tokens it issues. `oidc-provider` refuses any JWT there with
 * `unsupported_token_type`, because it keeps no record of them; Rampart does (see
 * `tokens/jwt-access-tokens.ts`). The step that refuses is replaced by one that verifies the
 * JWT's signature with the provider's keys and hands the rest of the chain a handle for its
 * `jti`, which the adapter resolves to the recorded token. Client authentication, policy and
 * the response stay the library's.
 */
import { randomBytes } from 'node:crypto'

import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import type { JSONWebKeySet } from 'jose'
import type Provider from 'oidc-provider'
import type { KoaContextWithOIDC } from 'oidc-provider'
import introspection from 'oidc-provider/lib/actions/introspection.js'
import revocation from 'oidc-provider/lib/actions/revocation.js'

import { signingAlg } from './signing-keys.js'

/**
 * Handles start with a random prefix known only to this process, so a client cannot present
 * a bare `jti` (which resource servers and the revocation feed see) in place of the token.
 */
const handlePrefix = `rampart-jwt.${randomBytes(24).toString('base64url')}.`

/** The `jti` a handle stands for; undefined when `id` is not a handle. */
export function jtiOfHandle(id: string): string | undefined {
  return id.startsWith(handlePrefix) ? id.slice(handlePrefix.length) : undefined
}

type Verify = (token: string) => Promise<string | undefined>

const verifiers = new WeakMap<Provider, Verify>()

function isJws(token: unknown): token is string {
  if (typeof token !== 'string') return false
  try {
    decodeProtectedHeader(token)
    return true
  } catch {
    return false
  }
}

async function resolveStructuredToken(
  ctx: KoaContextWithOIDC,
  next: () => Promise<void>,
): Promise<void> {
  const params = ctx.oidc.params as { token?: unknown } | undefined
  const token = params?.token
  if (params === undefined || !isJws(token)) return next()
  const verify = verifiers.get(ctx.oidc.provider)
  const jti = verify === undefined ? undefined : await verify(token)
  // A JWT that fails verification becomes a handle of nothing: inactive, or ignored (200).
  params.token = handlePrefix + (jti ?? '')
  return next()
}

function replaceRefusal(chain: typeof introspection, name: string): void {
  if (chain.includes(resolveStructuredToken)) return
  const index = chain.findIndex((step) => step.name === 'rejectStructuredTokens')
  if (index === -1) {
    throw new Error(`oidc-provider's ${name} chain changed: JWT access tokens cannot be handled`)
  }
  chain[index] = resolveStructuredToken
}

/**
 * Puts `resolveStructuredToken` in place of the library's refusal, once per process. Call it
 * before constructing a provider: the library copies the chains when it builds one.
 */
export function acceptStructuredTokens(): void {
  replaceRefusal(introspection, 'introspection')
  replaceRefusal(revocation, 'revocation')
}

/** Registers the keys and issuer `provider`'s JWT access tokens are verified with. */
export function registerTokenVerifier(provider: Provider, keys: JSONWebKeySet): void {
  const jwks = createLocalJWKSet(keys)
  verifiers.set(provider, async (token) => {
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: provider.issuer,
        typ: 'at+jwt',
        algorithms: [signingAlg],
      })
      return typeof payload.jti === 'string' ? payload.jti : undefined
    } catch {
      return undefined
    }
  })
}

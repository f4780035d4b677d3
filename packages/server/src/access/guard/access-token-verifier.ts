/**
 * Verifies access tokens Rampart's own identity provider issued for Rampart's API: RFC 9068
 * JWTs (`typ: at+jwt`) signed with a key from the provider's JWKS, from the provider's issuer,
 * for the API's audience, within their lifetime. The JWKS is fetched from this server and
 * kept; an unknown `kid` (a rotated key) fetches it again, at most once per cooldown.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose'

import { parseSubject } from '@rampart/access-engine'

export interface VerifierOptions {
  /** The provider's JWKS endpoint on this server. */
  readonly jwksUrl: URL
  readonly issuer: string
  readonly audience: string
}

/** Who a verified token speaks for, as a subject of the access model. */
export interface TokenCaller {
  /** `user:<sub>`, or `client:<client_id>` for a client-credentials token. */
  readonly subject: string
  readonly clientId: string | undefined
  /** The token's `jti`, by which identity knows whether it was revoked. */
  readonly jti: string
}

/** Asymmetric algorithms only: a symmetric one would key on something a client knows. */
const algorithms = ['ES256', 'ES384', 'EdDSA', 'PS256', 'RS256']

/** Whether a bearer value has the shape of a JWT (three base64url parts). */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)
}

export class AccessTokenVerifier {
  readonly #options: VerifierOptions
  readonly #jwks: ReturnType<typeof createRemoteJWKSet>

  constructor(options: VerifierOptions) {
    this.#options = options
    this.#jwks = createRemoteJWKSet(options.jwksUrl, { cooldownDuration: 30_000 })
  }

  /** The caller of a valid token; throws (with jose's reason) for any other. */
  async verify(token: string): Promise<TokenCaller> {
    const { payload } = await jwtVerify(token, this.#jwks, {
      issuer: this.#options.issuer,
      audience: this.#options.audience,
      typ: 'at+jwt',
      algorithms,
      clockTolerance: 5,
      requiredClaims: ['sub', 'exp', 'jti'],
    })
    const clientId = typeof payload.client_id === 'string' ? payload.client_id : undefined
    // A client-credentials token is the client's own: its subject is the client id.
    const type = clientId !== undefined && payload.sub === clientId ? 'client' : 'user'
    const subject = `${type}:${payload.sub ?? ''}`
    if (parseSubject(subject) === undefined) {
      throw new Error(`the token's subject cannot be a subject of the access model`)
    }
    return { subject, clientId, jti: String(payload.jti) }
  }
}

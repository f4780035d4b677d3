import type { JWTPayload } from 'jose'
import { jwtVerify } from 'jose'
import type { RemoteKeySet } from './key-set.js'
import type { RampartAuth } from './types.js'

export interface JwtVerifierOptions {
  readonly issuer: string
  readonly audience: string | readonly string[]
  readonly algorithms: readonly string[]
  readonly clockToleranceSeconds: number
  /** The `typ` header the token must carry (RFC 9068: `at+jwt`); null accepts any. */
  readonly tokenType: string | null
  readonly now: () => number
}

export function scopesOf(claims: Record<string, unknown>): string[] {
  if (typeof claims.scope === 'string') return claims.scope.split(' ').filter((s) => s !== '')
  if (Array.isArray(claims.scp)) return claims.scp.filter((s) => typeof s === 'string')
  return []
}

function authFromClaims(payload: JWTPayload): RampartAuth {
  const clientId = payload.client_id ?? payload.azp
  return {
    subject: payload.sub as string,
    clientId: typeof clientId === 'string' ? clientId : undefined,
    scopes: scopesOf(payload),
    expiresAt: new Date((payload.exp as number) * 1000),
    tokenKind: 'jwt',
    claims: payload,
  }
}

/**
 * Verifies a JWT access token locally: signature by a key of Rampart's JWKS under an
 * allowed algorithm, then `iss`, `aud`, `exp` and `nbf` with a small clock tolerance, and
 * the presence of `sub` and `exp`. Throws jose's errors (or the key set's fetch error).
 */
export class JwtVerifier {
  readonly #options: JwtVerifierOptions
  readonly #keys: RemoteKeySet

  constructor(options: JwtVerifierOptions, keys: RemoteKeySet) {
    this.#options = options
    this.#keys = keys
  }

  async verify(token: string): Promise<RampartAuth> {
    const options = this.#options
    const { payload } = await jwtVerify(token, this.#keys.getKey, {
      issuer: options.issuer,
      audience: [...(typeof options.audience === 'string' ? [options.audience] : options.audience)],
      algorithms: [...options.algorithms],
      clockTolerance: options.clockToleranceSeconds,
      requiredClaims: ['sub', 'exp'],
      currentDate: new Date(options.now()),
      ...(options.tokenType === null ? {} : { typ: options.tokenType }),
    })
    return authFromClaims(payload)
  }
}

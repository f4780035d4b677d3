/**
 * The audit fact of one revoked token: the client, the token kind, and the JWT's `jti` or the
 * grant. An opaque token's id is the token itself, so it is never recorded; neither is the
 * handle a JWT is looked up by, whose prefix is what keeps a bare `jti` from being presented.
 */
import type { KoaContextWithOIDC } from 'oidc-provider'

import type { JsonObject } from '../../audit/canonical-json.js'
import type { IdentityFact, RequestOrigin } from '../audit-events.js'
import { jtiOfHandle } from './structured-tokens.js'

export interface RevokedToken {
  /** `AccessToken`, `ClientCredentials` or `RefreshToken`. */
  readonly kind?: string
  readonly clientId?: string
  readonly accountId?: string
  readonly grantId?: string
}

/** The `jti` of the JWT the request names; undefined when it names an opaque token. */
function revokedJti(ctx: KoaContextWithOIDC | undefined): string | undefined {
  const token = (ctx?.oidc.params as { token?: unknown } | undefined)?.token
  return typeof token === 'string' ? jtiOfHandle(token) : undefined
}

export function revokedTokenFact(
  token: RevokedToken,
  ctx: KoaContextWithOIDC | undefined,
  origin: RequestOrigin | undefined,
): IdentityFact {
  const jti = revokedJti(ctx)
  const fields: JsonObject = {
    tokenKind: token.kind ?? 'unknown',
    format: jti === undefined ? 'opaque' : 'jwt',
    ...(jti === undefined || jti === '' ? {} : { jti }),
    ...(token.grantId === undefined ? {} : { grantId: token.grantId }),
  }
  const clientId = token.clientId
  return {
    type: 'auth.token.revoked',
    action: 'revoke',
    actor:
      token.accountId === undefined
        ? { type: 'service', ...(clientId === undefined ? {} : { id: clientId }) }
        : { type: 'user', id: token.accountId },
    ...(clientId === undefined ? {} : { target: { type: 'client', id: clientId } }),
    outcome: 'success',
    ...(origin === undefined ? {} : { origin }),
    fields,
  }
}

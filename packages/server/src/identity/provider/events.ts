/**
 * Turns the provider's events into audit events: tokens issued, refreshed and revoked, grants
 * revoked, reuse of a refresh token or code, failed token and authorization requests, logout.
 * Only ids are recorded, never a token or code: a revoked token by its kind, client, and JWT
 * `jti` or grant (see `revoked-token-fact.ts`).
 */
import type { EventEmitter } from 'node:events'

import Provider from 'oidc-provider'
import type { KoaContextWithOIDC } from 'oidc-provider'

import type { Logger } from '../../platform/logger.js'
import type { IdentityAudit, RequestOrigin } from '../audit-events.js'
import { requestIds } from './mount.js'
import type { RevokedToken } from './revoked-token-fact.js'
import { revokedTokenFact } from './revoked-token-fact.js'

interface ProviderError {
  readonly error?: string
  readonly error_detail?: string
  readonly error_description?: string
}

interface TokenLike {
  readonly clientId?: string
  readonly accountId?: string
  readonly grantId?: string
  readonly kind?: string
}

function originOf(ctx: KoaContextWithOIDC): RequestOrigin {
  return { ip: ctx.ip, userAgent: ctx.get('user-agent'), requestId: requestIds.get(ctx.req) }
}

function grantType(ctx: KoaContextWithOIDC): string {
  const value = ctx.oidc.params?.grant_type
  return typeof value === 'string' ? value : 'unknown'
}

function actorOf(ctx: KoaContextWithOIDC, accountId: string | undefined) {
  const clientId = ctx.oidc.client?.clientId
  if (accountId !== undefined) return { type: 'user', id: accountId, authMethod: grantType(ctx) }
  return { type: 'service', ...(clientId === undefined ? {} : { id: clientId }) }
}

const reuse: Record<string, string> = {
  'refresh token already used': 'auth.token.reuse_detected',
  'authorization code already consumed': 'auth.code.reuse_detected',
}

// TODO(#4): the provider's events are appended just after its response, not in the same
// transaction as the artefact they describe; the adapter would have to take the audit log's
// transaction for that.
export function auditProviderEvents(provider: Provider, audit: IdentityAudit, logger: Logger) {
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const type = grantType(ctx)
    const accountId = ctx.oidc.account?.accountId
    const clientId = ctx.oidc.client?.clientId
    audit.recordLater({
      type: type === 'refresh_token' ? 'auth.token.refreshed' : 'auth.token.issued',
      action: type === 'refresh_token' ? 'refresh' : 'issue',
      actor: actorOf(ctx, accountId),
      ...(clientId === undefined ? {} : { target: { type: 'client', id: clientId } }),
      outcome: 'success',
      origin: originOf(ctx),
      fields: {
        grantType: type,
        ...(typeof ctx.oidc.params?.resource === 'string'
          ? { resource: ctx.oidc.params.resource }
          : {}),
      },
    })
  })

  provider.on('grant.error', (ctx: KoaContextWithOIDC, error: ProviderError) => {
    const detail = error.error_detail ?? ''
    const reuseType = reuse[detail]
    const source = (ctx.oidc.entities.RefreshToken ?? ctx.oidc.entities.AuthorizationCode) as
      TokenLike | undefined
    const clientId = ctx.oidc.client?.clientId
    audit.recordLater({
      type: reuseType ?? 'auth.token.failed',
      action: reuseType === undefined ? 'issue' : 'detect',
      actor: actorOf(ctx, source?.accountId),
      ...(clientId === undefined ? {} : { target: { type: 'client', id: clientId } }),
      outcome: reuseType === undefined ? 'failure' : 'denied',
      reason: detail || error.error || 'invalid request',
      severity: reuseType === undefined ? 'low' : 'high',
      origin: originOf(ctx),
      fields: {
        grantType: grantType(ctx),
        ...(source?.grantId === undefined ? {} : { grantId: source.grantId, grantRevoked: true }),
      },
    })
  })

  // Model events the library emits but its type definitions do not list. Revocation
  // (RFC 7009) and refresh-token reuse destroy a token this way; a client-credentials token
  // has its own model, so its own event.
  const destroyed = ['access_token', 'client_credentials', 'refresh_token'] as const
  for (const model of destroyed) {
    ;(provider as unknown as EventEmitter).on(`${model}.destroyed`, (token: RevokedToken) => {
      // The request that destroyed the token, from the library's async-local context.
      const ctx = Provider.ctx
      const origin = ctx === undefined ? undefined : originOf(ctx)
      audit.recordLater(revokedTokenFact(token, ctx, origin))
    })
  }

  provider.on('grant.revoked', (ctx: KoaContextWithOIDC, grantId: string) => {
    audit.recordLater({
      type: 'auth.grant.revoked',
      action: 'revoke',
      actor: actorOf(ctx, undefined),
      target: { type: 'grant', id: grantId },
      outcome: 'success',
      origin: originOf(ctx),
    })
  })

  provider.on('authorization.error', (ctx: KoaContextWithOIDC, error: ProviderError) => {
    const clientId = ctx.oidc.client?.clientId
    audit.recordLater({
      type: 'auth.authorization.failed',
      action: 'authorize',
      actor: { type: 'anonymous' },
      ...(clientId === undefined ? {} : { target: { type: 'client', id: clientId } }),
      outcome: 'failure',
      reason: error.error_description ?? error.error ?? 'invalid request',
      origin: originOf(ctx),
    })
  })

  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    const accountId = ctx.oidc.session?.accountId
    audit.recordLater({
      type: 'auth.logout',
      action: 'logout',
      actor: accountId === undefined ? { type: 'anonymous' } : { type: 'user', id: accountId },
      outcome: 'success',
      origin: originOf(ctx),
    })
  })

  provider.on('server_error', (_ctx: KoaContextWithOIDC, error: Error) => {
    logger.error({ err: error }, 'identity provider error')
  })
}

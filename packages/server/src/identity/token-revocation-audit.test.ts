/**
 * Revocation at `/oidc/token/revocation` (RFC 7009) is audited: each revoked token is one
 * `auth.token.revoked` event naming the client, the token kind and the JWT's `jti` or the
 * grant, and never holding the token, on both dialects, with `openid-client` as the client.
 */
import { decodeJwt } from 'jose'
import * as oidc from 'openid-client'
import { afterAll, beforeAll, expect, it } from 'vitest'

import { describeEachDialect } from '../test-support/stores.js'
import type { IdentityTestApp } from './test-support/identity-app.js'
import { startIdentityApp, testPassword } from './test-support/identity-app.js'
import { signIn } from './test-support/http-login.js'

const redirectUri = 'http://127.0.0.1:5173/cb'
const api = 'https://api.example.com'

interface CreatedClient {
  clientId: string
  clientSecret?: string
}

interface RevokedEvent {
  readonly seq: number
  readonly body: string
  readonly event: {
    actor: { type: string; id?: string }
    target?: { type: string; id?: string }
    fields?: Record<string, unknown>
  }
}

function jtiOf(jwt: string): string {
  return decodeJwt(jwt).jti ?? ''
}

describeEachDialect('auditing token revocation', (dialect) => {
  let app: IdentityTestApp
  let spa: oidc.Configuration
  let service: oidc.Configuration
  let serviceClient: CreatedClient
  let alice: { id: string }

  beforeAll(async () => {
    app = await startIdentityApp(dialect)
    alice = await app.createUser('alice@example.com')
    spa = await app.publicClient('spa', redirectUri)
    serviceClient = await app.adminJson<CreatedClient>('POST', '/clients', {
      name: 'billing',
      type: 'confidential',
      grant_types: ['client_credentials'],
      scope: 'invoices:read',
    })
    await app.adminJson('POST', '/resource-servers', {
      audience: api,
      name: 'API',
      scopes: ['invoices:read'],
    })
    service = await oidc.discovery(
      new URL(app.url),
      serviceClient.clientId,
      undefined,
      oidc.ClientSecretBasic(serviceClient.clientSecret),
      { execute: [oidc.allowInsecureRequests] },
    )
  })

  afterAll(async () => {
    await app?.dispose()
  })

  /** The `auth.token.revoked` events after `afterSeq`, once `count` of them are recorded. */
  async function revokedEvents(afterSeq: number, count: number): Promise<RevokedEvent[]> {
    const read = async () => {
      const rows = await app.test.app.store.db
        .selectFrom('audit_events')
        .select(['seq', 'body'])
        .where('type', '=', 'auth.token.revoked')
        .where('seq', '>', afterSeq)
        .orderBy('seq')
        .execute()
      return rows.map((row) => ({
        seq: Number(row.seq),
        body: row.body,
        event: JSON.parse(row.body) as RevokedEvent['event'],
      }))
    }
    await expect.poll(async () => (await read()).length).toBeGreaterThanOrEqual(count)
    // Let a stray duplicate arrive before counting.
    await new Promise((resolve) => setTimeout(resolve, 50))
    return read()
  }

  async function lastSeq(): Promise<number> {
    const row = await app.test.app.store.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirst()
    return Number(row?.seq ?? 0)
  }

  /** Alice's tokens for `scope`, by the code flow with PKCE. */
  async function authorize(scope: string, resource?: string) {
    const verifier = oidc.randomPKCECodeVerifier()
    const url = oidc.buildAuthorizationUrl(spa, {
      redirect_uri: redirectUri,
      scope,
      ...(resource === undefined ? {} : { resource }),
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      prompt: 'consent',
    })
    const callback = await signIn({
      origin: app.url,
      authorizationUrl: url.href,
      email: 'alice@example.com',
      password: testPassword,
    })
    return oidc.authorizationCodeGrant(spa, callback, { pkceCodeVerifier: verifier })
  }

  it('records a revoked client-credentials JWT by its jti, never the token', async () => {
    const jwt = await oidc.clientCredentialsGrant(service, {
      scope: 'invoices:read',
      resource: api,
    })
    const from = await lastSeq()
    await oidc.tokenRevocation(service, jwt.access_token)

    const events = await revokedEvents(from, 1)
    expect(events).toHaveLength(1)
    expect(events[0]?.event).toMatchObject({
      actor: { type: 'service', id: serviceClient.clientId },
      target: { type: 'client', id: serviceClient.clientId },
      fields: { tokenKind: 'ClientCredentials', format: 'jwt', jti: jtiOf(jwt.access_token) },
    })
    expect(events[0]?.body).not.toContain(jwt.access_token)
  })

  it('records a revoked opaque client-credentials token without its value', async () => {
    const opaque = await oidc.clientCredentialsGrant(service, { scope: 'invoices:read' })
    expect(opaque.access_token.split('.')).toHaveLength(1)
    const from = await lastSeq()
    await oidc.tokenRevocation(service, opaque.access_token)

    const events = await revokedEvents(from, 1)
    expect(events).toHaveLength(1)
    expect(events[0]?.event).toMatchObject({
      target: { type: 'client', id: serviceClient.clientId },
      fields: { tokenKind: 'ClientCredentials', format: 'opaque' },
    })
    expect(events[0]?.body).not.toContain(opaque.access_token)
  })

  it('records a user JWT, an opaque access token and a refresh token by grant', async () => {
    const clientId = spa.clientMetadata().client_id
    const withJwt = await authorize('openid offline_access invoices:read', api)
    const withOpaque = await authorize('openid email')
    expect(withOpaque.access_token.split('.')).toHaveLength(1)
    const from = await lastSeq()

    await oidc.tokenRevocation(spa, withJwt.access_token)
    await oidc.tokenRevocation(spa, withOpaque.access_token)
    const refreshed = await authorize('openid offline_access')
    await oidc.tokenRevocation(spa, refreshed.refresh_token ?? '')

    const events = await revokedEvents(from, 3)
    expect(events.map((entry) => entry.event)).toMatchObject([
      {
        actor: { type: 'user', id: alice.id },
        target: { type: 'client', id: clientId },
        fields: { tokenKind: 'AccessToken', format: 'jwt', jti: jtiOf(withJwt.access_token) },
      },
      {
        actor: { type: 'user', id: alice.id },
        target: { type: 'client', id: clientId },
        fields: { tokenKind: 'AccessToken', format: 'opaque', grantId: expect.any(String) },
      },
      {
        actor: { type: 'user', id: alice.id },
        target: { type: 'client', id: clientId },
        fields: { tokenKind: 'RefreshToken', format: 'opaque', grantId: expect.any(String) },
      },
    ])
    const tokens = [withJwt.access_token, withOpaque.access_token, refreshed.refresh_token]
    for (const { body } of events) {
      for (const token of tokens) expect(body).not.toContain(token)
      expect(body).not.toContain('rampart-jwt.')
    }
  })
})

/**
 * JWT access tokens (RFC 9068) through introspection (RFC 7662), revocation (RFC 7009) and
 * the revocation feed, with `openid-client` as the relying party and the resource server,
 * on both dialects: revoked by the endpoint, by refresh-token reuse, by logout, by the admin
 * API and by disabling the user.
 */
import { decodeJwt } from 'jose'
import * as oidc from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { describeEachDialect } from '../test-support/stores.js'
import type { IdentityTestApp } from './test-support/identity-app.js'
import { startIdentityApp, testPassword } from './test-support/identity-app.js'
import { CookieJar, request, signIn } from './test-support/http-login.js'

const redirectUri = 'http://127.0.0.1:5173/cb'
const api = 'https://api.example.com'

interface CreatedClient {
  clientId: string
  clientSecret?: string
}

interface FeedPage {
  revocations: { jti: string; clientId: string; reason: string; expiresAt: string }[]
  cursor: string
  hasMore: boolean
}

describeEachDialect('JWT access tokens: introspection, revocation and the feed', (dialect) => {
  let app: IdentityTestApp
  let spa: oidc.Configuration
  let service: oidc.Configuration
  let serviceClient: CreatedClient
  let alice: { id: string }

  beforeAll(async () => {
    app = await startIdentityApp(dialect)
    alice = await app.createUser('alice@example.com')
    const spaClient = await app.adminJson<CreatedClient>('POST', '/clients', {
      name: 'spa',
      type: 'public',
      redirect_uris: [redirectUri],
      scope: 'openid email offline_access invoices:read',
    })
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
    const insecure = { execute: [oidc.allowInsecureRequests] }
    const issuer = new URL(app.url)
    spa = await oidc.discovery(issuer, spaClient.clientId, undefined, oidc.None(), insecure)
    service = await oidc.discovery(
      issuer,
      serviceClient.clientId,
      undefined,
      oidc.ClientSecretBasic(serviceClient.clientSecret),
      insecure,
    )
  })

  afterAll(async () => {
    await app?.dispose()
  })

  /** Signs `email` in for a JWT for the API (and a refresh token); `jar` keeps the session. */
  async function authorize(email: string, jar = new CookieJar(), scope = 'offline_access') {
    const verifier = oidc.randomPKCECodeVerifier()
    const state = oidc.randomState()
    const url = oidc.buildAuthorizationUrl(spa, {
      redirect_uri: redirectUri,
      scope: `openid ${scope} invoices:read`,
      resource: api,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      prompt: 'consent',
    })
    const callback = await signIn(
      { origin: app.url, authorizationUrl: url.href, email, password: testPassword },
      jar,
    )
    const tokens = await oidc.authorizationCodeGrant(spa, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    })
    expect(tokens.access_token.split('.')).toHaveLength(3)
    return tokens
  }

  async function feed(
    since = '',
    secret = serviceClient.clientSecret,
    query = '',
  ): Promise<Response> {
    const basic = Buffer.from(`${serviceClient.clientId}:${secret ?? ''}`).toString('base64')
    return fetch(`${app.url}/v1/identity/revocations?since=${since}${query}`, {
      headers: { authorization: `Basic ${basic}` },
    })
  }

  async function revokedJtis(): Promise<Map<string, string>> {
    const response = await feed()
    expect(response.status).toBe(200)
    const page = (await response.json()) as FeedPage
    return new Map(page.revocations.map((entry) => [entry.jti, entry.reason]))
  }

  it('introspects a JWT access token with the RFC 7662 fields, then revokes it', async () => {
    const tokens = await authorize('alice@example.com')
    const claims = decodeJwt(tokens.access_token)

    const active = await oidc.tokenIntrospection(service, tokens.access_token)
    expect(active).toMatchObject({
      active: true,
      client_id: spa.clientMetadata().client_id,
      sub: alice.id,
      aud: api,
      scope: 'invoices:read',
      iss: app.url,
      jti: claims.jti,
      exp: claims.exp,
      iat: claims.iat,
      token_type: 'Bearer',
    })

    await oidc.tokenRevocation(spa, tokens.access_token)
    expect((await oidc.tokenIntrospection(service, tokens.access_token)).active).toBe(false)
    expect((await revokedJtis()).get(String(claims.jti))).toBe('token')
  })

  it('ignores a revocation of a JWT by a client it was not issued to', async () => {
    const tokens = await authorize('alice@example.com')
    await oidc.tokenRevocation(service, tokens.access_token)
    expect((await oidc.tokenIntrospection(service, tokens.access_token)).active).toBe(true)
  })

  it('answers inactive for a forged JWT, an ID token and a bare jti', async () => {
    const tokens = await authorize('alice@example.com')
    const [header, , signature] = tokens.access_token.split('.')
    const claims = decodeJwt(tokens.access_token)
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, scope: 'admin' })).toString(
      'base64url',
    )
    const forged = [header, forgedPayload, signature].join('.')
    const idToken = tokens.id_token ?? ''
    for (const token of [forged, idToken, String(claims.jti)]) {
      expect((await oidc.tokenIntrospection(service, token)).active).toBe(false)
    }
    expect((await oidc.tokenIntrospection(service, tokens.access_token)).active).toBe(true)
  })

  it('includes scope in the token response for opaque tokens', async () => {
    const opaque = await oidc.clientCredentialsGrant(service, { scope: 'invoices:read' })
    expect(opaque.access_token.split('.')).toHaveLength(1)
    // The client asked for no resource: an opaque token without an API scope.
    const verifier = oidc.randomPKCECodeVerifier()
    const url = oidc.buildAuthorizationUrl(spa, {
      redirect_uri: redirectUri,
      scope: 'openid email',
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
    const tokens = await oidc.authorizationCodeGrant(spa, callback, { pkceCodeVerifier: verifier })
    expect(tokens.access_token.split('.')).toHaveLength(1)
    expect(tokens.scope).toBe('openid email')
  })

  it('makes the JWTs of a grant inactive when a rotated refresh token is reused', async () => {
    const first = await authorize('alice@example.com')
    const second = await oidc.refreshTokenGrant(spa, first.refresh_token ?? '')
    expect((await oidc.tokenIntrospection(service, second.access_token)).active).toBe(true)

    await expect(oidc.refreshTokenGrant(spa, first.refresh_token ?? '')).rejects.toMatchObject({
      error: 'invalid_grant',
    })
    for (const token of [first.access_token, second.access_token]) {
      expect((await oidc.tokenIntrospection(service, token)).active).toBe(false)
    }
    const revoked = await revokedJtis()
    expect(revoked.get(String(decodeJwt(second.access_token).jti))).toBe('grant')
  })

  it('makes the JWTs of a grant inactive when the user signs out', async () => {
    const jar = new CookieJar()
    const tokens = await authorize('alice@example.com', jar, 'email')
    const clientId = spa.clientMetadata().client_id
    const page = await request(jar, `${app.url}/oidc/session/end?client_id=${clientId}`)
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
    const action = /action="([^"]+)"/.exec(page.body)?.[1] ?? ''
    const done = await request(jar, new URL(action, app.url).href, { xsrf, logout: 'yes' })
    expect(done.status).toBeLessThan(400)

    expect((await oidc.tokenIntrospection(service, tokens.access_token)).active).toBe(false)
    expect((await revokedJtis()).get(String(decodeJwt(tokens.access_token).jti))).toBe('grant')
  })

  it('makes every JWT of a user inactive on the admin "revoke all"', async () => {
    const tokens = await authorize('alice@example.com')
    const result = await app.adminJson<{ artefacts: number }>('POST', `/users/${alice.id}/revoke`)
    expect(result.artefacts).toBeGreaterThan(0)
    expect((await oidc.tokenIntrospection(service, tokens.access_token)).active).toBe(false)
    expect((await revokedJtis()).get(String(decodeJwt(tokens.access_token).jti))).toBe('account')
  })

  it('makes a disabled user’s JWTs inactive', async () => {
    const bob = await app.createUser('bob@example.com')
    const tokens = await authorize('bob@example.com')
    await app.adminJson('PATCH', `/users/${bob.id}`, { status: 'disabled' })
    expect((await oidc.tokenIntrospection(service, tokens.access_token)).active).toBe(false)
  })

  it('introspects and revokes a client-credentials JWT', async () => {
    const jwt = await oidc.clientCredentialsGrant(service, {
      scope: 'invoices:read',
      resource: api,
    })
    const claims = decodeJwt(jwt.access_token)
    expect(claims.sub).toBe(serviceClient.clientId)
    expect(await oidc.tokenIntrospection(service, jwt.access_token)).toMatchObject({
      active: true,
      client_id: serviceClient.clientId,
      sub: claims.sub,
      aud: api,
      scope: 'invoices:read',
      iss: app.url,
      jti: claims.jti,
      exp: claims.exp,
      iat: claims.iat,
      token_type: 'Bearer',
    })
    await oidc.tokenRevocation(service, jwt.access_token)
    expect((await oidc.tokenIntrospection(service, jwt.access_token)).active).toBe(false)
  })

  it('revokes the JWTs of a client that is deleted', async () => {
    const doomed = await app.adminJson<CreatedClient>('POST', '/clients', {
      name: 'doomed',
      type: 'confidential',
      grant_types: ['client_credentials'],
      scope: 'invoices:read',
    })
    const config = await oidc.discovery(
      new URL(app.url),
      doomed.clientId,
      undefined,
      oidc.ClientSecretBasic(doomed.clientSecret),
      { execute: [oidc.allowInsecureRequests] },
    )
    const jwt = await oidc.clientCredentialsGrant(config, { scope: 'invoices:read', resource: api })
    expect((await oidc.tokenIntrospection(service, jwt.access_token)).active).toBe(true)

    expect((await app.admin('DELETE', `/clients/${doomed.clientId}`)).status).toBe(204)
    expect((await oidc.tokenIntrospection(service, jwt.access_token)).active).toBe(false)
    expect((await revokedJtis()).get(String(decodeJwt(jwt.access_token).jti))).toBe('client')
  })

  describe('the revocation feed', () => {
    it('pages with a cursor and reports nothing new after the last entry', async () => {
      const all = (await (await feed()).json()) as FeedPage
      expect(all.revocations.length).toBeGreaterThan(0)
      const next = (await (await feed(all.cursor)).json()) as FeedPage
      expect(next).toEqual({ revocations: [], cursor: all.cursor, hasMore: false })
      const first = all.revocations[0]
      expect(first).toMatchObject({ clientId: expect.any(String) as string })
      expect(Date.parse(first?.expiresAt ?? '')).toBeGreaterThan(Date.now())
    })

    it('answers at most `limit` entries and says more remain', async () => {
      const all = (await (await feed()).json()) as FeedPage
      expect(all.revocations.length).toBeGreaterThan(1)
      const response = await feed('', serviceClient.clientSecret, '&limit=1')
      expect(response.status).toBe(200)
      const page = (await response.json()) as FeedPage
      expect(page.revocations).toEqual([all.revocations[0]])
      expect(page.hasMore).toBe(true)
    })

    it('refuses a limit that is not an integer from 1 to 1000', async () => {
      const cases = [
        { limit: '0', detail: 'limit must be an integer from 1 to 1000' },
        { limit: '1001', detail: 'limit must be an integer from 1 to 1000' },
        { limit: 'ten', detail: 'querystring.limit must match pattern "^[0-9]{1,16}$"' },
        { limit: '-1', detail: 'querystring.limit must match pattern "^[0-9]{1,16}$"' },
      ]
      for (const { limit, detail } of cases) {
        const response = await feed('', serviceClient.clientSecret, `&limit=${limit}`)
        expect(response.status).toBe(400)
        expect(response.headers.get('content-type')).toContain('application/problem+json')
        expect(await response.json()).toMatchObject({ code: 'validation_failed', detail })
      }
    })

    it('refuses requests without valid client credentials and bad cursors', async () => {
      const cases = [
        { response: await feed('', 'wrong-secret'), status: 401, code: 'unauthorized' },
        {
          response: await fetch(`${app.url}/v1/identity/revocations`),
          status: 401,
          code: 'unauthorized',
        },
        { response: await feed('-1'), status: 400, code: 'invalid_cursor' },
      ]
      for (const { response, status, code } of cases) {
        expect(response.status).toBe(status)
        expect(response.headers.get('content-type')).toContain('application/problem+json')
        expect(await response.json()).toMatchObject({ code })
      }
    })
  })
})

/**
 * The provider against a real relying party: `openid-client` runs authorization code + PKCE
 * through the sign-in pages over HTTP, refresh with rotation and reuse detection, revocation,
 * introspection, userinfo and client credentials, on both dialects.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose'
import * as oidc from 'openid-client'
import { afterAll, beforeAll, expect, it } from 'vitest'

import { describeEachDialect } from '../test-support/stores.js'
import type { IdentityTestApp } from './test-support/identity-app.js'
import { startIdentityApp, testPassword } from './test-support/identity-app.js'
import { signIn } from './test-support/http-login.js'

const redirectUri = 'http://127.0.0.1:5173/cb'

interface CreatedClient {
  clientId: string
  clientSecret?: string
}

async function auditTypes(app: IdentityTestApp): Promise<string[]> {
  const rows = await app.test.app.store.db
    .selectFrom('audit_events')
    .select('type')
    .orderBy('seq')
    .execute()
  return rows.map((row) => row.type)
}

describeEachDialect('OpenID Connect with openid-client', (dialect) => {
  let app: IdentityTestApp
  let spa: oidc.Configuration
  let service: oidc.Configuration
  let serviceClient: CreatedClient

  beforeAll(async () => {
    app = await startIdentityApp(dialect)
    await app.createUser('Alice@Example.com')
    const spaClient = await app.adminJson<CreatedClient>('POST', '/clients', {
      name: 'spa',
      type: 'public',
      redirect_uris: [redirectUri],
    })
    serviceClient = await app.adminJson<CreatedClient>('POST', '/clients', {
      name: 'billing',
      type: 'confidential',
      grant_types: ['client_credentials'],
      scope: 'invoices:read',
    })
    await app.adminJson('POST', '/resource-servers', {
      audience: 'https://api.example.com',
      name: 'API',
      scopes: ['invoices:read', 'invoices:write'],
    })
    const insecure = { execute: [oidc.allowInsecureRequests] }
    spa = await oidc.discovery(
      new URL(app.url),
      spaClient.clientId,
      undefined,
      oidc.None(),
      insecure,
    )
    service = await oidc.discovery(
      new URL(app.url),
      serviceClient.clientId,
      undefined,
      oidc.ClientSecretBasic(serviceClient.clientSecret),
      insecure,
    )
  })

  afterAll(async () => {
    await app?.dispose()
  })

  async function authorize(): Promise<
    oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers
  > {
    const verifier = oidc.randomPKCECodeVerifier()
    const state = oidc.randomState()
    const nonce = oidc.randomNonce()
    const url = oidc.buildAuthorizationUrl(spa, {
      redirect_uri: redirectUri,
      scope: 'openid email offline_access',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      prompt: 'consent',
    })
    const callback = await signIn({
      origin: app.url,
      authorizationUrl: url.href,
      email: 'alice@example.com',
      password: testPassword,
    })
    expect(callback.searchParams.get('iss')).toBe(app.url)
    return oidc.authorizationCodeGrant(spa, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    })
  }

  it('discovers the provider with PKCE S256 only and the iss response parameter', () => {
    const metadata = spa.serverMetadata()
    expect(metadata.issuer).toBe(app.url)
    expect(metadata.code_challenge_methods_supported).toEqual(['S256'])
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true)
    expect(metadata.token_endpoint).toBe(`${app.url}/oidc/token`)
    expect(metadata.id_token_signing_alg_values_supported).toEqual(['ES256'])
  })

  it('signs in through the login page and gets tokens, claims and userinfo', async () => {
    const tokens = await authorize()
    const claims = tokens.claims()
    expect(claims?.iss).toBe(app.url)
    expect(tokens.refresh_token).toBeDefined()

    const user = await oidc.fetchUserInfo(spa, tokens.access_token, claims?.sub ?? '')
    expect(user.email).toBe('Alice@Example.com')

    const types = await auditTypes(app)
    expect(types).toContain('auth.login.succeeded')
    expect(types).toContain('auth.session.created')
    expect(types).toContain('auth.consent.granted')
  })

  it('rotates refresh tokens and revokes the grant when a rotated one is reused', async () => {
    const first = await authorize()
    const second = await oidc.refreshTokenGrant(spa, first.refresh_token ?? '')
    expect(second.refresh_token).toBeDefined()
    expect(second.refresh_token).not.toBe(first.refresh_token)

    const reuse = oidc.refreshTokenGrant(spa, first.refresh_token ?? '')
    await expect(reuse).rejects.toMatchObject({ error: 'invalid_grant' })
    // The whole grant is gone: the newest refresh token and its access token too.
    await expect(oidc.refreshTokenGrant(spa, second.refresh_token ?? '')).rejects.toMatchObject({
      error: 'invalid_grant',
    })
    const introspected = await oidc.tokenIntrospection(service, second.access_token)
    expect(introspected.active).toBe(false)
    await expect.poll(() => auditTypes(app)).toContain('auth.token.reuse_detected')
  })

  it('introspects and revokes an access token', async () => {
    const tokens = await authorize()
    const active = await oidc.tokenIntrospection(service, tokens.access_token)
    expect(active).toMatchObject({ active: true, client_id: spa.clientMetadata().client_id })

    await oidc.tokenRevocation(spa, tokens.access_token)
    const revoked = await oidc.tokenIntrospection(service, tokens.access_token)
    expect(revoked.active).toBe(false)
  })

  it('issues client-credentials tokens, opaque or RFC 9068 JWTs for a resource server', async () => {
    const opaque = await oidc.clientCredentialsGrant(service)
    expect(opaque.token_type.toLowerCase()).toBe('bearer')

    const jwt = await oidc.clientCredentialsGrant(service, {
      scope: 'invoices:read',
      resource: 'https://api.example.com',
    })
    const [header, payload] = jwt.access_token
      .split('.')
      .slice(0, 2)
      .map(
        (part) =>
          JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>,
      )
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' })
    expect(typeof header?.kid).toBe('string')
    expect(payload).toMatchObject({
      iss: app.url,
      aud: 'https://api.example.com',
      client_id: serviceClient.clientId,
      scope: 'invoices:read',
    })
    expect(Number(payload?.exp) - Number(payload?.iat)).toBe(600)

    // A resource server verifies it with the published JWKS, as RFC 9068 asks.
    const jwks = createRemoteJWKSet(new URL(`${app.url}/oidc/jwks`))
    const verified = await jwtVerify(jwt.access_token, jwks, {
      issuer: app.url,
      audience: 'https://api.example.com',
      typ: 'at+jwt',
      algorithms: ['ES256'],
    })
    expect(verified.payload.sub).toBe(serviceClient.clientId)
    await expect(
      jwtVerify(jwt.access_token, jwks, { issuer: app.url, audience: 'https://other.example' }),
    ).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' })
  })

  it('refuses a wrong client secret', async () => {
    const wrong = await oidc.discovery(
      new URL(app.url),
      serviceClient.clientId,
      undefined,
      oidc.ClientSecretBasic('not-the-secret'),
      { execute: [oidc.allowInsecureRequests] },
    )
    await expect(oidc.clientCredentialsGrant(wrong)).rejects.toMatchObject({
      status: 401,
      cause: [{ scheme: 'basic', parameters: { error: 'invalid_client' } }],
    })
  })
})

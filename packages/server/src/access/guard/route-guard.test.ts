/**
 * Rampart's own admin API behind the access model, on both dialects: a user signed in through
 * Rampart's provider and bound to `rampart.auditor` reads the audit log but not the identity
 * admin API, an unbound user reads nothing, a service role's wildcard does not reach Rampart,
 * and the configured bootstrap tokens work as before.
 */
import * as oidc from 'openid-client'
import { afterAll, beforeAll, expect, it } from 'vitest'

import { signIn } from '../../identity/test-support/http-login.js'
import type { IdentityTestApp } from '../../identity/test-support/identity-app.js'
import { startIdentityApp, testPassword } from '../../identity/test-support/identity-app.js'
import { adminToken as identityAdminToken } from '../../identity/test-support/identity-app.js'
import { describeEachDialect } from '../../test-support/stores.js'

const accessAdminToken = 'access-admin-token-0123456789'
const auditReadToken = 'audit-read-token-0123456789'
const redirectUri = 'http://127.0.0.1:5173/cb'

interface Problem {
  code: string
  detail: string
  errors?: { field: string; message: string }[]
}

describeEachDialect('the access gate on admin APIs', (dialect) => {
  let app: IdentityTestApp
  let audience: string
  let console: oidc.Configuration
  const users: Record<string, string> = {}
  const tokens: Record<string, string> = {}

  const call = (url: string, token: string, method: 'GET' | 'PUT' = 'GET', body?: string) =>
    app.test.app.server.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/yaml' }),
      },
      ...(body === undefined ? {} : { payload: body }),
    })
  const bind = async (subject: string, role: string) => {
    const created = await app.test.app.server.inject({
      method: 'POST',
      url: '/v1/access/bindings',
      headers: { authorization: `Bearer ${accessAdminToken}` },
      payload: { subject, role },
    })
    expect(created.statusCode).toBe(201)
    return created.json<{ version: number }>().version
  }

  /** Signs `email` in through the provider's pages; resolves to a JWT for Rampart's API. */
  async function accessTokenOf(email: string): Promise<string> {
    const verifier = oidc.randomPKCECodeVerifier()
    const state = oidc.randomState()
    const url = oidc.buildAuthorizationUrl(console, {
      redirect_uri: redirectUri,
      scope: 'openid rampart',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      resource: audience,
      prompt: 'consent',
    })
    const callback = await signIn({
      origin: app.url,
      authorizationUrl: url.href,
      email,
      password: testPassword,
    })
    const tokens = await oidc.authorizationCodeGrant(
      console,
      callback,
      { pkceCodeVerifier: verifier, expectedState: state },
      { resource: audience },
    )
    expect(tokens.access_token.split('.')).toHaveLength(3)
    return tokens.access_token
  }

  beforeAll(async () => {
    app = await startIdentityApp(dialect, {
      access: { admin_token: accessAdminToken },
      audit: { read_token: auditReadToken },
    })
    audience = `${app.url}/v1`
    await app.adminJson('POST', '/resource-servers', {
      audience,
      name: 'Rampart',
      scopes: ['rampart'],
    })
    const client = await app.adminJson<{ clientId: string }>('POST', '/clients', {
      name: 'console',
      type: 'public',
      redirect_uris: [redirectUri],
      scope: 'openid rampart',
    })
    console = await oidc.discovery(new URL(app.url), client.clientId, undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    })
    for (const name of ['auditor', 'nobody', 'wildcard']) {
      users[name] = (await app.createUser(`${name}@example.com`)).id
      tokens[name] = await accessTokenOf(`${name}@example.com`)
    }
    await app.test.app.server.inject({
      method: 'PUT',
      url: '/v1/access/roles/reads-everything',
      headers: { authorization: `Bearer ${accessAdminToken}` },
      payload: { permissions: [{ permission: '*:read' }, { permission: '*:*' }] },
    })
    await bind(`user:${users.wildcard}`, 'reads-everything')
    await bind(`user:${users.auditor}`, 'rampart.auditor')
  }, 60_000)
  afterAll(() => app?.dispose())

  it('lets a user bound to rampart.auditor read and export the audit log', async () => {
    const events = await call('/v1/audit/events?limit=5', tokens.auditor ?? '')
    expect(events.statusCode).toBe(200)
    expect(events.json<{ events: unknown[] }>().events.length).toBeGreaterThan(0)
    const exported = await call('/v1/audit/events/export?type=access.binding', tokens.auditor ?? '')
    expect(exported.statusCode).toBe(200)
    const policy = await call('/v1/access/policy', tokens.auditor ?? '')
    expect(policy.statusCode).toBe(200)
  })

  it.each([
    ['GET', '/v1/identity/users', 'identity.users:read'],
    ['GET', '/v1/identity/resource-servers', 'identity.resource_servers:read'],
    ['PUT', '/v1/access/policy?dryRun=true', 'access.policy:write'],
  ] as const)('refuses the auditor %s %s, naming %s', async (method, url, permission) => {
    const response = await call(
      url,
      tokens.auditor ?? '',
      method,
      method === 'PUT' ? '{}' : undefined,
    )
    expect(response.statusCode).toBe(403)
    expect(response.headers['content-type']).toContain('application/problem+json')
    const problem = response.json<Problem>()
    expect(problem.code).toBe('access_permission_missing')
    expect(problem.detail).toContain(permission)
    expect(problem.errors).toEqual([{ field: 'permission', message: permission }])
  })

  it('refuses an unbound user, and a wildcard from a role of the services', async () => {
    for (const who of ['nobody', 'wildcard']) {
      const response = await call('/v1/audit/events', tokens[who] ?? '')
      expect(response.statusCode).toBe(403)
      expect(response.json<Problem>()).toMatchObject({
        code: 'access_permission_missing',
        errors: [{ field: 'permission', message: 'audit.events:read' }],
      })
    }
  })

  it('answers 401 for a token that is not Rampart-signed, or for another audience', async () => {
    const [header, payload] = (tokens.auditor ?? '').split('.')
    const forged = `${header}.${payload}.${Buffer.from('not a signature').toString('base64url')}`
    for (const token of [forged, 'not-a-token-at-all-0123456789']) {
      const response = await call('/v1/audit/events', token)
      expect(response.statusCode).toBe(401)
      expect(response.json<Problem>().code).toBe('unauthorized')
    }
    const log = app.test.log.lines().map((line) => JSON.stringify(line))
    expect(log.some((line) => line.includes(tokens.auditor ?? 'never'))).toBe(false)
  })

  it('answers decisions about the caller, and about others with the permission', async () => {
    const self = `user:${users.wildcard}`
    const ask = (token: string, subject: string, path = 'check') =>
      app.test.app.server.inject({
        method: 'POST',
        url: `/v1/access/${path}`,
        headers: { authorization: `Bearer ${token}` },
        payload: { subject, permission: 'order:read' },
      })
    const own = await ask(tokens.wildcard ?? '', self)
    expect(own.statusCode).toBe(200)
    expect(own.json()).toMatchObject({ allowed: true })
    expect((await ask(tokens.wildcard ?? '', self, 'explain')).statusCode).toBe(200)

    const other = await ask(tokens.wildcard ?? '', 'user:someone-else')
    expect(other.statusCode).toBe(403)
    expect(other.json<Problem>()).toMatchObject({
      code: 'access_permission_missing',
      errors: [{ field: 'permission', message: 'access.decisions:check' }],
    })
    // rampart.auditor may ask about anyone; the admin token still may.
    expect((await ask(tokens.auditor ?? '', self)).json()).toMatchObject({ allowed: true })
    expect((await ask(accessAdminToken, self)).json()).toMatchObject({ allowed: true })
    expect((await ask('not-a-token-0123456789', self)).statusCode).toBe(401)
  })

  it('still takes the bootstrap tokens', async () => {
    expect((await call('/v1/identity/users', identityAdminToken)).statusCode).toBe(200)
    expect((await call('/v1/audit/events', auditReadToken)).statusCode).toBe(200)
    expect((await call('/v1/access/roles', accessAdminToken)).statusCode).toBe(200)
    // One area's token opens only that area.
    expect((await call('/v1/identity/users', accessAdminToken)).statusCode).toBe(401)
  })

  it('records policy changes made with an access token under the user who made them', async () => {
    await bind(`user:${users.nobody}`, 'rampart.admin')
    const response = await app.test.app.server.inject({
      method: 'PUT',
      url: '/v1/access/roles/made-by-admin',
      headers: { authorization: `Bearer ${tokens.nobody}` },
      payload: { permissions: [{ permission: 'x:read' }] },
    })
    expect(response.statusCode).toBe(200)
    const row = await app.test.app.store.db
      .selectFrom('audit_events')
      .select('body')
      .where('type', '=', 'access.role.created')
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow()
    const body = JSON.parse(row.body) as { actor: { type: string; id: string } }
    expect(body.actor).toMatchObject({ type: 'user', id: users.nobody })
    expect((await call('/v1/identity/users', tokens.nobody ?? '')).statusCode).toBe(200)
  })

  it('refuses the token of a user disabled since it was issued', async () => {
    const ask = () =>
      app.test.app.server.inject({
        method: 'POST',
        url: '/v1/access/check',
        headers: { authorization: `Bearer ${tokens.wildcard}` },
        payload: { subject: `user:${users.wildcard}`, permission: 'order:read' },
      })
    expect((await ask()).statusCode).toBe(200)
    await app.adminJson('PATCH', `/users/${users.wildcard}`, { status: 'disabled' })
    const after = await ask()
    expect(after.statusCode).toBe(401)
    expect(after.json<Problem>().code).toBe('unauthorized')
  })

  it('refuses a token revoked at the revocation endpoint', async () => {
    const token = await accessTokenOf('auditor@example.com')
    expect((await call('/v1/audit/events?limit=1', token)).statusCode).toBe(200)
    await oidc.tokenRevocation(console, token, { token_type_hint: 'access_token' })
    for (const url of ['/v1/audit/events?limit=1', '/v1/access/policy']) {
      const response = await call(url, token)
      expect(response.statusCode).toBe(401)
      expect(response.json<Problem>()).toMatchObject({
        code: 'unauthorized',
        detail: 'the access token has been revoked or was not issued by this server',
      })
    }
  })

  it("refuses an auditor's tokens once an admin revoked all of the user's tokens", async () => {
    const token = tokens.auditor ?? ''
    expect((await call('/v1/access/policy', token)).statusCode).toBe(200)
    await app.adminJson('POST', `/users/${users.auditor}/revoke`)
    for (const url of ['/v1/audit/events?limit=1', '/v1/access/policy']) {
      const response = await call(url, token)
      expect(response.statusCode).toBe(401)
      expect(response.json<Problem>().code).toBe('unauthorized')
    }
    const log = app.test.log.lines().map((line) => JSON.stringify(line))
    expect(log.some((line) => line.includes('token revoked or not recorded'))).toBe(true)
    expect(log.some((line) => line.includes(token))).toBe(false)
  })

  it('refuses to change or delete a built-in role', async () => {
    for (const method of ['PUT', 'DELETE'] as const) {
      const response = await app.test.app.server.inject({
        method,
        url: '/v1/access/roles/rampart.admin',
        headers: { authorization: `Bearer ${accessAdminToken}` },
        ...(method === 'PUT' ? { payload: { permissions: [] } } : {}),
      })
      expect(response.statusCode).toBe(409)
      expect(response.json<Problem>().code).toBe('access_role_builtin')
    }
  })
})

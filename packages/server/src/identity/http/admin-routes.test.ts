import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { describeEachDialect } from '../../test-support/stores.js'
import type { IdentityTestApp } from '../test-support/identity-app.js'
import { startIdentityApp } from '../test-support/identity-app.js'

interface Problem {
  code: string
  detail: string
  errors?: { field: string; message: string }[]
}

async function clientCredentials(url: string, clientId: string, secret: string) {
  return fetch(`${url}/oidc/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  })
}

describeEachDialect('identity admin API', (dialect) => {
  let app: IdentityTestApp

  beforeAll(async () => {
    app = await startIdentityApp(dialect)
  })

  afterAll(async () => {
    await app?.dispose()
  })

  it.each([
    ['no header', undefined],
    ['a wrong token', 'Bearer not-the-admin-token-at-all'],
    ['another scheme', 'Basic dGVzdDp0ZXN0'],
  ])('refuses %s with 401 unauthorized', async (_name, authorization) => {
    const response = await fetch(`${app.url}/v1/identity/users`, {
      headers: authorization === undefined ? {} : { authorization },
    })
    expect(response.status).toBe(401)
    expect(((await response.json()) as Problem).code).toBe('unauthorized')
  })

  it('keeps emails unique case-insensitively and explains a refused password', async () => {
    await app.createUser('Frank@Example.com')
    const duplicate = await app.admin('POST', '/users', { email: 'frank@EXAMPLE.com' })
    expect(duplicate.status).toBe(409)
    expect(((await duplicate.json()) as Problem).code).toBe('conflict')

    const weak = await app.admin('POST', '/users', { email: 'g@example.com', password: 'short' })
    expect(weak.status).toBe(400)
    expect(await weak.json()).toMatchObject({
      code: 'identity_password_rejected',
      errors: [{ field: 'body.password', message: 'must be at least 12 characters' }],
    })
  })

  it.each([
    ['a fragment', 'https://app.example.com/cb#x', 'must not have a fragment'],
    ['javascript:', 'javascript:alert(1)', 'must be https (http only for loopback)'],
    ['user information', 'https://user:pw@app.example.com/cb', 'must not carry user information'],
    ['plain http', 'http://app.example.com/cb', 'must be https (http only for loopback)'],
    ['a relative URI', '/cb', 'is not an absolute URL'],
  ])('refuses a redirect URI with %s', async (_name, uri, message) => {
    const response = await app.admin('POST', '/clients', {
      name: 'bad',
      type: 'public',
      redirect_uris: [uri],
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({
      code: 'validation_failed',
      errors: [{ field: 'body.redirect_uris.0', message }],
    })
  })

  it('ends the sessions of a user whose privilege changes', async () => {
    const user = await app.createUser('promoted@example.com')
    await app.identity.services.sessions.create(user.id, ['pwd'], {})
    const before = await app.adminJson<{ sessions: unknown[] }>('GET', `/users/${user.id}/sessions`)
    expect(before.sessions).toHaveLength(1)

    const patched = await app.adminJson<{ isAdmin: boolean }>('PATCH', `/users/${user.id}`, {
      isAdmin: true,
    })
    expect(patched.isAdmin).toBe(true)
    const after = await app.adminJson<{ sessions: unknown[] }>('GET', `/users/${user.id}/sessions`)
    expect(after.sessions).toHaveLength(0)
  })

  it('rotates a client secret: the old one stops working at once', async () => {
    const created = await app.adminJson<{ clientId: string; clientSecret: string }>(
      'POST',
      '/clients',
      { name: 'worker', grant_types: ['client_credentials'] },
    )
    expect((await clientCredentials(app.url, created.clientId, created.clientSecret)).status).toBe(
      200,
    )
    const rotated = await app.adminJson<{ clientSecret: string }>(
      'POST',
      `/clients/${created.clientId}/secret`,
    )
    expect((await clientCredentials(app.url, created.clientId, created.clientSecret)).status).toBe(
      401,
    )
    expect((await clientCredentials(app.url, created.clientId, rotated.clientSecret)).status).toBe(
      200,
    )

    const stored = await app.test.app.store.db.selectFrom('audit_events').select('body').execute()
    const log = stored.map((row) => row.body).join('\n')
    expect(log).toContain('identity.client.secret_rotated')
    expect(log).not.toContain(rotated.clientSecret)
    expect(log).not.toContain(created.clientSecret)
  })

  it('never stores a client secret in clear', async () => {
    const created = await app.adminJson<{ clientId: string; clientSecret: string }>(
      'POST',
      '/clients',
      { name: 'stored', grant_types: ['client_credentials'] },
    )
    const row = await app.identity.services.db
      .selectFrom('identity_clients')
      .select('metadata')
      .where('client_id', '=', created.clientId)
      .executeTakeFirstOrThrow()
    expect(row.metadata).not.toContain(created.clientSecret)
    expect(row.metadata).toMatch(/"client_secret":"sha256:/)
  })

  it('deletes a client and its tokens', async () => {
    const created = await app.adminJson<{ clientId: string; clientSecret: string }>(
      'POST',
      '/clients',
      { name: 'temp', grant_types: ['client_credentials'] },
    )
    const issued = await clientCredentials(app.url, created.clientId, created.clientSecret)
    const { access_token: token } = (await issued.json()) as { access_token: string }
    expect((await app.admin('DELETE', `/clients/${created.clientId}`)).status).toBe(204)
    expect((await app.admin('GET', `/clients/${created.clientId}`)).status).toBe(404)
    const left = await app.identity.services.db
      .selectFrom('identity_oidc_payloads')
      .select('payload')
      .execute()
    expect(left.map((row) => row.payload).join()).not.toContain(created.clientId)
    expect(token.length).toBeGreaterThan(20)
  })
})

describe('identity admin API without a token configured', () => {
  it('is closed', async () => {
    const app = await startIdentityApp('sqlite', { identity: { admin_token: undefined } })
    try {
      const response = await fetch(`${app.url}/v1/identity/users`, {
        headers: { authorization: 'Bearer anything-at-all-123' },
      })
      expect(response.status).toBe(401)
      expect(((await response.json()) as Problem).detail).toContain('identity.admin_token')
    } finally {
      await app.dispose()
    }
  })
})

/**
 * The SDK against a real Rampart (identity and access modules in process, on SQLite): a
 * client-credentials JWT from Rampart's token endpoint is verified against its published
 * JWKS, and `authorize` decides through its access API, so a revoked binding refuses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { IdentityTestApp } from '../../server/src/identity/test-support/identity-app.js'
import { startIdentityApp } from '../../server/src/identity/test-support/identity-app.js'
import type { TestApp } from './test-support/apps.js'
import { startApp } from './test-support/apps.js'

const accessToken = 'access-admin-token-0123456789'
const audience = 'https://shop.example'

let rampart: IdentityTestApp
let shop: TestApp
let token: string

async function access(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${rampart.url}/v1/access${path}`, {
    method,
    headers: {
      authorization: `Bearer ${accessToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`)
  return text === '' ? undefined : JSON.parse(text)
}

const getOrder = (id: string) =>
  fetch(`${shop.url}/orders/${id}`, { headers: { authorization: `Bearer ${token}` } })

describe('the SDK against a running Rampart', () => {
  let clientId: string

  beforeAll(async () => {
    rampart = await startIdentityApp('sqlite', {
      access: { admin_token: accessToken, check_token: accessToken },
    })
    await rampart.adminJson('POST', '/resource-servers', {
      audience,
      name: 'Shop',
      scopes: ['orders:read'],
    })
    const client = await rampart.adminJson<{ clientId: string; clientSecret: string }>(
      'POST',
      '/clients',
      { name: 'billing', grant_types: ['client_credentials'], scope: 'orders:read' },
    )
    clientId = client.clientId
    const issued = await fetch(`${rampart.url}/oidc/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${btoa(`${client.clientId}:${client.clientSecret}`)}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'orders:read',
        resource: audience,
      }),
    })
    expect(issued.status).toBe(200)
    token = ((await issued.json()) as { access_token: string }).access_token
    expect(token.split('.')).toHaveLength(3)

    shop = await startApp('express', {
      url: rampart.url,
      service: 'shop',
      audience,
      serviceToken: () => Promise.resolve(accessToken),
      logger: { level: 'silent' },
    })
  })

  afterAll(async () => {
    await shop?.close()
    await rampart?.dispose()
  })

  it('verifies the token against the JWKS and authorises through the access API', async () => {
    const whoami = await fetch(`${shop.url}/whoami`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(whoami.status).toBe(200)
    expect(await whoami.json()).toMatchObject({ auth: { subject: clientId, clientId } })

    const refused = await getOrder('1')
    expect(refused.status).toBe(403)
    expect(await refused.json()).toMatchObject({ permission: 'order:read' })

    await access('PUT', '/roles/order-reader', { permissions: [{ permission: 'order:read' }] })
    const { binding } = (await access('POST', '/bindings', {
      subject: `client:${clientId}`,
      role: 'order-reader',
    })) as { binding: { id: string } }
    const allowed = await getOrder('1')
    expect(allowed.status).toBe(200)
    expect(await allowed.json()).toMatchObject({ id: '1' })

    await access('DELETE', `/bindings/${binding.id}`)
    expect((await getOrder('1')).status).toBe(403)
  })

  it('refuses a token whose signature does not match the published keys', async () => {
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const forged = `${header}.${payload}.${signature.slice(0, -4)}AAAA`
    const response = await fetch(`${shop.url}/whoami`, {
      headers: { authorization: `Bearer ${forged}` },
    })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toContain('invalid_token')
  })
})

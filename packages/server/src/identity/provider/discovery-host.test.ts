import { request } from 'node:http'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { IdentityTestApp } from '../test-support/identity-app.js'
import { startIdentityApp } from '../test-support/identity-app.js'

/** GET with a Host header of our choosing (fetch always sends the URL's own host). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { headers: { host } }, (incoming) => {
      let body = ''
      incoming.setEncoding('utf8')
      incoming.on('data', (chunk: string) => (body += chunk))
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, body }))
    })
    outgoing.on('error', reject)
    outgoing.end()
  })
}

describe('discovery behind a forged Host header', () => {
  let app: IdentityTestApp
  beforeAll(async () => {
    app = await startIdentityApp('sqlite')
  })
  afterAll(() => app?.dispose())

  it('builds every endpoint from the issuer, never from the request', async () => {
    const url = `${app.url}/.well-known/openid-configuration`
    const response = await getWithHost(url, 'evil.example')
    expect(response.status).toBe(200)
    const document = JSON.parse(response.body) as Record<string, unknown>
    const issuer = document.issuer as string
    expect(issuer).toBe(app.url)
    for (const key of ['authorization_endpoint', 'token_endpoint', 'jwks_uri']) {
      expect(document[key]).toMatch(new RegExp(`^${issuer}/oidc/`))
    }
    expect(JSON.stringify(document)).not.toContain('evil.example')
  })
})

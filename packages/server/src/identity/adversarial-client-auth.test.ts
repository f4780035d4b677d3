/**
 * Forged and malformed `private_key_jwt` client assertions at the token endpoint: each is
 * refused with the generic `invalid_client` outward, and the precise reason is in the audit
 * log inward. The control case shows a well-formed assertion passes.
 */
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto'
import type { KeyObject } from 'node:crypto'

import { SignJWT } from 'jose'
import { afterAll, beforeAll, expect, it } from 'vitest'

import { describeEachDialect } from '../test-support/stores.js'
import type { IdentityTestApp } from './test-support/identity-app.js'
import { startIdentityApp } from './test-support/identity-app.js'

const assertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

function encode(part: object): string {
  return Buffer.from(JSON.stringify(part)).toString('base64url')
}

interface Forgery {
  readonly header?: Record<string, unknown>
  readonly claims?: Record<string, unknown>
  readonly key?: 'client' | 'other'
  /** Build the whole token by hand instead of signing with jose. */
  readonly raw?: (header: string, payload: string) => string
}

describeEachDialect('private_key_jwt assertions', (dialect) => {
  let app: IdentityTestApp
  let clientId: string
  let tokenEndpoint: string
  const client = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const publicJwk = { ...client.publicKey.export({ format: 'jwk' }), kid: 'client-key-1' }

  beforeAll(async () => {
    app = await startIdentityApp(dialect)
    const created = await app.adminJson<{ clientId: string }>('POST', '/clients', {
      name: 'signer',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [{ ...publicJwk, alg: 'ES256', use: 'sig' }] },
    })
    clientId = created.clientId
    tokenEndpoint = `${app.url}/oidc/token`
  })

  afterAll(async () => {
    await app?.dispose()
  })

  async function assertion(forgery: Forgery): Promise<string> {
    const now = Math.floor(Date.now() / 1000)
    const claims = {
      iss: clientId,
      sub: clientId,
      aud: tokenEndpoint,
      jti: randomUUID(),
      iat: now,
      exp: now + 60,
      ...forgery.claims,
    }
    const header = { alg: 'ES256', kid: 'client-key-1', ...forgery.header }
    if (forgery.raw !== undefined) return forgery.raw(encode(header), encode(claims))
    const key: KeyObject = forgery.key === 'other' ? other.privateKey : client.privateKey
    return new SignJWT(claims).setProtectedHeader(header).sign(key)
  }

  async function tokenRequest(jwt: string): Promise<Response> {
    return fetch(tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_assertion_type: assertionType,
        client_assertion: jwt,
      }).toString(),
    })
  }

  /** The reasons of every failed token request audited so far, oldest first. */
  async function failureReasons(): Promise<(string | undefined)[]> {
    const rows = await app.test.app.store.db
      .selectFrom('audit_events')
      .select('body')
      .where('type', '=', 'auth.token.failed')
      .orderBy('seq')
      .execute()
    return rows.map(
      (row) => (JSON.parse(row.body) as { outcome: { reason?: string } }).outcome.reason,
    )
  }

  it('accepts a well-formed assertion', async () => {
    const response = await tokenRequest(await assertion({}))
    expect(response.status).toBe(200)
  })

  const publicPem = client.publicKey.export({ format: 'pem', type: 'spki' })
  const cases: [string, Forgery, string][] = [
    [
      'alg none',
      { raw: (header, payload) => `${header}.${payload}.`, header: { alg: 'none' } },
      'alg mismatch',
    ],
    [
      'HS256 keyed with the public key',
      {
        header: { alg: 'HS256' },
        raw: (header, payload) =>
          `${header}.${payload}.${createHmac('sha256', publicPem).update(`${header}.${payload}`).digest('base64url')}`,
      },
      'alg mismatch',
    ],
    [
      'an unknown kid',
      { header: { kid: 'no-such-key' }, key: 'other' },
      'no applicable key found in the JSON Web Key Set',
    ],
    [
      'a kid with a path',
      { header: { kid: '../../../../etc/passwd' } },
      'no applicable key found in the JSON Web Key Set',
    ],
    [
      'a kid with SQL',
      { header: { kid: "' OR '1'='1' --" } },
      'no applicable key found in the JSON Web Key Set',
    ],
    ['a signature by another key', { key: 'other' }, 'signature verification failed'],
    ['an expired token', { claims: { exp: Math.floor(Date.now() / 1000) - 120 } }, 'jwt expired'],
    [
      'a token not yet valid',
      { claims: { nbf: Math.floor(Date.now() / 1000) + 300 } },
      'jwt not active yet',
    ],
    [
      'a wrong audience',
      { claims: { aud: 'https://elsewhere.example.com/token' } },
      'audience (aud) must equal the endpoint url, issuer identifier or token endpoint url',
    ],
    [
      'a wrong issuer',
      { claims: { iss: 'someone-else' } },
      'iss (JWT issuer) must be the client_id',
    ],
  ]

  it.each(cases)('refuses %s as invalid_client', async (_name, forgery, reason) => {
    const before = (await failureReasons()).length
    const response = await tokenRequest(await assertion(forgery))
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({
      error: 'invalid_client',
      error_description: 'client authentication failed',
    })
    // The event is appended after the response: wait for this request's own.
    await expect.poll(async () => (await failureReasons()).slice(before)).toEqual([reason])
  })
})

/**
 * Attacks on the authorization code flow, each asserting the exact rejection: redirect URI
 * variations, PKCE downgrade or omission, a missing or wrong verifier, a replayed code (whose
 * tokens are then revoked) and two concurrent refreshes with one token.
 */
import { createHash, randomBytes } from 'node:crypto'

import { afterAll, beforeAll, expect, it } from 'vitest'

import { describeEachDialect } from '../test-support/stores.js'
import type { IdentityTestApp } from './test-support/identity-app.js'
import { startIdentityApp, testPassword } from './test-support/identity-app.js'
import { signIn } from './test-support/http-login.js'

const redirectUri = 'http://127.0.0.1:5173/cb'

interface TokenResponse {
  access_token?: string
  refresh_token?: string
  error?: string
  error_description?: string
}

describeEachDialect('authorization code flow under attack', (dialect) => {
  let app: IdentityTestApp
  let clientId: string

  beforeAll(async () => {
    app = await startIdentityApp(dialect)
    await app.createUser('mallory.target@example.com')
    clientId = (
      await app.adminJson<{ clientId: string }>('POST', '/clients', {
        name: 'spa',
        type: 'public',
        redirect_uris: [redirectUri],
      })
    ).clientId
  })

  afterAll(async () => {
    await app?.dispose()
  })

  function authorizeUrl(parameters: Record<string, string>): string {
    const query = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      scope: 'openid offline_access',
      prompt: 'consent',
      redirect_uri: redirectUri,
      state: 'state-1',
      ...parameters,
    })
    return `${app.url}/oidc/auth?${query.toString()}`
  }

  function pkce(): { verifier: string; challenge: string } {
    const verifier = randomBytes(32).toString('base64url')
    return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
  }

  async function code(challenge: string): Promise<string> {
    const callback = await signIn({
      origin: app.url,
      authorizationUrl: authorizeUrl({ code_challenge: challenge, code_challenge_method: 'S256' }),
      email: 'mallory.target@example.com',
      password: testPassword,
    })
    return callback.searchParams.get('code') ?? ''
  }

  async function token(parameters: Record<string, string>): Promise<[number, TokenResponse]> {
    const response = await fetch(`${app.url}/oidc/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: clientId, ...parameters }).toString(),
    })
    return [response.status, (await response.json()) as TokenResponse]
  }

  const redeem = (authorizationCode: string, verifier?: string) =>
    token({
      grant_type: 'authorization_code',
      code: authorizationCode,
      redirect_uri: redirectUri,
      ...(verifier === undefined ? {} : { code_verifier: verifier }),
    })

  const invalidGrant = { error: 'invalid_grant', error_description: 'grant request is invalid' }

  it.each([
    ['a trailing slash', 'http://127.0.0.1:5173/cb/'],
    ['an extra path segment', 'http://127.0.0.1:5173/cb/extra'],
    ['user information', 'http://attacker@127.0.0.1:5173/cb'],
    ['another port', 'http://127.0.0.1:5174/cb'],
    ['a fragment', 'http://127.0.0.1:5173/cb#x'],
    ['a javascript: URI', 'javascript:alert(document.cookie)'],
    ['another host', 'http://localhost:5173/cb'],
  ])('refuses a redirect URI with %s, without redirecting', async (_name, uri) => {
    const { challenge } = pkce()
    const response = await fetch(
      authorizeUrl({ redirect_uri: uri, code_challenge: challenge, code_challenge_method: 'S256' }),
      { redirect: 'manual' },
    )
    expect(response.status).toBe(400)
    expect(response.headers.get('location')).toBeNull()
    // The error page names the error; the URI itself is never echoed into the page.
    const page = await response.text()
    expect(page).toContain(
      '<strong>invalid_redirect_uri</strong>: redirect_uri did not match any of the ' +
        'client&#39;s registered redirect_uris',
    )
    expect(page).not.toContain('javascript:')
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'")
  })

  it.each([
    [
      'PKCE plain',
      { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' },
      'not supported value of code_challenge_method',
    ],
    [
      'no code_challenge',
      {},
      'Authorization Server policy requires PKCE to be used for this request',
    ],
  ])('refuses %s with invalid_request at the redirect URI', async (_name, extra, description) => {
    const response = await fetch(authorizeUrl(extra), { redirect: 'manual' })
    expect(response.status).toBe(303)
    const location = new URL(response.headers.get('location') ?? '')
    expect(location.origin + location.pathname).toBe(redirectUri)
    expect(Object.fromEntries(location.searchParams)).toEqual({
      error: 'invalid_request',
      error_description: description,
      state: 'state-1',
      iss: app.url,
    })
  })

  it('refuses a code redeemed without its verifier or with another one', async () => {
    const { challenge } = pkce()
    const issued = await code(challenge)
    expect(await redeem(issued)).toEqual([400, invalidGrant])
    expect(await redeem(issued, pkce().verifier)).toEqual([400, invalidGrant])
  })

  it('refuses a replayed code and revokes the tokens of its first use', async () => {
    const { verifier, challenge } = pkce()
    const issued = await code(challenge)
    const [status, first] = await redeem(issued, verifier)
    expect(status).toBe(200)

    expect(await redeem(issued, verifier)).toEqual([400, invalidGrant])
    const refreshed = await token({
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token ?? '',
    })
    expect(refreshed).toEqual([400, invalidGrant])
    const userinfo = await fetch(`${app.url}/oidc/me`, {
      headers: { authorization: `Bearer ${first.access_token ?? ''}` },
    })
    expect(userinfo.status).toBe(401)
  })

  it('lets exactly one of two concurrent refreshes win, then revokes the grant', async () => {
    const { verifier, challenge } = pkce()
    const [, tokens] = await redeem(await code(challenge), verifier)
    const refresh = () =>
      token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '' })

    const results = await Promise.all([refresh(), refresh()])
    const statuses = results.map(([status]) => status).sort()
    expect(statuses).toEqual([200, 400])
    const loser = results.find(([status]) => status === 400)
    expect(loser?.[1]).toEqual(invalidGrant)

    // The winner's new refresh token belonged to the revoked grant.
    const winner = results.find(([status]) => status === 200)?.[1]
    const next = await token({
      grant_type: 'refresh_token',
      refresh_token: winner?.refresh_token ?? '',
    })
    expect(next).toEqual([400, invalidGrant])

    // The provider's events are audited just after the response.
    const reuseEvents = () =>
      app.test.app.store.db
        .selectFrom('audit_events')
        .select('type')
        .where('type', '=', 'auth.token.reuse_detected')
        .execute()
    await expect.poll(async () => (await reuseEvents()).length).toBeGreaterThan(0)
  })
})

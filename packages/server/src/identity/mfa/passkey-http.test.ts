/**
 * Passkeys over HTTP on both dialects, the way the page script drives them: registration
 * through the signed-in user's endpoints and the MFA step of a login through the
 * interaction's endpoints, with a software authenticator; bad requests answer problem+json.
 */
import * as oidc from 'openid-client'
import { afterAll, beforeAll, expect, it } from 'vitest'

import { describeEachDialect } from '../../test-support/stores.js'
import type { IdentityTestApp } from '../test-support/identity-app.js'
import { startIdentityApp, testPassword } from '../test-support/identity-app.js'
import {
  CookieJar,
  csrfOf,
  follow,
  formActionOf,
  request,
  signIn,
} from '../test-support/http-login.js'
import { SoftwareAuthenticator } from '../test-support/software-authenticator.js'

const redirectUri = 'http://127.0.0.1:5173/cb'

async function postJson(jar: CookieJar, url: string, body: unknown) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { cookie: jar.header(), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  jar.store(response)
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    json: (await response.json()) as Record<string, unknown>,
  }
}

function attribute(html: string, name: string): string {
  const value = new RegExp(`${name}="([^"]+)"`).exec(html)?.[1]
  if (value === undefined) throw new Error(`no ${name} in the page`)
  return value.replaceAll('&amp;', '&')
}

describeEachDialect('passkeys over HTTP', (dialect) => {
  let app: IdentityTestApp
  let spa: oidc.Configuration
  let authenticator: SoftwareAuthenticator

  beforeAll(async () => {
    app = await startIdentityApp(dialect)
    spa = await app.publicClient('spa', redirectUri)
    authenticator = new SoftwareAuthenticator(new URL(app.url).hostname, app.url)
  })

  afterAll(async () => {
    await app?.dispose()
  })

  const authorizationUrl = async () =>
    oidc.buildAuthorizationUrl(spa, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: oidc.randomState(),
    }).href

  it('refuses registration without a session or with a wrong CSRF token', async () => {
    const anonymous = await postJson(
      new CookieJar(),
      `${app.url}/v1/identity/me/webauthn/registration/options`,
      { csrf: 'x' },
    )
    expect(anonymous).toMatchObject({ status: 401, json: { code: 'unauthorized' } })
    expect(anonymous.type).toContain('application/problem+json')

    await app.createUser('csrf.passkey@example.com')
    const jar = new CookieJar()
    await signIn(
      {
        origin: app.url,
        authorizationUrl: await authorizationUrl(),
        email: 'csrf.passkey@example.com',
        password: testPassword,
      },
      jar,
    )
    const forged = await postJson(jar, `${app.url}/v1/identity/me/webauthn/registration/options`, {
      csrf: 'forged-token-forged-token-forged-token-forged',
    })
    expect(forged).toMatchObject({ status: 403, json: { code: 'forbidden' } })
  })

  it('registers a passkey, then signs in with password + passkey', async () => {
    const user = await app.createUser('http.passkey@example.com')
    const jar = new CookieJar()
    await signIn(
      {
        origin: app.url,
        authorizationUrl: await authorizationUrl(),
        email: 'http.passkey@example.com',
        password: testPassword,
      },
      jar,
    )
    const page = await request(jar, `${app.url}/account/passkeys`)
    expect(page.status).toBe(200)
    const csrf = attribute(page.body, 'data-csrf')
    const options = await postJson(jar, `${app.url}${attribute(page.body, 'data-options-url')}`, {
      csrf,
    })
    expect(options.status).toBe(200)
    const challenge = options.json.challenge as string

    const bad = await postJson(jar, `${app.url}${attribute(page.body, 'data-verify-url')}`, {
      csrf,
      response: authenticator.register(challenge, { origin: 'https://evil.test' }),
    })
    expect(bad).toMatchObject({ status: 400, json: { code: 'identity_webauthn_failed' } })
    expect(bad.type).toContain('application/problem+json')

    const again = await postJson(jar, `${app.url}${attribute(page.body, 'data-options-url')}`, {
      csrf,
    })
    const added = await postJson(jar, `${app.url}${attribute(page.body, 'data-verify-url')}`, {
      csrf,
      response: authenticator.register(again.json.challenge as string),
    })
    expect(added).toMatchObject({ status: 201, json: { id: authenticator.credentialId } })

    // A new browser: password, then the MFA page offers the passkey (and no code form).
    const browser = new CookieJar()
    const login = await follow(browser, await request(browser, await authorizationUrl()), app.url)
    const mfa = await request(browser, new URL(formActionOf(login.body), app.url).href, {
      csrf: csrfOf(login.body),
      email: 'http.passkey@example.com',
      password: testPassword,
    })
    expect(mfa.status).toBe(200)
    expect(mfa.body).toContain('Use a passkey')
    expect(mfa.body).not.toContain('name="code"')
    const loginCsrf = attribute(mfa.body, 'data-csrf')
    const optionsUrl = `${app.url}${attribute(mfa.body, 'data-options-url')}`
    const action = new URL(formActionOf(mfa.body), app.url).href

    const forged = await postJson(browser, optionsUrl, { csrf: 'nope' })
    expect(forged).toMatchObject({ status: 403, json: { code: 'forbidden' } })

    const first = await postJson(browser, optionsUrl, { csrf: loginCsrf })
    const wrongOrigin = authenticator.assert(first.json.challenge as string, {
      origin: 'https://evil.test',
    })
    const refused = await request(browser, action, {
      csrf: loginCsrf,
      response: JSON.stringify(wrongOrigin),
    })
    expect(refused.status).toBe(401)
    expect(refused.body).toContain('That passkey could not be verified.')

    await postJson(browser, optionsUrl, { csrf: loginCsrf })
    const malformed = await request(browser, action, { csrf: loginCsrf, response: '{not json' })
    expect(malformed.status).toBe(401)

    const second = await postJson(browser, optionsUrl, { csrf: loginCsrf })
    const answer = JSON.stringify(authenticator.assert(second.json.challenge as string))
    const accepted = await request(browser, action, { csrf: loginCsrf, response: answer })
    const consent = await follow(browser, accepted, app.url)
    expect(consent.body).toContain('Allow access')

    const sessions = await app.adminJson<{ sessions: { authMethods: string[] }[] }>(
      'GET',
      `/users/${user.id}/sessions`,
    )
    const reasons = await app.test.app.store.db
      .selectFrom('audit_events')
      .select('body')
      .where('type', '=', 'identity.mfa.webauthn.failed')
      .orderBy('seq')
      .execute()
    const failures = reasons.map((row) => JSON.parse(row.body) as { outcome: { reason: string } })
    expect(failures.map((event) => event.outcome.reason)).toEqual([
      'origin_mismatch',
      'response_malformed',
    ])
    expect(sessions.sessions.map((session) => session.authMethods)).toContainEqual(['pwd', 'hwk'])
  })
})

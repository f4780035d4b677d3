/**
 * Self-service TOTP enrolment at `/account/mfa` over HTTP with real cookies, the way a
 * browser without JavaScript uses it, on both dialects: the QR code and otpauth URI, CSRF,
 * a wrong code, the recovery codes shown once, the audit event, and the next sign-in asking
 * for the new factor. No seed or recovery code reaches the log.
 */
import * as oidc from 'openid-client'
import { afterAll, beforeAll, expect, it } from 'vitest'

import { describeEachDialect } from '../../test-support/stores.js'
import type { IdentityTestApp } from '../test-support/identity-app.js'
import { startIdentityApp, testPassword } from '../test-support/identity-app.js'
import { CookieJar, csrfOf, request, signIn } from '../test-support/http-login.js'
import { totpCode } from './totp.js'

const redirectUri = 'http://127.0.0.1:5173/cb'

function otpauthUriOf(html: string): URL {
  const match = /<code>(otpauth:\/\/[^<]+)<\/code>/.exec(html)
  if (match?.[1] === undefined) throw new Error('no otpauth URI in the page')
  return new URL(match[1].replaceAll('&amp;', '&'))
}

describeEachDialect('self-service TOTP enrolment', (dialect) => {
  let app: IdentityTestApp
  let spa: oidc.Configuration

  beforeAll(async () => {
    app = await startIdentityApp(dialect)
    spa = await app.publicClient('spa', redirectUri)
  })

  afterAll(async () => {
    await app?.dispose()
  })

  async function signInAs(email: string, jar: CookieJar, mfaCode?: () => Promise<string>) {
    const url = oidc.buildAuthorizationUrl(spa, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    })
    return signIn(
      {
        origin: app.url,
        authorizationUrl: url.href,
        email,
        password: testPassword,
        ...(mfaCode === undefined ? {} : { mfaCode }),
      },
      jar,
    )
  }

  it('asks a visitor without a session to sign in', async () => {
    const page = await request(new CookieJar(), `${app.url}/account/mfa`)
    expect(page.status).toBe(401)
    expect(page.body).toContain('Sign in first.')
  })

  it('enrols an authenticator app and shows the recovery codes once', async () => {
    const user = await app.createUser('erin@example.com')
    const jar = new CookieJar()
    await signInAs('erin@example.com', jar)

    const start = await fetch(`${app.url}/account/mfa`, { headers: { cookie: jar.header() } })
    expect(start.status).toBe(200)
    expect(start.headers.get('content-security-policy')).not.toContain('script-src')
    const startPage = await start.text()
    expect(startPage).toContain('action="/account/mfa/start"')
    const csrf = csrfOf(startPage)

    const forged = await request(jar, `${app.url}/account/mfa/start`, { csrf: 'forged' })
    expect(forged.status).toBe(403)

    const setup = await request(jar, `${app.url}/account/mfa/start`, { csrf })
    expect(setup.status).toBe(200)
    expect(setup.body).toMatch(/<svg role="img" aria-label="QR code of the setup key"/)
    expect(setup.body).toContain('<label for="code">Code from the app</label>')
    const uri = otpauthUriOf(setup.body)
    expect(uri.protocol).toBe('otpauth:')
    // The issuer is the host name alone: a port would split the `issuer:account` label.
    const hostname = new URL(app.url).hostname
    expect(new URL(app.url).port).not.toBe('')
    expect(uri.pathname).toBe(`/${hostname}:erin%40example.com`)
    expect(uri.searchParams.get('issuer')).toBe(hostname)
    const secret = uri.searchParams.get('secret') ?? ''
    expect(secret).toMatch(/^[A-Z2-7]{32}$/)

    const now = Math.floor(Date.now() / 1000)
    const right = await totpCode(secret, now)
    const wrong = String((Number(right) + 500_000) % 1_000_000).padStart(6, '0')
    const letters = await request(jar, `${app.url}/account/mfa/confirm`, { csrf, code: 'abcdef' })
    expect(letters.status).toBe(400)
    const refused = await request(jar, `${app.url}/account/mfa/confirm`, { csrf, code: wrong })
    expect(refused.status).toBe(400)
    expect(refused.body).toContain('role="alert"')
    expect(refused.body).toContain('aria-invalid="true"')
    expect(otpauthUriOf(refused.body).searchParams.get('secret')).toBe(secret)

    const done = await request(jar, `${app.url}/account/mfa/confirm`, { csrf, code: right })
    expect(done.status).toBe(200)
    const codes = [...done.body.matchAll(/<li><code>([0-9a-f]{5}-[0-9a-f]{5})<\/code><\/li>/g)].map(
      (match) => match[1] ?? '',
    )
    expect(codes).toHaveLength(10)

    const after = await request(jar, `${app.url}/account/mfa`)
    expect(after.body).toContain('Your account has an authenticator app')
    expect(after.body).not.toContain(codes[0])
    const again = await request(jar, `${app.url}/account/mfa/start`, { csrf })
    expect(again.status).toBe(409)

    const events = await app.test.app.store.db
      .selectFrom('audit_events')
      .select(['type', 'actor_id', 'body'])
      .where('type', '=', 'auth.mfa.enrolled')
      .execute()
    expect(events).toHaveLength(1)
    expect(events[0]?.actor_id).toBe(user.id)
    expect(events[0]?.body).not.toContain(secret)

    // The next sign-in asks for the second factor; a recovery code answers it once.
    const callback = await signInAs('erin@example.com', new CookieJar(), () =>
      Promise.resolve(codes[0] ?? ''),
    )
    expect(callback.searchParams.get('code')).not.toBeNull()

    const log = app.test.log.text()
    expect(log).not.toContain(secret)
    for (const code of codes) expect(log).not.toContain(code)
  })
})

/**
 * The sign-in pages over HTTP on both dialects: failures that reveal nothing, lockout that
 * survives a restart, TOTP with replay refused, recovery codes, and the session cookie.
 */
import * as oidc from 'openid-client'
import { afterAll, beforeAll, expect, it } from 'vitest'

import { systemClock } from '../platform/clock.js'
import { describeEachDialect } from '../test-support/stores.js'
import { LoginThrottle } from './accounts/throttle.js'
import { totpCode } from './mfa/totp.js'
import { identityDb } from './store/tables.js'
import type { IdentityTestApp } from './test-support/identity-app.js'
import { startIdentityApp, testPassword } from './test-support/identity-app.js'
import type { Step } from './test-support/http-login.js'
import {
  CookieJar,
  csrfOf,
  follow,
  formActionOf,
  request,
  signIn,
} from './test-support/http-login.js'

const redirectUri = 'http://127.0.0.1:5173/cb'

describeEachDialect('sign-in pages', (dialect) => {
  let app: IdentityTestApp
  let spa: oidc.Configuration

  beforeAll(async () => {
    app = await startIdentityApp(dialect)
    spa = await app.publicClient('spa', redirectUri)
  })

  afterAll(async () => {
    await app?.dispose()
  })

  async function authorizationUrl(): Promise<string> {
    const verifier = oidc.randomPKCECodeVerifier()
    return oidc.buildAuthorizationUrl(spa, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: oidc.randomState(),
    }).href
  }

  /** Opens a fresh login page and submits the credentials once. */
  async function attempt(email: string, password: string): Promise<Step> {
    const jar = new CookieJar()
    const page = await follow(jar, await request(jar, await authorizationUrl()), app.url)
    const action = new URL(formActionOf(page.body), app.url).href
    return request(jar, action, { csrf: csrfOf(page.body), email, password })
  }

  const mask = (step: Step, email: string) =>
    step.body
      .replaceAll(/\/interaction\/[\w-]+/g, '/interaction/UID')
      .replaceAll(/name="csrf" value="[^"]+"/g, 'name="csrf" value="CSRF"')
      .replaceAll(email, 'EMAIL')

  it('answers an unknown email and a wrong password identically', async () => {
    await app.createUser('bob@example.com')
    const unknown = await attempt('nobody@example.com', 'whatever password 1')
    const wrong = await attempt('bob@example.com', 'whatever password 1')
    expect(unknown.status).toBe(401)
    expect(wrong.status).toBe(401)
    expect(mask(unknown, 'nobody@example.com')).toBe(mask(wrong, 'bob@example.com'))
    expect(unknown.body).toContain('role="alert"')
  })

  it('locks an account after 5 failures, even for the right password, across restarts', async () => {
    await app.createUser('carol@example.com')
    for (let index = 0; index < 5; index += 1) {
      expect((await attempt('carol@example.com', `wrong password ${index}`)).status).toBe(401)
    }
    const locked = await attempt('carol@example.com', testPassword)
    expect(locked.status).toBe(401)
    expect(locked.location).toBeUndefined()

    const events = await app.test.app.store.db
      .selectFrom('audit_events')
      .select(['type', 'body'])
      .where('type', 'in', ['auth.account.locked', 'auth.login.failed'])
      .orderBy('seq')
      .execute()
    expect(events.map((event) => event.type)).toContain('auth.account.locked')
    expect(events.at(-1)?.body).toContain('"reason":"locked"')
    expect(events.map((event) => event.body).join()).not.toContain(testPassword)

    // Counters live in the database: a new process (a second store) sees the lock.
    const store = await app.test.database.open()
    const throttle = new LoginThrottle(
      identityDb(store.db),
      systemClock,
      app.test.app.config.identity.lockout,
    )
    expect(await throttle.blockedFor('CAROL@example.com', '10.0.0.9')).toMatchObject({
      reason: 'locked',
    })
  })

  it('asks for TOTP, refuses a replayed code and accepts a recovery code once', async () => {
    const user = await app.createUser('dave@example.com')
    const enrolment = await app.adminJson<{ secret: string; uri: string }>(
      'POST',
      `/users/${user.id}/mfa/totp`,
    )
    expect(enrolment.uri).toMatch(/^otpauth:\/\/totp\//)
    const now = Math.floor(Date.now() / 1000)
    const { recoveryCodes } = await app.adminJson<{ recoveryCodes: string[] }>(
      'POST',
      `/users/${user.id}/mfa/totp/confirm`,
      { code: await totpCode(enrolment.secret, now) },
    )
    expect(recoveryCodes).toHaveLength(10)

    // The confirmation used this step; the next step's code is within the ±1 tolerance.
    const code = await totpCode(enrolment.secret, now + 30)
    const jar = new CookieJar()
    const callback = await signIn(
      {
        origin: app.url,
        authorizationUrl: await authorizationUrl(),
        email: 'dave@example.com',
        password: testPassword,
        mfaCode: () => Promise.resolve(code),
      },
      jar,
    )
    expect(callback.searchParams.get('code')).toBeTruthy()
    expect(jar.has('__Host-rampart_session')).toBe(true)

    const replay = signIn({
      origin: app.url,
      authorizationUrl: await authorizationUrl(),
      email: 'dave@example.com',
      password: testPassword,
      mfaCode: () => Promise.resolve(code),
    })
    await expect(replay).rejects.toThrow(/sign-in did not finish|unexpected 401/)

    const recovery = recoveryCodes[0] ?? ''
    const withRecovery = await signIn({
      origin: app.url,
      authorizationUrl: await authorizationUrl(),
      email: 'dave@example.com',
      password: testPassword,
      mfaCode: () => Promise.resolve(recovery),
    })
    expect(withRecovery.searchParams.get('code')).toBeTruthy()
    const again = signIn({
      origin: app.url,
      authorizationUrl: await authorizationUrl(),
      email: 'dave@example.com',
      password: testPassword,
      mfaCode: () => Promise.resolve(recovery),
    })
    await expect(again).rejects.toThrow(/sign-in did not finish|unexpected 401/)
  })

  it('lets a user see their sessions and sign out', async () => {
    await app.createUser('frances@example.com')
    const jar = new CookieJar()
    await signIn(
      {
        origin: app.url,
        authorizationUrl: await authorizationUrl(),
        email: 'frances@example.com',
        password: testPassword,
      },
      jar,
    )
    const mine = await fetch(`${app.url}/v1/identity/me/sessions`, {
      headers: { cookie: jar.header() },
    })
    expect(mine.status).toBe(200)
    expect(await mine.json()).toMatchObject({ sessions: [{ current: true, authMethods: ['pwd'] }] })

    const logoutPage = await request(jar, `${app.url}/logout`)
    expect(logoutPage.body).toContain('Sign out of Rampart on this device?')
    const forged = await request(jar, `${app.url}/logout`, { csrf: 'forged' })
    expect(forged.status).toBe(403)
    const done = await request(jar, `${app.url}/logout`, { csrf: csrfOf(logoutPage.body) })
    expect(done.status).toBe(200)
    expect(jar.has('__Host-rampart_session')).toBe(false)

    const after = await fetch(`${app.url}/v1/identity/me`, { headers: { cookie: jar.header() } })
    expect(after.status).toBe(401)
  })

  it('lists and revokes the sessions a login opened', async () => {
    const user = await app.createUser('erin@example.com')
    await signIn({
      origin: app.url,
      authorizationUrl: await authorizationUrl(),
      email: 'erin@example.com',
      password: testPassword,
    })
    const { sessions } = await app.adminJson<{ sessions: { id: string; authMethods: string[] }[] }>(
      'GET',
      `/users/${user.id}/sessions`,
    )
    expect(sessions).toHaveLength(1)
    expect(sessions[0]?.authMethods).toEqual(['pwd'])

    const revoke = await app.admin('DELETE', `/users/${user.id}/sessions/${sessions[0]?.id ?? ''}`)
    expect(revoke.status).toBe(204)
    const after = await app.adminJson<{ sessions: unknown[] }>('GET', `/users/${user.id}/sessions`)
    expect(after.sessions).toHaveLength(0)
  })
})

/**
 * A real browser (Debian's Chromium through playwright-core) signs in through the login page
 * with a password and a TOTP code, allows access, and the relying party completes a PKCE
 * flow for a public client; a signed-in user enrols an authenticator app at `/account/mfa`.
 * Without JavaScript in the pages, this is what users do.
 */
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import * as oidc from 'openid-client'
import type { Browser } from 'playwright-core'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { totpCode } from './mfa/totp.js'
import type { IdentityTestApp } from './test-support/identity-app.js'
import { startIdentityApp, testPassword } from './test-support/identity-app.js'

const executablePath = '/usr/bin/chromium'
const available = existsSync(executablePath)
if (!available) {
  if (process.env.CI === 'true') throw new Error(`${executablePath} is required in CI`)
  console.warn(`skipping the browser test: ${executablePath} is not installed`)
}

describe.skipIf(!available)('sign-in in a real browser', () => {
  let app: IdentityTestApp
  let browser: Browser
  const callback = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' }).end('signed in')
  })

  beforeAll(async () => {
    app = await startIdentityApp('sqlite')
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve))
    browser = await chromium.launch({
      executablePath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    callback.close()
    await app?.dispose()
  })

  it('signs in with password and TOTP and completes PKCE for a public client', async () => {
    const redirectUri = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/cb`
    const user = await app.createUser('browser.user@example.com')
    const enrolment = await app.adminJson<{ secret: string }>('POST', `/users/${user.id}/mfa/totp`)
    const now = Math.floor(Date.now() / 1000)
    await app.adminJson('POST', `/users/${user.id}/mfa/totp/confirm`, {
      code: await totpCode(enrolment.secret, now),
    })
    const config = await app.publicClient('Browser SPA', redirectUri)
    const verifier = oidc.randomPKCECodeVerifier()
    const state = oidc.randomState()
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    })

    const context = await browser.newContext({ javaScriptEnabled: false })
    const page = await context.newPage()
    await page.goto(url.href)
    expect(await page.textContent('h1')).toBe('Sign in')
    expect(await page.textContent('main')).toContain('Browser SPA')
    await page.getByLabel('Email').fill('browser.user@example.com')
    await page.getByLabel('Password').fill(testPassword)
    await page.getByRole('button', { name: 'Sign in' }).click()

    expect(await page.textContent('h1')).toBe('Two-step verification')
    await page.getByLabel('Verification code').fill(await totpCode(enrolment.secret, now + 30))
    await page.getByRole('button', { name: 'Verify' }).click()

    expect(await page.textContent('h1')).toBe('Allow access')
    await page.getByRole('button', { name: 'Allow' }).click()
    await page.waitForURL(`${redirectUri}?*`)

    const landed = new URL(page.url())
    expect(landed.searchParams.get('iss')).toBe(app.url)
    const tokens = await oidc.authorizationCodeGrant(config, landed, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    })
    expect(tokens.claims()?.sub).toBe(user.id)
    const { sessions } = await app.adminJson<{ sessions: { authMethods: string[] }[] }>(
      'GET',
      `/users/${user.id}/sessions`,
    )
    expect(sessions.map((session) => session.authMethods)).toEqual([['pwd', 'otp']])

    const cookies = await context.cookies(app.url)
    const session = cookies.find((cookie) => cookie.name === '__Host-rampart_session')
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' })
    await context.close()
  }, 60_000)

  it('enrols an authenticator app from the account page, without JavaScript', async () => {
    const redirectUri = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/cb`
    await app.createUser('browser.enrol@example.com')
    const config = await app.publicClient('Enrol SPA', redirectUri)
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    })

    const context = await browser.newContext({ javaScriptEnabled: false })
    const page = await context.newPage()
    await page.goto(url.href)
    await page.getByLabel('Email').fill('browser.enrol@example.com')
    await page.getByLabel('Password').fill(testPassword)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('button', { name: 'Allow' }).click()
    await page.waitForURL(`${redirectUri}?*`)

    await page.goto(`${app.url}/account/mfa`)
    expect(await page.textContent('h1')).toBe('Authenticator app')
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click()
    const qr = page.getByRole('img', { name: 'QR code of the setup key' })
    expect(await qr.isVisible()).toBe(true)
    expect((await qr.boundingBox())?.width).toBe(200)
    const uri = new URL((await page.locator('code', { hasText: 'otpauth://' }).textContent()) ?? '')
    const secret = uri.searchParams.get('secret') ?? ''

    await page.getByLabel('Code from the app').fill(await totpCode(secret, Date.now() / 1000))
    await page.getByRole('button', { name: 'Confirm' }).click()
    expect(await page.getByRole('status').textContent()).toContain('authenticator app is set up')
    const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem')
    expect(await codes.count()).toBe(10)
    await context.close()
  }, 60_000)
})

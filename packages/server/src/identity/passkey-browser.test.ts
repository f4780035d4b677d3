/**
 * Passkeys in a real browser: Chromium (playwright-core) with a virtual platform
 * authenticator from the DevTools protocol (CTAP2, internal transport, resident key, user
 * verification). A user signs in with a password, adds a passkey on `/account/passkeys`,
 * and signs in again with password + passkey through an authorization code flow with PKCE.
 * WebAuthn needs a domain as relying party id, so the issuer is http://localhost:<port>.
 */
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import * as oidc from 'openid-client'
import type { Browser, Page } from 'playwright-core'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { IdentityTestApp } from './test-support/identity-app.js'
import { startIdentityApp, testPassword } from './test-support/identity-app.js'

const executablePath = '/usr/bin/chromium'
const available = existsSync(executablePath)
if (!available) {
  if (process.env.CI === 'true') throw new Error(`${executablePath} is required in CI`)
  console.warn(`skipping the passkey browser test: ${executablePath} is not installed`)
}

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}

describe.skipIf(!available)('passkeys in a real browser', () => {
  let app: IdentityTestApp
  let browser: Browser
  let issuer: string
  const callback = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' }).end('signed in')
  })

  beforeAll(async () => {
    const port = await freePort()
    issuer = `http://localhost:${port}`
    app = await startIdentityApp('sqlite', { server: { port, public_url: issuer } })
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

  it('registers a passkey and signs in with password + passkey', async () => {
    const redirectUri = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/cb`
    const user = await app.createUser('passkey.browser@example.com')
    const client = await app.adminJson<{ clientId: string }>('POST', '/clients', {
      name: 'Passkey SPA',
      type: 'public',
      redirect_uris: [redirectUri],
    })
    const config = await oidc.discovery(new URL(issuer), client.clientId, undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    })
    const authorize = async () => {
      const verifier = oidc.randomPKCECodeVerifier()
      const state = oidc.randomState()
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid email',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
      })
      return { url, verifier, state }
    }

    const context = await browser.newContext()
    const page = await context.newPage()
    const policyViolations: string[] = []
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) policyViolations.push(message.text())
    })
    const cdp = await context.newCDPSession(page)
    await cdp.send('WebAuthn.enable', { enableUI: false })
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    })

    const passwordStep = async (target: URL) => {
      await page.goto(target.href)
      expect(await page.textContent('h1')).toBe('Sign in')
      await page.getByLabel('Email').fill('passkey.browser@example.com')
      await page.getByLabel('Password').fill(testPassword)
      await page.getByRole('button', { name: 'Sign in' }).click()
    }
    const finish = async (flow: { verifier: string; state: string }, current: Page) => {
      if ((await current.textContent('h1')) === 'Allow access') {
        await current.getByRole('button', { name: 'Allow' }).click()
      }
      await current.waitForURL(`${redirectUri}?*`)
      const tokens = await oidc.authorizationCodeGrant(config, new URL(current.url()), {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
      })
      expect(tokens.claims()?.sub).toBe(user.id)
    }

    // 1. Password only (no second factor yet): a first-party session.
    const first = await authorize()
    await passwordStep(first.url)
    await finish(first, page)

    // 2. Add a passkey with the virtual authenticator.
    await page.goto(`${issuer}/account/passkeys`)
    expect(await page.textContent('main')).toContain('You have 0 passkeys.')
    await page.getByRole('button', { name: 'Add a passkey' }).click()
    await expect.poll(() => page.textContent('[role=status]')).toBe('Passkey added.')
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId })
    expect(credentials).toHaveLength(1)
    const stored = await app.identity.services.webauthn.list(user.id)
    // The protocol reports the id in standard base64; the server keeps base64url.
    const credentialId = Buffer.from(credentials[0]?.credentialId ?? '', 'base64')
    expect(stored.map((passkey) => passkey.id)).toEqual([credentialId.toString('base64url')])
    expect(stored[0]?.transports).toEqual(['internal'])

    // 3. Signed out: password, then the passkey at the MFA step.
    await context.clearCookies()
    const second = await authorize()
    await passwordStep(second.url)
    expect(await page.textContent('h1')).toBe('Two-step verification')
    expect(await page.locator('input[name=code]').count()).toBe(0)
    await page.getByRole('button', { name: 'Use a passkey' }).click()
    // The script posts the signed answer; consent comes next (asked for every client).
    await page.getByRole('heading', { name: 'Allow access' }).waitFor({ timeout: 15_000 })
    await finish(second, page)

    const { sessions } = await app.adminJson<{ sessions: { authMethods: string[] }[] }>(
      'GET',
      `/users/${user.id}/sessions`,
    )
    expect(sessions.map((session) => session.authMethods)).toContainEqual(['pwd', 'hwk'])
    const events = await app.test.app.store.db
      .selectFrom('audit_events')
      .select('type')
      .where('type', 'like', 'identity.mfa.webauthn.%')
      .orderBy('seq')
      .execute()
    expect(events.map((event) => event.type)).toEqual([
      'identity.mfa.webauthn.registered',
      'identity.mfa.webauthn.used',
    ])
    const { credentials: after } = await cdp.send('WebAuthn.getCredentials', { authenticatorId })
    expect(after[0]?.signCount).toBeGreaterThan(credentials[0]?.signCount ?? 0)
    expect(policyViolations).toEqual([])
    await context.close()
  }, 90_000)
})

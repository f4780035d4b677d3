import * as oidc from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { IdentityTestApp } from '../test-support/identity-app.js'
import { startIdentityApp, testPassword } from '../test-support/identity-app.js'
import { CookieJar, csrfOf, follow, formActionOf, request } from '../test-support/http-login.js'

describe('identity.mfa_required: admins', () => {
  let app: IdentityTestApp
  let authorizationUrl: () => Promise<string>

  beforeAll(async () => {
    app = await startIdentityApp('sqlite', { identity: { mfa_required: 'admins' } })
    const redirectUri = 'http://127.0.0.1:5173/cb'
    const config = await app.publicClient('console', redirectUri)
    authorizationUrl = async () =>
      oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid',
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      }).href
  })

  afterAll(async () => {
    await app?.dispose()
  })

  async function submit(email: string) {
    const jar = new CookieJar()
    const page = await follow(jar, await request(jar, await authorizationUrl()), app.url)
    const action = new URL(formActionOf(page.body), app.url).href
    return follow(
      jar,
      await request(jar, action, { csrf: csrfOf(page.body), email, password: testPassword }),
      app.url,
    )
  }

  it('refuses an admin without a second factor and lets other users in', async () => {
    await app.adminJson('POST', '/users', {
      email: 'admin@example.com',
      password: testPassword,
      isAdmin: true,
    })
    await app.createUser('member@example.com')

    const admin = await submit('admin@example.com')
    expect(admin.status).toBe(403)
    expect(admin.body).toContain('must sign in with two-step verification')

    const member = await submit('member@example.com')
    expect(member.status).toBe(200)
    expect(member.body).toContain('Allow access')
  })
})

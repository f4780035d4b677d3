/**
 * Passkey verification on both dialects with a software authenticator: registration and a
 * login succeed with real signatures, and each way an answer can be wrong is refused with
 * `identity_webauthn_failed` and an audit event naming the reason.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'

import { RampartError } from '../../platform/errors.js'
import { describeEachDialect } from '../../test-support/stores.js'
import type { IdentityUsersTable } from '../store/tables.js'
import type { IdentityTestApp } from '../test-support/identity-app.js'
import { startIdentityApp } from '../test-support/identity-app.js'
import { SoftwareAuthenticator } from '../test-support/software-authenticator.js'
import type { WebAuthn } from './webauthn.js'

const issuer = 'https://id.rampart.test'
const rpId = 'id.rampart.test'
const origin = { ip: '127.0.0.1', requestId: 'test' }

describeEachDialect('WebAuthn passkeys', (dialect) => {
  let app: IdentityTestApp
  let webauthn: WebAuthn
  let user: IdentityUsersTable
  let authenticator: SoftwareAuthenticator
  let interaction = 0

  beforeAll(async () => {
    app = await startIdentityApp(dialect, { server: { public_url: issuer } })
    webauthn = app.identity.services.webauthn
    const created = await app.createUser('passkey.user@example.com')
    user = await app.identity.services.accounts.get(created.id)
    authenticator = new SoftwareAuthenticator(rpId, issuer)
    const options = await webauthn.registrationOptions(user, 'session-1')
    expect(options.rp).toEqual({ id: rpId, name: 'Rampart' })
    await webauthn.verifyRegistration(
      user,
      'session-1',
      authenticator.register(options.challenge),
      origin,
    )
  })

  afterAll(async () => {
    await app?.dispose()
  })

  async function failureReasons(): Promise<string[]> {
    const rows = await app.test.app.store.db
      .selectFrom('audit_events')
      .select('body')
      .where('type', '=', 'identity.mfa.webauthn.failed')
      .orderBy('seq')
      .execute()
    return rows.map(
      (row) => (JSON.parse(row.body) as { outcome: { reason: string } }).outcome.reason,
    )
  }

  async function expectRefused(promise: Promise<unknown>, reason: RegExp): Promise<void> {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(RampartError)
    expect((error as RampartError).code).toBe('identity_webauthn_failed')
    expect((error as RampartError).message).toBe('the passkey could not be verified')
    expect((await failureReasons()).at(-1)).toMatch(reason)
  }

  const nextUid = () => `interaction-${dialect}-${(interaction += 1)}`

  it('stores the passkey: id, public key, counter, transports, user handle', async () => {
    const row = await app.identity.services.db
      .selectFrom('identity_webauthn_credentials')
      .selectAll()
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow()
    expect(row.id).toBe(authenticator.credentialId)
    expect(Buffer.from(row.public_key, 'base64url').length).toBeGreaterThan(64)
    expect(Number(row.counter)).toBe(0)
    expect(JSON.parse(row.transports)).toEqual(['internal'])
    expect(Buffer.from(row.user_handle, 'base64url')).toHaveLength(32)
    expect(await webauthn.hasPasskey(user.id)).toBe(true)
  })

  it('verifies a login and moves the counter forward', async () => {
    const uid = nextUid()
    const options = await webauthn.authenticationOptions(uid, user)
    expect(options.rpId).toBe(rpId)
    expect(options.allowCredentials?.map((item) => item.id)).toEqual([authenticator.credentialId])
    await webauthn.verifyLogin(uid, user, authenticator.assert(options.challenge), origin)
    const [passkey] = await webauthn.list(user.id)
    expect(passkey?.lastUsedAt).not.toBeNull()
    const row = await app.identity.services.db
      .selectFrom('identity_webauthn_credentials')
      .select('counter')
      .where('id', '=', authenticator.credentialId)
      .executeTakeFirstOrThrow()
    expect(Number(row.counter)).toBe(authenticator.counter)
  })

  it('refuses an answer signed over another challenge', async () => {
    const uid = nextUid()
    await webauthn.authenticationOptions(uid, user)
    const answer = authenticator.assert('', { challenge: 'bm90LXRoZS1jaGFsbGVuZ2U' })
    await expectRefused(webauthn.verifyLogin(uid, user, answer, origin), /^challenge_mismatch$/)
  })

  it('refuses an answer made for another origin', async () => {
    const uid = nextUid()
    const options = await webauthn.authenticationOptions(uid, user)
    const answer = authenticator.assert(options.challenge, { origin: 'https://evil.test' })
    await expectRefused(webauthn.verifyLogin(uid, user, answer, origin), /^origin_mismatch$/)
  })

  it('refuses a replayed challenge, even with a valid answer', async () => {
    const uid = nextUid()
    const options = await webauthn.authenticationOptions(uid, user)
    const answer = authenticator.assert(options.challenge)
    await webauthn.verifyLogin(uid, user, answer, origin)
    await expectRefused(webauthn.verifyLogin(uid, user, answer, origin), /^challenge_unknown$/)
  })

  it('consumes the challenge on a failed attempt too', async () => {
    const uid = nextUid()
    const options = await webauthn.authenticationOptions(uid, user)
    const wrong = authenticator.assert(options.challenge, { origin: 'https://evil.test' })
    await expectRefused(webauthn.verifyLogin(uid, user, wrong, origin), /^origin_mismatch$/)
    const right = authenticator.assert(options.challenge)
    await expectRefused(webauthn.verifyLogin(uid, user, right, origin), /^challenge_unknown$/)
  })

  it('binds the challenge to its interaction', async () => {
    const options = await webauthn.authenticationOptions(nextUid(), user)
    const answer = authenticator.assert(options.challenge)
    await expectRefused(
      webauthn.verifyLogin(nextUid(), user, answer, origin),
      /^challenge_unknown$/,
    )
  })

  it('refuses an unknown credential', async () => {
    const uid = nextUid()
    const options = await webauthn.authenticationOptions(uid, user)
    const stranger = new SoftwareAuthenticator(rpId, issuer)
    await expectRefused(
      webauthn.verifyLogin(uid, user, stranger.assert(options.challenge), origin),
      /^credential_unknown$/,
    )
  })

  it("refuses another user's credential", async () => {
    const other = await app.createUser('other.passkey@example.com')
    const otherUser = await app.identity.services.accounts.get(other.id)
    const uid = nextUid()
    const options = await webauthn.authenticationOptions(uid, otherUser)
    await expectRefused(
      webauthn.verifyLogin(uid, otherUser, authenticator.assert(options.challenge), origin),
      /^credential_unknown$/,
    )
  })

  it('refuses a counter that does not move forward (a cloned authenticator)', async () => {
    const uid = nextUid()
    const options = await webauthn.authenticationOptions(uid, user)
    authenticator.counter = 0
    await expectRefused(
      webauthn.verifyLogin(uid, user, authenticator.assert(options.challenge), origin),
      /^counter_not_increased$/,
    )
  })

  it('refuses a registration for another origin or a used challenge', async () => {
    const extra = new SoftwareAuthenticator(rpId, issuer)
    const options = await webauthn.registrationOptions(user, 'session-2')
    const wrong = extra.register(options.challenge, { origin: 'https://evil.test' })
    const registering = webauthn.verifyRegistration(user, 'session-2', wrong, origin)
    await expect(registering).rejects.toMatchObject({ code: 'identity_webauthn_failed' })
    const replay = webauthn.verifyRegistration(
      user,
      'session-2',
      extra.register(options.challenge),
      origin,
    )
    await expect(replay).rejects.toMatchObject({ code: 'identity_webauthn_failed' })
    expect(await webauthn.list(user.id)).toHaveLength(1)
  })

  it('records facts without key material', async () => {
    const rows = await app.test.app.store.db
      .selectFrom('audit_events')
      .select(['type', 'body'])
      .where('type', 'like', 'identity.mfa.webauthn.%')
      .execute()
    const types = new Set(rows.map((row) => row.type))
    expect(types).toEqual(
      new Set([
        'identity.mfa.webauthn.registered',
        'identity.mfa.webauthn.used',
        'identity.mfa.webauthn.failed',
        'identity.mfa.webauthn.registration_failed',
      ]),
    )
    const stored = await app.identity.services.db
      .selectFrom('identity_webauthn_credentials')
      .select(['public_key', 'user_handle'])
      .executeTakeFirstOrThrow()
    const bodies = rows.map((row) => row.body).join('\n')
    expect(bodies).not.toContain(stored.public_key)
    expect(bodies).not.toContain(stored.user_handle)
  })
})

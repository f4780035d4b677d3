/**
 * WebAuthn passkeys as a second factor (through @simplewebauthn/server). A signed-in user
 * registers a passkey; at the MFA step of a login the passkey signs a challenge. The relying
 * party id and origin come from the issuer URL. Every challenge is stored server-side, bound
 * to what asked for it (the user's session for registration, the interaction for a login),
 * lives five minutes and is consumed by the first verification, successful or not.
 */
import { randomBytes } from 'node:crypto'

import type {
  AuthenticationResponseJSON,
  AuthenticatorTransportFuture,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server'
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server'

import type { Clock } from '../../platform/clock.js'
import { RampartError } from '../../platform/errors.js'
import type { IdentityAudit, RequestOrigin } from '../audit-events.js'
import { hashId } from '../store/artefacts.js'
import type { IdentityDb, IdentityUsersTable } from '../store/tables.js'

const challengeModel = 'WebAuthnChallenge'
const challengeTtlMs = 5 * 60_000
const timeoutMs = 120_000
const maxCredentialsPerUser = 20

export interface PasskeyView {
  readonly id: string
  readonly transports: string[]
  readonly createdAt: string
  readonly lastUsedAt: string | null
}

/** Where the relying party lives: both derived from the issuer URL. */
export function relyingPartyOf(issuer: string): { rpId: string; origin: string } {
  const url = new URL(issuer)
  return { rpId: url.hostname, origin: url.origin }
}

function failed(reason: string): RampartError {
  // One message outward; the reason goes to the audit event.
  return new RampartError('identity_webauthn_failed', 'the passkey could not be verified', {
    cause: new Error(reason),
  })
}

/**
 * A stable reason for the library's error message. Its messages quote the challenge and the
 * presented values, so they are classified here rather than copied into events.
 */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : ''
  if (/challenge/i.test(message)) return 'challenge_mismatch'
  if (/origin/i.test(message)) return 'origin_mismatch'
  if (/RP ?ID/i.test(message)) return 'rp_id_mismatch'
  if (/counter/i.test(message)) return 'counter_not_increased'
  if (/user (verification|not present)/i.test(message)) return 'user_presence_missing'
  return 'response_invalid'
}

export class WebAuthn {
  readonly #db: IdentityDb
  readonly #clock: Clock
  readonly #audit: IdentityAudit
  readonly #issuer: () => string

  constructor(db: IdentityDb, clock: Clock, audit: IdentityAudit, issuer: () => string) {
    this.#db = db
    this.#clock = clock
    this.#audit = audit
    this.#issuer = issuer
  }

  /** Whether the user has at least one passkey. */
  async hasPasskey(userId: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('identity_webauthn_credentials')
      .select('id')
      .where('user_id', '=', userId)
      .limit(1)
      .executeTakeFirst()
    return row !== undefined
  }

  async list(userId: string): Promise<PasskeyView[]> {
    const rows = await this.#db
      .selectFrom('identity_webauthn_credentials')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute()
    return rows.map((row) => ({
      id: row.id,
      transports: JSON.parse(row.transports) as string[],
      createdAt: new Date(Number(row.created_at)).toISOString(),
      lastUsedAt:
        row.last_used_at === null ? null : new Date(Number(row.last_used_at)).toISOString(),
    }))
  }

  /** Options for `navigator.credentials.create`, for the user signed in with `sessionId`. */
  async registrationOptions(
    user: IdentityUsersTable,
    sessionId: string,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const existing = await this.#db
      .selectFrom('identity_webauthn_credentials')
      .select(['id', 'transports', 'user_handle'])
      .where('user_id', '=', user.id)
      .execute()
    const { rpId } = relyingPartyOf(this.#issuer())
    const userHandle = existing[0]?.user_handle ?? randomBytes(32).toString('base64url')
    const options = await generateRegistrationOptions({
      rpName: 'Rampart',
      rpID: rpId,
      userName: user.email,
      userDisplayName: user.name ?? user.email,
      userID: Buffer.from(userHandle, 'base64url'),
      timeout: timeoutMs,
      attestationType: 'none',
      excludeCredentials: existing.map((row) => ({
        id: row.id,
        transports: JSON.parse(row.transports) as AuthenticatorTransportFuture[],
      })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    })
    await this.#storeChallenge(`register:${sessionId}`, {
      challenge: options.challenge,
      userId: user.id,
      userHandle,
    })
    return options
  }

  /** Verifies `navigator.credentials.create`'s answer and stores the new passkey. */
  async verifyRegistration(
    user: IdentityUsersTable,
    sessionId: string,
    response: RegistrationResponseJSON,
    origin: RequestOrigin,
  ): Promise<PasskeyView> {
    const state = await this.#consumeChallenge(`register:${sessionId}`)
    try {
      if (state === undefined || state.userId !== user.id) throw failed('challenge_unknown')
      const count = await this.#db
        .selectFrom('identity_webauthn_credentials')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('user_id', '=', user.id)
        .executeTakeFirstOrThrow()
      if (Number(count.n) >= maxCredentialsPerUser) throw failed('too_many_passkeys')
      const party = relyingPartyOf(this.#issuer())
      const result = await verifyRegistrationResponse({
        response,
        expectedChallenge: state.challenge,
        expectedOrigin: party.origin,
        expectedRPID: party.rpId,
        requireUserVerification: false,
      }).catch((error: unknown) => {
        throw failed(reasonOf(error))
      })
      if (!result.verified) throw failed('not_verified')
      const credential = result.registrationInfo.credential
      const transports = credential.transports ?? response.response.transports ?? []
      const now = this.#clock.now()
      await this.#db
        .insertInto('identity_webauthn_credentials')
        .values({
          id: credential.id,
          user_id: user.id,
          user_handle: state.userHandle ?? '',
          public_key: Buffer.from(credential.publicKey).toString('base64url'),
          counter: credential.counter,
          transports: JSON.stringify(transports),
          device_type: result.registrationInfo.credentialDeviceType,
          backed_up: result.registrationInfo.credentialBackedUp ? 1 : 0,
          created_at: now,
          last_used_at: null,
        })
        .onConflict((conflict) => conflict.column('id').doNothing())
        .execute()
      await this.#audit.record({
        type: 'identity.mfa.webauthn.registered',
        action: 'enrol',
        actor: { type: 'user', id: user.id },
        target: { type: 'user', id: user.id },
        outcome: 'success',
        origin,
        fields: { method: 'webauthn', credentialId: credential.id, transports },
      })
      return {
        id: credential.id,
        transports,
        createdAt: new Date(now).toISOString(),
        lastUsedAt: null,
      }
    } catch (error) {
      await this.#recordFailure('identity.mfa.webauthn.registration_failed', user.id, error, origin)
      throw error
    }
  }

  /** Options for `navigator.credentials.get` at the MFA step of interaction `uid`. */
  async authenticationOptions(
    uid: string,
    user: IdentityUsersTable,
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const rows = await this.#db
      .selectFrom('identity_webauthn_credentials')
      .select(['id', 'transports'])
      .where('user_id', '=', user.id)
      .execute()
    const options = await generateAuthenticationOptions({
      rpID: relyingPartyOf(this.#issuer()).rpId,
      timeout: timeoutMs,
      userVerification: 'preferred',
      allowCredentials: rows.map((row) => ({
        id: row.id,
        transports: JSON.parse(row.transports) as AuthenticatorTransportFuture[],
      })),
    })
    await this.#storeChallenge(`login:${uid}`, { challenge: options.challenge, userId: user.id })
    return options
  }

  /**
   * Verifies a passkey's signature for the login in interaction `uid`. The credential must
   * belong to the user and its counter must move forward (unless the authenticator keeps
   * none: both zero). Resolves when verified; throws `identity_webauthn_failed` otherwise.
   * An unparseable answer (`undefined`) fails too, and still uses up the challenge.
   */
  async verifyLogin(
    uid: string,
    user: IdentityUsersTable,
    response: AuthenticationResponseJSON | undefined,
    origin: RequestOrigin,
  ): Promise<void> {
    const state = await this.#consumeChallenge(`login:${uid}`)
    try {
      if (state === undefined || state.userId !== user.id) throw failed('challenge_unknown')
      if (response === undefined) throw failed('response_malformed')
      const stored = await this.#db
        .selectFrom('identity_webauthn_credentials')
        .selectAll()
        .where('id', '=', String(response.id))
        .where('user_id', '=', user.id)
        .executeTakeFirst()
      if (stored === undefined) throw failed('credential_unknown')
      const party = relyingPartyOf(this.#issuer())
      const storedCounter = Number(stored.counter)
      const result = await verifyAuthenticationResponse({
        response,
        expectedChallenge: state.challenge,
        expectedOrigin: party.origin,
        expectedRPID: party.rpId,
        requireUserVerification: false,
        credential: {
          id: stored.id,
          publicKey: Buffer.from(stored.public_key, 'base64url'),
          counter: storedCounter,
          transports: JSON.parse(stored.transports) as AuthenticatorTransportFuture[],
        },
      }).catch((error: unknown) => {
        throw failed(reasonOf(error))
      })
      if (!result.verified) throw failed('not_verified')
      // Compare-and-set on the counter: two logins racing with one assertion, one wins.
      const updated = await this.#db
        .updateTable('identity_webauthn_credentials')
        .set({ counter: result.authenticationInfo.newCounter, last_used_at: this.#clock.now() })
        .where('id', '=', stored.id)
        .where('counter', '=', storedCounter)
        .executeTakeFirst()
      if (updated.numUpdatedRows === 0n) throw failed('counter_race')
      await this.#audit.record({
        type: 'identity.mfa.webauthn.used',
        action: 'verify',
        actor: { type: 'user', id: user.id, authMethod: 'webauthn' },
        outcome: 'success',
        origin,
        fields: { credentialId: stored.id },
      })
    } catch (error) {
      await this.#recordFailure('identity.mfa.webauthn.failed', user.id, error, origin)
      throw error
    }
  }

  async #recordFailure(
    type: string,
    userId: string,
    error: unknown,
    origin: RequestOrigin,
  ): Promise<void> {
    if (!(error instanceof RampartError) || error.code !== 'identity_webauthn_failed') return
    const reason = error.cause instanceof Error ? error.cause.message : 'unknown'
    await this.#audit.record({
      type,
      action: 'verify',
      actor: { type: 'user', id: userId, authMethod: 'webauthn' },
      outcome: 'failure',
      reason,
      origin,
    })
  }

  async #storeChallenge(key: string, state: ChallengeState): Promise<void> {
    const row = {
      payload: JSON.stringify(state),
      grant_id: null,
      uid: null,
      expires_at: this.#clock.now() + challengeTtlMs,
    }
    await this.#db
      .insertInto('identity_oidc_payloads')
      .values({ model: challengeModel, id_hash: hashId(key), consumed_at: null, ...row })
      .onConflict((conflict) => conflict.columns(['model', 'id_hash']).doUpdateSet(row))
      .execute()
  }

  /** Takes the challenge out of the store: only the caller whose delete removed it uses it. */
  async #consumeChallenge(key: string): Promise<ChallengeState | undefined> {
    const row = await this.#db
      .selectFrom('identity_oidc_payloads')
      .select(['payload', 'expires_at'])
      .where('model', '=', challengeModel)
      .where('id_hash', '=', hashId(key))
      .executeTakeFirst()
    if (row === undefined) return undefined
    const deleted = await this.#db
      .deleteFrom('identity_oidc_payloads')
      .where('model', '=', challengeModel)
      .where('id_hash', '=', hashId(key))
      .where('payload', '=', row.payload)
      .executeTakeFirst()
    if (deleted.numDeletedRows === 0n) return undefined
    if (Number(row.expires_at) <= this.#clock.now()) return undefined
    return JSON.parse(row.payload) as ChallengeState
  }
}

interface ChallengeState {
  readonly challenge: string
  readonly userId: string
  readonly userHandle?: string
}

/**
 * TOTP second factor (RFC 6238 through otplib): SHA-1, 6 digits, 30-second steps, one step of
 * tolerance either way. The seed is sealed under the master key; the last accepted step is
 * stored, and a code of that step or an earlier one is refused, so a code works once.
 * Recovery codes are single-use and stored as keyed digests.
 */
import { createHmac, hkdfSync, randomBytes } from 'node:crypto'

import { generate, generateSecret, generateURI, verify } from 'otplib'

import type { Clock } from '../../platform/clock.js'
import { RampartError } from '../../platform/errors.js'
import type { IdentityAudit, RequestOrigin } from '../audit-events.js'
import { hashId } from '../store/artefacts.js'
import { seal, unseal } from '../secret-seal.js'
import type { IdentityDb, IdentityUsersTable } from '../store/tables.js'

const period = 30
const recoveryCodeCount = 10
const enrolmentTtlMs = 10 * 60_000

export interface TotpCodeOptions {
  readonly algorithm?: 'sha1' | 'sha256' | 'sha512'
  readonly digits?: 6 | 8
  readonly period?: number
}

/** The code for `secret` (base32) at `epochSeconds`; what an authenticator app shows. */
export function totpCode(secret: string, epochSeconds: number, options: TotpCodeOptions = {}) {
  return generate({
    secret,
    epoch: epochSeconds,
    algorithm: options.algorithm ?? 'sha1',
    digits: options.digits ?? 6,
    period: options.period ?? period,
  })
}

export interface TotpEnrolment {
  /** The base32 seed, for typing into an app; shown once. */
  readonly secret: string
  /** `otpauth://totp/...`, for a QR code. */
  readonly uri: string
}

function enrolment(user: IdentityUsersTable, issuer: string, secret: string): TotpEnrolment {
  return { secret, uri: generateURI({ issuer, label: user.email, secret, period }) }
}

function formatRecoveryCode(bytes: Buffer): string {
  const text = bytes.toString('hex')
  return `${text.slice(0, 5)}-${text.slice(5, 10)}`
}

export class Totp {
  readonly #db: IdentityDb
  readonly #clock: Clock
  readonly #masterKey: Buffer
  readonly #audit: IdentityAudit
  readonly #recoveryKey: Buffer

  constructor(db: IdentityDb, clock: Clock, masterKey: Buffer, audit: IdentityAudit) {
    this.#db = db
    this.#clock = clock
    this.#masterKey = masterKey
    this.#audit = audit
    const info = 'rampart identity recovery codes v1'
    this.#recoveryKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), info, 32))
  }

  /** Starts enrolment: a new seed, pending until `confirm` sees a code from it. */
  async begin(user: IdentityUsersTable, issuer: string): Promise<TotpEnrolment> {
    const secret = generateSecret({ length: 20 })
    const row = {
      payload: JSON.stringify({ sealed: seal(this.#masterKey, `totp:${user.id}`, secret) }),
      grant_id: null,
      uid: null,
      expires_at: this.#clock.now() + enrolmentTtlMs,
    }
    await this.#db
      .insertInto('identity_oidc_payloads')
      .values({ model: 'TotpEnrolment', id_hash: hashId(user.id), consumed_at: null, ...row })
      .onConflict((conflict) => conflict.columns(['model', 'id_hash']).doUpdateSet(row))
      .execute()
    return enrolment(user, issuer, secret)
  }

  /** The enrolment `begin` started and `confirm` has not finished, while it lasts. */
  async pendingEnrolment(
    user: IdentityUsersTable,
    issuer: string,
  ): Promise<TotpEnrolment | undefined> {
    const pending = await this.#pendingRow(user)
    if (pending === undefined) return undefined
    return enrolment(user, issuer, unseal(this.#masterKey, `totp:${user.id}`, pending.sealed))
  }

  /** Activates the pending seed when `code` matches it; returns the recovery codes. */
  async confirm(user: IdentityUsersTable, code: string, origin: RequestOrigin): Promise<string[]> {
    const pending = await this.#pendingRow(user)
    if (pending === undefined) {
      throw new RampartError('not_found', 'no TOTP enrolment is pending for this user')
    }
    const { sealed } = pending
    const secret = unseal(this.#masterKey, `totp:${user.id}`, sealed)
    const step = await this.#matchingStep(secret, code, undefined)
    if (step === undefined) {
      throw new RampartError('validation_failed', 'the code does not match', {
        errors: [{ field: 'body.code', message: 'does not match the new secret' }],
      })
    }

    const codes = Array.from({ length: recoveryCodeCount }, () =>
      formatRecoveryCode(randomBytes(5)),
    )
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .updateTable('identity_users')
        .set({ totp_secret_sealed: sealed, totp_last_step: step, updated_at: this.#clock.now() })
        .where('id', '=', user.id)
        .execute()
      await trx.deleteFrom('identity_recovery_codes').where('user_id', '=', user.id).execute()
      await trx
        .insertInto('identity_recovery_codes')
        .values(
          codes.map((value) => ({
            user_id: user.id,
            code_hash: this.#digest(value),
            used_at: null,
          })),
        )
        .execute()
      await trx
        .deleteFrom('identity_oidc_payloads')
        .where('model', '=', 'TotpEnrolment')
        .where('id_hash', '=', hashId(user.id))
        .execute()
    })
    await this.#audit.record({
      type: 'auth.mfa.enrolled',
      action: 'enrol',
      actor: { type: 'user', id: user.id },
      target: { type: 'user', id: user.id },
      outcome: 'success',
      origin,
      fields: { method: 'totp', recoveryCodes: codes.length },
    })
    return codes
  }

  /** Removes the user's TOTP seed and recovery codes. */
  async remove(userId: string): Promise<void> {
    await this.#db
      .updateTable('identity_users')
      .set({ totp_secret_sealed: null, totp_last_step: null, updated_at: this.#clock.now() })
      .where('id', '=', userId)
      .execute()
    await this.#db.deleteFrom('identity_recovery_codes').where('user_id', '=', userId).execute()
  }

  /**
   * Checks a login's second factor: a TOTP code (not replayed) or an unused recovery code.
   * Resolves to the method used (`otp` or `recovery`), or undefined.
   */
  async verifyLogin(
    user: IdentityUsersTable,
    code: string,
    origin: RequestOrigin,
  ): Promise<'otp' | 'recovery' | undefined> {
    const presented = code.replace(/\s/g, '')
    const method = /^\d{6}$/.test(presented)
      ? await this.#useTotp(user, presented)
      : await this.#useRecoveryCode(user, presented.toLowerCase())
    await this.#audit.record({
      type: method === undefined ? 'auth.mfa.failed' : 'auth.mfa.used',
      action: 'verify',
      actor: { type: 'user', id: user.id, authMethod: method ?? 'totp' },
      outcome: method === undefined ? 'failure' : 'success',
      ...(method === undefined ? { reason: 'code_invalid_or_replayed' } : {}),
      origin,
    })
    return method
  }

  async #useTotp(user: IdentityUsersTable, code: string): Promise<'otp' | undefined> {
    if (user.totp_secret_sealed === null) return undefined
    const secret = unseal(this.#masterKey, `totp:${user.id}`, user.totp_secret_sealed)
    const last = user.totp_last_step === null ? undefined : Number(user.totp_last_step)
    const step = await this.#matchingStep(secret, code, last)
    if (step === undefined) return undefined
    // The step only moves forward: of two concurrent logins with one code, one wins.
    const result = await this.#db
      .updateTable('identity_users')
      .set({ totp_last_step: step })
      .where('id', '=', user.id)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
      .executeTakeFirst()
    return result.numUpdatedRows > 0n ? 'otp' : undefined
  }

  async #useRecoveryCode(user: IdentityUsersTable, code: string): Promise<'recovery' | undefined> {
    const result = await this.#db
      .updateTable('identity_recovery_codes')
      .set({ used_at: this.#clock.now() })
      .where('user_id', '=', user.id)
      .where('code_hash', '=', this.#digest(code))
      .where('used_at', 'is', null)
      .executeTakeFirst()
    return result.numUpdatedRows > 0n ? 'recovery' : undefined
  }

  async #matchingStep(
    secret: string,
    code: string,
    afterStep: number | undefined,
  ): Promise<number | undefined> {
    // otplib throws on a token that is not digits; for the caller that is just a wrong code.
    if (!/^\d{6}$/.test(code)) return undefined
    const result = await verify({
      secret,
      token: code,
      epoch: Math.floor(this.#clock.now() / 1000),
      period,
      epochTolerance: period,
      ...(afterStep === undefined ? {} : { afterTimeStep: afterStep }),
    })
    return result.valid && 'timeStep' in result ? result.timeStep : undefined
  }

  async #pendingRow(user: IdentityUsersTable): Promise<{ sealed: string } | undefined> {
    const row = await this.#db
      .selectFrom('identity_oidc_payloads')
      .select(['payload', 'expires_at'])
      .where('model', '=', 'TotpEnrolment')
      .where('id_hash', '=', hashId(user.id))
      .executeTakeFirst()
    if (row === undefined || Number(row.expires_at) <= this.#clock.now()) return undefined
    return JSON.parse(row.payload) as { sealed: string }
  }

  #digest(code: string): string {
    return createHmac('sha256', this.#recoveryKey).update(code).digest('base64url')
  }
}

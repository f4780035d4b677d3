/**
 * Password login: one answer for every failure (unknown email, wrong password, disabled
 * account, lockout), so neither the response nor its timing tells whether an account exists.
 * The real reason goes to the audit event.
 */
import type { IdentityAudit, RequestOrigin } from '../audit-events.js'
import type { IdentityUsersTable } from '../store/tables.js'
import type { Accounts } from './accounts.js'
import type { LoginThrottle } from './throttle.js'

export type LoginFailureReason =
  'unknown_account' | 'wrong_password' | 'no_password' | 'disabled' | 'locked' | 'throttled'

export type LoginResult =
  | { readonly ok: true; readonly user: IdentityUsersTable }
  | {
      readonly ok: false
      readonly reason: LoginFailureReason
      /** Set when the caller must wait: the account or address is locked this long. */
      readonly retryAfterMs?: number
    }

export class PasswordLogin {
  readonly #accounts: Accounts
  readonly #audit: IdentityAudit
  readonly #throttle: LoginThrottle

  constructor(accounts: Accounts, audit: IdentityAudit, throttle: LoginThrottle) {
    this.#accounts = accounts
    this.#audit = audit
    this.#throttle = throttle
  }

  async authenticate(email: string, password: string, origin: RequestOrigin): Promise<LoginResult> {
    const ip = origin.ip ?? 'unknown'
    const blocked = await this.#throttle.blockedFor(email, ip)
    const user = await this.#accounts.findByEmail(email)
    const hasher = this.#accounts.hasher

    if (blocked !== undefined) {
      // Hash anyway: a locked account must cost the same time as any other answer.
      await hasher.verifyNothing(password)
      await this.#recordFailure(user, email, blocked.reason, origin)
      return { ok: false, reason: blocked.reason, retryAfterMs: blocked.retryAfterMs }
    }

    let reason: LoginFailureReason | undefined
    if (user === undefined) {
      await hasher.verifyNothing(password)
      reason = 'unknown_account'
    } else if (user.password_hash === null) {
      await hasher.verifyNothing(password)
      reason = 'no_password'
    } else if (!(await hasher.verify(user.password_hash, password))) {
      reason = 'wrong_password'
    } else if (user.status !== 'active') {
      reason = 'disabled'
    }

    if (reason !== undefined) {
      const lock = await this.#throttle.recordFailure(email, ip)
      await this.#recordFailure(user, email, reason, origin)
      if (lock !== undefined && user !== undefined) {
        await this.#audit.record({
          type: 'auth.account.locked',
          action: 'lock',
          actor: { type: 'system' },
          target: { type: 'user', id: user.id },
          outcome: 'success',
          reason: `${lock.failures} failed logins`,
          severity: 'medium',
          origin,
          fields: { lockedForMs: lock.lockedForMs },
        })
      }
      return { ok: false, reason }
    }

    const active = user as IdentityUsersTable
    await this.#throttle.recordSuccess(email, ip)
    if (hasher.needsRehash(active.password_hash ?? '')) {
      await this.#accounts.upgradeHash(active.id, password)
    }
    return { ok: true, user: active }
  }

  async #recordFailure(
    user: IdentityUsersTable | undefined,
    email: string,
    reason: LoginFailureReason,
    origin: RequestOrigin,
  ): Promise<void> {
    await this.#audit.record({
      type: 'auth.login.failed',
      action: 'login',
      actor:
        user === undefined
          ? { type: 'anonymous', name: email.slice(0, 256) || 'empty' }
          : { type: 'user', id: user.id, authMethod: 'password' },
      outcome: 'failure',
      reason,
      severity: reason === 'locked' || reason === 'throttled' ? 'medium' : 'low',
      origin,
    })
  }
}

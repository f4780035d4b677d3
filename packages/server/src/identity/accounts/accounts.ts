/**
 * User accounts: create, read, update, disable, delete, and the password operations. Emails
 * are unique case-insensitively (a lower-cased key column with a unique index).
 */
import type { Clock } from '../../platform/clock.js'
import { RampartError } from '../../platform/errors.js'
import { newId } from '../../platform/ids.js'
import type { IdentityDb, IdentityUsersTable, UserStatus } from '../store/tables.js'
import type { PasswordHasher } from './passwords.js'
import { isImportableHash } from './passwords.js'
import type { PasswordPolicy } from './password-policy.js'

/** An account as the API shows it: never its hash or MFA secret. */
export interface User {
  readonly id: string
  readonly email: string
  readonly name: string | null
  readonly status: UserStatus
  readonly isAdmin: boolean
  readonly hasPassword: boolean
  readonly mfaEnrolled: boolean
  readonly createdAt: string
  readonly updatedAt: string
}

export interface NewUser {
  readonly email: string
  readonly name?: string | undefined
  readonly password?: string | undefined
  /** A bcrypt or argon2id hash from another system, instead of `password`. */
  readonly passwordHash?: string | undefined
  readonly isAdmin?: boolean | undefined
}

export function toUser(row: IdentityUsersTable): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    status: row.status,
    isAdmin: Number(row.is_admin) === 1,
    hasPassword: row.password_hash !== null,
    mfaEnrolled: row.totp_secret_sealed !== null,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
  }
}

const emailPattern = /^[^\s@]+@[^\s@]+$/

/** The lookup key of an email: trimmed and lower-cased (Unicode-aware). */
export function emailKey(email: string): string {
  return email.trim().normalize('NFKC').toLowerCase()
}

export class Accounts {
  readonly #db: IdentityDb
  readonly #clock: Clock
  readonly #hasher: PasswordHasher
  readonly #policy: PasswordPolicy

  constructor(db: IdentityDb, clock: Clock, hasher: PasswordHasher, policy: PasswordPolicy) {
    this.#db = db
    this.#clock = clock
    this.#hasher = hasher
    this.#policy = policy
  }

  get hasher(): PasswordHasher {
    return this.#hasher
  }

  /** Creates an account; `conflict` when the email is taken in any letter case. */
  async create(input: NewUser): Promise<User> {
    const email = input.email.trim()
    if (!emailPattern.test(email) || email.length > 254) {
      throw new RampartError('validation_failed', 'email is not an email address', {
        errors: [{ field: 'body.email', message: 'is not an email address' }],
      })
    }
    const passwordHash = await this.#initialHash(input, email)
    const now = this.#clock.now()
    const row: IdentityUsersTable = {
      id: newId(),
      email,
      email_key: emailKey(email),
      name: input.name ?? null,
      password_hash: passwordHash,
      status: 'active',
      is_admin: input.isAdmin === true ? 1 : 0,
      totp_secret_sealed: null,
      totp_last_step: null,
      created_at: now,
      updated_at: now,
    }
    try {
      await this.#db.insertInto('identity_users').values(row).execute()
    } catch (error) {
      if (/unique|duplicate/i.test(String(error))) {
        throw new RampartError('conflict', 'an account with this email exists', { cause: error })
      }
      throw error
    }
    return toUser(row)
  }

  async find(id: string): Promise<IdentityUsersTable | undefined> {
    return this.#db.selectFrom('identity_users').selectAll().where('id', '=', id).executeTakeFirst()
  }

  async findByEmail(email: string): Promise<IdentityUsersTable | undefined> {
    return this.#db
      .selectFrom('identity_users')
      .selectAll()
      .where('email_key', '=', emailKey(email))
      .executeTakeFirst()
  }

  /** The account by id, or `not_found`. */
  async get(id: string): Promise<IdentityUsersTable> {
    const row = await this.find(id)
    if (row === undefined) throw new RampartError('not_found', 'no such user')
    return row
  }

  async list(limit: number, after?: string): Promise<User[]> {
    let query = this.#db.selectFrom('identity_users').selectAll().orderBy('id').limit(limit)
    if (after !== undefined) query = query.where('id', '>', after)
    return (await query.execute()).map(toUser)
  }

  async update(
    id: string,
    changes: { name?: string | null; status?: UserStatus; isAdmin?: boolean },
  ): Promise<User> {
    await this.get(id)
    await this.#db
      .updateTable('identity_users')
      .set({
        ...(changes.name === undefined ? {} : { name: changes.name }),
        ...(changes.status === undefined ? {} : { status: changes.status }),
        ...(changes.isAdmin === undefined ? {} : { is_admin: changes.isAdmin ? 1 : 0 }),
        updated_at: this.#clock.now(),
      })
      .where('id', '=', id)
      .execute()
    return toUser(await this.get(id))
  }

  /** Sets a new password after checking it against the policy. */
  async setPassword(id: string, password: string): Promise<void> {
    const user = await this.get(id)
    const passwordHash = await this.#hashChecked(password, user.email)
    await this.#db
      .updateTable('identity_users')
      .set({ password_hash: passwordHash, updated_at: this.#clock.now() })
      .where('id', '=', id)
      .execute()
  }

  /** Stores a re-computed hash of a password that was just verified (no policy check). */
  async upgradeHash(id: string, password: string): Promise<void> {
    const passwordHash = await this.#hasher.hash(password)
    await this.#db
      .updateTable('identity_users')
      .set({ password_hash: passwordHash })
      .where('id', '=', id)
      .execute()
  }

  async delete(id: string): Promise<void> {
    await this.get(id)
    await this.#db.deleteFrom('identity_recovery_codes').where('user_id', '=', id).execute()
    await this.#db.deleteFrom('identity_sessions').where('user_id', '=', id).execute()
    await this.#db.deleteFrom('identity_users').where('id', '=', id).execute()
  }

  async #initialHash(input: NewUser, email: string): Promise<string | null> {
    if (input.password !== undefined && input.passwordHash !== undefined) {
      throw new RampartError('validation_failed', 'give password or passwordHash, not both', {
        errors: [{ field: 'body.passwordHash', message: 'cannot be given with password' }],
      })
    }
    if (input.passwordHash !== undefined) {
      if (!isImportableHash(input.passwordHash)) {
        throw new RampartError('validation_failed', 'passwordHash is not bcrypt or argon2id', {
          errors: [{ field: 'body.passwordHash', message: 'is not a bcrypt or argon2id hash' }],
        })
      }
      return input.passwordHash
    }
    return input.password === undefined ? null : this.#hashChecked(input.password, email)
  }

  async #hashChecked(password: string, email: string): Promise<string> {
    const rejection = this.#policy.check(password, email)
    if (rejection !== undefined) {
      throw new RampartError('identity_password_rejected', `password ${rejection.message}`, {
        errors: [{ field: 'body.password', message: rejection.message }],
      })
    }
    return this.#hasher.hash(password)
  }
}

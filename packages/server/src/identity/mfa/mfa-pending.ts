/**
 * The state between a correct password and the second factor: which account passed the
 * password step of an interaction, kept server-side for five minutes and five attempts.
 */
import type { Clock } from '../../platform/clock.js'
import type { Accounts } from '../accounts/accounts.js'
import { hashId } from '../store/artefacts.js'
import type { IdentityDb, IdentityUsersTable } from '../store/tables.js'

const model = 'MfaPending'
const ttlMs = 5 * 60_000
const maxAttempts = 5

export class MfaPending {
  readonly #db: IdentityDb
  readonly #clock: Clock
  readonly #accounts: Accounts

  constructor(db: IdentityDb, clock: Clock, accounts: Accounts) {
    this.#db = db
    this.#clock = clock
    this.#accounts = accounts
  }

  async start(uid: string, userId: string): Promise<void> {
    const row = {
      payload: JSON.stringify({ userId, failures: 0 }),
      grant_id: null,
      uid: null,
      expires_at: this.#clock.now() + ttlMs,
    }
    await this.#db
      .insertInto('identity_oidc_payloads')
      .values({ model, id_hash: hashId(uid), consumed_at: null, ...row })
      .onConflict((conflict) => conflict.columns(['model', 'id_hash']).doUpdateSet(row))
      .execute()
  }

  /** The account waiting for its second factor in interaction `uid`, if any. */
  async find(uid: string): Promise<IdentityUsersTable | undefined> {
    const state = await this.#state(uid)
    if (state === undefined) return undefined
    const user = await this.#accounts.find(state.userId)
    return user?.status === 'active' ? user : undefined
  }

  /** Counts a wrong code; returns the attempts left (0: the password step must be redone). */
  async fail(uid: string): Promise<number> {
    const state = await this.#state(uid)
    if (state === undefined) return 0
    const failures = state.failures + 1
    if (failures >= maxAttempts) {
      await this.clear(uid)
      return 0
    }
    await this.#db
      .updateTable('identity_oidc_payloads')
      .set({ payload: JSON.stringify({ userId: state.userId, failures }) })
      .where('model', '=', model)
      .where('id_hash', '=', hashId(uid))
      .execute()
    return maxAttempts - failures
  }

  async clear(uid: string): Promise<void> {
    await this.#db
      .deleteFrom('identity_oidc_payloads')
      .where('model', '=', model)
      .where('id_hash', '=', hashId(uid))
      .execute()
  }

  async #state(uid: string): Promise<{ userId: string; failures: number } | undefined> {
    const row = await this.#db
      .selectFrom('identity_oidc_payloads')
      .select(['payload', 'expires_at'])
      .where('model', '=', model)
      .where('id_hash', '=', hashId(uid))
      .executeTakeFirst()
    if (row === undefined || Number(row.expires_at) <= this.#clock.now()) return undefined
    return JSON.parse(row.payload) as { userId: string; failures: number }
  }
}

/**
 * The storage adapter `oidc-provider` persists through: one table for every artefact kind
 * (codes, tokens, grants, sessions, interactions), keyed by the SHA-256 of the artefact's id,
 * so a code or token read out of the database cannot be presented. Clients come from
 * `identity_clients`, which the admin API manages. JWT access tokens are not kept here: the
 * provider signs them without storing them, and `JwtAccessTokens` records them; this adapter
 * reaches them through the handles `structured-tokens.ts` gives introspection and revocation.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider'
import { errors } from 'oidc-provider'

import type { Clock } from '../../platform/clock.js'
import type { ClientCache } from '../clients/client-cache.js'
import { hashId } from '../store/artefacts.js'
import type { IdentityDb } from '../store/tables.js'
import type { JwtAccessTokens } from '../tokens/jwt-access-tokens.js'
import { jwtTokenModels } from '../tokens/jwt-access-tokens.js'
import { jtiOfHandle } from './structured-tokens.js'

/** Models whose first use must be atomic: a second use revokes the grant. */
const singleUse = new Set(['AuthorizationCode', 'RefreshToken'])

/**
 * The adapter class for `oidc-provider`'s `adapter` option, bound to the store. Times are
 * milliseconds in the table; the library's `expiresIn` is seconds.
 */
export function createAdapterClass(
  db: IdentityDb,
  clock: Clock,
  clients: ClientCache,
  jwtTokens: JwtAccessTokens,
): new (model: string) => Adapter {
  return class StoreAdapter implements Adapter {
    readonly #model: string

    constructor(model: string) {
      this.#model = model
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      if (this.#model === 'Client') throw new Error('clients are managed through Rampart')
      // The id is the bearer value of opaque artefacts: keep only its hash. Sessions keep it,
      // because the library finds a session by its uid and needs the id back.
      // TODO(#4): seal the provider session's id under the master key instead of keeping it.
      const stored: AdapterPayload = { ...payload }
      if (this.#model !== 'Session') delete stored.jti
      const row = {
        payload: JSON.stringify(stored),
        grant_id: payload.grantId ?? null,
        uid: payload.uid ?? null,
        expires_at: expiresIn > 0 ? clock.now() + expiresIn * 1000 : null,
      }
      await db
        .insertInto('identity_oidc_payloads')
        .values({ model: this.#model, id_hash: hashId(id), consumed_at: null, ...row })
        .onConflict((conflict) => conflict.columns(['model', 'id_hash']).doUpdateSet(row))
        .execute()
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.#model === 'Client') return findClient(db, clients, id)
      const jti = jwtTokenModels.has(this.#model) ? jtiOfHandle(id) : undefined
      if (jti !== undefined) return jwtTokens.find(jti, this.#model)
      const row = await db
        .selectFrom('identity_oidc_payloads')
        .select(['payload', 'expires_at', 'consumed_at'])
        .where('model', '=', this.#model)
        .where('id_hash', '=', hashId(id))
        .executeTakeFirst()
      return this.#revive(row, id)
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const row = await db
        .selectFrom('identity_oidc_payloads')
        .select(['payload', 'expires_at', 'consumed_at'])
        .where('model', '=', this.#model)
        .where('uid', '=', uid)
        .executeTakeFirst()
      return this.#revive(row, undefined)
    }

    findByUserCode(): Promise<AdapterPayload | undefined> {
      // The device flow is not enabled, so nothing is ever stored by user code.
      return Promise.resolve(undefined)
    }

    async consume(id: string): Promise<void> {
      const result = await db
        .updateTable('identity_oidc_payloads')
        .set({ consumed_at: clock.now() })
        .where('model', '=', this.#model)
        .where('id_hash', '=', hashId(id))
        .where('consumed_at', 'is', null)
        .executeTakeFirst()
      if (result.numUpdatedRows > 0n || !singleUse.has(this.#model)) return

      // Two requests raced with one code or refresh token and the other consumed it first.
      // RFC 9700 §4.14: treat the second use as theft and revoke everything of the grant. The
      // library reports a sequential replay with the same errors; `events.ts` audits both.
      const found = await this.find(id)
      if (typeof found?.grantId === 'string') await revokeGrant(db, jwtTokens, found.grantId)
      throw new errors.InvalidGrant(
        this.#model === 'RefreshToken'
          ? 'refresh token already used'
          : 'authorization code already consumed',
      )
    }

    async destroy(id: string): Promise<void> {
      // A recorded JWT is found with its own `jti`, so revocation destroys it by that.
      if (jwtTokenModels.has(this.#model)) await jwtTokens.revoke(id)
      if (this.#model === 'Grant') await jwtTokens.revokeGrant(id)
      await db
        .deleteFrom('identity_oidc_payloads')
        .where('model', '=', this.#model)
        .where('id_hash', '=', hashId(id))
        .execute()
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      if (jwtTokenModels.has(this.#model)) await jwtTokens.revokeGrant(grantId)
      await db
        .deleteFrom('identity_oidc_payloads')
        .where('model', '=', this.#model)
        .where('grant_id', '=', grantId)
        .execute()
    }

    #revive(
      row: { payload: string; expires_at: number | null; consumed_at: number | null } | undefined,
      id: string | undefined,
    ): AdapterPayload | undefined {
      if (row === undefined) return undefined
      if (row.expires_at !== null && Number(row.expires_at) <= clock.now()) return undefined
      const payload = JSON.parse(row.payload) as AdapterPayload
      if (id !== undefined && this.#model !== 'Session') payload.jti = id
      if (row.consumed_at !== null) payload.consumed = Math.floor(Number(row.consumed_at) / 1000)
      return payload
    }
  }
}

/** Deletes every artefact of a grant, the grant included, and revokes its JWT access tokens. */
export async function revokeGrant(
  db: IdentityDb,
  jwtTokens: JwtAccessTokens,
  grantId: string,
): Promise<void> {
  await jwtTokens.revokeGrant(grantId)
  await db.deleteFrom('identity_oidc_payloads').where('grant_id', '=', grantId).execute()
  await db
    .deleteFrom('identity_oidc_payloads')
    .where('model', '=', 'Grant')
    .where('id_hash', '=', hashId(grantId))
    .execute()
}

async function findClient(
  db: IdentityDb,
  cache: ClientCache,
  clientId: string,
): Promise<AdapterPayload | undefined> {
  const cached = cache.get(clientId)
  if (cached !== undefined) return cached
  const row = await db
    .selectFrom('identity_clients')
    .select('metadata')
    .where('client_id', '=', clientId)
    .executeTakeFirst()
  if (row === undefined) return undefined
  const metadata = JSON.parse(row.metadata) as AdapterPayload
  cache.set(clientId, metadata)
  return structuredClone(metadata)
}

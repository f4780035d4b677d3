/**
 * The record of every JWT access token (RFC 9068) the provider issued, and the feed of those
 * revoked. The provider signs these tokens and forgets them; keeping their `jti`, grant,
 * account and expiry lets introspection (RFC 7662) answer for them, revocation (RFC 7009)
 * end them, and resource servers learn of revocations by polling `revocationsSince`.
 * The token itself is never stored: a `jti` alone cannot be presented.
 */
import type { AdapterPayload } from 'oidc-provider'

import type { Clock } from '../../platform/clock.js'
import type { IdentityDb, RevocationReason } from '../store/tables.js'

/** The provider models a JWT access token can belong to. */
export const jwtTokenModels: ReadonlySet<string> = new Set(['AccessToken', 'ClientCredentials'])

export interface IssuedJwt {
  readonly jti: string
  readonly model: string
  readonly clientId: string
  readonly accountId?: string | undefined
  readonly grantId?: string | undefined
  /** The payload the provider would keep for an opaque token of the same grant. */
  readonly payload: AdapterPayload
  /** Expiry, epoch seconds (the token's `exp`). */
  readonly exp: number
}

export interface Revocation {
  readonly jti: string
  readonly clientId: string
  readonly reason: RevocationReason
  readonly revokedAt: string
  readonly expiresAt: string
}

export interface RevocationPage {
  readonly revocations: Revocation[]
  /** The `seq` of the last entry returned, or the cursor given when none is new. */
  readonly cursor: number
  readonly hasMore: boolean
}

type RevocableColumn = 'jti' | 'grant_id' | 'account_id' | 'client_id'

export class JwtAccessTokens {
  readonly #db: IdentityDb
  readonly #clock: Clock

  constructor(db: IdentityDb, clock: Clock) {
    this.#db = db
    this.#clock = clock
  }

  /** Records a token before the provider signs it, so an unrecorded token never leaves. */
  async record(token: IssuedJwt): Promise<void> {
    await this.#db
      .insertInto('identity_jwt_access_tokens')
      .values({
        jti: token.jti,
        model: token.model,
        client_id: token.clientId,
        account_id: token.accountId ?? null,
        grant_id: token.grantId ?? null,
        payload: JSON.stringify(token.payload),
        expires_at: token.exp * 1000,
        revoked_at: null,
      })
      .execute()
  }

  /** The payload of a live token of `model`; undefined when unknown, revoked or expired. */
  async find(jti: string, model: string): Promise<AdapterPayload | undefined> {
    const row = await this.#db
      .selectFrom('identity_jwt_access_tokens')
      .select(['payload', 'expires_at', 'revoked_at'])
      .where('jti', '=', jti)
      .where('model', '=', model)
      .executeTakeFirst()
    if (row === undefined || row.revoked_at !== null) return undefined
    if (Number(row.expires_at) <= this.#clock.now()) return undefined
    return JSON.parse(row.payload) as AdapterPayload
  }

  /**
   * Whether the token `jti` names was recorded and is neither revoked nor expired; a token
   * without a record was not issued by this provider (or was forgotten after it expired).
   */
  async isActive(jti: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('identity_jwt_access_tokens')
      .select(['expires_at', 'revoked_at'])
      .where('jti', '=', jti)
      .executeTakeFirst()
    if (row === undefined || row.revoked_at !== null) return false
    return Number(row.expires_at) > this.#clock.now()
  }

  revoke(jti: string): Promise<number> {
    return this.#revokeWhere('jti', jti, 'token')
  }

  revokeGrant(grantId: string): Promise<number> {
    return this.#revokeWhere('grant_id', grantId, 'grant')
  }

  revokeAccount(accountId: string): Promise<number> {
    return this.#revokeWhere('account_id', accountId, 'account')
  }

  revokeClient(clientId: string): Promise<number> {
    return this.#revokeWhere('client_id', clientId, 'client')
  }

  /** Revocations after `cursor` (a `seq`), oldest first, at most `limit`. */
  async revocationsSince(cursor: number, limit: number): Promise<RevocationPage> {
    const rows = await this.#db
      .selectFrom('identity_token_revocations')
      .selectAll()
      .where('seq', '>', cursor)
      .orderBy('seq')
      .limit(limit + 1)
      .execute()
    const page = rows.slice(0, limit)
    return {
      revocations: page.map((row) => ({
        jti: row.jti,
        clientId: row.client_id,
        reason: row.reason,
        revokedAt: new Date(Number(row.revoked_at)).toISOString(),
        expiresAt: new Date(Number(row.expires_at)).toISOString(),
      })),
      cursor: page.length === 0 ? cursor : Number(page[page.length - 1]?.seq),
      hasMore: rows.length > limit,
    }
  }

  /** Forgets tokens and feed entries that expired more than `graceMs` ago; returns how many. */
  async deleteExpired(graceMs: number): Promise<number> {
    const before = this.#clock.now() - graceMs
    const tokens = await this.#db
      .deleteFrom('identity_jwt_access_tokens')
      .where('expires_at', '<', before)
      .executeTakeFirst()
    const feed = await this.#db
      .deleteFrom('identity_token_revocations')
      .where('expires_at', '<', before)
      .executeTakeFirst()
    return Number(tokens.numDeletedRows) + Number(feed.numDeletedRows)
  }

  /**
   * Marks the live tokens matching `column` revoked and appends them to the feed, in one
   * transaction. The head row is updated last and its lock held to commit, so feed numbers
   * become visible in order on PostgreSQL: a reader never sees `seq` n+1 before n.
   */
  async #revokeWhere(
    column: RevocableColumn,
    value: string,
    reason: RevocationReason,
  ): Promise<number> {
    return this.#db.transaction().execute(async (trx) => {
      const now = this.#clock.now()
      const revoked = await trx
        .updateTable('identity_jwt_access_tokens')
        .set({ revoked_at: now })
        .where(column, '=', value)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .returning(['jti', 'client_id', 'expires_at'])
        .execute()
      if (revoked.length === 0) return 0

      const head = await trx
        .updateTable('identity_revocation_head')
        .set((eb) => ({ seq: eb('seq', '+', revoked.length) }))
        .where('id', '=', 1)
        .returning('seq')
        .executeTakeFirstOrThrow()
      const first = Number(head.seq) - revoked.length + 1

      await trx
        .insertInto('identity_token_revocations')
        .values(
          revoked.map((row, index) => ({
            seq: first + index,
            jti: row.jti,
            client_id: row.client_id,
            reason,
            revoked_at: now,
            expires_at: Number(row.expires_at),
          })),
        )
        .execute()
      return revoked.length
    })
  }
}

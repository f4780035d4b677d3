import type { Kysely } from 'kysely'
import { sql } from 'kysely'

/**
 * JWT access tokens (RFC 9068) are not kept by the provider, so introspection and revocation
 * could not see them. `identity_jwt_access_tokens` records each one issued (its `jti`, grant,
 * account and expiry, never the token), and `identity_token_revocations` is the feed resource
 * servers poll: one row per revoked `jti`, numbered by `identity_revocation_head`, whose row
 * lock makes numbers commit in order so a reader's cursor never skips a late commit.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('identity_jwt_access_tokens')
    .addColumn('jti', 'text', (column) => column.primaryKey())
    // `AccessToken` or `ClientCredentials`: the provider model the token belongs to.
    .addColumn('model', 'text', (column) => column.notNull())
    .addColumn('client_id', 'text', (column) => column.notNull())
    .addColumn('account_id', 'text')
    .addColumn('grant_id', 'text')
    // The provider's payload of the token as JSON (claims, scope, audience), for introspection.
    .addColumn('payload', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'bigint', (column) => column.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute()
  for (const column of ['grant_id', 'account_id', 'client_id', 'expires_at']) {
    await db.schema
      .createIndex(`identity_jwt_access_tokens_${column}`)
      .on('identity_jwt_access_tokens')
      .column(column)
      .execute()
  }

  await db.schema
    .createTable('identity_revocation_head')
    .addColumn('id', 'integer', (column) => column.primaryKey())
    .addColumn('seq', 'bigint', (column) => column.notNull())
    .execute()
  await sql`insert into identity_revocation_head (id, seq) values (1, 0)`.execute(db)

  await db.schema
    .createTable('identity_token_revocations')
    .addColumn('seq', 'bigint', (column) => column.primaryKey())
    .addColumn('jti', 'text', (column) => column.notNull())
    .addColumn('client_id', 'text', (column) => column.notNull())
    // Why: `token` (revocation endpoint), `grant`, `account` or `client`.
    .addColumn('reason', 'text', (column) => column.notNull())
    .addColumn('revoked_at', 'bigint', (column) => column.notNull())
    // The token's own expiry: after it, a resource server may forget the entry.
    .addColumn('expires_at', 'bigint', (column) => column.notNull())
    .execute()
  await db.schema
    .createIndex('identity_token_revocations_expires_at')
    .on('identity_token_revocations')
    .column('expires_at')
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'identity_token_revocations',
    'identity_revocation_head',
    'identity_jwt_access_tokens',
  ]) {
    await db.schema.dropTable(table).execute()
  }
}

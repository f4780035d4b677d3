import type { Kysely } from 'kysely'

/**
 * The identity provider: users, OAuth clients, resource servers, the provider's own
 * persisted artefacts (codes, tokens, grants, sessions, interactions), its signing keys,
 * first-party login sessions, TOTP recovery codes and login throttling counters.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('identity_users')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('email', 'text', (column) => column.notNull())
    // Lower-cased email: the unique index makes uniqueness case-insensitive on both dialects.
    .addColumn('email_key', 'text', (column) => column.notNull().unique())
    .addColumn('name', 'text')
    .addColumn('password_hash', 'text')
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('is_admin', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('totp_secret_sealed', 'text')
    .addColumn('totp_last_step', 'bigint')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .execute()

  await db.schema
    .createTable('identity_recovery_codes')
    .addColumn('user_id', 'text', (column) => column.notNull())
    .addColumn('code_hash', 'text', (column) => column.notNull())
    .addColumn('used_at', 'bigint')
    .addPrimaryKeyConstraint('identity_recovery_codes_pk', ['user_id', 'code_hash'])
    .execute()

  await db.schema
    .createTable('identity_clients')
    .addColumn('client_id', 'text', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull())
    // The client's OAuth metadata as JSON; a confidential client's secret only as a hash.
    .addColumn('metadata', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .execute()

  await db.schema
    .createTable('identity_resource_servers')
    .addColumn('audience', 'text', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('scopes', 'text', (column) => column.notNull())
    .addColumn('access_token_ttl_s', 'integer')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute()

  await db.schema
    .createTable('identity_oidc_payloads')
    .addColumn('model', 'text', (column) => column.notNull())
    // SHA-256 of the artefact's id: a token or code read from the database cannot be used.
    .addColumn('id_hash', 'text', (column) => column.notNull())
    .addColumn('payload', 'text', (column) => column.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('uid', 'text')
    .addColumn('expires_at', 'bigint')
    .addColumn('consumed_at', 'bigint')
    .addPrimaryKeyConstraint('identity_oidc_payloads_pk', ['model', 'id_hash'])
    .execute()
  await db.schema
    .createIndex('identity_oidc_payloads_grant')
    .on('identity_oidc_payloads')
    .column('grant_id')
    .execute()
  await db.schema
    .createIndex('identity_oidc_payloads_uid')
    .on('identity_oidc_payloads')
    .columns(['model', 'uid'])
    .execute()
  await db.schema
    .createIndex('identity_oidc_payloads_expiry')
    .on('identity_oidc_payloads')
    .column('expires_at')
    .execute()

  await db.schema
    .createTable('identity_signing_keys')
    .addColumn('kid', 'text', (column) => column.primaryKey())
    .addColumn('alg', 'text', (column) => column.notNull())
    .addColumn('public_jwk', 'text', (column) => column.notNull())
    .addColumn('sealed_private_key', 'text', (column) => column.notNull())
    // 'next' (published, not yet signing), 'active' (signing), 'retired' (published only).
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('retired_at', 'bigint')
    .execute()

  await db.schema
    .createTable('identity_sessions')
    .addColumn('id_hash', 'text', (column) => column.primaryKey())
    .addColumn('user_id', 'text', (column) => column.notNull())
    .addColumn('auth_methods', 'text', (column) => column.notNull())
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('last_seen_at', 'bigint', (column) => column.notNull())
    .addColumn('expires_at', 'bigint', (column) => column.notNull())
    .execute()
  await db.schema
    .createIndex('identity_sessions_user')
    .on('identity_sessions')
    .column('user_id')
    .execute()

  await db.schema
    .createTable('identity_throttle')
    .addColumn('key', 'text', (column) => column.primaryKey())
    .addColumn('points', 'integer', (column) => column.notNull())
    .addColumn('expires_at', 'bigint')
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'identity_throttle',
    'identity_sessions',
    'identity_signing_keys',
    'identity_oidc_payloads',
    'identity_resource_servers',
    'identity_clients',
    'identity_recovery_codes',
    'identity_users',
  ]) {
    await db.schema.dropTable(table).execute()
  }
}

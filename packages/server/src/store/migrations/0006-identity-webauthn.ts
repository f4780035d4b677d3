import type { Kysely } from 'kysely'

/**
 * WebAuthn passkeys of identity users: one row per registered credential, with the public
 * key (COSE, base64url), the signature counter last seen, the transports the browser
 * reported and the user handle the credential was created for.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('identity_webauthn_credentials')
    // The credential id as the browser reports it (base64url).
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('user_id', 'text', (column) => column.notNull())
    .addColumn('user_handle', 'text', (column) => column.notNull())
    .addColumn('public_key', 'text', (column) => column.notNull())
    .addColumn('counter', 'bigint', (column) => column.notNull())
    // JSON array: `internal`, `usb`, `hybrid`...
    .addColumn('transports', 'text', (column) => column.notNull())
    .addColumn('device_type', 'text', (column) => column.notNull())
    .addColumn('backed_up', 'integer', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute()

  await db.schema
    .createIndex('identity_webauthn_credentials_user')
    .on('identity_webauthn_credentials')
    .column('user_id')
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('identity_webauthn_credentials').execute()
}

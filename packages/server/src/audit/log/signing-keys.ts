/**
 * The checkpoint signing keys in `audit_signing_keys`: generated at first start, private half
 * sealed under the master key, public half published at `GET /v1/audit/keys`.
 */
import { createPrivateKey } from 'node:crypto'

import type { Kysely } from 'kysely'

import type { AuditSigningKey, ExportedPublicKey } from '../signing-key.js'
import {
  exportPublicKey,
  generateSigningKey,
  importPublicKey,
  loadSigningKey,
} from '../signing-key.js'
import type { Clock } from '../../platform/clock.js'
import type { AuditSigningKeyStatus, Database } from '../../store/schema.js'
import { openPrivateKey, sealPrivateKey } from './key-seal.js'

/** A published key with its state. */
export interface PublishedKey extends ExportedPublicKey {
  readonly status: AuditSigningKeyStatus
  readonly createdAt: string
}

/**
 * The active signing key, generating and storing one when there is none. Replicas starting
 * together may each store one; all then use the oldest, and every key stays published.
 */
export async function loadActiveSigningKey(
  db: Kysely<Database>,
  masterKey: Buffer,
  clock: Clock,
): Promise<{ key: AuditSigningKey; generated: boolean }> {
  let generated = false
  let row = await oldestActive(db)
  if (row === undefined) {
    const fresh = generateSigningKey()
    const pkcs8 = fresh.privateKey.export({ type: 'pkcs8', format: 'der' })
    await db
      .insertInto('audit_signing_keys')
      .values({
        key_id: fresh.keyId,
        public_key: exportPublicKey(fresh.publicKey).spkiPem,
        sealed_private_key: sealPrivateKey(masterKey, fresh.keyId, pkcs8),
        status: 'active',
        created_at: clock.now(),
      })
      .execute()
    generated = true
    row = await oldestActive(db)
  }
  if (row === undefined) throw new Error('no active audit signing key after storing one')

  const der = openPrivateKey(masterKey, row.key_id, row.sealed_private_key)
  const key = loadSigningKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }))
  if (key.keyId !== row.key_id) throw new Error(`audit signing key ${row.key_id} is corrupt`)
  return { key, generated }
}

/** Every signing key's public half, oldest first. */
export async function listPublishedKeys(db: Kysely<Database>): Promise<PublishedKey[]> {
  const rows = await db
    .selectFrom('audit_signing_keys')
    .select(['public_key', 'status', 'created_at'])
    .orderBy('created_at')
    .orderBy('key_id')
    .execute()
  return rows.map((row) => ({
    ...exportPublicKey(importPublicKey({ spkiPem: row.public_key })),
    status: row.status,
    createdAt: new Date(Number(row.created_at)).toISOString(),
  }))
}

async function oldestActive(db: Kysely<Database>) {
  return db
    .selectFrom('audit_signing_keys')
    .select(['key_id', 'sealed_private_key'])
    .where('status', '=', 'active')
    .orderBy('created_at')
    .orderBy('key_id')
    .limit(1)
    .executeTakeFirst()
}

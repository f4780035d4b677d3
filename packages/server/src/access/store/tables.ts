/**
 * The access tables as Kysely sees them. They are added to the platform's `Database` type with
 * `withTables`, so the shared schema file stays the platform's own.
 */
import type { Kysely, Transaction } from 'kysely'

import type { Database } from '../../store/schema.js'

export type AccessTables = {
  access_policy: { id: number; version: number; updated_at: number }
  access_roles: {
    name: string
    description: string
    tenant: string | null
    /** 1 or 0: SQLite has no boolean. */
    active: number
    created_at: number
    updated_at: number
  }
  access_role_parents: { role: string; parent: string }
  access_role_permissions: { role: string; permission: string; condition: string | null }
  access_bindings: {
    id: string
    subject: string
    role: string
    tenant: string | null
    resource: string | null
    expires_at: number | null
    created_at: number
  }
  access_groups: { id: string; description: string; created_at: number; updated_at: number }
  access_group_members: { group_id: string; member: string }
  access_grants: {
    id: string
    subject: string
    permission: string
    effect: 'allow' | 'deny'
    tenant: string | null
    resource: string | null
    condition: string | null
    expires_at: number | null
    created_at: number
  }
}

export type AccessDb = Kysely<Database & AccessTables>
export type AccessTransaction = Transaction<Database & AccessTables>

export function accessDb(db: Kysely<Database>): AccessDb {
  return db.withTables<AccessTables>()
}

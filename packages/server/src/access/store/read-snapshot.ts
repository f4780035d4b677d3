/**
 * Reads the whole policy into a snapshot. On PostgreSQL the reads share one repeatable-read
 * transaction, so the version and the rows always belong together; SQLite transactions are
 * serialisable already.
 */
import type { PolicySnapshot, RoleDefinition } from '@rampart/access-engine'
import { SNAPSHOT_FORMAT } from '@rampart/access-engine'
import type { Dialect } from '../../store/database.js'
import type { AccessDb, AccessTransaction } from './tables.js'

function groupBy<T, K>(rows: readonly T[], key: (row: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>()
  for (const row of rows) {
    const list = map.get(key(row))
    if (list === undefined) map.set(key(row), [row])
    else list.push(row)
  }
  return map
}

export async function readSnapshotIn(trx: AccessTransaction): Promise<PolicySnapshot> {
  const policy = await trx
    .selectFrom('access_policy')
    .select('version')
    .where('id', '=', 1)
    .executeTakeFirstOrThrow()
  const roles = await trx.selectFrom('access_roles').selectAll().orderBy('name').execute()
  const parents = groupBy(
    await trx.selectFrom('access_role_parents').selectAll().orderBy('parent').execute(),
    (row) => row.role,
  )
  const permissions = groupBy(
    await trx.selectFrom('access_role_permissions').selectAll().orderBy('permission').execute(),
    (row) => row.role,
  )
  const bindings = await trx.selectFrom('access_bindings').selectAll().orderBy('id').execute()
  const grants = await trx.selectFrom('access_grants').selectAll().orderBy('id').execute()
  const groups = await trx.selectFrom('access_groups').selectAll().orderBy('id').execute()
  const members = groupBy(
    await trx.selectFrom('access_group_members').selectAll().orderBy('member').execute(),
    (row) => row.group_id,
  )

  return {
    format: SNAPSHOT_FORMAT,
    version: Number(policy.version),
    roles: roles.map((role): RoleDefinition => ({
      name: role.name,
      description: role.description,
      tenant: role.tenant,
      active: role.active === 1,
      parents: (parents.get(role.name) ?? []).map((row) => row.parent),
      permissions: (permissions.get(role.name) ?? []).map((row) => ({
        permission: row.permission,
        condition: row.condition,
      })),
    })),
    bindings: bindings.map((row) => ({
      id: row.id,
      subject: row.subject,
      role: row.role,
      tenant: row.tenant,
      resource: row.resource,
      expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    })),
    grants: grants.map((row) => ({
      id: row.id,
      subject: row.subject,
      permission: row.permission,
      effect: row.effect,
      tenant: row.tenant,
      resource: row.resource,
      condition: row.condition,
      expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    })),
    groups: groups.map((row) => ({
      id: row.id,
      description: row.description,
      members: (members.get(row.id) ?? []).map((member) => member.member),
    })),
  }
}

/** The committed policy, read consistently. */
export async function readSnapshot(db: AccessDb, dialect: Dialect): Promise<PolicySnapshot> {
  const transaction =
    dialect === 'postgres'
      ? db.transaction().setIsolationLevel('repeatable read')
      : db.transaction()
  return transaction.execute((trx) => readSnapshotIn(trx))
}

/** The committed policy version. */
export async function readPolicyVersion(db: AccessDb): Promise<number> {
  const row = await db
    .selectFrom('access_policy')
    .select('version')
    .where('id', '=', 1)
    .executeTakeFirstOrThrow()
  return Number(row.version)
}

import type { Kysely } from 'kysely'
import { sql } from 'kysely'

/**
 * Rampart's built-in roles (`access/built-in-roles.ts` explains them), stored as they were
 * when this migration was written: a migration never changes, so a later change of a built-in
 * role comes with a migration of its own. A role of one of these names created before is
 * replaced; its bindings stay. On a policy that already has versions the version moves on,
 * so replicas and SDKs holding the old snapshot fetch the new one.
 */
const roles: readonly (readonly [string, string, readonly string[], readonly string[]])[] = [
  [
    'rampart.auditor',
    'Reads and exports the audit log; reads the access policy and asks its decisions',
    [],
    ['access.decisions:check', 'access.policy:read', 'audit.events:export', 'audit.events:read'],
  ],
  [
    'rampart.operator',
    'Manages alerting and metrics',
    [],
    [
      'alerting.alerts:*',
      'alerting.notifications:*',
      'alerting.silences:*',
      'metrics.queries:*',
      'metrics.rules:*',
    ],
  ],
  [
    'rampart.admin',
    "Everything in Rampart's own API",
    ['rampart.auditor', 'rampart.operator'],
    [
      'access.decisions:*',
      'access.policy:*',
      'audit.events:*',
      'identity.clients:*',
      'identity.keys:*',
      'identity.resource_servers:*',
      'identity.users:*',
    ],
  ],
]

export async function up(db: Kysely<unknown>): Promise<void> {
  const now = Date.now()
  for (const [name, description, parents, permissions] of roles) {
    await sql`delete from access_role_parents where role = ${name}`.execute(db)
    await sql`delete from access_role_permissions where role = ${name}`.execute(db)
    await sql`delete from access_roles where name = ${name}`.execute(db)
    await sql`
      insert into access_roles (name, description, tenant, active, created_at, updated_at)
      values (${name}, ${description}, null, 1, ${now}, ${now})
    `.execute(db)
    for (const parent of parents) {
      await sql`insert into access_role_parents (role, parent) values (${name}, ${parent})`.execute(
        db,
      )
    }
    for (const permission of permissions) {
      await sql`
        insert into access_role_permissions (role, permission, condition)
        values (${name}, ${permission}, null)
      `.execute(db)
    }
  }
  await sql`
    update access_policy set version = version + 1, updated_at = ${now}
    where id = 1 and version > 0
  `.execute(db)
}

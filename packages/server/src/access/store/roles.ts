/** Roles: create or replace, delete (refused while referenced unless cascading), read. */
import { RampartError } from '../../platform/errors.js'
import type { RoleDefinition, RolePermission } from '@rampart/access-engine'
import { findRoleCycle } from '@rampart/access-engine'
import { BUILT_IN_PREFIX, BUILT_IN_ROLES, isBuiltInRole } from '../built-in-roles.js'
import type { ChangeActor, PolicyChanges } from './policy-changes.js'
import { changePolicy } from './policy-changes.js'
import type { AccessDb, AccessTransaction } from './tables.js'
import { assertConditions, assertPermission, assertRoleName, assertScope } from './validate.js'

export interface RoleInput {
  readonly description?: string
  readonly tenant?: string | null
  readonly active?: boolean
  readonly parents?: readonly string[]
  readonly permissions?: readonly RolePermission[]
}

export async function readRole(
  db: AccessDb | AccessTransaction,
  name: string,
): Promise<RoleDefinition | undefined> {
  const row = await db
    .selectFrom('access_roles')
    .selectAll()
    .where('name', '=', name)
    .executeTakeFirst()
  if (row === undefined) return undefined
  const parents = await db
    .selectFrom('access_role_parents')
    .select('parent')
    .where('role', '=', name)
    .orderBy('parent')
    .execute()
  const permissions = await db
    .selectFrom('access_role_permissions')
    .select(['permission', 'condition'])
    .where('role', '=', name)
    .orderBy('permission')
    .execute()
  return {
    name: row.name,
    description: row.description,
    tenant: row.tenant,
    active: row.active === 1,
    parents: parents.map((parent) => parent.parent),
    permissions,
  }
}

/**
 * Built-in roles are Rampart's: the policy API neither changes nor deletes them, nor creates
 * another under their prefix, which Rampart keeps for built-in roles it may add.
 */
function assertNotBuiltIn(name: string): void {
  if (!isBuiltInRole(name)) return
  if (BUILT_IN_ROLES.some((role) => role.name === name)) {
    throw new RampartError(
      'access_role_builtin',
      `${name} is a built-in role (names starting ${BUILT_IN_PREFIX} are Rampart's); ` +
        'bind it, or inherit it from a role of your own',
    )
  }
  throw new RampartError(
    'access_role_builtin',
    `${name} starts with ${BUILT_IN_PREFIX}, a prefix reserved for Rampart's built-in roles; ` +
      'choose another name',
  )
}

function validateRole(name: string, input: RoleInput, now: number): void {
  assertRoleName(name)
  assertNotBuiltIn(name)
  assertScope({ tenant: input.tenant }, now)
  input.parents?.forEach((parent, index) => assertRoleName(parent, `parents[${index}]`))
  const permissions = input.permissions ?? []
  permissions.forEach((held, index) => assertPermission(held.permission, `permissions[${index}]`))
  const seen = new Set<string>()
  for (const held of permissions) {
    if (seen.has(held.permission)) {
      throw new RampartError('validation_failed', `${held.permission} is listed twice`)
    }
    seen.add(held.permission)
  }
  assertConditions(
    permissions.map((held, index) => ({
      field: `permissions[${index}].condition`,
      source: held.condition,
    })),
  )
}

async function checkParents(trx: AccessTransaction, name: string, input: RoleInput) {
  const parents = input.parents ?? []
  if (parents.length === 0) return
  const found = await trx
    .selectFrom('access_roles')
    .select(['name', 'tenant'])
    .where('name', 'in', parents)
    .execute()
  const missing = parents.filter((parent) => !found.some((row) => row.name === parent))
  if (missing.length > 0) {
    throw new RampartError('access_role_unknown', `no role named ${missing.join(', ')}`)
  }
  const tenant = input.tenant ?? null
  const foreign = found.filter((row) => row.tenant !== null && row.tenant !== tenant)
  if (foreign.length > 0) {
    const parents = foreign.map((row) => row.name).join(', ')
    throw new RampartError(
      'access_scope_invalid',
      `${name} cannot inherit ${parents}: scoped to another tenant`,
    )
  }

  const links = await trx.selectFrom('access_role_parents').selectAll().execute()
  const graph = new Map<string, string[]>()
  for (const link of links) {
    if (link.role === name) continue
    graph.set(link.role, [...(graph.get(link.role) ?? []), link.parent])
  }
  graph.set(name, [...parents])
  const cycle = findRoleCycle(graph)
  if (cycle !== undefined) {
    throw new RampartError(
      'access_role_cycle',
      `inheritance would form a cycle: ${cycle.join(' → ')}`,
    )
  }
}

/** Creates or replaces a role; resolves to the role and the version it committed as. */
export async function putRole(
  changes: PolicyChanges,
  who: ChangeActor,
  name: string,
  input: RoleInput,
) {
  validateRole(name, input, changes.clock.now())
  return changePolicy(changes, who, async (trx) => {
    const before = await readRole(trx, name)
    await checkParents(trx, name, input)
    const now = changes.clock.now()
    const row = {
      description: input.description ?? '',
      tenant: input.tenant ?? null,
      active: input.active === false ? 0 : 1,
      updated_at: now,
    }
    if (before === undefined) {
      await trx
        .insertInto('access_roles')
        .values({ name, ...row, created_at: now })
        .execute()
    } else {
      await trx.updateTable('access_roles').set(row).where('name', '=', name).execute()
      await trx.deleteFrom('access_role_parents').where('role', '=', name).execute()
      await trx.deleteFrom('access_role_permissions').where('role', '=', name).execute()
    }
    for (const parent of input.parents ?? []) {
      await trx.insertInto('access_role_parents').values({ role: name, parent }).execute()
    }
    for (const held of input.permissions ?? []) {
      await trx
        .insertInto('access_role_permissions')
        .values({ role: name, permission: held.permission, condition: held.condition ?? null })
        .execute()
    }
    const after = await readRole(trx, name)
    return {
      result: after as RoleDefinition,
      record: {
        target: 'role',
        action: before === undefined ? 'created' : 'updated',
        id: name,
        before: before ?? null,
        after,
      },
    }
  })
}

/**
 * Deletes a role. While bindings or child roles refer to it the deletion is refused with them
 * listed, unless `cascade` removes them with it.
 */
export async function deleteRole(
  changes: PolicyChanges,
  who: ChangeActor,
  name: string,
  cascade: boolean,
) {
  assertNotBuiltIn(name)
  return changePolicy(changes, who, async (trx) => {
    const before = await readRole(trx, name)
    if (before === undefined) throw new RampartError('not_found', `no role named ${name}`)
    const bindings = await trx
      .selectFrom('access_bindings')
      .select(['id', 'subject'])
      .where('role', '=', name)
      .orderBy('id')
      .execute()
    const children = await trx
      .selectFrom('access_role_parents')
      .select('role')
      .where('parent', '=', name)
      .orderBy('role')
      .execute()
    if (!cascade && (bindings.length > 0 || children.length > 0)) {
      throw new RampartError(
        'access_in_use',
        `role ${name} is still bound or inherited; remove those or delete with ?cascade=true`,
        {
          errors: [
            ...bindings.map((b) => ({ field: `bindings.${b.id}`, message: `binds ${b.subject}` })),
            ...children.map((c) => ({ field: `roles.${c.role}`, message: 'inherits it' })),
          ],
        },
      )
    }
    await trx.deleteFrom('access_bindings').where('role', '=', name).execute()
    await trx.deleteFrom('access_role_parents').where('parent', '=', name).execute()
    await trx.deleteFrom('access_role_parents').where('role', '=', name).execute()
    await trx.deleteFrom('access_role_permissions').where('role', '=', name).execute()
    await trx.deleteFrom('access_roles').where('name', '=', name).execute()
    const removed = {
      bindings: bindings.map((binding) => binding.id),
      children: children.map((child) => child.role),
    }
    return {
      result: removed,
      record: {
        target: 'role',
        action: 'deleted',
        id: name,
        before,
        after: null,
        extra: { cascade, removedBindings: removed.bindings, unlinkedRoles: removed.children },
      },
    }
  })
}

/**
 * Writes a policy diff inside the import's transaction and describes each change for its
 * audit event, in the same shapes the one-at-a-time API records (role, group, binding and
 * grant definitions). Groups and roles come first without their links, removals last.
 */
import { newId } from '../../platform/ids.js'
import type {
  BindingDefinition,
  GrantDefinition,
  GroupDefinition,
  PolicySnapshot,
  RoleDefinition,
} from '@rampart/access-engine'
import type {
  DocumentBinding,
  DocumentGrant,
  DocumentGroup,
  DocumentRole,
} from '../policy-document/document.js'
import { permissionName } from '../policy-document/document.js'
import type { PolicyDiff, Stored } from '../policy-document/diff-document.js'
import type { ChangeRecord } from './policy-changes.js'
import type { AccessTransaction } from './tables.js'

export const epochMs = (time: string | undefined) => (time === undefined ? null : Date.parse(time))

function roleDefinition(role: DocumentRole): RoleDefinition {
  return {
    name: role.name,
    description: role.description ?? '',
    tenant: role.tenant ?? null,
    active: role.active !== false,
    parents: role.parents ?? [],
    permissions: (role.permissions ?? []).map((held) => ({
      permission: permissionName(held),
      condition: typeof held === 'string' ? null : held.condition,
    })),
  }
}

function groupDefinition(group: DocumentGroup): GroupDefinition {
  return { id: group.id, description: group.description ?? '', members: group.members ?? [] }
}

function bindingDefinition(id: string, binding: DocumentBinding): BindingDefinition {
  return {
    id,
    subject: binding.subject,
    role: binding.role,
    tenant: binding.tenant ?? null,
    resource: binding.resource ?? null,
    expiresAt: epochMs(binding.expiresAt),
  }
}

function grantDefinition(id: string, grant: DocumentGrant): GrantDefinition {
  return {
    id,
    subject: grant.subject,
    permission: grant.permission,
    effect: grant.effect,
    tenant: grant.tenant ?? null,
    resource: grant.resource ?? null,
    condition: grant.condition ?? null,
    expiresAt: epochMs(grant.expiresAt),
  }
}

const via = { via: 'policy-import' }

/** Writes every change of the diff; resolves to one record per change. */
export async function writeDiff(
  trx: AccessTransaction,
  diff: PolicyDiff,
  snapshot: PolicySnapshot,
  now: number,
): Promise<ChangeRecord[]> {
  const records: ChangeRecord[] = []
  const storedRole = (name: string) => snapshot.roles.find((role) => role.name === name) ?? null
  const storedGroup = (id: string) => snapshot.groups.find((group) => group.id === id) ?? null

  // Groups and roles first, without their links, so every link below finds its ends.
  for (const group of diff.groups.added) {
    const description = group.description ?? ''
    await trx
      .insertInto('access_groups')
      .values({ id: group.id, description, created_at: now, updated_at: now })
      .execute()
  }
  for (const { after } of diff.groups.changed) {
    await trx
      .updateTable('access_groups')
      .set({ description: after.description ?? '', updated_at: now })
      .where('id', '=', after.id)
      .execute()
    await trx.deleteFrom('access_group_members').where('group_id', '=', after.id).execute()
  }
  for (const role of diff.roles.added) {
    const row = roleRow(role, now)
    await trx
      .insertInto('access_roles')
      .values({ name: role.name, ...row, created_at: now })
      .execute()
  }
  for (const { after } of diff.roles.changed) {
    await trx
      .updateTable('access_roles')
      .set(roleRow(after, now))
      .where('name', '=', after.name)
      .execute()
    await trx.deleteFrom('access_role_parents').where('role', '=', after.name).execute()
    await trx.deleteFrom('access_role_permissions').where('role', '=', after.name).execute()
  }
  for (const role of [...diff.roles.added, ...diff.roles.changed.map(({ after }) => after)]) {
    await writeRoleLinks(trx, roleDefinition(role))
  }
  for (const group of [...diff.groups.added, ...diff.groups.changed.map(({ after }) => after)]) {
    for (const member of group.members ?? []) {
      await trx.insertInto('access_group_members').values({ group_id: group.id, member }).execute()
    }
  }

  for (const group of diff.groups.added) {
    records.push(change('group', 'created', group.id, null, groupDefinition(group)))
  }
  for (const { after } of diff.groups.changed) {
    records.push(
      change('group', 'updated', after.id, storedGroup(after.id), groupDefinition(after)),
    )
  }
  for (const role of diff.roles.added) {
    records.push(change('role', 'created', role.name, null, roleDefinition(role)))
  }
  for (const { after } of diff.roles.changed) {
    records.push(
      change('role', 'updated', after.name, storedRole(after.name), roleDefinition(after)),
    )
  }

  records.push(...(await writeBindings(trx, diff, now)), ...(await writeGrants(trx, diff, now)))

  // Removed roles and groups last: nothing that stays refers to them (the document was
  // checked for that), and their bindings and grants went above.
  for (const role of diff.roles.removed) {
    await trx.deleteFrom('access_role_parents').where('role', '=', role.name).execute()
    await trx.deleteFrom('access_role_parents').where('parent', '=', role.name).execute()
    await trx.deleteFrom('access_role_permissions').where('role', '=', role.name).execute()
    await trx.deleteFrom('access_roles').where('name', '=', role.name).execute()
    records.push(change('role', 'deleted', role.name, storedRole(role.name), null))
  }
  for (const group of diff.groups.removed) {
    await trx.deleteFrom('access_group_members').where('group_id', '=', group.id).execute()
    await trx.deleteFrom('access_group_members').where('member', '=', group.id).execute()
    await trx.deleteFrom('access_groups').where('id', '=', group.id).execute()
    records.push(change('group', 'deleted', group.id, storedGroup(group.id), null))
  }
  return records
}

function roleRow(role: DocumentRole, now: number) {
  return {
    description: role.description ?? '',
    tenant: role.tenant ?? null,
    active: role.active === false ? 0 : 1,
    updated_at: now,
  }
}

async function writeRoleLinks(trx: AccessTransaction, role: RoleDefinition): Promise<void> {
  for (const parent of role.parents) {
    await trx.insertInto('access_role_parents').values({ role: role.name, parent }).execute()
  }
  for (const held of role.permissions) {
    await trx
      .insertInto('access_role_permissions')
      .values({ role: role.name, permission: held.permission, condition: held.condition ?? null })
      .execute()
  }
}

async function writeBindings(trx: AccessTransaction, diff: PolicyDiff, now: number) {
  const records: ChangeRecord[] = []
  for (const before of diff.bindings.removed) {
    await trx.deleteFrom('access_bindings').where('id', '=', before.id).execute()
    records.push(change('binding', 'deleted', before.id, stored(before, bindingDefinition), null))
  }
  for (const { before, after } of diff.bindings.changed) {
    await trx
      .updateTable('access_bindings')
      .set({ expires_at: epochMs(after.expiresAt) })
      .where('id', '=', before.id)
      .execute()
    const next = bindingDefinition(before.id, after)
    records.push(change('binding', 'updated', before.id, stored(before, bindingDefinition), next))
  }
  for (const binding of diff.bindings.added) {
    const created = bindingDefinition(newId(), binding)
    await trx
      .insertInto('access_bindings')
      .values({
        id: created.id,
        subject: created.subject,
        role: created.role,
        tenant: created.tenant,
        resource: created.resource,
        expires_at: created.expiresAt,
        created_at: now,
      })
      .execute()
    records.push(change('binding', 'created', created.id, null, created))
  }
  return records
}

async function writeGrants(trx: AccessTransaction, diff: PolicyDiff, now: number) {
  const records: ChangeRecord[] = []
  for (const before of diff.grants.removed) {
    await trx.deleteFrom('access_grants').where('id', '=', before.id).execute()
    records.push(change('grant', 'deleted', before.id, stored(before, grantDefinition), null))
  }
  for (const { before, after } of diff.grants.changed) {
    const next = grantDefinition(before.id, after)
    await trx
      .updateTable('access_grants')
      .set({ condition: next.condition ?? null, expires_at: next.expiresAt })
      .where('id', '=', before.id)
      .execute()
    records.push(change('grant', 'updated', before.id, stored(before, grantDefinition), next))
  }
  for (const grant of diff.grants.added) {
    const created = grantDefinition(newId(), grant)
    await trx
      .insertInto('access_grants')
      .values({
        id: created.id,
        subject: created.subject,
        permission: created.permission,
        effect: created.effect,
        tenant: created.tenant,
        resource: created.resource,
        condition: created.condition ?? null,
        expires_at: created.expiresAt,
        created_at: now,
      })
      .execute()
    records.push(change('grant', 'created', created.id, null, created))
  }
  return records
}

function stored<T, D>(entry: Stored<T>, define: (id: string, entry: T) => D): D {
  return define(entry.id, entry)
}

function change(
  target: ChangeRecord['target'],
  action: ChangeRecord['action'],
  id: string,
  before: unknown,
  after: unknown,
): ChangeRecord {
  return { target, action, id, before, after, extra: via }
}

/** Bindings (subject → role, optionally scoped and expiring) and direct grants. */
import { newId } from '../../platform/ids.js'
import { RampartError } from '../../platform/errors.js'
import type { BindingDefinition, GrantDefinition, GrantEffect } from '@rampart/access-engine'
import type { ChangeActor, PolicyChanges } from './policy-changes.js'
import { changePolicy } from './policy-changes.js'
import type { AccessTransaction } from './tables.js'
import type { Scope } from './validate.js'
import {
  assertConditions,
  assertPermission,
  assertRoleName,
  assertScope,
  assertSubject,
} from './validate.js'

export interface BindingInput extends Scope {
  readonly subject: string
  readonly role: string
}

export interface GrantInput extends Scope {
  readonly subject: string
  readonly permission: string
  readonly effect: GrantEffect
  readonly condition?: string | null
}

/**
 * A group subject must exist. Users and clients belong to identity, whose directory this
 * module cannot see yet.
 * TODO(#4): refuse unknown `user:` and `client:` subjects once identity exposes its lookup.
 */
export async function assertSubjectKnown(trx: AccessTransaction, subject: string): Promise<void> {
  if (!subject.startsWith('group:')) return
  const group = await trx
    .selectFrom('access_groups')
    .select('id')
    .where('id', '=', subject)
    .executeTakeFirst()
  if (group === undefined) {
    throw new RampartError('access_subject_unknown', `no group ${subject}; create it first`)
  }
}

function toBinding(row: {
  id: string
  subject: string
  role: string
  tenant: string | null
  resource: string | null
  expires_at: number | null
}): BindingDefinition {
  return {
    id: row.id,
    subject: row.subject,
    role: row.role,
    tenant: row.tenant,
    resource: row.resource,
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
  }
}

export async function createBinding(changes: PolicyChanges, who: ChangeActor, input: BindingInput) {
  assertSubject(input.subject)
  assertRoleName(input.role, 'role')
  assertScope(input, changes.clock.now())
  return changePolicy(changes, who, async (trx) => {
    await assertSubjectKnown(trx, input.subject)
    const role = await trx
      .selectFrom('access_roles')
      .select(['name', 'tenant'])
      .where('name', '=', input.role)
      .executeTakeFirst()
    if (role === undefined) throw new RampartError('access_role_unknown', `no role ${input.role}`)
    const tenant = input.tenant ?? null
    if (role.tenant !== null && role.tenant !== tenant) {
      throw new RampartError(
        'access_scope_invalid',
        `role ${role.name} belongs to tenant ${role.tenant}; bind it with tenant ${role.tenant}`,
      )
    }
    const row = {
      id: newId(),
      subject: input.subject,
      role: input.role,
      tenant,
      resource: input.resource ?? null,
      expires_at: input.expiresAt ?? null,
      created_at: changes.clock.now(),
    }
    await trx.insertInto('access_bindings').values(row).execute()
    const binding = toBinding(row)
    return {
      result: binding,
      record: { target: 'binding', action: 'created', id: row.id, before: null, after: binding },
    }
  })
}

export async function deleteBinding(changes: PolicyChanges, who: ChangeActor, id: string) {
  return changePolicy(changes, who, async (trx) => {
    const row = await trx
      .selectFrom('access_bindings')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    if (row === undefined) throw new RampartError('not_found', `no binding ${id}`)
    await trx.deleteFrom('access_bindings').where('id', '=', id).execute()
    const before = toBinding(row)
    return {
      result: before,
      record: { target: 'binding', action: 'deleted', id, before, after: null },
    }
  })
}

function toGrant(row: {
  id: string
  subject: string
  permission: string
  effect: GrantEffect
  tenant: string | null
  resource: string | null
  condition: string | null
  expires_at: number | null
}): GrantDefinition {
  return {
    id: row.id,
    subject: row.subject,
    permission: row.permission,
    effect: row.effect,
    tenant: row.tenant,
    resource: row.resource,
    condition: row.condition,
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
  }
}

export async function createGrant(changes: PolicyChanges, who: ChangeActor, input: GrantInput) {
  assertSubject(input.subject)
  assertPermission(input.permission, 'permission')
  assertScope(input, changes.clock.now())
  assertConditions([{ field: 'condition', source: input.condition }])
  return changePolicy(changes, who, async (trx) => {
    await assertSubjectKnown(trx, input.subject)
    const row = {
      id: newId(),
      subject: input.subject,
      permission: input.permission,
      effect: input.effect,
      tenant: input.tenant ?? null,
      resource: input.resource ?? null,
      condition: input.condition ?? null,
      expires_at: input.expiresAt ?? null,
      created_at: changes.clock.now(),
    }
    await trx.insertInto('access_grants').values(row).execute()
    const grant = toGrant(row)
    return {
      result: grant,
      record: { target: 'grant', action: 'created', id: row.id, before: null, after: grant },
    }
  })
}

export async function deleteGrant(changes: PolicyChanges, who: ChangeActor, id: string) {
  return changePolicy(changes, who, async (trx) => {
    const row = await trx
      .selectFrom('access_grants')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    if (row === undefined) throw new RampartError('not_found', `no grant ${id}`)
    await trx.deleteFrom('access_grants').where('id', '=', id).execute()
    const before = toGrant(row)
    return {
      result: before,
      record: { target: 'grant', action: 'deleted', id, before, after: null },
    }
  })
}

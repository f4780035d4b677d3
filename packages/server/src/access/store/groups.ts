/** Groups of subjects; a binding or grant to a group applies to its members, transitively. */
import { RampartError } from '../../platform/errors.js'
import type { GroupDefinition } from '@rampart/access-engine'
import { assertSubjectKnown } from './bindings.js'
import type { ChangeActor, PolicyChanges } from './policy-changes.js'
import { changePolicy } from './policy-changes.js'
import type { AccessDb, AccessTransaction } from './tables.js'
import { assertSubject } from './validate.js'

export interface GroupInput {
  readonly description?: string
  readonly members?: readonly string[]
}

export async function readGroup(
  db: AccessDb | AccessTransaction,
  id: string,
): Promise<GroupDefinition | undefined> {
  const row = await db
    .selectFrom('access_groups')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst()
  if (row === undefined) return undefined
  const members = await db
    .selectFrom('access_group_members')
    .select('member')
    .where('group_id', '=', id)
    .orderBy('member')
    .execute()
  return { id, description: row.description, members: members.map((member) => member.member) }
}

/** Creates or replaces a group and its member list. */
export async function putGroup(
  changes: PolicyChanges,
  who: ChangeActor,
  id: string,
  input: GroupInput,
) {
  assertSubject(id, 'id')
  if (!id.startsWith('group:')) {
    throw new RampartError('access_subject_invalid', `a group id starts with group:, not ${id}`)
  }
  const members = [...new Set(input.members ?? [])]
  members.forEach((member, index) => assertSubject(member, `members[${index}]`))
  if (members.includes(id)) {
    throw new RampartError('validation_failed', `${id} cannot be a member of itself`)
  }
  return changePolicy(changes, who, async (trx) => {
    const before = await readGroup(trx, id)
    for (const member of members) await assertSubjectKnown(trx, member)
    const now = changes.clock.now()
    if (before === undefined) {
      await trx
        .insertInto('access_groups')
        .values({ id, description: input.description ?? '', created_at: now, updated_at: now })
        .execute()
    } else {
      await trx
        .updateTable('access_groups')
        .set({ description: input.description ?? '', updated_at: now })
        .where('id', '=', id)
        .execute()
      await trx.deleteFrom('access_group_members').where('group_id', '=', id).execute()
    }
    for (const member of members) {
      await trx.insertInto('access_group_members').values({ group_id: id, member }).execute()
    }
    const after = await readGroup(trx, id)
    return {
      result: after as GroupDefinition,
      record: {
        target: 'group',
        action: before === undefined ? 'created' : 'updated',
        id,
        before: before ?? null,
        after,
      },
    }
  })
}

/** Deletes a group; refused while bindings, grants or groups refer to it, unless cascading. */
export async function deleteGroup(
  changes: PolicyChanges,
  who: ChangeActor,
  id: string,
  cascade: boolean,
) {
  return changePolicy(changes, who, async (trx) => {
    const before = await readGroup(trx, id)
    if (before === undefined) throw new RampartError('not_found', `no group ${id}`)
    const bindings = await trx
      .selectFrom('access_bindings')
      .select('id')
      .where('subject', '=', id)
      .execute()
    const grants = await trx
      .selectFrom('access_grants')
      .select('id')
      .where('subject', '=', id)
      .execute()
    const parents = await trx
      .selectFrom('access_group_members')
      .select('group_id')
      .where('member', '=', id)
      .execute()
    const references = [
      ...bindings.map((row) => ({ field: `bindings.${row.id}`, message: 'binds this group' })),
      ...grants.map((row) => ({ field: `grants.${row.id}`, message: 'grants to this group' })),
      ...parents.map((row) => ({ field: `groups.${row.group_id}`, message: 'has it as member' })),
    ]
    if (!cascade && references.length > 0) {
      throw new RampartError(
        'access_in_use',
        `group ${id} is still referenced; remove those or delete with ?cascade=true`,
        { errors: references },
      )
    }
    await trx.deleteFrom('access_bindings').where('subject', '=', id).execute()
    await trx.deleteFrom('access_grants').where('subject', '=', id).execute()
    await trx.deleteFrom('access_group_members').where('member', '=', id).execute()
    await trx.deleteFrom('access_group_members').where('group_id', '=', id).execute()
    await trx.deleteFrom('access_groups').where('id', '=', id).execute()
    return {
      result: { removed: references.map((reference) => reference.field) },
      record: { target: 'group', action: 'deleted', id, before, after: null, extra: { cascade } },
    }
  })
}

/**
 * A policy exercising every rule of the model, built through the audited store, for the
 * decision tests on both dialects.
 */
import type { AccessModule } from './module.js'
import type { ChangeActor } from './store/policy-changes.js'
import { createBinding, createGrant } from './store/bindings.js'
import { putGroup } from './store/groups.js'
import type { RoleInput } from './store/roles.js'
import { putRole } from './store/roles.js'

export const testActor: ChangeActor = { actor: { type: 'service', id: 'test' } }

const roles: readonly [string, RoleInput][] = [
  ['viewer', { permissions: [{ permission: 'order:read' }] }],
  ['editor', { parents: ['viewer'], permissions: [{ permission: 'order:write' }] }],
  ['auditor', { permissions: [{ permission: '*:read' }] }],
  ['ops', { permissions: [{ permission: 'order:*' }] }],
  [
    'owner-edit',
    { permissions: [{ permission: 'document:edit', condition: 'resource.ownerId == subject.id' }] },
  ],
  [
    'dept-read',
    {
      permissions: [
        {
          permission: 'report:read',
          condition: 'resource.department == subject.attributes.department',
        },
      ],
    },
  ],
  [
    'mfa-admin',
    { permissions: [{ permission: 'settings:write', condition: 'context.mfa == true' }] },
  ],
  [
    'amounts',
    { permissions: [{ permission: 'invoice:read', condition: 'resource.amount > 100' }] },
  ],
  ['acme-billing', { tenant: 'acme', permissions: [{ permission: 'billing:read' }] }],
  ['retired', { active: false, permissions: [{ permission: 'order:delete' }] }],
  ['under-retired', { parents: ['retired'] }],
  ['level1', { permissions: [{ permission: 'deep:one' }] }],
  ['level2', { parents: ['level1'] }],
  ['level3', { parents: ['level2'] }],
  ['level4', { parents: ['level3'] }],
  ['level5', { parents: ['level4'], permissions: [{ permission: 'deep:five' }] }],
]

/** Builds the policy; resolves to its version and when the expiring binding lapses. */
export async function buildTestPolicy(
  module: AccessModule,
): Promise<{ version: number; soon: number }> {
  const { changes } = module
  let version = 0
  const track = (result: { version: number }) => (version = result.version)
  for (const [name, input] of roles) track(await putRole(changes, testActor, name, input))
  track(await putGroup(changes, testActor, 'group:eng-sub', { members: ['user:frank'] }))
  track(
    await putGroup(changes, testActor, 'group:eng', { members: ['user:erin', 'group:eng-sub'] }),
  )

  const bind = async (subject: string, role: string, scope: object = {}) =>
    track(await createBinding(changes, testActor, { subject, role, ...scope }))
  await bind('user:alice', 'editor')
  const soon = Date.now() + 1500
  await bind('user:bob', 'viewer', { expiresAt: soon })
  await bind('user:carol', 'auditor')
  await bind('user:carol', 'ops', { tenant: 'acme' })
  await bind('user:dave', 'viewer', { resource: 'project:42' })
  await bind('group:eng', 'editor')
  for (const role of ['owner-edit', 'dept-read', 'mfa-admin', 'amounts'])
    await bind('user:gina', role)
  await bind('user:hank', 'level5')
  await bind('user:ivan', 'ops')
  await bind('user:judy', 'acme-billing', { tenant: 'acme' })
  await bind('user:kate', 'retired')
  await bind('user:kate', 'under-retired')
  await bind('client:billing', 'auditor')

  const grant = async (subject: string, permission: string, effect: 'allow' | 'deny', more = {}) =>
    track(await createGrant(changes, testActor, { subject, permission, effect, ...more }))
  await grant('user:ivan', 'order:delete', 'deny')
  await grant('user:ivan', 'order:write', 'deny', { condition: 'resource.locked == true' })
  await grant('user:judy', 'document:share', 'allow')
  await grant('group:eng-sub', 'order:write', 'deny')
  await grant('client:billing', '*:read', 'deny', { tenant: 'secret' })
  return { version, soon }
}

import { afterAll, beforeAll, expect, it } from 'vitest'

import { describeEachDialect } from '../test-support/stores.js'
import type { TestApp } from '../test-support/test-app.js'
import { createTestApp } from '../test-support/test-app.js'
import type { AccessRequest, DecisionReason } from '@rampart/access-engine'
import type { AccessModule } from './module.js'
import { buildTestPolicy } from './test-policy.js'

type Case = readonly [string, AccessRequest, boolean, DecisionReason]

const doc = (ownerId: string) => ({ type: 'document', id: 'd1', attributes: { ownerId } })
const report = (department: string) => ({ type: 'report', id: 'r1', attributes: { department } })

const cases: readonly Case[] = [
  // inheritance
  [
    'a role holds its own permission',
    { subject: 'user:alice', permission: 'order:write' },
    true,
    'allowed',
  ],
  [
    'a role inherits its parent',
    { subject: 'user:alice', permission: 'order:read' },
    true,
    'allowed',
  ],
  [
    'nothing grants an unrelated permission',
    { subject: 'user:alice', permission: 'user:read' },
    false,
    'no_permission',
  ],
  [
    'five levels of inheritance reach the root',
    { subject: 'user:hank', permission: 'deep:one' },
    true,
    'allowed',
  ],
  [
    'the leaf keeps its own permission',
    { subject: 'user:hank', permission: 'deep:five' },
    true,
    'allowed',
  ],
  [
    'an inactive role grants nothing',
    { subject: 'user:kate', permission: 'order:delete' },
    false,
    'no_permission',
  ],
  // wildcards
  [
    '*:read matches any resource',
    { subject: 'user:carol', permission: 'invoice:read' },
    true,
    'allowed',
  ],
  [
    '*:read does not match write',
    { subject: 'user:carol', permission: 'invoice:write' },
    false,
    'no_permission',
  ],
  [
    'order:* matches any action',
    { subject: 'user:ivan', permission: 'order:ship' },
    true,
    'allowed',
  ],
  [
    'order:* does not match other resources',
    { subject: 'user:ivan', permission: 'invoice:ship' },
    false,
    'no_permission',
  ],
  // deny overrides
  [
    'a deny grant beats a wildcard allow',
    { subject: 'user:ivan', permission: 'order:delete' },
    false,
    'denied',
  ],
  [
    'a conditional deny applies when true',
    {
      subject: 'user:ivan',
      permission: 'order:write',
      resource: { type: 'order', id: '1', attributes: { locked: true } },
    },
    false,
    'denied',
  ],
  [
    'a conditional deny passes when false',
    {
      subject: 'user:ivan',
      permission: 'order:write',
      resource: { type: 'order', id: '1', attributes: { locked: false } },
    },
    true,
    'allowed',
  ],
  [
    'a conditional deny that errors fails closed',
    { subject: 'user:ivan', permission: 'order:write' },
    false,
    'denied',
  ],
  [
    'a deny to a nested group beats the outer group',
    { subject: 'user:frank', permission: 'order:write' },
    false,
    'denied',
  ],
  [
    'the outer group still allows',
    { subject: 'user:frank', permission: 'order:read' },
    true,
    'allowed',
  ],
  [
    'a direct member gets the group role',
    { subject: 'user:erin', permission: 'order:write' },
    true,
    'allowed',
  ],
  ['a direct allow grant', { subject: 'user:judy', permission: 'document:share' }, true, 'allowed'],
  // scoping
  [
    'a tenant binding applies in its tenant',
    { subject: 'user:carol', permission: 'order:ship', tenant: 'acme' },
    true,
    'allowed',
  ],
  [
    'a tenant binding does not apply elsewhere',
    { subject: 'user:carol', permission: 'order:ship', tenant: 'globex' },
    false,
    'no_permission',
  ],
  [
    'a tenant binding does not apply without a tenant',
    { subject: 'user:carol', permission: 'order:ship' },
    false,
    'no_permission',
  ],
  [
    'a tenant-scoped role in its tenant',
    { subject: 'user:judy', permission: 'billing:read', tenant: 'acme' },
    true,
    'allowed',
  ],
  [
    'a tenant-scoped role outside it',
    { subject: 'user:judy', permission: 'billing:read', tenant: 'globex' },
    false,
    'no_permission',
  ],
  [
    'a resource binding applies to its instance',
    { subject: 'user:dave', permission: 'order:read', resource: { type: 'project', id: '42' } },
    true,
    'allowed',
  ],
  [
    'a resource binding not to another instance',
    { subject: 'user:dave', permission: 'order:read', resource: { type: 'project', id: '43' } },
    false,
    'no_permission',
  ],
  [
    'a resource binding not without a resource',
    { subject: 'user:dave', permission: 'order:read' },
    false,
    'no_permission',
  ],
  [
    'a tenant-scoped deny only in its tenant',
    { subject: 'client:billing', permission: 'audit:read' },
    true,
    'allowed',
  ],
  [
    'a tenant-scoped deny in its tenant',
    { subject: 'client:billing', permission: 'audit:read', tenant: 'secret' },
    false,
    'denied',
  ],
  // conditions: the examples of the issue
  [
    'the owner may edit',
    { subject: 'user:gina', permission: 'document:edit', resource: doc('gina') },
    true,
    'allowed',
  ],
  [
    'someone else may not',
    { subject: 'user:gina', permission: 'document:edit', resource: doc('hank') },
    false,
    'condition_false',
  ],
  [
    'same department reads',
    {
      subject: 'user:gina',
      permission: 'report:read',
      resource: report('eng'),
      subjectAttributes: { department: 'eng' },
    },
    true,
    'allowed',
  ],
  [
    'another department does not',
    {
      subject: 'user:gina',
      permission: 'report:read',
      resource: report('ops'),
      subjectAttributes: { department: 'eng' },
    },
    false,
    'condition_false',
  ],
  [
    'no department attribute is an error that denies',
    { subject: 'user:gina', permission: 'report:read', resource: report('eng') },
    false,
    'condition_error',
  ],
  [
    'with MFA',
    { subject: 'user:gina', permission: 'settings:write', context: { mfa: true } },
    true,
    'allowed',
  ],
  [
    'without MFA',
    { subject: 'user:gina', permission: 'settings:write', context: { mfa: false } },
    false,
    'condition_false',
  ],
  [
    'MFA unknown is an error that denies',
    { subject: 'user:gina', permission: 'settings:write' },
    false,
    'condition_error',
  ],
  [
    'a condition of the wrong type at run time denies',
    {
      subject: 'user:gina',
      permission: 'invoice:read',
      resource: { type: 'invoice', id: '1', attributes: { amount: 'lots' } },
    },
    false,
    'condition_error',
  ],
  [
    'a number condition',
    {
      subject: 'user:gina',
      permission: 'invoice:read',
      resource: { type: 'invoice', id: '1', attributes: { amount: 150 } },
    },
    true,
    'allowed',
  ],
]

describeEachDialect('access decisions', (dialect) => {
  let harness: TestApp
  let module: AccessModule
  let version: number
  let soon: number

  beforeAll(async () => {
    harness = await createTestApp(dialect)
    await harness.app.start()
    module = harness.app.modules.find((mod) => mod.name === 'access') as AccessModule
    ;({ version, soon } = await buildTestPolicy(module))
  }, 30_000)
  afterAll(() => harness.dispose())

  it.each(cases)('%s', async (_name, request, allowed, reason) => {
    const decision = await module.access.check(request, { atLeastVersion: version })
    expect({ allowed: decision.allowed, reason: decision.reason }).toEqual({ allowed, reason })
    expect(decision.version).toBeGreaterThanOrEqual(version)
  })

  it('a binding stops applying once it expires', async () => {
    const request = { subject: 'user:bob', permission: 'order:read' }
    expect((await module.access.check(request)).allowed).toBe(Date.now() < soon)
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, soon - Date.now() + 50)))
    const expired = await module.access.explain(request)
    expect(expired.allowed).toBe(false)
    expect(expired.steps).toEqual([
      expect.objectContaining({ kind: 'binding', skipped: 'expired' }),
    ])
  })

  it('records every policy change in the audit log with its version', async () => {
    const head = await harness.app.events.head()
    expect(head.seq).toBeGreaterThan(version)
    const rows = await harness.app.store.db
      .selectFrom('audit_events')
      .select(['type', 'body'])
      .where('type', 'like', 'access.%')
      .where('type', 'not like', 'access.denied%')
      .orderBy('seq')
      .execute()
    expect(rows).toHaveLength(version)
    const first = JSON.parse(rows[0]!.body) as { fields: { policyVersion: number; after: unknown } }
    expect(rows[0]!.type).toBe('access.role.created')
    expect(first.fields.policyVersion).toBe(1)
    expect(first.fields.after).toMatchObject({ name: 'viewer' })
  })

  it('records denials as access.denied events, at most the configured number a second', async () => {
    const denied = { subject: 'user:nobody', permission: 'vault:open' }
    await Promise.all(Array.from({ length: 50 }, () => module.access.check(denied)))
    // The count held back is written a second after the window filled.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const rows = await harness.app.store.db
      .selectFrom('audit_events')
      .select(['type', 'body'])
      .where('type', 'like', 'access.denied%')
      .where('actor_id', '=', 'nobody')
      .execute()
    expect(rows.length).toBeLessThanOrEqual(20)
    const summaries = await harness.app.store.db
      .selectFrom('audit_events')
      .select('body')
      .where('type', '=', 'access.denied.suppressed')
      .execute()
    const suppressed = summaries
      .map((row) => (JSON.parse(row.body) as { fields: { suppressed: number } }).fields.suppressed)
      .reduce((sum, count) => sum + count, 0)
    const itemised = rows.length
    expect(itemised + suppressed).toBeGreaterThanOrEqual(50)
  })
})

/**
 * The policy document over HTTP on both dialects: export in a stable order, a round trip that
 * changes nothing, a dry run that diffs without applying, an import that applies atomically
 * with one version and one audit event per change, and problems named by their path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'

import { describeEachDialect } from '../../test-support/stores.js'
import type { TestApp } from '../../test-support/test-app.js'
import { createTestApp } from '../../test-support/test-app.js'
import type { AccessModule } from '../module.js'
import { buildTestPolicy } from '../test-policy.js'

const adminToken = 'access-admin-token-0123456789'
const admin = { authorization: `Bearer ${adminToken}` }

interface Problem {
  code: string
  detail: string
  errors: { field: string; message: string }[]
}

/** Nine levels of nine aliases each ("billion laughs"): 9^9 nodes once expanded. */
const aliasBomb = Array.from({ length: 9 }, (_, level) => {
  const items = level === 0 ? 'lol' : `*a${level - 1}`
  return `a${level}: &a${level} [${Array(9).fill(items).join(', ')}]`
}).join('\n')

interface ImportAnswer {
  dryRun: boolean
  version: number
  applied: boolean
  changes: number
  diff: Record<string, { added: unknown[]; removed: unknown[]; changed: unknown[] }>
}

describeEachDialect('the policy document', (dialect) => {
  let harness: TestApp
  let module: AccessModule

  const exportYaml = async () => {
    const response = await harness.app.server.inject({
      url: '/v1/access/policy',
      headers: { ...admin, accept: 'application/yaml' },
    })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toContain('application/yaml')
    return response.body
  }
  const put = (body: string, query = '', type = 'application/yaml') =>
    harness.app.server.inject({
      method: 'PUT',
      url: `/v1/access/policy${query}`,
      headers: { ...admin, 'content-type': type },
      payload: body,
    })
  const accessEvents = async () =>
    harness.app.store.db
      .selectFrom('audit_events')
      .select(['type', 'body'])
      .where('type', 'like', 'access.%')
      .where('type', 'not like', 'access.denied%')
      .orderBy('seq')
      .execute()

  beforeAll(async () => {
    harness = await createTestApp(dialect, { access: { admin_token: adminToken } })
    await harness.app.start()
    module = harness.app.modules.find((mod) => mod.name === 'access') as AccessModule
    await buildTestPolicy(module)
  }, 30_000)
  afterAll(() => harness.dispose())

  it('exports the same bytes twice, sorted, in YAML and in JSON', async () => {
    const first = await exportYaml()
    expect(await exportYaml()).toBe(first)
    const document = parse(first) as {
      format: string
      roles: { name: string; permissions?: unknown[] }[]
      bindings: { subject: string; role: string }[]
    }
    expect(document.format).toBe('rampart.access.policy/v1')
    const names = document.roles.map((role) => role.name)
    expect(names).toEqual([...names].sort())
    expect(document.roles.find((role) => role.name === 'owner-edit')).toEqual({
      name: 'owner-edit',
      permissions: [{ permission: 'document:edit', condition: 'resource.ownerId == subject.id' }],
    })
    expect(document.roles.find((role) => role.name === 'viewer')).toEqual({
      name: 'viewer',
      permissions: ['order:read'],
    })
    const subjects = document.bindings.map((binding) => binding.subject)
    expect(subjects).toEqual([...subjects].sort())

    const json = await harness.app.server.inject({ url: '/v1/access/policy', headers: admin })
    expect(json.headers['content-type']).toContain('application/json')
    expect(json.json()).toEqual(document)
  })

  it('round-trips: importing the export changes nothing', async () => {
    const exported = await exportYaml()
    const eventsBefore = (await accessEvents()).length
    const dry = (await put(exported, '?dryRun=true')).json<ImportAnswer>()
    expect(dry).toMatchObject({ dryRun: true, applied: false, changes: 0 })

    const applied = await put(exported)
    expect(applied.statusCode).toBe(200)
    expect(applied.json<ImportAnswer>()).toMatchObject({ applied: false, changes: 0 })
    expect(applied.json<ImportAnswer>().version).toBe(dry.version)
    expect(await accessEvents()).toHaveLength(eventsBefore)
    expect(await exportYaml()).toBe(exported)
  })

  describe('an edited document', () => {
    let edited: string

    beforeAll(async () => {
      const document = parse(await exportYaml()) as {
        roles: { name: string; permissions?: unknown[] }[]
        groups: { id: string; members?: string[] }[]
        bindings: { subject: string; role: string }[]
        grants: { subject: string; permission: string; condition?: string }[]
      }
      document.roles.push({ name: 'billing-admin', permissions: ['invoice:write'] })
      const viewer = document.roles.find((role) => role.name === 'viewer')
      if (viewer !== undefined) viewer.permissions = ['order:list', 'order:read']
      document.groups.push({ id: 'group:finance', members: ['user:zoe'] })
      document.bindings = document.bindings.filter((binding) => binding.subject !== 'user:hank')
      document.bindings.push({ subject: 'group:finance', role: 'billing-admin' })
      const locked = document.grants.find((grant) => grant.condition === 'resource.locked == true')
      if (locked !== undefined) locked.condition = 'resource.locked == true && !context.mfa'
      edited = stringify(document)
    })

    it('dry-runs to the diff, with values before and after, and applies nothing', async () => {
      const before = await exportYaml()
      const response = await put(edited, '?dryRun=true')
      expect(response.statusCode).toBe(200)
      const answer = response.json<ImportAnswer>()
      expect(answer).toMatchObject({ dryRun: true, applied: false, changes: 6 })
      expect(answer.diff.roles).toEqual({
        added: [{ name: 'billing-admin', permissions: ['invoice:write'] }],
        removed: [],
        changed: [
          {
            before: { name: 'viewer', permissions: ['order:read'] },
            after: { name: 'viewer', permissions: ['order:list', 'order:read'] },
          },
        ],
      })
      expect(answer.diff.groups?.added).toEqual([{ id: 'group:finance', members: ['user:zoe'] }])
      expect(answer.diff.bindings).toEqual({
        added: [{ subject: 'group:finance', role: 'billing-admin' }],
        removed: [{ subject: 'user:hank', role: 'level5', id: expect.any(String) }],
        changed: [],
      })
      expect(answer.diff.grants?.changed).toEqual([
        {
          before: expect.objectContaining({ condition: 'resource.locked == true' }),
          after: expect.objectContaining({ condition: 'resource.locked == true && !context.mfa' }),
        },
      ])
      expect(await exportYaml()).toBe(before)
    })

    it('applies in one transaction: one version, one audit event per change', async () => {
      const eventsBefore = (await accessEvents()).length
      const dry = (await put(edited, '?dryRun=true')).json<ImportAnswer>()
      const response = await put(edited)
      const answer = response.json<ImportAnswer>()
      expect(answer).toMatchObject({ dryRun: false, applied: true, changes: 6 })
      expect(answer.version).toBe(dry.version + 1)

      const events = (await accessEvents()).slice(eventsBefore)
      expect(events.map((event) => event.type).sort()).toEqual(
        [
          'access.binding.created',
          'access.binding.deleted',
          'access.grant.updated',
          'access.group.created',
          'access.role.created',
          'access.role.updated',
        ].sort(),
      )
      for (const event of events) {
        const fields = (JSON.parse(event.body) as { fields: Record<string, unknown> }).fields
        expect(fields).toMatchObject({ policyVersion: answer.version, via: 'policy-import' })
      }

      const check = await module.access.check(
        { subject: 'user:zoe', permission: 'invoice:write' },
        { atLeastVersion: answer.version },
      )
      expect(check.allowed).toBe(true)
      expect(
        (await module.access.check({ subject: 'user:hank', permission: 'deep:one' })).allowed,
      ).toBe(false)
      const again = (await put(edited, '?dryRun=true')).json<ImportAnswer>()
      expect(again).toMatchObject({ changes: 0, version: answer.version })
    })
  })

  it.each([
    [
      'a malformed permission',
      'roles:\n  - name: a\n    permissions: [order]\n',
      'roles[0].permissions[0]',
      'is not of the form resource:action',
    ],
    [
      'a condition that is not a bool',
      'roles:\n  - name: a\n    permissions:\n      - { permission: "a:b", condition: "1 + 2" }\n',
      'roles[0].permissions[0].condition',
      '1:2: a condition must yield a bool, not an int',
    ],
    [
      'a binding to an unknown role',
      'bindings:\n  - { subject: "user:1", role: ghost }\n',
      'bindings[0].role',
      'no role ghost',
    ],
    [
      'an unknown group',
      'grants:\n  - { subject: "group:x", permission: "a:b", effect: allow }\n',
      'grants[0].subject',
      'no group group:x in the document',
    ],
    ['an unknown field', 'roles:\n  - { name: a, perms: [] }\n', 'roles[0].perms', 'unknown field'],
    [
      'a duplicate role',
      'roles:\n  - { name: a }\n  - { name: a }\n',
      'roles[1].name',
      'a is defined twice',
    ],
    [
      'a cycle',
      'roles:\n  - { name: a, parents: [b] }\n  - { name: b, parents: [a] }\n',
      'roles',
      'inheritance forms a cycle',
    ],
    [
      'a bad effect',
      'grants:\n  - { subject: "user:1", permission: "a:b", effect: maybe }\n',
      'grants[0].effect',
      'must be allow or deny',
    ],
    [
      'an expiry in the past',
      'roles: [{ name: a }]\nbindings:\n  - { subject: "user:1", role: a, expiresAt: "2001-01-01T00:00:00Z" }\n',
      'bindings[0].expiresAt',
      'lies in the past',
    ],
    ['a wrong format', 'format: something/v9\n', 'format', 'must be rampart.access.policy/v1'],
    [
      'malformed YAML',
      'roles: [\n',
      '(document)',
      '2:1: Flow sequence in block collection must be',
    ],
    ['an alias bomb', aliasBomb, '(document)', 'aliases expand to more than 100 nodes'],
  ])('refuses %s, naming its path', async (_name, body, field, message) => {
    const version = (await module.access.snapshot()).version
    const response = await put(body, '?dryRun=true')
    expect(response.statusCode).toBe(400)
    const problem = response.json<Problem>()
    expect(problem.code).toBe('access_policy_invalid')
    expect(problem.errors[0]?.field).toBe(field)
    expect(problem.errors[0]?.message).toContain(message)
    expect((await put(body)).statusCode).toBe(400)
    expect((await module.access.snapshot()).version).toBe(version)
  })

  it('refuses, with If-Match, a document read before the policy changed', async () => {
    const exported = await harness.app.server.inject({
      url: '/v1/access/policy',
      headers: { ...admin, accept: 'application/yaml' },
    })
    const etag = exported.headers.etag as string
    const edited = `${exported.body}`.replace(
      'name: viewer\n',
      'name: viewer\n    description: reads\n',
    )
    const withEtag = (value: string) =>
      harness.app.server.inject({
        method: 'PUT',
        url: '/v1/access/policy',
        headers: { ...admin, 'content-type': 'application/yaml', 'if-match': value },
        payload: edited,
      })

    await harness.app.server.inject({
      method: 'PUT',
      url: '/v1/access/roles/meanwhile',
      headers: admin,
      payload: {},
    })
    const stale = await withEtag(etag)
    expect(stale.statusCode).toBe(412)
    expect(stale.json<Problem>().code).toBe('access_policy_changed')
    expect((await withEtag('v1')).json<Problem>().code).toBe('bad_request')

    const current = await harness.app.server.inject({ url: '/v1/access/policy', headers: admin })
    const fresh = await withEtag(current.headers.etag as string)
    expect(fresh.statusCode).toBe(200)
    // The stale document lacked the role made meanwhile: applying it removed that role.
    expect(fresh.json<ImportAnswer>().diff.roles?.removed).toEqual([{ name: 'meanwhile' }])
  })

  it('takes JSON as well, and refuses requests without the admin token', async () => {
    const document = { roles: [{ name: 'json-role', permissions: ['x:y'] }] }
    const dry = await put(JSON.stringify(document), '?dryRun=true', 'application/json')
    const answer = dry.json<ImportAnswer>()
    expect(answer.diff.roles?.added).toEqual([{ name: 'json-role', permissions: ['x:y'] }])
    // The document is the whole policy: everything not in it would go.
    expect(answer.diff.roles?.removed.length).toBeGreaterThan(5)
    const anonymous = await harness.app.server.inject({ url: '/v1/access/policy' })
    expect(anonymous.statusCode).toBe(401)
  })
})

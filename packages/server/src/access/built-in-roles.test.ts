/**
 * The built-in roles as migration 0009 stored them agree with `BUILT_IN_ROLES`, stay out of
 * the policy document, and may be bound in it but not defined.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'

import { describeEachDialect } from '../test-support/stores.js'
import type { TestApp } from '../test-support/test-app.js'
import { createTestApp } from '../test-support/test-app.js'
import { BUILT_IN_ROLES } from './built-in-roles.js'
import type { AccessModule } from './module.js'

const adminToken = 'access-admin-token-0123456789'

describeEachDialect('built-in roles', (dialect) => {
  let harness: TestApp
  let module: AccessModule
  const put = (body: string, query = '') =>
    harness.app.server.inject({
      method: 'PUT',
      url: `/v1/access/policy${query}`,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/yaml' },
      payload: body,
    })

  beforeAll(async () => {
    harness = await createTestApp(dialect, { access: { admin_token: adminToken } })
    await harness.app.start()
    module = harness.app.modules.find((mod) => mod.name === 'access') as AccessModule
  }, 30_000)
  afterAll(() => harness.dispose())

  it('are stored as the code defines them, at policy version 0', async () => {
    const snapshot = await module.access.snapshot()
    expect(snapshot.version).toBe(0)
    const stored = snapshot.roles.filter((role) => role.name.startsWith('rampart.'))
    const expected = BUILT_IN_ROLES.map((role) => ({
      name: role.name,
      description: role.description,
      tenant: null,
      active: true,
      parents: [...role.parents].sort(),
      permissions: [...role.permissions]
        .sort()
        .map((permission) => ({ permission, condition: null })),
    }))
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name)
    expect([...stored].sort(byName)).toEqual(expected.sort(byName))
  })

  it('grant nothing outside Rampart: rampart.admin holds no wildcard resource', () => {
    for (const role of BUILT_IN_ROLES) {
      for (const permission of role.permissions) expect(permission).not.toMatch(/^\*/)
    }
  })

  it('stay out of the document, may be bound in it, and may not be defined in it', async () => {
    const exported = await harness.app.server.inject({
      url: '/v1/access/policy',
      headers: { authorization: `Bearer ${adminToken}`, accept: 'application/yaml' },
    })
    expect(exported.body).not.toMatch(/rampart\.(admin|auditor|operator)/)

    const binding = 'bindings:\n  - { subject: "user:7", role: rampart.auditor }\n'
    const applied = await put(binding)
    expect(applied.json()).toMatchObject({ applied: true, changes: 1 })
    const check = await module.access.check({ subject: 'user:7', permission: 'audit.events:read' })
    expect(check.allowed).toBe(true)

    const defined = await put('roles:\n  - { name: rampart.admin, permissions: ["*:*"] }\n')
    expect(defined.statusCode).toBe(400)
    expect(defined.json()).toMatchObject({
      code: 'access_policy_invalid',
      errors: [
        { field: 'roles[0].name', message: 'rampart.admin is built in; it cannot be defined' },
      ],
    })
    const snapshot = await module.access.snapshot()
    expect(snapshot.roles.filter((role) => role.name.startsWith('rampart.'))).toHaveLength(3)
  })

  it('call a new name under the prefix reserved, not built in', async () => {
    const defined = await put('roles:\n  - { name: rampart.evil, permissions: ["*:*"] }\n')
    expect(defined.statusCode).toBe(400)
    expect(defined.json()).toMatchObject({
      code: 'access_policy_invalid',
      errors: [
        {
          field: 'roles[0].name',
          message:
            "rampart.evil cannot be defined: the prefix rampart. is reserved for Rampart's " +
            'built-in roles',
        },
      ],
    })

    const putRole = (name: string) =>
      harness.app.server.inject({
        method: 'PUT',
        url: `/v1/access/roles/${name}`,
        headers: { authorization: `Bearer ${adminToken}` },
        payload: { permissions: [] },
      })
    const reserved = await putRole('rampart.evil')
    expect(reserved.statusCode).toBe(409)
    expect(reserved.json()).toMatchObject({
      code: 'access_role_builtin',
      detail:
        "rampart.evil starts with rampart., a prefix reserved for Rampart's built-in roles; " +
        'choose another name',
    })
    const builtIn = await putRole('rampart.admin')
    expect(builtIn.json<{ detail: string }>().detail).toMatch(/^rampart\.admin is a built-in role/)
  })
})

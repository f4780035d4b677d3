import { afterAll, beforeAll, expect, it } from 'vitest'

import { describeEachDialect } from '../../test-support/stores.js'
import type { TestApp } from '../../test-support/test-app.js'
import { createTestApp } from '../../test-support/test-app.js'

const adminToken = 'access-admin-token-0123456789'
const checkToken = 'access-check-token-0123456789'
const admin = { authorization: `Bearer ${adminToken}` }
const checker = { authorization: `Bearer ${checkToken}` }

interface Problem {
  code: string
  detail: string
  errors?: { field: string; message: string }[]
}

describeEachDialect('access API', (dialect) => {
  let harness: TestApp
  const call = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: object) =>
    harness.app.server.inject({
      method,
      url,
      headers: url.includes('/check') || url.endsWith('/explain') ? checker : admin,
      ...(payload === undefined ? {} : { payload }),
    })

  beforeAll(async () => {
    harness = await createTestApp(dialect, {
      access: { admin_token: adminToken, check_token: checkToken },
    })
    await harness.app.start()
  }, 30_000)
  afterAll(() => harness.dispose())

  it('refuses requests without the right token, and the check token on the admin API', async () => {
    const server = harness.app.server
    const none = await server.inject({ method: 'POST', url: '/v1/access/check', payload: {} })
    expect(none.statusCode).toBe(401)
    expect(none.headers['content-type']).toContain('application/problem+json')
    const wrongPurpose = await server.inject({ url: '/v1/access/roles', headers: checker })
    expect(wrongPurpose.json<Problem>().code).toBe('unauthorized')
  })

  it('answers a check at the version a change returned, and explains it', async () => {
    const role = await call('PUT', '/v1/access/roles/reader', {
      description: 'reads orders',
      permissions: [{ permission: 'order:read' }],
    })
    expect(role.statusCode).toBe(200)
    const bound = await call('POST', '/v1/access/bindings', { subject: 'user:1', role: 'reader' })
    expect(bound.statusCode).toBe(201)
    const { version } = bound.json<{ version: number }>()

    const check = await call('POST', '/v1/access/check', {
      subject: 'user:1',
      permission: 'order:read',
      atLeastVersion: version,
    })
    expect(check.json()).toEqual({ allowed: true, reason: 'allowed', version })

    const explained = await call('POST', '/v1/access/explain', {
      subject: 'user:1',
      permission: 'order:read',
    })
    expect(explained.json()).toMatchObject({
      allowed: true,
      version,
      steps: [{ kind: 'binding', roles: ['reader'], pattern: 'order:read', applies: true }],
    })
  })

  it('refuses a version not committed with a clear code', async () => {
    const response = await call('POST', '/v1/access/check', {
      subject: 'user:1',
      permission: 'order:read',
      atLeastVersion: 1_000_000,
    })
    expect(response.statusCode).toBe(409)
    expect(response.json<Problem>().code).toBe('access_version_unavailable')
  })

  it('explains a condition that failed to evaluate', async () => {
    await call('PUT', '/v1/access/roles/owner', {
      permissions: [{ permission: 'doc:edit', condition: 'resource.ownerId == subject.id' }],
    })
    const bound = await call('POST', '/v1/access/bindings', { subject: 'user:2', role: 'owner' })
    const response = await call('POST', '/v1/access/explain', {
      subject: 'user:2',
      permission: 'doc:edit',
      resource: { type: 'doc', id: '9' },
      atLeastVersion: bound.json<{ version: number }>().version,
    })
    const body = response.json<{ reason: string; steps: { conditionResult: unknown }[] }>()
    expect(body.reason).toBe('condition_error')
    expect(body.steps[0]?.conditionResult).toEqual({ error: expect.stringContaining('ownerId') })
  })

  it.each([
    [
      'a malformed permission',
      { subject: 'user:1', permission: 'order' },
      'access_permission_invalid',
    ],
    [
      'a wildcard permission',
      { subject: 'user:1', permission: 'order:*' },
      'access_permission_invalid',
    ],
    [
      'a malformed subject',
      { subject: 'alice', permission: 'order:read' },
      'access_subject_invalid',
    ],
    ['a missing field', { subject: 'user:1' }, 'validation_failed'],
  ])('rejects a check with %s', async (_name, payload, code) => {
    const response = await call('POST', '/v1/access/check', payload)
    expect(response.statusCode).toBe(400)
    expect(response.json<Problem>().code).toBe(code)
  })

  it('takes a role name of 128 characters, the longest the schema allows', async () => {
    const name = 'a'.repeat(128)
    const put = await call('PUT', `/v1/access/roles/${name}`, { permissions: [] })
    expect(put.statusCode).toBe(200)
    expect((await call('GET', `/v1/access/roles/${name}`)).statusCode).toBe(200)
    expect((await call('DELETE', `/v1/access/roles/${name}`)).statusCode).toBe(200)
  })

  it.each([129, 300])('refuses a role name of %i characters by its schema', async (length) => {
    const response = await call('PUT', `/v1/access/roles/${'a'.repeat(length)}`, {
      permissions: [],
    })
    expect(response.statusCode).toBe(400)
    const problem = response.json<Problem>()
    expect(problem.code).toBe('validation_failed')
    expect(problem.detail).not.toContain('a'.repeat(101))
    expect(problem.errors).toEqual([expect.objectContaining({ field: 'params.name' })])
  })

  it.each([
    ['an unknown parent', { parents: ['ghost'] }, 'access_role_unknown', 'ghost'],
    [
      'a malformed permission',
      { permissions: [{ permission: 'x:y:z' }] },
      'access_permission_invalid',
      'x:y:z',
    ],
    [
      'a condition that does not parse',
      { permissions: [{ permission: 'a:b', condition: 'resource.ownerId ==' }] },
      'access_condition_invalid',
      '1:18: ',
    ],
    [
      'an undeclared name',
      { permissions: [{ permission: 'a:b', condition: 'owner == subject.id' }] },
      'access_condition_invalid',
      "1:1: undeclared reference to 'owner'",
    ],
    [
      'an unknown subject field',
      { permissions: [{ permission: 'a:b', condition: 'subject.name == "x"' }] },
      'access_condition_invalid',
      "subject has no field 'name'",
    ],
    [
      'a condition that is not a bool',
      { permissions: [{ permission: 'a:b', condition: 'subject.id + "x"' }] },
      'access_condition_not_bool',
      'must yield a bool',
    ],
    [
      'a type mismatch',
      { permissions: [{ permission: 'a:b', condition: 'context.mfa == "yes"' }] },
      'access_condition_invalid',
      'compares a bool with a string',
    ],
  ])('rejects a role with %s', async (_name, body, code, detail) => {
    const response = await call('PUT', '/v1/access/roles/bad', body)
    expect(response.statusCode).toBe(code === 'access_role_unknown' ? 400 : 400)
    const problem = response.json<Problem>()
    expect(problem.code).toBe(code)
    expect(problem.detail).toContain(detail)
  })

  it('rejects an inheritance cycle naming it', async () => {
    await call('PUT', '/v1/access/roles/cyc-a', {})
    await call('PUT', '/v1/access/roles/cyc-b', { parents: ['cyc-a'] })
    await call('PUT', '/v1/access/roles/cyc-c', { parents: ['cyc-b'] })
    const response = await call('PUT', '/v1/access/roles/cyc-a', { parents: ['cyc-c'] })
    expect(response.statusCode).toBe(409)
    expect(response.json<Problem>()).toMatchObject({
      code: 'access_role_cycle',
      detail: 'inheritance would form a cycle: cyc-a → cyc-c → cyc-b → cyc-a',
    })
  })

  it('refuses to delete a bound role listing the bindings, and cascades on request', async () => {
    await call('PUT', '/v1/access/roles/doomed', { permissions: [{ permission: 'x:y' }] })
    const bound = await call('POST', '/v1/access/bindings', { subject: 'user:3', role: 'doomed' })
    const bindingId = bound.json<{ binding: { id: string } }>().binding.id

    const refused = await call('DELETE', '/v1/access/roles/doomed')
    expect(refused.statusCode).toBe(409)
    expect(refused.json<Problem>()).toMatchObject({
      code: 'access_in_use',
      errors: [{ field: `bindings.${bindingId}`, message: 'binds user:3' }],
    })

    const cascaded = await call('DELETE', '/v1/access/roles/doomed?cascade=true')
    expect(cascaded.json()).toMatchObject({ removedBindings: [bindingId] })
    const { version } = cascaded.json<{ version: number }>()
    const check = await call('POST', '/v1/access/check', {
      subject: 'user:3',
      permission: 'x:y',
      atLeastVersion: version,
    })
    expect(check.json()).toMatchObject({ allowed: false, reason: 'no_permission' })
  })

  it.each([
    ['an unknown role', { subject: 'user:1', role: 'ghost' }, 'access_role_unknown'],
    ['an unknown group', { subject: 'group:ghost', role: 'reader' }, 'access_subject_unknown'],
    ['a malformed subject', { subject: 'bob', role: 'reader' }, 'access_subject_invalid'],
    [
      'an expiry in the past',
      { subject: 'user:1', role: 'reader', expiresAt: '2001-01-01T00:00:00Z' },
      'access_scope_invalid',
    ],
    [
      'a malformed resource',
      { subject: 'user:1', role: 'reader', resource: '42' },
      'access_scope_invalid',
    ],
  ])('rejects a binding with %s', async (_name, payload, code) => {
    const response = await call('POST', '/v1/access/bindings', payload)
    expect(response.statusCode).toBe(400)
    expect(response.json<Problem>().code).toBe(code)
  })

  it('answers a batch per item and refuses one over the limit', async () => {
    const checks = [
      { subject: 'user:1', permission: 'order:read' },
      { subject: 'user:1', permission: 'order:write' },
      { subject: 'user:1', permission: 'bad' },
    ]
    const response = await call('POST', '/v1/access/check-batch', { checks })
    const body = response.json<{ version: number; results: unknown[] }>()
    expect(body.results).toEqual([
      expect.objectContaining({ allowed: true }),
      expect.objectContaining({ allowed: false, reason: 'no_permission' }),
      { error: expect.objectContaining({ code: 'access_permission_invalid' }) },
    ])

    const many = Array.from({ length: 1001 }, () => checks[0])
    const refused = await call('POST', '/v1/access/check-batch', { checks: many })
    expect(refused.statusCode).toBe(413)
    expect(refused.json<Problem>().code).toBe('access_batch_too_large')
  })

  it('lists permissions, per resource for a UI', async () => {
    await call('PUT', '/v1/access/roles/doc-owner', {
      permissions: [
        { permission: 'doc:read' },
        { permission: 'doc:delete', condition: 'resource.ownerId == subject.id' },
      ],
    })
    const bound = await call('POST', '/v1/access/bindings', {
      subject: 'user:4',
      role: 'doc-owner',
    })
    const response = await call('POST', '/v1/access/permissions', {
      subject: 'user:4',
      resources: [
        { type: 'doc', id: 'mine', attributes: { ownerId: '4' } },
        { type: 'doc', id: 'theirs', attributes: { ownerId: '5' } },
      ],
      atLeastVersion: bound.json<{ version: number }>().version,
    })
    expect(response.json()).toMatchObject({
      permissions: ['doc:read'],
      conditional: ['doc:delete'],
      resources: { 'doc:mine': ['doc:delete', 'doc:read'], 'doc:theirs': ['doc:read'] },
    })
  })

  it('serves the snapshot with an ETag, 304 when unchanged, and long-polls a change', async () => {
    const server = harness.app.server
    const first = await server.inject({ url: '/v1/access/snapshot', headers: checker })
    const etag = first.headers.etag as string
    expect(etag).toBe(`"v${first.json<{ version: number }>().version}"`)

    const same = await server.inject({
      url: '/v1/access/snapshot',
      headers: { ...checker, 'if-none-match': etag },
    })
    expect(same.statusCode).toBe(304)

    const started = Date.now()
    const waiting = server.inject({
      url: '/v1/access/snapshot?waitMs=5000',
      headers: { ...checker, 'if-none-match': etag },
    })
    await new Promise((resolve) => setTimeout(resolve, 100))
    await call('PUT', '/v1/access/roles/late', {})
    const changed = await waiting
    expect(changed.statusCode).toBe(200)
    expect(changed.json<{ roles: { name: string }[] }>().roles.map((r) => r.name)).toContain('late')
    expect(Date.now() - started).toBeLessThan(1000)
  })
})

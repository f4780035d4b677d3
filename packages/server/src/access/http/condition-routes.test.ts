/**
 * Conditions over HTTP: one whose type is known and not a bool is refused when saved, with
 * `access_condition_not_bool` and its position; one whose type is `dyn` is saved and denies,
 * with the reason, when it yields something else at evaluation.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'

import { describeEachDialect } from '../../test-support/stores.js'
import type { TestApp } from '../../test-support/test-app.js'
import { createTestApp } from '../../test-support/test-app.js'

const adminToken = 'access-admin-token-0123456789'
const admin = { authorization: `Bearer ${adminToken}` }

interface Problem {
  code: string
  detail: string
  errors?: { field: string; message: string }[]
}

/** [condition, where it is saved, the field and message expected]. */
const notBool: readonly (readonly [string, 'role' | 'grant', string, string])[] = [
  [
    'resource.amount + 1',
    'role',
    'permissions[1].condition',
    '1:17: a condition must yield a bool, not an int',
  ],
  ['"x"', 'role', 'permissions[1].condition', '1:1: a condition must yield a bool, not a string'],
  ['1 + 2', 'grant', 'condition', '1:2: a condition must yield a bool, not an int'],
  ['subject.roles', 'grant', 'condition', '1:8: a condition must yield a bool, not a list'],
  [
    'subject.id == "1" ||\n  subject.id',
    'role',
    'permissions[1].condition',
    '2:10: operands of || must be bool, not string',
  ],
]

describeEachDialect('access conditions over HTTP', (dialect) => {
  let harness: TestApp
  const call = (method: 'PUT' | 'POST', url: string, payload: object) =>
    harness.app.server.inject({ method, url, headers: admin, payload })

  beforeAll(async () => {
    harness = await createTestApp(dialect, { access: { admin_token: adminToken } })
    await harness.app.start()
  }, 30_000)
  afterAll(() => harness.dispose())

  it.each(notBool)('refuses %j in a %s', async (condition, target, field, message) => {
    const response =
      target === 'role'
        ? await call('PUT', '/v1/access/roles/typed', {
            permissions: [{ permission: 'a:read' }, { permission: 'a:write', condition }],
          })
        : await call('POST', '/v1/access/grants', {
            subject: 'user:1',
            permission: 'a:write',
            effect: 'allow',
            condition,
          })
    expect(response.statusCode).toBe(400)
    expect(response.headers['content-type']).toContain('application/problem+json')
    const problem = response.json<Problem>()
    const code = message.includes('must yield')
      ? 'access_condition_not_bool'
      : 'access_condition_invalid'
    expect(problem).toMatchObject({ code, detail: `${field}: ${message}` })
    expect(problem.errors).toEqual([{ field, message }])
  })

  it('saves a dyn condition and denies, with the reason, when it yields no bool', async () => {
    const role = await call('PUT', '/v1/access/roles/publisher', {
      permissions: [{ permission: 'post:read', condition: 'resource.published' }],
    })
    expect(role.statusCode).toBe(200)
    const bound = await call('POST', '/v1/access/bindings', {
      subject: 'user:9',
      role: 'publisher',
    })
    const atLeastVersion = bound.json<{ version: number }>().version
    const ask = (published: unknown) =>
      call('POST', '/v1/access/explain', {
        subject: 'user:9',
        permission: 'post:read',
        resource: { type: 'post', id: '1', attributes: { published } },
        atLeastVersion,
      })

    const yes = (await ask('yes')).json<{
      allowed: boolean
      reason: string
      steps: { conditionResult?: unknown }[]
    }>()
    expect(yes).toMatchObject({ allowed: false, reason: 'condition_error' })
    expect(yes.steps[0]?.conditionResult).toEqual({
      error: 'yielded a value of type string, not a bool',
    })
    expect((await ask(true)).json()).toMatchObject({ allowed: true, reason: 'allowed' })
    expect((await ask(false)).json()).toMatchObject({ allowed: false, reason: 'condition_false' })
  })
})

import { afterAll, beforeAll, expect, it, vi } from 'vitest'

import { buildCli } from '../../main.js'
import type { TestApp } from '../../test-support/test-app.js'
import { createTestApp } from '../../test-support/test-app.js'

const token = 'cli-admin-token-0123456789'
let harness: TestApp
let url: string

beforeAll(async () => {
  harness = await createTestApp('sqlite', { access: { admin_token: token } })
  url = await harness.app.start()
})
afterAll(() => harness.dispose())

/** Runs `rampart access ...` in this process; resolves to what it printed, parsed. */
async function run(...args: string[]): Promise<unknown> {
  const printed: string[] = []
  const spy = vi.spyOn(console, 'log').mockImplementation((line: string) => printed.push(line))
  try {
    await buildCli()
      .exitOverride()
      .parseAsync(['node', 'rampart', 'access', ...args, '--url', url, '--token', token])
  } finally {
    spy.mockRestore()
  }
  return JSON.parse(printed.join('\n')) as unknown
}

it('creates a conditional role, binds it and checks through the API', async () => {
  await run('role-put', 'editor', '--permission', 'doc:edit if resource.ownerId == subject.id')
  const bound = (await run('bind', 'user:7', 'editor')) as { version: number }
  expect(bound.version).toBeGreaterThan(0)

  const allowed = await run('check', 'user:7', 'doc:edit', '--resource', 'doc:1')
  expect(allowed).toMatchObject({ allowed: false, reason: 'condition_error' })
  expect(process.exitCode).toBe(1)
  process.exitCode = 0

  const roles = (await run('roles')) as { roles: { name: string; permissions: unknown[] }[] }
  expect(roles.roles).toEqual([
    expect.objectContaining({
      name: 'editor',
      permissions: [{ permission: 'doc:edit', condition: 'resource.ownerId == subject.id' }],
    }),
  ])
})

it('reports the server problem for a bad condition', async () => {
  await expect(run('role-put', 'bad', '--permission', 'doc:edit if owner ==')).rejects.toThrow(
    /400 access_condition_invalid: permissions\[0\]\.condition: 1:/,
  )
})

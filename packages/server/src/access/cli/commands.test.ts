import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { parse, stringify } from 'yaml'

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
  const own = roles.roles.filter((role) => !role.name.startsWith('rampart.'))
  expect(own).toEqual([
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

it('reports the server problem for a YAML alias bomb on import', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rampart-bomb-'))
  try {
    const file = join(dir, 'policy.yaml')
    const levels = Array.from({ length: 9 }, (_, level) => {
      const items = Array(9).fill(level === 0 ? 'lol' : `*a${level - 1}`)
      return `a${level}: &a${level} [${items.join(', ')}]`
    })
    await writeFile(file, levels.join('\n'), 'utf8')
    await expect(run('import', file, '--dry-run')).rejects.toThrow(
      /400 access_policy_invalid: .*aliases expand to more than 100 nodes/,
    )
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

it('exports the policy to a file and imports an edited one, dry run first', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'rampart-policy-'))
  try {
    const file = join(directory, 'policy.yaml')
    await buildCli()
      .exitOverride()
      .parseAsync([
        'node',
        'rampart',
        'access',
        'export',
        '--out',
        file,
        '--url',
        url,
        '--token',
        token,
      ])
    const exported = await readFile(file, 'utf8')
    expect(exported).toContain('format: rampart.access.policy/v1')
    expect(exported).toContain('- name: editor')

    const document = parse(exported) as { roles: object[] }
    document.roles.push({ name: 'reviewer', permissions: ['doc:read'] })
    await writeFile(file, stringify(document))
    const dry = (await run('import', file, '--dry-run')) as {
      dryRun: boolean
      changes: number
      diff: { roles: { added: unknown[] } }
    }
    expect(dry).toMatchObject({ dryRun: true, changes: 1 })
    expect(dry.diff.roles.added).toEqual([{ name: 'reviewer', permissions: ['doc:read'] }])

    const atVersion = String((dry as unknown as { version: number }).version)
    const applied = (await run('import', file, '--at-version', atVersion)) as {
      applied: boolean
      version: number
    }
    expect(applied.applied).toBe(true)
    const again = (await run('import', file, '--dry-run')) as { changes: number }
    expect(again.changes).toBe(0)
  } finally {
    await rm(directory, { recursive: true, force: true })
  }
})

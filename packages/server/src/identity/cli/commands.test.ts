/**
 * `rampart user` and `rampart client` as a user runs them: separate processes on one data
 * directory, the password on standard input, `--json` for scripts.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'

import { startRampartProcess } from '../../test-support/rampart-process.js'

const mainPath = resolve(import.meta.dirname, '../../main.ts')
const dataDir = mkdtempSync(join(tmpdir(), 'rampart-identity-cli-'))

function rampart(
  args: string[],
  stdin = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', mainPath, ...args, '--data-dir', dataDir],
    { env: { ...process.env, RAMPART_LOG_LEVEL: 'warn' }, stdio: ['pipe', 'pipe', 'pipe'] },
  )
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  child.stdin.end(stdin)
  return new Promise((done) => child.on('exit', (code) => done({ code, stdout, stderr })))
}

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true })
})

describe('rampart user and client commands', () => {
  it('creates an admin with the password from stdin, disables and resets', async () => {
    const created = await rampart(
      ['user', 'create', '--email', 'Root@Example.com', '--admin', '--json'],
      'a long enough admin passphrase\n',
    )
    expect(created.stderr).not.toContain('a long enough admin passphrase')
    expect(created.code).toBe(0)
    expect(JSON.parse(created.stdout)).toMatchObject({
      email: 'Root@Example.com',
      isAdmin: true,
      hasPassword: true,
      status: 'active',
    })

    const refused = await rampart(
      ['user', 'reset-password', '--email', 'root@example.com'],
      'short',
    )
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('password must be at least 12 characters')

    const disabled = await rampart(['user', 'disable', '--email', 'ROOT@example.com', '--json'])
    expect(JSON.parse(disabled.stdout)).toMatchObject({ status: 'disabled' })
  }, 60_000)

  it('creates, lists and deletes a public client', async () => {
    const created = await rampart([
      'client',
      'create',
      '--name',
      'spa',
      '--public',
      '--redirect-uri',
      'http://127.0.0.1:5173/cb',
      '--json',
    ])
    expect(created.code).toBe(0)
    const client = JSON.parse(created.stdout) as { clientId: string; clientSecret?: string }
    expect(client.clientSecret).toBeUndefined()

    const listed = await rampart(['client', 'list', '--json'])
    expect(JSON.parse(listed.stdout)).toMatchObject([
      { clientId: client.clientId, type: 'public', redirectUris: ['http://127.0.0.1:5173/cb'] },
    ])

    expect((await rampart(['client', 'delete', client.clientId])).code).toBe(0)
    expect(JSON.parse((await rampart(['client', 'list', '--json'])).stdout)).toEqual([])
  }, 60_000)
  it('works next to a running server on the same data directory', async () => {
    // The first start's advice is to run `rampart user create` while the server runs.
    const server = await startRampartProcess({ args: ['--port', '0', '--data-dir', dataDir] })
    try {
      const created = await rampart(
        ['user', 'create', '--email', 'second@example.com', '--json'],
        'another long passphrase\n',
      )
      expect(created.stderr).toBe('')
      expect(created.code).toBe(0)
    } finally {
      await server.stop()
    }
  }, 60_000)
})

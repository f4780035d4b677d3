import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestApp } from '../../test-support/test-app.js'
import { createTestApp } from '../../test-support/test-app.js'

const run = promisify(execFile)
const amtool = '/usr/bin/amtool'
const installed = existsSync(amtool)
if (!installed && process.env.CI === 'true') {
  throw new Error('amtool is missing: apt-get install prometheus-alertmanager')
}
if (!installed) console.warn('skipping: amtool not installed (Debian prometheus-alertmanager)')

describe.skipIf(!installed)('amtool against the Alertmanager API', () => {
  let testApp: TestApp
  let args: string[]

  beforeAll(async () => {
    testApp = await createTestApp('sqlite', {
      metrics: { scrape_self: false },
      alerting: { api_token: 'alerting-token-0123456789' },
    })
    const url = await testApp.app.start()
    const directory = mkdtempSync(join(tmpdir(), 'rampart-amtool-'))
    const httpConfig = join(directory, 'http.yml')
    writeFileSync(httpConfig, 'authorization:\n  credentials: alerting-token-0123456789\n')
    args = [`--alertmanager.url=${url}/alertmanager`, `--http.config.file=${httpConfig}`]
  })
  afterAll(() => testApp.dispose())

  const amtoolRun = async (...rest: string[]): Promise<string> =>
    (await run(amtool, [...args, ...rest], { timeout: 20_000 })).stdout.trim()

  it('adds, queries and expires a silence', async () => {
    const id = await amtoolRun(
      'silence',
      'add',
      'alertname=HighErrors',
      'instance=~"db-.*"',
      '--comment=database maintenance',
      '--author=ops',
      '--duration=2h',
    )
    expect(id).toMatch(/^[0-9a-f-]{36}$/)

    const listed = await amtoolRun('silence', 'query', '-o', 'json')
    const silences = JSON.parse(listed) as { id: string; createdBy: string; matchers: unknown[] }[]
    expect(silences.map((silence) => [silence.id, silence.createdBy])).toEqual([[id, 'ops']])
    expect(silences[0]?.matchers).toEqual([
      { name: 'alertname', value: 'HighErrors', isRegex: false, isEqual: true },
      { name: 'instance', value: 'db-.*', isRegex: true, isEqual: true },
    ])
    expect(await amtoolRun('silence', 'query', '-q', 'alertname=HighErrors')).toBe(id)

    await amtoolRun('silence', 'expire', id)
    expect(await amtoolRun('silence', 'query', '-q')).toBe('')
    const expired = await amtoolRun('silence', 'query', '--expired', '-q')
    expect(expired).toBe(id)
  })

  it('is refused without the token', async () => {
    await expect(
      run(amtool, [args[0] ?? '', 'silence', 'query'], { timeout: 20_000 }),
    ).rejects.toThrow()
  })
})

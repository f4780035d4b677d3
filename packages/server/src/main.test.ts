import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const mainPath = resolve(import.meta.dirname, 'main.ts')

interface Running {
  readonly url: Promise<string>
  readonly exit: Promise<{ code: number | null; stdout: string; stderr: string }>
  kill(signal: NodeJS.Signals): void
}

function runRampart(args: string[], environment: Record<string, string> = {}): Running {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', mainPath, ...args],
    {
      env: { ...process.env, ...environment, RAMPART_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stdout = ''
  let stderr = ''
  let announce: (url: string) => void = () => undefined
  const url = new Promise<string>((resolve) => (announce = resolve))
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    const match = /"msg":"listening on (http:\/\/[^"]+)"/.exec(stdout)
    if (match?.[1] !== undefined) announce(match[1])
  })
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((done) =>
    child.on('exit', (code) => done({ code, stdout, stderr })),
  )
  return { url, exit, kill: (signal) => child.kill(signal) }
}

const dataDir = (): string => mkdtempSync(join(tmpdir(), 'rampart-cli-'))

describe('rampart CLI', () => {
  it('starts on a free port, answers /readyz and exits 0 on SIGTERM', async () => {
    const running = runRampart(['start', '--port', '0', '--data-dir', dataDir()])
    const url = await running.url
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(url).not.toMatch(/:0$/)

    const ready = await fetch(`${url}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({ status: 'ready' })

    running.kill('SIGTERM')
    const { code, stdout } = await running.exit
    expect(code).toBe(0)
    expect(stdout).toContain('"msg":"stopped"')
  })

  it('refuses to start with a different master key, naming the problem', async () => {
    const directory = dataDir()
    const first = runRampart(['start', '--port', '0', '--data-dir', directory])
    await first.url
    first.kill('SIGINT')
    expect((await first.exit).code).toBe(0)

    const second = runRampart(['start', '--port', '0', '--data-dir', directory], {
      RAMPART_MASTER_KEY: 'ab'.repeat(32),
    })
    const { code, stderr } = await second.exit
    expect(code).toBe(2)
    expect(stderr).toMatch(/rampart: the master key \(fingerprint \w+\) is not the one/)
  })

  it.each([
    [['start', '--port', 'eighty'], /--port.*must be an integer/],
    [['start', '--config', '/nonexistent/rampart.yaml'], /cannot read configuration file/],
  ])('rejects bad arguments %j', async (args, message) => {
    const { code, stderr } = await runRampart(args, { RAMPART_DATA_DIR: dataDir() }).exit
    expect(code).not.toBe(0)
    expect(stderr).toMatch(message)
  })

  it('rejects a bad environment setting with exit code 2', async () => {
    const { code, stderr } = await runRampart(['start'], { RAMPART_SERVER_PORT: 'x' }).exit
    expect(code).toBe(2)
    expect(stderr).toMatch(/server\.port/)
  })

  it('prints help for the program and for each command', async () => {
    const help = await runRampart(['--help']).exit
    expect(help.stdout).toMatch(/start \[options\]\s+start the platform/)
    expect(help.stdout).toMatch(/migrate/)
    const startHelp = await runRampart(['start', '--help']).exit
    expect(startHelp.stdout).toMatch(/--port <port>/)
    expect(startHelp.stdout).toMatch(/--data-dir <dir>/)
  })

  // oidc-provider prints a runtime notice when loaded on Node.js 20; only `start` loads it.
  it('runs commands that do not serve OpenID Connect without loading oidc-provider', async () => {
    const directory = dataDir()
    for (const args of [['migrate'], ['client', 'list'], ['keys', 'rotate']]) {
      const { code, stderr } = await runRampart([...args, '--data-dir', directory]).exit
      expect({ args, code, stderr }).toEqual({ args, code: 0, stderr: '' })
    }
  })

  it('migrates a database and reports it up to date the second time', async () => {
    const directory = dataDir()
    const first = await runRampart(['migrate', '--data-dir', directory]).exit
    expect(first.stdout).toContain('Success: 0001-foundation')
    const second = await runRampart(['migrate', '--data-dir', directory]).exit
    expect(second.stdout).toContain('database is up to date')
  })
})

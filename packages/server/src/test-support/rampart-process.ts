/**
 * For tests: `rampart start` as a real child process (from source, through tsx), so a test
 * can run several replicas on one database and kill one with SIGKILL.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'

const mainPath = resolve(import.meta.dirname, '../main.ts')

export interface RampartProcess {
  readonly url: string
  readonly pid: number
  readonly child: ChildProcess
  /** SIGTERM, then the exit code once the process has drained and exited. */
  stop(): Promise<number | null>
  /** SIGKILL: no drain, no cleanup, as when a machine dies. */
  kill(): Promise<void>
}

export interface RampartProcessOptions {
  /** Arguments after `start`, e.g. `['--config', file]`. */
  readonly args?: readonly string[]
  /** Environment on top of this process's own. */
  readonly env?: Readonly<Record<string, string>>
  readonly startTimeoutMs?: number
}

/** Starts Rampart and resolves once it logs the address it listens on. */
export function startRampartProcess(options: RampartProcessOptions = {}): Promise<RampartProcess> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', mainPath, 'start', ...(options.args ?? [])],
    {
      env: { ...process.env, RAMPART_LOG_LEVEL: 'info', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)))
  const timeoutMs = options.startTimeoutMs ?? 30_000
  let output = ''
  return new Promise((ready, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`no start within ${timeoutMs} ms: ${output}`)),
      timeoutMs,
    )
    // Keep reading both streams for the process's whole life so it never blocks on a pipe.
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stdout.on('data', (chunk: Buffer) => {
      if (output.length < 200_000) output += chunk.toString()
      const match = /"msg":"listening on (http:\/\/[^"]+)"/.exec(output)
      if (match?.[1] === undefined || child.pid === undefined) return
      clearTimeout(timer)
      ready({
        url: match[1],
        pid: child.pid,
        child,
        stop: () => {
          child.kill('SIGTERM')
          return exited
        },
        kill: async () => {
          child.kill('SIGKILL')
          await exited
        },
      })
    })
    void exited.then((code) => {
      clearTimeout(timer)
      fail(new Error(`exited with ${code}: ${output}`))
    })
  })
}

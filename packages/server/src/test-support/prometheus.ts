import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import bcrypt from 'bcryptjs'

/** The real Prometheus used for differential tests and benchmarks (Debian's package). */
export const prometheusBinary = process.env.PROMETHEUS_BINARY ?? '/usr/bin/prometheus'

export function prometheusInstalled(): boolean {
  return existsSync(prometheusBinary)
}

/** A Prometheus running on a loopback port with remote write enabled. */
export interface RunningPrometheus {
  readonly url: string
  /** Headers every request needs: the Authorization header when basic auth is on. */
  readonly headers: Readonly<Record<string, string>>
  stop(): void
}

export interface PrometheusOptions {
  /** Require HTTP basic auth on every endpoint (Prometheus's `--web.config.file`). */
  readonly basicAuth?: { readonly username: string; readonly password: string }
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/**
 * Starts Prometheus with an empty scrape configuration and a throwaway TSDB, and resolves
 * once `/-/ready` answers; `stop` kills it and removes its data.
 */
export async function startPrometheus(options: PrometheusOptions = {}): Promise<RunningPrometheus> {
  const workDir = mkdtempSync(join(tmpdir(), 'rampart-prometheus-'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  writeFileSync(join(workDir, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\n')
  const headers: Record<string, string> = {}
  const webArguments: string[] = []
  if (options.basicAuth !== undefined) {
    const { username, password } = options.basicAuth
    // Prometheus stores the password as a bcrypt hash; a low cost keeps start-up quick.
    const hash = bcrypt.hashSync(password, 4)
    writeFileSync(join(workDir, 'web.yml'), `basic_auth_users:\n  ${username}: '${hash}'\n`)
    webArguments.push(`--web.config.file=${join(workDir, 'web.yml')}`)
    headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`
  }
  const child = spawn(
    prometheusBinary,
    [
      `--config.file=${join(workDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(workDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      '--storage.tsdb.retention.time=1d',
      ...webArguments,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let log = ''
  child.stderr.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)))
  const stop = (): void => {
    child.kill('SIGTERM')
    rmSync(workDir, { recursive: true, force: true })
  }

  for (let attempt = 0; ; attempt++) {
    const ready = await fetch(`${url}/-/ready`, { headers }).catch(() => undefined)
    if (ready?.status === 200) return { url, headers, stop }
    if (attempt > 150 || child.exitCode !== null) {
      stop()
      throw new Error(`Prometheus did not start:\n${log.slice(-2000)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

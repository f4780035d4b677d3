import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The real Prometheus used for differential tests and benchmarks (Debian's package). */
export const prometheusBinary = process.env.PROMETHEUS_BINARY ?? '/usr/bin/prometheus'

export function prometheusInstalled(): boolean {
  return existsSync(prometheusBinary)
}

/** A Prometheus running on a loopback port with remote write enabled. */
export interface RunningPrometheus {
  readonly url: string
  stop(): void
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
export async function startPrometheus(): Promise<RunningPrometheus> {
  const workDir = mkdtempSync(join(tmpdir(), 'rampart-prometheus-'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  writeFileSync(join(workDir, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\n')
  const child = spawn(
    prometheusBinary,
    [
      `--config.file=${join(workDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(workDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      '--storage.tsdb.retention.time=1d',
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
    const ready = await fetch(`${url}/-/ready`).catch(() => undefined)
    if (ready?.status === 200) return { url, stop }
    if (attempt > 150 || child.exitCode !== null) {
      stop()
      throw new Error(`Prometheus did not start:\n${log.slice(-2000)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

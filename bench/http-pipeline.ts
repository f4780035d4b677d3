/**
 * Throughput and p99 latency of a trivial route through Rampart's full request pipeline
 * (request id, trace context, one completion log line, metrics, error handling), against
 * bare Fastify and against the common stack (default pino request logging plus a prom-client
 * histogram), in the same run. Servers run in child processes; autocannon runs here.
 */
import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import autocannon from 'autocannon'
import type { Variant } from './http/server.js'

const durationSeconds = Number(process.env.BENCH_HTTP_SECONDS ?? 8)
const rounds = Number(process.env.BENCH_HTTP_ROUNDS ?? 3)
const connections = 64
const variants: Variant[] = ['bare', 'common', 'rampart']

interface Sample {
  readonly requestsPerSecond: number
  readonly p99Ms: number
}

async function startServer(variant: Variant): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(resolve(import.meta.dirname, 'http/server.ts'), [variant], {
    execArgv: ['--conditions=source', '--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  const port = await new Promise<number>((done, fail) => {
    child.once('message', (message) => done((message as { port: number }).port))
    child.once('exit', (code) => fail(new Error(`${variant} server exited with ${code}`)))
  })
  return { child, port }
}

async function load(port: number, seconds: number): Promise<Sample> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/ping`,
    connections,
    duration: seconds,
  })
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`benchmark saw ${result.non2xx} non-2xx answers and ${result.errors} errors`)
  }
  return { requestsPerSecond: result.requests.average, p99Ms: result.latency.p99 }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? NaN
}

async function measure(variant: Variant): Promise<Sample> {
  const { child, port } = await startServer(variant)
  try {
    await load(port, 2)
    return await load(port, durationSeconds)
  } finally {
    child.kill('SIGKILL')
  }
}

const samples = new Map<Variant, Sample[]>(variants.map((variant) => [variant, []]))
// Rounds interleave the variants so drift in machine load hits them all alike.
for (let round = 0; round < rounds; round++) {
  for (const variant of variants) samples.get(variant)?.push(await measure(variant))
}

const bareRate = median(samples.get('bare')?.map((sample) => sample.requestsPerSecond) ?? [])
for (const variant of variants) {
  const list = samples.get(variant) ?? []
  const requestsPerSecond = median(list.map((sample) => sample.requestsPerSecond))
  console.log(
    JSON.stringify({
      bench: 'http.pipeline',
      variant,
      anchor: 'bare',
      requestsPerSecond: Math.round(requestsPerSecond),
      p99Ms: median(list.map((sample) => sample.p99Ms)),
      ratioToAnchor: Math.round((requestsPerSecond / bareRate) * 1000) / 1000,
      rounds,
      durationSeconds,
      connections,
    }),
  )
}

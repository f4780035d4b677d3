/**
 * Throughput of a trivial route with the SDK's `observe + authenticate + authorize` (a valid
 * bearer token on every request, so the cached-token path, and a decision from the policy
 * snapshot the stand-in provider serves), against the same route bare and against the
 * common stack (pino request logging plus a prom-client histogram, no authentication), for
 * Express and for Fastify, in the same run. Servers run in child processes; autocannon runs
 * here with 64 connections.
 */
import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import autocannon from 'autocannon'
import type { Framework, Variant } from './sdk/server.js'

const durationSeconds = Number(process.env.BENCH_HTTP_SECONDS ?? 6)
const rounds = Number(process.env.BENCH_HTTP_ROUNDS ?? 3)
const connections = 64
const frameworks: Framework[] = ['express', 'fastify']
const variants: Variant[] = ['bare', 'common', 'rampart']

interface Sample {
  readonly requestsPerSecond: number
  readonly p99Ms: number
  /** Server CPU time per request: steadier than throughput on a shared machine. */
  readonly cpuMicrosPerRequest: number
}

async function startServer(framework: Framework, variant: Variant) {
  const child: ChildProcess = fork(
    resolve(import.meta.dirname, 'sdk/server.ts'),
    [framework, variant],
    {
      execArgv: ['--conditions=source', '--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  )
  const ready = await new Promise<{ port: number; token: string }>((done, fail) => {
    child.once('message', (message) => done(message as { port: number; token: string }))
    child.once('exit', (code) =>
      fail(new Error(`${framework} ${variant} server exited with ${code}`)),
    )
  })
  return { child, ...ready }
}

function serverCpuMicros(child: ChildProcess): Promise<number> {
  return new Promise((done) => {
    child.once('message', (message) => done((message as { cpuMicros: number }).cpuMicros))
    child.send('cpu')
  })
}

async function load(port: number, token: string, seconds: number) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/ping`,
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${token}` },
  })
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`benchmark saw ${result.non2xx} non-2xx answers and ${result.errors} errors`)
  }
  return {
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? NaN
}

async function measure(framework: Framework, variant: Variant): Promise<Sample> {
  const { child, port, token } = await startServer(framework, variant)
  try {
    await load(port, token, 2)
    const cpuBefore = await serverCpuMicros(child)
    const { requestsPerSecond, p99Ms, requests } = await load(port, token, durationSeconds)
    const cpuMicrosPerRequest = ((await serverCpuMicros(child)) - cpuBefore) / requests
    return { requestsPerSecond, p99Ms, cpuMicrosPerRequest }
  } finally {
    child.kill('SIGKILL')
  }
}

for (const framework of frameworks) {
  const samples = new Map<Variant, Sample[]>(variants.map((variant) => [variant, []]))
  // Rounds interleave the variants so drift in machine load hits them all alike.
  for (let round = 0; round < rounds; round++) {
    for (const variant of variants) samples.get(variant)?.push(await measure(framework, variant))
  }

  const rateOf = (variant: Variant) =>
    median(samples.get(variant)?.map((sample) => sample.requestsPerSecond) ?? [])
  const cpuOf = (variant: Variant) =>
    median(samples.get(variant)?.map((sample) => sample.cpuMicrosPerRequest) ?? [])
  for (const variant of variants) {
    const requestsPerSecond = rateOf(variant)
    console.log(
      JSON.stringify({
        bench: 'sdk.middleware',
        framework,
        variant,
        stack: {
          bare: 'none',
          common: 'pino request log + histogram',
          rampart: 'observe + authenticate + authorize',
        }[variant],
        anchor: 'bare',
        requestsPerSecond: Math.round(requestsPerSecond),
        p99Ms: median(samples.get(variant)?.map((sample) => sample.p99Ms) ?? []),
        ratioToAnchor: Math.round((requestsPerSecond / rateOf('bare')) * 1000) / 1000,
        cpuMicrosPerRequest: Math.round(cpuOf(variant) * 10) / 10,
        // Throughput one core would reach at this CPU cost, relative to bare.
        cpuRatioToAnchor: Math.round((cpuOf('bare') / cpuOf(variant)) * 1000) / 1000,
        target: variant === 'rampart' ? '>= 0.70 of bare' : undefined,
        rounds,
        durationSeconds,
        connections,
      }),
    )
  }
}

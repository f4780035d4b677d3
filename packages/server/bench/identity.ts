/**
 * Identity benchmarks, each beside an anchor measured in the same run.
 *
 *   node --conditions=source --import tsx packages/server/bench/identity.ts [seconds, default 10]
 *
 * - `identity.argon2`: ms per argon2id hash at the default parameters (m=19 MiB, t=2, p=1),
 *   one at a time and as hashes/s with 8 in flight (libuv's thread pool).
 * - `identity.client_credentials`: tokens/s and p99 with 50 connections against a Rampart in
 *   another process, opaque and RFC 9068 JWT tokens; anchor: `/healthz` on the same server
 *   (the platform's request pipeline alone).
 * - `identity.login_flood`: event-loop delay p99 in the server while 400 password logins run
 *   at once, and the latency of `/healthz` polled meanwhile.
 */
import { fork } from 'node:child_process'
import { resolve } from 'node:path'

import { hash } from '@node-rs/argon2'
import type { Algorithm } from '@node-rs/argon2'
import autocannon from 'autocannon'

const seconds = Number(process.argv[2] ?? 10)
const connections = 50
const argon2id = 2 as Algorithm
const parameters = { algorithm: argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 }

function print(record: Record<string, unknown>): void {
  console.log(JSON.stringify(record))
}

async function benchArgon2(): Promise<void> {
  await hash('warm up', parameters)
  const sequential = 20
  let started = performance.now()
  for (let index = 0; index < sequential; index++) await hash(`password ${index}`, parameters)
  const perHashMs = (performance.now() - started) / sequential

  const parallel = 64
  started = performance.now()
  await Promise.all(
    Array.from({ length: parallel }, (_, index) => hash(`password ${index}`, parameters)),
  )
  const parallelMs = performance.now() - started
  print({
    bench: 'identity.argon2',
    parameters: 'm=19456,t=2,p=1',
    msPerHash: Math.round(perHashMs * 100) / 100,
    hashesPerSecondConcurrent: Math.round((parallel / parallelMs) * 1000),
  })
}

interface Server {
  url: string
  clientId: string
  clientSecret: string
  send(message: object): void
  next(): Promise<Record<string, unknown>>
  stop(): void
}

async function startServer(): Promise<Server> {
  const child = fork(resolve(import.meta.dirname, 'identity-server.ts'), [], {
    execArgv: ['--conditions=source', '--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  const messages: Record<string, unknown>[] = []
  const waiting: ((message: Record<string, unknown>) => void)[] = []
  child.on('message', (message) => {
    const record = message as Record<string, unknown>
    const waiter = waiting.shift()
    if (waiter === undefined) messages.push(record)
    else waiter(record)
  })
  const next = () =>
    new Promise<Record<string, unknown>>((done, fail) => {
      const queued = messages.shift()
      if (queued !== undefined) done(queued)
      else waiting.push(done)
      child.once('exit', (code) => fail(new Error(`server exited with ${code}`)))
    })
  const ready = (await next()) as { url: string; clientId: string; clientSecret: string }
  return {
    ...ready,
    send: (message) => child.send(message),
    next,
    stop: () => child.kill('SIGTERM'),
  }
}

async function load(
  server: Server,
  path: string,
  body?: string,
): Promise<{ perSecond: number; p99Ms: number }> {
  const basic = Buffer.from(`${server.clientId}:${server.clientSecret}`).toString('base64')
  const options = {
    url: `${server.url}${path}`,
    connections,
    duration: seconds,
    ...(body === undefined
      ? {}
      : {
          method: 'POST' as const,
          body,
          headers: {
            authorization: `Basic ${basic}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
        }),
  }
  await autocannon({ ...options, duration: 2 })
  const result = await autocannon(options)
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${path}: ${result.non2xx} non-2xx answers and ${result.errors} errors`)
  }
  return { perSecond: Math.round(result.requests.average), p99Ms: result.latency.p99 }
}

async function benchTokens(server: Server): Promise<void> {
  const anchor = await load(server, '/healthz')
  const opaque = await load(server, '/oidc/token', 'grant_type=client_credentials')
  const jwt = await load(
    server,
    '/oidc/token',
    'grant_type=client_credentials&scope=read&resource=https%3A%2F%2Fapi.example.com',
  )
  for (const [format, sample] of [
    ['opaque', opaque],
    ['jwt', jwt],
  ] as const) {
    print({
      bench: 'identity.client_credentials',
      format,
      connections,
      tokensPerSecond: sample.perSecond,
      p99Ms: sample.p99Ms,
      anchor: '/healthz on the same server',
      anchorPerSecond: anchor.perSecond,
      anchorP99Ms: anchor.p99Ms,
      target: '>= 1500 tokens/s, p99 < 25 ms',
    })
  }
}

async function benchLoginFlood(server: Server): Promise<void> {
  const logins = 400
  const latencies: number[] = []
  let polling = true
  const poll = (async () => {
    while (polling) {
      const started = performance.now()
      const response = await fetch(`${server.url}/healthz`)
      await response.arrayBuffer()
      if (response.status !== 200) throw new Error(`/healthz answered ${response.status}`)
      latencies.push(performance.now() - started)
      await new Promise((done) => setTimeout(done, 20))
    }
  })()
  server.send({ flood: logins })
  const { flood } = (await server.next()) as { flood: Record<string, number> }
  polling = false
  await poll
  latencies.sort((a, b) => a - b)
  const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? NaN
  print({
    bench: 'identity.login_flood',
    ...flood,
    healthzPolls: latencies.length,
    healthzP99Ms: Math.round(p99 * 100) / 100,
    target: 'event-loop lag p99 < 20 ms, /healthz answering',
  })
}

await benchArgon2()
const server = await startServer()
try {
  await benchTokens(server)
  await benchLoginFlood(server)
} finally {
  server.stop()
}

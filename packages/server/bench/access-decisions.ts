/**
 * Access decision benchmark on the policy shape (1,000 roles in 5 levels, 10,000
 * bindings, 100 conditional permissions): local evaluation from a snapshot on pairs never
 * asked before, plain and with a CEL condition; node-casbin's Enforcer and CachedEnforcer on
 * the same RBAC policy in the same run; and POST /v1/access/check over HTTP at 64
 * connections. Prints one JSON line per measurement.
 *
 *     node --conditions=source --import tsx packages/server/bench/access-decisions.ts
 */
import { fork } from 'node:child_process'
import { resolve } from 'node:path'

import autocannon from 'autocannon'
import { newEnforcer, newCachedEnforcer, newModelFromString, StringAdapter } from 'casbin'

import { compileSnapshot } from '@rampart/access-engine'
import type { BenchPolicy } from './access/policy-shape.js'
import { buildBenchPolicy, conditionalPairs, plainPairs } from './access/policy-shape.js'

const httpSeconds = Number(process.env.BENCH_HTTP_SECONDS ?? 8)
const checkToken = 'bench-check-token-0123456789'

function percentile(sortedNs: Float64Array, fraction: number): number {
  return sortedNs[Math.min(sortedNs.length - 1, Math.floor(sortedNs.length * fraction))] ?? NaN
}

/** Times each call on its own; returns p50 and p99 in microseconds. */
function latencies(count: number, run: (index: number) => unknown) {
  const samples = new Float64Array(count)
  for (let index = 0; index < count; index += 1) {
    const started = process.hrtime.bigint()
    run(index)
    samples[index] = Number(process.hrtime.bigint() - started)
  }
  samples.sort()
  return {
    p50Us: Math.round(percentile(samples, 0.5)) / 1000,
    p99Us: Math.round(percentile(samples, 0.99)) / 1000,
  }
}

async function asyncLatencies(count: number, run: (index: number) => Promise<unknown>) {
  const samples = new Float64Array(count)
  for (let index = 0; index < count; index += 1) {
    const started = process.hrtime.bigint()
    await run(index)
    samples[index] = Number(process.hrtime.bigint() - started)
  }
  samples.sort()
  return {
    p50Us: Math.round(percentile(samples, 0.5)) / 1000,
    p99Us: Math.round(percentile(samples, 0.99)) / 1000,
  }
}

function print(line: Record<string, unknown>): void {
  console.log(JSON.stringify({ bench: 'access', ...line }))
}

function measureLocal(policy: BenchPolicy) {
  const started = process.hrtime.bigint()
  const evaluator = compileSnapshot(policy.snapshot)
  const compileMs = Number(process.hrtime.bigint() - started) / 1e6
  print({ measure: 'local.compile', compileMs: Math.round(compileMs) })

  // Warm the code paths on pairs of their own, so JIT tiers are not timed.
  for (const [subject, permission] of plainPairs(policy, 20_000, 7)) {
    evaluator.check({ subject, permission })
  }

  const timed = plainPairs(policy, 400_000, 11)
  const plain = latencies(200_000, (index) => {
    const [subject, permission] = timed[index] as [string, string]
    return evaluator.check({ subject, permission })
  })
  const loopStart = process.hrtime.bigint()
  let allowed = 0
  for (let index = 200_000; index < 400_000; index += 1) {
    const [subject, permission] = timed[index] as [string, string]
    if (evaluator.check({ subject, permission }).allowed) allowed += 1
  }
  const loopSeconds = Number(process.hrtime.bigint() - loopStart) / 1e9
  print({
    measure: 'local.plain',
    pairs: 'never asked before',
    ...plain,
    checksPerSecond: Math.round(200_000 / loopSeconds),
    allowedShare: Math.round((allowed / 200_000) * 1000) / 1000,
    targetP99Us: 2,
    targetChecksPerSecond: 500_000,
  })

  const cel = conditionalPairs(policy, 60_000)
  const half = Math.floor(cel.length / 2)
  const request = (index: number) => {
    const [subject, permission] = cel[index] as [string, string]
    const owner = index % 2 === 0 ? subject.slice(5) : 'someone-else'
    return {
      subject,
      permission,
      resource: {
        type: permission.slice(0, permission.indexOf(':')),
        id: 'x',
        attributes: { ownerId: owner },
      },
    }
  }
  for (let index = 0; index < 5000; index += 1) evaluator.check(request(index))
  const celTimes = latencies(half - 5000, (index) => evaluator.check(request(index + 5000)))
  const celStart = process.hrtime.bigint()
  for (let index = half; index < cel.length; index += 1) evaluator.check(request(index))
  const celSeconds = Number(process.hrtime.bigint() - celStart) / 1e9
  print({
    measure: 'local.cel',
    pairs: 'never asked before, condition evaluated',
    ...celTimes,
    checksPerSecond: Math.round((cel.length - half) / celSeconds),
    targetP99Us: 10,
  })
  return plain.p99Us
}

const casbinModel = `
[request_definition]
r = sub, obj, act
[policy_definition]
p = sub, obj, act
[role_definition]
g = _, _
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
m = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act
`

function casbinPolicy(policy: BenchPolicy): string {
  const lines: string[] = []
  for (const role of policy.snapshot.roles) {
    for (const held of role.permissions) {
      const [resource, action] = held.permission.split(':')
      lines.push(`p, ${role.name}, ${resource}, ${action}`)
    }
    for (const parent of role.parents) lines.push(`g, ${role.name}, ${parent}`)
  }
  for (const binding of policy.snapshot.bindings)
    lines.push(`g, ${binding.subject}, ${binding.role}`)
  return lines.join('\n')
}

async function measureCasbin(policy: BenchPolicy, rampartP99Us: number) {
  const text = casbinPolicy(policy)
  const plain = await newEnforcer(newModelFromString(casbinModel), new StringAdapter(text))
  const pairs = plainPairs(policy, 4000, 13).map(([subject, permission]) => {
    const [resource, action] = permission.split(':') as [string, string]
    return [subject, resource, action] as const
  })
  for (const pair of pairs.slice(0, 200)) plain.enforceSync(...pair)
  const uncached = latencies(3000, (index) => plain.enforceSync(...(pairs[index + 1000] ?? [])))
  print({
    measure: 'casbin.enforcer',
    pairs: 'never asked before',
    ...uncached,
    rampartLocalP99Us: rampartP99Us,
    ratioCasbinToRampartP99: Math.round((uncached.p99Us / rampartP99Us) * 10) / 10,
  })

  const cached = await newCachedEnforcer(newModelFromString(casbinModel), new StringAdapter(text))
  for (const pair of pairs.slice(0, 2000)) await cached.enforce(...pair)
  const repeat = await asyncLatencies(20_000, (index) =>
    cached.enforce(...(pairs[index % 2000] ?? [])),
  )
  print({
    measure: 'casbin.cachedEnforcer',
    pairs: 'exact repeats already cached',
    ...repeat,
    rampartLocalP99Us: rampartP99Us,
    ratioCasbinToRampartP99: Math.round((repeat.p99Us / rampartP99Us) * 10) / 10,
  })
}

async function measureHttp(policy: BenchPolicy) {
  const child = fork(resolve(import.meta.dirname, 'access/http-server.ts'), [], {
    execArgv: ['--conditions=source', '--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  try {
    const port = await new Promise<number>((done, fail) => {
      child.once('message', (message) => done((message as { port: number }).port))
      child.once('exit', (code) => fail(new Error(`server exited with ${code}`)))
    })
    const requests = plainPairs(policy, 1000, 17).map(([subject, permission]) => ({
      method: 'POST' as const,
      path: '/v1/access/check',
      headers: { authorization: `Bearer ${checkToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ subject, permission }),
    }))
    const run = (duration: number) =>
      autocannon({ url: `http://127.0.0.1:${port}`, connections: 64, duration, requests })
    await run(2)
    const result = await run(httpSeconds)
    if (result.non2xx > 0 || result.errors > 0) {
      throw new Error(`HTTP check saw ${result.non2xx} non-2xx answers and ${result.errors} errors`)
    }
    print({
      measure: 'http.check',
      connections: 64,
      checksPerSecond: Math.round(result.requests.average),
      p99Ms: result.latency.p99,
      targetChecksPerSecond: 15_000,
      targetP99Ms: 5,
    })
  } finally {
    child.kill('SIGKILL')
  }
}

const policy = buildBenchPolicy()
const rampartP99Us = measureLocal(policy)
await measureCasbin(policy, rampartP99Us)
if (process.env.BENCH_ACCESS_HTTP !== 'false') await measureHttp(policy)

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresUnavailable, testDatabaseUrl } from '../test-support/postgres.js'
import { TcpProxy } from '../test-support/tcp-proxy.js'
import type { TestApp } from '../test-support/test-app.js'
import { createTestApp } from '../test-support/test-app.js'

async function readyStatus(harness: TestApp): Promise<{ status: number; body: unknown }> {
  const response = await harness.app.server.inject({ method: 'GET', url: '/readyz' })
  return { status: response.statusCode, body: response.json() }
}

async function waitFor(
  harness: TestApp,
  status: number,
  withinMs: number,
): Promise<{ elapsedMs: number; body: unknown }> {
  const started = Date.now()
  for (;;) {
    const result = await readyStatus(harness)
    const elapsedMs = Date.now() - started
    if (result.status === status) return { elapsedMs, body: result.body }
    if (elapsedMs > withinMs)
      throw new Error(`/readyz still ${result.status} after ${elapsedMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe.skipIf(postgresUnavailable !== undefined)('readiness when PostgreSQL goes away', () => {
  const target = new URL(testDatabaseUrl)
  const proxy = new TcpProxy(target.hostname, Number(target.port || 5432))
  let harness: TestApp

  beforeAll(async () => {
    const port = await proxy.start()
    const viaProxy = new URL(testDatabaseUrl)
    viaProxy.port = String(port)
    harness = await createTestApp('postgres', {
      database: { url: viaProxy.toString(), connect_timeout_ms: 1000 },
      readiness: { check_timeout_ms: 1500 },
    })
  })

  afterAll(async () => {
    await proxy.start().catch(() => undefined)
    await harness.dispose()
    await proxy.cut()
  })

  it('turns 503 within 5 s of losing the database and 200 when it returns', async () => {
    expect((await readyStatus(harness)).status).toBe(200)

    await proxy.cut()
    const down = await waitFor(harness, 503, 5000)
    expect(down.elapsedMs).toBeLessThan(5000)
    expect(down.body).toMatchObject({
      status: 'not_ready',
      checks: expect.arrayContaining([
        expect.objectContaining({ name: 'database', status: 'fail' }),
      ]),
    })
    const liveness = await harness.app.server.inject({ method: 'GET', url: '/healthz' })
    expect(liveness.statusCode).toBe(200)

    await proxy.start()
    const up = await waitFor(harness, 200, 10_000)
    expect(up.body).toMatchObject({ status: 'ready' })
  })
})

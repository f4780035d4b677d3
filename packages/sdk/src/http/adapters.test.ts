import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Framework, TestApp } from '../test-support/apps.js'
import { startApp } from '../test-support/apps.js'
import { TestDecisionApi } from '../test-support/decision-api.js'
import { TestIdentityProvider } from '../test-support/identity-provider.js'
import { captureLog } from '../test-support/log-capture.js'
import type { CapturedLog } from '../test-support/log-capture.js'

const provider = new TestIdentityProvider()
const decisions = new TestDecisionApi()
let userToken: string

beforeAll(async () => {
  await provider.start()
  await decisions.start()
  await provider.addKey('es-1', 'ES256')
  userToken = await provider.sign('es-1', { sub: 'user-1' })
})
afterAll(async () => {
  await provider.close()
  await decisions.close()
})

describe.each<Framework>(['express', 'fastify'])('%s adapter', (framework) => {
  let app: TestApp
  let log: CapturedLog

  async function start(extra: { decisionUrl?: string } = {}) {
    log = captureLog()
    app = await startApp(framework, {
      // The decision API and the identity provider are separate stand-ins here.
      url: extra.decisionUrl ?? decisions.url,
      issuer: provider.url,
      service: 'shop',
      audience: 'shop-api',
      logger: { level: 'debug', destination: log.destination },
      serviceToken: () => Promise.resolve('service-token'),
      // The stand-in serves only the check API; local decisions are tested against Rampart.
      access: { localSnapshot: false },
    })
  }

  afterEach(async () => {
    await app.close()
  })

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${userToken}`, ...headers } })

  it('answers 401 problem+json with an RFC 6750 challenge without a token', async () => {
    await start()
    const response = await fetch(`${app.url}/whoami`)
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="shop"')
    expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8')
    const requestId = response.headers.get('x-request-id')
    expect(await response.json()).toEqual({
      type: 'urn:rampart:problem:unauthorized',
      title: 'Authentication required',
      status: 401,
      detail: 'a bearer access token is required',
      code: 'unauthorized',
      requestId,
    })
  })

  it('sets the typed auth of a valid token and passes trace context on', async () => {
    await start()
    const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
    const response = await get('/whoami', { traceparent: incoming, 'x-request-id': 'req-42' })
    expect(response.status).toBe(200)
    expect(response.headers.get('x-request-id')).toBe('req-42')
    const body = (await response.json()) as any
    expect(body.auth).toMatchObject({ subject: 'user-1', clientId: 'shop-web', tokenKind: 'jwt' })
    expect(body.outgoing['x-request-id']).toBe('req-42')
    expect(body.outgoing.traceparent).toMatch(
      /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/,
    )
    expect(body.outgoing.traceparent).not.toContain('b7ad6b7169203331')
  })

  it('replaces a malformed request id and starts a trace for an invalid traceparent', async () => {
    await start()
    const response = await get('/whoami', {
      'x-request-id': 'bad id\twith tabs',
      traceparent: '00-00000000000000000000000000000000-b7ad6b7169203331-01',
    })
    const requestId = response.headers.get('x-request-id')
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/)
    const body = (await response.json()) as any
    expect(body.outgoing.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/)
    expect(body.outgoing.traceparent).not.toContain('0'.repeat(32))
  })

  it('allows by the decision API, sending subject, resource attributes and service token', async () => {
    await start()
    decisions.policy = (query) =>
      query.permission === 'order:read' &&
      `user:${String(query.resource?.attributes?.ownerId)}` === query.subject
    const before = decisions.queries.length

    const own = await get('/orders/1')
    expect(own.status).toBe(200)
    expect(await own.json()).toMatchObject({ id: '1', ownerId: 'user-1' })
    expect(decisions.queries[before]).toEqual({
      subject: 'user:user-1',
      resource: { type: 'order', id: '1', attributes: { ownerId: 'user-1' } },
      permission: 'order:read',
    })
    expect(decisions.authorizations[before]).toBe('Bearer service-token')

    const other = await get('/orders/2')
    expect(other.status).toBe(403)
    expect(await other.json()).toMatchObject({
      code: 'forbidden',
      status: 403,
      detail: 'missing permission order:read',
      permission: 'order:read',
    })
  })

  it('fails closed with 503 when the decision API errors or is unreachable', async () => {
    await start()
    decisions.policy = () => true
    decisions.failWith = 500
    try {
      const response = await get('/orders/1')
      expect(response.status).toBe(503)
      expect(await response.json()).toMatchObject({
        code: 'access_check_unavailable',
        permission: 'order:read',
      })
    } finally {
      decisions.failWith = undefined
    }
    await app.close()

    await start({ decisionUrl: 'http://127.0.0.1:9' })
    const unreachable = await get('/orders/1')
    expect(unreachable.status).toBe(503)
  })

  it('logs request and trace ids on every request line, never the token', async () => {
    await start()
    decisions.policy = () => true
    const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
    await get('/orders/1', { traceparent: incoming, 'x-request-id': 'req-log', cookie: 'sid=abc' })
    await get('/nowhere')

    const lines = log.lines().filter((line) => line.requestId === 'req-log')
    expect(lines.map((line) => line.msg)).toEqual(['order read', 'request completed'])
    for (const line of lines) {
      expect(line.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736')
      expect(line.service).toBe('shop')
    }
    expect(lines[0]?.headers).toBe('[redacted]')
    expect(lines[1]).toMatchObject({ method: 'GET', route: '/orders/:id', statusCode: 200 })
    expect(log.text()).not.toContain(userToken)
    expect(log.text()).not.toContain('sid=abc')
  })

  it('exposes RED, runtime, query and business metrics by route template', async () => {
    await start()
    decisions.policy = () => true
    await get('/orders/1')
    await get('/orders/2')
    await get('/query')
    await get('/nowhere/42')
    await get('/boom')

    const text = await (await fetch(`${app.url}/metrics`)).text()
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/orders\/:id",status_code="200"\} 2/,
    )
    expect(text).toMatch(/http_request_duration_seconds_count\{[^}]*route="unmatched"[^}]*\} 1/)
    expect(text).toMatch(
      /http_request_duration_seconds_count\{[^}]*route="\/boom",status_code="500"/,
    )
    expect(text).not.toContain('/nowhere/42')
    expect(text).toContain('http_requests_in_flight')
    expect(text).toMatch(
      /db_query_duration_seconds_count\{kind="select",table="orders",outcome="ok"\} 1/,
    )
    expect(text).toMatch(/orders_listed_total 1/)
    for (const name of [
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_gc_duration_seconds',
    ]) {
      expect(text).toContain(name)
    }
    expect(log.lines().some((line) => line.statusCode === 500 && line.level === 50)).toBe(true)
  })

  it('serves health and readiness with critical and non-critical checks', async () => {
    await start()
    let cacheUp = true
    let databaseUp = true
    app.rampart.addCheck({
      name: 'database',
      check: () => {
        if (!databaseUp) throw new Error('connect ECONNREFUSED 10.0.0.5:5432')
      },
    })
    app.rampart.addCheck({
      name: 'cache',
      critical: false,
      check: () => {
        if (!cacheUp) throw new Error('down')
      },
    })
    app.rampart.addCheck({
      name: 'slow',
      critical: false,
      timeoutMs: 50,
      check: (signal) =>
        new Promise((resolve) => {
          const timer = setTimeout(resolve, 1_000)
          signal.addEventListener('abort', () => clearTimeout(timer))
        }),
    })

    expect((await fetch(`${app.url}/healthz`)).status).toBe(200)
    const degraded = await fetch(`${app.url}/readyz`)
    expect(degraded.status).toBe(200)
    const body = (await degraded.json()) as any
    expect(body.status).toBe('degraded')
    expect(body.checks.find((check: any) => check.name === 'slow')).toMatchObject({
      status: 'fail',
      error: 'timed out after 50 ms',
    })

    cacheUp = false
    databaseUp = false
    const failing = await fetch(`${app.url}/readyz`)
    expect(failing.status).toBe(503)
    const failed = (await failing.json()) as any
    expect(failed.status).toBe('not_ready')
    expect(failed.checks.find((check: any) => check.name === 'database')).toMatchObject({
      status: 'fail',
      critical: true,
      error: 'failed',
    })
    expect(JSON.stringify(failed)).not.toContain('10.0.0.5')

    databaseUp = true
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200)
    await app.rampart.close()
    expect((await fetch(`${app.url}/readyz`)).status).toBe(503)
  })
})

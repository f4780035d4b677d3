import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createShop } from '../src/app.js'
import type { Shop } from '../src/app.js'
// The SDK's own test stand-ins for Rampart's OpenID provider and decision API.
// TODO(#6): run these tests against a real Rampart once identity (#4) and access (#5) land.
import { TestDecisionApi } from '../../../packages/sdk/src/test-support/decision-api.js'
import { TestIdentityProvider } from '../../../packages/sdk/src/test-support/identity-provider.js'
import { captureLog } from '../../../packages/sdk/src/test-support/log-capture.js'

const provider = new TestIdentityProvider()
const decisions = new TestDecisionApi()
const log = captureLog()
let shop: Shop
let server: Server
let base: string
let alice: string
let bob: string
let admin: string

// The policy the stand-in decision API enforces: customers list, create and read their own
// orders; only the admin exports customers.
decisions.policy = (query) => {
  if (query.subject === 'user:admin') return true
  if (query.permission === 'order:list' || query.permission === 'order:create') return true
  if (query.permission === 'order:read')
    return `user:${String(query.resource?.attributes?.ownerId)}` === query.subject
  return false
}

beforeAll(async () => {
  await provider.start()
  await decisions.start()
  await provider.addKey('es-1', 'ES256')
  alice = await provider.sign('es-1', { sub: 'alice', email: 'alice@example.test', name: 'Alice' })
  bob = await provider.sign('es-1', { sub: 'bob', email: 'bob@example.test' })
  admin = await provider.sign('es-1', { sub: 'admin' })

  shop = createShop({
    rampart: {
      url: decisions.url,
      issuer: provider.url,
      service: 'shop',
      audience: 'shop-api',
      logger: { destination: log.destination },
    },
  })
  server = shop.app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await shop.close()
  await provider.close()
  await decisions.close()
})

function call(path: string, token: string | undefined, init: RequestInit = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (token !== undefined) headers.authorization = `Bearer ${token}`
  return fetch(`${base}${path}`, { ...init, headers: { ...headers, ...(init.headers as object) } })
}

const order = { lines: [{ sku: 'MUG-1', quantity: 2, priceCents: 1250 }] }

describe('the example shop', () => {
  it('is live and ready, with its database check', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200)
    const ready = await fetch(`${base}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      checks: [{ name: 'database', status: 'pass' }],
    })
  })

  it('refuses anonymous callers with a bearer challenge', async () => {
    const response = await call('/orders', undefined)
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="shop"')
  })

  it('places an order and lets only its owner read it', async () => {
    const created = await call('/orders', alice, { method: 'POST', body: JSON.stringify(order) })
    expect(created.status).toBe(201)
    const placed = (await created.json()) as { id: number; totalCents: number; customerId: string }
    expect(placed).toMatchObject({ totalCents: 2500, customerId: 'alice' })
    expect(created.headers.get('location')).toBe(`/orders/${placed.id}`)

    expect((await call(`/orders/${placed.id}`, alice)).status).toBe(200)
    const denied = await call(`/orders/${placed.id}`, bob)
    expect(denied.status).toBe(403)
    expect(await denied.json()).toMatchObject({ code: 'forbidden', permission: 'order:read' })

    const list = (await (await call('/orders', bob)).json()) as { orders: unknown[] }
    expect(list.orders).toEqual([])
  })

  it.each([
    ['no lines', {}, 'lines'],
    ['an empty order', { lines: [] }, 'lines'],
    [
      'a bad sku and quantity',
      { lines: [{ sku: 'mug 1', quantity: 0, priceCents: 5 }] },
      'lines.0.sku',
    ],
  ])('answers 400 problem+json for %s', async (_name, body, field) => {
    const response = await call('/orders', alice, { method: 'POST', body: JSON.stringify(body) })
    expect(response.status).toBe(400)
    expect(response.headers.get('content-type')).toContain('application/problem+json')
    const problem = (await response.json()) as { code: string; errors: { field: string }[] }
    expect(problem.code).toBe('validation_failed')
    expect(problem.errors[0]?.field).toBe(field)
  })

  it('answers malformed JSON and unknown orders with their problem codes', async () => {
    const malformed = await call('/orders', alice, { method: 'POST', body: '{"lines": [' })
    expect([malformed.status, ((await malformed.json()) as { code: string }).code]).toEqual([
      400,
      'malformed_json',
    ])
    const missing = await call('/orders/999999', admin)
    expect([missing.status, ((await missing.json()) as { code: string }).code]).toEqual([
      404,
      'not_found',
    ])
  })

  it('exports customers (PII) only to a caller holding customer:export', async () => {
    await call('/me', alice)
    expect((await call('/exports/customers', alice)).status).toBe(403)
    const exported = await call('/exports/customers', admin)
    expect(exported.status).toBe(200)
    const body = (await exported.json()) as { customers: { id: string; email: string | null }[] }
    expect(body.customers).toContainEqual({
      id: 'alice',
      email: 'alice@example.test',
      name: 'Alice',
    })
  })

  it('carries request id and route template in its metrics and logs, never a token', async () => {
    const response = await call('/orders', alice, { headers: { 'x-request-id': 'shop-test-1' } })
    expect(response.status).toBe(200)

    const metrics = await (await fetch(`${base}/metrics`)).text()
    expect(metrics).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/orders\/:id",status_code="403"\} [1-9]/,
    )
    expect(metrics).toMatch(
      /db_query_duration_seconds_count\{kind="insert",table="orders",outcome="ok"\} [1-9]/,
    )
    expect(metrics).toMatch(/shop_orders_created_total [1-9]/)
    expect(metrics).toContain('nodejs_heap_size_used_bytes')

    const line = log
      .lines()
      .find((entry) => entry.requestId === 'shop-test-1' && entry.msg === 'request completed')
    expect(line).toMatchObject({ route: '/orders', statusCode: 200, service: 'shop' })
    expect(typeof line?.traceId).toBe('string')
    for (const token of [alice, bob, admin]) expect(log.text()).not.toContain(token)
  })
})

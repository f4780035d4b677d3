/**
 * The shop against a real Rampart in process (identity and access modules, SQLite): users
 * sign in through Rampart's pages (authorization code + PKCE) and a back-office service uses
 * the client credentials grant; the shop verifies their JWTs against Rampart's JWKS and
 * decides from Rampart's policy snapshot, with an owner-only rule on reading an order.
 */
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createShop, DEFAULT_AUDIENCE } from '../src/app.js'
import type { Shop } from '../src/app.js'
import { captureLog } from '../../../packages/sdk/src/test-support/log-capture.js'
import {
  accessToken,
  RampartPlatform,
} from '../../../packages/sdk/src/test-support/rampart-platform.js'

// The default the shop runs with must be one Rampart registers as a resource server.
const audience = DEFAULT_AUDIENCE
const log = captureLog()
let rampart: RampartPlatform
let shop: Shop
let server: Server
let base: string
let alice: { token: string; userId: string }
let bob: { token: string; userId: string }
let backOffice: string

beforeAll(async () => {
  rampart = await RampartPlatform.start(audience, ['orders:read', 'orders:write'])

  // Customers list, create and read their own orders; the back office reads any order and
  // exports customers.
  await rampart.access('PUT', '/roles/customer', {
    permissions: [
      { permission: 'order:list' },
      { permission: 'order:create' },
      { permission: 'order:read', condition: 'resource.ownerId == subject.id' },
    ],
  })
  await rampart.access('PUT', '/roles/back-office', {
    permissions: [{ permission: 'order:*' }, { permission: 'customer:export' }],
  })
  alice = await rampart.userToken('alice@example.test')
  bob = await rampart.userToken('bob@example.test')
  const client = await rampart.createServiceClient('back-office')
  backOffice = await rampart.clientToken(client)
  await rampart.bind(`user:${alice.userId}`, 'customer')
  await rampart.bind(`user:${bob.userId}`, 'customer')
  await rampart.bind(`client:${client.clientId}`, 'back-office')

  shop = createShop({
    rampart: {
      url: rampart.url,
      service: 'shop',
      audience,
      serviceToken: () => Promise.resolve(accessToken),
      logger: { destination: log.destination },
    },
  })
  server = shop.app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server?.closeAllConnections()
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  await shop?.close()
  await rampart?.dispose()
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
    const created = await call('/orders', alice.token, {
      method: 'POST',
      body: JSON.stringify(order),
    })
    expect(created.status).toBe(201)
    const placed = (await created.json()) as { id: number; totalCents: number; customerId: string }
    expect(placed).toMatchObject({ totalCents: 2500, customerId: alice.userId })
    expect(created.headers.get('location')).toBe(`/orders/${placed.id}`)

    expect((await call(`/orders/${placed.id}`, alice.token)).status).toBe(200)
    const denied = await call(`/orders/${placed.id}`, bob.token)
    expect(denied.status).toBe(403)
    expect(await denied.json()).toMatchObject({ code: 'forbidden', permission: 'order:read' })

    const list = (await (await call('/orders', bob.token)).json()) as { orders: unknown[] }
    expect(list.orders).toEqual([])

    // The back office's client credentials token reads any order.
    expect((await call(`/orders/${placed.id}`, backOffice)).status).toBe(200)
  })

  it('knows the signed-in user from the PKCE token and decides every request locally', async () => {
    const me = await call('/me', alice.token)
    expect(me.status).toBe(200)
    expect(await me.json()).toMatchObject({ id: alice.userId })

    expect(rampart.requestsTo('/v1/access/check')).toBe(0)
    const metrics = await (await fetch(`${base}/metrics`)).text()
    expect(metrics).toMatch(
      /rampart_access_decisions_total\{source="local",outcome="allowed"\} [1-9]/,
    )
    expect(metrics).toMatch(
      /rampart_access_decisions_total\{source="local",outcome="denied"\} [1-9]/,
    )
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
    const response = await call('/orders', alice.token, {
      method: 'POST',
      body: JSON.stringify(body),
    })
    expect(response.status).toBe(400)
    expect(response.headers.get('content-type')).toContain('application/problem+json')
    const problem = (await response.json()) as { code: string; errors: { field: string }[] }
    expect(problem.code).toBe('validation_failed')
    expect(problem.errors[0]?.field).toBe(field)
  })

  it('answers malformed JSON and unknown orders with their problem codes', async () => {
    const malformed = await call('/orders', alice.token, { method: 'POST', body: '{"lines": [' })
    expect([malformed.status, ((await malformed.json()) as { code: string }).code]).toEqual([
      400,
      'malformed_json',
    ])
    const missing = await call('/orders/999999', backOffice)
    expect([missing.status, ((await missing.json()) as { code: string }).code]).toEqual([
      404,
      'not_found',
    ])
  })

  it('exports customers (PII) only to a caller holding customer:export', async () => {
    await call('/me', alice.token)
    expect((await call('/exports/customers', alice.token)).status).toBe(403)
    const exported = await call('/exports/customers', backOffice)
    expect(exported.status).toBe(200)
    const body = (await exported.json()) as { customers: { id: string }[] }
    expect(body.customers.map((customer) => customer.id)).toContain(alice.userId)
  })

  it('carries request id and route template in its metrics and logs, never a token', async () => {
    const response = await call('/orders', alice.token, {
      headers: { 'x-request-id': 'shop-test-1' },
    })
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
    for (const token of [alice.token, bob.token, backOffice])
      expect(log.text()).not.toContain(token)
  })
})

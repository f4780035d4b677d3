import type { AddressInfo } from 'node:net'
import express from 'express'
import Fastify from 'fastify'
import type { RampartOptions } from '../options.js'
import type { RampartCore } from '../rampart.js'
import { createRampart as createExpressRampart } from '../express/index.js'
import { createRampart as createFastifyRampart } from '../fastify/index.js'

export type Framework = 'express' | 'fastify'

export interface TestApp {
  readonly url: string
  readonly rampart: RampartCore
  close(): Promise<void>
}

/** The orders every test app serves; tests add orders owned by real users. */
export const orders = new Map([
  ['1', { id: '1', ownerId: 'user-1', total: 30 }],
  ['2', { id: '2', ownerId: 'user-2', total: 45 }],
])

function loadOrder(id: string) {
  const order = orders.get(id)
  return Promise.resolve(order && { id: order.id, attributes: { ownerId: order.ownerId } })
}

/** A query that really waits a turn of the event loop, like a database driver. */
function selectOrders() {
  return new Promise<unknown[]>((resolve) => setImmediate(() => resolve([...orders.values()])))
}

/**
 * The same small order API on Express or Fastify, wired with every part of the SDK, so one
 * suite of tests runs against both adapters:
 * - `GET /orders/:id` needs `order:read` with the order's owner loaded for conditions;
 * - `GET /reports` needs `report:read`, with no loader;
 * - `GET /whoami` echoes `auth` and the trace headers an outgoing call would carry;
 * - `GET /query` times a fake query and counts a business event;
 * - `GET /boom` fails; `GET /public` is open when authentication is optional.
 */
export async function startApp(framework: Framework, options: RampartOptions): Promise<TestApp> {
  return framework === 'express' ? startExpress(options) : startFastify(options)
}

async function startExpress(options: RampartOptions): Promise<TestApp> {
  const rampart = createExpressRampart(options)
  const app = express()
  app.use(rampart.observe())
  app.use(rampart.health())
  app.use(rampart.authenticate())
  const load = (request: express.Request) => loadOrder(String(request.params.id))
  app.get('/orders/:id', rampart.authorize('order', 'read', { load }), (request, response) => {
    request.log?.info({ headers: request.headers, orderId: request.params.id }, 'order read')
    response.json(orders.get(String(request.params.id)) ?? null)
  })
  app.get('/reports', rampart.authorize('report', 'read'), (_request, response) => {
    response.json({ reports: [] })
  })
  app.get('/whoami', (request, response) => {
    response.json({ auth: request.auth, outgoing: rampart.traceHeaders() })
  })
  app.get('/query', async (_request, response) => {
    const rows = await rampart.timeQuery('select', 'orders', selectOrders)
    rampart.counter({ name: 'orders_listed_total', help: 'Order lists served.' }).inc()
    response.json(rows)
  })
  app.get('/boom', () => {
    throw new Error('kaboom')
  })

  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    rampart,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await rampart.close()
    },
  }
}

async function startFastify(options: RampartOptions): Promise<TestApp> {
  const rampart = createFastifyRampart(options)
  const app = Fastify({ loggerInstance: rampart.logger, disableRequestLogging: true })
  await app.register(rampart.observe())
  await app.register(rampart.health())
  await app.register(rampart.authenticate())
  const load = (request: { params: unknown }) => loadOrder((request.params as { id: string }).id)
  app.get<{ Params: { id: string } }>(
    '/orders/:id',
    { preHandler: rampart.authorize('order', 'read', { load }) },
    (request) => {
      request.log.info({ headers: request.headers, orderId: request.params.id }, 'order read')
      return orders.get(request.params.id) ?? null
    },
  )
  app.get('/reports', { preHandler: rampart.authorize('report', 'read') }, () => ({
    reports: [],
  }))
  app.get('/whoami', (request) => ({ auth: request.auth, outgoing: rampart.traceHeaders() }))
  app.get('/query', async () => {
    const rows = await rampart.timeQuery('select', 'orders', selectOrders)
    rampart.counter({ name: 'orders_listed_total', help: 'Order lists served.' }).inc()
    return rows
  })
  app.get('/boom', () => {
    throw new Error('kaboom')
  })

  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    rampart,
    close: async () => {
      await app.close()
      await rampart.close()
    },
  }
}

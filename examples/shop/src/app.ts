import express from 'express'
import type { Request } from 'express'
import { createRampart } from '@rampart/sdk/express'
import type { ExpressRampart, RampartOptions } from '@rampart/sdk/express'
import { problemHandler, sendProblem } from './problems.js'
import { ShopStore } from './store.js'
import { parseOrderBody } from './validation.js'

/**
 * The audience (`aud`) of the shop's tokens when none is configured: the resource server
 * registered at Rampart, whose audience must be an absolute URI.
 */
export const DEFAULT_AUDIENCE = 'https://shop.example'

export interface ShopOptions {
  readonly rampart: RampartOptions
  /** SQLite file; an in-memory database when absent. */
  readonly databasePath?: string
}

export interface Shop {
  readonly app: express.Express
  readonly rampart: ExpressRampart
  readonly store: ShopStore
  close(): Promise<void>
}

function claimString(request: Request, claim: string): string | null {
  const value = request.auth?.claims[claim]
  return typeof value === 'string' ? value : null
}

function subjectOf(request: Request): string {
  if (request.auth === undefined)
    throw new Error('rampart.authenticate() must run before this route')
  return request.auth.subject
}

function orderIdOf(request: Request): number | undefined {
  const id = Number(request.params.id)
  return Number.isSafeInteger(id) && id > 0 ? id : undefined
}

/**
 * The shop: customers and their orders, behind Rampart.
 * - `GET /me`: the caller as a customer (recorded from the token's claims);
 * - `GET /orders`, `POST /orders`: the caller's orders (`order:list`, `order:create`);
 * - `GET /orders/:id`: one order (`order:read`; the owner is passed for an owner-only rule);
 * - `GET /exports/customers`: every customer's e-mail and name (`customer:export`, PII).
 */
export function createShop(options: ShopOptions): Shop {
  const rampart = createRampart(options.rampart)
  const store = new ShopStore(options.databasePath ?? ':memory:', rampart)
  rampart.addCheck({ name: 'database', timeoutMs: 1_000, check: () => store.ping() })

  const ordersCreated = rampart.counter({
    name: 'shop_orders_created_total',
    help: 'Orders placed.',
  })
  const orderValue = rampart.histogram({
    name: 'shop_order_value_euros',
    help: 'Value of placed orders, in euros.',
    buckets: [5, 10, 25, 50, 100, 250, 500, 1000],
  })

  const app = express()
  app.disable('x-powered-by')
  app.use(rampart.observe())
  app.use(rampart.health())
  app.use(rampart.authenticate())
  app.use(express.json({ limit: '16kb' }))

  app.get('/me', async (request, response) => {
    const id = subjectOf(request)
    await store.saveCustomer({
      id,
      email: claimString(request, 'email'),
      name: claimString(request, 'name'),
    })
    response.json(await store.findCustomer(id))
  })

  app.get('/orders', rampart.authorize('order', 'list'), async (request, response) => {
    response.json({ orders: await store.listOrders(subjectOf(request)) })
  })

  // At most 30 orders a minute per customer; counters in this process (pass a Redis client to
  // share them between replicas).
  const orderLimit = rampart.rateLimit({ points: 30, duration: 60, name: 'shop-orders' })
  app.post(
    '/orders',
    orderLimit,
    rampart.authorize('order', 'create'),
    async (request, response) => {
      const parsed = parseOrderBody(request.body)
      if ('errors' in parsed) {
        const summary = parsed.errors.map((error) => `${error.field} ${error.message}`).join('; ')
        return sendProblem(response, 'validation_failed', summary, parsed.errors)
      }
      const customerId = subjectOf(request)
      await store.saveCustomer({
        id: customerId,
        email: claimString(request, 'email'),
        name: claimString(request, 'name'),
      })
      const order = await store.createOrder(customerId, parsed.lines)
      ordersCreated.inc()
      orderValue.observe(order.totalCents / 100)
      request.log?.info({ orderId: order.id, totalCents: order.totalCents }, 'order placed')
      response.status(201).location(`/orders/${order.id}`).json(order)
    },
  )

  // The loader gives the access check the order's owner, for a rule such as
  // `resource.ownerId == subject.id`; a missing order is answered 404 by the handler.
  const loadOrder = async (request: Request) => {
    const id = orderIdOf(request)
    const order = id === undefined ? undefined : await store.findOrder(id)
    return order && { id: String(order.id), attributes: { ownerId: order.customerId } }
  }
  app.get(
    '/orders/:id',
    rampart.authorize('order', 'read', { load: loadOrder }),
    async (request, response) => {
      const id = orderIdOf(request)
      const order = id === undefined ? undefined : await store.findOrder(id)
      if (order === undefined) return sendProblem(response, 'not_found', 'no such order')
      response.json(order)
    },
  )

  // Reading every customer's e-mail is a data access worth an audit record, when the shop
  // is given Rampart's audit ingestion token.
  app.get(
    '/exports/customers',
    rampart.authorize('customer', 'export'),
    async (request, response) => {
      const customers = await store.listCustomers()
      if (rampart.options.audit !== undefined) {
        rampart.dataAccess({
          dataClass: 'pii',
          operation: 'export',
          recordCount: customers.length,
          purpose: 'customer export',
          actor: { type: 'user', id: subjectOf(request) },
          target: { type: 'customer' },
        })
      }
      request.log?.info({ recordCount: customers.length, dataClass: 'pii' }, 'customers exported')
      response.json({ customers })
    },
  )

  app.use((_request, response) => sendProblem(response, 'not_found', 'no such resource'))
  app.use(problemHandler)

  return {
    app,
    rampart,
    store,
    close: async () => {
      await rampart.close()
      store.close()
    },
  }
}

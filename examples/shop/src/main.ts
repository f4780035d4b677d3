/**
 * Runs the shop: `npm start -w examples/shop`. Settings come from the environment:
 * RAMPART_URL (default http://127.0.0.1:8080), RAMPART_CHECK_TOKEN (Rampart's
 * `access.check_token`, for the policy snapshot and access checks; every protected route
 * answers 503 without it), SHOP_AUDIENCE (default https://shop.example: the audience of the
 * resource server registered at Rampart, which must be an absolute URI), SHOP_PORT (default
 * 3000), SHOP_DATABASE (default ./shop.db), SHOP_AUDIT_TOKEN (Rampart's audit ingest token;
 * audit events are off without it), plus the standard OTEL_* variables for tracing. README.md
 * says how to run it against a local Rampart.
 */
import { createShop, DEFAULT_AUDIENCE } from './app.js'

const checkToken = process.env.RAMPART_CHECK_TOKEN

const shop = createShop({
  rampart: {
    url: process.env.RAMPART_URL ?? 'http://127.0.0.1:8080',
    service: 'shop',
    audience: process.env.SHOP_AUDIENCE ?? DEFAULT_AUDIENCE,
    ...(checkToken === undefined ? {} : { serviceToken: () => Promise.resolve(checkToken) }),
    ...(process.env.SHOP_AUDIT_TOKEN === undefined
      ? {}
      : { audit: { token: process.env.SHOP_AUDIT_TOKEN, spillFile: 'shop-audit-spill.jsonl' } }),
  },
  databasePath: process.env.SHOP_DATABASE ?? 'shop.db',
})

const port = Number(process.env.SHOP_PORT ?? 3000)
const server = shop.app.listen(port, '127.0.0.1', () => {
  shop.rampart.logger.info({ port }, 'shop listening')
})

// On SIGTERM: fail readiness first so the load balancer stops sending traffic, finish the
// requests in flight, then flush spans and close the database.
process.once('SIGTERM', () => {
  shop.rampart.drain()
  server.close(() => {
    void shop.close().then(() => process.exit(0))
  })
})

/**
 * One server of the HTTP pipeline benchmark, run in its own process so the load generator
 * does not share its event loop. The variant is the first argument; the port is sent to the
 * parent over IPC. All variants log to stdout, which the parent discards.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { Histogram, Registry } from 'prom-client'
import { createApp } from '../../packages/server/src/app.js'
import { configSchema } from '../../packages/server/src/config/schema.js'

export type Variant = 'bare' | 'common' | 'rampart'

const payload = { ok: true }

async function bare(): Promise<FastifyInstance> {
  const server = Fastify({ logger: false })
  server.get('/ping', () => payload)
  return server
}

/** What many services run: Fastify's default request logging plus a prom-client histogram. */
async function common(): Promise<FastifyInstance> {
  const server = Fastify({ logger: true })
  const registry = new Registry()
  const histogram = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'request duration',
    labelNames: ['method', 'route', 'status_code'],
    registers: [registry],
  })
  server.addHook('onResponse', (request, reply, done) => {
    histogram.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? '',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    )
    done()
  })
  server.get('/ping', () => payload)
  return server
}

async function rampart(): Promise<FastifyInstance> {
  const config = configSchema.parse({
    data_dir: mkdtempSync(join(tmpdir(), 'rampart-bench-')),
    server: { port: 0 },
  })
  const app = await createApp({ config })
  app.server.get('/ping', () => payload)
  return app.server
}

const variants: Record<Variant, () => Promise<FastifyInstance>> = { bare, common, rampart }
const variant = process.argv[2] as Variant
const build = variants[variant]
if (build === undefined) throw new Error(`unknown variant ${variant}`)

const server = await build()
await server.listen({ host: '127.0.0.1', port: 0 })
const address = server.server.address()
if (address === null || typeof address === 'string') throw new Error('no port')
process.send?.({ port: address.port })
process.on('SIGINT', () => process.exit(0))

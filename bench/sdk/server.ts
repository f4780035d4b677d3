/**
 * One server of the SDK middleware benchmark, in its own process so the load generator does
 * not share its event loop. Arguments: framework and variant. It sends its port and a valid
 * access token to the parent over IPC; all variants log to stdout, which the parent discards.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import Fastify from 'fastify'
import { pinoHttp } from 'pino-http'
import { Histogram, Registry } from 'prom-client'
import { SNAPSHOT_FORMAT } from '../../packages/access-engine/src/index.js'
import { createRampart as createExpressRampart } from '../../packages/sdk/src/express/index.js'
import { createRampart as createFastifyRampart } from '../../packages/sdk/src/fastify/index.js'
import { TestIdentityProvider } from '../../packages/sdk/src/test-support/identity-provider.js'

export type Framework = 'express' | 'fastify'
export type Variant = 'bare' | 'common' | 'rampart'

const payload = { ok: true }

function commonHistogram(): Histogram<'method' | 'route' | 'status_code'> {
  return new Histogram({
    name: 'http_request_duration_seconds',
    help: 'request duration',
    labelNames: ['method', 'route', 'status_code'],
    registers: [new Registry()],
  })
}

async function startExpress(variant: Variant, issuer: string): Promise<number> {
  const app = express()
  if (variant === 'common') {
    const histogram = commonHistogram()
    app.use(pinoHttp())
    app.use((request, response, next) => {
      const end = histogram.startTimer()
      response.once('finish', () => {
        const route = (request.route as { path?: string } | undefined)?.path ?? ''
        end({ method: request.method, route, status_code: String(response.statusCode) })
      })
      next()
    })
  }
  const send = (_request: express.Request, response: express.Response) => {
    response.json(payload)
  }
  if (variant === 'rampart') {
    const rampart = createExpressRampart(rampartOptions(issuer))
    app.use(rampart.observe())
    app.use(rampart.authenticate())
    app.get('/ping', rampart.authorize('ping', 'read'), send)
  } else {
    app.get('/ping', send)
  }
  const server: Server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', resolve))
  return (server.address() as AddressInfo).port
}

async function startFastify(variant: Variant, issuer: string): Promise<number> {
  if (variant === 'rampart') return startRampartFastify(issuer)
  const app = Fastify({ logger: variant === 'common' })
  if (variant === 'common') {
    const histogram = commonHistogram()
    app.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? ''
      const labels = { method: request.method, route, status_code: String(reply.statusCode) }
      histogram.observe(labels, reply.elapsedTime / 1000)
      done()
    })
  }
  app.get('/ping', () => payload)
  await app.listen({ host: '127.0.0.1', port: 0 })
  return (app.server.address() as AddressInfo).port
}

async function startRampartFastify(issuer: string): Promise<number> {
  const rampart = createFastifyRampart(rampartOptions(issuer))
  const app = Fastify({ loggerInstance: rampart.logger, disableRequestLogging: true })
  await app.register(rampart.observe())
  await app.register(rampart.authenticate())
  app.get('/ping', { preHandler: rampart.authorize('ping', 'read') }, () => payload)
  await app.listen({ host: '127.0.0.1', port: 0 })
  return (app.server.address() as AddressInfo).port
}

/** The SDK against the stand-in provider, deciding `authorize` from its policy snapshot. */
function rampartOptions(issuer: string) {
  return {
    url: issuer,
    service: 'bench',
    audience: 'shop-api',
    serviceToken: () => Promise.resolve('bench-check-token'),
  }
}

const [framework, variant] = process.argv.slice(2) as [Framework, Variant]
const provider = await new TestIdentityProvider().start()
// The token's subject (user-1) may read pings through one role.
provider.policySnapshot = {
  format: SNAPSHOT_FORMAT,
  version: 1,
  roles: [
    {
      name: 'pinger',
      tenant: null,
      active: true,
      parents: [],
      permissions: [{ permission: 'ping:read' }],
    },
  ],
  bindings: [
    {
      id: 'b1',
      subject: 'user:user-1',
      role: 'pinger',
      tenant: null,
      resource: null,
      expiresAt: null,
    },
  ],
  grants: [],
  groups: [],
}
await provider.addKey('bench-1', 'ES256')
const token = await provider.sign('bench-1', { exp: Math.floor(Date.now() / 1000) + 3600 })
const start = framework === 'express' ? startExpress : startFastify
const port = await start(variant, provider.url)
if (variant === 'rampart') await untilAllowed(port, token)
process.send?.({ port, token })
// CPU time is what the middleware costs, whatever else the machine is doing: the parent asks
// for it before and after a load run.
process.on('message', (message) => {
  if (message === 'cpu') process.send?.({ cpuMicros: cpuMicros() })
})

/** Waits for the first snapshot, so every measured `authorize` decides locally. */
async function untilAllowed(port: number, bearer: string): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const response = await fetch(`http://127.0.0.1:${port}/ping`, {
      headers: { authorization: `Bearer ${bearer}` },
    })
    if (response.ok) return
    if (Date.now() > deadline) throw new Error(`authorize still answers ${response.status}`)
    await new Promise((done) => setTimeout(done, 100))
  }
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage()
  return user + system
}
process.on('SIGINT', () => process.exit(0))

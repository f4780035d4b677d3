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
  if (variant === 'rampart') {
    const rampart = createExpressRampart({ url: issuer, service: 'bench', audience: 'shop-api' })
    app.use(rampart.observe())
    app.use(rampart.authenticate())
  }
  app.get('/ping', (_request, response) => {
    response.json(payload)
  })
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
  const rampart = createFastifyRampart({ url: issuer, service: 'bench', audience: 'shop-api' })
  const app = Fastify({ loggerInstance: rampart.logger, disableRequestLogging: true })
  await app.register(rampart.observe())
  await app.register(rampart.authenticate())
  app.get('/ping', () => payload)
  await app.listen({ host: '127.0.0.1', port: 0 })
  return (app.server.address() as AddressInfo).port
}

const [framework, variant] = process.argv.slice(2) as [Framework, Variant]
const provider = await new TestIdentityProvider().start()
await provider.addKey('bench-1', 'ES256')
const token = await provider.sign('bench-1', { exp: Math.floor(Date.now() / 1000) + 3600 })
const start = framework === 'express' ? startExpress : startFastify
const port = await start(variant, provider.url)
process.send?.({ port, token })
// CPU time is what the middleware costs, whatever else the machine is doing: the parent asks
// for it before and after a load run.
process.on('message', (message) => {
  if (message === 'cpu') process.send?.({ cpuMicros: cpuMicros() })
})

function cpuMicros(): number {
  const { user, system } = process.cpuUsage()
  return user + system
}
process.on('SIGINT', () => process.exit(0))

import type { AddressInfo } from 'node:net'
import express from 'express'
import Fastify from 'fastify'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRampart as createExpressRampart } from '../express/index.js'
import { createRampart as createFastifyRampart } from '../fastify/index.js'

const options = {
  url: 'http://127.0.0.1:9',
  service: 'shop',
  audience: 'shop-api',
  logger: { level: 'silent' as const },
  defaultMetrics: false,
}

type Store = 'memory' | 'redis'
let redis: Redis | undefined
let redisMissing: string | undefined

beforeAll(async () => {
  const client = new Redis({
    host: '127.0.0.1',
    port: 6379,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  })
  try {
    await client.connect()
    await client.ping()
    redis = client
  } catch (error) {
    client.disconnect()
    redisMissing = `Redis at 127.0.0.1:6379 is not reachable: ${String(error)}`
    if (process.env.CI === 'true') throw new Error(redisMissing)
  }
})
afterAll(() => redis?.disconnect())

async function start(framework: 'express' | 'fastify', store: Store, name: string) {
  const limit = { points: 3, duration: 60, name, ...(store === 'redis' ? { redis } : {}) }
  if (framework === 'express') {
    const rampart = createExpressRampart(options)
    const app = express()
    app.use(rampart.observe())
    app.get('/limited', rampart.rateLimit(limit), (_request, response) => {
      response.json({ ok: true })
    })
    const server = app.listen(0, '127.0.0.1')
    await new Promise<void>((resolve) => server.once('listening', resolve))
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    }
  }
  const rampart = createFastifyRampart(options)
  const app = Fastify()
  await app.register(rampart.observe())
  app.get('/limited', { onRequest: rampart.rateLimit(limit) }, () => ({ ok: true }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    close: () => app.close(),
  }
}

describe.each(['express', 'fastify'] as const)('%s rateLimit', (framework) => {
  it.each<Store>(['memory', 'redis'])('refuses beyond the points with 429 (%s)', async (store) => {
    if (store === 'redis' && redis === undefined) {
      console.warn(`skipped: ${redisMissing}`)
      return
    }
    const name = `sdk-test-${framework}-${store}-${Date.now()}`
    const app = await start(framework, store, name)
    try {
      const statuses: number[] = []
      for (let i = 0; i < 4; i++) statuses.push((await fetch(`${app.url}/limited`)).status)
      expect(statuses).toEqual([200, 200, 200, 429])

      const refused = await fetch(`${app.url}/limited`)
      expect(refused.status).toBe(429)
      const retryAfter = Number(refused.headers.get('retry-after'))
      expect(retryAfter).toBeGreaterThan(50)
      expect(retryAfter).toBeLessThanOrEqual(60)
      expect(refused.headers.get('content-type')).toBe('application/problem+json; charset=utf-8')
      expect(await refused.json()).toMatchObject({ code: 'rate_limited', status: 429 })

      if (store === 'redis') {
        // Shared counters: a second replica with the same limit sees the same count.
        const replica = await start(framework, store, name)
        try {
          expect((await fetch(`${replica.url}/limited`)).status).toBe(429)
        } finally {
          await replica.close()
        }
        expect(await redis!.exists(`${name}:ip:127.0.0.1`)).toBe(1)
      }
    } finally {
      await app.close()
    }
  })
})

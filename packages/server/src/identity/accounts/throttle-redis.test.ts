/**
 * Login throttling with `redis.url` set: two replicas on one PostgreSQL schema and one Redis
 * count failures together, per account and per address, and the counters are in Redis, not
 * in the database. Needs the Redis at 127.0.0.1:6379; under CI=true its absence fails.
 */
import { randomBytes } from 'node:crypto'

import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { postgresUnavailable } from '../../test-support/postgres.js'
import { redisUnavailable, testRedisUrl } from '../../test-support/redis.js'
import { TcpProxy } from '../../test-support/tcp-proxy.js'
import type { TestDatabase } from '../../test-support/stores.js'
import { createTestDatabase } from '../../test-support/stores.js'
import type { IdentityTestApp } from '../test-support/identity-app.js'
import { startIdentityApp, testPassword } from '../test-support/identity-app.js'

const unavailable = redisUnavailable ?? postgresUnavailable

describe.skipIf(unavailable !== undefined)('login throttling in Redis across replicas', () => {
  const keyPrefix = `rampart-test-${randomBytes(6).toString('hex')}`
  const config = {
    redis: { url: testRedisUrl, key_prefix: keyPrefix },
    identity: { lockout: { max_failures: 3, ip_max_failures: 5 } },
  }
  let database: TestDatabase
  let first: IdentityTestApp
  let second: IdentityTestApp
  let redis: Redis

  beforeAll(async () => {
    database = await createTestDatabase('postgres')
    first = await startIdentityApp('postgres', config, { database })
    second = await startIdentityApp('postgres', config, { database })
    redis = new Redis(testRedisUrl)
  })

  afterAll(async () => {
    const keys = (await redis?.keys(`${keyPrefix}:*`)) ?? []
    if (keys.length > 0) await redis.del(...keys)
    redis?.disconnect()
    await second?.dispose()
    await first?.dispose()
    await database?.dispose()
  })

  const login = (app: IdentityTestApp, email: string, password: string, ip: string) =>
    app.identity.services.login.authenticate(email, password, { ip })

  it('locks an account on failures counted by both replicas, in Redis', async () => {
    const user = await first.createUser('carol@example.com')
    const ip = '192.0.2.10'
    expect(await login(first, 'carol@example.com', 'wrong', ip)).toMatchObject({ ok: false })
    expect(await login(second, 'carol@example.com', 'wrong', ip)).toMatchObject({ ok: false })
    expect(await login(first, 'carol@example.com', 'wrong', ip)).toMatchObject({ ok: false })

    for (const app of [first, second]) {
      expect(await login(app, 'carol@example.com', testPassword, ip)).toMatchObject({
        ok: false,
        reason: 'locked',
      })
    }
    expect(await redis.keys(`${keyPrefix}:login.account:*`)).toHaveLength(1)
    const rows = await first.test.app.store.db
      .selectFrom('identity_throttle' as never)
      .select((select) => select.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow()
    expect(Number(rows.count)).toBe(0)

    expect((await second.admin('POST', `/users/${user.id}/unlock`)).status).toBe(204)
    expect(await login(first, 'carol@example.com', testPassword, ip)).toMatchObject({ ok: true })
  })

  it('throttles an address on failures counted by both replicas', async () => {
    const ip = '192.0.2.20'
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const app = attempt % 2 === 0 ? first : second
      const result = await login(app, `nobody-${attempt}@example.com`, 'wrong', ip)
      expect(result).toMatchObject({ ok: false, reason: 'unknown_account' })
    }
    for (const app of [first, second]) {
      expect(await login(app, 'someone@example.com', 'wrong', ip)).toMatchObject({
        ok: false,
        reason: 'throttled',
      })
    }
    expect(await redis.exists(`${keyPrefix}:login.ip:${ip}`)).toBe(1)
  })

  it('closes its Redis connection when it stops', async () => {
    const third = await startIdentityApp('postgres', config, { database })
    const client = third.test.app.redis
    expect(client?.status).toBe('ready')
    await third.dispose()
    expect(client?.status).toBe('end')
  })
})

describe.skipIf(unavailable !== undefined)('login throttling while Redis is unreachable', () => {
  let proxy: TcpProxy
  let app: IdentityTestApp

  beforeAll(async () => {
    const target = new URL(testRedisUrl)
    proxy = new TcpProxy(target.hostname, Number(target.port || 6379))
    const port = await proxy.start()
    app = await startIdentityApp('sqlite', {
      redis: {
        url: `redis://127.0.0.1:${port}`,
        key_prefix: `rampart-test-${randomBytes(6).toString('hex')}`,
      },
      identity: { lockout: { max_failures: 2 } },
    })
  })

  afterAll(async () => {
    await app?.dispose()
    await proxy?.cut()
  })

  it('keeps counting in the database and logs the outage once', async () => {
    await app.createUser('dave@example.com')
    await proxy.cut()
    await expect.poll(() => app.test.app.redis?.status).not.toBe('ready')

    const { login } = app.identity.services
    const ip = '192.0.2.30'
    for (let attempt = 0; attempt < 2; attempt += 1) {
      expect(await login.authenticate('dave@example.com', 'wrong', { ip })).toMatchObject({
        ok: false,
        reason: 'wrong_password',
      })
    }
    expect(await login.authenticate('dave@example.com', testPassword, { ip })).toMatchObject({
      ok: false,
      reason: 'locked',
    })
    const rows = await app.test.app.store.db
      .selectFrom('identity_throttle' as never)
      .select((select) => select.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow()
    expect(Number(rows.count)).toBeGreaterThan(0)
    // ioredis reports the outage when its first reconnect fails, which may come after the
    // fallback has already counted; wait for it, then make sure it was said only once.
    const warnings = () =>
      app.test.log.lines().filter((line) => String(line.msg).startsWith('redis unreachable'))
    await expect.poll(() => warnings().length, { timeout: 10_000 }).toBeGreaterThan(0)
    await login.authenticate('dave@example.com', 'wrong', { ip })
    expect(warnings()).toHaveLength(1)
  })
})

/**
 * The SDK against a real Rampart (identity and access modules in process, on SQLite):
 * JWTs from Rampart's token endpoint (client credentials, and authorization code + PKCE
 * through its sign-in pages) are verified against its published JWKS, and `authorize`
 * decides locally from its policy snapshot, through its check API when the snapshot is
 * unusable, and refuses when neither answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { TestApp } from './test-support/apps.js'
import { orders, startApp } from './test-support/apps.js'
import type { CapturedLog } from './test-support/log-capture.js'
import { captureLog } from './test-support/log-capture.js'
import { accessToken, RampartPlatform } from './test-support/rampart-platform.js'
import { SwitchableProxy } from './test-support/switchable-proxy.js'

const audience = 'https://shop.example'
const checkRoute = '/v1/access/check'

let rampart: RampartPlatform

const getOrder = (app: TestApp, id: string, token: string) =>
  fetch(`${app.url}/orders/${id}`, { headers: { authorization: `Bearer ${token}` } })

/** Retries `probe` until it returns true, or fails after `withinMs`; resolves to the wait. */
async function eventually(probe: () => Promise<boolean>, withinMs: number): Promise<number> {
  const started = performance.now()
  while (performance.now() - started < withinMs) {
    if (await probe()) return performance.now() - started
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`not within ${withinMs} ms`)
}

beforeAll(async () => {
  rampart = await RampartPlatform.start(audience, ['orders:read'])
})

afterAll(async () => {
  await rampart?.dispose()
})

describe('the SDK with remote decisions only', () => {
  let shop: TestApp
  let token: string
  let clientId: string

  beforeAll(async () => {
    const client = await rampart.createServiceClient('billing')
    clientId = client.clientId
    token = await rampart.clientToken(client)
    expect(token.split('.')).toHaveLength(3)
    shop = await startApp('express', {
      url: rampart.url,
      service: 'shop',
      audience,
      serviceToken: () => Promise.resolve(accessToken),
      access: { localSnapshot: false },
      logger: { level: 'silent' },
    })
  })

  afterAll(async () => {
    await shop?.close()
  })

  it('verifies the token against the JWKS and authorises through the access API', async () => {
    const whoami = await fetch(`${shop.url}/whoami`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(whoami.status).toBe(200)
    expect(await whoami.json()).toMatchObject({ auth: { subject: clientId, clientId } })

    const refused = await getOrder(shop, '1', token)
    expect(refused.status).toBe(403)
    expect(await refused.json()).toMatchObject({ permission: 'order:read' })

    await rampart.access('PUT', '/roles/order-reader', {
      permissions: [{ permission: 'order:read' }],
    })
    const bindingId = await rampart.bind(`client:${clientId}`, 'order-reader')
    const allowed = await getOrder(shop, '1', token)
    expect(allowed.status).toBe(200)
    expect(await allowed.json()).toMatchObject({ id: '1' })

    await rampart.access('DELETE', `/bindings/${bindingId}`)
    expect((await getOrder(shop, '1', token)).status).toBe(403)
  })

  it('refuses a token whose signature does not match the published keys', async () => {
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const forged = `${header}.${payload}.${signature.slice(0, -4)}AAAA`
    const response = await fetch(`${shop.url}/whoami`, {
      headers: { authorization: `Bearer ${forged}` },
    })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toContain('invalid_token')
  })
})

describe('the SDK deciding locally from the policy snapshot', () => {
  const maxStalenessMs = 1_500
  let proxy: SwitchableProxy
  let shop: TestApp
  let log: CapturedLog
  let ann: { token: string; userId: string }
  let bob: { token: string; userId: string }
  let annBinding: string

  beforeAll(async () => {
    ann = await rampart.userToken('ann@example.com')
    bob = await rampart.userToken('bob@example.com')
    orders.set('ann-1', { id: 'ann-1', ownerId: ann.userId, total: 12 })
    await rampart.access('PUT', '/roles/order-owner', {
      permissions: [{ permission: 'order:read', condition: 'resource.ownerId == subject.id' }],
    })
    annBinding = await rampart.bind(`user:${ann.userId}`, 'order-owner')
    await rampart.bind(`user:${bob.userId}`, 'order-owner')

    // Rampart's access API is reached through a proxy the tests can cut; identity directly.
    proxy = await new SwitchableProxy(rampart.url).start()
    log = captureLog()
    shop = await startApp('fastify', {
      url: proxy.url,
      issuer: rampart.url,
      service: 'shop',
      audience,
      serviceToken: () => Promise.resolve(accessToken),
      timeoutMs: 500,
      access: { snapshotWaitMs: 500, maxStalenessMs, maxBackoffMs: 200 },
      logger: { level: 'info', destination: log.destination },
    })
  })

  let closed = false

  afterAll(async () => {
    if (!closed) await shop?.close()
    await proxy?.close()
  })

  const decisions = async (source: string) => {
    const { body } = await shop.rampart.metrics.exposition()
    const pattern = new RegExp(`^rampart_access_decisions_total\\{source="${source}".* (\\d+)$`)
    return body
      .split('\n')
      .map((line) => pattern.exec(line)?.[1])
      .reduce((sum, count) => sum + Number(count ?? 0), 0)
  }

  it('allows the owner and refuses another user under an owner-only rule, locally', async () => {
    const remoteBefore = rampart.requestsTo(checkRoute)

    const owner = await getOrder(shop, 'ann-1', ann.token)
    expect(owner.status).toBe(200)
    expect(await owner.json()).toMatchObject({ id: 'ann-1', ownerId: ann.userId })

    const other = await getOrder(shop, 'ann-1', bob.token)
    expect(other.status).toBe(403)
    expect(other.headers.get('content-type')).toBe('application/problem+json; charset=utf-8')
    expect(await other.json()).toMatchObject({
      code: 'forbidden',
      status: 403,
      detail: 'missing permission order:read',
      permission: 'order:read',
    })

    expect(rampart.requestsTo(checkRoute)).toBe(remoteBefore)
    expect(await decisions('local')).toBe(2)
    expect(await decisions('remote')).toBe(0)
  })

  it('decides a route without a loader from the snapshot too', async () => {
    const reports = (token: string) =>
      fetch(`${shop.url}/reports`, { headers: { authorization: `Bearer ${token}` } })
    const remoteBefore = rampart.requestsTo(checkRoute)
    const refused = await reports(bob.token)
    expect(refused.status).toBe(403)
    expect(await refused.json()).toMatchObject({ code: 'forbidden', permission: 'report:read' })

    await rampart.access('PUT', '/roles/report-reader', {
      permissions: [{ permission: 'report:read' }],
    })
    const binding = await rampart.bind(`user:${bob.userId}`, 'report-reader')
    await eventually(async () => (await reports(bob.token)).status === 200, 1_000)
    await rampart.access('DELETE', `/bindings/${binding}`)
    await eventually(async () => (await reports(bob.token)).status === 403, 1_000)
    expect(rampart.requestsTo(checkRoute)).toBe(remoteBefore)
  })

  it('refuses within the long-poll latency once the binding is revoked', async () => {
    const remoteBefore = rampart.requestsTo(checkRoute)
    expect((await getOrder(shop, 'ann-1', ann.token)).status).toBe(200)

    await rampart.access('DELETE', `/bindings/${annBinding}`)
    const waitedMs = await eventually(
      async () => (await getOrder(shop, 'ann-1', ann.token)).status === 403,
      1_000,
    )
    expect(waitedMs).toBeLessThan(1_000)
    expect(rampart.requestsTo(checkRoute)).toBe(remoteBefore)

    annBinding = await rampart.bind(`user:${ann.userId}`, 'order-owner')
    await eventually(async () => (await getOrder(shop, 'ann-1', ann.token)).status === 200, 1_000)
  })

  it('asks the check API once the snapshot endpoint is down for longer than allowed', async () => {
    proxy.block((path) => path.startsWith('/v1/access/snapshot'))
    try {
      const remoteBefore = rampart.requestsTo(checkRoute)
      // The owner is never refused on the way: local while fresh, then remote.
      await eventually(async () => {
        expect((await getOrder(shop, 'ann-1', ann.token)).status).toBe(200)
        return rampart.requestsTo(checkRoute) > remoteBefore
      }, maxStalenessMs * 3)
      expect((await getOrder(shop, 'ann-1', ann.token)).status).toBe(200)
      expect((await getOrder(shop, 'ann-1', bob.token)).status).toBe(403)
      expect(await decisions('remote')).toBeGreaterThanOrEqual(3)
    } finally {
      proxy.restore()
    }
    const warnings = log
      .lines()
      .filter((line) => line.msg?.toString().startsWith('policy snapshot'))
    expect(warnings.length).toBeGreaterThanOrEqual(1)
    expect(warnings.length).toBeLessThanOrEqual(2)
  })

  it('fails closed with 503 when neither the snapshot nor the check API answers', async () => {
    proxy.block()
    try {
      await eventually(
        async () => (await getOrder(shop, 'ann-1', ann.token)).status === 503,
        maxStalenessMs * 3,
      )
      const refused = await getOrder(shop, 'ann-1', ann.token)
      expect(refused.status).toBe(503)
      expect(refused.headers.get('retry-after')).toBe('1')
      expect(await refused.json()).toMatchObject({
        code: 'access_check_unavailable',
        permission: 'order:read',
      })
    } finally {
      proxy.restore()
    }
    const unavailable = log
      .lines()
      .filter((line) => line.msg === 'access decisions unavailable, denying requests')
    expect(unavailable).toHaveLength(1)
    expect(log.text()).not.toContain(ann.token)
  })

  it('stops long-polling the snapshot once the SDK is closed', async () => {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
    const snapshotRoute = '/v1/access/snapshot'
    const open = rampart.requestsTo(snapshotRoute)
    await sleep(1_200)
    expect(rampart.requestsTo(snapshotRoute)).toBeGreaterThan(open)

    await shop.close()
    closed = true
    // The long poll in flight is aborted; Rampart may still log its end within its wait.
    await sleep(700)
    const polls = rampart.requestsTo(snapshotRoute)
    await sleep(1_000)
    expect(rampart.requestsTo(snapshotRoute)).toBe(polls)
  })
})

describe('the SDK refusing revoked tokens', () => {
  let shop: TestApp
  let carol: { token: string; userId: string }

  beforeAll(async () => {
    carol = await rampart.userToken('carol@example.com')
    shop = await startApp('express', {
      url: rampart.url,
      service: 'shop',
      audience,
      credentials: await rampart.createServiceClient('shop-introspection'),
      revocation: { checkIntervalMs: 300 },
      logger: { level: 'silent' },
    })
  })

  afterAll(async () => {
    await shop?.close()
  })

  const whoami = (token: string) =>
    fetch(`${shop.url}/whoami`, { headers: { authorization: `Bearer ${token}` } })

  it('refuses a token of a user revoked at Rampart within the check interval', async () => {
    expect((await whoami(carol.token)).status).toBe(200)

    await rampart.revokeUser(carol.userId)
    const waitedMs = await eventually(async () => (await whoami(carol.token)).status === 401, 1_000)
    expect(waitedMs).toBeLessThan(1_000)
  })
})

describe('the SDK with both credentials and a service token', () => {
  let shop: TestApp
  let dave: { token: string; userId: string }

  beforeAll(async () => {
    dave = await rampart.userToken('dave@example.com')
    orders.set('dave-1', { id: 'dave-1', ownerId: dave.userId, total: 7 })
    await rampart.access('PUT', '/roles/order-owner', {
      permissions: [{ permission: 'order:read', condition: 'resource.ownerId == subject.id' }],
    })
    await rampart.bind(`user:${dave.userId}`, 'order-owner')
    // The credentials' client holds no access role: only the service token may read policy.
    shop = await startApp('express', {
      url: rampart.url,
      service: 'shop',
      audience,
      credentials: await rampart.createServiceClient('shop-both'),
      serviceToken: () => Promise.resolve(accessToken),
      revocation: { checkIntervalMs: 300 },
      logger: { level: 'silent' },
    })
  })

  afterAll(async () => {
    await shop?.close()
  })

  it('authorises with the service token and checks revocation with the credentials', async () => {
    expect((await getOrder(shop, 'dave-1', dave.token)).status).toBe(200)

    await rampart.revokeUser(dave.userId)
    const refused = async () => (await getOrder(shop, 'dave-1', dave.token)).status === 401
    expect(await eventually(refused, 1_000)).toBeLessThan(1_000)
  })
})

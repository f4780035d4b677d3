import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RampartAuth } from './types.js'
import { RequestRefusal } from '../errors.js'
import { RampartCore } from '../rampart.js'
import { TestDecisionApi } from '../test-support/decision-api.js'
import { TestIdentityProvider } from '../test-support/identity-provider.js'

const provider = new TestIdentityProvider()
const decisions = new TestDecisionApi()

beforeAll(async () => {
  await provider.start()
  await decisions.start()
  decisions.policy = () => true
})
afterAll(async () => {
  await provider.close()
  await decisions.close()
})

const caller: RampartAuth = {
  subject: 'user-1',
  clientId: undefined,
  scopes: [],
  expiresAt: new Date(Date.now() + 60_000),
  tokenKind: 'jwt',
  claims: {},
}

function core(clientSecret: string, now: () => number) {
  return new RampartCore({
    url: decisions.url,
    issuer: provider.url,
    service: 'shop',
    audience: 'shop-api',
    logger: { level: 'silent' },
    defaultMetrics: false,
    now,
    credentials: { clientId: 'shop', clientSecret, scope: 'access:check', resource: decisions.url },
  })
}

describe('service credentials', () => {
  it('gets a client credentials token, reuses it and renews it before it expires', async () => {
    let clock = Date.now()
    const rampart = core(provider.introspectionClient.clientSecret, () => clock)
    const issuedBefore = provider.tokensIssued

    await Promise.all(
      [1, 2, 3].map(() => rampart.authorizer.authorize(caller, 'order', 'read', undefined)),
    )
    expect(provider.tokensIssued - issuedBefore).toBe(1)
    expect(provider.lastTokenForm?.get('scope')).toBe('access:check')
    expect(provider.lastTokenForm?.get('resource')).toBe(decisions.url)
    const first = decisions.authorizations.at(-1)
    expect(first).toBe(`Bearer service-token-${issuedBefore + 1}`)

    clock += 269_000 // 300 s lifetime, renewed 30 s early
    await rampart.authorizer.authorize(caller, 'order', 'read', undefined)
    expect(provider.tokensIssued - issuedBefore).toBe(1)
    clock += 2_000
    await rampart.authorizer.authorize(caller, 'order', 'read', undefined)
    expect(provider.tokensIssued - issuedBefore).toBe(2)
    expect(decisions.authorizations.at(-1)).toBe(`Bearer service-token-${issuedBefore + 2}`)
  })

  it('fails the access check closed when Rampart refuses the service client', async () => {
    const rampart = core('the wrong secret', Date.now)
    const asked = decisions.queries.length
    const error = await rampart.authorizer
      .authorize(caller, 'order', 'read', undefined)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RequestRefusal)
    expect((error as RequestRefusal).code).toBe('access_check_unavailable')
    expect(decisions.queries.length).toBe(asked)
  })
})

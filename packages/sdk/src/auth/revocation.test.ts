import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RequestRefusal } from '../errors.js'
import type { RampartOptions } from '../options.js'
import { RampartCore } from '../rampart.js'
import { TestIdentityProvider } from '../test-support/identity-provider.js'
import { captureLog } from '../test-support/log-capture.js'

const provider = new TestIdentityProvider()

beforeAll(async () => {
  await provider.start()
  await provider.addKey('es-1', 'ES256')
})
afterAll(() => provider.close())

/** An SDK on a clock the test moves, asking the provider about tokens as its client. */
function rampart(revocation: RampartOptions['revocation'], extra: Partial<RampartOptions> = {}) {
  const clock = { ms: Date.now() }
  const log = captureLog()
  const core = new RampartCore({
    url: provider.url,
    service: 'shop',
    audience: 'shop-api',
    credentials: provider.introspectionClient,
    revocation,
    logger: { level: 'info', destination: log.destination },
    defaultMetrics: false,
    now: () => clock.ms,
    ...extra,
  })
  return { core, clock, log }
}

async function outcome(core: RampartCore, token: string): Promise<string> {
  try {
    await core.authenticator.authenticate(`Bearer ${token}`)
    return 'accepted'
  } catch (error) {
    if (!(error instanceof RequestRefusal)) throw error
    return `${error.status} ${error.code}`
  }
}

describe('authenticate: revoked JWTs through introspection', () => {
  it('refuses a revoked token within the interval, asking once per interval per token', async () => {
    const { core, clock } = rampart({ checkIntervalMs: 10_000 })
    const token = await provider.sign('es-1')
    const other = await provider.sign('es-1', { sub: 'user-2' })
    const asked = provider.introspections

    expect(await outcome(core, token)).toBe('accepted')
    expect(await outcome(core, other)).toBe('accepted')
    expect(core.authenticator.cached(`Bearer ${token}`)).toMatchObject({ subject: 'user-1' })
    expect(await outcome(core, token)).toBe('accepted')
    expect(provider.introspections - asked).toBe(2)

    provider.revokedTokens.add(token)
    clock.ms += 9_000
    expect(await outcome(core, token)).toBe('accepted')
    expect(provider.introspections - asked).toBe(2)

    clock.ms += 2_000
    // Due for a question: the synchronous fast path steps aside.
    expect(core.authenticator.cached(`Bearer ${token}`)).toBeUndefined()
    expect(await outcome(core, token)).toBe('401 invalid_token')
    expect(await outcome(core, other)).toBe('accepted')
    expect(provider.introspections - asked).toBe(4)

    // A revoked answer is final: no further questions about that token.
    clock.ms += 20_000
    expect(await outcome(core, token)).toBe('401 invalid_token')
    expect(provider.introspections - asked).toBe(4)
  })

  it('keeps the last answer while introspection fails, then fails closed', async () => {
    const { core, clock, log } = rampart({ checkIntervalMs: 1_000, maxAnswerAgeMs: 5_000 })
    const token = await provider.sign('es-1')
    expect(await outcome(core, token)).toBe('accepted')

    provider.down = true
    try {
      const asked = provider.introspections
      const steps: [number, string][] = [
        [2_000, 'accepted'],
        [500, 'accepted'],
        [1_000, 'accepted'],
        [2_000, '503 authentication_unavailable'],
        [1_000, '503 authentication_unavailable'],
      ]
      for (const [advanceMs, expected] of steps) {
        clock.ms += advanceMs
        expect(await outcome(core, token)).toBe(expected)
      }
      // At most one question a second while failing, not one per request.
      expect(provider.introspections - asked).toBe(4)
    } finally {
      provider.down = false
    }
    clock.ms += 1_000
    expect(await outcome(core, token)).toBe('accepted')

    const failures = log.lines().filter((line) => line.msg === 'token status check failed')
    expect(failures).toHaveLength(1)
    expect(log.text()).not.toContain(token)
  })

  it('answers 503 for a token whose status was never known while introspection is down', async () => {
    const { core } = rampart(
      {},
      {
        credentials: undefined,
        introspection: { ...provider.introspectionClient, endpoint: 'http://127.0.0.1:9/x' },
      },
    )
    expect(await outcome(core, await provider.sign('es-1'))).toBe('503 authentication_unavailable')
  })
})

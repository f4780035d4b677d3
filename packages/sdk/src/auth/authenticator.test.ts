import { createPublicKey } from 'node:crypto'
import { exportSPKI, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RequestRefusal } from '../errors.js'
import { RampartCore } from '../rampart.js'
import type { RampartOptions } from '../options.js'
import { captureLog } from '../test-support/log-capture.js'
import { TestIdentityProvider } from '../test-support/identity-provider.js'

const provider = new TestIdentityProvider()

beforeAll(async () => {
  await provider.start()
  await provider.addKey('es-1', 'ES256')
  await provider.addKey('ed-1', 'EdDSA')
  await provider.addKey('rs-1', 'RS256')
})
afterAll(() => provider.close())

function rampart(options: Partial<RampartOptions> = {}) {
  const log = captureLog()
  const core = new RampartCore({
    url: provider.url,
    service: 'shop',
    audience: 'shop-api',
    logger: { level: 'debug', destination: log.destination },
    defaultMetrics: false,
    ...options,
  })
  return { core, log }
}

async function refusalOf(promise: Promise<unknown>): Promise<RequestRefusal> {
  const error = await promise.then(
    () => undefined,
    (rejection: unknown) => rejection,
  )
  expect(error).toBeInstanceOf(RequestRefusal)
  return error as RequestRefusal
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
const now = () => Math.floor(Date.now() / 1000)

describe('authenticate: bearer JWT against a real JWKS', () => {
  it.each(['es-1', 'ed-1', 'rs-1'])('accepts a valid token signed with %s', async (kid) => {
    const { core } = rampart()
    const auth = await core.authenticator.authenticate(`Bearer ${await provider.sign(kid)}`)
    expect(auth).toMatchObject({
      subject: 'user-1',
      clientId: 'shop-web',
      scopes: ['orders:read', 'orders:write'],
      tokenKind: 'jwt',
    })
  })

  const adversarial: [string, () => Promise<string>, string][] = [
    [
      'alg none',
      () =>
        Promise.resolve(
          `${b64({ alg: 'none', kid: 'es-1', typ: 'at+jwt' })}.${b64({ sub: 'x', aud: 'shop-api', iss: provider.url, exp: now() + 60 })}.AAAA`,
        ),
      'ERR_JOSE_ALG_NOT_ALLOWED',
    ],
    [
      'HS256 signed with the public key',
      async () => {
        const publicKey = createPublicKey({
          key: provider.keys.get('rs-1')!.publicJwk,
          format: 'jwk',
        })
        const pem = await exportSPKI(publicKey)
        return new SignJWT({ sub: 'attacker', aud: 'shop-api', iss: provider.url, exp: now() + 60 })
          .setProtectedHeader({ alg: 'HS256', kid: 'rs-1', typ: 'at+jwt' })
          .sign(new TextEncoder().encode(pem))
      },
      'ERR_JOSE_ALG_NOT_ALLOWED',
    ],
    [
      'an unknown kid',
      () => provider.sign('es-1', {}, { kid: 'nobody' }),
      'ERR_JWKS_NO_MATCHING_KEY',
    ],
    ['an expired token', () => provider.sign('es-1', { exp: now() - 60 }), 'ERR_JWT_EXPIRED'],
    [
      'a token not valid yet',
      () => provider.sign('es-1', { nbf: now() + 60 }),
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    ],
    [
      'another audience',
      () => provider.sign('es-1', { aud: 'billing-api' }),
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    ],
    [
      'another issuer',
      () => provider.sign('es-1', { iss: 'http://evil.example' }),
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    ],
    [
      'no subject',
      () => provider.sign('es-1', { sub: undefined }),
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    ],
    [
      'an ID token (typ JWT)',
      () => provider.sign('es-1', {}, { typ: 'JWT' }),
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    ],
    [
      'a tampered payload',
      async () => {
        const [header, , signature] = (await provider.sign('es-1')).split('.')
        const payload = b64({ sub: 'admin', aud: 'shop-api', iss: provider.url, exp: now() + 60 })
        return `${header}.${payload}.${signature}`
      },
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    ],
  ]

  it.each(adversarial)('refuses %s as invalid_token', async (_name, makeToken, reason) => {
    const { core, log } = rampart({ jwks: { cooldownMs: 0 } })
    const token = await makeToken()
    const refusal = await refusalOf(core.authenticator.authenticate(`Bearer ${token}`))

    expect(refusal.code).toBe('invalid_token')
    expect(refusal.status).toBe(401)
    expect(refusal.message).toBe('the access token is not valid')
    expect(refusal.headers['www-authenticate']).toBe(
      'Bearer realm="shop", error="invalid_token", error_description="the access token is not valid"',
    )
    const line = log.lines().find((entry) => entry.msg === 'access token refused')
    expect(line?.reason).toBe(reason)
    expect(log.text()).not.toContain(token)
  })

  it('tolerates a small clock skew on exp and nbf, not more', async () => {
    const { core } = rampart({ clockToleranceSeconds: 30 })
    await expect(
      core.authenticator.authenticate(`Bearer ${await provider.sign('es-1', { exp: now() - 10 })}`),
    ).resolves.toBeDefined()
    await expect(
      core.authenticator.authenticate(`Bearer ${await provider.sign('es-1', { nbf: now() + 10 })}`),
    ).resolves.toBeDefined()
    const late = await provider.sign('es-1', { exp: now() - 40 })
    expect((await refusalOf(core.authenticator.authenticate(`Bearer ${late}`))).code).toBe(
      'invalid_token',
    )
  })

  const headers: [string, string, string | undefined, number, string][] = [
    ['no header', 'unauthorized', undefined, 401, 'Bearer realm="shop"'],
    ['another scheme', 'unauthorized', 'Basic dXNlcjpwYXNz', 401, 'Bearer realm="shop"'],
    [
      'Bearer without a token',
      'invalid_request',
      'Bearer ',
      400,
      'Bearer realm="shop", error="invalid_request"',
    ],
    [
      'characters outside b64token',
      'invalid_request',
      'Bearer a"b',
      400,
      'Bearer realm="shop", error="invalid_request"',
    ],
    [
      'an oversized header',
      'invalid_request',
      `Bearer ${'a'.repeat(9000)}`,
      400,
      'Bearer realm="shop", error="invalid_request"',
    ],
    [
      'garbage that is not a JWT',
      'invalid_token',
      'Bearer garbage',
      401,
      'Bearer realm="shop", error="invalid_token", error_description="the access token is not valid"',
    ],
    [
      'three garbage segments',
      'invalid_token',
      'Bearer a.b.c',
      401,
      'Bearer realm="shop", error="invalid_token", error_description="the access token is not valid"',
    ],
  ]

  it.each(headers)('answers %s with %s', async (_name, code, header, status, challenge) => {
    const { core } = rampart()
    const refusal = await refusalOf(core.authenticator.authenticate(header))
    expect([refusal.code, refusal.status, refusal.headers['www-authenticate']]).toEqual([
      code,
      status,
      challenge,
    ])
  })

  it('lets a request without a token through when optional, but not a bad token', async () => {
    const { core } = rampart()
    await expect(core.authenticator.authenticate(undefined, true)).resolves.toBeUndefined()
    expect((await refusalOf(core.authenticator.authenticate('Bearer x.y.z', true))).code).toBe(
      'invalid_token',
    )
  })
})

describe('authenticate: key set and cache', () => {
  it('serves a repeated token from the cache until it expires', async () => {
    let clock = Date.now()
    const { core } = rampart({ now: () => clock })
    const token = await provider.sign('es-1', { exp: Math.floor(clock / 1000) + 60 })
    const fetchesBefore = provider.jwksFetches
    const first = await core.authenticator.authenticate(`Bearer ${token}`)
    expect(await core.authenticator.authenticate(`Bearer ${token}`)).toBe(first)
    expect(provider.jwksFetches - fetchesBefore).toBe(1)

    clock += 66_000
    const refusal = await refusalOf(core.authenticator.authenticate(`Bearer ${token}`))
    expect(refusal.code).toBe('invalid_token')
  })

  it('refetches the JWKS for an unknown kid once per cooldown', async () => {
    let clock = Date.now()
    const { core } = rampart({ now: () => clock, jwks: { cooldownMs: 30_000 } })
    await core.authenticator.authenticate(`Bearer ${await provider.sign('es-1')}`)
    await provider.addKey('es-rotated', 'ES256', { publish: false })
    const rotated = await provider.sign('es-rotated')
    const fetchesBefore = provider.jwksFetches

    clock += 31_000
    expect((await refusalOf(core.authenticator.authenticate(`Bearer ${rotated}`))).code).toBe(
      'invalid_token',
    )
    expect(provider.jwksFetches - fetchesBefore).toBe(1)

    // Published now, but within the cooldown: no new fetch, still refused.
    provider.unpublished.delete('es-rotated')
    clock += 1_000
    await refusalOf(core.authenticator.authenticate(`Bearer ${rotated}`))
    expect(provider.jwksFetches - fetchesBefore).toBe(1)

    clock += 30_000
    await expect(core.authenticator.authenticate(`Bearer ${rotated}`)).resolves.toMatchObject({
      subject: 'user-1',
    })
    expect(provider.jwksFetches - fetchesBefore).toBe(2)
  })

  it('keeps verifying with cached keys while the JWKS endpoint is down', async () => {
    let clock = Date.now()
    const { core, log } = rampart({
      now: () => clock,
      jwks: { maxAgeMs: 1_000, cooldownMs: 0 },
      tokenCache: { maxEntries: 0 },
    })
    await core.authenticator.authenticate(`Bearer ${await provider.sign('es-1')}`)

    provider.down = true
    try {
      clock += 5_000
      await expect(
        core.authenticator.authenticate(`Bearer ${await provider.sign('es-1', { sub: 'user-2' })}`),
      ).resolves.toMatchObject({ subject: 'user-2' })
      const unknown = await provider.sign('es-1', {}, { kid: 'never-seen' })
      expect((await refusalOf(core.authenticator.authenticate(`Bearer ${unknown}`))).code).toBe(
        'invalid_token',
      )
      expect(log.lines().some((line) => line.msg === 'JWKS refresh failed')).toBe(true)
    } finally {
      provider.down = false
    }
  })

  it('answers 503 when no key set could ever be fetched', async () => {
    provider.down = true
    try {
      const { core } = rampart()
      const refusal = await refusalOf(
        core.authenticator.authenticate(`Bearer ${await provider.sign('es-1')}`),
      )
      expect([refusal.code, refusal.status]).toEqual(['authentication_unavailable', 503])
    } finally {
      provider.down = false
    }
  })
})

describe('authenticate: opaque tokens through introspection', () => {
  const exp = () => now() + 300

  it('accepts an active token for this audience and caches the answer briefly', async () => {
    let clock = Date.now()
    provider.opaqueTokens.set('opaque-good', {
      active: true,
      sub: 'user-9',
      aud: 'shop-api',
      iss: provider.url,
      exp: exp(),
      scope: 'orders:read',
    })
    const { core } = rampart({
      now: () => clock,
      introspection: { ...provider.introspectionClient, cacheTtlMs: 10_000 },
    })
    const before = provider.introspections
    await expect(core.authenticator.authenticate('Bearer opaque-good')).resolves.toMatchObject({
      subject: 'user-9',
      tokenKind: 'opaque',
      scopes: ['orders:read'],
    })
    await core.authenticator.authenticate('Bearer opaque-good')
    expect(provider.introspections - before).toBe(1)

    // Revoked at Rampart: refused once the cached answer is older than its TTL.
    provider.opaqueTokens.set('opaque-good', { active: false })
    clock += 11_000
    expect((await refusalOf(core.authenticator.authenticate('Bearer opaque-good'))).code).toBe(
      'invalid_token',
    )
  })

  it.each([
    ['inactive', { active: false }],
    ['another audience', { active: true, sub: 'u', aud: 'billing', exp: now() + 300 }],
    [
      'another issuer',
      { active: true, sub: 'u', aud: 'shop-api', iss: 'http://x', exp: now() + 300 },
    ],
    ['expired', { active: true, sub: 'u', aud: 'shop-api', exp: now() - 1 }],
  ])('refuses an opaque token that is %s', async (_name, answer) => {
    provider.opaqueTokens.set('opaque-bad', answer)
    const { core } = rampart({ introspection: provider.introspectionClient })
    expect((await refusalOf(core.authenticator.authenticate('Bearer opaque-bad'))).code).toBe(
      'invalid_token',
    )
  })

  it('refuses opaque tokens when no introspection client is configured', async () => {
    const { core } = rampart()
    expect((await refusalOf(core.authenticator.authenticate('Bearer opaque-good'))).code).toBe(
      'invalid_token',
    )
  })
})

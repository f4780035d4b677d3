import { describe, expect, it } from 'vitest'
import { ConfigurationError } from './errors.js'
import type { RampartOptions } from './options.js'
import { resolveOptions } from './options.js'

const valid: RampartOptions = {
  url: 'http://127.0.0.1:8080/',
  service: 'shop',
  audience: 'shop-api',
}

describe('resolveOptions', () => {
  it('fills in defaults: issuer is the base URL, asymmetric algorithms, small skew', () => {
    expect(resolveOptions(valid)).toMatchObject({
      url: 'http://127.0.0.1:8080',
      issuer: 'http://127.0.0.1:8080',
      algorithms: ['ES256', 'EdDSA', 'RS256', 'PS256'],
      clockToleranceSeconds: 5,
      tokenType: 'at+jwt',
      access: { localSnapshot: true, snapshotWaitMs: 20_000, maxStalenessMs: 60_000 },
    })
  })

  it.each<[string, Partial<RampartOptions>, string]>([
    ['a relative url', { url: '/rampart' }, 'url must be an absolute URL'],
    ['a non-http url', { url: 'ftp://host' }, 'url must be an http or https URL'],
    ['an empty service', { service: '' }, 'service must be 1-64'],
    ['a service with spaces', { service: 'my shop' }, 'service must be 1-64'],
    ['no audience', { audience: [] }, 'audience must name at least one'],
    ['alg none', { algorithms: ['none'] }, 'refused: none'],
    ['an HMAC algorithm', { algorithms: ['ES256', 'HS256'] }, 'refused: HS256'],
    ['no algorithm', { algorithms: [] }, 'refused: none given'],
    ['a negative skew', { clockToleranceSeconds: -1 }, 'clockToleranceSeconds must be'],
    [
      'introspection without a secret',
      { introspection: { clientId: 'shop', clientSecret: '' } },
      'introspection needs a clientId and a clientSecret',
    ],
    [
      'a staleness limit a long poll cannot meet',
      { timeoutMs: 1_000, access: { snapshotWaitMs: 20_000, maxStalenessMs: 21_000 } },
      'access.maxStalenessMs (21000) must exceed access.snapshotWaitMs plus timeoutMs (21000)',
    ],
    [
      'revocation checks without a client',
      { revocation: { checkIntervalMs: 5_000 } },
      'revocation needs credentials (or introspection) to ask with',
    ],
    ['a negative snapshot wait', { access: { snapshotWaitMs: -1 } }, 'access.snapshotWaitMs must'],
  ])('refuses %s at construction', (_name, override, message) => {
    const attempt = () => resolveOptions({ ...valid, ...override })
    expect(attempt).toThrow(ConfigurationError)
    expect(attempt).toThrow(message)
  })
})

/**
 * The SDK's token verification cost: the cached path (a token seen before: hash, look-up)
 * against its < 5 µs target, and first verifications of distinct ES256 tokens through the
 * SDK against jose's own `jwtVerify` with a local key set (the anchor), in the same run.
 */
import { createLocalJWKSet, jwtVerify } from 'jose'
import { RampartCore } from '../packages/sdk/src/rampart.js'
import { TestIdentityProvider } from '../packages/sdk/src/test-support/identity-provider.js'

const cachedIterations = Number(process.env.BENCH_VERIFY_CACHED ?? 200_000)
const distinctTokens = Number(process.env.BENCH_VERIFY_DISTINCT ?? 3_000)

const provider = await new TestIdentityProvider().start()
await provider.addKey('bench-1', 'ES256')
const rampart = new RampartCore({
  url: provider.url,
  service: 'bench',
  audience: 'shop-api',
  logger: { level: 'silent' },
  defaultMetrics: false,
  tokenCache: { maxEntries: distinctTokens + 10 },
})

const expiresAt = Math.floor(Date.now() / 1000) + 3600
const header = `Bearer ${await provider.sign('bench-1', { exp: expiresAt })}`
await rampart.authenticator.authenticate(header)
for (let i = 0; i < 10_000; i++) await rampart.authenticator.authenticate(header)
// The adapters' path for a token seen before: synchronous, no promise.
let started = performance.now()
let found = 0
for (let i = 0; i < cachedIterations; i++) {
  if (rampart.authenticator.cached(header) !== undefined) found++
}
const cachedMicros = ((performance.now() - started) * 1000) / cachedIterations
if (found !== cachedIterations) throw new Error('the cached path missed the cache')
console.log(
  JSON.stringify({
    bench: 'sdk.verify.cached',
    microsecondsPerCall: Math.round(cachedMicros * 1000) / 1000,
    target: '< 5 µs',
    iterations: cachedIterations,
  }),
)

const tokens: string[] = []
for (let i = 0; i < distinctTokens * 2; i++)
  tokens.push(await provider.sign('bench-1', { jti: `t${i}` }))
const sdkTokens = tokens.slice(0, distinctTokens)
const joseTokens = tokens.slice(distinctTokens)

started = performance.now()
for (const token of sdkTokens) await rampart.authenticator.authenticate(`Bearer ${token}`)
const sdkRate = distinctTokens / ((performance.now() - started) / 1000)

const keys = createLocalJWKSet({ keys: [provider.keys.get('bench-1')!.publicJwk] })
started = performance.now()
for (const token of joseTokens) {
  await jwtVerify(token, keys, {
    issuer: provider.url,
    audience: 'shop-api',
    algorithms: ['ES256'],
  })
}
const joseRate = distinctTokens / ((performance.now() - started) / 1000)
console.log(
  JSON.stringify({
    bench: 'sdk.verify.first',
    algorithm: 'ES256',
    verificationsPerSecond: Math.round(sdkRate),
    anchor: 'jose jwtVerify, local key set',
    anchorPerSecond: Math.round(joseRate),
    ratioToAnchor: Math.round((sdkRate / joseRate) * 1000) / 1000,
    tokens: distinctTokens,
  }),
)
await provider.close()

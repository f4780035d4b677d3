/**
 * The record of JWT access tokens and the revocation feed, on both dialects: what `find`
 * answers for live, revoked and expired tokens, feed numbers that stay contiguous when many
 * revocations run at once, paging, and clean-up after expiry.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'

import { ManualClock } from '../../platform/clock.js'
import type { Store } from '../../store/database.js'
import type { TestDatabase } from '../../test-support/stores.js'
import { createTestDatabase, describeEachDialect } from '../../test-support/stores.js'
import { identityDb } from '../store/tables.js'
import { JwtAccessTokens } from './jwt-access-tokens.js'

const start = Date.UTC(2026, 5, 1)

describeEachDialect('JWT access token records', (dialect) => {
  let database: TestDatabase
  let store: Store
  const clock = new ManualClock(start)
  let tokens: JwtAccessTokens

  beforeAll(async () => {
    database = await createTestDatabase(dialect)
    store = await database.open()
    tokens = new JwtAccessTokens(identityDb(store.db), clock)
  })

  afterAll(async () => {
    await database?.dispose()
  })

  const issue = (jti: string, accountId: string, lifetimeSeconds = 600) =>
    tokens.record({
      jti,
      model: 'AccessToken',
      clientId: 'client-a',
      accountId,
      grantId: `grant-${accountId}`,
      payload: { jti, accountId, kind: 'AccessToken' },
      exp: Math.floor(clock.now() / 1000) + lifetimeSeconds,
    })

  it('finds a live token of its own model only, and nothing once revoked', async () => {
    await issue('live-1', 'user-1')
    expect(await tokens.find('live-1', 'AccessToken')).toMatchObject({ jti: 'live-1' })
    expect(await tokens.find('live-1', 'ClientCredentials')).toBeUndefined()

    expect(await tokens.revoke('live-1')).toBe(1)
    expect(await tokens.revoke('live-1')).toBe(0)
    expect(await tokens.find('live-1', 'AccessToken')).toBeUndefined()
  })

  it('keeps feed numbers contiguous when revocations run at once', async () => {
    const before = await tokens.revocationsSince(0, 1000)
    const accounts = Array.from({ length: 20 }, (_, index) => `parallel-${index}`)
    for (const account of accounts) {
      await issue(`${account}-a`, account)
      await issue(`${account}-b`, account)
    }
    const counts = await Promise.all(accounts.map((account) => tokens.revokeAccount(account)))
    expect(counts).toEqual(accounts.map(() => 2))

    const seen: string[] = []
    let cursor = before.cursor
    for (;;) {
      const page = await tokens.revocationsSince(cursor, 7)
      seen.push(...page.revocations.map((entry) => entry.jti))
      expect(page.cursor).toBe(cursor + page.revocations.length)
      cursor = page.cursor
      if (!page.hasMore) break
    }
    expect(seen).toHaveLength(40)
    expect(new Set(seen).size).toBe(40)
    expect((await tokens.revocationsSince(cursor, 7)).revocations).toEqual([])
  })

  it('forgets expired tokens and feed entries, and never revokes an expired token', async () => {
    await issue('short-1', 'user-short', 60)
    await issue('short-2', 'user-short', 60)
    await tokens.revoke('short-1')
    clock.advance(61_000)
    expect(await tokens.find('short-2', 'AccessToken')).toBeUndefined()
    expect(await tokens.revoke('short-2')).toBe(0)

    clock.advance(60_000)
    expect(await tokens.deleteExpired(30_000)).toBeGreaterThanOrEqual(3)
    const feed = await tokens.revocationsSince(0, 1000)
    expect(feed.revocations.map((entry) => entry.jti)).not.toContain('short-1')
  })
})

/**
 * Two Rampart processes on one PostgreSQL schema: a revoke made through one is never answered
 * as an allow by the other once the caller asks for the revoke's version, and without asking
 * the other learns of it within a second from NOTIFY alone (its polling is turned down to a
 * minute here, so polling cannot be what makes this pass).
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createTestSchema, postgresUnavailable, testDatabaseUrl } from '../test-support/postgres.js'
import type { RampartProcess } from '../test-support/rampart-process.js'
import { startRampartProcess } from '../test-support/rampart-process.js'

const adminToken = 'invalidation-admin-token-0123'

async function call(base: string, method: string, path: string, body?: object) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return (await response.json()) as Record<string, unknown> & { version: number }
}

describe.skipIf(postgresUnavailable !== undefined)('access invalidation across processes', () => {
  let drop: (() => Promise<void>) | undefined
  const servers: RampartProcess[] = []

  beforeAll(async () => {
    const schema = await createTestSchema()
    drop = schema.drop
    const options = encodeURIComponent(`-c search_path=${schema.schema}`)
    const environment = {
      RAMPART_DATABASE_URL: `${testDatabaseUrl}?options=${options}`,
      RAMPART_MASTER_KEY: randomBytes(32).toString('hex'),
      RAMPART_ACCESS_ADMIN_TOKEN: adminToken,
      RAMPART_ACCESS_POLL_INTERVAL_MS: '60000',
    }
    // One after the other: the first migrates the schema.
    for (let started = 0; started < 2; started += 1) {
      const dataDir = mkdtempSync(join(tmpdir(), 'rampart-access-'))
      servers.push(
        await startRampartProcess({
          args: ['--port', '0'],
          env: { ...environment, RAMPART_DATA_DIR: dataDir },
        }),
      )
    }
  }, 90_000)

  afterAll(async () => {
    for (const server of servers) await server.stop()
    await drop?.()
  }, 30_000)

  it('never answers a stale allow after a revoke returns', async () => {
    const [writer, reader] = servers.map((server) => server.url) as [string, string]
    const check = (atLeastVersion?: number) =>
      call(reader, 'POST', '/v1/access/check', {
        subject: 'user:mallory',
        permission: 'vault:open',
        ...(atLeastVersion === undefined ? {} : { atLeastVersion }),
      })

    await call(writer, 'PUT', '/v1/access/roles/opener', {
      permissions: [{ permission: 'vault:open' }],
    })
    for (let round = 0; round < 3; round += 1) {
      const bound = await call(writer, 'POST', '/v1/access/bindings', {
        subject: 'user:mallory',
        role: 'opener',
      })
      expect(await check(bound.version)).toMatchObject({ allowed: true })
      const binding = bound.binding as { id: string }

      // Read your own revoke: asking for its version never gets the old allow.
      const revoked = await call(writer, 'DELETE', `/v1/access/bindings/${binding.id}`)
      const started = Date.now()
      expect(await check(revoked.version)).toMatchObject({
        allowed: false,
        version: revoked.version,
      })

      // Without asking, the reader still learns of it well within a second.
      let decision = await check()
      while (decision.allowed === true && Date.now() - started < 2000) decision = await check()
      expect(decision.allowed).toBe(false)
      expect(Date.now() - started).toBeLessThan(1000)
    }
  })

  it('learns of a revoke within a second without being asked for its version', async () => {
    const [writer, reader] = servers.map((server) => server.url) as [string, string]
    const check = () =>
      call(reader, 'POST', '/v1/access/check', { subject: 'user:trent', permission: 'vault:open' })
    const bound = await call(writer, 'POST', '/v1/access/bindings', {
      subject: 'user:trent',
      role: 'opener',
    })
    let decision = await check()
    for (let tries = 0; decision.allowed !== true && tries < 200; tries += 1) {
      await new Promise((done) => setTimeout(done, 10))
      decision = await check()
    }
    expect(decision.allowed).toBe(true)

    const revoked = await call(
      writer,
      'DELETE',
      `/v1/access/bindings/${String((bound.binding as { id: string }).id)}`,
    )
    const started = Date.now()
    while (decision.allowed === true && Date.now() - started < 2000) decision = await check()
    expect(decision).toMatchObject({ allowed: false })
    expect(decision.version).toBeGreaterThanOrEqual(revoked.version)
    expect(Date.now() - started).toBeLessThan(1000)
  })
})

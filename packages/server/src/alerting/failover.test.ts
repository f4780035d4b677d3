/**
 * Two Rampart replicas on one PostgreSQL schema, one webhook receiver. The replica holding
 * the alerting lease is killed with SIGKILL while one alert is firing (and notified), one is
 * pending and one is firing under a silence; the other replica takes the lease over and the
 * receiver must see exactly the expected notifications: none early, none lost, none twice.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createTestSchema, postgresUnavailable, testDatabaseUrl } from '../test-support/postgres.js'
import type { RampartProcess } from '../test-support/rampart-process.js'
import { startRampartProcess } from '../test-support/rampart-process.js'
import type { WebhookReceiver } from './test-harness.js'
import { startWebhookReceiver, waitFor } from './test-harness.js'

const token = 'failover-alerting-token-0123'
const leaseTtlMs = 1500

const rules = `
groups:
- name: g
  interval: 1s
  rules:
  - alert: Quick
    expr: vector(1)
    for: 2s
  - alert: Slow
    expr: vector(1)
    for: 20s
  - alert: Muted
    expr: vector(1)
    for: 3s
`

describe.skipIf(postgresUnavailable !== undefined)('alerting failover between replicas', () => {
  const replicas: RampartProcess[] = []
  let schema: Awaited<ReturnType<typeof createTestSchema>> | undefined
  let receiver: WebhookReceiver | undefined
  let workDir: string | undefined

  beforeAll(async () => {
    schema = await createTestSchema()
    receiver = await startWebhookReceiver()
    workDir = mkdtempSync(join(tmpdir(), 'rampart-failover-'))
  })

  afterAll(async () => {
    for (const replica of replicas) await replica.kill().catch(() => undefined)
    await receiver?.close()
    await schema?.drop()
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true })
  }, 30_000)

  async function leaseHolderPid(): Promise<number | undefined> {
    const client = new pg.Client({ connectionString: testDatabaseUrl })
    await client.connect()
    try {
      const result = await client.query<{ holder: string; expires_at: string }>(
        `select holder, expires_at from ${schema!.schema}.leases where name = 'alerting'`,
      )
      const row = result.rows[0]
      if (row === undefined || Number(row.expires_at) < Date.now()) return undefined
      return Number(row.holder.split(':')[1])
    } finally {
      await client.end()
    }
  }

  it('moves evaluation to the survivor without early, lost or repeated notifications', async () => {
    const dir = workDir!
    writeFileSync(join(dir, 'rules.yml'), rules)
    const config = join(dir, 'rampart.yaml')
    writeFileSync(
      config,
      JSON.stringify({
        jobs: { lease_ttl_ms: leaseTtlMs, poll_interval_ms: 200 },
        metrics: { scrape_self: false },
        alerting: {
          rule_files: [join(dir, 'rules.yml')],
          api_token: token,
          route: {
            receiver: 'hook',
            group_by: ['alertname'],
            group_wait: '500ms',
            group_interval: '1s',
            repeat_interval: '1h',
          },
          receivers: [{ name: 'hook', webhook_configs: [{ url: receiver!.url }] }],
        },
      }),
    )
    const options = encodeURIComponent(`-c search_path=${schema!.schema}`)
    const environment = {
      RAMPART_DATABASE_URL: `${testDatabaseUrl}?options=${options}`,
      RAMPART_MASTER_KEY: randomBytes(32).toString('hex'),
    }
    const start = (name: string) =>
      startRampartProcess({
        args: ['--config', config, '--port', '0', '--data-dir', join(dir, name)],
        env: environment,
      })
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
    const names = () =>
      receiver!.received.map((payload) => `${payload.status}:${payload.groupLabels.alertname}`)

    // The first replica migrates the schema; the silence exists before Muted could fire.
    replicas.push(await start('a'))
    const silenced = await fetch(`${replicas[0]!.url}/alertmanager/api/v2/silences`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        matchers: [{ name: 'alertname', value: 'Muted', isRegex: false, isEqual: true }],
        startsAt: new Date().toISOString(),
        endsAt: new Date(Date.now() + 3_600_000).toISOString(),
        createdBy: 'test',
        comment: 'silenced across the failover',
      }),
    })
    expect(silenced.status).toBe(200)
    const { silenceID } = (await silenced.json()) as { silenceID: string }
    replicas.push(await start('b'))

    await waitFor(() => receiver!.received.length >= 1, 20_000, 'Quick to be notified')
    // Let the delivery's completion commit before the crash; a crash between the receiver's
    // 200 and that commit is the one case delivered twice (at least once, by design).
    await new Promise((done) => setTimeout(done, 500))
    const holderPid = await leaseHolderPid()
    const holder = replicas.find((replica) => replica.pid === holderPid)
    expect(holder).toBeDefined()
    const survivor = replicas.find((replica) => replica !== holder)!
    await holder!.kill()
    const killedAt = Date.now()
    expect(names()).toEqual(['firing:Quick'])

    await waitFor(() => receiver!.received.length >= 2, 30_000, 'Slow to be notified')
    expect(names()).toEqual(['firing:Quick', 'firing:Slow'])
    // Slow went pending with Quick; it must fire its full 18 s after Quick, failover or not.
    const quickFiredAt = Date.parse(receiver!.received[0]?.alerts[0]?.startsAt ?? '')
    const slowFiredAt = Date.parse(receiver!.received[1]?.alerts[0]?.startsAt ?? '')
    expect(slowFiredAt - quickFiredAt).toBeGreaterThanOrEqual(18_000 - 1000)
    expect(killedAt).toBeLessThan(slowFiredAt)
    expect(await leaseHolderPid()).toBe(survivor.pid)

    // The survivor neither repeats Quick nor notifies Muted while its silence holds.
    await new Promise((done) => setTimeout(done, 2500))
    expect(names()).toEqual(['firing:Quick', 'firing:Slow'])

    const expired = await fetch(`${survivor.url}/alertmanager/api/v2/silence/${silenceID}`, {
      method: 'DELETE',
      headers: { authorization: headers.authorization },
    })
    expect(expired.status).toBe(200)
    await waitFor(() => receiver!.received.length >= 3, 15_000, 'Muted after its silence')
    await new Promise((done) => setTimeout(done, 1500))
    expect(names()).toEqual(['firing:Quick', 'firing:Slow', 'firing:Muted'])
  }, 120_000)
})

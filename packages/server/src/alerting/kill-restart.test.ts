import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import type { RampartProcess } from '../test-support/rampart-process.js'
import { startRampartProcess } from '../test-support/rampart-process.js'
import type { WebhookReceiver } from './test-harness.js'
import { startWebhookReceiver, waitFor } from './test-harness.js'

const token = 'alerting-token-0123456789'
const children: RampartProcess[] = []
let dataDir: string | undefined
let receiver: WebhookReceiver | undefined

afterEach(async () => {
  for (const child of children) await child.kill()
  await receiver?.close()
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true })
})

async function startServer(config: string): Promise<RampartProcess> {
  const child = await startRampartProcess({ args: ['--config', config] })
  children.push(child)
  return child
}

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
    for: 8s
  - alert: Muted
    expr: vector(1)
    for: 4s
`

it('after kill -9 fires nothing early, forgets nothing and notifies nothing twice', async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'rampart-kill-'))
  receiver = await startWebhookReceiver()
  writeFileSync(join(dataDir, 'rules.yml'), rules)
  const config = join(dataDir, 'rampart.yaml')
  writeFileSync(
    config,
    JSON.stringify({
      data_dir: join(dataDir, 'data'),
      server: { port: 0 },
      jobs: { lease_ttl_ms: 1500, poll_interval_ms: 200 },
      metrics: { scrape_self: false },
      alerting: {
        rule_files: [join(dataDir, 'rules.yml')],
        api_token: token,
        route: {
          receiver: 'hook',
          group_by: ['alertname'],
          group_wait: '500ms',
          group_interval: '1s',
          repeat_interval: '1h',
        },
        receivers: [{ name: 'hook', webhook_configs: [{ url: receiver.url }] }],
      },
    }),
  )
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  const names = (): string[] =>
    receiver!.received.map((payload) => `${payload.status}:${payload.groupLabels.alertname}`)

  const first = await startServer(config)
  const silenced = await fetch(`${first.url}/alertmanager/api/v2/silences`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      matchers: [{ name: 'alertname', value: 'Muted', isRegex: false, isEqual: true }],
      startsAt: new Date().toISOString(),
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      createdBy: 'test',
      comment: 'silenced across the crash',
    }),
  })
  const { silenceID } = (await silenced.json()) as { silenceID: string }
  await waitFor(() => receiver!.received.length >= 1, 15_000)
  // Quick fired and was notified; Slow is pending, Muted is pending or firing but silenced.
  await first.kill()
  const killedAt = Date.now()
  expect(names()).toEqual(['firing:Quick'])

  // A downtime of 3 s: Slow must not count it towards its 8 s.
  await new Promise((done) => setTimeout(done, 3000))
  const second = await startServer(config)
  await waitFor(() => receiver!.received.length >= 2, 20_000)
  expect(names()).toEqual(['firing:Quick', 'firing:Slow'])
  // Slow went pending with Quick's first evaluation, 2 s before Quick fired. Counting the
  // downtime it would have fired 6 s after Quick; without it, at least 3 s later than that
  // (less one evaluation interval of the downtime estimate).
  const quickFiredAt = Date.parse(receiver.received[0]?.alerts[0]?.startsAt ?? '')
  const slowFiredAt = Date.parse(receiver.received[1]?.alerts[0]?.startsAt ?? '')
  expect(slowFiredAt - quickFiredAt).toBeGreaterThanOrEqual(6000 + 3000 - 1000 - 300)
  expect(killedAt).toBeGreaterThan(quickFiredAt)

  // Nothing more while the silence holds: no repeat of Quick, nothing for Muted.
  await new Promise((done) => setTimeout(done, 2500))
  expect(names()).toEqual(['firing:Quick', 'firing:Slow'])

  const expired = await fetch(`${second.url}/alertmanager/api/v2/silence/${silenceID}`, {
    method: 'DELETE',
    headers: { authorization: headers.authorization },
  })
  expect(expired.status).toBe(200)
  await waitFor(() => receiver!.received.length >= 3, 10_000)
  await new Promise((done) => setTimeout(done, 1500))
  expect(names()).toEqual(['firing:Quick', 'firing:Slow', 'firing:Muted'])
}, 60_000)

import Fastify from 'fastify'
import { afterEach, expect, it } from 'vitest'
import { describeEachDialect } from '../../test-support/stores.js'
import type { Harness } from '../test-harness.js'
import { createHarness } from '../test-harness.js'

const rules = `
groups:
- name: g
  rules:
  - alert: DiskFull
    expr: disk_used > 0.9
    annotations: {summary: "{{ $labels.host }} disk at {{ $value | humanizePercentage }}"}
`

describeEachDialect('Slack and PagerDuty integrations', (dialect) => {
  let harness: Harness | undefined
  afterEach(() => harness?.dispose())

  it('posts Slack text and PagerDuty trigger then resolve with one dedup key', async () => {
    harness = await createHarness(dialect, rules, (url) => ({
      route: { receiver: 'ops', group_by: ['alertname'], group_wait: '10s', group_interval: '1m' },
      receivers: [
        {
          name: 'ops',
          slack_configs: [{ api_url: url, channel: '#ops', send_resolved: true }],
          pagerduty_configs: [{ url, routing_key: 'pd-routing-key-secret', severity: 'critical' }],
        },
      ],
    }))
    const h = harness
    const start = h.clock.now()
    const appender = h.metrics.appender()
    const ref = appender.seriesRef({ __name__: 'disk_used', host: 'db1' })
    for (let t = 0; t <= 5 * 60_000; t += 15_000) {
      appender.append(ref, start + t, t < 2 * 60_000 ? 0.95 : 0.5)
    }
    appender.commit()
    for (let t = 0; t <= 4 * 60_000; t += 5_000) {
      h.clock.set(start + t)
      await h.step()
    }

    const bodies = h.receiver.received as unknown as Record<string, unknown>[]
    const slack = bodies.filter((body) => 'text' in body)
    const pager = bodies.filter((body) => 'event_action' in body)
    expect(slack.map((body) => body.text)).toEqual([
      '*[FIRING] DiskFull*\nfiring: db1 disk at 95%\n',
      '*[RESOLVED] DiskFull*\nresolved: db1 disk at 95%\n',
    ])
    expect(slack[0]).toMatchObject({ channel: '#ops' })
    expect(pager.map((body) => body.event_action)).toEqual(['trigger', 'resolve'])
    expect(pager[0]).toMatchObject({
      routing_key: 'pd-routing-key-secret',
      payload: { severity: 'critical', summary: expect.stringContaining('[FIRING] DiskFull') },
    })
    expect(pager[0]?.dedup_key).toBe(pager[1]?.dedup_key)
    // The routing key is added at delivery and never stored with the notification.
    const server = Fastify()
    await h.module.registerRoutes?.(server)
    const stored = await server.inject({
      url: '/v1/alerting/notifications',
      headers: { authorization: 'Bearer alerting-token-0123456789' },
    })
    await server.close()
    expect(stored.json<{ notifications: unknown[] }>().notifications).toHaveLength(4)
    expect(stored.body).not.toContain('pd-routing-key-secret')
  })
})

import { afterEach, expect, it } from 'vitest'
import { describeEachDialect } from '../../test-support/stores.js'
import type { Harness } from '../test-harness.js'
import { createHarness } from '../test-harness.js'

const second = 1000
const minute = 60 * second

const rules = `
groups:
- name: api
  interval: 1m
  rules:
  - alert: HighErrors
    expr: errors > 0
    for: 2m
    labels: {severity: page}
    annotations: {summary: "{{ $labels.instance }} has {{ $value }} errors"}
`

const routing = (url: string) => ({
  route: {
    receiver: 'hook',
    group_by: ['alertname'],
    group_wait: '30s',
    group_interval: '1m',
    repeat_interval: '1h',
  },
  receivers: [{ name: 'hook', webhook_configs: [{ url }] }],
})

/** errors{instance} every 15 s from 0 to 15 min, with the value `valueAt(ms)`. */
function load(harness: Harness, instance: string, valueAt: (ms: number) => number): void {
  const appender = harness.metrics.appender()
  const ref = appender.seriesRef({ __name__: 'errors', instance })
  const start = harness.clock.now()
  for (let t = 0; t <= 15 * minute; t += 15 * second) appender.append(ref, start + t, valueAt(t))
  appender.commit()
}

/** What each webhook call said: its status and each alert's instance and status. */
function summary(harness: Harness): string[] {
  return harness.receiver.received.map(
    (payload) =>
      `${payload.status}: ${payload.alerts.map((a) => `${a.labels.instance}=${a.status}`).join(' ')}`,
  )
}

describeEachDialect('notification sequence across crashes and silences', (dialect) => {
  let harness: Harness | undefined
  afterEach(() => harness?.dispose())

  it('notifies each group state exactly once, in order', async () => {
    harness = await createHarness(dialect, rules, routing)
    const h = harness
    const start = h.clock.now()
    load(h, 'a', (t) => (t < 8.5 * minute ? 3 : 0))
    load(h, 'b', (t) => (t >= 4 * minute && t < 7 * minute ? 1 : 0))
    load(h, 'c', (t) => (t >= 8 * minute ? 1 : 0))
    const runUntil = async (endMs: number): Promise<void> => {
      for (let t = h.clock.now(); t <= start + endMs; t += 5 * second) {
        h.clock.set(t)
        await h.step()
      }
      h.clock.set(start + endMs + 5 * second)
    }

    await runUntil(7 * minute + 40 * second)
    expect(summary(h)).toEqual([
      'firing: a=firing',
      'firing: a=firing b=firing',
      'firing: a=firing b=resolved',
    ])

    await h.crashAndRestart()
    await runUntil(8 * minute - 5 * second)
    const silence = await h.module.silences.upsert({
      matchers: [{ name: 'instance', type: '=~', value: 'a|c' }],
      startsAtMs: start + 8 * minute,
      endsAtMs: start + 11 * minute + 10 * second,
      createdBy: 'ops',
      comment: 'maintenance',
    })
    await runUntil(10 * minute)
    await h.crashAndRestart()
    await runUntil(12 * minute)

    expect(summary(h)).toEqual([
      'firing: a=firing',
      'firing: a=firing b=firing',
      'firing: a=firing b=resolved',
      // a resolved while silenced: its receiver was told it fired, so it hears it resolved.
      'resolved: a=resolved',
      // c fired during the silence and is announced when the silence ends.
      'firing: c=firing',
    ])
    const [first] = h.receiver.received
    expect(first).toMatchObject({
      version: '4',
      receiver: 'hook',
      groupKey: '{}:{alertname="HighErrors"}',
      groupLabels: { alertname: 'HighErrors' },
      commonLabels: { alertname: 'HighErrors', instance: 'a', severity: 'page' },
      commonAnnotations: { summary: 'a has 3 errors' },
      truncatedAlerts: 0,
    })
    expect(first?.alerts[0]).toMatchObject({
      startsAt: new Date(start + 2 * minute).toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
    })
    const types = h.events.map((event) => `${event.type}:${event.action}`)
    expect(types).toContain('alerting.silence.created:create')
    expect(types.filter((type) => type === 'alerting.alert.state_changed:firing')).toHaveLength(3)
    expect(types.filter((type) => type === 'alerting.notification.attempted:deliver')).toHaveLength(
      5,
    )
    expect(silence.createdBy).toBe('ops')
  })
})

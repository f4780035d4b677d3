import { afterEach, expect, it } from 'vitest'
import { describeEachDialect } from '../../test-support/stores.js'
import type { Harness } from '../test-harness.js'
import { createHarness } from '../test-harness.js'

const rules = `
groups:
- name: g
  rules:
  - alert: Always
    expr: vector(1)
`

describeEachDialect('webhook delivery', (dialect) => {
  let harness: Harness | undefined
  afterEach(() => harness?.dispose())

  const setup = async (): Promise<Harness> => {
    harness = await createHarness(dialect, rules, (url) => ({
      route: { receiver: 'hook', group_wait: '10s' },
      receivers: [{ name: 'hook', webhook_configs: [{ url, timeout: '2s' }] }],
    }))
    return harness
  }

  const notifications = async (h: Harness, status: string) => {
    const response = await fetchNotifications(h, status)
    return response
  }

  it('retries 5xx with backoff and records every attempt', async () => {
    const h = await setup()
    h.receiver.answers.push(503, 502)
    await h.step()
    h.clock.advance(10_000)
    await h.step()
    expect(h.receiver.received).toHaveLength(0)
    // Backoff is at most 1 s, then 2 s, for the first retries.
    for (let round = 0; round < 4 && h.receiver.received.length === 0; round++) {
      h.clock.advance(2_000)
      await h.worker.runDue()
    }
    expect(h.receiver.received).toHaveLength(1)
    const [notification] = await notifications(h, 'delivered')
    expect(notification?.attempts.map((a) => [a.outcome, a.statusCode, a.error])).toEqual([
      ['retry', 503, 'answered 503'],
      ['retry', 502, 'answered 502'],
      ['delivered', 200, null],
    ])
  })

  it('dead-letters a 4xx answer with its reason, without retrying', async () => {
    const h = await setup()
    h.receiver.answers.push(400)
    await h.step()
    h.clock.advance(10_000)
    await h.step()
    h.clock.advance(60_000)
    await h.worker.runDue()
    const dead = await notifications(h, 'dead')
    expect(dead).toHaveLength(1)
    expect(dead[0]?.attempts.map((a) => [a.outcome, a.statusCode])).toEqual([['dead', 400]])
    expect(dead[0]?.lastError).toBe('answered 400')
    expect(h.events.map((event) => event.outcome.status)).toContain('failure')
  })
})

interface NotificationView {
  attempts: { outcome: string; statusCode: number | null; error: string | null }[]
  lastError: string | null
}

async function fetchNotifications(h: Harness, status: string): Promise<NotificationView[]> {
  const { default: Fastify } = await import('fastify')
  const server = Fastify()
  await h.module.registerRoutes?.(server)
  const response = await server.inject({
    url: `/v1/alerting/notifications?status=${status}`,
    headers: { authorization: 'Bearer alerting-token-0123456789' },
  })
  await server.close()
  return response.json<{ notifications: NotificationView[] }>().notifications
}

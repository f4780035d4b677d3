import { afterEach, expect, it } from 'vitest'
import Fastify from 'fastify'
import { describeEachDialect } from '../../test-support/stores.js'
import { findTestdata } from '../../test-support/testdata.js'
import type { Harness } from '../test-harness.js'
import { createHarness } from '../test-harness.js'
import { join } from 'node:path'

const sloth = findTestdata('slo/sloth')
const minute = 60_000

describeEachDialect('SLO rules and error budget', (dialect) => {
  let harness: Harness | undefined
  afterEach(() => harness?.dispose())

  it.skipIf(sloth === undefined)('burns budget at 50x with 5% errors and pages', async () => {
    harness = await createHarness(
      dialect,
      'groups: []\n',
      () => ({ evaluation_interval: '1m' }),
      Date.UTC(2026, 0, 1),
      { slos: { files: [join(sloth ?? '', 'getting-started.yml')] } },
    )
    const h = harness
    const start = h.clock.now()
    const appender = h.metrics.appender()
    const name = 'http_request_duration_seconds_count'
    const ok = appender.seriesRef({ __name__: name, job: 'myservice', code: '200' })
    const failed = appender.seriesRef({ __name__: name, job: 'myservice', code: '500' })
    // 19 good and 1 failed request per second for 40 minutes: a 5% error ratio.
    for (let t = 0; t <= 40 * minute; t += 15_000) {
      appender.append(ok, start + t, (19 * t) / 1000)
      appender.append(failed, start + t, t / 1000)
    }
    appender.commit()
    for (let t = 0; t <= 40 * minute; t += minute) {
      h.clock.set(start + t)
      await h.step()
    }

    const server = Fastify()
    await h.module.registerRoutes?.(server)
    const response = await server.inject({
      url: '/v1/slos',
      headers: { authorization: 'Bearer alerting-token-0123456789' },
    })
    const exported = await server.inject({
      url: '/v1/slos/rules',
      headers: { authorization: 'Bearer alerting-token-0123456789' },
    })
    await server.close()
    const [slo] = response.json<{ slos: Record<string, unknown>[] }>().slos
    expect(slo).toMatchObject({
      id: 'myservice-requests-availability',
      objective: 0.999,
      periodDays: 30,
    })
    const burnRates = slo?.burnRates as Record<string, number>
    expect(burnRates['5m']).toBeCloseTo(50, 3)
    expect(burnRates['1h']).toBeCloseTo(50, 3)
    expect(slo?.errorBudgetRemaining).toBeCloseTo(1 - 50, 3)
    expect(exported.body).toContain('slo:sli_error:ratio_rate30d')

    const alerts = h.module.rules.groups
      .flatMap((group) => group.statuses)
      .flatMap((status) => [...status.alerts.values()])
    expect(alerts.map((alert) => [alert.labels.sloth_severity, alert.state]).sort()).toEqual([
      ['page', 'firing'],
      ['ticket', 'firing'],
    ])
  })
})

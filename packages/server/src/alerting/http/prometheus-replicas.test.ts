import type { FastifyInstance } from 'fastify'
import Fastify from 'fastify'
import { afterEach, expect, it } from 'vitest'
import { describeEachDialect } from '../../test-support/stores.js'
import type { AlertingModule } from '../module.js'
import type { Harness } from '../test-harness.js'
import { createHarness } from '../test-harness.js'

const rules = `
groups:
- name: g
  limit: 1
  rules:
  - record: two:series
    expr: label_replace(vector(1), "x", "a", "", "") or label_replace(vector(1), "x", "b", "", "")
  - alert: Always
    expr: vector(1) * 3
    annotations: {summary: "value {{ $value }}"}
  - alert: Later
    expr: vector(1)
    for: 1h
`

const apiGroup = 'name: api\nrules:\n- alert: FromApi\n  expr: vector(1)\n'

interface RulesBody {
  data: {
    groups: {
      name: string
      file: string
      rules: { name: string; health: string; state?: string; alerts?: unknown[] }[]
    }[]
  }
}

async function serverOf(module: AlertingModule): Promise<FastifyInstance> {
  const server = Fastify()
  await module.registerRoutes?.(server)
  return server
}

async function get(server: FastifyInstance, url: string): Promise<unknown> {
  const response = await server.inject({
    url,
    headers: { authorization: 'Bearer metrics-token-0123456789' },
  })
  expect(response.statusCode).toBe(200)
  return response.json()
}

describeEachDialect('Prometheus rules API on every replica', (dialect) => {
  let harness: Harness | undefined
  const servers: FastifyInstance[] = []
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close()
    await harness?.dispose()
  })

  it('answers rules and alerts alike on the lease holder and on another replica', async () => {
    harness = await createHarness(dialect, rules, () => ({}))
    const h = harness
    const holder = await serverOf(h.module)
    servers.push(holder)
    const put = await holder.inject({
      method: 'PUT',
      url: '/v1/alerting/rule-groups/team-a/api',
      headers: {
        authorization: 'Bearer alerting-token-0123456789',
        'content-type': 'application/yaml',
      },
      payload: apiGroup,
    })
    expect(put.statusCode).toBe(201)
    await h.step()

    // A second replica: its own rule manager has never evaluated anything.
    await h.crashAndRestart()
    const replica = await serverOf(h.module)
    servers.push(replica)
    expect(h.module.rules.groups.every((runner) => runner.lastEvaluationMs === undefined)).toBe(
      true,
    )

    const fromReplica = (await get(replica, '/prometheus/api/v1/rules')) as RulesBody
    expect(fromReplica).toEqual(await get(holder, '/prometheus/api/v1/rules'))
    expect(
      fromReplica.data.groups.map((group) => [
        group.file,
        group.rules.map((rule) => [rule.name, rule.health, rule.state, rule.alerts?.length]),
      ]),
    ).toEqual([
      [
        expect.stringContaining('rules.yml'),
        [
          ['two:series', 'err', undefined, undefined],
          ['Always', 'ok', 'firing', 1],
          ['Later', 'ok', 'pending', 1],
        ],
      ],
      ['api:team-a', [['FromApi', 'ok', 'firing', 1]]],
    ])
    const alerts = await get(replica, '/prometheus/api/v1/alerts')
    expect(alerts).toEqual(await get(holder, '/prometheus/api/v1/alerts'))
    expect(alerts).toMatchObject({
      data: {
        alerts: expect.arrayContaining([
          expect.objectContaining({ labels: { alertname: 'Always' }, value: '3e+00' }),
        ]),
      },
    })
  })
})

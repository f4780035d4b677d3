import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import type { TestApp } from '../../test-support/test-app.js'
import { createTestApp } from '../../test-support/test-app.js'
import { describeEachDialect } from '../../test-support/stores.js'
import type { AlertingModule } from '../module.js'

const metricsToken = { authorization: 'Bearer metrics-token-0123456789' }
const amToken = { authorization: 'Bearer alerting-token-0123456789' }

function rulesFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'rampart-rules-')), 'rules.yml')
  writeFileSync(file, text)
  return file
}

const rules = `
groups:
- name: api
  interval: 30s
  rules:
  - record: answer:value
    expr: vector(42)
  - alert: Always
    expr: vector(1) * 3
    labels: {severity: page}
    annotations: {summary: "value {{ $value }}"}
  - alert: Later
    expr: vector(1)
    for: 1h
`

describeEachDialect('alerting HTTP APIs', (dialect) => {
  let testApp: TestApp | undefined
  afterEach(() => testApp?.dispose())

  const start = async (
    file = rulesFile(rules),
    route: Record<string, unknown> | null = { receiver: 'none' },
  ): Promise<{ app: TestApp; alerting: AlertingModule }> => {
    testApp = await createTestApp(dialect, {
      metrics: { api_token: 'metrics-token-0123456789', scrape_self: false },
      alerting: {
        rule_files: [file],
        api_token: 'alerting-token-0123456789',
        ...(route === null ? {} : { route }),
        receivers: ['none', 'team', 'pager', 'audit'].map((name) => ({ name })),
      },
    })
    const alerting = testApp.app.modules.find((mod) => mod.name === 'alerting') as AlertingModule
    return { app: testApp, alerting }
  }

  it('lists rules and alerts in Prometheus shapes', async () => {
    const { app, alerting } = await start()
    expect(await alerting.runOnce()).toBe(true)
    const rulesResponse = await app.app.server.inject({
      url: '/prometheus/api/v1/rules',
      headers: metricsToken,
    })
    expect(rulesResponse.statusCode).toBe(200)
    const body = rulesResponse.json<{
      data: { groups: { name: string; interval: number; rules: Record<string, unknown>[] }[] }
    }>()
    const [group] = body.data.groups
    expect(group).toMatchObject({ name: 'api', interval: 30 })
    expect(group?.rules.map((rule) => [rule.type, rule.name, rule.health, rule.state])).toEqual([
      ['recording', 'answer:value', 'ok', undefined],
      ['alerting', 'Always', 'ok', 'firing'],
      ['alerting', 'Later', 'ok', 'pending'],
    ])
    expect(group?.rules[1]?.alerts).toEqual([
      expect.objectContaining({
        labels: { alertname: 'Always', severity: 'page' },
        annotations: { summary: 'value 3' },
        state: 'firing',
        value: '3e+00',
      }),
    ])
    const alerts = await app.app.server.inject({
      url: '/prometheus/api/v1/alerts',
      headers: metricsToken,
    })
    const states = alerts.json<{ data: { alerts: { state: string }[] } }>().data.alerts
    expect(states.map((alert) => alert.state).sort()).toEqual(['firing', 'pending'])
    const only = await app.app.server.inject({
      url: '/prometheus/api/v1/rules?type=record',
      headers: metricsToken,
    })
    expect(JSON.stringify(only.json())).not.toContain('Always')
    const denied = await app.app.server.inject({ url: '/prometheus/api/v1/rules' })
    expect(denied.statusCode).toBe(401)
  })

  it('creates, lists and expires silences through the Alertmanager API', async () => {
    const { app } = await start()
    const inject = app.app.server.inject.bind(app.app.server)
    const now = Date.now()
    const created = await inject({
      method: 'POST',
      url: '/alertmanager/api/v2/silences',
      headers: amToken,
      payload: {
        matchers: [{ name: 'alertname', value: 'Always', isRegex: false, isEqual: true }],
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now + 3_600_000).toISOString(),
        createdBy: 'ops',
        comment: 'deploy',
      },
    })
    expect(created.statusCode).toBe(200)
    const { silenceID } = created.json<{ silenceID: string }>()
    const listed = await inject({ url: '/alertmanager/api/v2/silences', headers: amToken })
    expect(listed.json()).toEqual([
      expect.objectContaining({ id: silenceID, createdBy: 'ops', status: { state: 'active' } }),
    ])
    const filtered = await inject({
      url: '/alertmanager/api/v2/silences?filter=alertname%3DOther',
      headers: amToken,
    })
    expect(filtered.json()).toEqual([])
    const expired = await inject({
      method: 'DELETE',
      url: `/alertmanager/api/v2/silence/${silenceID}`,
      headers: amToken,
    })
    expect(expired.statusCode).toBe(200)
    const one = await inject({ url: `/alertmanager/api/v2/silence/${silenceID}`, headers: amToken })
    expect(one.json()).toMatchObject({ status: { state: 'expired' } })

    const bad = await inject({
      method: 'POST',
      url: '/alertmanager/api/v2/silences',
      headers: amToken,
      payload: {
        matchers: [{ name: 'a', value: '.*', isRegex: true, isEqual: true }],
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now + 1000).toISOString(),
        createdBy: 'ops',
        comment: 'x',
      },
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toMatchObject({ code: 'alerting_silence_invalid' })
    const missing = await inject({ url: '/alertmanager/api/v2/silence/nope', headers: amToken })
    expect(missing.json()).toMatchObject({ code: 'alerting_silence_not_found' })
  })

  it('refuses a silence with a bad regex matcher, naming the matcher', async () => {
    const { app } = await start()
    const now = Date.now()
    const bad = await app.app.server.inject({
      method: 'POST',
      url: '/alertmanager/api/v2/silences',
      headers: amToken,
      payload: {
        matchers: [
          { name: 'alertname', value: 'Always', isRegex: false, isEqual: true },
          { name: 'instance', value: 'db-(1', isRegex: true, isEqual: true },
        ],
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now + 3_600_000).toISOString(),
        createdBy: 'ops',
        comment: 'maintenance',
      },
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.headers['content-type']).toContain('application/problem+json')
    expect(bad.json()).toMatchObject({
      code: 'alerting_matcher_invalid',
      detail: expect.stringContaining('instance=~"db-(1"'),
      errors: [{ field: 'matchers.1', message: expect.stringContaining('regular expression') }],
    })
    const filter = await app.app.server.inject({
      url: '/alertmanager/api/v2/alerts?filter=instance%3D~%22db-(1%22',
      headers: amToken,
    })
    expect(filter.json()).toMatchObject({ code: 'alerting_matcher_invalid' })
  })

  it('refuses lookahead, which RE2 lacks, and matches a pathological filter quickly', async () => {
    const longValue = 'a'.repeat(28)
    const { app, alerting } = await start(
      rulesFile(
        `groups:\n- name: x\n  rules:\n  - alert: Long\n    expr: vector(1)\n` +
          `    labels: {x: ${longValue}}\n`,
      ),
    )
    expect(await alerting.runOnce()).toBe(true)
    const now = Date.now()
    const lookahead = await app.app.server.inject({
      method: 'POST',
      url: '/alertmanager/api/v2/silences',
      headers: amToken,
      payload: {
        matchers: [{ name: 'instance', value: '(?=x)a', isRegex: true, isEqual: true }],
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now + 3_600_000).toISOString(),
        createdBy: 'ops',
        comment: 'maintenance',
      },
    })
    expect(lookahead.statusCode).toBe(400)
    expect(lookahead.json()).toMatchObject({
      code: 'alerting_matcher_invalid',
      errors: [{ field: 'matchers.0', message: expect.stringContaining('regular expression') }],
    })

    // The reviewer's case: 28 a's froze the server under a backtracking engine.
    const filterBy = (matcher: string) =>
      app.app.server.inject({
        url: `/alertmanager/api/v2/alerts?filter=${encodeURIComponent(matcher)}`,
        headers: amToken,
      })
    const started = Date.now()
    expect((await filterBy('x=~"((a+)+)+b"')).json()).toEqual([])
    expect((await filterBy('x=~"((a+)+)+"')).json()).toMatchObject([{ labels: { x: longValue } }])
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('links alerts to server.public_url when alerting.external_url is unset', async () => {
    testApp = await createTestApp(dialect, {
      server: { public_url: 'https://rampart.example.org/' },
      metrics: { api_token: 'metrics-token-0123456789', scrape_self: false },
      alerting: { rule_files: [rulesFile(rules)], api_token: 'alerting-token-0123456789' },
    })
    const alerting = testApp.app.modules.find((mod) => mod.name === 'alerting') as AlertingModule
    expect(await alerting.runOnce()).toBe(true)

    const alerts = await testApp.app.server.inject({
      url: '/alertmanager/api/v2/alerts',
      headers: amToken,
    })
    expect(alerts.json()).toMatchObject([
      {
        labels: { alertname: 'Always' },
        generatorURL: expect.stringMatching(
          /^https:\/\/rampart\.example\.org\/prometheus\/graph\?g0\.expr=/,
        ),
      },
    ])
  })

  it('lists alerts with the receivers the routing tree chooses', async () => {
    const { app } = await start(rulesFile(rules), {
      receiver: 'team',
      routes: [
        { matchers: ['severity="page"'], receiver: 'pager', continue: true },
        { matchers: ['severity="page"'], receiver: 'audit' },
      ],
    })
    const inject = app.app.server.inject.bind(app.app.server)
    const posted = await inject({
      method: 'POST',
      url: '/alertmanager/api/v2/alerts',
      headers: amToken,
      payload: [
        { labels: { alertname: 'Posted', severity: 'page' } },
        { labels: { alertname: 'Quiet', severity: 'info' } },
      ],
    })
    expect(posted.statusCode).toBe(200)
    const listed = await inject({ url: '/alertmanager/api/v2/alerts', headers: amToken })
    const alerts = listed.json<{ labels: { alertname: string }; receivers: unknown[] }[]>()
    const byName = Object.fromEntries(alerts.map((a) => [a.labels.alertname, a.receivers]))
    expect(byName).toEqual({
      Posted: [{ name: 'pager' }, { name: 'audit' }],
      Quiet: [{ name: 'team' }],
    })
  })

  it('names no receiver for alerts when no routing tree is configured', async () => {
    const { app } = await start(rulesFile(rules), null)
    const inject = app.app.server.inject.bind(app.app.server)
    await inject({
      method: 'POST',
      url: '/alertmanager/api/v2/alerts',
      headers: amToken,
      payload: [{ labels: { alertname: 'Posted' } }],
    })
    const listed = await inject({ url: '/alertmanager/api/v2/alerts', headers: amToken })
    expect(listed.json()).toEqual([expect.objectContaining({ receivers: [] })])
  })

  it('keeps the running rules when a reload finds a bad file', async () => {
    const file = rulesFile(rules)
    const { app, alerting } = await start(file)
    writeFileSync(file, 'groups:\n- name: api\n  rules:\n  - alert: Broken\n    expr: rate(x)\n')
    const response = await app.app.server.inject({
      method: 'POST',
      url: '/v1/alerting/rules/reload',
      headers: amToken,
    })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({
      code: 'alerting_rules_invalid',
      errors: [{ message: expect.stringContaining('group "api", rule 1, "Broken"') }],
    })
    expect(alerting.rules.groups[0]?.statuses.map((status) => status.rule.name)).toEqual([
      'answer:value',
      'Always',
      'Later',
    ])
  })
})

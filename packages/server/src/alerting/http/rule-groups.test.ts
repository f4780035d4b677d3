import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { afterEach, expect, it } from 'vitest'
import type { TestApp } from '../../test-support/test-app.js'
import { createTestApp } from '../../test-support/test-app.js'
import { describeEachDialect } from '../../test-support/stores.js'
import type { AlertingModule } from '../module.js'
import { alertingDb } from '../store/tables.js'
import type { Harness } from '../test-harness.js'
import { createHarness } from '../test-harness.js'

const token = { authorization: 'Bearer alerting-token-0123456789' }
const metricsToken = { authorization: 'Bearer metrics-token-0123456789' }
const yaml = { ...token, 'content-type': 'application/yaml' }

const fileRules = `
groups:
- name: g
  rules:
  - alert: FromFile
    expr: vector(1)
`

const apiGroup = `
name: disk
interval: 30s
rules:
- alert: DiskFull
  expr: vector(2) > 1
  labels: {severity: page}
  annotations: {summary: "value {{ $value }}"}
`

/** Nine levels of aliases, each repeating the one before nine times: an alias bomb. */
function aliasBomb(): string {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x]']
  for (let level = 1; level < 9; level++) {
    const aliases = Array.from({ length: 9 }, () => `*a${level - 1}`).join(', ')
    lines.push(`a${level}: &a${level} [${aliases}]`)
  }
  return `${lines.join('\n')}\n`
}

interface GroupView {
  namespace: string
  name: string
  version: string
  group: Record<string, unknown>
}

describeEachDialect('rule groups through the API', (dialect) => {
  let testApp: TestApp | undefined
  let harness: Harness | undefined
  afterEach(async () => {
    await testApp?.dispose()
    await harness?.dispose()
    testApp = undefined
    harness = undefined
  })

  const start = async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rampart-rules-')), 'rules.yml')
    writeFileSync(file, fileRules)
    testApp = await createTestApp(dialect, {
      metrics: { api_token: 'metrics-token-0123456789', scrape_self: false },
      alerting: { rule_files: [file], api_token: 'alerting-token-0123456789' },
    })
    const alerting = testApp.app.modules.find((mod) => mod.name === 'alerting') as AlertingModule
    const server = testApp.app.server
    const inject = server.inject.bind(server)
    const ruleNames = () =>
      alerting.rules.groups.map((runner) => [
        runner.group.file.startsWith('api:') ? runner.group.file : 'file',
        runner.group.name,
        runner.statuses.map((status) => status.rule.name).join(','),
      ])
    const auditTypes = async () => {
      const rows = await testApp!.app.store.db.selectFrom('audit_events').select('body').execute()
      return rows
        .map((row) => JSON.parse(row.body) as { type: string; fields?: Record<string, unknown> })
        .filter((event) => event.type.startsWith('alerting.rule_group.'))
    }
    return { alerting, inject, ruleNames, auditTypes }
  }

  it('creates, lists, replaces and deletes a group evaluated with the file rules', async () => {
    const { alerting, inject, ruleNames, auditTypes } = await start()
    const url = '/v1/alerting/rule-groups/team-a/disk'

    const created = await inject({ method: 'PUT', url, headers: yaml, payload: apiGroup })
    expect(created.statusCode).toBe(201)
    const first = created.json<GroupView>()
    expect(first).toMatchObject({ namespace: 'team-a', name: 'disk', group: { interval: '30s' } })
    expect(ruleNames()).toEqual([
      ['file', 'g', 'FromFile'],
      ['api:team-a', 'disk', 'DiskFull'],
    ])

    expect(await alerting.runOnce()).toBe(true)
    const rules = await inject({ url: '/prometheus/api/v1/rules', headers: metricsToken })
    const groups = rules.json<{
      data: { groups: { file: string; rules: { state: string }[] }[] }
    }>()
    expect(groups.data.groups.map((group) => [group.file, group.rules[0]?.state])).toEqual([
      [expect.stringContaining('rules.yml'), 'firing'],
      ['api:team-a', 'firing'],
    ])

    const listed = await inject({ url: '/v1/alerting/rule-groups', headers: token })
    expect(listed.json<{ groups: GroupView[] }>().groups.map((g) => g.name)).toEqual(['disk'])
    const asYaml = await inject({ url, headers: { ...token, accept: 'application/yaml' } })
    expect(asYaml.headers['content-type']).toContain('application/yaml')
    expect(asYaml.body).toContain('alert: DiskFull')

    const replaced = await inject({
      method: 'PUT',
      url,
      headers: token,
      payload: {
        rules: [
          { alert: 'DiskFull', expr: 'vector(3) > 1' },
          { record: 'r', expr: '1' },
        ],
      },
    })
    expect(replaced.statusCode).toBe(200)
    expect(replaced.json<GroupView>().version).not.toBe(first.version)
    expect(ruleNames()[1]).toEqual(['api:team-a', 'disk', 'DiskFull,r'])

    const deleted = await inject({ method: 'DELETE', url, headers: token })
    expect(deleted.statusCode).toBe(204)
    expect(ruleNames()).toEqual([['file', 'g', 'FromFile']])
    const again = await inject({ method: 'DELETE', url, headers: token })
    expect(again.statusCode).toBe(404)
    expect(again.json()).toMatchObject({ code: 'alerting_rule_group_not_found' })

    const events = await auditTypes()
    expect(events.map((event) => event.type)).toEqual([
      'alerting.rule_group.created',
      'alerting.rule_group.updated',
      'alerting.rule_group.deleted',
    ])
    expect(events[0]?.fields).toMatchObject({ namespace: 'team-a', group: 'disk' })
    expect(String(events[1]?.fields?.definition)).toContain('vector(3) > 1')
  })

  it.each([
    [
      'a rule that does not parse',
      'name: disk\nrules:\n- alert: Broken\n  expr: rate(x)\n',
      'api:team-a, group "disk", rule 1, "Broken": could not parse expression',
    ],
    [
      'an unknown field',
      'name: disk\nrules:\n- alert: A\n  expr: up\n  severity: page\n',
      'rule 1, "A": field severity not found in type rulefmt.Rule',
    ],
    ['a YAML error', 'name: disk\nrules: [\n', 'api:team-a:3: '],
    [
      'another group name',
      'name: other\nrules: []\n',
      'the body names group "other", the path disk',
    ],
    ['a list', '- alert: A\n  expr: up\n', 'the body must be one rule group'],
    ['an alias bomb', aliasBomb(), 'YAML aliases expand too far'],
  ])('refuses %s and keeps the running rules', async (_case, body, message) => {
    const { inject, ruleNames, auditTypes } = await start()
    const url = '/v1/alerting/rule-groups/team-a/disk'
    await inject({ method: 'PUT', url, headers: yaml, payload: apiGroup })
    const before = ruleNames()

    const refused = await inject({ method: 'PUT', url, headers: yaml, payload: body })
    expect(refused.statusCode).toBe(400)
    expect(refused.headers['content-type']).toContain('application/problem+json')
    expect(refused.json()).toMatchObject({
      code: 'alerting_rules_invalid',
      errors: [{ field: 'api:team-a', message: expect.stringContaining(message) }],
    })
    expect(ruleNames()).toEqual(before)
    const stored = await inject({ url, headers: token })
    expect(stored.json<GroupView>().group).toMatchObject({ interval: '30s' })
    const events = await auditTypes()
    expect(events.map((event) => event.type)).toEqual([
      'alerting.rule_group.created',
      'alerting.rule_group.rejected',
    ])
  })

  it('shows a stored group that no longer validates as not evaluated', async () => {
    const { inject, ruleNames } = await start()
    await inject({
      method: 'PUT',
      url: '/v1/alerting/rule-groups/team-a/disk',
      headers: yaml,
      payload: apiGroup,
    })
    // As if stored by a version that accepted it (or before name_validation became legacy).
    await alertingDb(testApp!.app.store.db)
      .insertInto('alerting_rule_groups')
      .values({
        namespace: 'team-b',
        group_name: 'old',
        definition: JSON.stringify({ name: 'old', rules: [{ alert: 'Old', expr: 'rate(x)' }] }),
        version: 'v1',
        created_at: 0,
        updated_at: 0,
      })
      .execute()
    const listed = await inject({ url: '/v1/alerting/rule-groups', headers: token })
    expect(listed.json()).toMatchObject({
      groups: [
        { namespace: 'team-a', name: 'disk', evaluated: true },
        {
          namespace: 'team-b',
          name: 'old',
          evaluated: false,
          problems: [expect.stringContaining('group "old", rule 1, "Old": could not parse')],
        },
      ],
    })
    expect(ruleNames()).toEqual([
      ['file', 'g', 'FromFile'],
      ['api:team-a', 'disk', 'DiskFull'],
    ])
    const removed = await inject({
      method: 'DELETE',
      url: '/v1/alerting/rule-groups/team-b/old',
      headers: token,
    })
    expect(removed.statusCode).toBe(204)
  })

  it('refuses a bad namespace and callers without the token', async () => {
    const { inject } = await start()
    const badNamespace = await inject({
      method: 'PUT',
      url: '/v1/alerting/rule-groups/..%2Fetc/disk',
      headers: yaml,
      payload: apiGroup,
    })
    expect(badNamespace.statusCode).toBe(400)
    expect(badNamespace.json()).toMatchObject({ code: 'validation_failed' })
    const anonymous = await inject({
      method: 'PUT',
      url: '/v1/alerting/rule-groups/team-a/disk',
      headers: { 'content-type': 'application/yaml' },
      payload: apiGroup,
    })
    expect(anonymous.statusCode).toBe(401)
    const missing = await inject({ url: '/v1/alerting/rule-groups/team-a/nope', headers: token })
    expect(missing.json()).toMatchObject({ code: 'alerting_rule_group_not_found' })
  })

  it('describes the routes in the OpenAPI document', async () => {
    const { inject } = await start()
    const document = (await inject({ url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, { tags?: string[] }>>
    }>()
    const one = document.paths['/v1/alerting/rule-groups/{namespace}/{group}']
    expect(Object.keys(one ?? {}).sort()).toEqual(['delete', 'get', 'put'])
    expect(one?.put?.tags).toEqual(['alerting'])
    expect(document.paths['/v1/alerting/rule-groups']).toHaveProperty('get')
  })

  it('has a new lease holder evaluate groups put through another replica', async () => {
    harness = await createHarness(dialect, fileRules, (url) => ({
      route: { receiver: 'hook', group_by: ['alertname'], group_wait: '1s' },
      receivers: [{ name: 'hook', webhook_configs: [{ url }] }],
    }))
    const h = harness
    // Replica A serves the API; after the restart B holds the lease and evaluates.
    const replicaA = Fastify()
    await h.module.registerRoutes?.(replicaA)
    const put = (url: string, payload: string) =>
      replicaA.inject({ method: 'PUT', url, headers: yaml, payload })
    expect((await put('/v1/alerting/rule-groups/team-a/disk', apiGroup)).statusCode).toBe(201)

    await h.crashAndRestart()
    await h.step()
    expect(h.module.rules.groups.map((runner) => runner.group.name)).toEqual(['g', 'disk'])

    const cpu = 'name: cpu\nrules:\n- alert: CpuHot\n  expr: vector(1)\n'
    expect((await put('/v1/alerting/rule-groups/team-b/cpu', cpu)).statusCode).toBe(201)
    await replicaA.close()
    await h.step()
    h.clock.advance(2_000)
    await h.step()
    expect(h.module.rules.groups.map((runner) => runner.group.name)).toEqual(['g', 'disk', 'cpu'])
    const names = h.receiver.received.flatMap((body) => body.alerts.map((a) => a.labels.alertname))
    expect(names.sort()).toEqual(['CpuHot', 'DiskFull', 'FromFile'])
  })
})

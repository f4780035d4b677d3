import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { RunningPrometheus } from '../../test-support/prometheus.js'
import { prometheusInstalled, startPrometheus } from '../../test-support/prometheus.js'
import type { TestApp } from '../../test-support/test-app.js'
import { createTestApp } from '../../test-support/test-app.js'
import { encodeWriteRequest } from '../../metrics/remote-write/write-request.js'
import type { AlertingModule } from '../module.js'

/**
 * With `metrics.backend: prometheus`, rule results are written back to the remote server by
 * remote write: a real Prometheus (Debian's package) must then answer queries for them.
 */
const missing = !prometheusInstalled()
if (missing && process.env.CI === 'true') {
  throw new Error('/usr/bin/prometheus is required in CI (apt-get install prometheus)')
}

const rules = `
groups:
- name: write-back
  interval: 10s
  labels: {team: core}
  rules:
  - record: job:up:sum
    expr: vector(2)
  - alert: AlwaysFiring
    expr: vector(1)
    for: 0s
    labels: {severity: page}
`
const resolvingRules = `
groups:
- name: resolving
  rules:
  - alert: TriggerHigh
    expr: trigger > 0
`
const basicAuth = { username: 'rampart', password: 'remote-backend-secret-4711' }
const remote = {
  basic_auth: basicAuth,
  headers: { 'X-Scope-OrgID': 'team-a' },
}

interface QueryAnswer {
  status: string
  data: { result: { metric: Record<string, string>; value: [number, string] }[] }
}

describe.skipIf(missing)('rule results written back to a remote Prometheus', () => {
  let prometheus: RunningPrometheus
  let dir: string
  let testApp: TestApp | undefined

  beforeAll(async () => {
    // Basic auth on every endpoint: queries and writes only work with the configured credentials.
    prometheus = await startPrometheus({ basicAuth })
    dir = mkdtempSync(join(tmpdir(), 'rampart-write-back-'))
    writeFileSync(join(dir, 'rules.yml'), rules)
    writeFileSync(join(dir, 'resolving.yml'), resolvingRules)
  }, 60_000)

  afterEach(async () => {
    await testApp?.dispose()
    testApp = undefined
  })

  afterAll(() => {
    prometheus?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const start = async (remote: Record<string, unknown>, ruleFile = 'rules.yml') => {
    testApp = await createTestApp('sqlite', {
      metrics: { backend: 'prometheus', remote_url: prometheus.url, remote },
      alerting: { rule_files: [join(dir, ruleFile)] },
    })
    return testApp.app.modules.find((mod) => mod.name === 'alerting') as AlertingModule
  }

  const query = async (expr: string, atMs?: number): Promise<QueryAnswer['data']['result']> => {
    const time = atMs === undefined ? '' : `&time=${atMs / 1000}`
    const url = `${prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}${time}`
    const answer = (await (await fetch(url, { headers: prometheus.headers })).json()) as QueryAnswer
    expect(answer.status).toBe('success')
    return answer.data.result
  }

  it('writes recorded series and ALERTS with the evaluation timestamp', async () => {
    const alerting = await start(remote)

    expect(await alerting.runOnce()).toBe(true)
    await alerting.idle()

    const evaluatedAtMs = alerting.rules.groups[0]?.lastEvaluationMs
    expect(evaluatedAtMs).toBeDefined()
    expect(await query('job:up:sum')).toEqual([
      {
        metric: { __name__: 'job:up:sum', team: 'core' },
        value: [expect.any(Number), '2'],
      },
    ])
    const labels = { alertname: 'AlwaysFiring', severity: 'page', team: 'core' }
    expect(await query('ALERTS{alertstate="firing"}')).toEqual([
      {
        metric: { __name__: 'ALERTS', alertstate: 'firing', ...labels },
        value: [expect.any(Number), '1'],
      },
    ])
    expect(await query('ALERTS_FOR_STATE')).toEqual([
      {
        metric: { __name__: 'ALERTS_FOR_STATE', ...labels },
        value: [expect.any(Number), String(evaluatedAtMs! / 1000)],
      },
    ])
    // The samples carry the evaluation time, not the time they arrived.
    expect(await query(`timestamp(job:up:sum)`)).toEqual([
      { metric: { team: 'core' }, value: [expect.any(Number), String(evaluatedAtMs! / 1000)] },
    ])
    expect(testApp!.log.text()).not.toContain(basicAuth.password)
  })

  it('counts and logs a refused write once, and keeps evaluating', async () => {
    const alerting = await start({
      ...remote,
      write_url: `${prometheus.url}/api/v1/not-a-write-endpoint`,
    })

    for (let round = 0; round < 2; round++) {
      expect(await alerting.runOnce()).toBe(true)
      await alerting.idle()
      // Let the group fall due again.
      alerting.rules.groups[0]!.lastEvaluationMs = undefined
    }

    expect(alerting.rules.groups[0]?.statuses.map((status) => status.health)).toEqual(['ok', 'ok'])
    const warnings = testApp!.log
      .lines()
      .filter((line) => line.msg === 'rule results not written to the remote metrics backend')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatchObject({
      endpoint: `${prometheus.url}/api/v1/not-a-write-endpoint`,
      samples: 3,
      err: { message: expect.stringContaining('HTTP 404') },
    })
    const exposition = await testApp!.app.metrics.exposition()
    expect(exposition.body).toContain('rampart_rule_remote_write_failed_samples_total 6')
    expect(testApp!.log.text()).not.toContain(basicAuth.password)
  })

  it('marks ALERTS stale when the alert resolves', async () => {
    const push = async (value: number): Promise<void> => {
      const series = [
        { labels: { __name__: 'trigger' }, samples: [{ value, timestampMs: Date.now() }] },
      ]
      const response = await fetch(`${prometheus.url}/api/v1/write`, {
        method: 'POST',
        headers: {
          ...prometheus.headers,
          'content-type': 'application/x-protobuf',
          'content-encoding': 'snappy',
          'x-prometheus-remote-write-version': '0.1.0',
        },
        body: encodeWriteRequest(series),
      })
      expect(response.status).toBe(204)
    }
    const alerting = await start(remote, 'resolving.yml')
    // Loading rule groups replaces the runners, so look the group up each time.
    const group = () => alerting.rules.groups[0]!
    const evaluate = async (): Promise<number> => {
      await new Promise((resolve) => setTimeout(resolve, 5))
      group().lastEvaluationMs = undefined
      expect(await alerting.runOnce()).toBe(true)
      await alerting.idle()
      return group().lastEvaluationMs!
    }

    // The Prometheus is shared with the tests above: select this test's alert only.
    const ours = '{alertname="TriggerHigh"}'
    const alerts = `ALERTS${ours}`

    await push(1)
    const firedAtMs = await evaluate()
    await push(0)
    const resolvedAtMs = await evaluate()

    expect(group().statuses[0]?.health).toBe('ok')
    expect(await query(alerts, firedAtMs)).toHaveLength(1)
    // A staleness marker ends the series; a plain NaN would still be returned here.
    expect(await query(alerts, resolvedAtMs)).toEqual([])
    expect(await query(`ALERTS_FOR_STATE${ours}`, resolvedAtMs)).toEqual([])
    expect(await query(`count_over_time(${alerts}[1m])`, resolvedAtMs)).toEqual([
      {
        metric: { alertname: 'TriggerHigh', alertstate: 'firing' },
        value: [expect.any(Number), '1'],
      },
    ])
  })
})

/**
 * Alerting benchmarks, as JSON lines:
 *
 * 1. Rule evaluation: 1,000 alerting rules in 10 groups over 100,000 active series in the
 *    embedded store (1,000 services × 100 instances; each rule aggregates the 100 series of
 *    one service, half the rules fire with templated annotations). Reports the time of a
 *    whole evaluation round, per group and per rule, against the 15 s interval target.
 * 2. Firing to webhook: a whole Rampart (SQLite) with 5 always-firing rules, group_wait 1 s,
 *    and a webhook receiver on loopback; reports the time from the evaluation that made
 *    each alert fire to its webhook arriving, against group_wait + 1 s.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openMetricStore } from '@rampart/promql'
import { GroupRunner } from '../src/alerting/evaluation/group-runner.js'
import { embeddedBackend } from '../src/alerting/evaluation/rule-querier.js'
import { parseRuleFile } from '../src/alerting/rules/parse-rule-file.js'
import type { AlertingModule } from '../src/alerting/module.js'
import { createTestApp } from '../src/test-support/test-app.js'

const services = 1000
const instancesPerService = 100
const groups = 10
const rulesPerGroup = 100

function percentile(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))] ?? NaN
}

const round2 = (value: number): number => Math.round(value * 100) / 100

async function ruleEvaluation(): Promise<void> {
  const store = openMetricStore({ background: false })
  const nowMs = Math.floor(Date.now() / 15_000) * 15_000
  const appender = store.appender()
  for (let service = 0; service < services; service++) {
    for (let instance = 0; instance < instancesPerService; instance++) {
      const ref = appender.seriesRef({
        __name__: 'http_requests_errors_total',
        service: `svc-${service}`,
        instance: `host-${instance}:9100`,
      })
      // Five scrapes 15 s apart; odd services err at 1/s, even ones at 0.1/s.
      const perSecond = service % 2 === 1 ? 1 : 0.1
      for (let scrape = 4; scrape >= 0; scrape--) {
        const t = nowMs - scrape * 15_000
        appender.append(ref, t, ((t / 1000) * perSecond) % 1e9)
      }
    }
  }
  appender.commit()

  const metric = 'http_requests_errors_total'
  const yaml = ['groups:']
  for (let group = 0; group < groups; group++) {
    yaml.push(`- name: group-${group}`, '  rules:')
    for (let rule = 0; rule < rulesPerGroup; rule++) {
      const service = group * rulesPerGroup + rule
      yaml.push(
        `  - alert: ErrorRate${service}`,
        `    expr: sum by (service) (rate(${metric}{service="svc-${service}"}[1m])) > 50`,
        '    labels: {severity: page}',
        '    annotations:',
        '      summary: "{{ $labels.service }} errs at {{ $value | humanize }}/s"',
      )
    }
  }
  const runners = parseRuleFile(yaml.join('\n'), 'bench.yml').map(
    (group) => new GroupRunner(group, 15_000),
  )
  const backend = embeddedBackend(store, {
    lookbackDeltaMs: 300_000,
    maxSamples: 50_000_000,
    timeoutMs: 120_000,
  })
  const context = { externalLabels: {}, externalUrl: 'http://127.0.0.1:8080' }

  const rounds: number[] = []
  const groupMs: number[] = []
  const ruleMs: number[] = []
  for (let round = 0; round < 4; round++) {
    const started = performance.now()
    for (const runner of runners) {
      await runner.evaluate(nowMs + round * 15_000, backend, context)
      if (round === 0) continue
      groupMs.push(runner.evaluationDurationMs)
      for (const status of runner.statuses) ruleMs.push(status.evaluationDurationMs)
    }
    if (round > 0) rounds.push(performance.now() - started)
  }
  const firing = runners
    .flatMap((runner) => runner.statuses)
    .filter((status) => status.alerts.size > 0).length
  const errors = runners.flatMap((r) => r.statuses).filter((s) => s.health === 'err').length
  store.close()
  console.log(
    JSON.stringify({
      bench: 'alerting.rule_evaluation',
      rules: groups * rulesPerGroup,
      series: services * instancesPerService,
      rulesFiring: firing,
      ruleErrors: errors,
      roundMsMedian: round2(percentile(rounds, 0.5)),
      groupMsMedian: round2(percentile(groupMs, 0.5)),
      groupMsMax: round2(Math.max(...groupMs)),
      ruleMsMedian: round2(percentile(ruleMs, 0.5)),
      ruleMsP99: round2(percentile(ruleMs, 0.99)),
      targetRoundMs: 15_000,
      withinTarget: percentile(rounds, 0.5) < 15_000,
    }),
  )
}

async function firingToWebhook(): Promise<void> {
  const arrivals: { alertname: string; atMs: number }[] = []
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        groupLabels: { alertname: string }
      }
      arrivals.push({ alertname: body.groupLabels.alertname, atMs: Date.now() })
      response.writeHead(200).end()
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  const { port } = receiver.address() as AddressInfo
  const file = join(mkdtempSync(join(tmpdir(), 'rampart-bench-')), 'rules.yml')
  const names = ['A', 'B', 'C', 'D', 'E']
  writeFileSync(
    file,
    `groups:\n- name: g\n  interval: 5s\n  rules:\n${names
      .map((name) => `  - alert: Fire${name}\n    expr: vector(1)\n`)
      .join('')}`,
  )
  const groupWaitMs = 1000
  const testApp = await createTestApp('sqlite', {
    metrics: { scrape_self: false },
    alerting: {
      rule_files: [file],
      route: { receiver: 'hook', group_by: ['alertname'], group_wait: '1s' },
      receivers: [{ name: 'hook', webhook_configs: [{ url: `http://127.0.0.1:${port}/` }] }],
    },
  })
  await testApp.app.start()
  const deadline = Date.now() + 20_000
  while (arrivals.length < names.length && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const alerting = testApp.app.modules.find((mod) => mod.name === 'alerting') as AlertingModule
  const firedAt = new Map<string, number>()
  for (const runner of alerting.rules.groups) {
    for (const status of runner.statuses) {
      for (const alert of status.alerts.values()) {
        if (alert.firedAtMs !== undefined) firedAt.set(status.rule.name, alert.firedAtMs)
      }
    }
  }
  const latencies = arrivals.map(
    (arrival) => arrival.atMs - (firedAt.get(arrival.alertname) ?? NaN),
  )
  await testApp.dispose()
  await new Promise((resolve) => receiver.close(resolve))
  console.log(
    JSON.stringify({
      bench: 'alerting.firing_to_webhook',
      alerts: names.length,
      received: arrivals.length,
      groupWaitMs,
      latencyMsMedian: Math.round(percentile(latencies, 0.5)),
      latencyMsMax: Math.round(Math.max(...latencies)),
      targetMs: groupWaitMs + 1000,
      withinTarget:
        arrivals.length === names.length && Math.max(...latencies) <= groupWaitMs + 1000,
    }),
  )
}

await ruleEvaluation()
await firingToWebhook()

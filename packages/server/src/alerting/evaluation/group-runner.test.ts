import { MemoryQuerier } from '@rampart/promql'
import type { Labels } from '@rampart/promql'
import { describe, expect, it } from 'vitest'
import { parseRuleFile } from '../rules/parse-rule-file.js'
import { restoreAlerts } from './alert-state.js'
import { GroupRunner } from './group-runner.js'
import type { RuleBackend, RuleSample } from './rule-querier.js'
import { evaluateInstant } from '@rampart/promql'

const minute = 60_000

/** A backend over an in-memory querier that records what rules write, as the store would. */
function memoryBackend(): { backend: RuleBackend; querier: MemoryQuerier } {
  const querier = new MemoryQuerier()
  const backend: RuleBackend = {
    query: (_expr, parsed, timeMs) => {
      const { value } = evaluateInstant(parsed, timeMs, { querier })
      if (value.resultType === 'scalar')
        return Promise.resolve([{ labels: {}, value: value.value }])
      if (value.resultType !== 'vector') throw new Error('not a vector')
      return Promise.resolve(value.samples.map((s) => ({ labels: s.labels, value: s.value })))
    },
    write: (samples: readonly RuleSample[], _ended: readonly Labels[], timeMs: number) => {
      for (const sample of samples) querier.add(sample.labels, timeMs, sample.value)
      return true
    },
  }
  return { backend, querier }
}

const context = { externalLabels: {}, externalUrl: 'http://rampart' }

function runnerOf(yaml: string): GroupRunner {
  const [group] = parseRuleFile(yaml, 'rules.yml')
  if (group === undefined) throw new Error('no group')
  return new GroupRunner(group, minute)
}

const upRules = `
groups:
- name: g
  rules:
  - alert: Down
    expr: up == 0
    for: 3m
    keep_firing_for: 2m
    labels: {severity: page}
    annotations: {summary: "{{ $labels.instance }} down ({{ $value }})"}
`

describe('alerting rule state machine', () => {
  it('goes pending, firing after for, keeps firing for keep_firing_for, then resolves', async () => {
    const { backend, querier } = memoryBackend()
    const runner = runnerOf(upRules)
    // up is 0 from minute 0 to 5, then 1.
    for (let m = 0; m <= 12; m++)
      querier.add({ __name__: 'up', instance: 'a' }, m * minute, m <= 5 ? 0 : 1)

    const states: string[] = []
    for (let m = 0; m <= 9; m++) {
      await runner.evaluate(m * minute, backend, context)
      const [alert] = runner.statuses[0]?.alerts.values() ?? []
      states.push(alert?.state ?? 'none')
    }
    expect(states).toEqual([
      'pending', // 0
      'pending',
      'pending',
      'firing', // 3: 3m after activeAt
      'firing',
      'firing', // 5: last minute down
      'firing', // 6, 7: keep_firing_for 2m
      'firing',
      'inactive', // 8: resolved
      'inactive',
    ])
    const alert = [...(runner.statuses[0]?.alerts.values() ?? [])][0]
    expect(alert).toMatchObject({
      labels: { alertname: 'Down', instance: 'a', severity: 'page' },
      annotations: { summary: 'a down (0)' },
      activeAtMs: 0,
      firedAtMs: 3 * minute,
      resolvedAtMs: 8 * minute,
    })
    expect(runner.statuses[0]?.health).toBe('ok')
  })

  it('writes ALERTS and ALERTS_FOR_STATE, and recording rules other rules can read', async () => {
    const { backend, querier } = memoryBackend()
    const runner = runnerOf(`
groups:
- name: g
  rules:
  - record: job:errors:sum
    expr: sum by (job) (errors)
  - alert: Errors
    expr: job:errors:sum > 1
`)
    querier.add({ __name__: 'errors', job: 'api', instance: '1' }, 0, 2)
    querier.add({ __name__: 'errors', job: 'api', instance: '2' }, 0, 3)
    await runner.evaluate(0, backend, context)
    const read = (query: string) => {
      const { value } = evaluateInstant(query, 0, { querier })
      return value.resultType === 'vector' ? value.samples.map((s) => [s.labels, s.value]) : []
    }
    expect(read('job:errors:sum')).toEqual([[{ __name__: 'job:errors:sum', job: 'api' }, 5]])
    expect(read('ALERTS')).toEqual([
      [{ __name__: 'ALERTS', alertname: 'Errors', alertstate: 'firing', job: 'api' }, 1],
    ])
    expect(read('ALERTS_FOR_STATE')).toEqual([
      [{ __name__: 'ALERTS_FOR_STATE', alertname: 'Errors', job: 'api' }, 0],
    ])
  })

  it('reports duplicate label sets and limits as rule errors', async () => {
    const { backend, querier } = memoryBackend()
    const runner = runnerOf(`
groups:
- name: g
  limit: 1
  rules:
  - alert: Dup
    expr: x
    labels: {instance: same}
  - alert: Many
    expr: y
`)
    querier.add({ __name__: 'x', instance: '1' }, 0, 1)
    querier.add({ __name__: 'x', instance: '2' }, 0, 1)
    querier.add({ __name__: 'y', a: '1' }, 0, 1)
    querier.add({ __name__: 'y', a: '2' }, 0, 1)
    await runner.evaluate(0, backend, context)
    expect(runner.statuses.map((status) => [status.health, status.lastError])).toEqual([
      ['err', 'vector contains metrics with the same labelset after applying alert labels'],
      ['err', 'exceeded limit of 1 with 2 alerts'],
    ])
  })

  it('does not count downtime towards for when restoring pending alerts', () => {
    const pending = { fingerprint: 'p', labels: {}, annotations: {}, value: 1, activeAtMs: 0 }
    const restored = restoreAlerts(
      [
        { ...pending, state: 'pending' },
        { ...pending, fingerprint: 'f', state: 'firing', firedAtMs: 60_000 },
      ],
      10 * minute,
      60 * minute,
    )
    expect(restored.get('p')?.activeAtMs).toBe(10 * minute)
    expect(restored.get('f')).toMatchObject({ state: 'firing', activeAtMs: 0 })
    expect(
      restoreAlerts([{ ...pending, state: 'pending' }], 2 * 60 * minute, 60 * minute).size,
    ).toBe(0)
  })
})

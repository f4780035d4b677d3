import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { findTestdata } from '../../test-support/testdata.js'
import { runUnitTestFile } from './run-unit-tests.js'

const fixtures = findTestdata('rules/promtool-unittest')

describe.skipIf(fixtures === undefined)("promtool's unit-test fixture", () => {
  const directory = fixtures ?? ''

  it('passes, with only the native-histogram checks reported as unsupported', async () => {
    const result = await runUnitTestFile(join(directory, 'unittest.yml'))
    expect(result.failures).toEqual([])
    expect(result.checks).toBe(26)
    expect(result.unsupported).toHaveLength(3)
    expect(result.unsupported.every((line) => line.includes('native histograms'))).toBe(true)
  })

  it.each([
    [
      'summary: "Instance {{ $labels.instance }} down"',
      'summary: "Instance {{ $labels.job }} down"',
      'alertname: InstanceDown',
    ],
    ['expr: up == 0', 'expr: up == 1', 'alertname: InstanceDown'],
    ['for: 5m', 'for: 0m', 'count(ALERTS) by (alertname, alertstate)'],
    [
      'expr: sum without(instance) (count_over_time(test[1m]))',
      'expr: sum without(instance) (count_over_time(test[2m]))',
      'job:test:count_over_time1m',
    ],
  ])('fails when the rules change: %s → %s', async (from, to, reported) => {
    const copy = mkdtempSync(join(tmpdir(), 'rampart-unittest-'))
    copyFileSync(join(directory, 'unittest.yml'), join(copy, 'unittest.yml'))
    const rules = readFileSync(join(directory, 'rules.yml'), 'utf8')
    expect(rules).toContain(from)
    writeFileSync(join(copy, 'rules.yml'), rules.replace(from, to))
    const result = await runUnitTestFile(join(copy, 'unittest.yml'))
    expect(result.failures.length).toBeGreaterThan(0)
    expect(result.failures.join('\n')).toContain(reported)
  })
})

/**
 * `rampart rules test`: runs rule unit tests in promtool's format. Input series are loaded
 * in the series notation of Prometheus test files, the rule files are evaluated every
 * `evaluation_interval`, and the firing alerts and PromQL results at each `eval_time` are
 * compared with the expected ones.
 */
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Labels } from '@rampart/promql'
import {
  evaluateInstant,
  MemoryQuerier,
  parseDurationMs,
  parseMetric,
  parseSequence,
} from '@rampart/promql'
import { parse } from 'yaml'
import { GroupRunner } from '../evaluation/group-runner.js'
import { labelsKey } from '../evaluation/fingerprint.js'
import { memoryBackend } from '../evaluation/rule-querier.js'
import { loadRuleFiles } from '../rules/parse-rule-file.js'
import { RuleFileError } from '../rules/rule-file.js'
import type { TestCase, UnitTestFile } from './unit-test-file.js'
import { unitTestFileSchema } from './unit-test-file.js'

export interface UnitTestResult {
  readonly file: string
  readonly failures: readonly string[]
  /** Checks this engine cannot run (native histograms), reported rather than failed. */
  readonly unsupported: readonly string[]
  readonly checks: number
}

function durationOf(text: string | number | undefined, fallbackMs: number): number {
  if (text === undefined) return fallbackMs
  if (typeof text === 'number') return text * 1000
  const ms = parseDurationMs(text)
  if (ms === undefined) throw new Error(`bad duration "${text}"`)
  return ms
}

const epsilon = 1e-6

function closeTo(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b)
  if (a === b) return true
  return Math.abs(a - b) <= epsilon * Math.max(1, Math.abs(a), Math.abs(b))
}

function show(labels: Labels): string {
  const { __name__: name = '', ...rest } = labels
  const items = Object.keys(rest)
    .sort()
    .map((key) => `${key}=${JSON.stringify(rest[key])}`)
  return `${name}{${items.join(', ')}}`
}

function loadSeries(test: TestCase, querier: MemoryQuerier, intervalMs: number): boolean {
  let histograms = false
  for (const input of test.input_series ?? []) {
    const labels = parseMetric(input.series)
    parseSequence(String(input.values)).forEach((value, index) => {
      const timeMs = index * intervalMs
      if (value.kind === 'value') querier.add(labels, timeMs, value.value)
      else if (value.kind === 'stale') querier.addStale(labels, timeMs)
      else if (value.kind === 'histogram') histograms = true
    })
  }
  return histograms
}

async function runTestCase(
  test: TestCase,
  spec: UnitTestFile,
  baseDir: string,
  result: { failures: string[]; unsupported: string[]; checks: number },
  name: string,
): Promise<void> {
  const evaluationMs = durationOf(spec.evaluation_interval, 60_000)
  const intervalMs = durationOf(test.interval, evaluationMs)
  const querier = new MemoryQuerier()
  loadSeries(test, querier, intervalMs)

  const files = (spec.rule_files ?? []).map((file) => resolve(baseDir, file))
  const groups = loadRuleFiles(files).map((group) => new GroupRunner(group, evaluationMs))
  const backend = memoryBackend(querier, { defaultSubqueryStepMs: evaluationMs })
  const context = {
    externalLabels: test.external_labels ?? {},
    externalUrl: test.external_url ?? '',
  }

  const alertTests = (test.alert_rule_test ?? []).map((item) => ({
    ...item,
    timeMs: durationOf(item.eval_time, 0),
  }))
  const exprTests = (test.promql_expr_test ?? []).map((item) => ({
    ...item,
    timeMs: durationOf(item.eval_time, 0),
  }))
  const maxMs = Math.max(0, ...alertTests.map((t) => t.timeMs), ...exprTests.map((t) => t.timeMs))
  alertTests.sort((a, b) => a.timeMs - b.timeMs)

  let next = 0
  for (let timeMs = 0; timeMs <= maxMs; timeMs += evaluationMs) {
    for (const group of groups) await group.evaluate(timeMs, backend, context)
    // Alert checks at eval_time t are made after the last evaluation at or before t.
    for (; next < alertTests.length; next++) {
      const check = alertTests[next]
      if (check === undefined || check.timeMs >= timeMs + evaluationMs) break
      result.checks++
      const firing = groups.flatMap((group) =>
        group.statuses
          .filter((status) => status.rule.name === check.alertname)
          .flatMap((status) => [...status.alerts.values()].filter((a) => a.state === 'firing')),
      )
      const got = firing.map((a) => JSON.stringify([labelsKey(a.labels), a.annotations])).sort()
      const expected = (check.exp_alerts ?? [])
        .map((alert) => {
          const labels = { ...alert.exp_labels, alertname: check.alertname }
          return JSON.stringify([labelsKey(labels), alert.exp_annotations ?? {}])
        })
        .sort()
      if (JSON.stringify(got) !== JSON.stringify(expected)) {
        const list = (items: string[]): string => `[${items.join(', ')}]`
        result.failures.push(
          `${name}: alertname: ${check.alertname}, time: ${check.eval_time}\n` +
            `        exp: ${list(expected)}\n        got: ${list(got)}`,
        )
      }
    }
  }

  for (const check of exprTests) {
    result.checks++
    const where = `${name}: expr: ${JSON.stringify(check.expr)}, time: ${check.eval_time}`
    if ((check.exp_samples ?? []).some((sample) => sample.histogram !== undefined)) {
      result.unsupported.push(`${where}: native histograms are not supported`)
      continue
    }
    let samples: { labels: Labels; value: number }[]
    try {
      const { value } = evaluateInstant(check.expr, check.timeMs, {
        querier,
        defaultSubqueryStepMs: evaluationMs,
      })
      if (value.resultType === 'scalar') samples = [{ labels: {}, value: value.value }]
      else if (value.resultType === 'vector') samples = [...value.samples]
      else throw new Error(`expression returned a ${value.resultType}`)
    } catch (error) {
      result.failures.push(`${where}: ${(error as Error).message}`)
      continue
    }
    const expected = (check.exp_samples ?? []).map((sample) => ({
      labels: sample.labels === undefined ? {} : parseMetric(sample.labels),
      value: sample.value ?? 0,
    }))
    const key = (sample: { labels: Labels }): string => labelsKey(sample.labels)
    const sortedGot = [...samples].sort((a, b) => (key(a) < key(b) ? -1 : 1))
    const sortedExpected = expected.sort((a, b) => (key(a) < key(b) ? -1 : 1))
    const same =
      sortedGot.length === sortedExpected.length &&
      sortedGot.every((sample, index) => {
        const other = sortedExpected[index]
        return (
          other !== undefined && key(sample) === key(other) && closeTo(sample.value, other.value)
        )
      })
    if (!same) {
      const format = (list: { labels: Labels; value: number }[]): string =>
        list.map((sample) => `${show(sample.labels)} ${sample.value}`).join(', ')
      result.failures.push(
        `${where}\n        exp: ${format(sortedExpected)}\n        got: ${format(sortedGot)}`,
      )
    }
  }
}

/** Runs every test of one unit-test file. */
export async function runUnitTestFile(file: string): Promise<UnitTestResult> {
  const result = { failures: [] as string[], unsupported: [] as string[], checks: 0 }
  let spec: UnitTestFile
  try {
    spec = unitTestFileSchema.parse(parse(readFileSync(file, 'utf8'), { merge: true }))
  } catch (error) {
    return {
      file,
      failures: [`cannot read the test file: ${(error as Error).message}`],
      unsupported: [],
      checks: 0,
    }
  }
  for (const [index, test] of spec.tests.entries()) {
    const name = test.name ?? `test ${index + 1}`
    try {
      await runTestCase(test, spec, dirname(file), result, name)
    } catch (error) {
      const message = error instanceof RuleFileError ? error.message : (error as Error).message
      result.failures.push(`${name}: ${message}`)
    }
  }
  return { file, ...result }
}

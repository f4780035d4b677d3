/**
 * Runs a parsed test script against the engine over a MemoryQuerier and reports one outcome
 * per evaluation command.
 */
import type { Annotations } from '../engine/annotations.js'
import { MemoryQuerier } from '../engine/memory-querier.js'
import { evaluateInstant, evaluateRange } from '../engine/query.js'
import type { QueryResult } from '../engine/query.js'
import { METRIC_NAME } from '../model/series.js'
import { compareValue } from './compare.js'
import type { EvalCommand, Expectation, LoadCommand } from './script.js'
import { parseScript } from './script.js'
import { TrackedSeries } from './tracked-series.js'

/**
 * `unsupported` commands need what this engine does not have: native histograms (their
 * expected values are histograms, or they select series holding histogram samples) or syntax
 * behind a Prometheus experimental flag that is not implemented. Those that select histogram
 * series are still run, and `passedAnyway` tells whether they passed.
 */
export type OutcomeStatus = 'passed' | 'failed' | 'unsupported'

export interface EvalOutcome {
  readonly line: number
  readonly query: string
  readonly status: OutcomeStatus
  /** Why the command failed, or which feature it needs when unsupported. */
  readonly reason?: string
  /** For a command that reads native histogram series: it passed all the same. */
  readonly passedAnyway?: boolean
}

/** Query text that uses experimental syntax this engine does not implement. */
const EXPERIMENTAL_SYNTAX: readonly [RegExp, string][] = [
  [/\bhistogram_quantiles\s*\(/, 'histogram_quantiles() function'],
  [/\bstart_timestamp\s*\(|@st\b/, 'start timestamps'],
]

export function runScript(text: string): EvalOutcome[] {
  const querier = new MemoryQuerier()
  const histograms = new TrackedSeries()
  const startTimestamps = new TrackedSeries()
  const outcomes: EvalOutcome[] = []

  for (const command of parseScript(text)) {
    if (command.kind === 'clear') {
      querier.clear()
      histograms.clear()
      startTimestamps.clear()
    } else if (command.kind === 'load') {
      load(querier, command, histograms)
      for (const labels of command.startTimestampSeries) startTimestamps.add(labels)
    } else {
      outcomes.push(runEval(querier, command, histograms, startTimestamps))
    }
  }
  return outcomes
}

function load(querier: MemoryQuerier, command: LoadCommand, histograms: TrackedSeries): void {
  for (const series of command.series) {
    const name = series.labels[METRIC_NAME] ?? ''
    if (command.withNativeHistograms && name.endsWith('_bucket')) {
      // load_with_nhcb also stores the buckets as one native histogram without `le`.
      const labels: Record<string, string> = { ...series.labels }
      delete labels.le
      histograms.add({ ...labels, [METRIC_NAME]: name.slice(0, -'_bucket'.length) })
    }
    series.values.forEach((value, index) => {
      const timestampMs = index * command.intervalMs
      if (value.kind === 'value') querier.add(series.labels, timestampMs, value.value)
      else if (value.kind === 'stale') querier.addStale(series.labels, timestampMs)
      else if (value.kind === 'histogram') histograms.add(series.labels)
    })
  }
}

function unsupportedReason(command: EvalCommand): string | undefined {
  if (command.expectsHistograms) return 'native histogram results'
  for (const [pattern, feature] of EXPERIMENTAL_SYNTAX) {
    if (pattern.test(command.query)) return feature
  }
  return undefined
}

function runEval(
  querier: MemoryQuerier,
  command: EvalCommand,
  histograms: TrackedSeries,
  startTimestamps: TrackedSeries,
): EvalOutcome {
  const base = { line: command.line, query: command.query }
  // TODO(#7): start timestamps need a start time per sample, which SeriesData does not carry
  // yet; commands reading series loaded with `@st` lines are reported as unsupported.
  const unsupported = startTimestamps.selectedBy(command.query)
    ? 'start timestamps'
    : unsupportedReason(command)
  if (unsupported !== undefined) return { ...base, status: 'unsupported', reason: unsupported }

  // Commands reading series that hold native histogram samples still run, so the strict
  // figure can count them, but they are reported as unsupported.
  const outcome = runSupported(querier, command)
  if (!histograms.selectedBy(command.query)) return outcome
  return {
    ...outcome,
    status: 'unsupported',
    reason: `reads native histogram series (${outcome.reason ?? outcome.status})`,
    passedAnyway: outcome.status === 'passed',
  }
}

function runSupported(querier: MemoryQuerier, command: EvalCommand): EvalOutcome {
  const base = { line: command.line, query: command.query }
  const failed = (reason: string): EvalOutcome => ({ ...base, status: 'failed', reason })
  const expectsFailure = command.legacy.fail || has(command.expectations, 'fail')
  let result: QueryResult
  try {
    result =
      command.range === undefined
        ? evaluateInstant(command.query, command.atMs ?? 0, { querier })
        : evaluateRange(
            command.query,
            command.range.startMs,
            command.range.endMs,
            command.range.stepMs,
            {
              querier,
            },
          )
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    if (!expectsFailure) return failed(`unexpected error: ${message}`)
    const problem = checkFailure(command, message)
    return problem === undefined ? { ...base, status: 'passed' } : failed(problem)
  }
  if (expectsFailure) return failed('expected the query to fail, but it succeeded')

  const annotationProblem = checkAnnotations(command, result.annotations)
  if (annotationProblem !== undefined) return failed(annotationProblem)

  const ordered = command.legacy.ordered || has(command.expectations, 'ordered')
  const problem = compareValue(command, result.value, ordered)
  return problem === undefined ? { ...base, status: 'passed' } : failed(problem)
}

function has(expectations: readonly Expectation[], type: Expectation['type']): boolean {
  return expectations.some((expectation) => expectation.type === type)
}

function matches(expectation: Expectation, text: string): boolean {
  if (expectation.regex !== undefined) return expectation.regex.test(text)
  if (expectation.message !== undefined) return expectation.message === text
  return true
}

function checkFailure(command: EvalCommand, message: string): string | undefined {
  if (command.failMessage !== undefined && command.failMessage !== message) {
    return `expected error "${command.failMessage}", got "${message}"`
  }
  if (command.failRegex !== undefined && !command.failRegex.test(message)) {
    return `expected error matching ${String(command.failRegex)}, got "${message}"`
  }
  for (const expectation of command.expectations) {
    if (expectation.type === 'fail' && !matches(expectation, message)) {
      const wanted = expectation.message ?? String(expectation.regex)
      return `expected error "${wanted}", got "${message}"`
    }
  }
  return undefined
}

function checkAnnotations(command: EvalCommand, annotations: Annotations): string | undefined {
  const { warnings, infos } = annotations
  if (command.legacy.warn && warnings.length === 0) return 'expected warnings but got none'
  if (command.legacy.info && infos.length === 0) return 'expected infos but got none'

  for (const [type, actual] of [
    ['warn', warnings],
    ['info', infos],
  ] as const) {
    const expected = command.expectations.filter((expectation) => expectation.type === type)
    if (expected.length === 0) continue
    if (actual.length === 0) return `expected ${type} annotations but none were found`
    for (const expectation of expected) {
      if (!actual.some((text) => matches(expectation, text))) {
        const wanted = expectation.message ?? String(expectation.regex)
        return `expected ${type} annotation ${wanted}, found ${JSON.stringify(actual)}`
      }
    }
    for (const text of actual) {
      if (!expected.some((expectation) => matches(expectation, text))) {
        return `unexpected ${type} annotation "${text}"`
      }
    }
  }
  if (has(command.expectations, 'no_warn') && warnings.length > 0) {
    return `unexpected warnings ${JSON.stringify(warnings)}`
  }
  if (has(command.expectations, 'no_info') && infos.length > 0) {
    return `unexpected infos ${JSON.stringify(infos)}`
  }
  return undefined
}

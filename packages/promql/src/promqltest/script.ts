/**
 * Parses Prometheus's PromQL test scripts (`load`, `clear`, `eval ...` with `expect` lines)
 * into commands.
 */
import type { Labels } from '../model/series.js'
import { parseDurationMs } from '../parser/duration.js'
import { unquoteString } from '../parser/literals.js'
import type { SequenceValue, SeriesLine } from './series-line.js'
import { parseMetric, parseSequence, splitSeries } from './series-line.js'

export interface LoadCommand {
  readonly kind: 'load'
  readonly line: number
  readonly intervalMs: number
  /** `load_with_nhcb`: classic histograms are also loaded as native ones. */
  readonly withNativeHistograms: boolean
  readonly series: readonly SeriesLine[]
  /**
   * Series given start timestamps by `@st` lines (an experimental Prometheus feature the
   * engine does not model); a standalone `@st` line gives them to every series of the load.
   */
  readonly startTimestampSeries: readonly Labels[]
}

export interface ClearCommand {
  readonly kind: 'clear'
  readonly line: number
}

export type ExpectType = 'fail' | 'ordered' | 'warn' | 'no_warn' | 'info' | 'no_info'

export interface Expectation {
  readonly type: ExpectType
  readonly message?: string
  readonly regex?: RegExp
}

export interface ExpectedSeries {
  readonly labels: Labels
  readonly values: readonly SequenceValue[]
  /** 1-based position among the expected series, for ordered checks. */
  readonly position: number
}

export interface EvalCommand {
  readonly kind: 'eval'
  readonly line: number
  readonly query: string
  /** Set for `eval instant`. */
  readonly atMs?: number
  /** Set for `eval range`. */
  readonly range?: { readonly startMs: number; readonly endMs: number; readonly stepMs: number }
  readonly expectations: Expectation[]
  /** From the legacy `eval_warn`, `eval_info`, `eval_fail` and `eval_ordered` forms. */
  readonly legacy: { fail: boolean; warn: boolean; info: boolean; ordered: boolean }
  failMessage?: string
  failRegex?: RegExp
  expectedString?: string
  expectedRangeVector?: {
    readonly startMs: number
    readonly endMs: number
    readonly stepMs: number
  }
  expectedScalar?: SequenceValue
  readonly expectedSeries: ExpectedSeries[]
  /** The expected values include native histograms. */
  expectsHistograms: boolean
}

export type Command = LoadCommand | ClearCommand | EvalCommand

const EVAL_INSTANT = /^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$/
const EVAL_RANGE =
  /^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$/
const EXPECT = /^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$/
const EXPECT_RANGE = /^expect range vector\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+)$/

/** Parses a test script; throws an Error naming the line for malformed input. */
export function parseScript(text: string): Command[] {
  // As in Prometheus, comment lines count as blank lines and so end a block.
  const lines = text.split('\n').map((line) => {
    const trimmed = line.trim()
    return trimmed.startsWith('#') ? '' : trimmed
  })

  const commands: Command[] = []
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? ''
    if (line === '') continue
    const lineNumber = index + 1

    if (line === 'clear') {
      commands.push({ kind: 'clear', line: lineNumber })
      continue
    }

    const block: string[] = []
    while (index + 1 < lines.length && (lines[index + 1] ?? '') !== '') {
      index++
      block.push(lines[index] ?? '')
    }

    const load = /^load(?:_(with_nhcb))?\s+(.+?)$/.exec(line)
    if (load !== null) {
      const intervalMs = parseTime(load[2] ?? '')
      const startTimestampLines = block.filter(isStartTimestampLine)
      const series = block
        .filter((entry) => !isStartTimestampLine(entry))
        .map((entry) => {
          const { metric, rest } = splitSeries(entry)
          return { labels: parseMetric(metric), values: parseSequence(rest) }
        })
      const everySeries = startTimestampLines.some((entry) => entry.startsWith('@st'))
      const startTimestampSeries = everySeries
        ? series.map((item) => item.labels)
        : startTimestampLines.map((entry) => parseMetric(entry.split(/\s/)[0]?.slice(0, -3) ?? ''))
      commands.push({
        kind: 'load',
        line: lineNumber,
        intervalMs,
        withNativeHistograms: load[1] !== undefined,
        series,
        startTimestampSeries,
      })
      continue
    }

    if (line.startsWith('eval')) {
      commands.push(parseEval(line, lineNumber, block))
      continue
    }
    throw new Error(`line ${lineNumber}: unknown command "${line}"`)
  }
  return commands
}

/** `metric{...}@st <offsets>` or a standalone `@st <offsets>`. */
function isStartTimestampLine(entry: string): boolean {
  return /^\S*@st(\s|$)/.test(entry)
}

/** A test-script time: a duration (`50m`, `10s53ms`) or seconds (`3000`, `1.5`). */
export function parseTime(text: string): number {
  const trimmed = text.trim()
  const negative = trimmed.startsWith('-')
  const unsigned = trimmed.replace(/^[-+]/, '')
  const durationMs = parseDurationMs(unsigned)
  const ms = durationMs ?? Math.round(Number(unsigned) * 1000)
  if (Number.isNaN(ms)) throw new Error(`bad time "${text}"`)
  return negative ? -ms : ms
}

function parseEval(header: string, line: number, block: string[]): EvalCommand {
  const instant = EVAL_INSTANT.exec(header)
  const ranged = instant === null ? EVAL_RANGE.exec(header) : null
  if (instant === null && ranged === null) throw new Error(`line ${line}: bad eval "${header}"`)

  const modifier = (instant ?? ranged)?.[1]
  const command: EvalCommand = {
    kind: 'eval',
    line,
    query: (instant !== null ? instant[3] : ranged?.[5]) ?? '',
    expectations: [],
    legacy: {
      fail: modifier === 'fail',
      warn: modifier === 'warn',
      info: modifier === 'info',
      ordered: modifier === 'ordered',
    },
    expectedSeries: [],
    expectsHistograms: false,
  }
  if (instant !== null) {
    Object.assign(command, { atMs: parseTime(instant[2] ?? '0') })
  } else if (ranged !== null) {
    const range = {
      startMs: parseTime(ranged[2] ?? ''),
      endMs: parseTime(ranged[3] ?? ''),
      stepMs: parseTime(ranged[4] ?? ''),
    }
    Object.assign(command, { range })
  }

  for (const entry of block) parseExpectation(command, entry)
  return command
}

function parseExpectation(command: EvalCommand, entry: string): void {
  const failMessage = /^expected_fail_message\s+(.*)$/.exec(entry)
  if (failMessage !== null) {
    command.failMessage = failMessage[1] ?? ''
    return
  }
  const failRegex = /^expected_fail_regexp\s+(.*)$/.exec(entry)
  if (failRegex !== null) {
    command.failRegex = new RegExp(failRegex[1] ?? '')
    return
  }
  if (entry.startsWith('expect string')) {
    command.expectedString = unquoteString(entry.slice('expect string'.length).trim())
    return
  }
  const rangeVector = EXPECT_RANGE.exec(entry)
  if (rangeVector !== null) {
    command.expectedRangeVector = {
      startMs: parseTime(rangeVector[1] ?? ''),
      endMs: parseTime(rangeVector[2] ?? ''),
      stepMs: parseTime(rangeVector[3] ?? ''),
    }
    return
  }
  const expect = EXPECT.exec(entry)
  if (expect !== null) {
    const type = expect[1] as ExpectType
    const text = (expect[3] ?? '').trim()
    const expectation: Expectation =
      expect[2] === 'regex'
        ? { type, regex: new RegExp(text) }
        : expect[2] === 'msg'
          ? { type, message: text }
          : { type }
    command.expectations.push(expectation)
    return
  }

  // A bare value is an expected scalar; anything else is a series with values.
  const { metric, rest } = splitSeries(entry)
  if (rest === '' && !metric.includes('{') && /^[-+]?(\d|\.\d|inf|nan)/i.test(metric)) {
    command.expectedScalar = parseSequence(metric)[0]
    return
  }
  const values = parseSequence(rest)
  if (values.some((value) => value.kind === 'histogram')) command.expectsHistograms = true
  command.expectedSeries.push({
    labels: parseMetric(metric),
    values,
    position: command.expectedSeries.length + 1,
  })
}

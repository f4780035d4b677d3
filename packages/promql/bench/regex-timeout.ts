/**
 * Worst cases the engine must survive: a regex that backtracks exponentially in JavaScript's
 * engine, matched against long label values, and a deliberately expensive query with a tiny
 * timeout. Prints, as JSON lines:
 * - `promql.regex.pathological`: `v{value=~"(a+)+b"}` over series whose values are 1,000 to
 *   100,000 `a`s, with RE2 (linear) — the anchor is JavaScript's RegExp on a 24-character
 *   value, the longest that finishes in reasonable time (it doubles with each character);
 * - `promql.regex.common`: a literal alternation, a prefix and a `(?i)` pattern over 10,000
 *   series, RE2 path vs the backtracking RegExp path (which is fast on such patterns);
 * - `promql.timeout.overshoot`: how far past a 50 ms timeout an expensive range query stops.
 * Each line carries `bound` and `withinBound`; a line outside its bound fails the run.
 *
 * Run: node --conditions=source --import tsx packages/promql/bench/regex-timeout.ts
 */
import { performance } from 'node:perf_hooks'

import { MemoryQuerier, compileAnchoredRegex, compilePromqlRegex } from '../src/index.js'
import { evaluateInstant, evaluateRange } from '../src/index.js'

const results: { withinBound: boolean }[] = []

function report(line: Record<string, unknown> & { withinBound: boolean }): void {
  results.push(line)
  console.log(JSON.stringify(line))
}

function timeMs(run: () => unknown): number {
  const started = performance.now()
  run()
  return performance.now() - started
}

function pathological(): void {
  const querier = new MemoryQuerier()
  for (const length of [1_000, 10_000, 100_000]) {
    querier.add({ __name__: 'v', value: 'a'.repeat(length) }, 0, length)
  }
  const query = 'v{value=~"(a+)+b"}'
  const ms = timeMs(() => evaluateInstant(query, 0, { querier }))
  const anchorMs = timeMs(() => compileAnchoredRegex('(a+)+b').test('a'.repeat(24)))
  const bound = 1000
  report({
    bench: 'promql.regex.pathological',
    query,
    longestValue: 100_000,
    ms: round(ms),
    anchor: 'JavaScript RegExp, one 24-character value',
    anchorMs: round(anchorMs),
    bound,
    withinBound: ms < bound,
  })
}

function common(): void {
  const values = Array.from({ length: 10_000 }, (_, index) => `instance-${index}:9100`)
  const patterns = ['instance-1:9100|instance-2:9100|x', 'instance-1.*', '(?i)INSTANCE-[0-9]+:9100']
  for (const pattern of patterns) {
    const re2 = compilePromqlRegex(pattern)
    const js = compileAnchoredRegex(pattern)
    const ms = medianMs(() => values.filter((value) => re2.test(value)))
    const anchorMs = medianMs(() => values.filter((value) => js.test(value)))
    const bound = 50
    report({
      bench: 'promql.regex.common',
      pattern,
      values: values.length,
      ms: round(ms),
      anchor: 'JavaScript RegExp (backtracking)',
      anchorMs: round(anchorMs),
      ratio: round(anchorMs / ms),
      bound,
      withinBound: ms < bound,
    })
  }
}

function timeoutOvershoot(): void {
  const querier = new MemoryQuerier()
  for (let series = 0; series < 200; series++) {
    for (let second = 0; second < 7200; second++) {
      querier.add({ __name__: 'x', i: String(series) }, second * 1000, second)
    }
  }
  const timeoutMs = 50
  let code = 'none'
  const ms = timeMs(() => {
    try {
      evaluateRange('quantile_over_time(0.5, x[1h])', 3_600_000, 7_200_000, 1000, {
        querier,
        timeoutMs,
      })
    } catch (error) {
      code = (error as { code?: string }).code ?? 'error'
    }
  })
  const bound = timeoutMs + 200
  report({
    bench: 'promql.timeout.overshoot',
    timeoutMs,
    ms: round(ms),
    errorCode: code,
    bound,
    withinBound: code === 'timeout' && ms < bound,
  })
}

function medianMs(run: () => unknown): number {
  const times = Array.from({ length: 5 }, () => timeMs(run)).sort((a, b) => a - b)
  return times[2] ?? 0
}

function round(value: number): number {
  return Math.round(value * 100) / 100
}

pathological()
common()
timeoutOvershoot()
if (results.some((line) => !line.withinBound)) process.exitCode = 1

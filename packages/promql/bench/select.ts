/**
 * Read speed of the store: selecting 10,000 series over 5 minutes and over 1 hour, and the
 * issue's PromQL query (`sum by (job) (rate(...[5m]))`, instant and 1 h range at 15 s) run by
 * the engine over the store. Anchor: the engine's MemoryQuerier, which keeps the same samples
 * uncompressed in plain arrays, in the same run.
 *
 * Run: node --import tsx packages/promql/bench/select.ts  (BENCH_SERIES, BENCH_HOURS)
 */

import { MemoryQuerier, evaluateInstant, evaluateRange } from '../src/index.js'
import type { LabelMatcher, Labels, Querier } from '../src/index.js'
import { openMetricStore } from '../src/storage/index.js'
import { createRandom } from './synthetic-metrics.js'

const seriesCount = Number(process.env.BENCH_SERIES ?? 10_000)
const hours = Number(process.env.BENCH_HOURS ?? 2)
const intervalMs = 15_000
const endMs = hours * 60 * 60 * 1000
const repeats = 5
const query = 'sum by (job) (rate(http_request_duration_seconds_count[5m]))'
const matchers: LabelMatcher[] = [
  { name: '__name__', type: '=', value: 'http_request_duration_seconds_count' },
]

function main(): void {
  const { store, reference } = load()

  const cases: { bench: string; run: (querier: Querier) => unknown }[] = [
    { bench: 'promql.select.5m', run: (q) => q.select(matchers, endMs - 300_000, endMs) },
    { bench: 'promql.select.1h', run: (q) => q.select(matchers, endMs - 3_600_000, endMs) },
    {
      bench: 'promql.query.instant',
      run: (querier) => evaluateInstant(query, endMs, { querier }),
    },
    {
      bench: 'promql.query.range1h',
      run: (querier) => evaluateRange(query, endMs - 3_600_000, endMs, intervalMs, { querier }),
    },
  ]

  for (const { bench, run } of cases) {
    const storeMs = medianMs(() => run(store))
    const anchorMs = medianMs(() => run(reference))
    console.log(
      JSON.stringify({
        bench,
        series: seriesCount,
        ms: round(storeMs),
        anchor: 'MemoryQuerier (uncompressed plain arrays)',
        anchorMs: round(anchorMs),
        ratio: round(anchorMs / storeMs),
      }),
    )
  }
  store.close()
}

function load() {
  const store = openMetricStore({ background: false })
  const reference = new MemoryQuerier()
  const appender = store.appender()
  const random = createRandom(7)
  const labels: Labels[] = []
  const refs: number[] = []
  const values: number[] = []
  for (let i = 0; i < seriesCount; i++) {
    labels.push({
      __name__: 'http_request_duration_seconds_count',
      job: `job-${i % 10}`,
      instance: `host-${i}:8080`,
    })
    refs.push(appender.seriesRef(labels[i]!))
    values.push(0)
  }

  for (let t = 0; t <= endMs; t += intervalMs) {
    for (let i = 0; i < seriesCount; i++) {
      const value = values[i]! + Math.floor(random() * 20)
      values[i] = value
      appender.append(refs[i]!, t, value)
      reference.add(labels[i]!, t, value)
    }
  }
  appender.commit()
  return { store, reference }
}

/** Median wall time of a few runs, after one warm-up run. */
function medianMs(run: () => unknown): number {
  run()
  const times: number[] = []
  for (let i = 0; i < repeats; i++) {
    const started = performance.now()
    run()
    times.push(performance.now() - started)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]!
}

function round(value: number): number {
  return Math.round(value * 100) / 100
}

main()

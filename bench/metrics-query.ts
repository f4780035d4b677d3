/**
 * PromQL query speed over 10,000 series: `sum by (job) (rate(..._count[5m]))` as an instant
 * query and as a 1 h range query at a 15 s step, on Rampart's engine and embedded store, and
 * on a real Prometheus (Debian's package, when installed) holding the same samples, pushed by
 * remote write. Prometheus is timed over HTTP, which adds little for these small results.
 */
import { evaluateInstant, evaluateRange, openMetricStore } from '@rampart/promql'
import type { WriteSeries } from '../packages/server/src/metrics/remote-write/write-request.js'
import { encodeWriteRequest } from '../packages/server/src/metrics/remote-write/write-request.js'
import {
  prometheusBinary,
  prometheusInstalled,
  startPrometheus,
} from '../packages/server/src/test-support/prometheus.js'

const seriesCount = 10_000
const stepMs = 15_000
const endMs = Math.floor(Date.now() / stepMs) * stepMs - 30_000
const startMs = endMs - 65 * 60_000
const query = 'sum by (job) (rate(http_request_duration_seconds_count[5m]))'

function* buildSeries(from: number, to: number): Generator<WriteSeries> {
  for (let index = from; index < to; index++) {
    const samples: { timestampMs: number; value: number }[] = []
    let total = 0
    for (let t = startMs; t <= endMs; t += stepMs) {
      total += (index % 7) + 1
      samples.push({ timestampMs: t + 500, value: total })
    }
    yield {
      labels: {
        __name__: 'http_request_duration_seconds_count',
        job: `job-${index % 10}`,
        instance: `host-${Math.floor(index / 10)}:9100`,
      },
      samples,
    }
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? NaN
}

/** Median of `runs` timed runs after one untimed warm-up run (steady state, JIT compiled). */
function timeMs(work: () => unknown, runs: number): number {
  work()
  const durations: number[] = []
  for (let run = 0; run < runs; run++) {
    const started = performance.now()
    work()
    durations.push(performance.now() - started)
  }
  return Math.round(median(durations) * 100) / 100
}

async function timeAsyncMs(work: () => Promise<unknown>, runs: number): Promise<number> {
  await work()
  const durations: number[] = []
  for (let run = 0; run < runs; run++) {
    const started = performance.now()
    await work()
    durations.push(performance.now() - started)
  }
  return Math.round(median(durations) * 100) / 100
}

function report(engine: string, kind: string, ms: number, target: number): void {
  console.log(
    JSON.stringify({
      bench: 'promql.query',
      engine,
      kind,
      query,
      series: seriesCount,
      medianMs: ms,
      targetMs: target,
    }),
  )
}

// The store is filled a series at a time, so the object graph of all samples (needed later
// for remote write) does not sit in the heap while Rampart is timed.
const store = openMetricStore({})
const appender = store.appender()
for (const item of buildSeries(0, seriesCount)) {
  const ref = appender.seriesRef(item.labels)
  for (const sample of item.samples) appender.append(ref, sample.timestampMs, sample.value)
}
appender.commit()

const options = { querier: store }
report(
  'rampart',
  'instant',
  timeMs(() => evaluateInstant(query, endMs, options), 7),
  50,
)
report(
  'rampart',
  'range_1h_15s',
  timeMs(() => evaluateRange(query, endMs - 3_600_000, endMs, stepMs, options), 3),
  500,
)
store.close()

if (!prometheusInstalled()) {
  console.log(
    JSON.stringify({
      bench: 'promql.query',
      engine: 'prometheus',
      skipped: `no ${prometheusBinary}`,
    }),
  )
} else {
  const series = [...buildSeries(0, seriesCount)]
  const prometheus = await startPrometheus()
  const url = prometheus.url
  try {
    // A fresh Prometheus head accepts samples up to an hour older than its newest one, so
    // the data goes in time order: every series' samples of one 5-minute slice at a time.
    for (let sliceStart = startMs; sliceStart <= endMs; sliceStart += 5 * 60_000) {
      const slice = series.map((item) => ({
        labels: item.labels,
        samples: item.samples.filter(
          (sample) => sample.timestampMs >= sliceStart && sample.timestampMs < sliceStart + 300_000,
        ),
      }))
      for (let offset = 0; offset < slice.length; offset += 2500) {
        const body = Buffer.from(encodeWriteRequest(slice.slice(offset, offset + 2500)))
        const response = await fetch(`${url}/api/v1/write`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
          body,
        })
        if (response.status !== 204) {
          throw new Error(`remote write answered ${response.status}: ${await response.text()}`)
        }
      }
    }
    const get = (path: string) => fetch(`${url}/api/v1${path}`).then((response) => response.json())
    const encoded = encodeURIComponent(query)
    const rangeStart = (endMs - 3_600_000) / 1000
    report(
      'prometheus',
      'instant',
      await timeAsyncMs(() => get(`/query?query=${encoded}&time=${endMs / 1000}`), 7),
      50,
    )
    report(
      'prometheus',
      'range_1h_15s',
      await timeAsyncMs(
        () => get(`/query_range?query=${encoded}&start=${rangeStart}&end=${endMs / 1000}&step=15`),
        3,
      ),
      500,
    )
  } finally {
    prometheus.stop()
  }
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningPrometheus } from '../test-support/prometheus.js'
import {
  prometheusBinary,
  prometheusInstalled,
  startPrometheus,
} from '../test-support/prometheus.js'
import type { TestApp } from '../test-support/test-app.js'
import { createTestApp } from '../test-support/test-app.js'
import type { MetricsModule } from './module.js'
import type { WriteSeries } from './remote-write/write-request.js'
import { encodeWriteRequest } from './remote-write/write-request.js'

/**
 * The same samples are pushed by remote write into a real Prometheus (Debian's package) and
 * into Rampart; the same queries must then give the same answers from both engines.
 */
const missing = !prometheusInstalled()
if (missing && process.env.CI === 'true') {
  throw new Error(`${prometheusBinary} is required in CI (apt-get install prometheus)`)
}
if (missing) console.warn(`skipping the Prometheus differential test: no ${prometheusBinary}`)

const token = 'differential'
const stepMs = 15_000
// Never a whole minute: subquery steps fall on whole minutes, and a step exactly at the left
// edge of a subquery range is another place where Prometheus 2.x and 3 differ.
const endMs = Math.floor(Date.now() / 60_000) * 60_000 - 60_000 + 22_500
const startMs = endMs - 40 * 60_000
/**
 * Samples sit 1.234 s off the evaluation grid. Prometheus 3 made range windows left-open,
 * (t - range, t], as Rampart implements; the Debian Prometheus (2.x) still includes a sample
 * exactly at t - range. Keeping samples off every evaluation and subquery step compares the
 * engines where the two versions agree.
 */
const sampleOffsetMs = 1_234

/** A deterministic pseudo-random sequence, so a failure can be reproduced. */
function random(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648
    return state / 2_147_483_648
  }
}

function generateSeries(): WriteSeries[] {
  const next = random(42)
  const series: WriteSeries[] = []
  const times: number[] = []
  for (let t = startMs; t <= endMs; t += stepMs) times.push(t + sampleOffsetMs - stepMs)

  for (const job of ['api', 'worker']) {
    for (const instance of ['a:9100', 'b:9100']) {
      for (const code of ['200', '404', '500']) {
        let total = 0
        series.push({
          labels: { __name__: 'http_requests_total', job, instance, code },
          samples: times.map((timestampMs, index) => {
            // A counter reset in the middle of one series.
            if (job === 'worker' && code === '200' && instance === 'a:9100' && index === 60) {
              total = 0
            }
            total += Math.floor(next() * (code === '200' ? 50 : 5))
            return { timestampMs, value: total }
          }),
        })
      }
      series.push({
        labels: { __name__: 'memory_bytes', job, instance },
        samples: times.map((timestampMs, index) => ({
          timestampMs,
          value: 400 + index * 2 + Math.round(next() * 200),
        })),
      })
    }
    let counts = [0, 0, 0, 0, 0]
    const bounds = ['0.05', '0.1', '0.5', '1', '+Inf']
    const bucketSamples = bounds.map(() => [] as { timestampMs: number; value: number }[])
    for (const timestampMs of times) {
      counts = counts.map((count, index) => count + Math.floor(next() * (index + 1) * 10))
      let cumulative = 0
      counts.forEach((count, index) => {
        cumulative += count
        bucketSamples[index]?.push({ timestampMs, value: cumulative })
      })
    }
    bounds.forEach((le, index) => {
      series.push({
        labels: { __name__: 'http_request_duration_seconds_bucket', job, le },
        samples: bucketSamples[index] ?? [],
      })
    })
  }
  return series
}

const instantQueries = [
  'http_requests_total',
  'rate(http_requests_total[5m])',
  'irate(http_requests_total[5m])',
  'increase(http_requests_total[10m])',
  'sum by (job) (rate(http_requests_total[5m]))',
  'sum without (instance) (rate(http_requests_total[5m]))',
  'sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))',
  'rate(http_requests_total{code="500"}[5m]) / ignoring(code) group_left rate(http_requests_total{code="200"}[5m])',
  'histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))',
  'histogram_quantile(0.5, sum by (job, le) (rate(http_request_duration_seconds_bucket[10m])))',
  'resets(http_requests_total[30m])',
  'changes(memory_bytes[10m])',
  'delta(memory_bytes[10m])',
  'deriv(memory_bytes[10m])',
  'predict_linear(memory_bytes[10m], 3600)',
  'avg_over_time(memory_bytes[10m])',
  'max_over_time(memory_bytes[10m]) - min_over_time(memory_bytes[10m])',
  'quantile_over_time(0.9, memory_bytes[10m])',
  'stddev_over_time(memory_bytes[10m])',
  'topk(2, memory_bytes)',
  'bottomk(1, memory_bytes) by (job)',
  'quantile(0.5, memory_bytes)',
  'stddev by (job) (memory_bytes)',
  'count by (code) (http_requests_total)',
  'count_values("value", memory_bytes > bool 700)',
  'memory_bytes > 600',
  'memory_bytes offset 5m',
  'memory_bytes unless memory_bytes{job="api"}',
  'label_replace(memory_bytes, "host", "$1", "instance", "(.*):.*")',
  // Regex matchers and captures through the RE2 engine: flags, classes, alternations.
  'memory_bytes{job=~"API|work.+"}',
  'memory_bytes{job=~"(?i)API", instance!~"b:[[:digit:]]+"}',
  'count(http_requests_total{code=~"(4|5)\\d\\d"})',
  'memory_bytes{instance=~"a:.*|b"}',
  'label_replace(memory_bytes, "port", "${p}-$1", "instance", "([a-z]+):(?P<p>\\d+)")',
  'label_replace(memory_bytes, "x", "$1", "job", "(a+)+b")',
  'absent(nonexistent_metric{job="x"})',
  'clamp(memory_bytes, 500, 700)',
  'round(rate(http_requests_total[5m]), 0.01)',
  'sum_over_time(sum(rate(http_requests_total[5m]))[10m:1m])',
  'sum(rate(http_requests_total[5m])[10m:1m])',
  'max_over_time(rate(http_requests_total[2m])[10m:30s])',
  'time() - timestamp(memory_bytes)',
  'vector(1) + on() group_left sum(memory_bytes)',
  'sort_desc(sum by (instance) (memory_bytes))',
]

const rangeQueries = [
  'sum by (job) (rate(http_requests_total[5m]))',
  'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))',
  'avg_over_time(memory_bytes[5m])',
  'memory_bytes',
]

interface ApiAnswer {
  status: string
  errorType?: string
  data: { resultType: string; result: unknown }
}

type Normalised = Map<string, string[]>

function normalise(answer: ApiAnswer): { type: string; series: Normalised } {
  const series: Normalised = new Map()
  const { resultType, result } = answer.data
  if (resultType === 'scalar' || resultType === 'string') {
    series.set('', [String((result as [number, string])[1])])
    return { type: resultType, series }
  }
  for (const item of result as {
    metric: Record<string, string>
    value?: [number, string]
    values?: [number, string][]
  }[]) {
    const key = JSON.stringify(Object.entries(item.metric).sort())
    const points = item.values ?? (item.value === undefined ? [] : [item.value])
    series.set(
      key,
      points.map(([time, value]) => `${time}@${value}`),
    )
  }
  return { type: resultType, series }
}

function expectSameAnswer(query: string, ours: ApiAnswer, theirs: ApiAnswer): void {
  expect(ours.status, query).toBe(theirs.status)
  if (theirs.status === 'error') {
    expect(ours.errorType, query).toBe(theirs.errorType)
    return
  }
  const a = normalise(ours)
  const b = normalise(theirs)
  expect(a.type, query).toBe(b.type)
  expect([...a.series.keys()].sort(), query).toEqual([...b.series.keys()].sort())
  for (const [key, points] of b.series) {
    const mine = a.series.get(key) ?? []
    expect(mine.length, `${query} ${key}`).toBe(points.length)
    points.forEach((point, index) => {
      const [time, value] = point.split('@') as [string, string]
      const [myTime, myValue] = (mine[index] ?? '').split('@') as [string, string]
      expect(Number(myTime), `${query} ${key} time`).toBe(Number(time))
      const expected = Number(value)
      const actual = Number(myValue)
      if (Number.isNaN(expected)) expect(actual, `${query} ${key}`).toBeNaN()
      else if (!Number.isFinite(expected)) expect(actual, `${query} ${key}`).toBe(expected)
      else {
        const tolerance = Math.max(1e-9, Math.abs(expected) * 1e-9)
        expect(
          Math.abs(actual - expected),
          `${query} ${key} ${myValue} vs ${value}`,
        ).toBeLessThanOrEqual(tolerance)
      }
    })
  }
}

describe.skipIf(missing)('differential against a real Prometheus', () => {
  let prometheus: RunningPrometheus | undefined
  let prometheusUrl: string
  let harness: TestApp
  /** A second Rampart whose metrics backend is the real Prometheus. */
  let proxied: TestApp

  beforeAll(async () => {
    prometheus = await startPrometheus()
    prometheusUrl = prometheus.url

    harness = await createTestApp('sqlite', { metrics: { api_token: token, scrape_self: false } })
    proxied = await createTestApp('sqlite', {
      metrics: { api_token: token, backend: 'prometheus', remote_url: prometheusUrl },
    })
    await proxied.app.start()
    const body = Buffer.from(encodeWriteRequest(generateSeries()))
    const headers = {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
    }
    const pushed = await fetch(`${prometheusUrl}/api/v1/write`, { method: 'POST', headers, body })
    expect(pushed.status, await pushed.text()).toBe(204)
    const ours = await harness.app.server.inject({
      method: 'POST',
      url: '/prometheus/api/v1/write',
      headers: { ...headers, authorization: `Bearer ${token}` },
      payload: body,
    })
    expect(ours.statusCode, ours.body).toBe(204)
  }, 60_000)

  afterAll(async () => {
    prometheus?.stop()
    await harness?.dispose()
    await proxied?.dispose()
  })

  async function both(path: string): Promise<[ApiAnswer, ApiAnswer]> {
    const ours = await harness.app.server.inject({
      url: `/prometheus/api/v1${path}`,
      headers: { authorization: `Bearer ${token}` },
    })
    const theirs = await fetch(`${prometheusUrl}/api/v1${path}`)
    return [ours.json<ApiAnswer>(), (await theirs.json()) as ApiAnswer]
  }

  const evaluationTimes = [endMs, endMs - 7 * 60_000 - 7_500]

  it.each(instantQueries)('instant: %s', async (query) => {
    for (const timeMs of evaluationTimes) {
      const [ours, theirs] = await both(
        `/query?query=${encodeURIComponent(query)}&time=${timeMs / 1000}`,
      )
      expectSameAnswer(`${query} @${timeMs}`, ours, theirs)
    }
  })

  it.each(rangeQueries)('range: %s', async (query) => {
    const from = (endMs - 20 * 60_000) / 1000
    const [ours, theirs] = await both(
      `/query_range?query=${encodeURIComponent(query)}&start=${from}&end=${endMs / 1000}&step=45`,
    )
    expectSameAnswer(query, ours, theirs)
  })

  describe('with metrics.backend: prometheus', () => {
    async function viaRampart(path: string, payload?: string) {
      const response = await proxied.app.server.inject({
        method: payload === undefined ? 'GET' : 'POST',
        url: `/prometheus/api/v1${path}`,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
        },
        ...(payload === undefined ? {} : { payload }),
      })
      return { status: response.statusCode, body: response.json<ApiAnswer>() }
    }

    it('answers from the remote server, unchanged, and does not scrape', async () => {
      const path = `/query?query=${encodeURIComponent('sum by (job) (memory_bytes)')}&time=${endMs / 1000}`
      const ours = await viaRampart(path)
      const theirs = await (await fetch(`${prometheusUrl}/api/v1${path}`)).json()
      expect(ours.status).toBe(200)
      expect(ours.body).toEqual(theirs)
      const metricsModule = proxied.app.modules.find(
        (item) => item.name === 'metrics',
      ) as MetricsModule
      expect(metricsModule.scrapes()).toBeUndefined()
    })

    it('forwards form-encoded POST queries and the remote errors', async () => {
      const posted = await viaRampart('/query', `query=count(memory_bytes)&time=${endMs / 1000}`)
      expect(posted.body.data.result).toEqual([{ metric: {}, value: [endMs / 1000, '4'] }])
      const bad = await viaRampart('/query?query=sum(')
      expect(bad.status).toBe(400)
      expect(bad.body).toMatchObject({ status: 'error', errorType: 'bad_data' })
    })

    it.each(['/admin/tsdb/delete_series?match[]=up', '/%2e%2e/%2e%2e/federate', '/write'])(
      'does not forward %s',
      async (path) => {
        const response = await viaRampart(path)
        expect(response.status).toBe(404)
      },
    )

    it('still requires the bearer token', async () => {
      const response = await proxied.app.server.inject({ url: '/prometheus/api/v1/query?query=up' })
      expect(response.statusCode).toBe(401)
    })
  })
})

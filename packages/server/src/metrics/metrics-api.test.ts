import { createServer } from 'node:http'
import type { AddressInfo, Server } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestApp } from '../test-support/test-app.js'
import { createTestApp } from '../test-support/test-app.js'
import type { MetricsModule } from './module.js'
import { encodeWriteRequest } from './remote-write/write-request.js'

const token = 'metrics-test-token'
const auth = { authorization: `Bearer ${token}` }

/** A scrape target whose exposition the test changes between scrapes. */
let exposition = ''
let exporter: Server
/** A target whose second series breaks label_limit, failing every scrape. */
let wideExporter: Server
let harness: TestApp

function exposed(requests: number, extra = ''): string {
  return [
    '# HELP shop_requests_total Requests served by the shop.',
    '# TYPE shop_requests_total counter',
    `shop_requests_total{path="/orders",code="200"} ${requests}`,
    `shop_requests_total{path="/cart",code="500"} ${requests / 10}`,
    extra,
  ].join('\n')
}

async function api(path: string, init: { method?: string; payload?: string } = {}) {
  const response = await harness.app.server.inject({
    method: (init.method ?? 'GET') as 'GET' | 'POST',
    url: `/prometheus/api/v1${path}`,
    headers: {
      ...auth,
      ...(init.payload === undefined
        ? {}
        : { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    ...(init.payload === undefined ? {} : { payload: init.payload }),
  })
  return { status: response.statusCode, body: response.json() }
}

async function waitForScrapes(count: number): Promise<void> {
  const module = metricsModule()
  const target = () => module.scrapes()?.targets.find((item) => item.health().job === 'shop')
  const first = target()?.health().lastScrapeMs ?? 0
  let seen = 0
  let last = first
  for (let attempt = 0; attempt < 100 && seen < count; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    const now = target()?.health().lastScrapeMs ?? 0
    if (now !== last) {
      seen++
      last = now
    }
  }
  if (seen < count) throw new Error('scrapes did not happen in time')
}

function metricsModule(): MetricsModule {
  return harness.app.modules.find((item) => item.name === 'metrics') as MetricsModule
}

beforeAll(async () => {
  exporter = createServer((_request, response) => {
    response.setHeader('content-type', 'text/plain; version=0.0.4')
    response.end(exposition)
  })
  await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve))
  const port = (exporter.address() as AddressInfo).port
  exposition = exposed(100, 'shop_temporary 1')
  wideExporter = createServer((_request, response) => {
    response.end('ok_metric 1\nwide{a="1",b="2",c="3",d="4"} 1\n')
  })
  await new Promise<void>((resolve) => wideExporter.listen(0, '127.0.0.1', resolve))
  const widePort = (wideExporter.address() as AddressInfo).port

  harness = await createTestApp('sqlite', {
    metrics: {
      api_token: token,
      global: { scrape_interval: '1s', scrape_timeout: '500ms' },
      scrape_configs: [
        {
          job_name: 'shop',
          static_configs: [{ targets: [`127.0.0.1:${port}`], labels: { env: 'test' } }],
          metric_relabel_configs: [{ action: 'drop', source_labels: ['path'], regex: '/cart' }],
        },
        {
          job_name: 'wide',
          label_limit: 4,
          static_configs: [{ targets: [`127.0.0.1:${widePort}`] }],
        },
      ],
    },
  })
  await harness.app.start()
  await waitForScrapes(1)
  const scraped = () =>
    metricsModule()
      .scrapes()
      ?.health()
      .every((target) => target.lastScrapeMs !== undefined)
  for (let attempt = 0; attempt < 50 && scraped() !== true; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
})

afterAll(async () => {
  await harness.dispose()
  await new Promise((resolve) => exporter.close(resolve))
  await new Promise((resolve) => wideExporter.close(resolve))
})

describe('Prometheus-compatible API over scraped data', () => {
  it('is closed without the bearer token', async () => {
    const response = await harness.app.server.inject({ url: '/prometheus/api/v1/query?query=up' })
    expect(response.statusCode).toBe(401)
    expect(response.json()).toMatchObject({ code: 'unauthorized' })
  })

  it('reports up for the target and for Rampart itself', async () => {
    const { status, body } = await api('/query?query=up')
    expect(status).toBe(200)
    expect(body.status).toBe('success')
    expect(body.data.resultType).toBe('vector')
    const jobs = body.data.result.map((item: { metric: { job: string } }) => item.metric.job).sort()
    expect(jobs).toEqual(['rampart', 'shop', 'wide'])
    const upByJob = Object.fromEntries(
      body.data.result.map((item: { metric: { job: string }; value: [number, string] }) => [
        item.metric.job,
        item.value[1],
      ]),
    )
    expect(upByJob).toEqual({ rampart: '1', shop: '1', wide: '0' })
  })

  it('applies target labels and metric relabeling', async () => {
    const { body } = await api('/query?query=shop_requests_total')
    expect(body.data.result).toHaveLength(1)
    expect(body.data.result[0].metric).toMatchObject({
      __name__: 'shop_requests_total',
      job: 'shop',
      env: 'test',
      path: '/orders',
    })
  })

  it('answers a form-encoded POST query and a range query', async () => {
    const posted = await api('/query', { method: 'POST', payload: 'query=sum%20by%20(job)%20(up)' })
    expect(posted.body.data.result.length).toBe(3)

    const now = Date.now() / 1000
    const range = await api(
      `/query_range?query=scrape_samples_scraped&start=${now - 60}&end=${now}&step=5`,
    )
    expect(range.body.data.resultType).toBe('matrix')
    expect(range.body.data.result.length).toBeGreaterThan(0)
  })

  it('lists series, label names, label values, targets and metadata', async () => {
    const series = await api('/series?match[]=up')
    expect(series.body.data.length).toBe(3)
    const labels = await api('/labels')
    expect(labels.body.data).toEqual(expect.arrayContaining(['__name__', 'env', 'instance', 'job']))
    const values = await api('/label/job/values')
    expect(values.body.data).toEqual(['rampart', 'shop', 'wide'])
    const targets = await api('/targets')
    const shop = targets.body.data.activeTargets.find(
      (t: { scrapePool: string }) => t.scrapePool === 'shop',
    )
    expect(shop).toMatchObject({ health: 'up', lastError: '' })
    const metadata = await api('/metadata?metric=shop_requests_total')
    expect(metadata.body.data.shop_requests_total[0]).toMatchObject({ type: 'counter' })
    const buildinfo = await api('/status/buildinfo')
    expect(buildinfo.body.data.version).toMatch(/^\d+\.\d+\.\d+$/)
  })

  it('keeps no sample of a scrape that failed on label_limit', async () => {
    const { body } = await api('/query?query={job="wide",__name__!~"up|scrape_.*"}')
    expect(body.data.result).toEqual([])
    const targets = await api('/targets')
    const wide = targets.body.data.activeTargets.find(
      (t: { scrapePool: string }) => t.scrapePool === 'wide',
    )
    expect(wide.lastError).toMatch(/label_limit exceeded/)
  })

  it.each([
    ['up{job=~"(?i)SHOP"}', ['shop']],
    ['up{job=~"[[:alpha:]]+",job!~"rampart|wide"}', ['shop']],
    ['up{job!~"(?i:RAMPART|WIDE)"}', ['shop']],
  ])('matches RE2 regex syntax in the store: %s', async (query, jobs) => {
    const { status, body } = await api(`/query?query=${encodeURIComponent(query)}`)
    expect(status).toBe(200)
    expect(body.data.result.map((item: { metric: { job: string } }) => item.metric.job)).toEqual(
      jobs,
    )
  })

  it.each([
    ['/query?query=sum(', 400, 'bad_data'],
    ['/query', 400, 'bad_data'],
    ['/query?query=up&time=yesterday', 400, 'bad_data'],
    ['/query_range?query=up&start=0&end=1000000&step=1', 400, 'bad_data'],
    ['/series', 400, 'bad_data'],
  ])('rejects %s with %i %s', async (path, status, errorType) => {
    const response = await api(path)
    expect(response.status).toBe(status)
    expect(response.body).toMatchObject({ status: 'error', errorType })
    expect(typeof response.body.error).toBe('string')
  })

  it('names the position of a syntax error', async () => {
    const { body } = await api('/query?query=rate(up[5m]')
    expect(body.error).toMatch(/^1:\d+: parse error/)
  })

  it('marks a vanished series stale and a broken exposition as a failed scrape', async () => {
    exposition = exposed(200)
    await waitForScrapes(1)
    const gone = await api('/query?query=shop_temporary')
    expect(gone.body.data.result).toEqual([])

    exposition = exposed(300, 'this line is { not valid')
    await waitForScrapes(1)
    const up = await api('/query?query=up{job="shop"}')
    expect(up.body.data.result[0].value[1]).toBe('0')
    const targets = await api('/targets')
    const shop = targets.body.data.activeTargets.find(
      (t: { scrapePool: string }) => t.scrapePool === 'shop',
    )
    expect(shop.health).toBe('down')
    expect(shop.lastError).not.toBe('')
    const kept = await api('/query?query=max_over_time(shop_requests_total[1m])')
    expect(kept.body.data.result[0].value[1]).toBe('200')
  })

  it('accepts remote write and answers queries over it', async () => {
    const nowMs = Date.now()
    const body = encodeWriteRequest([
      {
        labels: { __name__: 'pushed_jobs_total', queue: 'mail' },
        samples: [
          { timestampMs: nowMs - 30_000, value: 10 },
          { timestampMs: nowMs - 15_000, value: 25 },
        ],
      },
    ])
    const response = await harness.app.server.inject({
      method: 'POST',
      url: '/prometheus/api/v1/write',
      headers: { ...auth, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      payload: Buffer.from(body),
    })
    expect(response.statusCode).toBe(204)
    const { body: result } = await api('/query?query=pushed_jobs_total')
    expect(result.data.result[0].value[1]).toBe('25')

    const garbage = await harness.app.server.inject({
      method: 'POST',
      url: '/prometheus/api/v1/write',
      headers: { ...auth, 'content-type': 'application/x-protobuf' },
      payload: Buffer.from('not snappy at all'),
    })
    expect(garbage.statusCode).toBe(400)

    const badLabel = await harness.app.server.inject({
      method: 'POST',
      url: '/prometheus/api/v1/write',
      headers: { ...auth, 'content-type': 'application/x-protobuf' },
      payload: Buffer.from(
        encodeWriteRequest([
          {
            labels: { __name__: 'rw_bad', 'bad-name': 'v' },
            samples: [{ timestampMs: nowMs, value: 1 }],
          },
        ]),
      ),
    })
    expect(badLabel.statusCode).toBe(400)
    expect(badLabel.json().error).toMatch(/label name/)
  })
})

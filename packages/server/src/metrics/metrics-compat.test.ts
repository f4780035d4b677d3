import { createServer } from 'node:http'
import type { IncomingHttpHeaders, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestApp } from '../test-support/test-app.js'
import { createTestApp } from '../test-support/test-app.js'
import type { MetricsModule } from './module.js'

// Prometheus HTTP API details a data-source client relies on, beyond the query results.

const token = 'compat-token'
const auth = { authorization: `Bearer ${token}` }
let exporter: Server
let harness: TestApp

const exposition = [
  '# HELP a_total First family.',
  '# TYPE a_total counter',
  'a_total 1',
  '# HELP b_bytes Second family.',
  '# TYPE b_bytes gauge',
  'b_bytes 2',
  '# HELP c_seconds Third family.',
  '# TYPE c_seconds gauge',
  'c_seconds{path="C:\\xff\\dir"} 3',
  '',
].join('\n')

async function api(path: string, method: 'GET' | 'POST' | 'DELETE' = 'GET') {
  const response = await harness.app.server.inject({
    method,
    url: `/prometheus/api/v1${path}`,
    headers: auth,
  })
  return { status: response.statusCode, body: response.json() }
}

beforeAll(async () => {
  exporter = createServer((_request, response) => response.end(exposition))
  await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve))
  const port = (exporter.address() as AddressInfo).port
  harness = await createTestApp('sqlite', {
    metrics: {
      api_token: token,
      scrape_self: false,
      global: { scrape_interval: '1s', scrape_timeout: '500ms' },
      scrape_configs: [
        { job_name: 'compat', static_configs: [{ targets: [`127.0.0.1:${port}`] }] },
      ],
    },
  })
  await harness.app.start()
  const metrics = harness.app.modules.find((item) => item.name === 'metrics') as MetricsModule
  const scraped = () => metrics.scrapes()?.health()[0]?.lastScrapeMs !== undefined
  for (let attempt = 0; attempt < 50 && !scraped(); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
})

afterAll(async () => {
  await harness.dispose()
  await new Promise((resolve) => exporter.close(resolve))
})

describe('Prometheus API compatibility', () => {
  it('challenges a request without a valid token with WWW-Authenticate', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }]) {
      const response = await harness.app.server.inject({
        url: '/prometheus/api/v1/query?query=up',
        headers,
      })
      expect(response.statusCode).toBe(401)
      expect(response.headers['www-authenticate']).toBe('Bearer realm="rampart metrics"')
    }
  })

  it.each([
    ['/query?query=1&time=0x10', 'time'],
    ['/query?query=1&time=%201', 'time'],
    ['/query?query=1&time=Infinity', 'time'],
    ['/query?query=1&time=2026-01-02T03:04:05', 'time'],
    ['/query?query=1&time=2026-01-02', 'time'],
    ['/query_range?query=1&start=0&end=60&step=0x10', 'step'],
    ['/series?match[]=up&start=0b1', 'start'],
  ])('rejects the loose time %s as Prometheus does', async (path, name) => {
    const { status, body } = await api(path)
    expect(status).toBe(400)
    expect(body).toMatchObject({ status: 'error', errorType: 'bad_data' })
    expect(body.error).toContain(`"${name}"`)
  })

  it.each([
    ['/query?query=time()&time=1e3', 1000],
    ['/query?query=time()&time=-1.5', -1.5],
    ['/query?query=time()&time=2026-01-02T03:04:05.5Z', 1767323045.5],
    ['/query?query=time()&time=2026-01-02T03:04:05%2B01:00', 1767319445],
  ])('accepts the time %s', async (path, seconds) => {
    const { status, body } = await api(path)
    expect(status).toBe(200)
    expect(body.data.result[0]).toBe(seconds)
  })

  it.each(['up offset 5m', 'up @ 100', '{job="compat"} offset 1m', 'up smoothed', 'rate(up[5m])'])(
    'rejects match[]=%s like Prometheus',
    async (selector) => {
      const { status, body } = await api(`/series?match[]=${encodeURIComponent(selector)}`)
      expect(status).toBe(400)
      expect(body).toMatchObject({ status: 'error', errorType: 'bad_data' })
    },
  )

  it('accepts a selector whose label value spells a modifier', async () => {
    const { status } = await api(`/series?match[]=${encodeURIComponent('up{x="} offset 5m"}')}`)
    expect(status).toBe(200)
  })

  it('answers query_exemplars with an empty list, validating the request', async () => {
    expect(await api('/query_exemplars?query=up&start=0&end=100')).toEqual({
      status: 200,
      body: { status: 'success', data: [] },
    })
    expect((await api('/query_exemplars?query=up', 'POST')).status).toBe(200)
    expect((await api('/query_exemplars')).body).toMatchObject({ errorType: 'bad_data' })
    expect((await api('/query_exemplars?query=sum(')).body).toMatchObject({
      errorType: 'bad_data',
    })
  })

  it.each([
    ['GET', '/no_such_endpoint'],
    ['GET', '/status/tsdb/nope'],
    ['DELETE', '/query'],
  ] as const)('answers %s %s in the API error shape', async (method, path) => {
    const { status, body } = await api(path, method)
    expect(status).toBe(404)
    expect(body).toMatchObject({ status: 'error', errorType: 'not_found' })
    expect(body.error).toContain(path)
  })

  it('honours limit and limit_per_metric on metadata', async () => {
    const all = await api('/metadata')
    expect(Object.keys(all.body.data).sort()).toEqual(['a_total', 'b_bytes', 'c_seconds'])
    expect(Object.keys((await api('/metadata?limit=2')).body.data)).toHaveLength(2)
    expect((await api('/metadata?limit=0')).body.data).toEqual({})
    expect(Object.keys((await api('/metadata?limit=-1')).body.data)).toHaveLength(3)
    const perMetric = await api('/metadata?limit_per_metric=0')
    expect(Object.values(perMetric.body.data).flat()).toEqual([])
    expect(await api('/metadata?limit=two')).toMatchObject({
      status: 400,
      body: { errorType: 'bad_data', error: 'limit must be a number' },
    })
  })

  it('keeps unknown escapes in a scraped label value instead of failing the scrape', async () => {
    const { body } = await api('/query?query=c_seconds')
    expect(body.data.result).toEqual([
      {
        metric: {
          __name__: 'c_seconds',
          instance: expect.any(String),
          job: 'compat',
          path: 'C:\\xff\\dir',
        },
        value: [expect.any(Number), '3'],
      },
    ])
  })
})

describe('remote backend credentials', () => {
  it('sends the configured basic auth and headers, never the client token', async () => {
    const seen: IncomingHttpHeaders[] = []
    const remote = createServer((request, response) => {
      seen.push(request.headers)
      response.setHeader('content-type', 'application/json')
      response.end('{"status":"success","data":{"resultType":"vector","result":[]}}')
    })
    await new Promise<void>((resolve) => remote.listen(0, '127.0.0.1', resolve))
    const port = (remote.address() as AddressInfo).port
    const proxy = await createTestApp('sqlite', {
      metrics: {
        api_token: token,
        backend: 'prometheus',
        remote_url: `http://127.0.0.1:${port}/prometheus`,
        remote: {
          basic_auth: { username: 'reader', password: 's3cret' },
          headers: { 'X-Scope-OrgID': 'tenant-a' },
        },
      },
    })
    try {
      const response = await proxy.app.server.inject({
        url: '/prometheus/api/v1/query?query=up',
        headers: auth,
      })
      expect(response.statusCode).toBe(200)
      expect(seen).toHaveLength(1)
      expect(seen[0]?.authorization).toBe(
        `Basic ${Buffer.from('reader:s3cret').toString('base64')}`,
      )
      expect(seen[0]?.['x-scope-orgid']).toBe('tenant-a')

      const unknown = await proxy.app.server.inject({
        url: '/prometheus/api/v1/admin/tsdb/delete_series',
        headers: auth,
      })
      expect(unknown.statusCode).toBe(404)
      expect(unknown.json()).toMatchObject({ status: 'error', errorType: 'not_found' })
      expect(seen).toHaveLength(1)
      expect(proxy.log.text()).not.toContain('s3cret')
    } finally {
      await proxy.dispose()
      await new Promise((resolve) => remote.close(resolve))
    }
  })

  it.each([
    [{ headers: { Authorization: 'x' } }, 'cannot be set here'],
    [{ headers: { 'X-Bad\nName': 'x' } }, 'not a valid header name'],
    [{ headers: { 'X-Scope-OrgID': 'a\r\nInjected: 1' } }, 'must be one line'],
  ])('refuses the remote settings %j at start-up', async (remote, message) => {
    await expect(
      createTestApp('sqlite', {
        metrics: { backend: 'prometheus', remote_url: 'http://127.0.0.1:9', remote },
      }),
    ).rejects.toThrow(message)
  })
})

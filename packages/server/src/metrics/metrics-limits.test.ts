import { afterEach, expect, it } from 'vitest'
import type { TestApp } from '../test-support/test-app.js'
import { createTestApp } from '../test-support/test-app.js'
import { encodeWriteRequest } from './remote-write/write-request.js'

const token = 'limits'
const headers = { authorization: `Bearer ${token}` }
let harness: TestApp | undefined
afterEach(() => harness?.dispose())

it('stops a query over the sample limit with errorType execution', async () => {
  harness = await createTestApp('sqlite', {
    metrics: { api_token: token, scrape_self: false, query: { max_samples: 10 } },
  })
  const nowMs = Date.now()
  const samples = Array.from({ length: 50 }, (_, index) => ({
    timestampMs: nowMs - (50 - index) * 1000,
    value: index,
  }))
  const write = await harness.app.server.inject({
    method: 'POST',
    url: '/prometheus/api/v1/write',
    headers: { ...headers, 'content-type': 'application/x-protobuf' },
    payload: Buffer.from(encodeWriteRequest([{ labels: { __name__: 'busy' }, samples }])),
  })
  expect(write.statusCode).toBe(204)

  const response = await harness.app.server.inject({
    url: `/prometheus/api/v1/query?query=sum_over_time(busy[5m])&time=${nowMs / 1000}`,
    headers,
  })
  expect(response.statusCode).toBe(422)
  expect(response.json()).toMatchObject({ status: 'error', errorType: 'execution' })
})

it('answers 503 unavailable when the remote backend cannot be reached', async () => {
  harness = await createTestApp('sqlite', {
    metrics: { api_token: token, backend: 'prometheus', remote_url: 'http://127.0.0.1:9' },
  })
  const response = await harness.app.server.inject({
    url: '/prometheus/api/v1/query?query=up',
    headers,
  })
  expect(response.statusCode).toBe(503)
  expect(response.json()).toMatchObject({ status: 'error', errorType: 'unavailable' })
})

it('refuses a remote backend without a URL at start-up', async () => {
  await expect(createTestApp('sqlite', { metrics: { backend: 'prometheus' } })).rejects.toThrow(
    /remote_url/,
  )
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp } from '../test-support/apps.js'
import type { Framework } from '../test-support/apps.js'
import { readBody, startServer } from '../test-support/http-server.js'
import type { TestServer } from '../test-support/http-server.js'
import { TestIdentityProvider } from '../test-support/identity-provider.js'
import { captureLog } from '../test-support/log-capture.js'
import { createTracing } from './tracing.js'

interface ExportedSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
  attributes: { key: string; value: Record<string, unknown> }[]
}

/** A local OTLP/HTTP trace receiver: what the exporter posts to `<endpoint>/v1/traces`. */
let receiver: TestServer
const spans: ExportedSpan[] = []
const serviceNames: unknown[] = []
const provider = new TestIdentityProvider()

beforeAll(async () => {
  receiver = await startServer(async (request, response) => {
    if (request.url !== '/v1/traces' || request.method !== 'POST') {
      response.statusCode = 404
      response.end()
      return
    }
    const body = JSON.parse(await readBody(request))
    for (const resourceSpans of body.resourceSpans ?? []) {
      const name = resourceSpans.resource?.attributes?.find((a: any) => a.key === 'service.name')
      serviceNames.push(name?.value?.stringValue)
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) spans.push(...scopeSpans.spans)
    }
    response.setHeader('content-type', 'application/json')
    response.end('{}')
  })
  await provider.start()
  await provider.addKey('es-1')
})
afterAll(async () => {
  await receiver.close()
  await provider.close()
})

function attribute(span: ExportedSpan | undefined, key: string): unknown {
  const value = span?.attributes.find((entry) => entry.key === key)?.value
  return value === undefined ? undefined : Object.values(value)[0]
}

describe('tracing', () => {
  it('is off without an OTLP endpoint, and on with one', () => {
    expect(createTracing('shop', {}).enabled).toBe(false)
    expect(createTracing('shop', { OTEL_EXPORTER_OTLP_ENDPOINT: ' ' }).enabled).toBe(false)
    const disabled = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SDK_DISABLED: 'true' }
    expect(createTracing('shop', disabled).enabled).toBe(false)
    expect(createTracing('shop', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }).enabled).toBe(true)
  })

  it.each<Framework>(['express', 'fastify'])(
    'exports %s request and query spans over OTLP/HTTP, continuing the caller trace',
    async (framework) => {
      // The exporter reads the standard variables from the process environment.
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url
      const log = captureLog()
      const app = await startApp(framework, {
        url: provider.url,
        service: 'shop',
        audience: 'shop-api',
        logger: { destination: log.destination },
        defaultMetrics: false,
      })
      const traceId = framework === 'express' ? 'a'.repeat(31) + '1' : 'b'.repeat(31) + '2'
      try {
        const response = await fetch(`${app.url}/query`, {
          headers: {
            authorization: `Bearer ${await provider.sign('es-1')}`,
            traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
          },
        })
        expect(response.status).toBe(200)
      } finally {
        await app.close() // flushes the batch of spans
        delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT
      }

      const server = spans.find((span) => span.traceId === traceId && span.kind === 2)
      expect(server?.name).toBe('GET /query')
      expect(server?.parentSpanId).toBe('00f067aa0ba902b7')
      expect(attribute(server, 'http.route')).toBe('/query')
      expect(Number(attribute(server, 'http.response.status_code'))).toBe(200)
      const query = spans.find((span) => span.traceId === traceId && span.name === 'select orders')
      expect(query?.parentSpanId).toBe(server?.spanId)
      expect(attribute(query, 'db.collection.name')).toBe('orders')
      expect(serviceNames).toContain('shop')

      const completed = log.lines().find((line) => line.msg === 'request completed')
      expect(completed).toMatchObject({ traceId, spanId: server?.spanId })
    },
  )
})

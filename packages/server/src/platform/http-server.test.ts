import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestApp } from '../test-support/test-app.js'
import { createTestApp } from '../test-support/test-app.js'
import { RampartError } from './errors.js'

let harness: TestApp

beforeAll(async () => {
  harness = await createTestApp('sqlite', { server: { body_limit_bytes: 1024 } })
  const { server } = harness.app
  server.post(
    '/test/items',
    {
      schema: {
        body: {
          type: 'object',
          required: ['name', 'count'],
          additionalProperties: false,
          properties: { name: { type: 'string' }, count: { type: 'integer', minimum: 1 } },
        },
      },
    },
    (request) => request.body,
  )
  server.get('/test/items/:id', (request) => ({ id: (request.params as { id: string }).id }))
  server.get('/test/conflict', () => {
    throw new RampartError('conflict', 'item 7 already exists')
  })
  server.get('/test/crash', () => {
    throw new Error('connection string postgres://admin:hunter2@db leaked into a message')
  })
  await server.ready()
})

afterAll(() => harness.dispose())

const json = { 'content-type': 'application/json' }

describe('problem+json for bad input', () => {
  const cases = [
    {
      name: 'unknown route',
      request: { method: 'GET', url: '/no/such/route' },
      status: 404,
      code: 'not_found',
    },
    {
      name: 'wrong content type',
      request: {
        method: 'POST',
        url: '/test/items',
        headers: { 'content-type': 'text/csv' },
        payload: 'a,b',
      },
      status: 415,
      code: 'unsupported_media_type',
    },
    {
      name: 'oversized body',
      request: {
        method: 'POST',
        url: '/test/items',
        headers: json,
        payload: JSON.stringify({ name: 'x'.repeat(2000), count: 1 }),
      },
      status: 413,
      code: 'payload_too_large',
    },
    {
      name: 'malformed JSON',
      request: { method: 'POST', url: '/test/items', headers: json, payload: '{"name": ' },
      status: 400,
      code: 'malformed_json',
    },
    {
      name: 'empty JSON body',
      request: { method: 'POST', url: '/test/items', headers: json, payload: '' },
      status: 400,
      code: 'malformed_json',
    },
    {
      name: 'text/plain body',
      request: {
        method: 'POST',
        url: '/test/items',
        headers: { 'content-type': 'text/plain' },
        payload: 'x',
      },
      status: 415,
      code: 'unsupported_media_type',
    },
    {
      name: 'undecodable URL',
      request: { method: 'GET', url: '/%zz?token=tok-in-bad-url' },
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'domain error',
      request: { method: 'GET', url: '/test/conflict' },
      status: 409,
      code: 'conflict',
    },
  ] as const

  it.each(cases)('$name → $status $code', async ({ request, status, code }) => {
    const response = await harness.app.server.inject(request)
    expect(response.statusCode).toBe(status)
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/)
    const body = response.json()
    expect(body).toMatchObject({ status, code, type: `urn:rampart:problem:${code}` })
    expect(typeof body.title).toBe('string')
    expect(typeof body.detail).toBe('string')
    expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+/)
    expect(JSON.stringify(body)).not.toContain('tok-in-bad-url')
  })

  it('names every offending field of a validation error', async () => {
    const response = await harness.app.server.inject({
      method: 'POST',
      url: '/test/items',
      headers: json,
      payload: { count: 0, colour: 'red' },
    })
    expect(response.statusCode).toBe(400)
    const body = response.json()
    expect(body.code).toBe('validation_failed')
    const fields = (body.errors as { field: string }[]).map((error) => error.field).sort()
    expect(fields).toEqual(['body.colour', 'body.count', 'body.name'])
  })

  it('answers an unexpected error with a generic 500 and logs the cause', async () => {
    const response = await harness.app.server.inject({ method: 'GET', url: '/test/crash' })
    expect(response.statusCode).toBe(500)
    expect(response.json()).toMatchObject({
      code: 'internal',
      detail: 'an unexpected error occurred',
    })
    expect(response.body).not.toContain('hunter2')
    const logged = harness.log
      .lines()
      .find((line) => line.msg === 'request failed' && line.level === 50)
    expect(logged).toBeDefined()
  })
})

describe('request id and trace context', () => {
  it('echoes a well-formed X-Request-Id and logs it', async () => {
    const response = await harness.app.server.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'client-req.42' },
    })
    expect(response.headers['x-request-id']).toBe('client-req.42')
    const line = harness.log.lines().find((entry) => entry.requestId === 'client-req.42')
    expect(line).toMatchObject({ msg: 'request completed', route: '/healthz', statusCode: 200 })
  })

  it('replaces a malformed X-Request-Id instead of echoing it', async () => {
    const response = await harness.app.server.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'bad id\twith "quotes"' },
    })
    const id = response.headers['x-request-id']
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('carries the traceparent trace id into the completion line', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    await harness.app.server.inject({
      method: 'GET',
      url: '/healthz',
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    })
    expect(harness.log.lines().some((line) => line.traceId === traceId)).toBe(true)
  })
})

describe('logs never carry secrets', () => {
  it('drops headers, cookies, query tokens and bodies from every line', async () => {
    const secrets = ['Bearer-tok-9f8e7d', 'sess-cookie-1a2b3c', 'qs-token-5x6y7z', 'pw-Hunter2!!']
    await harness.app.server.inject({
      method: 'POST',
      url: `/test/items?access_token=${secrets[2]}`,
      headers: {
        ...json,
        authorization: `Bearer ${secrets[0]}`,
        cookie: `rampart_session=${secrets[1]}`,
      },
      payload: { name: secrets[3], count: 'not a number', password: secrets[3] },
    })
    await harness.app.server.inject({
      method: 'GET',
      url: `/no/route?token=${secrets[2]}`,
      headers: { authorization: `Basic ${secrets[0]}` },
    })
    harness.app.logger.info({ password: secrets[3], nested: { token: secrets[0] } }, 'careless')

    const text = harness.log.text()
    for (const secret of secrets) expect(text).not.toContain(secret)
    const completions = harness.log.lines().filter((line) => line.msg === 'request completed')
    expect(completions.length).toBeGreaterThan(0)
    for (const line of completions) {
      expect(Object.keys(line).sort()).toEqual([
        'durationMs',
        'level',
        'method',
        'msg',
        'requestId',
        'route',
        'service',
        'statusCode',
        'time',
        'traceId',
      ])
    }
  })
})

describe('self-metrics', () => {
  it('labels the request histogram with the route template, never the raw URL', async () => {
    await harness.app.server.inject({ method: 'GET', url: '/test/items/item-q7x3' })
    await harness.app.server.inject({ method: 'GET', url: '/nothing/here/zz9k' })
    const response = await harness.app.server.inject({ method: 'GET', url: '/metrics' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toMatch(/^text\/plain/)
    const text = response.body
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/test\/items\/:id",status_code="200"\} 1/,
    )
    expect(text).toContain('route="unmatched",status_code="404"')
    expect(text).not.toContain('item-q7x3')
    expect(text).not.toContain('zz9k')
    expect(text).toContain('http_requests_in_flight')
    expect(text).toContain('nodejs_eventloop_lag_seconds')
    expect(text).toContain('nodejs_gc_duration_seconds')
  })
})

describe('platform routes', () => {
  it('reports readiness with every check', async () => {
    const response = await harness.app.server.inject({ method: 'GET', url: '/readyz' })
    expect(response.statusCode).toBe(200)
    const body = response.json()
    expect(body.status).toBe('ready')
    expect(body.checks.map((check: { name: string }) => check.name)).toEqual([
      'database',
      'migrations',
    ])
    for (const check of body.checks) expect(typeof check.durationMs).toBe('number')
  })

  it('serves an OpenAPI document built from the route schemas', async () => {
    const response = await harness.app.server.inject({ method: 'GET', url: '/openapi.json' })
    expect(response.statusCode).toBe(200)
    const document = response.json()
    expect(document.openapi).toBe('3.1.0')
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/healthz', '/readyz', '/metrics']),
    )
  })

  it('sends security headers', async () => {
    const response = await harness.app.server.inject({ method: 'GET', url: '/healthz' })
    expect(response.headers['x-content-type-options']).toBe('nosniff')
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'")
  })
})

import { describe, expect, it } from 'vitest'
import { parseTraceparent, requestIdFrom } from './context.js'

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
const spanId = '00f067aa0ba902b7'

describe('parseTraceparent', () => {
  it.each([
    ['a sampled version 00 header', `00-${traceId}-${spanId}-01`, '01'],
    ['an unsampled header', `00-${traceId}-${spanId}-00`, '00'],
    ['surrounding whitespace', `  00-${traceId}-${spanId}-01 `, '01'],
    ['a later version with extra fields', `01-${traceId}-${spanId}-01-what-comes-next`, '01'],
  ])('continues %s', (_name, header, flags) => {
    expect(parseTraceparent(header)).toEqual({ traceId, parentSpanId: spanId, traceFlags: flags })
  })

  it.each([
    ['no header', undefined],
    ['several headers', [`00-${traceId}-${spanId}-01`, `00-${traceId}-${spanId}-01`]],
    ['version ff', `ff-${traceId}-${spanId}-01`],
    ['version 00 with extra fields', `00-${traceId}-${spanId}-01-extra`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${spanId}-01`],
    ['an all-zero span id', `00-${traceId}-${'0'.repeat(16)}-01`],
    ['upper-case hex', `00-${traceId.toUpperCase()}-${spanId}-01`],
    ['a short trace id', `00-${traceId.slice(1)}-${spanId}-01`],
    ['garbage', 'hello'],
    ['an oversized value', `01-${traceId}-${spanId}-01-${'x'.repeat(600)}`],
  ])('starts a new trace for %s', (_name, header) => {
    expect(parseTraceparent(header)).toBeUndefined()
  })
})

describe('requestIdFrom', () => {
  it.each([
    ['req-42', 'req-42'],
    ['a:b.c_d-e', 'a:b.c_d-e'],
  ])('keeps a well-formed id %s', (header, expected) => {
    expect(requestIdFrom(header)).toBe(expected)
  })

  it.each([['with space'], ['line\nbreak'], ['x'.repeat(129)], [''], ['{"json":1}']])(
    'replaces %j',
    (header) => {
      expect(requestIdFrom(header)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/)
    },
  )
})

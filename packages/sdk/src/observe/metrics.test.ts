import { describe, expect, it } from 'vitest'
import { ConfigurationError } from '../errors.js'
import { ServiceMetrics } from './metrics.js'

describe('ServiceMetrics helpers', () => {
  it('returns the same business metric for the same name', async () => {
    const metrics = new ServiceMetrics({ defaultMetrics: false })
    const options = { name: 'orders_created_total', help: 'Orders.', labelNames: ['channel'] }
    metrics.counter(options).labels('web').inc()
    metrics.counter(options).labels('web').inc(2)
    metrics
      .histogram({ name: 'order_value_euros', help: 'Values.', buckets: [10, 100] })
      .observe(42)

    const text = (await metrics.exposition()).body
    expect(text).toContain('orders_created_total{channel="web"} 3')
    expect(text).toContain('order_value_euros_bucket{le="100"} 1')
  })

  it('refuses a name taken by another type or by the SDK itself', () => {
    const metrics = new ServiceMetrics({ defaultMetrics: false })
    metrics.counter({ name: 'things_total', help: 'Things.' })
    expect(() => metrics.histogram({ name: 'things_total', help: 'x' })).toThrow(
      new ConfigurationError('metric things_total is already a counter'),
    )
    expect(() => metrics.counter({ name: 'http_requests_in_flight', help: 'x' })).toThrow(
      "metric http_requests_in_flight is one of the SDK's own metrics",
    )
  })
})

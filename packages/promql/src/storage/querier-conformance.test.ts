import { describe, expect, it } from 'vitest'

import { MemoryQuerier } from '../engine/memory-querier.js'
import { evaluateRange } from '../engine/query.js'
import type { Labels } from '../model/series.js'
import { openMetricStore } from './metric-store.js'

const MINUTE_MS = 60_000

/**
 * The same samples in the engine's reference querier and in the store (with tiny chunks, so
 * queries cross many chunk boundaries): every query must give the same answer from both.
 */
function loadBoth() {
  const reference = new MemoryQuerier()
  const store = openMetricStore({ background: false, samplesPerChunk: 7 })
  const appender = store.appender()

  for (let i = 0; i < 12; i++) {
    const labels: Labels = {
      __name__: i % 3 === 0 ? 'queue_depth' : 'http_requests_total',
      job: i % 2 === 0 ? 'api' : 'web',
      instance: `host-${i}`,
    }
    const ref = appender.seriesRef(labels)
    let value = i * 10
    for (let step = 0; step < 120; step++) {
      // Irregular scrapes, a counter reset, and a series that goes stale and comes back.
      const timestampMs = step * 15_000 + ((step * 7 + i) % 5) * 311
      const stale = i === 4 && step >= 50 && step < 60 && step % 10 === 0
      value = step === 70 && i === 1 ? 0 : value + ((step * 13 + i) % 9)
      if (stale) {
        reference.addStale(labels, timestampMs)
        appender.appendStale(ref, timestampMs)
      } else if (!(i === 4 && step > 50 && step < 60)) {
        reference.add(labels, timestampMs, value)
        appender.append(ref, timestampMs, value)
      }
    }
  }
  appender.commit()
  return { reference, store }
}

const queries = [
  'http_requests_total',
  'queue_depth{job=~"a.*"}',
  'sum by (job) (rate(http_requests_total[5m]))',
  'increase(http_requests_total{instance!="host-1"}[2m])',
  'max_over_time(queue_depth[3m])',
  'last_over_time(http_requests_total{instance="host-4"}[1m])',
  'count_over_time({__name__=~".+"}[90s])',
  'resets(http_requests_total[10m])',
]

describe('the store as a querier', () => {
  const { reference, store } = loadBoth()

  it.each(queries)('answers %s like the reference querier', (query) => {
    const range = [0, 30 * MINUTE_MS, 30_000] as const

    const want = evaluateRange(query, ...range, { querier: reference })
    const got = evaluateRange(query, ...range, { querier: store })

    expect(want.value.resultType === 'matrix' && want.value.series.length).toBeGreaterThan(0)
    expect(got.value).toEqual(want.value)
  })
})

/**
 * Bytes per stored sample: 10,000 series × 1 day at a 15 s interval (57.6 million samples)
 * appended to an in-memory store, then measured three ways: compressed chunk bytes, the store's
 * own memory estimate, and the growth of the process's heap and buffers after a full GC.
 *
 * Timestamps are aligned to the interval, as a scraper that snaps timestamps within a few
 * milliseconds of the schedule writes them (Prometheus does the same by default); 2% of scrapes
 * miss by 3–50 ms to keep the encoder honest.
 *
 * Run: node --import tsx packages/promql/bench/memory.ts  (BENCH_SERIES, BENCH_HOURS to scale)
 */

import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

import { openMetricStore } from '../src/storage/index.js'
import { createRandom, initialValue, kindOf, nextValue } from './synthetic-metrics.js'

setFlagsFromString('--expose-gc')
const collectGarbage = runInNewContext('gc') as () => void

const seriesCount = Number(process.env.BENCH_SERIES ?? 10_000)
const hours = Number(process.env.BENCH_HOURS ?? 24)
const intervalMs = 15_000
const targets = 100
const scrapes = (hours * 60 * 60 * 1000) / intervalMs
const startMs = Date.UTC(2026, 0, 1)

function heapBytes(): number {
  collectGarbage()
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.arrayBuffers
}

const baseline = heapBytes()
const store = openMetricStore({ background: false })
const appender = store.appender()
const random = createRandom(42)

const refs = new Int32Array(seriesCount)
const values = new Float64Array(seriesCount)
for (let i = 0; i < seriesCount; i++) {
  refs[i] = appender.seriesRef({
    __name__: `metric_${kindOf(i)}`,
    job: 'service',
    instance: `host-${i % targets}:9100`,
    series: String(i),
  })
  values[i] = initialValue(kindOf(i), i)
}

const started = performance.now()
const cpuStarted = process.cpuUsage()
const perTarget = seriesCount / targets
for (let scrape = 0; scrape < scrapes; scrape++) {
  for (let target = 0; target < targets; target++) {
    const jitter = random() < 0.02 ? Math.round((random() - 0.5) * 94 + 3) : 0
    const t = startMs + scrape * intervalMs + jitter
    for (let i = target * perTarget; i < (target + 1) * perTarget; i++) {
      const value = nextValue(kindOf(i), values[i]!, random)
      values[i] = value
      appender.append(refs[i]!, t, value)
    }
  }
  appender.commit()
}
const seconds = (performance.now() - started) / 1000
const cpu = process.cpuUsage(cpuStarted)
const cpuSeconds = (cpu.user + cpu.system) / 1e6

const stats = store.stats()
const samples = stats.appended.ok
let openChunkBytes = 0
store.head.forEachSeries((series) => (openChunkBytes += series.head?.byteLength ?? 0))
const heapGrowth = heapBytes() - baseline

console.log(
  JSON.stringify({
    bench: 'promql.memory',
    series: seriesCount,
    samples,
    bytesPerSample: round((stats.closedChunkBytes + openChunkBytes) / samples),
    estimateBytesPerSample: round(stats.memoryEstimateBytes / samples),
    heapBytesPerSample: round(heapGrowth / samples),
    appendSamplesPerSec: Math.round(samples / seconds),
    appendSamplesPerCpuSec: Math.round(samples / cpuSeconds),
    target: 4,
  }),
)

function round(value: number): number {
  return Math.round(value * 1000) / 1000
}

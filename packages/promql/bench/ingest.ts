/**
 * Parse + ingest throughput of scraped text exposition into the compressed store, on one core.
 *
 * Five targets expose 2,000 series each (10,000 in all) in Prometheus text format, with HELP
 * and TYPE lines, histogram buckets and a few labels per series, as a real `/metrics` page
 * does. Every scrape of a target is parsed by that target's parser (series texts cached) and
 * appended by cached ref. Three measurements in the same run:
 *
 * - `promql.ingest`: parser + in-memory store;
 * - `promql.ingest.wal`: the same with the write-ahead log in a temporary directory;
 * - the anchor: each line split off and parsed by a naive regex, labels parsed on every
 *   sample and resolved to a series by label set, into the same kind of store.
 *
 * Run: node --import tsx packages/promql/bench/ingest.ts  (BENCH_SECONDS per round, BENCH_ROUNDS)
 */

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { ExpositionParser } from '../src/exposition/index.js'
import type { Labels } from '../src/model/series.js'
import { openMetricStore } from '../src/storage/index.js'
import type { MetricStore } from '../src/storage/index.js'
import { createRandom } from './synthetic-metrics.js'

const secondsPerRun = Number(process.env.BENCH_SECONDS ?? 3)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const targetCount = 5
const variantsPerTarget = 40
const intervalMs = 15_000
const startMs = Date.UTC(2026, 0, 1)

interface Target {
  readonly labels: Labels
  /** Several scrapes' worth of text: same series, different values. */
  readonly texts: readonly string[]
}

const targets: Target[] = Array.from({ length: targetCount }, (_, index) => ({
  labels: { job: 'api', instance: `10.0.0.${index + 1}:8080` },
  texts: expositions(index, variantsPerTarget),
}))
const samplesPerScrape = targets[0]!.texts[0]!.split('\n').filter(isSampleLine).length

type Ingest = (store: MetricStore, parsers: ExpositionParser[], scrape: number) => number

interface Rate {
  /** Samples per second of wall time. */
  readonly wall: number
  /** Samples per second of this process's CPU time: steadier on a shared machine. */
  readonly cpu: number
}

/** The median of a few rounds, by CPU rate; the first round also warms the code up. */
function measure(name: string, open: () => MetricStore, ingest: Ingest): Rate {
  const rates: Rate[] = []
  for (let round = 0; round < rounds; round++) rates.push(measureOnce(name, open, ingest))
  rates.sort((a, b) => a.cpu - b.cpu)
  return rates[Math.floor(rates.length / 2)]!
}

/** Runs scrapes round-robin over the targets for the configured time, into a new store. */
function measureOnce(name: string, open: () => MetricStore, ingest: Ingest): Rate {
  const store = open()
  const parsers = targets.map(() => new ExpositionParser())
  // One warm-up scrape per target creates the series and warms the code.
  ingest(store, parsers, 0)

  let samples = 0
  let scrape = 1
  const started = performance.now()
  const cpuStarted = process.cpuUsage()
  while (performance.now() - started < secondsPerRun * 1000) {
    samples += ingest(store, parsers, scrape)
    scrape++
  }
  const cpu = process.cpuUsage(cpuStarted)
  const cpuSeconds = (cpu.user + cpu.system) / 1e6
  const seconds = (performance.now() - started) / 1000
  store.close()

  const appended = store.stats().appended
  if (appended.ok !== samples + samplesPerScrape * targetCount) {
    throw new Error(`${name}: stored ${appended.ok} samples, expected more`)
  }
  return { wall: Math.round(samples / seconds), cpu: Math.round(samples / cpuSeconds) }
}

function ingestParsed(store: MetricStore, parsers: ExpositionParser[], scrape: number): number {
  let total = 0
  for (const [index, target] of targets.entries()) {
    const result = parsers[index]!.parse(target.texts[scrape % variantsPerTarget]!, 'prometheus')
    if (!result.ok) throw result.error

    const { series, values, sampleCount } = result.scrape
    const appender = store.appender()
    const timestampMs = startMs + scrape * intervalMs
    for (let i = 0; i < sampleCount; i++) {
      const entry = series[i]!
      if (entry.ref < 0) entry.ref = appender.seriesRef({ ...entry.labels, ...target.labels })
      appender.append(entry.ref, timestampMs, values[i]!)
    }
    appender.commit()
    total += sampleCount
  }
  return total
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+(-?\d+))?$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

function ingestNaive(store: MetricStore, _parsers: ExpositionParser[], scrape: number): number {
  let total = 0
  for (const target of targets) {
    const appender = store.appender()
    const timestampMs = startMs + scrape * intervalMs
    for (const line of target.texts[scrape % variantsPerTarget]!.split('\n')) {
      if (!isSampleLine(line)) continue
      const match = LINE.exec(line)
      if (match === null) throw new Error(`bad line ${line}`)

      const labels: Record<string, string> = { __name__: match[1]!, ...target.labels }
      for (const label of (match[2] ?? '').matchAll(LABEL)) labels[label[1]!] = label[2]!
      appender.append(appender.seriesRef(labels), timestampMs, Number(match[3]))
      total++
    }
    appender.commit()
  }
  return total
}

function isSampleLine(line: string): boolean {
  return line.length > 0 && !line.startsWith('#')
}

/** One exposed series: its text before the value, and how its value moves. */
interface ExposedSeries {
  readonly text: string
  readonly move: (previous: number, random: () => number) => number
  value: number
}

function moveCounter(previous: number, random: () => number): number {
  return previous + Math.floor(random() * 20)
}

function moveBucket(previous: number, random: () => number): number {
  return previous + (random() < 0.3 ? 1 : 0)
}

function moveSum(previous: number, random: () => number): number {
  return Math.round((previous + random() * 2) * 1000) / 1000
}

function moveGauge(previous: number, random: () => number): number {
  return Math.max(0, previous + Math.round((random() - 0.5) * 6))
}

/**
 * Consecutive scrapes of one target, 2,000 series each: request counters, latency histograms
 * and queue gauges, moving as such series do between scrapes (counters by small increments,
 * most buckets rarely). The texts are replayed in a loop, so counters jump back once a loop.
 */
function expositions(target: number, scrapes: number): string[] {
  const random = createRandom(target + 1)
  const families: { header: string; series: ExposedSeries[] }[] = []
  const methods = ['GET', 'POST', 'PUT', 'DELETE']
  const codes = ['200', '201', '400', '404', '500']
  const buckets = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '+Inf']
  const start = () => Math.floor(random() * 1e6)

  const requests: ExposedSeries[] = []
  for (let route = 0; route < 40; route++) {
    for (const method of methods) {
      for (const code of codes) {
        const labels = `method="${method}",route="/api/v1/items/${route}",code="${code}"`
        requests.push({ text: `http_requests_total{${labels}}`, move: moveCounter, value: start() })
      }
    }
  }
  families.push({
    header: '# HELP http_requests_total Requests handled.\n# TYPE http_requests_total counter',
    series: requests,
  })

  const latency: ExposedSeries[] = []
  for (let route = 0; route < 40; route++) {
    for (const method of methods.slice(0, 2)) {
      const labels = `method="${method}",route="/api/v1/items/${route}"`
      for (const le of buckets) {
        const text = `http_request_duration_seconds_bucket{${labels},le="${le}"}`
        latency.push({ text, move: moveBucket, value: start() })
      }
      const sum = `http_request_duration_seconds_sum{${labels}}`
      latency.push({ text: sum, move: moveSum, value: start() / 1000 })
      const count = `http_request_duration_seconds_count{${labels}}`
      latency.push({ text: count, move: moveCounter, value: start() })
    }
  }
  families.push({
    header:
      '# HELP http_request_duration_seconds Latency.\n' +
      '# TYPE http_request_duration_seconds histogram',
    series: latency,
  })

  const queues: ExposedSeries[] = []
  const remaining = 2000 - requests.length - latency.length
  for (let i = 0; i < remaining; i++) {
    const text = `worker_queue_depth{queue="q${i}",shard="${i % 16}"}`
    queues.push({ text, move: moveGauge, value: Math.floor(random() * 50) })
  }
  families.push({ header: '# TYPE worker_queue_depth gauge', series: queues })

  const texts: string[] = []
  for (let scrape = 0; scrape < scrapes; scrape++) {
    const lines: string[] = []
    for (const family of families) {
      lines.push(family.header)
      for (const series of family.series) {
        series.value = series.move(series.value, random)
        lines.push(`${series.text} ${series.value}`)
      }
    }
    texts.push(lines.join('\n') + '\n')
  }
  return texts
}

function main(): void {
  const ours = measure('promql.ingest', () => openMetricStore({ background: false }), ingestParsed)
  const dataDirs: string[] = []
  let withWal: Rate
  try {
    withWal = measure(
      'promql.ingest.wal',
      () => {
        dataDirs.push(mkdtempSync(join(tmpdir(), 'rampart-ingest-bench-')))
        return openMetricStore({ dataDir: dataDirs.at(-1)!, background: false })
      },
      ingestParsed,
    )
  } finally {
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true })
  }
  const anchor = measure(
    'promql.ingest.anchor',
    () => openMetricStore({ background: false }),
    ingestNaive,
  )

  for (const [bench, rate] of [
    ['promql.ingest', ours],
    ['promql.ingest.wal', withWal],
  ] as const) {
    console.log(
      JSON.stringify({
        bench,
        samplesPerSec: rate.wall,
        samplesPerCpuSec: rate.cpu,
        anchor: 'naive regex line parser, labels parsed per sample',
        anchorSamplesPerSec: anchor.wall,
        anchorSamplesPerCpuSec: anchor.cpu,
        ratio: Math.round((rate.cpu / anchor.cpu) * 100) / 100,
        target: 1_000_000,
      }),
    )
  }
}

main()

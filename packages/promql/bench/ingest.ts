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
 * Run: node --import tsx packages/promql/bench/ingest.ts  (BENCH_SECONDS per measurement)
 */

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { ExpositionParser } from '../src/exposition/index.js'
import type { Labels } from '../src/model/series.js'
import { openMetricStore } from '../src/storage/index.js'
import type { MetricStore } from '../src/storage/index.js'
import { createRandom } from './synthetic-metrics.js'

const secondsPerRun = Number(process.env.BENCH_SECONDS ?? 5)
const targetCount = 5
const variantsPerTarget = 6
const intervalMs = 15_000
const startMs = Date.UTC(2026, 0, 1)

interface Target {
  readonly labels: Labels
  /** Several scrapes' worth of text: same series, different values. */
  readonly texts: readonly string[]
}

const targets: Target[] = Array.from({ length: targetCount }, (_, index) => ({
  labels: { job: 'api', instance: `10.0.0.${index + 1}:8080` },
  texts: Array.from({ length: variantsPerTarget }, (_, scrape) => exposition(index, scrape)),
}))
const samplesPerScrape = targets[0]!.texts[0]!.split('\n').filter(isSampleLine).length

type Ingest = (store: MetricStore, parsers: ExpositionParser[], scrape: number) => number

interface Rate {
  /** Samples per second of wall time. */
  readonly wall: number
  /** Samples per second of this process's CPU time: steadier on a shared machine. */
  readonly cpu: number
}

/** Runs scrapes round-robin over the targets for the configured time. */
function measure(name: string, open: () => MetricStore, ingest: Ingest): Rate {
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

/** One target's exposition text: counters, gauges and histograms, 2,000 series. */
function exposition(target: number, scrape: number): string {
  const random = createRandom(target * 1000 + scrape + 1)
  const lines: string[] = []
  const methods = ['GET', 'POST', 'PUT', 'DELETE']
  const codes = ['200', '201', '400', '404', '500']
  const buckets = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '+Inf']

  lines.push('# HELP http_requests_total Requests handled, by route, method and status.')
  lines.push('# TYPE http_requests_total counter')
  for (let route = 0; route < 40; route++) {
    for (const method of methods) {
      for (const code of codes) {
        const value = Math.floor(random() * 1e6)
        const labels = `method="${method}",route="/api/v1/items/${route}",code="${code}"`
        lines.push(`http_requests_total{${labels}} ${value}`)
      }
    }
  }

  lines.push('# HELP http_request_duration_seconds Request latency.')
  lines.push('# TYPE http_request_duration_seconds histogram')
  for (let route = 0; route < 40; route++) {
    for (const method of methods.slice(0, 2)) {
      let count = 0
      const series = `method="${method}",route="/api/v1/items/${route}"`
      for (const le of buckets) {
        count += Math.floor(random() * 100)
        lines.push(`http_request_duration_seconds_bucket{${series},le="${le}"} ${count}`)
      }
      lines.push(`http_request_duration_seconds_sum{${series}} ${(random() * 1e4).toFixed(3)}`)
      lines.push(`http_request_duration_seconds_count{${series}} ${count}`)
    }
  }

  lines.push('# HELP process_open_fds Open file descriptors.')
  lines.push('# TYPE process_open_fds gauge')
  while (lines.filter(isSampleLine).length < 2000) {
    const n = lines.length
    lines.push(`worker_queue_depth{queue="q${n}",shard="${n % 16}"} ${Math.floor(random() * 50)}`)
  }

  return lines.join('\n') + '\n'
}

function main(): void {
  const ours = measure('promql.ingest', () => openMetricStore({ background: false }), ingestParsed)
  const dataDir = mkdtempSync(join(tmpdir(), 'rampart-ingest-bench-'))
  let withWal: Rate
  try {
    withWal = measure(
      'promql.ingest.wal',
      () => openMetricStore({ dataDir, background: false }),
      ingestParsed,
    )
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
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

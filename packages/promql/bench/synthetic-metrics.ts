/**
 * Deterministic synthetic metrics for the store benchmarks: a mix of series shaped like the
 * ones real exporters produce, with a seeded generator so every run sees the same data.
 *
 * Mix per 10 series: 4 slow counters (request counts), 1 byte counter (large increments),
 * 2 constant gauges (`up`, build info, limits), 1 integer gauge walking up and down (open
 * connections, goroutines), 1 CPU-seconds counter at microsecond precision, 1 histogram bucket
 * (a counter that rarely moves).
 */

/** xorshift32: fast, seeded, good enough for benchmark data. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0 || 1
  return () => {
    state ^= state << 13
    state >>>= 0
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    return state / 4294967296
  }
}

export type SeriesKind = 'counter' | 'bytes' | 'constant' | 'walk' | 'cpu' | 'bucket'

const KINDS: readonly SeriesKind[] = [
  'counter',
  'counter',
  'counter',
  'counter',
  'bytes',
  'constant',
  'constant',
  'walk',
  'cpu',
  'bucket',
]

export function kindOf(seriesIndex: number): SeriesKind {
  return KINDS[seriesIndex % KINDS.length]!
}

/** The next value of a series of `kind` after `previous`. */
export function nextValue(kind: SeriesKind, previous: number, random: () => number): number {
  switch (kind) {
    case 'counter':
      return previous + Math.floor(random() * 20)
    case 'bytes':
      return previous + Math.floor(random() * 1_000_000)
    case 'constant':
      return previous
    case 'walk':
      return Math.max(0, previous + Math.round((random() - 0.5) * 10))
    case 'cpu':
      return Math.round((previous + random() * 0.15) * 1e6) / 1e6
    case 'bucket':
      return random() < 0.3 ? previous + 1 : previous
  }
}

export function initialValue(kind: SeriesKind, seriesIndex: number): number {
  switch (kind) {
    case 'constant':
      return seriesIndex % 3 === 0 ? 1 : 1024 * (seriesIndex % 7)
    case 'walk':
      return 100
    default:
      return seriesIndex * 10
  }
}

/** Metric names per kind, for exposition text. */
export const METRIC_NAMES: Readonly<Record<SeriesKind, string>> = {
  counter: 'http_requests_total',
  bytes: 'http_response_size_bytes_total',
  constant: 'process_max_fds',
  walk: 'http_open_connections',
  cpu: 'process_cpu_seconds_total',
  bucket: 'http_request_duration_seconds_bucket',
}

/**
 * Where rules read from and write to: the embedded store, or a remote Prometheus-compatible
 * backend over its HTTP API.
 */
import type {
  Expr,
  Labels,
  MemoryQuerier,
  MetricStore,
  QueryOptions,
  Sample,
} from '@rampart/promql'
import { evaluateInstant } from '@rampart/promql'
import type { RuleWriteBatch } from './rule-write-batch.js'

export interface QueryLimits {
  readonly lookbackDeltaMs: number
  readonly maxSamples: number
  readonly timeoutMs: number
}

/** One instant vector sample as rules see it. */
export interface RuleSample {
  readonly labels: Labels
  readonly value: number
}

export interface RuleBackend {
  /** Evaluates at `timeMs`; a scalar result is a vector of one sample without labels. */
  query(expr: string, parsed: Expr, timeMs: number): Promise<RuleSample[]>
  /** Writes samples; series in `ended` get a staleness marker. False when not supported. */
  write(samples: readonly RuleSample[], ended: readonly Labels[], timeMs: number): boolean
  /** Ends an evaluation round: writes buffered since the last flush go out together. */
  flush?(): void
}

function toSamples(value: ReturnType<typeof evaluateInstant>['value']): RuleSample[] {
  switch (value.resultType) {
    case 'vector':
      return value.samples.map((sample: Sample) => ({ labels: sample.labels, value: sample.value }))
    case 'scalar':
      return [{ labels: {}, value: value.value }]
    default:
      throw new Error(`rule expression must be a vector or scalar, got ${value.resultType}`)
  }
}

/** Rules over the embedded store; recording rules and ALERTS series are appended to it. */
export function embeddedBackend(store: MetricStore, limits: QueryLimits): RuleBackend {
  return {
    query: (_expr, parsed, timeMs) =>
      Promise.resolve(
        toSamples(evaluateInstant(parsed, timeMs, { querier: store, ...limits }).value),
      ),
    write: (samples, ended, timeMs) => {
      const appender = store.appender()
      for (const sample of samples) {
        appender.append(appender.seriesRef(sample.labels), timeMs, sample.value)
      }
      for (const labels of ended) appender.appendStale(appender.seriesRef(labels), timeMs)
      appender.commit()
      return true
    },
  }
}

/** Rules over an in-memory querier (rule unit tests); writes are added to it. */
export function memoryBackend(
  querier: MemoryQuerier,
  limits: Omit<QueryOptions, 'querier'> = {},
): RuleBackend {
  return {
    query: (_expr, parsed, timeMs) =>
      Promise.resolve(toSamples(evaluateInstant(parsed, timeMs, { querier, ...limits }).value)),
    write: (samples, ended, timeMs) => {
      for (const sample of samples) querier.add(sample.labels, timeMs, sample.value)
      for (const labels of ended) querier.addStale(labels, timeMs)
      return true
    },
  }
}

interface PrometheusResponse {
  status: string
  error?: string
  data?: { resultType: string; result: unknown }
}

export interface RemoteBackendOptions {
  /** Base URL of the server; queries go to its `api/v1/query`. */
  readonly baseUrl: string
  /** Configured headers and credentials, sent with every query. */
  readonly headers: Readonly<Record<string, string>>
  readonly limits: QueryLimits
  /** Where rule results are written back, by remote write. */
  readonly writeBatch: RuleWriteBatch
}

/**
 * Rules over a remote Prometheus-compatible server. Queries go to its `/api/v1/query`;
 * recording rule and ALERTS series are written back by remote write, one request per
 * evaluation round. Within a round a later rule does not yet see an earlier rule's series.
 */
export function remoteBackend(options: RemoteBackendOptions): RuleBackend {
  const { baseUrl, headers, limits, writeBatch } = options
  const endpoint = new URL('api/v1/query', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`)
  return {
    query: async (expr, _parsed, timeMs) => {
      const body = new URLSearchParams({ query: expr, time: String(timeMs / 1000) })
      const response = await fetch(endpoint, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(limits.timeoutMs),
      })
      const answer = (await response.json()) as PrometheusResponse
      if (answer.status !== 'success' || answer.data === undefined) {
        throw new Error(`remote query failed: ${answer.error ?? response.status}`)
      }
      const { resultType, result } = answer.data
      if (resultType === 'scalar') return [{ labels: {}, value: Number((result as unknown[])[1]) }]
      if (resultType !== 'vector') throw new Error(`rule expression returned ${resultType}`)
      return (result as { metric: Labels; value: [number, string] }[]).map((item) => ({
        labels: item.metric,
        value: Number(item.value[1]),
      }))
    },
    write: (samples, ended, timeMs) => {
      writeBatch.add(samples, ended, timeMs)
      return true
    },
    flush: () => writeBatch.flush(),
  }
}

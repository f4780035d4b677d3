import formbody from '@fastify/formbody'
import type { LabelMatcher, MetricStore } from '@rampart/promql'
import {
  evaluateInstant,
  evaluateRange,
  parseExpr,
  PromqlExecutionError,
  PromqlSyntaxError,
} from '@rampart/promql'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Clock } from '../../platform/clock.js'
import { version } from '../../version.js'
import type { MetricsConfig } from '../config.js'
import type { ScrapeManager } from '../scrape/scrape-manager.js'
import type { ApiErrorType } from './api-values.js'
import {
  ApiError,
  apiErrorStatus,
  formatQueryValue,
  parseDurationParam,
  parseSelector,
  parseTimeParam,
} from './api-values.js'
import { ApiParams } from './params.js'

export interface EmbeddedApiOptions {
  readonly store: MetricStore
  /** The scrape manager once scraping started (it needs the listening address first). */
  readonly scrapes: () => ScrapeManager | undefined
  readonly config: MetricsConfig
  readonly clock: Clock
}

/** Prometheus refuses range queries with more points per series than this. */
const maxPointsPerSeries = 11_000
const allTimeMs = { start: -62_135_596_800_000, end: 253_402_300_799_000 }

function fail(reply: FastifyReply, errorType: ApiErrorType, message: string): FastifyReply {
  return reply
    .status(apiErrorStatus[errorType])
    .send({ status: 'error', errorType, error: message })
}

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error
  if (error instanceof PromqlSyntaxError) return new ApiError('bad_data', error.message)
  if (error instanceof PromqlExecutionError) {
    const type: ApiErrorType =
      error.code === 'timeout' ? 'timeout' : error.code === 'canceled' ? 'canceled' : 'execution'
    return new ApiError(error.code === 'bad_data' ? 'bad_data' : type, error.message)
  }
  return new ApiError('internal', 'internal error')
}

/** Answers with Prometheus's success or error shape whatever the handler does. */
function handle(
  work: (params: ApiParams, request: FastifyRequest) => unknown,
): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> {
  return async (request, reply) => {
    try {
      const result = await work(new ApiParams(request), request)
      return reply.send({ status: 'success', ...(result as object) })
    } catch (error) {
      const apiError = toApiError(error)
      if (apiError.errorType === 'internal') request.log.error({ err: error }, 'metrics API failed')
      return fail(reply, apiError.errorType, apiError.message)
    }
  }
}

function matchersOf(params: ApiParams, required: boolean): LabelMatcher[][] {
  const selectors = params.all('match[]')
  if (required && selectors.length === 0) {
    throw new ApiError('bad_data', 'no match[] parameter provided')
  }
  return selectors.map(parseSelector)
}

function limitParam(params: ApiParams, name: string): number {
  const text = params.get(name)
  if (text === undefined || text === '') return -1
  if (!/^[+-]?\d+$/.test(text)) throw new ApiError('bad_data', `${name} must be a number`)
  return Number(text)
}

function parseQuery(query: string): void {
  try {
    parseExpr(query)
  } catch (error) {
    if (error instanceof PromqlSyntaxError) throw new ApiError('bad_data', error.message)
    throw error
  }
}

function rangeOf(params: ApiParams): { startMs: number; endMs: number } {
  const startMs = parseTimeParam('start', params.get('start'), allTimeMs.start)
  const endMs = parseTimeParam('end', params.get('end'), allTimeMs.end)
  if (endMs < startMs) throw new ApiError('bad_data', 'end timestamp must not be before start time')
  return { startMs, endMs }
}

/** The read API over the embedded store, in Prometheus's paths and JSON shapes. */
export async function registerEmbeddedApi(
  scope: FastifyInstance,
  options: EmbeddedApiOptions,
): Promise<void> {
  const { store, scrapes, config, clock } = options
  await scope.register(formbody)

  const queryOptions = (params: ApiParams) => {
    const requested = params.get('timeout')
    const timeoutMs =
      requested === undefined
        ? config.query.timeout
        : Math.min(parseDurationParam('timeout', requested), config.query.timeout)
    return {
      querier: store,
      timeoutMs,
      maxSamples: config.query.max_samples,
      lookbackDeltaMs: config.query.lookback_delta,
    }
  }

  const instantQuery = handle((params) => {
    const query = params.get('query')
    if (query === undefined) throw new ApiError('bad_data', 'invalid parameter "query": missing')
    const timeMs = parseTimeParam('time', params.get('time'), clock.now())
    const { value, annotations } = evaluateInstant(query, timeMs, queryOptions(params))
    return { data: formatQueryValue(value), ...annotationFields(annotations) }
  })

  const rangeQuery = handle((params) => {
    const query = params.get('query')
    if (query === undefined) throw new ApiError('bad_data', 'invalid parameter "query": missing')
    const startMs = parseTimeParam('start', params.get('start'), NaN)
    const endMs = parseTimeParam('end', params.get('end'), NaN)
    if (Number.isNaN(startMs) || Number.isNaN(endMs)) {
      throw new ApiError('bad_data', 'invalid parameter "start" or "end": missing')
    }
    if (endMs < startMs)
      throw new ApiError('bad_data', 'end timestamp must not be before start time')
    const stepMs = parseDurationParam('step', params.get('step'))
    if ((endMs - startMs) / stepMs > maxPointsPerSeries) {
      throw new ApiError(
        'bad_data',
        'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
      )
    }
    const result = evaluateRange(query, startMs, endMs, stepMs, queryOptions(params))
    return { data: formatQueryValue(result.value), ...annotationFields(result.annotations) }
  })

  scope.route({ method: ['GET', 'POST'], url: '/query', handler: instantQuery })
  scope.route({ method: ['GET', 'POST'], url: '/query_range', handler: rangeQuery })

  scope.route({
    method: ['GET', 'POST'],
    url: '/series',
    handler: handle((params) => {
      const { startMs, endMs } = rangeOf(params)
      const seen = new Map<string, unknown>()
      for (const matchers of matchersOf(params, true)) {
        for (const labels of store.seriesLabels(matchers, startMs, endMs)) {
          seen.set(JSON.stringify(Object.entries(labels).sort()), labels)
        }
      }
      return { data: [...seen.values()] }
    }),
  })

  scope.route({
    method: ['GET', 'POST'],
    url: '/labels',
    handler: handle((params) => {
      const { startMs, endMs } = rangeOf(params)
      const selectors = matchersOf(params, false)
      const names = new Set<string>()
      for (const matchers of selectors.length === 0 ? [undefined] : selectors) {
        for (const name of store.labelNames(matchers, startMs, endMs)) names.add(name)
      }
      return { data: [...names].sort() }
    }),
  })

  scope.get(
    '/label/:name/values',
    handle((params, request) => {
      const { name } = request.params as { name: string }
      const { startMs, endMs } = rangeOf(params)
      const selectors = matchersOf(params, false)
      const values = new Set<string>()
      for (const matchers of selectors.length === 0 ? [[]] : selectors) {
        for (const labels of store.seriesLabels(matchers, startMs, endMs)) {
          const value = labels[name]
          if (value !== undefined) values.add(value)
        }
      }
      return { data: [...values].sort() }
    }),
  )

  scope.get(
    '/targets',
    handle(() => ({
      data: {
        activeTargets: (scrapes()?.health() ?? []).map((target) => ({
          discoveredLabels: target.labels,
          labels: target.labels,
          scrapePool: target.job,
          scrapeUrl: target.scrapeUrl,
          globalUrl: target.scrapeUrl,
          lastError: target.lastError,
          lastScrape:
            target.lastScrapeMs === undefined
              ? '0001-01-01T00:00:00Z'
              : new Date(target.lastScrapeMs).toISOString(),
          lastScrapeDuration: target.lastScrapeDurationSeconds,
          health: target.health,
          scrapeInterval: `${target.intervalMs / 1000}s`,
          scrapeTimeout: `${target.timeoutMs / 1000}s`,
        })),
        droppedTargets: [],
      },
    })),
  )

  scope.get(
    '/metadata',
    handle((params) => {
      const metric = params.get('metric')
      // As in Prometheus: a negative or absent limit is none; 0 returns nothing.
      const limit = limitParam(params, 'limit')
      const limitPerMetric = limitParam(params, 'limit_per_metric')
      const data: Record<string, { type: string; help: string; unit: string }[]> = {}
      let metrics = 0
      for (const target of scrapes()?.targets ?? []) {
        for (const [name, metadata] of target.metadata) {
          if (metric !== undefined && name !== metric) continue
          const entry = {
            type: metadata.type,
            help: metadata.help ?? '',
            unit: metadata.unit ?? '',
          }
          let list = data[name]
          if (list === undefined) {
            if (limit >= 0 && metrics >= limit) continue
            list = data[name] = []
            metrics++
          }
          if (limitPerMetric >= 0 && list.length >= limitPerMetric) continue
          if (!list.some((item) => JSON.stringify(item) === JSON.stringify(entry))) list.push(entry)
        }
      }
      return { data }
    }),
  )

  // Rampart keeps no exemplars; like a Prometheus without exemplar storage, a valid request
  // gets an empty list (Grafana asks for them next to every range query).
  scope.route({
    method: ['GET', 'POST'],
    url: '/query_exemplars',
    handler: handle((params) => {
      const query = params.get('query')
      if (query === undefined) throw new ApiError('bad_data', 'invalid parameter "query": missing')
      rangeOf(params)
      parseQuery(query)
      return { data: [] }
    }),
  })

  scope.get(
    '/status/buildinfo',
    handle(() => ({
      data: {
        version: '2.53.0',
        revision: `rampart-${version}`,
        branch: 'rampart',
        buildUser: 'rampart',
        buildDate: '',
        goVersion: `node ${process.version}`,
      },
    })),
  )
}

function annotationFields(annotations: { warnings: readonly string[]; infos: readonly string[] }) {
  return {
    ...(annotations.warnings.length > 0 ? { warnings: annotations.warnings } : {}),
    ...(annotations.infos.length > 0 ? { infos: annotations.infos } : {}),
  }
}

import { join } from 'node:path'
import type { MetricStore } from '@rampart/promql'
import { openMetricStore } from '@rampart/promql'
import type { FastifyInstance } from 'fastify'
import type { PlatformDeps, RampartModule } from '../platform/module.js'
import { requireApiToken } from './api-token.js'
import { registerRemoteProxy } from './prometheus-api/remote-proxy.js'
import { answerUnknownPaths } from './prometheus-api/unknown-paths.js'
import { registerEmbeddedApi } from './prometheus-api/routes.js'
import { registerRemoteWrite } from './remote-write/receiver.js'
import { ScrapeManager } from './scrape/scrape-manager.js'

export const prometheusApiPrefix = '/prometheus/api/v1'

export interface MetricsModule extends RampartModule {
  /** The embedded store; undefined with a remote backend. */
  readonly store: MetricStore | undefined
  readonly scrapes: () => ScrapeManager | undefined
}

/**
 * Metrics: with the embedded backend, scrapes the configured targets and Rampart itself into
 * the embedded store and answers PromQL over Prometheus's HTTP API; with a remote backend,
 * forwards that API to the Prometheus-compatible server and does not scrape.
 */
export function createMetricsModule(
  deps: PlatformDeps,
  { persist }: { persist: boolean } = { persist: true },
): MetricsModule {
  const config = deps.config.metrics
  const embedded = config.backend === 'embedded'
  const store = embedded
    ? openMetricStore({
        ...(persist ? { dataDir: join(deps.config.data_dir, 'metrics') } : {}),
        retentionMs: config.retention,
        maxMemoryBytes: config.max_memory_bytes,
        background: true,
        onEvent: (event) => {
          const level =
            event.type.endsWith('damaged') || event.type.endsWith('error') ? 'warn' : 'debug'
          deps.logger[level]({ event }, 'metric store')
        },
      })
    : undefined
  let scrapes: ScrapeManager | undefined

  return {
    name: 'metrics',
    store,
    scrapes: () => scrapes,
    registerRoutes: async (server: FastifyInstance) => {
      await server.register(
        async (scope) => {
          requireApiToken(scope, config)
          answerUnknownPaths(scope)
          if (store === undefined) {
            registerRemoteProxy(scope, config)
            return
          }
          await registerEmbeddedApi(scope, {
            store,
            scrapes: () => scrapes,
            config,
            clock: deps.clock,
          })
          registerRemoteWrite(scope, store)
        },
        { prefix: prometheusApiPrefix },
      )
    },
    start: ({ url }) => {
      if (store === undefined) return Promise.resolve()
      scrapes = new ScrapeManager({
        config,
        store,
        clock: deps.clock,
        logger: deps.logger,
        selfInstance: new URL(url).host,
        selfExposition: async () => {
          const { contentType, body } = await deps.metrics.exposition()
          return { text: body, contentType }
        },
      })
      scrapes.start()
      return Promise.resolve()
    },
    stop: async () => {
      await scrapes?.stop()
      store?.close()
    },
  }
}

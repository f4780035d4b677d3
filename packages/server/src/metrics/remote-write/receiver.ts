import type { MetricStore } from '@rampart/promql'
import type { FastifyInstance } from 'fastify'
import { decodeWriteRequest } from './write-request.js'

const bodyLimitBytes = 16 * 1024 * 1024
const metricNamePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/**
 * `POST /write`: the remote-write receiver, so Prometheus agents and OpenTelemetry collectors
 * can push. Answers 204 when every sample was stored; 400 with the counts when some were
 * refused (out of order, duplicate, too old), which senders do not retry.
 */
export function registerRemoteWrite(scope: FastifyInstance, store: MetricStore): void {
  scope.addContentTypeParser(
    'application/x-protobuf',
    { parseAs: 'buffer', bodyLimit: bodyLimitBytes },
    (_request, body, done) => done(null, body),
  )

  scope.post('/write', { bodyLimit: bodyLimitBytes }, async (request, reply) => {
    if (!Buffer.isBuffer(request.body)) {
      return reply.status(415).send({
        status: 'error',
        errorType: 'bad_data',
        error: 'remote write needs Content-Type: application/x-protobuf',
      })
    }

    let series
    try {
      series = decodeWriteRequest(request.body)
    } catch (error) {
      const message = error instanceof Error ? error.message : 'undecodable body'
      return reply.status(400).send({ status: 'error', errorType: 'bad_data', error: message })
    }

    const appender = store.appender()
    let invalidSeries = 0
    for (const item of series) {
      const name = item.labels.__name__
      const badLabel = Object.keys(item.labels).some((label) => !labelNamePattern.test(label))
      if (name === undefined || !metricNamePattern.test(name) || badLabel) {
        invalidSeries++
        continue
      }
      const ref = appender.seriesRef(item.labels)
      for (const sample of item.samples) appender.append(ref, sample.timestampMs, sample.value)
    }
    const counts = appender.commit()

    const refused = counts.out_of_order + counts.duplicate_timestamp + counts.too_old
    if (refused === 0 && invalidSeries === 0) return reply.status(204).send()
    return reply.status(400).send({
      status: 'error',
      errorType: 'bad_data',
      error:
        `stored ${counts.ok} samples; refused ${counts.out_of_order} out of order, ` +
        `${counts.duplicate_timestamp} duplicate, ${counts.too_old} too old, ` +
        `${invalidSeries} series without a valid metric or label name`,
    })
  })
}

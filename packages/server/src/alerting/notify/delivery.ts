/**
 * Delivers queued notifications from the durable jobs queue. Each attempt is recorded;
 * HTTP 5xx answers, SMTP 4xx replies, timeouts and connection errors are retried with
 * backoff; HTTP 4xx answers, SMTP 5xx replies and exhausted retries put the notification on
 * the dead-letter list.
 */
import type { Clock } from '../../platform/clock.js'
import { newId } from '../../platform/ids.js'
import type { Job } from '../../platform/jobs/job-queue.js'
import type { Logger } from '../../platform/logger.js'
import type { ReceiverConfig } from '../config.js'
import type { AlertingDb } from '../store/tables.js'
import type { Sent } from './http-transport.js'
import { destinationOf } from './integrations.js'

export interface AttemptRecord {
  readonly notificationId: string
  readonly receiver: string
  readonly attempt: number
  readonly outcome: 'delivered' | 'retry' | 'dead'
  readonly statusCode: number | undefined
  readonly error: string | undefined
}

export interface DeliveryOptions {
  readonly db: AlertingDb
  readonly clock: Clock
  readonly logger: Logger
  readonly receivers: () => readonly ReceiverConfig[]
  readonly onAttempt?: (record: AttemptRecord) => Promise<void>
}

/** Thrown to make the job queue retry; its message is the recorded reason. */
class RetryableDeliveryError extends Error {}

/** The job handler for `alerting.notify` jobs. */
export function createDeliveryHandler(options: DeliveryOptions) {
  return async (payload: unknown, job: Job): Promise<void> => {
    const { notificationId } = payload as { notificationId: string }
    const { db, clock } = options
    const notification = await db
      .selectFrom('alerting_notifications')
      .selectAll()
      .where('id', '=', notificationId)
      .executeTakeFirst()
    if (notification === undefined || notification.status !== 'pending') return

    const receiver = options.receivers().find((item) => item.name === notification.receiver)
    const destination = destinationOf(receiver, notification.integration)
    const started = performance.now()
    let sent: Sent
    if (destination === undefined) {
      const where = `${notification.receiver}/${notification.integration}`
      const error = `integration ${where} is no longer configured`
      sent = { statusCode: undefined, error, permanent: true }
    } else {
      sent = await destination.send(JSON.parse(notification.payload))
    }

    const code = sent.statusCode
    const permanent = sent.permanent
    const lastAttempt = job.attempts >= job.max_attempts
    const outcome =
      sent.error === undefined ? 'delivered' : permanent || lastAttempt ? 'dead' : 'retry'
    const now = clock.now()
    await db.transaction().execute(async (transaction) => {
      await transaction
        .insertInto('alerting_notification_attempts')
        .values({
          id: newId(),
          notification_id: notificationId,
          attempt: job.attempts,
          at: now,
          outcome,
          status_code: code ?? null,
          error: sent.error ?? null,
          duration_ms: Math.round(performance.now() - started),
        })
        .execute()
      await transaction
        .updateTable('alerting_notifications')
        .set({
          status: outcome === 'retry' ? 'pending' : outcome,
          attempts: job.attempts,
          last_status_code: code ?? null,
          last_error: sent.error ?? null,
          updated_at: now,
        })
        .where('id', '=', notificationId)
        .execute()
    })
    await options.onAttempt?.({
      notificationId,
      receiver: notification.receiver,
      attempt: job.attempts,
      outcome,
      statusCode: code,
      error: sent.error,
    })
    if (outcome === 'retry') throw new RetryableDeliveryError(sent.error ?? 'delivery failed')
    if (outcome === 'dead') {
      options.logger.warn(
        { notificationId, receiver: notification.receiver, reason: sent.error },
        'notification dead-lettered',
      )
    }
  }
}

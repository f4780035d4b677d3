/**
 * Rampart's own alerting API: notifications with their delivery attempts (the dead-letter
 * list is `?status=dead`) and reloading the rule files.
 */
import type { FastifyInstance } from 'fastify'
import { RampartError } from '../../platform/errors.js'
import { formatIssue, RuleFileError } from '../rules/rule-file.js'
import type { AlertingDb, NotificationStatus } from '../store/tables.js'

export interface AlertingApiDeps {
  readonly db: AlertingDb
  readonly reloadRules: () => Promise<void>
}

const statuses = new Set<NotificationStatus>(['pending', 'delivered', 'dead'])

export function registerAlertingApi(scope: FastifyInstance, deps: AlertingApiDeps): void {
  scope.get('/notifications', async (request) => {
    const query = request.query as Record<string, unknown>
    const status = query.status
    if (status !== undefined && !statuses.has(status as NotificationStatus)) {
      throw new RampartError('validation_failed', 'status must be pending, delivered or dead', {
        errors: [{ field: 'status', message: 'must be pending, delivered or dead' }],
      })
    }
    let select = deps.db
      .selectFrom('alerting_notifications')
      .selectAll()
      .orderBy('created_at', 'desc')
      .limit(200)
    if (status !== undefined) select = select.where('status', '=', status as NotificationStatus)
    const rows = await select.execute()
    const ids = rows.map((row) => row.id)
    const attempts =
      ids.length === 0
        ? []
        : await deps.db
            .selectFrom('alerting_notification_attempts')
            .selectAll()
            .where('notification_id', 'in', ids)
            .orderBy('attempt')
            .execute()
    return {
      notifications: rows.map((row) => ({
        id: row.id,
        receiver: row.receiver,
        integration: row.integration,
        status: row.status,
        attempts: attempts
          .filter((attempt) => attempt.notification_id === row.id)
          .map((attempt) => ({
            attempt: attempt.attempt,
            at: new Date(Number(attempt.at)).toISOString(),
            outcome: attempt.outcome,
            statusCode: attempt.status_code,
            error: attempt.error,
            durationMs: attempt.duration_ms,
          })),
        lastError: row.last_error,
        createdAt: new Date(Number(row.created_at)).toISOString(),
        payload: JSON.parse(row.payload) as unknown,
      })),
    }
  })

  scope.post('/rules/reload', async () => {
    try {
      await deps.reloadRules()
    } catch (error) {
      if (!(error instanceof RuleFileError)) throw error
      throw new RampartError(
        'alerting_rules_invalid',
        'the rule files are invalid; the previous rules keep running',
        {
          errors: error.issues.map((issue) => ({ field: issue.file, message: formatIssue(issue) })),
        },
      )
    }
    return { status: 'reloaded' }
  })
}

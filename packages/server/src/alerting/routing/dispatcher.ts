/**
 * Groups alerts along the routing tree and decides, per group, when a notification is due:
 * after `group_wait` for a new group, then every `group_interval` when something changed,
 * and every `repeat_interval` while firing. Silences, inhibitions and time intervals are
 * applied at each flush.
 *
 * The notification log is the group's row: the fingerprints its receiver was last told are
 * firing and when. The row is updated in the same transaction that enqueues the
 * notification, so a crash can neither lose a decided notification nor send it twice.
 */
import { createHash } from 'node:crypto'
import type { Clock } from '../../platform/clock.js'
import type { JobQueue } from '../../platform/jobs/job-queue.js'
import type { Logger } from '../../platform/logger.js'
import { newId } from '../../platform/ids.js'
import type { AlertingConfig } from '../config.js'
import { labelsKey } from '../evaluation/fingerprint.js'
import type { RoutedAlert } from '../evaluation/rule-manager.js'
import { integrationsOf } from '../notify/integrations.js'
import { buildWebhookPayload } from '../notify/webhook-payload.js'
import type { Silence } from '../silences/silence-store.js'
import { silencedBy } from '../silences/silence-store.js'
import type { AlertingDb } from '../store/tables.js'
import type { AlertStore } from './alert-store.js'
import { inhibitedAlerts } from './inhibit.js'
import type { Route } from './route-tree.js'
import { groupLabelsOf, matchRoutes } from './route-tree.js'
import { inTimeInterval } from './time-intervals.js'

export const notifyJobKind = 'alerting.notify'

export interface DispatcherOptions {
  readonly db: AlertingDb
  readonly clock: Clock
  readonly logger: Logger
  readonly jobs: JobQueue
  readonly config: AlertingConfig
  readonly route: Route
  readonly alerts: AlertStore
  readonly activeSilences: () => Promise<Silence[]>
  readonly externalUrl: string
}

interface Group {
  readonly id: string
  readonly route: Route
  readonly key: string
  readonly labels: Record<string, string>
  readonly alerts: RoutedAlert[]
}

/** What one flush of one group did, for tests and logs. */
export interface FlushOutcome {
  readonly groupKey: string
  readonly receiver: string
  readonly outcome: 'notified' | 'unchanged' | 'muted' | 'closed'
  readonly firing: readonly string[]
  readonly resolved: readonly string[]
}

function formatLabels(labels: Readonly<Record<string, string>>): string {
  const items = Object.keys(labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`)
  return `{${items.join(',')}}`
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

export class Dispatcher {
  readonly #options: DispatcherOptions

  constructor(options: DispatcherOptions) {
    this.#options = options
  }

  #groups(alerts: readonly RoutedAlert[]): Map<string, Group> {
    const groups = new Map<string, Group>()
    for (const alert of alerts) {
      for (const route of matchRoutes(this.#options.route, alert.labels)) {
        const labels = groupLabelsOf(route, alert.labels)
        const key = `${route.key}:${formatLabels(labels)}`
        const id = createHash('sha256')
          .update(`${route.receiver}\u0000${key}`)
          .digest('hex')
          .slice(0, 32)
        let group = groups.get(id)
        if (group === undefined) {
          group = { id, route, key, labels, alerts: [] }
          groups.set(id, group)
        }
        group.alerts.push(alert)
      }
    }
    for (const group of groups.values()) {
      group.alerts.sort((a, b) => compareText(labelsKey(a.labels), labelsKey(b.labels)))
    }
    return groups
  }

  #muted(route: Route, nowMs: number): boolean {
    const intervals = new Map(this.#options.config.time_intervals.map((item) => [item.name, item]))
    const inAny = (names: readonly string[]): boolean =>
      names.some((name) => inTimeInterval(intervals.get(name)?.time_intervals ?? [], nowMs))
    if (inAny(route.muteTimeIntervals)) return true
    return route.activeTimeIntervals.length > 0 && !inAny(route.activeTimeIntervals)
  }

  /** Creates new groups and flushes the due ones; one outcome per flushed group. */
  async tick(): Promise<FlushOutcome[]> {
    const now = this.#options.clock.now()
    const alerts = await this.#options.alerts.list()
    const firing = alerts.filter((alert) => alert.endsAtMs > now)
    const silences = await this.#options.activeSilences()
    const suppressed = inhibitedAlerts(this.#options.config.inhibit_rules, firing)
    for (const alert of firing) {
      if (silencedBy(silences, alert.labels).length > 0) suppressed.add(alert.fingerprint)
    }

    const groups = this.#groups(alerts)
    const rows = await this.#options.db.selectFrom('alerting_groups').selectAll().execute()
    const rowsById = new Map(rows.map((row) => [row.id, row]))
    const outcomes: FlushOutcome[] = []

    for (const group of groups.values()) {
      const row = rowsById.get(group.id)
      rowsById.delete(group.id)
      if (row === undefined) {
        const starts = group.alerts.filter((a) => a.endsAtMs > now).map((a) => a.startsAtMs)
        if (starts.length === 0) continue
        // group_wait counts from the first alert's start, as when Alertmanager receives it
        // the moment it fires, but never less than now nor more than a full group_wait.
        const waitUntil = Math.min(...starts) + group.route.groupWaitMs
        const nextFlushAt = Math.min(Math.max(waitUntil, now), now + group.route.groupWaitMs)
        await this.#options.db
          .insertInto('alerting_groups')
          .values({
            id: group.id,
            receiver: group.route.receiver,
            group_key: group.key,
            created_at: now,
            next_flush_at: nextFlushAt,
            notified_firing: '[]',
            last_sent_at: null,
          })
          .onConflict((conflict) => conflict.column('id').doNothing())
          .execute()
        continue
      }
      if (Number(row.next_flush_at) > now) continue
      const notified = new Set(JSON.parse(row.notified_firing) as string[])
      const lastSentAt = row.last_sent_at === null ? undefined : Number(row.last_sent_at)
      outcomes.push(await this.#flush(group, notified, lastSentAt, suppressed, now))
    }
    // Groups whose alerts are all gone: nothing is left to tell their receivers.
    for (const row of rowsById.values()) {
      await this.#options.db.deleteFrom('alerting_groups').where('id', '=', row.id).execute()
    }
    return outcomes
  }

  async #flush(
    group: Group,
    notified: Set<string>,
    lastSentAt: number | undefined,
    suppressed: Set<string>,
    now: number,
  ): Promise<FlushOutcome> {
    const { route } = group
    const nextFlushAt = now + route.groupIntervalMs
    const base = { groupKey: group.key, receiver: route.receiver }
    if (this.#muted(route, now)) {
      await this.#update(group.id, { next_flush_at: nextFlushAt })
      return { ...base, outcome: 'muted', firing: [], resolved: [] }
    }

    const firing = group.alerts.filter((a) => a.endsAtMs > now && !suppressed.has(a.fingerprint))
    const suppressedFiring = group.alerts.filter(
      (a) => a.endsAtMs > now && suppressed.has(a.fingerprint),
    )
    const resolved = group.alerts.filter(
      (alert) =>
        alert.endsAtMs <= now &&
        notified.has(alert.fingerprint) &&
        (this.#options.config.resolve_silenced || !suppressed.has(alert.fingerprint)),
    )
    const receiver = this.#options.config.receivers.find((item) => item.name === route.receiver)
    const sendsResolved = integrationsOf(receiver).some((integration) => integration.sendResolved)

    const newFiring = firing.some((alert) => !notified.has(alert.fingerprint))
    const repeatDue =
      firing.length > 0 && (lastSentAt === undefined || now - lastSentAt >= route.repeatIntervalMs)
    const notify = newFiring || repeatDue || (resolved.length > 0 && sendsResolved)

    // What the receiver believes is firing afterwards: what it is told now, plus alerts it
    // was told of that are now silenced but still firing.
    const stillNotified = suppressedFiring.filter((alert) => notified.has(alert.fingerprint))
    const nextNotified = notify
      ? [...firing, ...stillNotified].map((alert) => alert.fingerprint)
      : [...notified].filter((id) =>
          group.alerts.some((a) => a.fingerprint === id && a.endsAtMs > now),
        )
    const outcome = {
      ...base,
      firing: firing.map((alert) => alert.fingerprint),
      resolved: resolved.map((alert) => alert.fingerprint),
    }

    if (firing.length === 0 && suppressedFiring.length === 0 && nextNotified.length === 0) {
      if (notify) await this.#notify(group, firing, resolved, now)
      await this.#options.db.deleteFrom('alerting_groups').where('id', '=', group.id).execute()
      return { ...outcome, outcome: notify ? 'notified' : 'closed' }
    }
    if (!notify) {
      await this.#update(group.id, {
        next_flush_at: nextFlushAt,
        notified_firing: JSON.stringify(nextNotified),
      })
      return { ...outcome, outcome: 'unchanged' }
    }
    await this.#notify(group, firing, resolved, now, {
      next_flush_at: nextFlushAt,
      notified_firing: JSON.stringify(nextNotified),
      last_sent_at: now,
    })
    return { ...outcome, outcome: 'notified' }
  }

  async #update(
    id: string,
    changes: { next_flush_at: number; notified_firing?: string; last_sent_at?: number },
  ): Promise<void> {
    await this.#options.db
      .updateTable('alerting_groups')
      .set(changes)
      .where('id', '=', id)
      .execute()
  }

  /** Records the notification of each integration and its delivery job, in one transaction. */
  async #notify(
    group: Group,
    firing: readonly RoutedAlert[],
    resolved: readonly RoutedAlert[],
    now: number,
    groupChanges?: { next_flush_at: number; notified_firing: string; last_sent_at: number },
  ): Promise<void> {
    const receiver = this.#options.config.receivers.find(
      (item) => item.name === group.route.receiver,
    )
    await this.#options.db.transaction().execute(async (transaction) => {
      if (groupChanges !== undefined) {
        await transaction
          .updateTable('alerting_groups')
          .set(groupChanges)
          .where('id', '=', group.id)
          .execute()
      }
      for (const integration of integrationsOf(receiver)) {
        if (firing.length === 0 && !integration.sendResolved) continue
        const index = Number(/\[(\d+)\]/.exec(integration.name)?.[1])
        const payload = buildWebhookPayload({
          receiver: group.route.receiver,
          groupKey: group.key,
          groupLabels: group.labels,
          firing,
          resolved: integration.sendResolved ? resolved : [],
          externalUrl: this.#options.externalUrl,
          maxAlerts: integration.name.startsWith('webhook')
            ? (receiver?.webhook_configs[index]?.max_alerts ?? 0)
            : 0,
        })
        const id = newId()
        await transaction
          .insertInto('alerting_notifications')
          .values({
            id,
            group_id: group.id,
            receiver: group.route.receiver,
            integration: integration.name,
            status: 'pending',
            payload: JSON.stringify(integration.body(payload)),
            attempts: 0,
            last_status_code: null,
            last_error: null,
            created_at: now,
            updated_at: now,
          })
          .execute()
        await this.#options.jobs.enqueue(
          notifyJobKind,
          { notificationId: id },
          { maxAttempts: 8 },
          transaction,
        )
      }
    })
    this.#options.logger.info(
      {
        receiver: group.route.receiver,
        groupKey: group.key,
        firing: firing.length,
        resolved: resolved.length,
      },
      'notification queued',
    )
  }
}

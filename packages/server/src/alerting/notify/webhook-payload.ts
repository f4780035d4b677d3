/**
 * Alertmanager's webhook payload, version 4: the group's labels, the labels and annotations
 * common to all its alerts, and each alert with its status and times.
 */
import type { RoutedAlert } from '../evaluation/rule-manager.js'

export interface WebhookAlert {
  readonly status: 'firing' | 'resolved'
  readonly labels: Readonly<Record<string, string>>
  readonly annotations: Readonly<Record<string, string>>
  readonly startsAt: string
  readonly endsAt: string
  readonly generatorURL: string
  readonly fingerprint: string
}

export interface WebhookPayload {
  readonly version: '4'
  readonly groupKey: string
  readonly truncatedAlerts: number
  readonly status: 'firing' | 'resolved'
  readonly receiver: string
  readonly groupLabels: Readonly<Record<string, string>>
  readonly commonLabels: Readonly<Record<string, string>>
  readonly commonAnnotations: Readonly<Record<string, string>>
  readonly externalURL: string
  readonly alerts: readonly WebhookAlert[]
}

/** Go's zero time, which Alertmanager sends as the end of a firing alert. */
const zeroTime = '0001-01-01T00:00:00Z'

function common(maps: readonly Readonly<Record<string, string>>[]): Record<string, string> {
  const [first, ...rest] = maps
  if (first === undefined) return {}
  return Object.fromEntries(
    Object.entries(first).filter(([name, value]) => rest.every((map) => map[name] === value)),
  )
}

export interface PayloadInput {
  readonly receiver: string
  readonly groupKey: string
  readonly groupLabels: Readonly<Record<string, string>>
  readonly firing: readonly RoutedAlert[]
  readonly resolved: readonly RoutedAlert[]
  readonly externalUrl: string
  /** Most alerts sent; 0 for all. The rest are counted in `truncatedAlerts`. */
  readonly maxAlerts: number
}

export function buildWebhookPayload(input: PayloadInput): WebhookPayload {
  const all = [
    ...input.firing.map((alert) => ({ alert, status: 'firing' as const })),
    ...input.resolved.map((alert) => ({ alert, status: 'resolved' as const })),
  ]
  const kept = input.maxAlerts > 0 ? all.slice(0, input.maxAlerts) : all
  return {
    version: '4',
    groupKey: input.groupKey,
    truncatedAlerts: all.length - kept.length,
    status: input.firing.length > 0 ? 'firing' : 'resolved',
    receiver: input.receiver,
    groupLabels: input.groupLabels,
    commonLabels: common(all.map(({ alert }) => alert.labels)),
    commonAnnotations: common(all.map(({ alert }) => alert.annotations)),
    externalURL: input.externalUrl,
    alerts: kept.map(({ alert, status }) => ({
      status,
      labels: alert.labels,
      annotations: alert.annotations,
      startsAt: new Date(alert.startsAtMs).toISOString(),
      endsAt: status === 'resolved' ? new Date(alert.endsAtMs).toISOString() : zeroTime,
      generatorURL: alert.generatorUrl,
      fingerprint: alert.fingerprint,
    })),
  }
}

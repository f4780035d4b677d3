/**
 * The integrations of a receiver (webhook, Slack incoming webhook, PagerDuty Events API v2):
 * the body each is sent, built when the notification is decided, and where it goes, read at
 * delivery so secrets (Slack URLs, routing keys) are never stored with the notification.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { ReceiverConfig } from '../config.js'
import { templateFunctionNames, templateFunctions } from '../template/functions.js'
import { executeTemplate } from '../template/execute.js'
import { parseTemplate } from '../template/parse.js'
import type { WebhookPayload } from './webhook-payload.js'

export interface Integration {
  /** `webhook[0]`, `slack[1]`, `pagerduty[0]`: kind and position in the receiver. */
  readonly name: string
  readonly sendResolved: boolean
  /** The body to send for a group state, in Alertmanager's webhook shape. */
  body(payload: WebhookPayload): unknown
}

export interface Destination {
  readonly url: string
  readonly timeoutMs: number
  /** Adds what must not be stored (a routing key) just before sending. */
  readonly finish: (body: unknown) => unknown
}

/** Alertmanager's template data (`.Status`, `.CommonLabels`, `.Alerts`...). */
function templateData(payload: WebhookPayload): Record<string, unknown> {
  const alerts = payload.alerts.map((alert) => ({
    Status: alert.status,
    Labels: alert.labels,
    Annotations: alert.annotations,
    StartsAt: alert.startsAt,
    EndsAt: alert.endsAt,
    GeneratorURL: alert.generatorURL,
    Fingerprint: alert.fingerprint,
  }))
  return {
    Receiver: payload.receiver,
    Status: payload.status,
    Alerts: alerts,
    GroupLabels: payload.groupLabels,
    CommonLabels: payload.commonLabels,
    CommonAnnotations: payload.commonAnnotations,
    ExternalURL: payload.externalURL,
  }
}

/** Renders a receiver template (Go syntax) over the notification. */
export function renderNotificationTemplate(source: string, payload: WebhookPayload): string {
  const nodes = parseTemplate(source, templateFunctionNames)
  const data = templateData(payload)
  return executeTemplate(nodes, data, {}, templateFunctions())
}

function readSecret(value: string | undefined, file: string | undefined): string {
  return value ?? readFileSync(file ?? '', 'utf8').trim()
}

/** Every integration of a receiver, in a stable order. */
export function integrationsOf(receiver: ReceiverConfig | undefined): Integration[] {
  if (receiver === undefined) return []
  return [
    ...receiver.webhook_configs.map((config, index) => ({
      name: `webhook[${index}]`,
      sendResolved: config.send_resolved,
      body: (payload: WebhookPayload) => payload,
    })),
    ...receiver.slack_configs.map((config, index) => ({
      name: `slack[${index}]`,
      sendResolved: config.send_resolved,
      body: (payload: WebhookPayload) => ({
        ...(config.channel === undefined ? {} : { channel: config.channel }),
        ...(config.username === undefined ? {} : { username: config.username }),
        text:
          `*${renderNotificationTemplate(config.title, payload)}*\n` +
          renderNotificationTemplate(config.text, payload),
      }),
    })),
    ...receiver.pagerduty_configs.map((config, index) => ({
      name: `pagerduty[${index}]`,
      sendResolved: config.send_resolved,
      body: (payload: WebhookPayload) => ({
        event_action: payload.status === 'firing' ? 'trigger' : 'resolve',
        // Stable per alert group, so "resolve" closes the incident "trigger" opened.
        dedup_key: createHash('sha256').update(payload.groupKey).digest('hex'),
        payload: {
          summary: renderNotificationTemplate(config.summary, payload).slice(0, 1024),
          source: payload.externalURL === '' ? 'rampart' : payload.externalURL,
          severity: config.severity,
          custom_details: {
            firing: payload.alerts.filter((a) => a.status === 'firing').length,
            resolved: payload.alerts.filter((a) => a.status === 'resolved').length,
            groupLabels: payload.groupLabels,
          },
        },
      }),
    })),
  ]
}

/** Where an integration's notifications go now, from the current configuration. */
export function destinationOf(
  receiver: ReceiverConfig | undefined,
  name: string,
): Destination | undefined {
  const match = /^(webhook|slack|pagerduty)\[(\d+)\]$/.exec(name)
  if (receiver === undefined || match === null) return undefined
  const index = Number(match[2])
  if (match[1] === 'webhook') {
    const config = receiver.webhook_configs[index]
    if (config === undefined) return undefined
    return {
      url: readSecret(config.url, config.url_file),
      timeoutMs: config.timeout,
      finish: (body) => body,
    }
  }
  if (match[1] === 'slack') {
    const config = receiver.slack_configs[index]
    if (config === undefined) return undefined
    return {
      url: readSecret(config.api_url, config.api_url_file),
      timeoutMs: config.timeout,
      finish: (body) => body,
    }
  }
  const config = receiver.pagerduty_configs[index]
  if (config === undefined) return undefined
  const routingKey = readSecret(config.routing_key, config.routing_key_file)
  return {
    url: config.url,
    timeoutMs: config.timeout,
    finish: (body) => ({ routing_key: routingKey, ...(body as object) }),
  }
}

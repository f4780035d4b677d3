/**
 * The integrations of a receiver (webhook, Slack incoming webhook, PagerDuty Events API v2,
 * email): the body each is sent, built when the notification is decided, and where it goes,
 * read at delivery so secrets (Slack URLs, routing keys, SMTP passwords) are never stored
 * with the notification.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { ReceiverConfig } from '../config.js'
import type { EmailMessage } from './email-message.js'
import { buildEmailMessage } from './email-message.js'
import { sendEmail } from './email-transport.js'
import type { Sent } from './http-transport.js'
import { postJson } from './http-transport.js'
import { renderNotificationTemplate } from './notification-template.js'
import type { WebhookPayload } from './webhook-payload.js'

export interface Integration {
  /** `webhook[0]`, `slack[1]`, `email[0]`: kind and position in the receiver. */
  readonly name: string
  readonly sendResolved: boolean
  /** The body to send for a group state, in Alertmanager's webhook shape. */
  body(payload: WebhookPayload): unknown
}

/** Where an integration's notifications go now, and how they are sent there. */
export interface Destination {
  /** Sends a stored body, adding what must not be stored (a routing key, a password). */
  send(body: unknown): Promise<Sent>
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
    ...receiver.email_configs.map((config, index) => ({
      name: `email[${index}]`,
      sendResolved: config.send_resolved,
      body: (payload: WebhookPayload) => buildEmailMessage(config, payload),
    })),
  ]
}

function postTo(url: string, timeoutMs: number, finish = (body: unknown) => body): Destination {
  return { send: (body) => postJson(url, JSON.stringify(finish(body)), timeoutMs) }
}

/** Where an integration's notifications go now, from the current configuration. */
export function destinationOf(
  receiver: ReceiverConfig | undefined,
  name: string,
): Destination | undefined {
  const match = /^(webhook|slack|pagerduty|email)\[(\d+)\]$/.exec(name)
  if (receiver === undefined || match === null) return undefined
  const index = Number(match[2])
  switch (match[1]) {
    case 'webhook': {
      const config = receiver.webhook_configs[index]
      return config && postTo(readSecret(config.url, config.url_file), config.timeout)
    }
    case 'slack': {
      const config = receiver.slack_configs[index]
      return config && postTo(readSecret(config.api_url, config.api_url_file), config.timeout)
    }
    case 'pagerduty': {
      const config = receiver.pagerduty_configs[index]
      if (config === undefined) return undefined
      const routingKey = readSecret(config.routing_key, config.routing_key_file)
      return postTo(config.url, config.timeout, (body) => ({
        routing_key: routingKey,
        ...(body as object),
      }))
    }
    default: {
      const config = receiver.email_configs[index]
      return config && { send: (body) => sendEmail(config, body as EmailMessage) }
    }
  }
}

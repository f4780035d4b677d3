/**
 * Receiver templates (Slack text, PagerDuty summary, email subject and bodies) in Go's
 * syntax, over Alertmanager's notification data: `.Status`, `.CommonLabels`, `.Alerts`...
 */
import { executeTemplate } from '../template/execute.js'
import { templateFunctionNames, templateFunctions } from '../template/functions.js'
import { parseTemplate } from '../template/parse.js'
import type { WebhookPayload } from './webhook-payload.js'

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

const htmlEntities: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&#34;',
  "'": '&#39;',
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => htmlEntities[char] ?? char)
}

/** Every string inside `value` escaped, keys included; the structure is kept. */
function escapeStrings(value: unknown): unknown {
  if (typeof value === 'string') return escapeHtml(value)
  if (Array.isArray(value)) return value.map(escapeStrings)
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [escapeHtml(key), escapeStrings(item)]),
    )
  }
  return value
}

/**
 * Renders a receiver template over a notification. With `html`, every value from the alerts
 * is HTML-escaped first: labels and annotations come from monitored systems, and a label
 * must not become markup in someone's mail client (Go's html/template does the same).
 */
export function renderNotificationTemplate(
  source: string,
  payload: WebhookPayload,
  options: { readonly html?: boolean } = {},
): string {
  const nodes = parseTemplate(source, templateFunctionNames)
  const data = templateData(payload)
  const root = options.html === true ? (escapeStrings(data) as Record<string, unknown>) : data
  return executeTemplate(nodes, root, {}, templateFunctions())
}

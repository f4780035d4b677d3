/**
 * The email an `email_configs` entry sends for a notification, rendered when the
 * notification is decided and stored with it; credentials are added only at delivery.
 */
import type { EmailConfig } from './email-config.js'
import { renderNotificationTemplate } from './notification-template.js'
import type { WebhookPayload } from './webhook-payload.js'

export interface EmailMessage {
  readonly from: string
  readonly to: readonly string[]
  readonly subject: string
  readonly headers: Readonly<Record<string, string>>
  readonly html: string | undefined
  readonly text: string | undefined
}

/** `a@example.org, Ops <ops@example.org>` into its addresses, commas in quotes kept. */
function splitAddresses(list: string): string[] {
  const parts = list.match(/(?:"[^"]*"|[^,])+/g) ?? []
  return parts.map((part) => part.trim()).filter((part) => part !== '')
}

export function buildEmailMessage(config: EmailConfig, payload: WebhookPayload): EmailMessage {
  const render = (source: string): string => renderNotificationTemplate(source, payload)
  const headers = Object.fromEntries(
    Object.entries(config.headers).map(([name, source]) => [name, render(source)]),
  )
  const html = renderNotificationTemplate(config.html, payload, { html: true })
  const text = render(config.text)
  return {
    from: render(config.from),
    to: splitAddresses(render(config.to)),
    // Header values are one line: a label with a line break must not add headers.
    subject: render(config.subject).replace(/[\r\n]+/g, ' '),
    headers: Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name, value.replace(/[\r\n]+/g, ' ')]),
    ),
    html: html.trim() === '' ? undefined : html,
    text: text.trim() === '' ? undefined : text,
  }
}

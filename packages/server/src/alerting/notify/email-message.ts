/**
 * The email an `email_configs` entry sends for a notification, rendered when the
 * notification is decided and stored with it; credentials are added only at delivery.
 */
import type { EmailConfig } from './email-config.js'
import { renderNotificationTemplate } from './notification-template.js'
import type { WebhookPayload } from './webhook-payload.js'

export interface EmailMessage {
  /** The envelope: who sends, and every recipient. */
  readonly from: string
  readonly to: readonly string[]
  /** `headers.From` and `headers.To` when set: what readers see instead of the envelope. */
  readonly displayFrom?: string
  readonly displayTo?: string
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
  // Header values are one line: a label with a line break must not add headers.
  const headers = Object.fromEntries(
    Object.entries(config.headers).map(([name, source]) => [
      name,
      render(source).replace(/[\r\n]+/g, ' '),
    ]),
  )
  const display = (name: string): Record<string, string> => {
    const found = Object.keys(headers).find((key) => key.toLowerCase() === name.toLowerCase())
    if (found === undefined) return {}
    const value = headers[found] ?? ''
    delete headers[found]
    return { [`display${name}`]: value }
  }
  const html = renderNotificationTemplate(config.html, payload, { html: true })
  const text = render(config.text)
  return {
    from: render(config.from),
    to: splitAddresses(render(config.to)),
    ...display('From'),
    ...display('To'),
    subject: render(config.subject).replace(/[\r\n]+/g, ' '),
    headers,
    html: html.trim() === '' ? undefined : html,
    text: text.trim() === '' ? undefined : text,
  }
}

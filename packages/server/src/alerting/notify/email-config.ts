/**
 * An email receiver (`email_configs`) in Alertmanager's format: the SMTP smarthost and its
 * credentials, the envelope, headers and the html and text bodies as Go templates.
 */
import { z } from 'zod'
import { duration } from '../duration-schema.js'
import { templateFunctionNames } from '../template/functions.js'
import { parseTemplate } from '../template/parse.js'
import { TemplateError } from '../template/syntax.js'

/** A notification template, checked when the configuration loads rather than at sending. */
const template = z.string().superRefine((text, context) => {
  try {
    parseTemplate(text, templateFunctionNames)
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error
    context.addIssue({ code: 'custom', message: `invalid template: ${error.message}` })
  }
})

const defaultSubject = '[{{ .Status | toUpper }}:{{ len .Alerts }}] {{ .CommonLabels.alertname }}'

const defaultText = `{{ range .Alerts }}[{{ .Status | toUpper }}] {{ .Labels.alertname }}
{{ range $name, $value := .Labels }}  {{ $name }}: {{ $value }}
{{ end }}{{ range $name, $value := .Annotations }}  {{ $name }}: {{ $value }}
{{ end }}  since {{ .StartsAt }}

{{ end }}{{ .ExternalURL }}
`

const defaultHtml = `<!DOCTYPE html>
<html><body>
<h2>[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}</h2>
{{ range .Alerts }}<h3>[{{ .Status | toUpper }}] {{ .Labels.alertname }}</h3>
<ul>{{ range $name, $value := .Labels }}<li>{{ $name }}: {{ $value }}</li>{{ end }}</ul>
<ul>{{ range $name, $value := .Annotations }}<li>{{ $name }}: {{ $value }}</li>{{ end }}</ul>
<p>since {{ .StartsAt }}</p>
{{ end }}<p><a href="{{ .ExternalURL }}">{{ .ExternalURL }}</a></p>
</body></html>
`

/** `host:port`, with IPv6 hosts in brackets as Go writes them. */
const smarthost = z
  .string()
  .regex(
    /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/,
    // Aborts, so a malformed value gets one message rather than a port complaint as well.
    { message: 'must be host:port, like smtp.example.org:587', abort: true },
  )
  .refine((value) => validPort(value.slice(value.lastIndexOf(':') + 1)), {
    message: 'port must be between 1 and 65535',
  })

function validPort(digits: string): boolean {
  const port = Number(digits)
  return Number.isInteger(port) && port >= 1 && port <= 65_535
}

export const emailConfigSchema = z
  .object({
    to: template.pipe(z.string().min(1)),
    from: template.pipe(z.string().min(1)),
    smarthost,
    hello: z.string().default('localhost'),
    auth_username: z.string().optional(),
    auth_password: z.string().optional(),
    auth_password_file: z.string().optional(),
    require_tls: z.boolean().default(true),
    tls_config: z
      .object({
        ca_file: z.string().optional(),
        server_name: z.string().optional(),
        insecure_skip_verify: z.boolean().default(false),
      })
      .strict()
      .default({ insecure_skip_verify: false }),
    headers: z.record(z.string(), template).default({}),
    html: template.default(defaultHtml),
    text: template.default(defaultText),
    send_resolved: z.boolean().default(false),
    timeout: duration.prefault('10s'),
  })
  .strict()
  .refine((value) => value.auth_password === undefined || value.auth_password_file === undefined, {
    message: 'at most one of auth_password and auth_password_file',
    path: ['auth_password'],
  })
  .transform((value) => {
    // Alertmanager's header names are case-insensitive; the subject has a default.
    const subject = Object.entries(value.headers).find(([name]) => /^subject$/i.test(name))
    const headers = Object.fromEntries(
      Object.entries(value.headers).filter(([name]) => !/^subject$/i.test(name)),
    )
    return { ...value, subject: subject?.[1] ?? defaultSubject, headers }
  })

export type EmailConfig = z.output<typeof emailConfigSchema>

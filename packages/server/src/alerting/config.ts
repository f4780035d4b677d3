/**
 * The `alerting` and `slos` configuration sections: rule files, and routing in
 * Alertmanager's configuration format (route, receivers, inhibit_rules, time_intervals).
 */
import { z } from 'zod'
import { duration } from './duration-schema.js'
import { emailConfigSchema } from './notify/email-config.js'
import { matcherProblem, parseMatchers } from './routing/matchers.js'

const matcherList = z.array(z.string()).transform((items, context) => {
  try {
    return parseMatchers(items)
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message })
    return z.NEVER
  }
})

/** `match_re`: label name to RE2 pattern, each checked at load so routing never throws. */
const regexRecord = z
  .record(z.string(), z.string())
  .default({})
  .superRefine((record, context) => {
    for (const [name, value] of Object.entries(record)) {
      const problem = matcherProblem({ name, type: '=~', value })
      if (problem === undefined) continue
      context.addIssue({ code: 'custom', path: [name], message: problem })
    }
  })

/** A route of the routing tree; children inherit what they do not set. */
export interface RouteConfig {
  receiver?: string | undefined
  group_by?: string[] | undefined
  continue: boolean
  matchers: z.output<typeof matcherList>
  match: Record<string, string>
  match_re: Record<string, string>
  group_wait?: number | undefined
  group_interval?: number | undefined
  repeat_interval?: number | undefined
  mute_time_intervals: string[]
  active_time_intervals: string[]
  routes: RouteConfig[]
}

const routeSchema: z.ZodType<RouteConfig, unknown> = z.lazy(() =>
  z
    .object({
      receiver: z.string().optional(),
      group_by: z.array(z.string()).optional(),
      continue: z.boolean().default(false),
      matchers: matcherList.default([]),
      match: z.record(z.string(), z.string()).default({}),
      match_re: regexRecord,
      group_wait: duration.optional(),
      group_interval: duration.optional(),
      repeat_interval: duration.optional(),
      mute_time_intervals: z.array(z.string()).default([]),
      active_time_intervals: z.array(z.string()).default([]),
      routes: z.array(routeSchema).default([]),
    })
    .strict(),
)

const webhookConfig = z
  .object({
    url: z.url().optional(),
    url_file: z.string().optional(),
    send_resolved: z.boolean().default(true),
    max_alerts: z.number().int().min(0).default(0),
    timeout: duration.prefault('10s'),
  })
  .strict()
  .refine((value) => value.url !== undefined || value.url_file !== undefined, 'url is required')

const slackConfig = z
  .object({
    api_url: z.url().optional(),
    api_url_file: z.string().optional(),
    channel: z.string().optional(),
    username: z.string().optional(),
    title: z.string().default('[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}'),
    text: z
      .string()
      .default('{{ range .Alerts }}{{ .Status }}: {{ .Annotations.summary }}\n{{ end }}'),
    send_resolved: z.boolean().default(false),
    timeout: duration.prefault('10s'),
  })
  .strict()
  .refine((value) => value.api_url !== undefined || value.api_url_file !== undefined, {
    message: 'api_url or api_url_file is required',
  })

const pagerdutyConfig = z
  .object({
    routing_key: z.string().min(1).optional(),
    routing_key_file: z.string().optional(),
    url: z.url().default('https://events.pagerduty.com/v2/enqueue'),
    severity: z.enum(['critical', 'error', 'warning', 'info']).default('error'),
    summary: z
      .string()
      .default('[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} {{ .GroupLabels }}'),
    send_resolved: z.boolean().default(true),
    timeout: duration.prefault('10s'),
  })
  .strict()
  .refine((value) => value.routing_key !== undefined || value.routing_key_file !== undefined, {
    message: 'routing_key or routing_key_file is required',
  })

const receiverSchema = z
  .object({
    name: z.string().min(1),
    webhook_configs: z.array(webhookConfig).default([]),
    slack_configs: z.array(slackConfig).default([]),
    pagerduty_configs: z.array(pagerdutyConfig).default([]),
    email_configs: z.array(emailConfigSchema).default([]),
  })
  .strict()

const timeRange = z.object({ start_time: z.string(), end_time: z.string() }).strict()

const timeIntervalSpec = z
  .object({
    times: z.array(timeRange).optional(),
    weekdays: z.array(z.string()).optional(),
    days_of_month: z.array(z.string()).optional(),
    months: z.array(z.string()).optional(),
    years: z.array(z.string()).optional(),
    location: z.string().optional(),
  })
  .strict()

export type TimeIntervalSpec = z.output<typeof timeIntervalSpec>

const inhibitRule = z
  .object({
    source_matchers: matcherList.default([]),
    target_matchers: matcherList.default([]),
    equal: z.array(z.string()).default([]),
  })
  .strict()

export const alertingConfigSchema = z
  .object({
    rule_files: z
      .array(z.string())
      .default([])
      .describe('Prometheus rule files (globs allowed: *.yml) evaluated by Rampart.'),
    evaluation_interval: duration.prefault('1m').describe('Default interval of rule groups.'),
    name_validation: z
      .enum(['utf8', 'legacy'])
      .default('utf8')
      .describe('Label and annotation names allowed in rule files.'),
    external_url: z
      .string()
      .optional()
      .describe('Base URL in links of notifications. Default: server.public_url, else host:port.'),
    external_labels: z
      .record(z.string(), z.string())
      .default({})
      .describe('Labels available to templates as $externalLabels.'),
    outage_tolerance: duration
      .prefault('1h')
      .describe('Pending alerts keep their progress over a shorter downtime; else restart.'),
    resolve_silenced: z
      .boolean()
      .default(true)
      .describe('Send "resolved" for a notified alert that resolved while silenced.'),
    api_token: z
      .string()
      .min(16)
      .optional()
      .describe('Bearer token for /alertmanager/api/v2. Unset: that API answers 401.'),
    api_token_file: z.string().optional().describe('A file holding the Alertmanager API token.'),
    dispatch_interval_ms: z
      .number()
      .int()
      .positive()
      .default(250)
      .describe('How often alert groups are checked for due notifications.'),
    route: routeSchema.optional().describe("The routing tree, in Alertmanager's format."),
    receivers: z.array(receiverSchema).default([]).describe('Where notifications go.'),
    inhibit_rules: z.array(inhibitRule).default([]).describe('Alerts that mute others.'),
    time_intervals: z
      .array(z.object({ name: z.string(), time_intervals: z.array(timeIntervalSpec) }).strict())
      .default([])
      .describe('Named time intervals for mute_time_intervals and active_time_intervals.'),
  })
  .strict()
  .superRefine((value, context) => {
    const receivers = new Set(value.receivers.map((receiver) => receiver.name))
    const intervals = new Set(value.time_intervals.map((interval) => interval.name))
    const check = (route: RouteConfig, path: (string | number)[]): void => {
      if (route.receiver !== undefined && !receivers.has(route.receiver)) {
        context.addIssue({
          code: 'custom',
          path: [...path, 'receiver'],
          message: `undefined receiver "${route.receiver}"`,
        })
      }
      for (const name of [...route.mute_time_intervals, ...route.active_time_intervals]) {
        if (!intervals.has(name)) {
          context.addIssue({ code: 'custom', path, message: `undefined time interval "${name}"` })
        }
      }
      route.routes.forEach((child, index) => check(child, [...path, 'routes', index]))
    }
    if (value.route !== undefined) {
      if (value.route.receiver === undefined) {
        context.addIssue({
          code: 'custom',
          path: ['route'],
          message: 'root route needs a receiver',
        })
      }
      check(value.route, ['route'])
    }
  })

export type AlertingConfig = z.output<typeof alertingConfigSchema>

/** The `slos` section: SLO specs in Sloth's prometheus/v1 format. */
export const slosConfigSchema = z
  .object({
    files: z
      .array(z.string())
      .default([])
      .describe("SLO spec files in Sloth's prometheus/v1 format (globs allowed: *.yml)."),
    alert_windows_file: z
      .string()
      .optional()
      .describe("Sloth AlertWindows spec; default: the SRE Workbook's windows for 30 days."),
  })
  .strict()
export type ReceiverConfig = z.output<typeof receiverSchema>
export type InhibitRuleConfig = z.output<typeof inhibitRule>

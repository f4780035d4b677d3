import { compilePromqlRegex, parseDurationMs } from '@rampart/promql'
import { z } from 'zod'

/** A Prometheus duration string (`15s`, `1h30m`, `15d`), read as milliseconds. */
export const duration = z.string().transform((text, context) => {
  const ms = parseDurationMs(text)
  if (ms === undefined || ms <= 0) {
    context.addIssue({ code: 'custom', message: `"${text}" is not a duration like 15s or 5m` })
    return z.NEVER
  }
  return ms
})

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'is not a valid label name')
const labelSet = z.record(labelName, z.string())
const target = z
  .string()
  .regex(/^[^/\s]+:\d{1,5}$/, 'must be host:port')
  .refine((value) => Number(value.slice(value.lastIndexOf(':') + 1)) <= 65535, 'port out of range')

const relabelConfig = z
  .object({
    source_labels: z.array(labelName).default([]),
    separator: z.string().default(';'),
    regex: z.string().default('(.*)'),
    target_label: z.string().optional(),
    replacement: z.string().default('$1'),
    action: z.enum(['replace', 'keep', 'drop', 'labeldrop', 'labelkeep']).default('replace'),
  })
  .strict()
  .superRefine((value, context) => {
    if (value.action === 'replace' && value.target_label === undefined) {
      context.addIssue({ code: 'custom', message: 'replace needs target_label' })
    }
    try {
      compilePromqlRegex(value.regex)
    } catch {
      context.addIssue({ code: 'custom', path: ['regex'], message: 'is not a valid regex' })
    }
  })

export type RelabelConfig = z.output<typeof relabelConfig>

const secret = z.string().min(1)

const basicAuth = z
  .object({
    username: z.string(),
    password: secret.optional(),
    password_file: z.string().optional(),
  })
  .strict()

const authorization = z
  .object({
    type: z.string().default('Bearer'),
    credentials: secret.optional(),
    credentials_file: z.string().optional(),
  })
  .strict()

/** Credentials in Prometheus's HTTP client format, shared by scrapes and the remote backend. */
export interface HttpCredentials {
  readonly basic_auth?: z.output<typeof basicAuth> | undefined
  readonly authorization?: z.output<typeof authorization> | undefined
  readonly bearer_token?: string | undefined
  readonly bearer_token_file?: string | undefined
}

// Headers the HTTP client or the credentials above own; setting them by hand would conflict.
const reservedHeaders = new Set([
  'authorization',
  'host',
  'content-length',
  'content-type',
  'connection',
  'transfer-encoding',
])
const headerName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'is not a valid header name')
  .refine((name) => !reservedHeaders.has(name.toLowerCase()), 'cannot be set here')

const remoteConfig = z
  .object({
    basic_auth: basicAuth.optional(),
    authorization: authorization.optional(),
    bearer_token: secret.optional(),
    bearer_token_file: z.string().optional(),
    headers: z
      .record(headerName, z.string().regex(/^[^\r\n]*$/, 'must be one line'))
      .default({})
      .describe('Extra headers, e.g. X-Scope-OrgID for Mimir or Cortex tenants.'),
    write_url: z
      .url()
      .optional()
      .describe('Remote-write endpoint for rule results. Default: remote_url + /api/v1/write.'),
  })
  .strict()

export const scrapeConfigSchema = z
  .object({
    job_name: z.string().min(1),
    scrape_interval: duration.optional(),
    scrape_timeout: duration.optional(),
    metrics_path: z.string().startsWith('/').default('/metrics'),
    scheme: z.enum(['http', 'https']).default('http'),
    params: z.record(z.string(), z.array(z.string())).optional(),
    honor_labels: z.boolean().default(false),
    honor_timestamps: z.boolean().default(true),
    basic_auth: basicAuth.optional(),
    authorization: authorization.optional(),
    bearer_token: secret.optional(),
    bearer_token_file: z.string().optional(),
    sample_limit: z.number().int().min(0).default(0),
    label_limit: z.number().int().min(0).default(0),
    static_configs: z
      .array(z.object({ targets: z.array(target), labels: labelSet.default({}) }).strict())
      .default([]),
    metric_relabel_configs: z.array(relabelConfig).default([]),
  })
  .strict()
  .superRefine((value, context) => {
    const interval = value.scrape_interval
    const timeout = value.scrape_timeout
    if (interval !== undefined && timeout !== undefined && timeout > interval) {
      context.addIssue({
        code: 'custom',
        path: ['scrape_timeout'],
        message: 'must not be greater than scrape_interval',
      })
    }
  })

export type ScrapeConfig = z.output<typeof scrapeConfigSchema>

/** The `metrics` section: scraping, the embedded store, queries, or a remote backend. */
export const metricsConfigSchema = z
  .object({
    backend: z
      .enum(['embedded', 'prometheus'])
      .default('embedded')
      .describe('embedded: scrape and store here; prometheus: query the server at remote_url.'),
    remote_url: z
      .url()
      .optional()
      .describe('Base URL of a Prometheus-compatible server, for backend: prometheus.'),
    remote: remoteConfig
      .prefault({})
      .describe(
        'Credentials (basic_auth, authorization, bearer_token, *_file) and headers for remote_url.',
      ),
    retention: duration.prefault('15d').describe('How long samples are kept.'),
    max_memory_bytes: z
      .number()
      .int()
      .positive()
      .default(512 * 1024 * 1024)
      .describe('Memory bound of the embedded store; the oldest chunks go first.'),
    scrape_self: z.boolean().default(true).describe('Scrape Rampart’s own metrics (job rampart).'),
    global: z
      .object({
        scrape_interval: duration.prefault('15s').describe('How often targets are scraped.'),
        scrape_timeout: duration.prefault('10s').describe('How long a scrape may take.'),
      })
      .strict()
      .prefault({})
      .describe('Defaults for every scrape config.'),
    scrape_configs: z
      .array(scrapeConfigSchema)
      .default([])
      .describe("Targets to scrape, in Prometheus's scrape_configs format."),
    query: z
      .object({
        timeout: duration.prefault('2m').describe('Longest a query may run.'),
        max_samples: z
          .number()
          .int()
          .positive()
          .default(50_000_000)
          .describe('Most samples one query may load.'),
        lookback_delta: duration
          .prefault('5m')
          .describe('How far back an instant selector looks for a sample.'),
      })
      .strict()
      .prefault({}),
    api_token: secret
      .optional()
      .describe('Bearer token for /prometheus/api/v1 (data sources). Unset: the API is closed.'),
    api_token_file: z.string().optional().describe('A file holding metrics.api_token.'),
  })
  .strict()
  .superRefine((value, context) => {
    if (value.backend === 'prometheus' && value.remote_url === undefined) {
      context.addIssue({ code: 'custom', path: ['remote_url'], message: 'is required' })
    }
    const names = new Set<string>()
    for (const [index, scrape] of value.scrape_configs.entries()) {
      if (names.has(scrape.job_name)) {
        context.addIssue({
          code: 'custom',
          path: ['scrape_configs', index, 'job_name'],
          message: `duplicate job_name ${scrape.job_name}`,
        })
      }
      names.add(scrape.job_name)
    }
  })

export type MetricsConfig = z.output<typeof metricsConfigSchema>

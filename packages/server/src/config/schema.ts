import { z } from 'zod'
import { alertingConfigSchema, slosConfigSchema } from '../alerting/config.js'
import { metricsConfigSchema } from '../metrics/config.js'
import { accessConfigSchema } from '../access/config.js'
import { identityConfigSchema } from '../identity/config.js'

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
const port = z.number().int().min(0).max(65535)
const positiveMs = z.number().int().positive()

const bearerToken = z.string().min(16, 'must be at least 16 characters')

const auditSchema = z
  .object({
    checkpoint_every_events: z
      .number()
      .int()
      .positive()
      .default(1000)
      .describe('Sign a checkpoint once this many events were appended since the last one.'),
    checkpoint_interval_ms: positiveMs
      .default(10_000)
      .describe('Sign a checkpoint at least this often while new events arrive.'),
    checkpoint_file: z
      .string()
      .optional()
      .describe(
        'A JSONL file every signed checkpoint is appended to (a copy outside the database).',
      ),
    witness_url: z
      .url()
      .optional()
      .describe('An HTTP endpoint each checkpoint is POSTed to as JSON, retried until accepted.'),
    ingest_token: bearerToken
      .optional()
      .describe('Bearer token for POST /v1/audit/events. Unset: ingestion answers 401.'),
    ingest_token_file: z.string().optional().describe('A file holding the ingest token.'),
    read_token: bearerToken
      .optional()
      .describe('Bearer token for reading and exporting events. Unset: those answer 401.'),
    read_token_file: z.string().optional().describe('A file holding the read token.'),
    max_future_skew_ms: positiveMs
      .default(300_000)
      .describe('How far ahead of the clock an ingested occurredAt may be.'),
    consumer_poll_interval_ms: positiveMs
      .default(500)
      .describe('How often durable consumers look for new events when not woken.'),
    retention_ms: positiveMs
      .optional()
      .describe(
        'Archive events older than this (whole checkpointed ranges) to JSONL files, then delete ' +
          'them from the database. Unset: events are kept for ever.',
      ),
    archive_dir: z
      .string()
      .optional()
      .describe(
        'Where archive files go; default <data_dir>/audit-archive. Share it between replicas.',
      ),
    archive_interval_ms: positiveMs
      .default(3_600_000)
      .describe('How often the lease holder looks for events past retention_ms.'),
    ingest_key_ttl_ms: positiveMs
      .default(7 * 24 * 3_600_000)
      .describe('How long an ingestion idempotency key is remembered (per tenant).'),
  })
  .strict()
  .prefault({})

/**
 * Rampart's configuration: one YAML file plus `RAMPART_*` variables, validated here. Keys are
 * snake_case as in Prometheus and Alertmanager files. Unknown keys are errors, so a typo is
 * reported instead of silently ignored.
 */
export const configSchema = z
  .object({
    data_dir: z
      .string()
      .min(1)
      .default('./data')
      .describe('Directory for the embedded database, the master key and local state.'),
    master_key: z
      .string()
      .optional()
      .describe('The 256-bit master key as 64 hex characters or base64 (prefer the file form).'),
    master_key_file: z
      .string()
      .optional()
      .describe(
        'A file holding the master key. Default: master.key in the data directory, made at start.',
      ),
    server: z
      .object({
        host: z.string().min(1).default('127.0.0.1').describe('Address to listen on.'),
        port: port.default(8080).describe('Port to listen on; 0 picks a free one.'),
        public_url: z
          .url()
          .optional()
          .describe('The base URL clients use, when it differs from http://host:port.'),
        body_limit_bytes: z
          .number()
          .int()
          .positive()
          .default(1_048_576)
          .describe('Largest request body accepted; larger ones get 413.'),
        trust_proxy: z
          .boolean()
          .default(false)
          .describe('Take client addresses from X-Forwarded-For (only behind a proxy).'),
        shutdown_timeout_ms: positiveMs
          .default(10_000)
          .describe('How long in-flight requests may drain on SIGTERM before exit.'),
      })
      .strict()
      .prefault({}),
    database: z
      .object({
        url: z
          .string()
          .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
          .optional()
          .describe('PostgreSQL connection URL. Absent: SQLite, rampart.db in the data directory.'),
        url_file: z.string().optional().describe('A file holding the PostgreSQL URL.'),
        pool_max: z.number().int().min(1).max(200).default(10).describe('PostgreSQL pool size.'),
        connect_timeout_ms: positiveMs.default(3000).describe('PostgreSQL connect timeout.'),
      })
      .strict()
      .prefault({}),
    redis: z
      .object({
        url: z
          .string()
          .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
          .optional()
          .describe(
            'Redis connection URL for counters every replica shares (login throttling). ' +
              'Absent: those counters live in the database.',
          ),
        url_file: z.string().optional().describe('A file holding the Redis URL.'),
        key_prefix: z
          .string()
          .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, dots, dashes or _')
          .default('rampart')
          .describe('Prefix of every Redis key Rampart writes, so deployments can share one.'),
        connect_timeout_ms: positiveMs.default(3000).describe('Redis connect timeout.'),
      })
      .strict()
      .prefault({}),
    log: z
      .object({ level: logLevel.default('info').describe('Lowest level written.') })
      .strict()
      .prefault({}),
    readiness: z
      .object({
        check_timeout_ms: positiveMs.default(2000).describe('Timeout of each readiness check.'),
      })
      .strict()
      .prefault({}),
    jobs: z
      .object({
        poll_interval_ms: positiveMs.default(1000).describe('How often due jobs are claimed.'),
        claim_timeout_ms: positiveMs
          .default(60_000)
          .describe('A claimed job not finished by then is given to another worker.'),
        lease_ttl_ms: positiveMs
          .default(15_000)
          .describe('Lifetime of a singleton-loop lease between renewals.'),
      })
      .strict()
      .prefault({}),
    audit: auditSchema,
    metrics: metricsConfigSchema.prefault({}),
    identity: identityConfigSchema.prefault({}),
    access: accessConfigSchema.prefault({}),
    alerting: alertingConfigSchema.prefault({}),
    slos: slosConfigSchema.prefault({}),
  })
  .strict()

export type Config = z.infer<typeof configSchema>
export type ConfigInput = z.input<typeof configSchema>

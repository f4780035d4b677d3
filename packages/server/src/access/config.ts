import { z } from 'zod'

const positiveMs = z.number().int().positive()
const bearerToken = z.string().min(16, 'must be at least 16 characters')

/** The `access` section: API tokens, and how fast replicas learn of policy changes. */
export const accessConfigSchema = z
  .object({
    admin_token: bearerToken
      .optional()
      .describe(
        'Bearer token for the policy admin API (/v1/access roles, bindings...). Unset: 401.',
      ),
    admin_token_file: z.string().optional().describe('A file holding the admin token.'),
    check_token: bearerToken
      .optional()
      .describe('Bearer token for decisions and the snapshot; the admin token works there too.'),
    check_token_file: z.string().optional().describe('A file holding the check token.'),
    api_audience: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Audience of access tokens for Rampart's own API (register a resource server with it). " +
          'Unset: the issuer URL followed by /v1.',
      ),
    poll_interval_ms: positiveMs
      .default(500)
      .describe('How often the policy version is read, besides PostgreSQL notifications.'),
    consistency_wait_ms: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .default(1000)
      .describe('How long a decision asking atLeastVersion waits for that version to commit.'),
    denied_events_per_second: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .default(20)
      .describe('Most access.denied audit events a second per process; the rest are counted.'),
    snapshot_wait_max_ms: positiveMs
      .max(120_000)
      .default(30_000)
      .describe('Longest long-poll of GET /v1/access/snapshot?waitMs=.'),
  })
  .strict()

export type AccessConfig = z.output<typeof accessConfigSchema>

/**
 * The `identity` configuration section: token and session lifetimes, password hashing and
 * policy, login throttling, and the admin API token.
 */
import { parseDurationMs } from '@rampart/promql'
import { z } from 'zod'

/** A duration such as `60s`, `10m`, `14d`, read as milliseconds. */
const duration = z.string().transform((text, context) => {
  const ms = parseDurationMs(text)
  if (ms === undefined || ms <= 0) {
    context.addIssue({ code: 'custom', message: `"${text}" is not a duration like 60s or 10m` })
    return z.NEVER
  }
  return ms
})

const positiveInt = z.number().int().positive()

export const identityConfigSchema = z
  .object({
    access_token_ttl: duration.prefault('10m').describe('Lifetime of access tokens.'),
    authorization_code_ttl: duration.prefault('60s').describe('Lifetime of authorization codes.'),
    id_token_ttl: duration.prefault('1h').describe('Lifetime of ID tokens.'),
    refresh_token_idle_ttl: duration
      .prefault('14d')
      .describe('A refresh token unused this long expires; each rotation starts a new period.'),
    refresh_token_absolute_ttl: duration
      .prefault('30d')
      .describe('No refresh token of a grant outlives this, counted from the first login.'),
    session_idle_ttl: duration.prefault('30m').describe('A login session unused this long ends.'),
    session_absolute_ttl: duration
      .prefault('12h')
      .describe('A login session ends this long after sign-in whatever its use.'),
    admin_token: z
      .string()
      .min(16, 'must be at least 16 characters')
      .optional()
      .describe('Bearer token for /v1/identity. Unset: the admin API answers 401.'),
    admin_token_file: z.string().optional().describe('A file holding identity.admin_token.'),
    password: z
      .object({
        min_length: z
          .number()
          .int()
          .min(8)
          .max(64)
          .default(12)
          .describe('Shortest password accepted (NIST SP 800-63B asks for at least 8).'),
        max_length: z.number().int().min(64).max(1024).default(128).describe('Longest accepted.'),
        min_strength: z
          .number()
          .int()
          .min(0)
          .max(4)
          .default(3)
          .describe('Lowest zxcvbn strength score (0-4) accepted; 0 turns the estimate off.'),
        required_character_classes: z
          .number()
          .int()
          .min(0)
          .max(4)
          .default(0)
          .describe(
            'Optional composition rule: how many of lower, upper, digit, symbol a password ' +
              'must mix (0: none, as NIST SP 800-63B advises).',
          ),
        argon2_memory_kib: z
          .number()
          .int()
          .min(19_456)
          .default(19_456)
          .describe('argon2id memory cost in KiB (OWASP minimum 19 MiB).'),
        argon2_iterations: z.number().int().min(2).default(2).describe('argon2id time cost.'),
        argon2_parallelism: z.number().int().min(1).default(1).describe('argon2id lanes.'),
      })
      .strict()
      .prefault({}),
    mfa_required: z
      .enum(['none', 'admins', 'all'])
      .default('none')
      .describe('Who must sign in with a second factor; an account without one is refused.'),
    lockout: z
      .object({
        max_failures: positiveInt
          .max(100)
          .default(5)
          .describe('Failed logins of one account within the window that lock it.'),
        window: duration.prefault('15m').describe('The window failures are counted in.'),
        duration: duration.prefault('15m').describe('How long a locked account stays locked.'),
        ip_max_failures: positiveInt
          .default(50)
          .describe('Failed logins from one address within the window before it is blocked.'),
      })
      .strict()
      .prefault({}),
  })
  .strict()

export type IdentityConfig = z.output<typeof identityConfigSchema>

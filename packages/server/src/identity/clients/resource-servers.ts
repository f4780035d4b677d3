/**
 * Resource servers (APIs) registered for JWT access tokens: a client asks for one with the
 * `resource` parameter (RFC 8707) and receives an RFC 9068 token whose `aud` is its audience.
 */
import { z } from 'zod'

import type { Clock } from '../../platform/clock.js'
import { RampartError } from '../../platform/errors.js'
import type { IdentityDb } from '../store/tables.js'

const scopeToken = /^[\x21\x23-\x5b\x5d-\x7e]+$/

export const newResourceServerSchema = z
  .object({
    audience: z.url().max(500),
    name: z.string().min(1).max(200),
    scopes: z.array(z.string().regex(scopeToken, 'is not a scope')).max(100).default([]),
    access_token_ttl_seconds: z.number().int().min(30).max(86_400).optional(),
  })
  .strict()

export interface ResourceServer {
  readonly audience: string
  readonly name: string
  readonly scopes: readonly string[]
  readonly accessTokenTtlSeconds: number | null
  readonly createdAt: string
}

export class ResourceServers {
  readonly #db: IdentityDb
  readonly #clock: Clock

  constructor(db: IdentityDb, clock: Clock) {
    this.#db = db
    this.#clock = clock
  }

  async create(body: unknown): Promise<ResourceServer> {
    const parsed = newResourceServerSchema.safeParse(body)
    if (!parsed.success) {
      const errors = parsed.error.issues.map((issue) => ({
        field: ['body', ...issue.path.map(String)].join('.'),
        message: issue.message,
      }))
      throw new RampartError(
        'validation_failed',
        errors.map((item) => `${item.field} ${item.message}`).join('; '),
        { errors },
      )
    }
    const input = parsed.data
    const row = {
      audience: input.audience,
      name: input.name,
      scopes: input.scopes.join(' '),
      access_token_ttl_s: input.access_token_ttl_seconds ?? null,
      created_at: this.#clock.now(),
    }
    try {
      await this.#db.insertInto('identity_resource_servers').values(row).execute()
    } catch (error) {
      if (/unique|duplicate/i.test(String(error))) {
        throw new RampartError('conflict', 'this audience is registered', { cause: error })
      }
      throw error
    }
    return toView(row)
  }

  async find(audience: string): Promise<ResourceServer | undefined> {
    const row = await this.#db
      .selectFrom('identity_resource_servers')
      .selectAll()
      .where('audience', '=', audience)
      .executeTakeFirst()
    return row === undefined ? undefined : toView(row)
  }

  async list(): Promise<ResourceServer[]> {
    const rows = await this.#db
      .selectFrom('identity_resource_servers')
      .selectAll()
      .orderBy('created_at')
      .execute()
    return rows.map(toView)
  }

  async delete(audience: string): Promise<void> {
    const result = await this.#db
      .deleteFrom('identity_resource_servers')
      .where('audience', '=', audience)
      .executeTakeFirst()
    if (result.numDeletedRows === 0n) throw new RampartError('not_found', 'no such resource server')
  }
}

function toView(row: {
  audience: string
  name: string
  scopes: string
  access_token_ttl_s: number | null
  created_at: number
}): ResourceServer {
  return {
    audience: row.audience,
    name: row.name,
    scopes: row.scopes === '' ? [] : row.scopes.split(' '),
    accessTokenTtlSeconds: row.access_token_ttl_s === null ? null : Number(row.access_token_ttl_s),
    createdAt: new Date(Number(row.created_at)).toISOString(),
  }
}

/**
 * First-party login sessions (ASVS V3): server-side rows keyed by the SHA-256 of a 256-bit
 * random id, carried in a `__Host-` cookie (Secure, HttpOnly, SameSite=Lax, Path=/). A new id
 * is issued at every login, the old session ends; idle and absolute timeouts both apply.
 * Browsers accept Secure cookies from http://localhost and 127.0.0.1, so loopback works too.
 */
import { createHash, randomBytes } from 'node:crypto'

import type { FastifyReply, FastifyRequest } from 'fastify'

import type { Clock } from '../../platform/clock.js'
import type { IdentityAudit, RequestOrigin } from '../audit-events.js'
import type { IdentityDb } from '../store/tables.js'

export const sessionCookieName = '__Host-rampart_session'

export interface SessionTimeouts {
  readonly idleMs: number
  readonly absoluteMs: number
}

export interface CreatedSession {
  /** The bearer value for the cookie; never stored. */
  readonly cookie: string
  /** The stored hash: names the session in lists, events and revocation. */
  readonly handle: string
}

export interface SessionView {
  readonly id: string
  readonly userId: string
  readonly authMethods: readonly string[]
  readonly ip: string | null
  readonly userAgent: string | null
  readonly createdAt: string
  readonly lastSeenAt: string
  readonly expiresAt: string
}

function hashSessionId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('base64url')
}

/** The value of cookie `name` in a Cookie header, if present. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=')
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim()
  }
  return undefined
}

export class Sessions {
  readonly #db: IdentityDb
  readonly #clock: Clock
  readonly #timeouts: SessionTimeouts
  readonly #audit: IdentityAudit

  constructor(db: IdentityDb, clock: Clock, timeouts: SessionTimeouts, audit: IdentityAudit) {
    this.#db = db
    this.#clock = clock
    this.#timeouts = timeouts
    this.#audit = audit
  }

  /** Opens a session for `userId`; the caller sets the cookie and ends the previous one. */
  async create(userId: string, methods: string[], origin: RequestOrigin): Promise<CreatedSession> {
    const cookie = randomBytes(32).toString('base64url')
    const handle = hashSessionId(cookie)
    const now = this.#clock.now()
    await this.#db
      .insertInto('identity_sessions')
      .values({
        id_hash: handle,
        user_id: userId,
        auth_methods: JSON.stringify(methods),
        ip: origin.ip ?? null,
        user_agent: origin.userAgent?.slice(0, 512) ?? null,
        created_at: now,
        last_seen_at: now,
        expires_at: now + this.#timeouts.absoluteMs,
      })
      .execute()
    await this.#audit.record({
      type: 'auth.session.created',
      action: 'create',
      actor: { type: 'user', id: userId, sessionId: handle },
      outcome: 'success',
      origin,
    })
    return { cookie, handle }
  }

  /**
   * Sets the cookie of a new session, ending the session the request carried (the id changes
   * at every login, so a planted id never becomes an authenticated one).
   */
  setCookie(reply: FastifyReply, cookie: string, request: FastifyRequest): void {
    const previous = readCookie(request.headers.cookie, sessionCookieName)
    if (previous !== undefined) {
      void this.#db
        .deleteFrom('identity_sessions')
        .where('id_hash', '=', hashSessionId(previous))
        .execute()
        .catch((error: unknown) => request.log.warn({ err: error }, 'old session not removed'))
    }
    const maxAge = Math.floor(this.#timeouts.absoluteMs / 1000)
    void reply.header(
      'set-cookie',
      `${sessionCookieName}=${cookie}; Path=/; Max-Age=${maxAge}; Secure; HttpOnly; SameSite=Lax`,
    )
  }

  /** The live session of a cookie value, touched; undefined when missing or timed out. */
  async resolve(cookie: string | undefined): Promise<SessionView | undefined> {
    if (cookie === undefined || cookie.length > 128) return undefined
    const handle = hashSessionId(cookie)
    const row = await this.#db
      .selectFrom('identity_sessions')
      .selectAll()
      .where('id_hash', '=', handle)
      .executeTakeFirst()
    if (row === undefined) return undefined
    const now = this.#clock.now()
    const idle = Number(row.last_seen_at) + this.#timeouts.idleMs <= now
    if (idle || Number(row.expires_at) <= now) {
      await this.#db.deleteFrom('identity_sessions').where('id_hash', '=', handle).execute()
      return undefined
    }
    await this.#db
      .updateTable('identity_sessions')
      .set({ last_seen_at: now })
      .where('id_hash', '=', handle)
      .execute()
    return toView({ ...row, last_seen_at: now })
  }

  async list(userId: string): Promise<SessionView[]> {
    const now = this.#clock.now()
    const rows = await this.#db
      .selectFrom('identity_sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('expires_at', '>', now)
      .where('last_seen_at', '>', now - this.#timeouts.idleMs)
      .orderBy('created_at', 'desc')
      .execute()
    return rows.map(toView)
  }

  /** Ends one session of `userId`; false when there was none. */
  async revoke(userId: string, handle: string, actor: RequestOrigin): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('identity_sessions')
      .where('id_hash', '=', handle)
      .where('user_id', '=', userId)
      .executeTakeFirst()
    if (result.numDeletedRows === 0n) return false
    await this.#audit.record({
      type: 'auth.session.revoked',
      action: 'revoke',
      actor: { type: 'user', id: userId, sessionId: handle },
      outcome: 'success',
      origin: actor,
    })
    return true
  }

  /** Ends every session of `userId`; resolves to how many. */
  async revokeAll(userId: string): Promise<number> {
    const result = await this.#db
      .deleteFrom('identity_sessions')
      .where('user_id', '=', userId)
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}

function toView(row: {
  id_hash: string
  user_id: string
  auth_methods: string
  ip: string | null
  user_agent: string | null
  created_at: number
  last_seen_at: number
  expires_at: number
}): SessionView {
  return {
    id: row.id_hash,
    userId: row.user_id,
    authMethods: JSON.parse(row.auth_methods) as string[],
    ip: row.ip,
    userAgent: row.user_agent,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    lastSeenAt: new Date(Number(row.last_seen_at)).toISOString(),
    expiresAt: new Date(Number(row.expires_at)).toISOString(),
  }
}

/**
 * What a signed-in user does with their own first-party session: see who they are, list and
 * end their sessions (`/v1/identity/me/...`, authenticated by the session cookie), and sign
 * out through the `/logout` page.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

import formbody from '@fastify/formbody'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

import { RampartError } from '../../platform/errors.js'
import type { Accounts } from '../accounts/accounts.js'
import { toUser } from '../accounts/accounts.js'
import type { IdentityAudit } from '../audit-events.js'
import { escapeHtml, layout, pageHeaders } from '../pages/html.js'
import { originOf } from '../pages/interaction-routes.js'
import type { SessionView, Sessions } from './sessions.js'
import { readCookie, sessionCookieName } from './sessions.js'

export interface SessionRouteDeps {
  readonly sessions: Sessions
  readonly accounts: Accounts
  readonly audit: IdentityAudit
  readonly csrfKey: Buffer
}

function csrfFor(key: Buffer, handle: string): string {
  return createHmac('sha256', key).update(`logout:${handle}`).digest('base64url')
}

function sameToken(expected: string, presented: string | undefined): boolean {
  const a = Buffer.from(expected)
  const b = Buffer.from(presented ?? '')
  return a.length === b.length && timingSafeEqual(a, b)
}

const clearCookie = `${sessionCookieName}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax`

export async function registerSessionRoutes(
  server: FastifyInstance,
  deps: SessionRouteDeps,
): Promise<void> {
  const current = (request: FastifyRequest): Promise<SessionView | undefined> =>
    deps.sessions.resolve(readCookie(request.headers.cookie, sessionCookieName))

  const required = async (request: FastifyRequest): Promise<SessionView> => {
    const session = await current(request)
    if (session === undefined) throw new RampartError('unauthorized', 'sign in first')
    return session
  }

  server.get('/v1/identity/me', { schema: { tags: ['identity'] } }, async (request) => {
    const session = await required(request)
    return toUser(await deps.accounts.get(session.userId))
  })

  server.get('/v1/identity/me/sessions', { schema: { tags: ['identity'] } }, async (request) => {
    const session = await required(request)
    const sessions = await deps.sessions.list(session.userId)
    return { sessions: sessions.map((item) => ({ ...item, current: item.id === session.id })) }
  })

  server.delete<{ Params: { id: string } }>(
    '/v1/identity/me/sessions/:id',
    { schema: { tags: ['identity'] } },
    async (request, reply) => {
      const session = await required(request)
      const ended = await deps.sessions.revoke(session.userId, request.params.id, originOf(request))
      if (!ended) throw new RampartError('not_found', 'no such session')
      return reply.code(204).send()
    },
  )

  await server.register(async (scope) => {
    await scope.register(formbody)

    const page = (reply: FastifyReply, status: number, title: string, body: string) =>
      reply.code(status).headers(pageHeaders).send(layout(title, body))

    scope.get('/logout', { schema: { hide: true } }, async (request, reply) => {
      const session = await current(request)
      if (session === undefined) return page(reply, 200, 'Signed out', '<p>You are signed out.</p>')
      const csrf = escapeHtml(csrfFor(deps.csrfKey, session.id))
      return page(
        reply,
        200,
        'Sign out',
        `<form method="post" action="/logout">
<input type="hidden" name="csrf" value="${csrf}">
<p>Sign out of Rampart on this device?</p>
<button type="submit" autofocus>Sign out</button>
</form>`,
      )
    })

    scope.post<{ Body: Record<string, string | undefined> }>(
      '/logout',
      { schema: { hide: true } },
      async (request, reply) => {
        const session = await current(request)
        if (session !== undefined) {
          if (!sameToken(csrfFor(deps.csrfKey, session.id), request.body.csrf)) {
            return page(reply, 403, 'Sign out', '<p role="alert">The form expired.</p>')
          }
          await deps.sessions.revoke(session.userId, session.id, originOf(request))
          await deps.audit.record({
            type: 'auth.logout',
            action: 'logout',
            actor: { type: 'user', id: session.userId, sessionId: session.id },
            outcome: 'success',
            origin: originOf(request),
          })
        }
        void reply.header('set-cookie', clearCookie)
        return page(reply, 200, 'Signed out', '<p>You are signed out.</p>')
      },
    )
  })
}

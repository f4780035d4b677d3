/**
 * Self-service TOTP enrolment for a signed-in user (first-party session cookie): GET
 * `/account/mfa` shows the state, POST `/account/mfa/start` makes a pending seed and shows it,
 * POST `/account/mfa/confirm` checks a code from it and shows the recovery codes once. Each
 * POST carries a CSRF token bound to the session; `Totp.confirm` writes the audit event.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

import formbody from '@fastify/formbody'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

import { RampartError } from '../../platform/errors.js'
import type { Accounts } from '../accounts/accounts.js'
import { layout, pageHeaders } from '../pages/html.js'
import { originOf } from '../pages/request-origin.js'
import type { SessionView, Sessions } from '../sessions/sessions.js'
import { readCookie, sessionCookieName } from '../sessions/sessions.js'
import type { Totp } from './totp.js'
import {
  confirmPath,
  mfaPagePath,
  renderEnrolled,
  renderRecoveryCodes,
  renderSetup,
  renderStart,
  startPath,
} from './totp-enrolment-pages.js'

// TODO(#4): replacing or removing one's own authenticator needs a fresh password or TOTP
// check first (a stolen session must not swap the second factor); until then an admin does it.

export interface TotpEnrolmentRouteDeps {
  readonly sessions: Sessions
  readonly accounts: Accounts
  readonly totp: Totp
  readonly csrfKey: Buffer
  /** The issuer URL: its host names the account in the authenticator app. */
  readonly issuer: () => string
}

const title = 'Authenticator app'

function csrfFor(key: Buffer, sessionId: string): string {
  return createHmac('sha256', key).update(`mfa:${sessionId}`).digest('base64url')
}

function csrfMatches(key: Buffer, session: SessionView, presented: string | undefined): boolean {
  const expected = Buffer.from(csrfFor(key, session.id))
  const given = Buffer.from(presented ?? '')
  return given.length === expected.length && timingSafeEqual(given, expected)
}

function page(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).headers(pageHeaders).send(layout(title, body))
}

type FormBody = Record<string, string | undefined>

export async function registerTotpEnrolmentRoutes(
  server: FastifyInstance,
  deps: TotpEnrolmentRouteDeps,
): Promise<void> {
  // The host name without the port: authenticator apps split the otpauth label
  // (`issuer:account`) at its first colon, so a port would be read as part of the account.
  const issuerHost = () => new URL(deps.issuer()).hostname
  const current = (request: FastifyRequest) =>
    deps.sessions.resolve(readCookie(request.headers.cookie, sessionCookieName))
  const signInFirst = (reply: FastifyReply) =>
    page(reply, 401, '<p role="alert">Sign in first.</p>')
  const expired = (reply: FastifyReply) =>
    page(reply, 403, '<p role="alert">The form expired. Reload the page and try again.</p>')

  await server.register(async (scope) => {
    await scope.register(formbody)

    scope.get(mfaPagePath, { schema: { hide: true } }, async (request, reply) => {
      const session = await current(request)
      if (session === undefined) return signInFirst(reply)
      const user = await deps.accounts.get(session.userId)
      if (user.totp_secret_sealed !== null) return page(reply, 200, renderEnrolled())
      return page(reply, 200, renderStart(csrfFor(deps.csrfKey, session.id)))
    })

    scope.post<{ Body: FormBody }>(
      startPath,
      { schema: { hide: true } },
      async (request, reply) => {
        const session = await current(request)
        if (session === undefined) return signInFirst(reply)
        if (!csrfMatches(deps.csrfKey, session, request.body.csrf)) return expired(reply)
        const user = await deps.accounts.get(session.userId)
        if (user.totp_secret_sealed !== null) return page(reply, 409, renderEnrolled())
        const enrolment = await deps.totp.begin(user, issuerHost())
        return page(reply, 200, await renderSetup(enrolment, csrfFor(deps.csrfKey, session.id)))
      },
    )

    scope.post<{ Body: FormBody }>(
      confirmPath,
      { schema: { hide: true } },
      async (request, reply) => {
        const session = await current(request)
        if (session === undefined) return signInFirst(reply)
        if (!csrfMatches(deps.csrfKey, session, request.body.csrf)) return expired(reply)
        const user = await deps.accounts.get(session.userId)
        if (user.totp_secret_sealed !== null) return page(reply, 409, renderEnrolled())
        const csrf = csrfFor(deps.csrfKey, session.id)
        const code = (request.body.code ?? '').replace(/\s/g, '')

        try {
          const codes = await deps.totp.confirm(user, code, originOf(request))
          return page(reply, 200, renderRecoveryCodes(codes))
        } catch (error) {
          if (!(error instanceof RampartError)) throw error
          const pending = await deps.totp.pendingEnrolment(user, issuerHost())
          if (pending === undefined) {
            return page(reply, 400, renderStart(csrf, 'The setup expired. Start again.'))
          }
          const message = 'That code does not match. Type the code the app shows now.'
          return page(reply, 400, await renderSetup(pending, csrf, message))
        }
      },
    )
  })
}

/**
 * Passkey registration for a signed-in user (first-party session cookie): the
 * `/account/passkeys` page, its JSON endpoints under `/v1/identity/me/webauthn/...`, and the
 * script the WebAuthn pages load. Each POST carries a CSRF token bound to the session.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

import type { RegistrationResponseJSON } from '@simplewebauthn/server'
import type { FastifyInstance, FastifyRequest } from 'fastify'

import { RampartError } from '../../platform/errors.js'
import type { Accounts } from '../accounts/accounts.js'
import { escapeHtml, layout, pageHeaders, scriptPageHeaders } from '../pages/html.js'
import { originOf } from '../pages/request-origin.js'
import type { SessionView, Sessions } from '../sessions/sessions.js'
import { readCookie, sessionCookieName } from '../sessions/sessions.js'
import type { WebAuthn } from './webauthn.js'
import { webauthnScript, webauthnScriptPath } from './webauthn-script.js'

export interface PasskeyRouteDeps {
  readonly sessions: Sessions
  readonly accounts: Accounts
  readonly webauthn: WebAuthn
  readonly csrfKey: Buffer
}

// TODO(#4): removing or renaming a passkey (here and in the admin API), and asking for the
// password again before a live session adds one.
const optionsUrl = '/v1/identity/me/webauthn/registration/options'
const verifyUrl = '/v1/identity/me/webauthn/registration'

interface CsrfBody {
  csrf?: unknown
  response?: unknown
}

const bodySchema = {
  type: 'object',
  properties: { csrf: { type: 'string', maxLength: 100 }, response: { type: 'object' } },
  required: ['csrf'],
} as const

function csrfFor(key: Buffer, sessionId: string): string {
  return createHmac('sha256', key).update(`passkeys:${sessionId}`).digest('base64url')
}

function checkCsrf(key: Buffer, session: SessionView, presented: unknown): void {
  const expected = Buffer.from(csrfFor(key, session.id))
  const given = Buffer.from(typeof presented === 'string' ? presented : '')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new RampartError('forbidden', 'the CSRF token is missing or wrong')
  }
}

export function registerPasskeyRoutes(server: FastifyInstance, deps: PasskeyRouteDeps): void {
  const required = async (request: FastifyRequest): Promise<SessionView> => {
    const cookie = readCookie(request.headers.cookie, sessionCookieName)
    const session = await deps.sessions.resolve(cookie)
    if (session === undefined) throw new RampartError('unauthorized', 'sign in first')
    return session
  }

  server.get(webauthnScriptPath, { schema: { hide: true } }, (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'max-age=3600')
      .header('x-content-type-options', 'nosniff')
      .send(webauthnScript),
  )

  server.get('/v1/identity/me/webauthn', { schema: { tags: ['identity'] } }, async (request) => {
    const session = await required(request)
    return { passkeys: await deps.webauthn.list(session.userId) }
  })

  server.post<{ Body: CsrfBody }>(
    optionsUrl,
    { schema: { tags: ['identity'], body: bodySchema } },
    async (request) => {
      const session = await required(request)
      checkCsrf(deps.csrfKey, session, request.body.csrf)
      const user = await deps.accounts.get(session.userId)
      return deps.webauthn.registrationOptions(user, session.id)
    },
  )

  server.post<{ Body: CsrfBody }>(
    verifyUrl,
    { schema: { tags: ['identity'], body: { ...bodySchema, required: ['csrf', 'response'] } } },
    async (request, reply) => {
      const session = await required(request)
      checkCsrf(deps.csrfKey, session, request.body.csrf)
      const user = await deps.accounts.get(session.userId)
      const response = request.body.response as RegistrationResponseJSON
      const passkey = await deps.webauthn.verifyRegistration(
        user,
        session.id,
        response,
        originOf(request),
      )
      return reply.code(201).send(passkey)
    },
  )

  server.get('/account/passkeys', { schema: { hide: true } }, async (request, reply) => {
    const cookie = readCookie(request.headers.cookie, sessionCookieName)
    const session = await deps.sessions.resolve(cookie)
    if (session === undefined) {
      return reply
        .code(401)
        .headers(pageHeaders)
        .send(layout('Passkeys', '<p role="alert">Sign in first.</p>'))
    }
    const passkeys = await deps.webauthn.list(session.userId)
    const items = passkeys
      .map((passkey) => `<li>Added ${escapeHtml(passkey.createdAt.slice(0, 10))}</li>`)
      .join('')
    const csrf = escapeHtml(csrfFor(deps.csrfKey, session.id))
    return reply
      .code(200)
      .headers(scriptPageHeaders)
      .send(
        layout(
          'Passkeys',
          `<p>You have ${passkeys.length} passkey${passkeys.length === 1 ? '' : 's'}.</p>
<ul>${items}</ul>
<div data-webauthn="register" data-csrf="${csrf}" data-options-url="${optionsUrl}"
 data-verify-url="${verifyUrl}">
<button type="button" data-start hidden>Add a passkey</button>
<p role="status"></p>
</div>
<script src="${webauthnScriptPath}" defer></script>`,
        ),
      )
  })
}

/**
 * The passkey half of the MFA step: the options the page script asks for and the signed
 * answer it posts back in a form. Shares the interaction's CSRF token, attempt counter and
 * login completion with the other interaction routes.
 */
import type { AuthenticationResponseJSON } from '@simplewebauthn/server'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type Provider from 'oidc-provider'

import { RampartError } from '../../platform/errors.js'
import type { MfaPending } from '../mfa/mfa-pending.js'
import type { WebAuthn } from '../mfa/webauthn.js'
import type { IdentityUsersTable } from '../store/tables.js'
import { pageHeaders } from './html.js'
import { renderMfa, tooManyAttempts } from './interaction-pages.js'
import { originOf } from './request-origin.js'

export interface PasskeyLoginContext {
  provider(): Provider
  readonly webauthn: WebAuthn
  readonly pending: MfaPending
  csrfFor(uid: string): string
  csrfValid(uid: string, presented: string | undefined): boolean
  sendMfa(
    reply: FastifyReply,
    uid: string,
    user: IdentityUsersTable,
    status: number,
    error?: string,
  ): Promise<FastifyReply>
  completeLogin(
    request: FastifyRequest<{ Params: Params }>,
    reply: FastifyReply,
    user: IdentityUsersTable,
    methods: string[],
  ): Promise<void>
}

interface Params {
  uid: string
}

type FormBody = Record<string, string | undefined>

function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).headers(pageHeaders).send(html)
}

/** The assertion the passkey script posts as JSON in the `response` field, if it is one. */
function parseAssertion(value: string | undefined): AuthenticationResponseJSON | undefined {
  if (value === undefined || value.length > 16_384) return undefined
  try {
    const parsed = JSON.parse(value) as unknown
    const usable = typeof parsed === 'object' && parsed !== null && 'id' in parsed
    return usable ? (parsed as AuthenticationResponseJSON) : undefined
  } catch {
    return undefined
  }
}

export function registerPasskeyLoginRoutes(
  scope: FastifyInstance,
  context: PasskeyLoginContext,
): void {
  scope.post<{ Params: Params; Body: { csrf?: unknown } }>(
    '/interaction/:uid/webauthn/options',
    { schema: { hide: true } },
    async (request, reply) => {
      const { uid } = request.params
      await context.provider().interactionDetails(request.raw, reply.raw)
      const presented = typeof request.body?.csrf === 'string' ? request.body.csrf : undefined
      if (!context.csrfValid(uid, presented)) {
        throw new RampartError('forbidden', 'the CSRF token is missing or wrong')
      }
      const user = await context.pending.find(uid)
      if (user === undefined) throw new RampartError('unauthorized', 'sign in again')
      return context.webauthn.authenticationOptions(uid, user)
    },
  )

  scope.post<{ Params: Params; Body: FormBody }>(
    '/interaction/:uid/webauthn',
    { schema: { hide: true } },
    async (request, reply) => {
      const { uid } = request.params
      await context.provider().interactionDetails(request.raw, reply.raw)
      const csrf = context.csrfFor(uid)
      const action = `/interaction/${uid}/mfa`
      if (!context.csrfValid(uid, request.body.csrf)) {
        return sendPage(reply, 403, renderMfa({ action, csrf, error: 'The form expired.' }))
      }
      const user = await context.pending.find(uid)
      if (user === undefined) {
        return sendPage(reply, 401, renderMfa({ action, csrf, error: 'Sign in again.' }))
      }
      try {
        const response = parseAssertion(request.body.response)
        await context.webauthn.verifyLogin(uid, user, response, originOf(request))
      } catch (error) {
        if (!(error instanceof RampartError) || error.code !== 'identity_webauthn_failed') {
          throw error
        }
        const attemptsLeft = await context.pending.fail(uid)
        if (attemptsLeft === 0) {
          return sendPage(reply, 401, renderMfa({ action, csrf, error: tooManyAttempts }))
        }
        return context.sendMfa(reply, uid, user, 401, 'That passkey could not be verified.')
      }
      await context.pending.clear(uid)
      await context.completeLogin(request, reply, user, ['pwd', 'hwk'])
      return reply
    },
  )
}

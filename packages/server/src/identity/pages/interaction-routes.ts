/**
 * The routes behind the provider's interactions (`/interaction/:uid`): the sign-in form, the
 * second factor when the account has one, and consent. Each step ends by handing the result
 * to the provider, which redirects the browser back into the authorization flow.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

import formbody from '@fastify/formbody'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type Provider from 'oidc-provider'
import type { InteractionResults } from 'oidc-provider'

import type { IdentityAudit } from '../audit-events.js'
import type { PasswordLogin } from '../accounts/login.js'
import type { MfaPending } from '../mfa/mfa-pending.js'
import type { Totp } from '../mfa/totp.js'
import type { WebAuthn } from '../mfa/webauthn.js'
import type { Sessions } from '../sessions/sessions.js'
import type { IdentityUsersTable } from '../store/tables.js'
import { pageHeaders, scriptPageHeaders, stylesheet, stylesheetPath } from './html.js'
import { renderConsent, renderLogin, renderMfa, tooManyAttempts } from './interaction-pages.js'
import { registerPasskeyLoginRoutes } from './passkey-login-routes.js'
import { originOf } from './request-origin.js'

export { originOf } from './request-origin.js'

export interface InteractionDeps {
  /** The running provider; undefined until the module started. */
  provider(): Provider
  readonly login: PasswordLogin
  readonly totp: Totp
  readonly pending: MfaPending
  readonly webauthn: WebAuthn
  readonly sessions: Sessions
  readonly audit: IdentityAudit
  readonly csrfKey: Buffer
  /** Who must have a second factor (`identity.mfa_required`). */
  readonly mfaRequired: 'none' | 'admins' | 'all'
}

interface Params {
  uid: string
}

type FormBody = Record<string, string | undefined>

const loginFailed = 'Incorrect email or password, or the account cannot sign in right now.'

function csrfFor(key: Buffer, uid: string): string {
  return createHmac('sha256', key).update(`interaction:${uid}`).digest('base64url')
}

function csrfValid(key: Buffer, uid: string, presented: string | undefined): boolean {
  const expected = Buffer.from(csrfFor(key, uid))
  const given = Buffer.from(presented ?? '')
  return given.length === expected.length && timingSafeEqual(given, expected)
}

function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).headers(pageHeaders).send(html)
}

export async function registerInteractionRoutes(
  server: FastifyInstance,
  deps: InteractionDeps,
): Promise<void> {
  await server.register(async (scope) => {
    await scope.register(formbody)

    scope.get(stylesheetPath, { schema: { hide: true } }, (_request, reply) =>
      reply
        .type('text/css; charset=utf-8')
        .header('cache-control', 'max-age=3600')
        .send(stylesheet),
    )

    const clientName = async (clientId: unknown): Promise<string> => {
      const client =
        typeof clientId === 'string' ? await deps.provider().Client.find(clientId) : undefined
      return client?.clientName ?? (typeof clientId === 'string' ? clientId : 'an application')
    }

    const finish = async (
      request: FastifyRequest,
      reply: FastifyReply,
      result: InteractionResults,
      merge: boolean,
    ): Promise<void> => {
      reply.hijack()
      await deps.provider().interactionFinished(request.raw, reply.raw, result, {
        mergeWithLastSubmission: merge,
      })
    }

    /** The second-factor page: the code form if the account has TOTP, a passkey button if any. */
    const sendMfa = async (
      reply: FastifyReply,
      uid: string,
      user: IdentityUsersTable,
      status: number,
      error?: string,
    ): Promise<FastifyReply> => {
      const hasPasskey = await deps.webauthn.hasPasskey(user.id)
      const html = renderMfa({
        action: `/interaction/${uid}/mfa`,
        csrf: csrfFor(deps.csrfKey, uid),
        totp: user.totp_secret_sealed !== null,
        ...(error === undefined ? {} : { error }),
        ...(hasPasskey
          ? {
              passkey: {
                optionsUrl: `/interaction/${uid}/webauthn/options`,
                action: `/interaction/${uid}/webauthn`,
              },
            }
          : {}),
      })
      return reply
        .code(status)
        .headers(hasPasskey ? scriptPageHeaders : pageHeaders)
        .send(html)
    }

    /** Login (and MFA) done: open a first-party session and hand the account to the provider. */
    const completeLogin = async (
      request: FastifyRequest<{ Params: Params }>,
      reply: FastifyReply,
      user: IdentityUsersTable,
      methods: string[],
    ): Promise<void> => {
      const origin = originOf(request)
      const session = await deps.sessions.create(user.id, methods, origin)
      deps.sessions.setCookie(reply, session.cookie, request)
      await deps.audit.record({
        type: 'auth.login.succeeded',
        action: 'login',
        actor: {
          type: 'user',
          id: user.id,
          sessionId: session.handle,
          authMethod: methods.join('.'),
        },
        outcome: 'success',
        origin,
      })
      // Hijacked replies skip Fastify's header handling: copy the cookie onto the raw reply.
      const cookie = reply.getHeader('set-cookie')
      if (cookie !== undefined) reply.raw.setHeader('set-cookie', cookie)
      await finish(request, reply, { login: { accountId: user.id, amr: methods } }, false)
    }

    scope.get<{ Params: Params }>(
      '/interaction/:uid',
      { schema: { hide: true } },
      async (request, reply) => {
        const { uid } = request.params
        const details = await deps.provider().interactionDetails(request.raw, reply.raw)
        const csrf = csrfFor(deps.csrfKey, uid)
        const name = await clientName(details.params.client_id)
        if (details.prompt.name === 'login') {
          const waiting = await deps.pending.find(uid)
          if (waiting !== undefined) return sendMfa(reply, uid, waiting, 200)
          return sendPage(
            reply,
            200,
            renderLogin({ action: `/interaction/${uid}/login`, csrf, clientName: name }),
          )
        }
        const scopes = [
          ...((details.prompt.details.missingOIDCScope as string[] | undefined) ?? []),
          ...Object.values(
            (details.prompt.details.missingResourceScopes as
              Record<string, string[]> | undefined) ?? {},
          ).flat(),
        ]
        return sendPage(
          reply,
          200,
          renderConsent({
            action: `/interaction/${uid}/confirm`,
            abortAction: `/interaction/${uid}/abort`,
            csrf,
            clientName: name,
            scopes: [...new Set(scopes)],
          }),
        )
      },
    )

    scope.post<{ Params: Params; Body: FormBody }>(
      '/interaction/:uid/login',
      { schema: { hide: true } },
      async (request, reply) => {
        const { uid } = request.params
        const details = await deps.provider().interactionDetails(request.raw, reply.raw)
        const csrf = csrfFor(deps.csrfKey, uid)
        if (details.prompt.name !== 'login' || !csrfValid(deps.csrfKey, uid, request.body.csrf)) {
          return sendPage(
            reply,
            403,
            renderLogin({
              action: `/interaction/${uid}/login`,
              csrf,
              clientName: await clientName(details.params.client_id),
              error: 'The form expired; please sign in again.',
            }),
          )
        }
        const email = (request.body.email ?? '').slice(0, 320)
        const password = (request.body.password ?? '').slice(0, 1024)
        const result = await deps.login.authenticate(email, password, originOf(request))
        if (!result.ok) {
          return sendPage(
            reply,
            401,
            renderLogin({
              action: `/interaction/${uid}/login`,
              csrf,
              clientName: await clientName(details.params.client_id),
              email,
              error: loginFailed,
            }),
          )
        }
        const user = result.user
        const mustHaveMfa =
          deps.mfaRequired === 'all' ||
          (deps.mfaRequired === 'admins' && Number(user.is_admin) === 1)
        const hasSecondFactor =
          user.totp_secret_sealed !== null || (await deps.webauthn.hasPasskey(user.id))
        if (mustHaveMfa && !hasSecondFactor) {
          await deps.audit.record({
            type: 'auth.login.failed',
            action: 'login',
            actor: { type: 'user', id: user.id, authMethod: 'password' },
            outcome: 'denied',
            reason: 'mfa_required',
            origin: originOf(request),
          })
          return sendPage(
            reply,
            403,
            renderLogin({
              action: `/interaction/${uid}/login`,
              csrf,
              clientName: await clientName(details.params.client_id),
              email,
              error:
                'This account must sign in with two-step verification, which is not set ' +
                'up yet. Ask an administrator to enrol it.',
            }),
          )
        }
        if (hasSecondFactor) {
          await deps.pending.start(uid, result.user.id)
          return sendMfa(reply, uid, user, 200)
        }
        await completeLogin(request, reply, result.user, ['pwd'])
        return reply
      },
    )

    scope.post<{ Params: Params; Body: FormBody }>(
      '/interaction/:uid/mfa',
      { schema: { hide: true } },
      async (request, reply) => {
        const { uid } = request.params
        await deps.provider().interactionDetails(request.raw, reply.raw)
        const csrf = csrfFor(deps.csrfKey, uid)
        const action = `/interaction/${uid}/mfa`
        if (!csrfValid(deps.csrfKey, uid, request.body.csrf)) {
          return sendPage(reply, 403, renderMfa({ action, csrf, error: 'The form expired.' }))
        }
        const user = await deps.pending.find(uid)
        if (user === undefined) {
          return sendPage(reply, 401, renderMfa({ action, csrf, error: 'Sign in again.' }))
        }
        const verified = await deps.totp.verifyLogin(
          user,
          request.body.code ?? '',
          originOf(request),
        )
        if (verified === undefined) {
          const attemptsLeft = await deps.pending.fail(uid)
          if (attemptsLeft === 0) {
            return sendPage(reply, 401, renderMfa({ action, csrf, error: tooManyAttempts }))
          }
          return sendMfa(reply, uid, user, 401, 'That code is not valid.')
        }
        await deps.pending.clear(uid)
        await completeLogin(request, reply, user, ['pwd', verified])
        return reply
      },
    )

    registerPasskeyLoginRoutes(scope, {
      provider: () => deps.provider(),
      webauthn: deps.webauthn,
      pending: deps.pending,
      csrfFor: (uid) => csrfFor(deps.csrfKey, uid),
      csrfValid: (uid, presented) => csrfValid(deps.csrfKey, uid, presented),
      sendMfa,
      completeLogin,
    })

    scope.post<{ Params: Params; Body: FormBody }>(
      '/interaction/:uid/confirm',
      { schema: { hide: true } },
      async (request, reply) => {
        const { uid } = request.params
        const provider = deps.provider()
        const details = await provider.interactionDetails(request.raw, reply.raw)
        if (details.prompt.name !== 'consent' || !csrfValid(deps.csrfKey, uid, request.body.csrf)) {
          return sendPage(
            reply,
            403,
            renderLogin({
              action: `/interaction/${uid}/login`,
              csrf: csrfFor(deps.csrfKey, uid),
              clientName: '',
              error: 'The form expired; start again from the application.',
            }),
          )
        }
        const accountId = details.session?.accountId
        const clientId = details.params.client_id
        if (typeof accountId !== 'string' || typeof clientId !== 'string') {
          return sendPage(
            reply,
            400,
            renderConsent({ action: '', abortAction: '', csrf: '', clientName: '', scopes: [] }),
          )
        }
        const grant =
          (details.grantId === undefined
            ? undefined
            : await provider.Grant.find(details.grantId)) ??
          new provider.Grant({ accountId, clientId })
        const missing = details.prompt.details
        const oidcScopes = (missing.missingOIDCScope as string[] | undefined) ?? []
        if (oidcScopes.length > 0) grant.addOIDCScope(oidcScopes.join(' '))
        const claims = (missing.missingOIDCClaims as string[] | undefined) ?? []
        if (claims.length > 0) grant.addOIDCClaims(claims)
        const resourceScopes =
          (missing.missingResourceScopes as Record<string, string[]> | undefined) ?? {}
        for (const [indicator, scopes] of Object.entries(resourceScopes)) {
          grant.addResourceScope(indicator, scopes.join(' '))
        }
        const grantId = await grant.save()
        await deps.audit.record({
          type: 'auth.consent.granted',
          action: 'grant',
          actor: { type: 'user', id: accountId },
          target: { type: 'client', id: clientId },
          outcome: 'success',
          origin: originOf(request),
          fields: { scopes: [...oidcScopes, ...Object.values(resourceScopes).flat()].join(' ') },
        })
        await finish(request, reply, { consent: { grantId } }, true)
        return reply
      },
    )

    scope.post<{ Params: Params; Body: FormBody }>(
      '/interaction/:uid/abort',
      { schema: { hide: true } },
      async (request, reply) => {
        const { uid } = request.params
        await deps.provider().interactionDetails(request.raw, reply.raw)
        if (!csrfValid(deps.csrfKey, uid, request.body.csrf)) {
          return sendPage(
            reply,
            403,
            renderMfa({ action: '', csrf: '', error: 'The form expired.' }),
          )
        }
        await finish(
          request,
          reply,
          { error: 'access_denied', error_description: 'the user denied the request' },
          false,
        )
        return reply
      },
    )
  })
}

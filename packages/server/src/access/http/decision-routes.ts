/**
 * The decision API: one check, a batch, a subject's permission map, and explanations. Every
 * answer carries the policy version it was computed at. Callers present `access.check_token`
 * (or the admin token), or an access token from Rampart's identity provider: with one, a
 * user or client asks about itself freely, and about other subjects only when a built-in role
 * gives it `access.decisions:check`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'

import { RampartError } from '../../platform/errors.js'
import type { AccessRequest, RequestContext, ResourceRef } from '@rampart/access-engine'
import type { RouteGuard } from '../guard/route-guard.js'
import { callerOf } from '../guard/route-guard.js'
import type { AccessService } from '../service.js'
import type { AccessTokens } from '../tokens.js'
import {
  checkBatchBody,
  checkBody,
  decisionSchema,
  MAX_BATCH_CHECKS,
  permissionsBody,
  problemResponses,
  security,
  tags,
} from './schemas.js'

interface ContextBody extends Omit<RequestContext, 'time'> {
  readonly time?: string
}

interface CheckBody extends Omit<AccessRequest, 'context'> {
  readonly context?: ContextBody
  readonly atLeastVersion?: number
}

interface PermissionsBody {
  readonly subject: string
  readonly tenant?: string
  readonly resources?: readonly ResourceRef[]
  readonly subjectAttributes?: Readonly<Record<string, unknown>>
  readonly context?: ContextBody
  readonly atLeastVersion?: number
}

function toContext(context: ContextBody | undefined): RequestContext | undefined {
  if (context === undefined) return undefined
  const { time, ...rest } = context
  return time === undefined ? rest : { ...rest, time: Date.parse(time) }
}

/** The body without `atLeastVersion`, which is about the answer rather than the question. */
function withoutVersion<T extends { readonly atLeastVersion?: number }>(
  body: T,
): Omit<T, 'atLeastVersion'> {
  const copy: { atLeastVersion?: number } = { ...body }
  delete copy.atLeastVersion
  return copy as Omit<T, 'atLeastVersion'>
}

function toRequest(body: CheckBody): AccessRequest {
  const { context, ...rest } = body
  const request = withoutVersion(rest)
  const converted = toContext(context)
  return converted === undefined ? request : { ...request, context: converted }
}

function consistencyOf(body: { readonly atLeastVersion?: number }) {
  return body.atLeastVersion === undefined ? {} : { atLeastVersion: body.atLeastVersion }
}

/** The permission to ask about subjects other than the caller. */
export const ASK_FOR_OTHERS = 'access.decisions:check'

export function registerDecisionRoutes(
  server: FastifyInstance,
  deps: {
    readonly access: AccessService
    readonly tokens: AccessTokens
    readonly guard: RouteGuard
  },
): void {
  const { access, tokens, guard } = deps
  const onRequest = guard.authenticate([
    { digest: tokens.check, setting: 'access.check_token' },
    { digest: tokens.admin, setting: 'access.admin_token' },
  ])
  const common = { tags, security }

  /** A caller with an access token asks about itself, or needs ASK_FOR_OTHERS. */
  const mayAsk = async (request: FastifyRequest, subjects: readonly string[]) => {
    const caller = callerOf(request)
    if (caller?.kind !== 'subject') return
    if (subjects.every((subject) => subject === caller.subject)) return
    await guard.demand(request, ASK_FOR_OTHERS)
  }

  server.post<{ Body: CheckBody }>(
    '/v1/access/check',
    {
      onRequest,
      schema: {
        ...common,
        summary: 'Whether a subject may do something',
        body: checkBody,
        response: { 200: decisionSchema, ...problemResponses },
      },
    },
    async (request) => {
      await mayAsk(request, [request.body.subject])
      return access.check(toRequest(request.body), consistencyOf(request.body))
    },
  )

  server.post<{ Body: { checks: CheckBody[]; atLeastVersion?: number } }>(
    '/v1/access/check-batch',
    {
      onRequest,
      schema: {
        ...common,
        summary: `Up to ${MAX_BATCH_CHECKS} checks at one policy version`,
        body: checkBatchBody,
        response: problemResponses,
      },
    },
    async (request) => {
      const { checks } = request.body
      if (checks.length > MAX_BATCH_CHECKS) {
        throw new RampartError(
          'access_batch_too_large',
          `${checks.length} checks in one batch; the limit is ${MAX_BATCH_CHECKS}`,
        )
      }
      await mayAsk(
        request,
        checks.map((check) => check.subject),
      )
      return access.checkBatch(checks.map(toRequest), consistencyOf(request.body))
    },
  )

  server.post<{ Body: PermissionsBody }>(
    '/v1/access/permissions',
    {
      onRequest,
      schema: {
        ...common,
        summary: "A subject's permissions, optionally per resource",
        body: permissionsBody,
        response: problemResponses,
      },
    },
    async (request) => {
      await mayAsk(request, [request.body.subject])
      const { context, ...rest } = request.body
      const query = withoutVersion(rest)
      const converted = toContext(context)
      return access.permissions(
        converted === undefined ? query : { ...query, context: converted },
        consistencyOf(request.body),
      )
    },
  )

  server.post<{ Body: CheckBody }>(
    '/v1/access/explain',
    {
      onRequest,
      schema: {
        ...common,
        summary: 'The bindings, roles, grants and conditions behind a decision',
        body: checkBody,
        response: problemResponses,
      },
    },
    async (request) => {
      await mayAsk(request, [request.body.subject])
      return access.explain(toRequest(request.body), consistencyOf(request.body))
    },
  )
}

/**
 * The decision API: one check, a batch, a subject's permission map, and explanations. Every
 * answer carries the policy version it was computed at.
 */
import type { FastifyInstance } from 'fastify'

import { RampartError } from '../../platform/errors.js'
import type { AccessRequest, RequestContext, ResourceRef } from '@rampart/access-engine'
import type { AccessService } from '../service.js'
import type { AccessTokens } from '../tokens.js'
import { requireAccessToken } from '../tokens.js'
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

export function registerDecisionRoutes(
  server: FastifyInstance,
  deps: { readonly access: AccessService; readonly tokens: AccessTokens },
): void {
  const { access, tokens } = deps
  const onRequest = requireAccessToken(tokens, 'check')
  const common = { tags, security }

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
    (request) => access.check(toRequest(request.body), consistencyOf(request.body)),
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
    (request) => {
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
    (request) => access.explain(toRequest(request.body), consistencyOf(request.body)),
  )
}

/**
 * The identity admin API under `/v1/identity`: users, their sessions, MFA and tokens;
 * OAuth clients and their secrets; resource servers; the signing keys. Every change is an
 * audit event with the admin token as actor.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'

import type { RouteGuard } from '../../access/index.js'
import { permissionByRoute } from '../../access/index.js'
import { RampartError } from '../../platform/errors.js'
import type { Accounts } from '../accounts/accounts.js'
import { toUser } from '../accounts/accounts.js'
import type { LoginThrottle } from '../accounts/throttle.js'
import type { IdentityAudit, IdentityFact } from '../audit-events.js'
import type { Clients } from '../clients/clients.js'
import type { ResourceServers } from '../clients/resource-servers.js'
import type { Totp } from '../mfa/totp.js'
import { originOf } from '../pages/interaction-routes.js'
import { listSigningKeys } from '../provider/signing-keys.js'
import type { Sessions } from '../sessions/sessions.js'
import type { IdentityDb } from '../store/tables.js'
import type { JwtAccessTokens } from '../tokens/jwt-access-tokens.js'
import { revokeUserTokens } from './revoke-user.js'

export interface AdminDeps {
  readonly db: IdentityDb
  readonly accounts: Accounts
  readonly clients: Clients
  readonly resourceServers: ResourceServers
  readonly jwtAccessTokens: JwtAccessTokens
  readonly sessions: Sessions
  readonly totp: Totp
  readonly throttle: LoginThrottle
  readonly audit: IdentityAudit
  readonly adminToken: Buffer | undefined
  readonly guard: RouteGuard
  readonly issuer: () => string
}

interface IdParams {
  id: string
}

// TODO(#5): name the caller the access gate admitted (`callerOf(request)`) instead of the
// admin token, now that access tokens with a built-in role pass it too.
const admin = { type: 'service', name: 'identity admin token' } as const

const newUserSchema = {
  type: 'object',
  required: ['email'],
  additionalProperties: false,
  properties: {
    email: { type: 'string', minLength: 3, maxLength: 254 },
    name: { type: 'string', maxLength: 200 },
    password: { type: 'string', maxLength: 1024 },
    passwordHash: { type: 'string', maxLength: 256 },
    isAdmin: { type: 'boolean' },
  },
} as const

const userPatchSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: ['string', 'null'], maxLength: 200 },
    status: { type: 'string', enum: ['active', 'disabled'] },
    isAdmin: { type: 'boolean' },
  },
} as const

const passwordSchema = {
  type: 'object',
  required: ['password'],
  additionalProperties: false,
  properties: { password: { type: 'string', maxLength: 1024 } },
} as const

const codeSchema = {
  type: 'object',
  required: ['code'],
  additionalProperties: false,
  properties: { code: { type: 'string', maxLength: 32 } },
} as const

export async function registerAdminRoutes(server: FastifyInstance, deps: AdminDeps): Promise<void> {
  const { accounts, audit } = deps
  const record = (request: FastifyRequest, fact: Omit<IdentityFact, 'actor' | 'origin'>) =>
    audit.record({ ...fact, actor: admin, origin: originOf(request) })

  await server.register(
    (scope, _options, done) => {
      const bootstrap = { digest: deps.adminToken, setting: 'identity.admin_token' }
      scope.addHook('onRequest', deps.guard.require(permissionByRoute('identity'), bootstrap))
      const tags = ['identity']

      scope.get('/users', { schema: { tags } }, async () => ({ users: await accounts.list(1000) }))

      scope.post<{
        Body: {
          email: string
          name?: string
          password?: string
          passwordHash?: string
          isAdmin?: boolean
        }
      }>('/users', { schema: { tags, body: newUserSchema } }, async (request, reply) => {
        const user = await accounts.create(request.body)
        await record(request, {
          type: 'identity.user.created',
          action: 'create',
          target: { type: 'user', id: user.id },
          outcome: 'success',
          fields: {
            admin: user.isAdmin,
            passwordSet: user.hasPassword,
            passwordImported: request.body.passwordHash !== undefined,
          },
        })
        return reply.code(201).send(user)
      })

      scope.get<{ Params: IdParams }>('/users/:id', { schema: { tags } }, async (request) =>
        toUser(await accounts.get(request.params.id)),
      )

      scope.patch<{
        Params: IdParams
        Body: { name?: string | null; status?: 'active' | 'disabled'; isAdmin?: boolean }
      }>('/users/:id', { schema: { tags, body: userPatchSchema } }, async (request) => {
        const user = await accounts.update(request.params.id, request.body)
        if (request.body.status === 'disabled') await revokeUserTokens(deps, user.id)
        // A change of privilege ends the user's sessions: the next sign-in gets a new id.
        else if (request.body.isAdmin !== undefined) await deps.sessions.revokeAll(user.id)
        await record(request, {
          type:
            request.body.status === 'disabled' ? 'identity.user.disabled' : 'identity.user.updated',
          action: 'update',
          target: { type: 'user', id: user.id },
          outcome: 'success',
          fields: { changed: Object.keys(request.body).join(',') },
        })
        return user
      })

      scope.delete<{ Params: IdParams }>(
        '/users/:id',
        { schema: { tags } },
        async (request, reply) => {
          await revokeUserTokens(deps, request.params.id)
          await accounts.delete(request.params.id)
          await record(request, {
            type: 'identity.user.deleted',
            action: 'delete',
            target: { type: 'user', id: request.params.id },
            outcome: 'success',
          })
          return reply.code(204).send()
        },
      )

      scope.put<{ Params: IdParams; Body: { password: string } }>(
        '/users/:id/password',
        { schema: { tags, body: passwordSchema } },
        async (request, reply) => {
          await accounts.setPassword(request.params.id, request.body.password)
          await deps.sessions.revokeAll(request.params.id)
          await record(request, {
            type: 'auth.password.changed',
            action: 'reset',
            target: { type: 'user', id: request.params.id },
            outcome: 'success',
          })
          return reply.code(204).send()
        },
      )

      scope.post<{ Params: IdParams }>(
        '/users/:id/revoke',
        { schema: { tags } },
        async (request) => {
          await accounts.get(request.params.id)
          const revoked = await revokeUserTokens(deps, request.params.id)
          await record(request, {
            type: 'auth.session.revoked',
            action: 'revoke_all',
            target: { type: 'user', id: request.params.id },
            outcome: 'success',
            fields: { sessions: revoked.sessions, artefacts: revoked.artefacts },
          })
          return revoked
        },
      )

      scope.post<{ Params: IdParams }>(
        '/users/:id/unlock',
        { schema: { tags } },
        async (request, reply) => {
          const user = await accounts.get(request.params.id)
          await deps.throttle.unlock(user.email)
          await record(request, {
            type: 'auth.account.unlocked',
            action: 'unlock',
            target: { type: 'user', id: user.id },
            outcome: 'success',
          })
          return reply.code(204).send()
        },
      )

      scope.get<{ Params: IdParams }>(
        '/users/:id/sessions',
        { schema: { tags } },
        async (request) => {
          await accounts.get(request.params.id)
          return { sessions: await deps.sessions.list(request.params.id) }
        },
      )

      scope.delete<{ Params: IdParams & { session: string } }>(
        '/users/:id/sessions/:session',
        { schema: { tags } },
        async (request, reply) => {
          const { id, session } = request.params
          if (!(await deps.sessions.revoke(id, session, originOf(request)))) {
            throw new RampartError('not_found', 'no such session')
          }
          return reply.code(204).send()
        },
      )

      scope.post<{ Params: IdParams }>(
        '/users/:id/mfa/totp',
        { schema: { tags } },
        async (request, reply) => {
          const user = await accounts.get(request.params.id)
          return reply.code(201).send(await deps.totp.begin(user, new URL(deps.issuer()).host))
        },
      )

      scope.post<{ Params: IdParams; Body: { code: string } }>(
        '/users/:id/mfa/totp/confirm',
        { schema: { tags, body: codeSchema } },
        async (request) => {
          const user = await accounts.get(request.params.id)
          const recoveryCodes = await deps.totp.confirm(user, request.body.code, originOf(request))
          return { recoveryCodes }
        },
      )

      scope.delete<{ Params: IdParams }>(
        '/users/:id/mfa/totp',
        { schema: { tags } },
        async (request, reply) => {
          await accounts.get(request.params.id)
          await deps.totp.remove(request.params.id)
          await record(request, {
            type: 'auth.mfa.removed',
            action: 'remove',
            target: { type: 'user', id: request.params.id },
            outcome: 'success',
            fields: { method: 'totp' },
          })
          return reply.code(204).send()
        },
      )

      scope.get('/clients', { schema: { tags } }, async () => ({
        clients: await deps.clients.list(),
      }))

      scope.post('/clients', { schema: { tags } }, async (request, reply) => {
        const client = await deps.clients.create(request.body)
        await record(request, {
          type: 'identity.client.created',
          action: 'create',
          target: { type: 'client', id: client.clientId, name: client.name },
          outcome: 'success',
          fields: { clientType: client.type, grantTypes: client.grantTypes.join(' ') },
        })
        return reply.code(201).send(client)
      })

      scope.get<{ Params: IdParams }>('/clients/:id', { schema: { tags } }, async (request) =>
        deps.clients.get(request.params.id),
      )

      scope.delete<{ Params: IdParams }>(
        '/clients/:id',
        { schema: { tags } },
        async (request, reply) => {
          await deps.clients.delete(request.params.id)
          await record(request, {
            type: 'identity.client.deleted',
            action: 'delete',
            target: { type: 'client', id: request.params.id },
            outcome: 'success',
          })
          return reply.code(204).send()
        },
      )

      scope.post<{ Params: IdParams }>(
        '/clients/:id/secret',
        { schema: { tags } },
        async (request) => {
          const client = await deps.clients.rotateSecret(request.params.id)
          await record(request, {
            type: 'identity.client.secret_rotated',
            action: 'rotate',
            target: { type: 'client', id: client.clientId },
            outcome: 'success',
          })
          return client
        },
      )

      scope.get('/resource-servers', { schema: { tags } }, async () => ({
        resourceServers: await deps.resourceServers.list(),
      }))

      scope.post('/resource-servers', { schema: { tags } }, async (request, reply) => {
        const created = await deps.resourceServers.create(request.body)
        await record(request, {
          type: 'identity.resource_server.created',
          action: 'create',
          target: { type: 'resource_server', id: created.audience, name: created.name },
          outcome: 'success',
        })
        return reply.code(201).send(created)
      })

      scope.delete<{ Querystring: { audience?: string } }>(
        '/resource-servers',
        { schema: { tags } },
        async (request, reply) => {
          const audience = request.query.audience
          if (audience === undefined) throw new RampartError('bad_request', 'audience is required')
          await deps.resourceServers.delete(audience)
          await record(request, {
            type: 'identity.resource_server.deleted',
            action: 'delete',
            target: { type: 'resource_server', id: audience },
            outcome: 'success',
          })
          return reply.code(204).send()
        },
      )

      scope.get('/keys', { schema: { tags } }, async () => ({
        keys: (await listSigningKeys(deps.db)).map((key) => ({
          kid: key.kid,
          status: key.status,
          createdAt: new Date(key.createdAt).toISOString(),
          retiredAt: key.retiredAt === null ? null : new Date(key.retiredAt).toISOString(),
        })),
      }))
      done()
    },
    { prefix: '/v1/identity' },
  )
}

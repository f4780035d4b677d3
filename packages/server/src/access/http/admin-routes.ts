/**
 * The policy admin API: roles, bindings, grants and groups. Every change answers with the
 * policy version it committed as, which a caller passes as `atLeastVersion` to read its write.
 */
import type { FastifyInstance } from 'fastify'

import type { PolicyChanges } from '../store/policy-changes.js'
import type { BindingInput, GrantInput } from '../store/bindings.js'
import { createBinding, createGrant, deleteBinding, deleteGrant } from '../store/bindings.js'
import type { GroupInput } from '../store/groups.js'
import { deleteGroup, putGroup, readGroup } from '../store/groups.js'
import { readSnapshot } from '../store/read-snapshot.js'
import type { RoleInput } from '../store/roles.js'
import { deleteRole, putRole, readRole } from '../store/roles.js'
import { RampartError } from '../../platform/errors.js'
import type { RouteGuard } from '../guard/route-guard.js'
import { permissionByMethod } from '../guard/route-permission.js'
import type { AccessTokens } from '../tokens.js'
import { actorOf } from './actor.js'
import {
  bindingBody,
  cascadeQuery,
  grantBody,
  groupBody,
  idParams,
  problemResponses,
  roleBody,
  roleNameParams,
  security,
  tags,
} from './schemas.js'

export interface AdminRouteDeps {
  readonly changes: PolicyChanges
  readonly tokens: AccessTokens
  readonly guard: RouteGuard
}

type Scoped<T> = Omit<T, 'expiresAt'> & { expiresAt?: string | null }

function expiry(value: string | null | undefined): number | null {
  if (value === undefined || value === null) return null
  return Date.parse(value)
}

export function registerAdminRoutes(server: FastifyInstance, deps: AdminRouteDeps): void {
  const { changes, tokens, guard } = deps
  const onRequest = guard.require(permissionByMethod('access.policy'), {
    digest: tokens.admin,
    setting: 'access.admin_token',
  })
  const common = { tags, security, response: problemResponses }

  server.get(
    '/v1/access/roles',
    { onRequest, schema: { ...common, summary: 'Every role' } },
    async () => {
      const snapshot = await readSnapshot(changes.db, changes.dialect)
      return { version: snapshot.version, roles: snapshot.roles }
    },
  )

  server.get<{ Params: { name: string } }>(
    '/v1/access/roles/:name',
    { onRequest, schema: { ...common, summary: 'One role', params: roleNameParams } },
    async (request) => {
      const role = await readRole(changes.db, request.params.name)
      if (role === undefined) throw new RampartError('not_found', `no role ${request.params.name}`)
      return role
    },
  )

  server.put<{ Params: { name: string }; Body: RoleInput }>(
    '/v1/access/roles/:name',
    {
      onRequest,
      schema: {
        ...common,
        summary: 'Create or replace a role',
        params: roleNameParams,
        body: roleBody,
      },
    },
    async (request) => {
      const { result, version } = await putRole(
        changes,
        actorOf(request),
        request.params.name,
        request.body,
      )
      return { version, role: result }
    },
  )

  server.delete<{ Params: { name: string }; Querystring: { cascade?: string } }>(
    '/v1/access/roles/:name',
    {
      onRequest,
      schema: {
        ...common,
        summary: 'Delete a role; refused while bound unless ?cascade=true',
        params: roleNameParams,
        querystring: cascadeQuery,
      },
    },
    async (request) => {
      const cascade = request.query.cascade === 'true'
      const { result, version } = await deleteRole(
        changes,
        actorOf(request),
        request.params.name,
        cascade,
      )
      return { version, removedBindings: result.bindings, unlinkedRoles: result.children }
    },
  )

  server.get<{ Querystring: { subject?: string; role?: string } }>(
    '/v1/access/bindings',
    { onRequest, schema: { ...common, summary: 'Bindings, optionally of one subject or role' } },
    async (request) => {
      const { subject, role } = request.query
      const snapshot = await readSnapshot(changes.db, changes.dialect)
      const bindings = snapshot.bindings.filter(
        (binding) =>
          (subject === undefined || binding.subject === subject) &&
          (role === undefined || binding.role === role),
      )
      return { version: snapshot.version, bindings }
    },
  )

  server.post<{ Body: Scoped<BindingInput> }>(
    '/v1/access/bindings',
    { onRequest, schema: { ...common, summary: 'Bind a subject to a role', body: bindingBody } },
    async (request, reply) => {
      const input = { ...request.body, expiresAt: expiry(request.body.expiresAt) }
      const { result, version } = await createBinding(changes, actorOf(request), input)
      return reply.code(201).send({ version, binding: result })
    },
  )

  server.delete<{ Params: { id: string } }>(
    '/v1/access/bindings/:id',
    { onRequest, schema: { ...common, summary: 'Remove a binding', params: idParams } },
    async (request) => {
      const { version } = await deleteBinding(changes, actorOf(request), request.params.id)
      return { version }
    },
  )

  server.get<{ Querystring: { subject?: string } }>(
    '/v1/access/grants',
    { onRequest, schema: { ...common, summary: 'Direct grants, optionally of one subject' } },
    async (request) => {
      const snapshot = await readSnapshot(changes.db, changes.dialect)
      const { subject } = request.query
      const grants = snapshot.grants.filter((g) => subject === undefined || g.subject === subject)
      return { version: snapshot.version, grants }
    },
  )

  server.post<{ Body: Scoped<GrantInput> }>(
    '/v1/access/grants',
    {
      onRequest,
      schema: { ...common, summary: 'Allow or deny a subject directly', body: grantBody },
    },
    async (request, reply) => {
      const input = { ...request.body, expiresAt: expiry(request.body.expiresAt) }
      const { result, version } = await createGrant(changes, actorOf(request), input)
      return reply.code(201).send({ version, grant: result })
    },
  )

  server.delete<{ Params: { id: string } }>(
    '/v1/access/grants/:id',
    { onRequest, schema: { ...common, summary: 'Remove a grant', params: idParams } },
    async (request) => {
      const { version } = await deleteGrant(changes, actorOf(request), request.params.id)
      return { version }
    },
  )

  server.get<{ Params: { id: string } }>(
    '/v1/access/groups/:id',
    { onRequest, schema: { ...common, summary: 'One group and its members', params: idParams } },
    async (request) => {
      const group = await readGroup(changes.db, request.params.id)
      if (group === undefined) throw new RampartError('not_found', `no group ${request.params.id}`)
      return group
    },
  )

  server.put<{ Params: { id: string }; Body: GroupInput }>(
    '/v1/access/groups/:id',
    {
      onRequest,
      schema: {
        ...common,
        summary: 'Create or replace a group',
        params: idParams,
        body: groupBody,
      },
    },
    async (request) => {
      const { result, version } = await putGroup(
        changes,
        actorOf(request),
        request.params.id,
        request.body,
      )
      return { version, group: result }
    },
  )

  server.delete<{ Params: { id: string }; Querystring: { cascade?: string } }>(
    '/v1/access/groups/:id',
    {
      onRequest,
      schema: { ...common, summary: 'Delete a group', params: idParams, querystring: cascadeQuery },
    },
    async (request) => {
      const cascade = request.query.cascade === 'true'
      const { result, version } = await deleteGroup(
        changes,
        actorOf(request),
        request.params.id,
        cascade,
      )
      return { version, removed: result.removed }
    },
  )
}

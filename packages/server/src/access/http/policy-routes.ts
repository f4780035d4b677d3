/**
 * The whole policy as one document: `GET /v1/access/policy` exports it (YAML when the client
 * accepts `application/yaml`, JSON otherwise) and `PUT` replaces the policy with one, YAML or
 * JSON; `?dryRun=true` answers with the diff and changes nothing. `If-Match` with the ETag of
 * an export makes the import refuse (412) if the policy changed since.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { parseDocument } from 'yaml'

import { RampartError } from '../../platform/errors.js'
import { documentOf, documentToYaml } from '../policy-document/document.js'
import type { ReservedRoles } from '../policy-document/read-document.js'
import { readPolicyDocument } from '../policy-document/read-document.js'
import { importPolicy } from '../store/import-policy.js'
import type { PolicyChanges } from '../store/policy-changes.js'
import { readSnapshot } from '../store/read-snapshot.js'
import type { RouteGuard } from '../guard/route-guard.js'
import { permissionByMethod } from '../guard/route-permission.js'
import type { AccessTokens } from '../tokens.js'
import { actorOf } from './actor.js'
import { problemResponses, security, tags } from './schemas.js'

export interface PolicyRouteDeps {
  readonly changes: PolicyChanges
  readonly tokens: AccessTokens
  readonly guard: RouteGuard
  /** Roles Rampart defines itself: left out of exports, refused in imports. */
  readonly reserved: ReservedRoles
}

const yamlTypes = ['application/yaml', 'application/x-yaml', 'text/yaml']

function wantsYaml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? ''
  return yamlTypes.some((type) => accept.includes(type))
}

/** Parses a YAML body; a syntax error names its line and column. */
function parseYaml(text: string): unknown {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true })
  const errors = document.errors.map((error) => {
    const at = error.linePos?.[0]
    const where = at === undefined ? '' : `${at.line}:${at.col}: `
    const text = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:$/, '')
    return { field: '(document)', message: `${where}${text}` }
  })
  const first = errors[0]
  if (first !== undefined) {
    throw new RampartError('access_policy_invalid', `not valid YAML: ${first.message}`, { errors })
  }
  try {
    return document.toJS({ maxAliasCount: 100 }) as unknown
  } catch (error) {
    // yaml throws a ReferenceError when aliases expand past the limit (a "billion laughs"
    // document): bad input from the client, not a failure of the server.
    const reason = 'aliases expand to more than 100 nodes; write the repeated parts out'
    throw new RampartError('access_policy_invalid', `not valid YAML: ${reason}`, {
      errors: [{ field: '(document)', message: reason }],
      cause: error,
    })
  }
}

/** The version an `If-Match: "v<version>"` names (the ETag of an export). */
function versionOf(header: string | undefined): number | undefined {
  if (header === undefined) return undefined
  const match = /^(?:W\/)?"v(\d{1,15})"$/.exec(header.trim())
  if (match === null) {
    throw new RampartError('bad_request', 'If-Match must be the ETag of an export, like "v12"')
  }
  return Number(match[1])
}

const dryRunQuery = {
  type: 'object',
  properties: { dryRun: { type: 'string', enum: ['true', 'false'] } },
} as const

export async function registerPolicyRoutes(
  server: FastifyInstance,
  deps: PolicyRouteDeps,
): Promise<void> {
  const { changes, tokens, guard, reserved } = deps
  const onRequest = guard.require(permissionByMethod('access.policy'), {
    digest: tokens.admin,
    setting: 'access.admin_token',
  })
  const include = (role: string) => !reserved.has(role)

  server.get(
    '/v1/access/policy',
    {
      onRequest,
      schema: {
        tags,
        security,
        summary: 'The whole policy as one document (YAML with Accept: application/yaml)',
        response: problemResponses,
      },
    },
    async (request, reply: FastifyReply) => {
      const snapshot = await readSnapshot(changes.db, changes.dialect)
      const document = documentOf(snapshot, include)
      void reply.header('etag', `"v${snapshot.version}"`).header('vary', 'accept')
      if (!wantsYaml(request)) return document
      return reply.type('application/yaml; charset=utf-8').send(documentToYaml(document))
    },
  )

  await server.register((scope, _options, done) => {
    scope.addContentTypeParser(yamlTypes, { parseAs: 'string' }, (_request, body, parsed) => {
      try {
        parsed(null, parseYaml(body as string))
      } catch (error) {
        parsed(error as Error)
      }
    })

    scope.put<{ Querystring: { dryRun?: string }; Body: unknown }>(
      '/v1/access/policy',
      {
        onRequest,
        schema: {
          tags,
          security,
          summary: 'Replace the whole policy with a document; ?dryRun=true only diffs',
          querystring: dryRunQuery,
          response: problemResponses,
        },
      },
      async (request) => {
        const read = readPolicyDocument(request.body, reserved)
        const dryRun = request.query.dryRun === 'true'
        const expectedVersion = versionOf(request.headers['if-match'])
        return importPolicy(changes, actorOf(request), read, { dryRun, include, expectedVersion })
      },
    )
    done()
  })
}

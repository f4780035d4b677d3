/**
 * `/v1/alerting/rule-groups`: rule groups managed through the API, one Prometheus rule group
 * per `{namespace}/{group}`, given as YAML or JSON. A group is validated exactly as a group
 * of a rule file; a bad one is refused with every problem and the running rules stay as they
 * were. Every change is audited in the transaction that makes it.
 */
import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { isMap, LineCounter, parseDocument, stringify } from 'yaml'
import type { AuditEventInput } from '../../audit/event.js'
import type { AuditEvents } from '../../audit/module.js'
import type { Clock } from '../../platform/clock.js'
import { RampartError } from '../../platform/errors.js'
import { problemSchema } from '../../platform/problem.js'
import type { ApiRuleGroups } from '../rules/api-rule-groups.js'
import { apiRuleFile } from '../rules/api-rule-groups.js'
import type { RuleFileIssue } from '../rules/rule-file.js'
import { formatIssue, RuleFileError } from '../rules/rule-file.js'
import { yamlValue } from '../rules/yaml-value.js'
import type {
  AlertingTransaction,
  RuleGroupAction,
  RuleGroupStore,
  StoredRuleGroup,
} from '../rules/rule-group-store.js'

export interface RuleGroupApiDeps {
  readonly store: RuleGroupStore
  readonly groups: ApiRuleGroups
  /** Loads the stored groups into evaluation after a change. */
  readonly apply: () => Promise<void>
  readonly events: Pick<AuditEvents, 'append'>
  readonly clock: Clock
}

type Params = { namespace: string; group: string }

const params = {
  type: 'object',
  required: ['namespace', 'group'],
  properties: {
    namespace: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$' },
    group: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const

const common = {
  tags: ['alerting'],
  security: [{ bearerAuth: [] }],
  response: { 400: problemSchema, 401: problemSchema, 404: problemSchema },
}

const yamlTypes = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain']

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The group in a request body: parsed YAML text, or the JSON Fastify parsed. */
function definitionOf(body: unknown, namespace: string, name: string): Record<string, unknown> {
  const file = apiRuleFile(namespace)
  let value = body
  if (typeof body === 'string') {
    const lines = new LineCounter()
    const document = parseDocument(body, { lineCounter: lines, uniqueKeys: true })
    const issues: RuleFileIssue[] = document.errors.map((error) => ({
      file,
      line: lines.linePos(error.pos[0]).line,
      reason: error.message.split('\n')[0] ?? '',
    }))
    if (issues.length > 0) throw new RuleFileError(issues)
    value = isMap(document.contents) ? yamlValue(document, file, name) : undefined
  }
  const issue = (reason: string): RuleFileError =>
    new RuleFileError([{ file, group: name, reason }])
  if (!isRecord(value)) throw issue('the body must be one rule group: a map with rules')
  if (value.name === undefined) return { name, ...value }
  if (value.name !== name) {
    throw issue(`the body names group ${JSON.stringify(value.name)}, the path ${name}`)
  }
  return value
}

function invalid(error: RuleFileError): RampartError {
  return new RampartError(
    'alerting_rules_invalid',
    'the rule group is invalid; the previous rules keep running',
    { errors: error.issues.map((issue) => ({ field: issue.file, message: formatIssue(issue) })) },
  )
}

function viewOf(
  group: StoredRuleGroup,
  problems: readonly string[] | undefined,
): Record<string, unknown> {
  return {
    namespace: group.namespace,
    name: group.name,
    version: group.version,
    evaluated: problems === undefined,
    ...(problems === undefined ? {} : { problems }),
    createdAt: new Date(group.createdAtMs).toISOString(),
    updatedAt: new Date(group.updatedAtMs).toISOString(),
    group: group.definition,
  }
}

const pastTense: Record<RuleGroupAction, string> = {
  create: 'created',
  update: 'updated',
  delete: 'deleted',
}

// TODO(#8): nothing bounds how many groups or rules the API stores besides the body size
// limit; a per-namespace quota needs a configuration setting first.
export function registerRuleGroupApi(scope: FastifyInstance, deps: RuleGroupApiDeps): void {
  const view = (group: StoredRuleGroup): Record<string, unknown> =>
    viewOf(group, deps.groups.problemsOf(group.namespace, group.name))

  scope.addContentTypeParser(yamlTypes, { parseAs: 'string' }, (_request, body, done) => {
    done(null, body)
  })

  const eventOf = (
    request: FastifyRequest,
    namespace: string,
    name: string,
  ): Omit<AuditEventInput, 'type' | 'action' | 'outcome'> => {
    const userAgent = request.headers['user-agent']
    return {
      occurredAt: new Date(deps.clock.now()).toISOString(),
      // TODO(#5): the authenticated user or client once alerting authorises through access.
      actor: { type: 'service', id: 'alerting.api_token', authMethod: 'bearer_token' },
      source: { ip: request.ip, ...(userAgent === undefined ? {} : { userAgent }) },
      requestId: request.id,
      target: { type: 'rule_group', id: `${namespace}/${name}`, name },
    }
  }

  const recordChange =
    (request: FastifyRequest) =>
    async (
      change: { action: RuleGroupAction; group: StoredRuleGroup },
      transaction: AlertingTransaction,
    ): Promise<void> => {
      const { group, action } = change
      const definition = JSON.stringify(group.definition)
      const event: AuditEventInput = {
        ...eventOf(request, group.namespace, group.name),
        type: `alerting.rule_group.${pastTense[action]}`,
        action,
        outcome: { status: 'success' },
        fields: {
          namespace: group.namespace,
          group: group.name,
          version: group.version,
          definitionSha256: createHash('sha256').update(definition).digest('hex'),
          // What the group says, for change review; bounded like every event's fields.
          ...(action === 'delete' ? {} : { definition: definition.slice(0, 8000) }),
        },
      }
      // In the transaction of the change: the change and its record commit together.
      await deps.events.append(event, transaction)
    }

  const recordRejected = async (
    request: FastifyRequest,
    { namespace, group }: Params,
    error: RuleFileError,
  ): Promise<void> => {
    try {
      await deps.events.append({
        ...eventOf(request, namespace, group),
        type: 'alerting.rule_group.rejected',
        action: 'update',
        outcome: {
          status: 'failure',
          reason: formatIssue(error.issues[0] ?? { file: '', reason: '' }).slice(0, 200),
        },
        fields: { issues: error.issues.slice(0, 20).map(formatIssue) },
      })
    } catch (auditError) {
      request.log.error({ err: auditError }, 'rejected rule group change not audited')
    }
  }

  scope.get(
    '/rule-groups',
    { schema: { ...common, summary: 'Rule groups managed through the API' } },
    async (request) => {
      const { namespace } = request.query as { namespace?: unknown }
      // Loaded first, so `evaluated` speaks of what this replica has loaded now.
      await deps.apply()
      const all = await deps.store.list()
      const wanted =
        typeof namespace === 'string' ? all.filter((g) => g.namespace === namespace) : all
      return { groups: wanted.map(view) }
    },
  )

  scope.get<{ Params: Params }>(
    '/rule-groups/:namespace/:group',
    {
      schema: { ...common, summary: 'One rule group (YAML with Accept: application/yaml)', params },
    },
    async (request, reply) => {
      const { namespace, group } = request.params
      const stored = await deps.store.get(namespace, group)
      if (stored === undefined) {
        throw new RampartError(
          'alerting_rule_group_not_found',
          `no rule group ${namespace}/${group}`,
        )
      }
      if ((request.headers.accept ?? '').includes('yaml')) {
        return reply.type('application/yaml').send(stringify(stored.definition))
      }
      await deps.apply()
      return view(stored)
    },
  )

  scope.put<{ Params: Params }>(
    '/rule-groups/:namespace/:group',
    { schema: { ...common, summary: 'Create or replace a rule group (YAML or JSON)', params } },
    async (request, reply) => {
      const { namespace, group } = request.params
      let definition: Record<string, unknown>
      try {
        definition = definitionOf(request.body, namespace, group)
        deps.groups.validate(namespace, definition)
      } catch (error) {
        if (!(error instanceof RuleFileError)) throw error
        await recordRejected(request, request.params, error)
        throw invalid(error)
      }
      const result = await deps.store.put(namespace, group, definition, recordChange(request))
      await deps.apply()
      return reply.status(result.action === 'create' ? 201 : 200).send(view(result.group))
    },
  )

  scope.delete<{ Params: Params }>(
    '/rule-groups/:namespace/:group',
    { schema: { ...common, summary: 'Delete a rule group', params } },
    async (request, reply) => {
      const { namespace, group } = request.params
      const deleted = await deps.store.delete(namespace, group, recordChange(request))
      if (deleted === undefined) {
        throw new RampartError(
          'alerting_rule_group_not_found',
          `no rule group ${namespace}/${group}`,
        )
      }
      await deps.apply()
      return reply.status(204).send()
    },
  )
}

/**
 * Reads a policy document someone wrote (parsed from YAML or JSON) into its normal form, or
 * refuses it with every problem found, each named by its path in the document
 * (`roles[2].permissions[0].condition`). Only the document itself is consulted: it is the
 * whole policy, so every role, group and subject it refers to must be in it.
 */
import type { FieldError } from '../../platform/errors.js'
import { RampartError } from '../../platform/errors.js'
import {
  findRoleCycle,
  permissionProblem,
  resourceInstanceProblem,
  subjectProblem,
} from '@rampart/access-engine'
import { BUILT_IN_PREFIX } from '../built-in-roles.js'
import { roleName, roleNameRule, tenantName } from '../store/validate.js'
import type { Fields } from './document-reader.js'
import { DocumentReader } from './document-reader.js'
import type {
  DocumentBinding,
  DocumentGrant,
  DocumentGroup,
  DocumentPermission,
  DocumentRole,
  PolicyDocument,
} from './document.js'
import {
  normalBinding,
  normalGrant,
  permissionName,
  POLICY_DOCUMENT_FORMAT,
  sortDocument,
} from './document.js'

/** Roles the document may refer to but not define (Rampart's built-in ones), by name. */
export type ReservedRoles = ReadonlyMap<string, { readonly tenant: string | null }>

const roleNameProblem = (text: string) => (roleName.test(text) ? undefined : roleNameRule)
const tenantProblem = (text: string) =>
  tenantName.test(text) ? undefined : `"${text}" is not a tenant name`
const groupProblem = (text: string) =>
  subjectProblem(text) ?? (text.startsWith('group:') ? undefined : 'a group id starts with group:')

function readRole(reader: DocumentReader, value: unknown, path: string): DocumentRole | undefined {
  const keys = ['name', 'description', 'tenant', 'active', 'parents', 'permissions']
  const fields = reader.object(value, path, keys)
  if (fields === undefined) return undefined
  const name = reader.required(fields.name, `${path}.name`, roleNameProblem)
  if (fields.active !== undefined && typeof fields.active !== 'boolean') {
    reader.fail(`${path}.active`, 'must be true or false')
  }
  const seen = new Set<string>()
  const permissions = reader.list(fields.permissions, `${path}.permissions`).map((item, index) => {
    const at = `${path}.permissions[${index}]`
    const held = readPermission(reader, item, at)
    if (held === undefined) return undefined
    if (seen.has(permissionName(held))) reader.fail(at, `${permissionName(held)} is listed twice`)
    seen.add(permissionName(held))
    return held
  })
  if (name === undefined) return undefined
  return {
    name,
    description: reader.text(fields.description, `${path}.description`),
    tenant: reader.text(fields.tenant, `${path}.tenant`, tenantProblem),
    active: fields.active === false ? false : undefined,
    parents: reader.strings(fields.parents, `${path}.parents`, roleNameProblem),
    permissions: permissions.filter((held) => held !== undefined),
  }
}

function readPermission(reader: DocumentReader, value: unknown, path: string) {
  if (typeof value === 'string') {
    return reader.text(value, path, (text) => permissionProblem(text))
  }
  const fields = reader.object(value, path, ['permission', 'condition'])
  if (fields === undefined) return undefined
  const permission = reader.required(fields.permission, `${path}.permission`, (text) =>
    permissionProblem(text),
  )
  const condition = reader.condition(fields.condition, `${path}.condition`)
  if (permission === undefined) return undefined
  return condition === undefined ? permission : ({ permission, condition } as DocumentPermission)
}

function readGroup(
  reader: DocumentReader,
  value: unknown,
  path: string,
): DocumentGroup | undefined {
  const fields = reader.object(value, path, ['id', 'description', 'members'])
  if (fields === undefined) return undefined
  const id = reader.required(fields.id, `${path}.id`, groupProblem)
  const members = reader.strings(fields.members, `${path}.members`, subjectProblem)
  if (id === undefined) return undefined
  if (members.includes(id)) reader.fail(`${path}.members`, `${id} cannot be a member of itself`)
  return {
    id,
    description: reader.text(fields.description, `${path}.description`),
    members: [...new Set(members)],
  }
}

function readScope(reader: DocumentReader, fields: Fields, path: string) {
  return {
    tenant: reader.text(fields.tenant, `${path}.tenant`, tenantProblem),
    resource: reader.text(fields.resource, `${path}.resource`, resourceInstanceProblem),
    expiresAt: reader.time(fields.expiresAt, `${path}.expiresAt`),
  }
}

function readBinding(reader: DocumentReader, value: unknown, path: string) {
  const keys = ['subject', 'role', 'tenant', 'resource', 'expiresAt']
  const fields = reader.object(value, path, keys)
  if (fields === undefined) return undefined
  const subject = reader.required(fields.subject, `${path}.subject`, subjectProblem)
  const role = reader.required(fields.role, `${path}.role`, roleNameProblem)
  const scope = readScope(reader, fields, path)
  if (subject === undefined || role === undefined) return undefined
  return { subject, role, ...scope } satisfies DocumentBinding
}

function readGrant(reader: DocumentReader, value: unknown, path: string) {
  const keys = ['subject', 'permission', 'effect', 'tenant', 'resource', 'condition', 'expiresAt']
  const fields = reader.object(value, path, keys)
  if (fields === undefined) return undefined
  const subject = reader.required(fields.subject, `${path}.subject`, subjectProblem)
  const permission = reader.required(fields.permission, `${path}.permission`, (text) =>
    permissionProblem(text),
  )
  const effect = reader.required(fields.effect, `${path}.effect`, (text) =>
    text === 'allow' || text === 'deny' ? undefined : 'must be allow or deny',
  ) as 'allow' | 'deny' | undefined
  const condition = reader.condition(fields.condition, `${path}.condition`)
  const scope = readScope(reader, fields, path)
  if (subject === undefined || permission === undefined || effect === undefined) return undefined
  return { subject, permission, effect, ...scope, condition } satisfies DocumentGrant
}

/** Checks what entries refer to: roles, parents, groups, tenants, and inheritance cycles. */
function checkReferences(reader: DocumentReader, document: Indexed, reserved: ReservedRoles) {
  const roles = new Map<string, { tenant: string | null }>(reserved)
  const groups = new Set<string>()
  document.roles.forEach(([role, path]) => {
    if (reserved.has(role.name)) {
      reader.fail(`${path}.name`, `${role.name} is built in; it cannot be defined`)
    } else if (role.name.startsWith(BUILT_IN_PREFIX)) {
      const reason = `the prefix ${BUILT_IN_PREFIX} is reserved for Rampart's built-in roles`
      reader.fail(`${path}.name`, `${role.name} cannot be defined: ${reason}`)
    } else if (roles.has(role.name)) reader.fail(`${path}.name`, `${role.name} is defined twice`)
    roles.set(role.name, { tenant: role.tenant ?? null })
  })
  document.groups.forEach(([group, path]) => {
    if (groups.has(group.id)) reader.fail(`${path}.id`, `${group.id} is defined twice`)
    groups.add(group.id)
  })
  const knownSubject = (subject: string, path: string) => {
    if (subject.startsWith('group:') && !groups.has(subject)) {
      reader.fail(path, `no group ${subject} in the document`)
    }
  }

  const graph = new Map<string, readonly string[]>()
  for (const [role, path] of document.roles) {
    graph.set(role.name, role.parents ?? [])
    ;(role.parents ?? []).forEach((parent, index) => {
      const found = roles.get(parent)
      if (found === undefined) return reader.fail(`${path}.parents[${index}]`, `no role ${parent}`)
      if (found.tenant !== null && found.tenant !== (role.tenant ?? null)) {
        reader.fail(`${path}.parents[${index}]`, `${parent} is scoped to another tenant`)
      }
    })
  }
  const cycle = findRoleCycle(graph)
  if (cycle !== undefined) reader.fail('roles', `inheritance forms a cycle: ${cycle.join(' → ')}`)

  for (const [group, path] of document.groups) {
    group.members?.forEach((member, index) => knownSubject(member, `${path}.members[${index}]`))
  }
  for (const [binding, path] of document.bindings) {
    knownSubject(binding.subject, `${path}.subject`)
    const role = roles.get(binding.role)
    if (role === undefined) reader.fail(`${path}.role`, `no role ${binding.role}`)
    else if (role.tenant !== null && role.tenant !== (binding.tenant ?? null)) {
      reader.fail(`${path}.tenant`, `role ${binding.role} belongs to tenant ${role.tenant}`)
    }
  }
  for (const [grant, path] of document.grants) knownSubject(grant.subject, `${path}.subject`)
}

/** Each entry read, with its path, for the reference checks. */
interface Indexed {
  readonly roles: readonly (readonly [DocumentRole, string])[]
  readonly groups: readonly (readonly [DocumentGroup, string])[]
  readonly bindings: readonly (readonly [DocumentBinding, string])[]
  readonly grants: readonly (readonly [DocumentGrant, string])[]
}

function readAll<T>(
  reader: DocumentReader,
  value: unknown,
  key: string,
  read: (reader: DocumentReader, value: unknown, path: string) => T | undefined,
): (readonly [T, string])[] {
  return reader.list(value, key).flatMap((item, index) => {
    const path = `${key}[${index}]`
    const entry = read(reader, item, path)
    return entry === undefined ? [] : [[entry, path] as const]
  })
}

/** A document read, and where each binding and grant was written in it. */
export interface ReadDocument {
  readonly document: PolicyDocument
  /** The path of an entry (`bindings[3]`) as the author wrote it, for later problems. */
  pathOf(kind: 'bindings' | 'grants', entry: DocumentBinding | DocumentGrant): string
}

/**
 * Reads a parsed document; throws `access_policy_invalid` listing every problem. Absent
 * lists are empty: the document is the whole policy.
 */
export function readPolicyDocument(
  value: unknown,
  reserved: ReservedRoles = new Map(),
): ReadDocument {
  const reader = new DocumentReader()
  const keys = ['format', 'roles', 'groups', 'bindings', 'grants']
  const fields = reader.object(value, '(document)', keys) ?? {}
  if (fields.format !== undefined && fields.format !== POLICY_DOCUMENT_FORMAT) {
    reader.fail('format', `must be ${POLICY_DOCUMENT_FORMAT}`)
  }
  const indexed: Indexed = {
    roles: readAll(reader, fields.roles, 'roles', readRole),
    groups: readAll(reader, fields.groups, 'groups', readGroup),
    bindings: readAll(reader, fields.bindings, 'bindings', readBinding),
    grants: readAll(reader, fields.grants, 'grants', readGrant),
  }
  if (reader.errors.length === 0) checkReferences(reader, indexed, reserved)
  throwIfAny(reader.errors)
  const entries = <T>(list: readonly (readonly [T, string])[]) => list.map(([entry]) => entry)
  const paths = new Map<string, string>()
  for (const [binding, path] of indexed.bindings) {
    paths.set(`bindings${JSON.stringify(normalBinding(binding))}`, path)
  }
  for (const [grant, path] of indexed.grants) {
    paths.set(`grants${JSON.stringify(normalGrant(grant))}`, path)
  }
  const document = sortDocument({
    roles: entries(indexed.roles),
    groups: entries(indexed.groups),
    bindings: entries(indexed.bindings),
    grants: entries(indexed.grants),
  })
  return {
    document,
    pathOf: (kind, entry) => paths.get(`${kind}${JSON.stringify(entry)}`) ?? kind,
  }
}

/** Throws `access_policy_invalid` naming the first problem and listing all of them. */
export function throwIfAny(errors: readonly FieldError[]): void {
  const first = errors[0]
  if (first === undefined) return
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''
  throw new RampartError('access_policy_invalid', `${first.field}: ${first.message}${more}`, {
    errors,
  })
}

/**
 * The policy as a document for review in version control: every role, group, binding and
 * grant, in a stable order and without default values, so two exports of the same policy are
 * byte for byte the same and a change reads as a small diff. Bindings and grants have no ids
 * here: they are known by what they say (subject, role or permission, scope).
 */
import type { BindingDefinition, GrantDefinition, PolicySnapshot } from '@rampart/access-engine'
import { stringify } from 'yaml'

/** Marks a document as this format; an import refuses any other. */
export const POLICY_DOCUMENT_FORMAT = 'rampart.access.policy/v1'

/** A permission as written: `order:read`, or with its condition. */
export type DocumentPermission =
  string | { readonly permission: string; readonly condition: string }

export interface DocumentRole {
  readonly name: string
  readonly description?: string
  readonly tenant?: string
  /** Absent: active. */
  readonly active?: false
  readonly parents?: readonly string[]
  readonly permissions?: readonly DocumentPermission[]
}

export interface DocumentGroup {
  readonly id: string
  readonly description?: string
  readonly members?: readonly string[]
}

export interface DocumentBinding {
  readonly subject: string
  readonly role: string
  readonly tenant?: string
  readonly resource?: string
  /** RFC 3339, UTC. */
  readonly expiresAt?: string
}

export interface DocumentGrant {
  readonly subject: string
  readonly permission: string
  readonly effect: 'allow' | 'deny'
  readonly tenant?: string
  readonly resource?: string
  readonly condition?: string
  readonly expiresAt?: string
}

export interface PolicyDocument {
  readonly format: typeof POLICY_DOCUMENT_FORMAT
  readonly roles: readonly DocumentRole[]
  readonly groups: readonly DocumentGroup[]
  readonly bindings: readonly DocumentBinding[]
  readonly grants: readonly DocumentGrant[]
}

/** Compares by code point, so the order never depends on the locale. */
export function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0
}

/** The key a binding is known by in a document; equal keys differ only in expiry. */
export function bindingKey(binding: DocumentBinding): string {
  return JSON.stringify([binding.subject, binding.role, binding.tenant, binding.resource])
}

/** The key a grant is known by; equal keys differ only in condition and expiry. */
export function grantKey(grant: DocumentGrant): string {
  const { subject, permission, effect, tenant, resource } = grant
  return JSON.stringify([subject, permission, effect, tenant, resource])
}

const byKeyThen =
  <T>(key: (item: T) => string, rest: (item: T) => string) =>
  (left: T, right: T) =>
    compareText(key(left), key(right)) || compareText(rest(left), rest(right))

/**
 * Puts a document in its normal form: fields in one order, defaults and empty lists left out,
 * entries and lists sorted. Two documents of the same policy are then equal, as text too.
 */
export function sortDocument(document: Omit<PolicyDocument, 'format'>): PolicyDocument {
  const sorted = (items: readonly string[] | undefined) =>
    items === undefined ? undefined : [...new Set(items)].sort(compareText)
  const roles = document.roles
    .map((role): DocumentRole => {
      const permissions = role.permissions === undefined ? undefined : [...role.permissions]
      permissions?.sort((a, b) => compareText(permissionName(a), permissionName(b)))
      return withoutEmpty({
        name: role.name,
        description: role.description,
        tenant: role.tenant,
        active: role.active === false ? (false as const) : undefined,
        parents: sorted(role.parents),
        permissions,
      })
    })
    .sort((a, b) => compareText(a.name, b.name))
  const groups = document.groups
    .map((group) =>
      withoutEmpty({
        id: group.id,
        description: group.description,
        members: sorted(group.members),
      }),
    )
    .sort((a, b) => compareText(a.id, b.id))
  const bindings = document.bindings
    .map(normalBinding)
    .sort(byKeyThen(bindingKey, (binding) => binding.expiresAt ?? ''))
  const grants = document.grants
    .map(normalGrant)
    .sort(byKeyThen(grantKey, (grant) => JSON.stringify([grant.condition, grant.expiresAt])))
  return { format: POLICY_DOCUMENT_FORMAT, roles, groups, bindings, grants }
}

export function normalBinding(binding: DocumentBinding): DocumentBinding {
  const { subject, role, tenant, resource, expiresAt } = binding
  return withoutEmpty({ subject, role, tenant, resource, expiresAt })
}

export function normalGrant(grant: DocumentGrant): DocumentGrant {
  const { subject, permission, effect, tenant, resource, condition, expiresAt } = grant
  return withoutEmpty({ subject, permission, effect, tenant, resource, condition, expiresAt })
}

/** A stored binding as a document entry. */
export function bindingEntry(binding: BindingDefinition): DocumentBinding {
  return normalBinding({
    subject: binding.subject,
    role: binding.role,
    tenant: present(binding.tenant),
    resource: present(binding.resource),
    expiresAt: isoTime(binding.expiresAt),
  })
}

/** A stored grant as a document entry. */
export function grantEntry(grant: GrantDefinition): DocumentGrant {
  return normalGrant({
    subject: grant.subject,
    permission: grant.permission,
    effect: grant.effect,
    tenant: present(grant.tenant),
    resource: present(grant.resource),
    condition: present(grant.condition),
    expiresAt: isoTime(grant.expiresAt),
  })
}

export function permissionName(permission: DocumentPermission): string {
  return typeof permission === 'string' ? permission : permission.permission
}

/** Drops empty lists and strings, and undefined values, so defaults are never written. */
function withoutEmpty<T extends object>(value: T): T {
  const entries = Object.entries(value).filter(
    ([, item]) => item !== undefined && item !== '' && !(Array.isArray(item) && item.length === 0),
  )
  return Object.fromEntries(entries) as T
}

const isoTime = (ms: number | null) => (ms === null ? undefined : new Date(ms).toISOString())
const present = (text: string | null | undefined) => (text === null ? undefined : text)

/**
 * The document of a snapshot. `include` decides which roles belong to it (the built-in ones
 * are Rampart's, not the policy author's).
 */
export function documentOf(
  snapshot: PolicySnapshot,
  include: (role: string) => boolean = () => true,
): PolicyDocument {
  return sortDocument({
    roles: snapshot.roles
      .filter((role) => include(role.name))
      .map((role) => ({
        name: role.name,
        description: role.description,
        tenant: present(role.tenant),
        active: role.active ? undefined : (false as const),
        parents: role.parents,
        permissions: role.permissions.map((held): DocumentPermission => {
          const condition = present(held.condition)
          return condition === undefined
            ? held.permission
            : { permission: held.permission, condition }
        }),
      })),
    groups: snapshot.groups,
    bindings: snapshot.bindings.map(bindingEntry),
    grants: snapshot.grants.map(grantEntry),
  })
}

/** The document as YAML: block style, no line folding, so each value stays on its line. */
export function documentToYaml(document: PolicyDocument): string {
  return stringify(document, { lineWidth: 0, aliasDuplicateObjects: false })
}

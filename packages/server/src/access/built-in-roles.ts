/**
 * Rampart's own roles, which protect its admin API. Their names start with `rampart.`, a
 * prefix the policy API refuses for other roles; migration 0009 stores them, so bindings and
 * parents can refer to them like any role. Their permissions name Rampart's own resources
 * (`identity.users`, `audit.events`, ...) and never a wildcard resource, so binding someone
 * to `rampart.admin` grants nothing in the services that share this policy.
 */
import type { ReservedRoles } from './policy-document/read-document.js'

export const BUILT_IN_PREFIX = 'rampart.'

export interface BuiltInRole {
  readonly name: string
  readonly description: string
  readonly parents: readonly string[]
  readonly permissions: readonly string[]
}

/**
 * The built-in roles. A change here needs a migration that stores it (see
 * `0009-access-builtin-roles.ts`); `built-in-roles.test.ts` checks the two agree.
 */
export const BUILT_IN_ROLES: readonly BuiltInRole[] = [
  {
    name: 'rampart.auditor',
    description: 'Reads and exports the audit log; reads the access policy and asks its decisions',
    parents: [],
    permissions: [
      'access.decisions:check',
      'access.policy:read',
      'audit.events:export',
      'audit.events:read',
    ],
  },
  // TODO(#5): the alerting and metrics APIs still take only their own tokens; these
  // permissions name what their routes will need once the gate is in front of them.
  {
    name: 'rampart.operator',
    description: 'Manages alerting and metrics',
    parents: [],
    permissions: [
      'alerting.alerts:*',
      'alerting.notifications:*',
      'alerting.silences:*',
      'metrics.queries:*',
      'metrics.rules:*',
    ],
  },
  {
    name: 'rampart.admin',
    description: "Everything in Rampart's own API",
    parents: ['rampart.auditor', 'rampart.operator'],
    permissions: [
      'access.decisions:*',
      'access.policy:*',
      'audit.events:*',
      'identity.clients:*',
      'identity.keys:*',
      'identity.resource_servers:*',
      'identity.users:*',
    ],
  },
]

export function isBuiltInRole(name: string): boolean {
  return name.startsWith(BUILT_IN_PREFIX)
}

/** The built-in roles as the policy document sees them: referable, never defined. */
export const reservedRoles: ReservedRoles = new Map(
  BUILT_IN_ROLES.map((role) => [role.name, { tenant: null }]),
)

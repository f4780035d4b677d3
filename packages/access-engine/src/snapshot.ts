/**
 * The policy snapshot: the whole access policy at one version, as plain JSON. The server
 * serves it at `GET /v1/access/snapshot`; `compileSnapshot` turns it into an evaluator, on the
 * server and in the SDK alike. Times are milliseconds since the epoch.
 */

export const SNAPSHOT_FORMAT = 'rampart.access.snapshot/v1'

/** A permission a role holds, with an optional CEL condition. */
export interface RolePermission {
  readonly permission: string
  readonly condition?: string | null
}

export interface RoleDefinition {
  readonly name: string
  readonly description?: string
  /** A tenant-scoped role only applies to requests in that tenant. */
  readonly tenant: string | null
  /** An inactive role grants nothing, neither its own permissions nor its parents'. */
  readonly active: boolean
  /** Roles whose permissions this role inherits. */
  readonly parents: readonly string[]
  readonly permissions: readonly RolePermission[]
}

export interface BindingDefinition {
  readonly id: string
  /** `user:42`, `client:billing` or `group:eng`. */
  readonly subject: string
  readonly role: string
  /** Applies only to requests in this tenant; null: every tenant. */
  readonly tenant: string | null
  /** Applies only to this resource instance (`project:42`); null: every resource. */
  readonly resource: string | null
  readonly expiresAt: number | null
}

export type GrantEffect = 'allow' | 'deny'

/** A permission given to (or withheld from) one subject directly; deny wins over allow. */
export interface GrantDefinition {
  readonly id: string
  readonly subject: string
  readonly permission: string
  readonly effect: GrantEffect
  readonly tenant: string | null
  readonly resource: string | null
  readonly condition?: string | null
  readonly expiresAt: number | null
}

export interface GroupDefinition {
  /** `group:eng`. */
  readonly id: string
  readonly description?: string
  /** Subject ids, users, clients or other groups. */
  readonly members: readonly string[]
}

export interface PolicySnapshot {
  readonly format: typeof SNAPSHOT_FORMAT
  readonly version: number
  readonly roles: readonly RoleDefinition[]
  readonly bindings: readonly BindingDefinition[]
  readonly grants: readonly GrantDefinition[]
  readonly groups: readonly GroupDefinition[]
}

/** The cycle that a parent link would close, as role names (first = last), or undefined. */
export function findRoleCycle(
  roles: ReadonlyMap<string, readonly string[]>,
): readonly string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>()
  const path: string[] = []

  const visit = (name: string): readonly string[] | undefined => {
    const seen = state.get(name)
    if (seen === 'done') return undefined
    if (seen === 'visiting') return [...path.slice(path.indexOf(name)), name]
    state.set(name, 'visiting')
    path.push(name)
    for (const parent of roles.get(name) ?? []) {
      const cycle = visit(parent)
      if (cycle !== undefined) return cycle
    }
    path.pop()
    state.set(name, 'done')
    return undefined
  }

  for (const name of [...roles.keys()].sort()) {
    const cycle = visit(name)
    if (cycle !== undefined) return cycle
  }
  return undefined
}

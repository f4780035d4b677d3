/**
 * The compiled form of a snapshot: each role's permissions flattened over its ancestors and
 * indexed by pattern, bindings and grants indexed by subject, group memberships by member.
 * Built once per policy version; `evaluator.ts` answers from it.
 */
import type { CompiledCondition, ConditionIssue } from './condition.js'
import { compileCondition } from './condition.js'
import type {
  BindingDefinition,
  GrantDefinition,
  PolicySnapshot,
  RoleDefinition,
} from './snapshot.js'
import { SNAPSHOT_FORMAT } from './snapshot.js'
import { splitPermission } from './permission.js'

/** A permission a role holds, directly or through its ancestors. */
export interface HeldPermission {
  readonly pattern: string
  readonly condition: CompiledCondition | undefined
  /** From the bound role to the role that declares the permission. */
  readonly path: readonly string[]
  /** The tenant the path is confined to by tenant-scoped roles; null: none; false: never. */
  readonly tenant: string | null | false
}

export interface CompiledRole {
  readonly definition: RoleDefinition
  /** Pattern → the permissions held under it, over the role and its active ancestors. */
  readonly byPattern: ReadonlyMap<string, readonly HeldPermission[]>
  /** The same, by resource then action (`*` included), so a check builds no strings. */
  readonly byResource: ReadonlyMap<string, ReadonlyMap<string, readonly HeldPermission[]>>
}

/**
 * Adds a held permission unless one with the same pattern, condition and tenant is there: a
 * role that reaches an ancestor along several paths (a diamond) holds its permissions once,
 * through the first path, so a check never evaluates the same condition twice.
 */
function addHeld(byPattern: Map<string, HeldPermission[]>, held: HeldPermission): void {
  const list = byPattern.get(held.pattern)
  if (list === undefined) {
    byPattern.set(held.pattern, [held])
    return
  }
  const duplicate = list.some(
    (other) => other.condition === held.condition && other.tenant === held.tenant,
  )
  if (!duplicate) list.push(held)
}

function indexByResource(byPattern: ReadonlyMap<string, readonly HeldPermission[]>) {
  const byResource = new Map<string, Map<string, readonly HeldPermission[]>>()
  for (const [pattern, held] of byPattern) {
    const { resource, action } = splitPermission(pattern)
    let actions = byResource.get(resource)
    if (actions === undefined) {
      actions = new Map<string, readonly HeldPermission[]>()
      byResource.set(resource, actions)
    }
    actions.set(action, held)
  }
  return byResource
}

export interface CompiledGrant {
  readonly definition: GrantDefinition
  readonly resource: string
  readonly action: string
  readonly condition: CompiledCondition | undefined
}

export interface CompiledPolicy {
  readonly version: number
  readonly roles: ReadonlyMap<string, CompiledRole>
  readonly bindingsBySubject: ReadonlyMap<string, readonly BindingDefinition[]>
  readonly grantsBySubject: ReadonlyMap<string, readonly CompiledGrant[]>
  /** Member → the groups it is a direct member of. */
  readonly groupsByMember: ReadonlyMap<string, readonly string[]>
  /** Conditions that did not compile, by source (they never allow, and deny fails closed). */
  readonly brokenConditions: ReadonlyMap<string, readonly ConditionIssue[]>
}

/** A condition that always reports why it cannot run: for sources that fail to compile. */
function brokenCondition(source: string, issues: readonly ConditionIssue[]): CompiledCondition {
  const error = `the condition does not compile: ${issues[0]?.message ?? 'unknown problem'}`
  return { source, evaluate: () => ({ ok: false, error }) }
}

function combineTenant(left: string | null | false, right: string | null): string | null | false {
  if (left === false || right === null) return left
  if (left === null || left === right) return right
  return false
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list === undefined) map.set(key, [value])
  else list.push(value)
}

/**
 * Compiles a snapshot. Conditions are compiled once per distinct source. A snapshot whose
 * roles form a cycle is rejected (the store never saves one); a parent that does not exist is
 * ignored, so a partial snapshot still evaluates.
 */
export function compilePolicy(snapshot: PolicySnapshot): CompiledPolicy {
  if (snapshot.format !== SNAPSHOT_FORMAT) {
    throw new Error(`unsupported snapshot format ${String(snapshot.format)}`)
  }
  const conditions = new Map<string, CompiledCondition>()
  const brokenConditions = new Map<string, readonly ConditionIssue[]>()
  const conditionFor = (source: string | null | undefined): CompiledCondition | undefined => {
    if (source === null || source === undefined) return undefined
    let compiled = conditions.get(source)
    if (compiled === undefined) {
      const result = compileCondition(source)
      if (result.ok) compiled = result.condition
      else {
        brokenConditions.set(source, result.issues)
        compiled = brokenCondition(source, result.issues)
      }
      conditions.set(source, compiled)
    }
    return compiled
  }

  const definitions = new Map(snapshot.roles.map((role) => [role.name, role]))
  const roles = new Map<string, CompiledRole>()
  const visiting = new Set<string>()
  const compileRole = (definition: RoleDefinition): CompiledRole => {
    const done = roles.get(definition.name)
    if (done !== undefined) return done
    if (visiting.has(definition.name)) {
      throw new Error(`the roles form a cycle through ${definition.name}`)
    }
    visiting.add(definition.name)
    const byPattern = new Map<string, HeldPermission[]>()
    if (definition.active) {
      for (const held of definition.permissions) {
        addHeld(byPattern, {
          pattern: held.permission,
          condition: conditionFor(held.condition),
          path: [definition.name],
          tenant: definition.tenant,
        })
      }
      for (const parentName of definition.parents) {
        const parent = definitions.get(parentName)
        if (parent === undefined) continue
        for (const inherited of compileRole(parent).byPattern.values()) {
          for (const held of inherited) {
            addHeld(byPattern, {
              ...held,
              path: [definition.name, ...held.path],
              tenant: combineTenant(held.tenant, definition.tenant),
            })
          }
        }
      }
    }
    visiting.delete(definition.name)
    const compiled = { definition, byPattern, byResource: indexByResource(byPattern) }
    roles.set(definition.name, compiled)
    return compiled
  }
  for (const definition of snapshot.roles) compileRole(definition)

  const bindingsBySubject = new Map<string, BindingDefinition[]>()
  for (const binding of snapshot.bindings) pushTo(bindingsBySubject, binding.subject, binding)

  const grantsBySubject = new Map<string, CompiledGrant[]>()
  for (const grant of snapshot.grants) {
    const { resource, action } = splitPermission(grant.permission)
    const condition = conditionFor(grant.condition)
    pushTo(grantsBySubject, grant.subject, { definition: grant, resource, action, condition })
  }

  const groupsByMember = new Map<string, string[]>()
  for (const group of snapshot.groups) {
    for (const member of group.members) pushTo(groupsByMember, member, group.id)
  }

  return {
    version: snapshot.version,
    roles,
    bindingsBySubject,
    grantsBySubject,
    groupsByMember,
    brokenConditions,
  }
}

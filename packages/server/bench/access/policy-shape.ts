/**
 * The benchmark's policy, as the issue gives its shape: 1,000 roles in 5 levels of
 * inheritance (each role below the first inherits two of the level above), 10,000 bindings of
 * 5,000 users, 3 permissions per role and 100 permissions with a CEL condition. Generated from
 * a fixed seed, so every run and every engine sees the same policy.
 */
import type { PolicySnapshot, RoleDefinition, RolePermission } from '@rampart/access-engine'
import { SNAPSHOT_FORMAT } from '@rampart/access-engine'

export const LEVELS = 5
export const ROLES_PER_LEVEL = 200
export const USERS = 5000
export const BINDINGS_PER_USER = 2
export const CONDITIONAL_PERMISSIONS = 100
export const RESOURCE_TYPES = 300
export const ownerCondition = 'resource.ownerId == subject.id'

/** A small linear congruential generator: the same numbers on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

const roleName = (level: number, index: number) => `r${level}-${index}`

export interface BenchPolicy {
  readonly snapshot: PolicySnapshot
  /** Every `resource:action` some role holds without a condition. */
  readonly plainPermissions: readonly string[]
  /** Per user, the conditional permissions it holds through its roles. */
  readonly conditionalByUser: ReadonlyMap<string, readonly string[]>
}

export function buildBenchPolicy(): BenchPolicy {
  const random = seededRandom(42)
  const roles: RoleDefinition[] = []
  const plain = new Set<string>()
  const conditionalOf = new Map<string, string[]>()

  for (let level = 1; level <= LEVELS; level += 1) {
    for (let index = 0; index < ROLES_PER_LEVEL; index += 1) {
      const number = (level - 1) * ROLES_PER_LEVEL + index
      const permissions: RolePermission[] = [0, 1, 2].map((action) => ({
        permission: `res${(number * 3 + action) % RESOURCE_TYPES}:act${action}`,
      }))
      for (const held of permissions) plain.add(held.permission)
      const own: string[] = []
      if (level === 1 && index < CONDITIONAL_PERMISSIONS) {
        const permission = `doc${index}:edit`
        permissions.push({ permission, condition: ownerCondition })
        own.push(permission)
      }
      const parents =
        level === 1
          ? []
          : [roleName(level - 1, index), roleName(level - 1, (index * 7 + 3) % ROLES_PER_LEVEL)]
      const inherited = parents.flatMap((parent) => conditionalOf.get(parent) ?? [])
      conditionalOf.set(roleName(level, index), [...new Set([...own, ...inherited])])
      roles.push({
        name: roleName(level, index),
        tenant: null,
        active: true,
        parents,
        permissions,
      })
    }
  }

  const bindings = []
  const conditionalByUser = new Map<string, string[]>()
  for (let user = 0; user < USERS; user += 1) {
    const subject = `user:${user}`
    const held = new Set<string>()
    for (let count = 0; count < BINDINGS_PER_USER; count += 1) {
      const role = roleName(1 + Math.floor(random() * LEVELS), Math.floor(random() * 200))
      bindings.push({
        id: `b${user}-${count}`,
        subject,
        role,
        tenant: null,
        resource: null,
        expiresAt: null,
      })
      for (const permission of conditionalOf.get(role) ?? []) held.add(permission)
    }
    conditionalByUser.set(subject, [...held])
  }

  return {
    snapshot: { format: SNAPSHOT_FORMAT, version: 1, roles, bindings, grants: [], groups: [] },
    plainPermissions: [...plain],
    conditionalByUser,
  }
}

/** `count` distinct (user, permission) pairs drawn from the plain permissions. */
export function plainPairs(policy: BenchPolicy, count: number, seed: number): [string, string][] {
  const random = seededRandom(seed)
  const seen = new Set<string>()
  const pairs: [string, string][] = []
  const permissions = policy.plainPermissions
  while (pairs.length < count) {
    const subject = `user:${Math.floor(random() * USERS)}`
    const permission = permissions[Math.floor(random() * permissions.length)] as string
    const key = `${subject}|${permission}`
    if (seen.has(key)) continue
    seen.add(key)
    pairs.push([subject, permission])
  }
  return pairs
}

/** Distinct (user, conditional permission) pairs the user holds, so the condition runs. */
export function conditionalPairs(policy: BenchPolicy, count: number): [string, string][] {
  const pairs: [string, string][] = []
  for (const [subject, permissions] of policy.conditionalByUser) {
    for (const permission of permissions) {
      pairs.push([subject, permission])
      if (pairs.length === count) return pairs
    }
  }
  return pairs
}

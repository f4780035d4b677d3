/**
 * Permission strings: `resource:action`, where either side may be `*` in a pattern that a
 * role or grant holds (`order:*`, `*:read`, `*:*`). A permission being checked is concrete.
 */

import { AccessEngineError } from './errors.js'

const segment = /^(\*|[a-z][a-z0-9_.-]{0,62})$/

/** A parsed permission pattern or concrete permission. */
export interface Permission {
  readonly resource: string
  readonly action: string
}

/** Why a permission string is malformed, or undefined when it is a valid pattern. */
export function permissionProblem(text: string, concrete = false): string | undefined {
  const parts = text.split(':')
  if (parts.length !== 2) return `"${text}" is not of the form resource:action`
  const [resource = '', action = ''] = parts
  for (const [name, value] of [
    ['resource', resource],
    ['action', action],
  ] as const) {
    if (!segment.test(value)) {
      const rule = 'must be * or a lowercase letter followed by a-z 0-9 _ . -'
      return `the ${name} of "${text}" ${rule}`
    }
    if (concrete && value === '*') return `"${text}" must name a resource and action, not *`
  }
  return undefined
}

/** Splits a permission known to be well formed. */
export function splitPermission(text: string): Permission {
  const colon = text.indexOf(':')
  return { resource: text.slice(0, colon), action: text.slice(colon + 1) }
}

/**
 * The four patterns that can match a concrete permission, most specific first. Looking these
 * up in a map keyed by pattern replaces matching against every pattern held.
 */
export function matchingPatterns(permission: Permission): readonly string[] {
  const { resource, action } = permission
  return [`${resource}:${action}`, `${resource}:*`, `*:${action}`, '*:*']
}

/** Whether `pattern` covers the concrete `permission`. */
export function patternMatches(pattern: string, permission: string): boolean {
  const held = splitPermission(pattern)
  const asked = splitPermission(permission)
  return (
    (held.resource === '*' || held.resource === asked.resource) &&
    (held.action === '*' || held.action === asked.action)
  )
}

const concrete = /^([a-z][a-z0-9_.-]{0,62}):([a-z][a-z0-9_.-]{0,62})$/

/** Splits a permission being checked, or throws when it is not a concrete `resource:action`. */
export function concretePermission(text: string): Permission {
  const match = concrete.exec(text)
  if (match !== null) return { resource: match[1] as string, action: match[2] as string }
  const problem = permissionProblem(text, true) ?? `"${text}" is not a permission`
  throw new AccessEngineError('ACCESS_PERMISSION_INVALID', problem)
}

/** Checks of policy input that need no database: names, permissions, conditions, scopes. */
import type { FieldError } from '../../platform/errors.js'
import { RampartError } from '../../platform/errors.js'
import {
  compileCondition,
  permissionProblem,
  resourceInstanceProblem,
  subjectProblem,
} from '@rampart/access-engine'

/** What role and tenant names look like; exported for the policy document's checks. */
export const roleName = /^[a-z][a-z0-9_.-]{0,127}$/
export const tenantName = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/

/** What a role name must look like, for messages. */
export const roleNameRule = 'lowercase letters, digits, _ . - starting with a letter'

export function assertRoleName(name: string, field = 'name'): void {
  if (!roleName.test(name)) {
    throw new RampartError('validation_failed', `"${name}" is not a role name`, {
      errors: [{ field, message: roleNameRule }],
    })
  }
}

export function assertPermission(permission: string, field: string): void {
  const problem = permissionProblem(permission)
  if (problem !== undefined) {
    throw new RampartError('access_permission_invalid', problem, {
      errors: [{ field, message: problem }],
    })
  }
}

export function assertSubject(subject: string, field = 'subject'): void {
  const problem = subjectProblem(subject)
  if (problem !== undefined) {
    throw new RampartError('access_subject_invalid', problem, {
      errors: [{ field, message: problem }],
    })
  }
}

export interface Scope {
  readonly tenant?: string | null | undefined
  readonly resource?: string | null | undefined
  readonly expiresAt?: number | null | undefined
}

export function assertScope(scope: Scope, now: number): void {
  const errors: FieldError[] = []
  if (scope.tenant !== undefined && scope.tenant !== null && !tenantName.test(scope.tenant)) {
    errors.push({ field: 'tenant', message: `"${scope.tenant}" is not a tenant name` })
  }
  if (scope.resource !== undefined && scope.resource !== null) {
    const problem = resourceInstanceProblem(scope.resource)
    if (problem !== undefined) errors.push({ field: 'resource', message: problem })
  }
  if (scope.expiresAt !== undefined && scope.expiresAt !== null && scope.expiresAt <= now) {
    errors.push({ field: 'expiresAt', message: 'lies in the past' })
  }
  if (errors.length > 0) {
    throw new RampartError('access_scope_invalid', errors.map((e) => e.message).join('; '), {
      errors,
    })
  }
}

/**
 * Compiles each condition; every problem is reported with its field and `line:column`. When
 * every condition at fault is well formed but cannot yield a bool (`"x"`, `1 + 2`), the code
 * is `access_condition_not_bool`; otherwise `access_condition_invalid`.
 */
export function assertConditions(
  conditions: readonly { readonly field: string; readonly source: string | null | undefined }[],
): void {
  const errors: FieldError[] = []
  let onlyNotBool = true
  for (const { field, source } of conditions) {
    if (source === null || source === undefined) continue
    const compiled = compileCondition(source)
    if (compiled.ok) continue
    for (const issue of compiled.issues) {
      const at = issue.position
      const where = at === undefined ? '' : `${at.line}:${at.column}: `
      errors.push({ field, message: `${where}${issue.message}` })
      onlyNotBool &&= issue.reason === 'not_bool'
    }
  }
  if (errors.length > 0) {
    const first = errors[0] as FieldError
    const code = onlyNotBool ? 'access_condition_not_bool' : 'access_condition_invalid'
    throw new RampartError(code, `${first.field}: ${first.message}`, { errors })
  }
}

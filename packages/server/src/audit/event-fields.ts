/**
 * Bounds and screening for an event's free-form `fields`: JSON only, limited in depth, member
 * count and encoded size, and free of secrets.
 */
import { canonicalize } from './canonical-json.js'
import type { EventIssue } from './event-issues.js'
import { formatPath } from './event-issues.js'
import { isSecretFieldName, isSecretFieldValue } from './secret-fields.js'

/** Limits on `fields`; the defaults suit events from services and from Rampart itself. */
export interface FieldLimits {
  /** Nesting levels below `fields` itself (an object or array is one level). Default 8. */
  readonly maxDepth: number
  /** Object members counted across every level. Default 256. */
  readonly maxKeys: number
  /** UTF-8 size of the canonical encoding of `fields`. Default 16 KiB. */
  readonly maxBytes: number
}

export const DEFAULT_FIELD_LIMITS: FieldLimits = { maxDepth: 8, maxKeys: 256, maxBytes: 16_384 }

/**
 * Checks a `fields` value and returns every problem found (empty when acceptable).
 *
 * Secrets are rejected rather than scrubbed: a scrubbed event would record something other than
 * what its producer sent while hiding the producer's mistake, whereas a rejection names the key,
 * never stores the value, and tells the producer exactly what to fix.
 */
export function checkFields(
  value: unknown,
  limits: FieldLimits = DEFAULT_FIELD_LIMITS,
): EventIssue[] {
  const issues: EventIssue[] = []
  if (!isPlainRecord(value)) {
    issues.push({ path: 'fields', code: 'invalid_type', message: 'expected a JSON object' })
    return issues
  }

  const walk = { issues, limits, keys: 0, reportedKeys: false, reportedDepth: false }
  walkValue(walk, value, ['fields'], 0)
  if (issues.length > 0) return issues

  const bytes = Buffer.byteLength(canonicalize(value), 'utf8')
  if (bytes > limits.maxBytes) {
    issues.push({
      path: 'fields',
      code: 'too_large',
      message: `encodes to ${bytes} bytes, more than the limit of ${limits.maxBytes}`,
    })
  }
  return issues
}

interface Walk {
  readonly issues: EventIssue[]
  readonly limits: FieldLimits
  keys: number
  reportedKeys: boolean
  reportedDepth: boolean
}

function walkValue(walk: Walk, value: unknown, path: (string | number)[], depth: number): void {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    if (typeof value === 'string' && isSecretFieldValue(value)) {
      report(walk, path, 'secret_field', 'looks like a credential; secrets are never recorded')
    }
    return
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) report(walk, path, 'invalid_type', 'expected a finite number')
    return
  }
  if (typeof value !== 'object') {
    report(walk, path, 'invalid_type', `${typeof value} is not a JSON value`)
    return
  }

  if (depth >= walk.limits.maxDepth) {
    if (!walk.reportedDepth) {
      report(walk, path, 'too_deep', `nested deeper than ${walk.limits.maxDepth} levels`)
      walk.reportedDepth = true
    }
    return
  }

  if (Array.isArray(value)) {
    value.forEach((item, index) => walkValue(walk, item, [...path, index], depth + 1))
    return
  }
  if (!isPlainRecord(value)) {
    report(walk, path, 'invalid_type', 'expected a JSON object, array or primitive')
    return
  }

  for (const [name, member] of Object.entries(value)) {
    walk.keys++
    if (walk.keys > walk.limits.maxKeys && !walk.reportedKeys) {
      report(walk, ['fields'], 'too_many_keys', `more than ${walk.limits.maxKeys} keys`)
      walk.reportedKeys = true
    }
    if (isSecretFieldName(name)) {
      report(walk, [...path, name], 'secret_field', 'names a secret; secrets are never recorded')
      continue
    }
    if (member !== undefined) walkValue(walk, member, [...path, name], depth + 1)
  }
}

function report(
  walk: Walk,
  path: readonly (string | number)[],
  code: EventIssue['code'],
  message: string,
): void {
  walk.issues.push({ path: formatPath(path), code, message })
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const prototype: unknown = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

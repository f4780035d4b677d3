/**
 * Reads values out of a parsed document, keeping every problem with its path in the document
 * instead of stopping at the first, so an author sees all of them at once.
 */
import type { FieldError } from '../../platform/errors.js'
import { compileCondition } from '@rampart/access-engine'

export type Fields = Record<string, unknown>

/** Collects problems with their paths while the document is read. */
export class DocumentReader {
  readonly errors: FieldError[] = []

  fail(path: string, message: string): undefined {
    this.errors.push({ field: path, message })
    return undefined
  }

  object(value: unknown, path: string, keys: readonly string[]): Fields | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return this.fail(path, 'must be a mapping')
    }
    for (const key of Object.keys(value)) {
      if (!keys.includes(key))
        this.fail(`${path}.${key}`, `unknown field (known: ${keys.join(', ')})`)
    }
    return value as Fields
  }

  list(value: unknown, path: string): readonly unknown[] {
    if (value === undefined || value === null) return []
    if (!Array.isArray(value)) return this.fail(path, 'must be a list') ?? []
    return value
  }

  text(value: unknown, path: string, check?: (text: string) => string | undefined) {
    if (value === undefined || value === null) return undefined
    if (typeof value !== 'string') return this.fail(path, 'must be a string')
    const problem = check?.(value)
    return problem === undefined ? value : this.fail(path, problem)
  }

  required(value: unknown, path: string, check?: (text: string) => string | undefined) {
    if (value === undefined || value === null) return this.fail(path, 'is required')
    return this.text(value, path, check)
  }

  strings(value: unknown, path: string, check: (text: string) => string | undefined): string[] {
    const items = this.list(value, path).map((item, index) =>
      this.text(item, `${path}[${index}]`, check),
    )
    return items.filter((item): item is string => item !== undefined)
  }

  /** RFC 3339 in, normalised to UTC with milliseconds. */
  time(value: unknown, path: string): string | undefined {
    const text = value instanceof Date ? value.toISOString() : this.text(value, path)
    if (text === undefined) return undefined
    const ms = Date.parse(text)
    if (!/^\d{4}-\d\d-\d\dT/.test(text) || Number.isNaN(ms)) {
      return this.fail(path, 'must be an RFC 3339 time such as 2027-01-31T00:00:00Z')
    }
    return new Date(ms).toISOString()
  }

  condition(value: unknown, path: string): string | undefined {
    const source = this.text(value, path)
    if (source === undefined) return undefined
    const compiled = compileCondition(source)
    if (compiled.ok) return source
    for (const issue of compiled.issues) {
      const at =
        issue.position === undefined ? '' : `${issue.position.line}:${issue.position.column}: `
      this.fail(path, `${at}${issue.message}`)
    }
    return undefined
  }
}

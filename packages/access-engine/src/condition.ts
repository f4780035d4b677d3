/**
 * CEL conditions on role permissions and grants: compiled (parsed, statically checked and
 * planned) once when saved or loaded, then evaluated per decision. An evaluation that errors or
 * does not yield a bool never allows; the reason is kept for `explain`.
 */
import type { CelValue } from '@bufbuild/cel'
import { celEnv, CelScalar, celType, isCelError, parse, plan } from '@bufbuild/cel'

import { checkCondition } from './condition-check.js'

/** Where in the source a problem is: 1-based line and column, 0-based offset. */
export interface SourcePosition {
  readonly line: number
  readonly column: number
  readonly offset: number
}

/**
 * Why a condition was rejected when compiled. `not_bool`: it is well formed but its type is
 * known and is not a bool (`"x"`, `1 + 2`, `subject.roles`); `invalid`: anything else.
 */
export interface ConditionIssue {
  readonly reason: 'invalid' | 'not_bool'
  readonly message: string
  readonly position?: SourcePosition
}

/** What a condition sees. `resource` holds `type`, `id` and the caller's attributes. */
export interface ConditionInput {
  readonly subject: {
    readonly id: string
    readonly type: string
    readonly roles: readonly string[]
    readonly attributes: Readonly<Record<string, unknown>>
  }
  readonly resource: Readonly<Record<string, unknown>>
  readonly context: Readonly<Record<string, unknown>>
}

/** The outcome of one evaluation: a bool, or why there is none. */
export type ConditionOutcome =
  { readonly ok: true; readonly value: boolean } | { readonly ok: false; readonly error: string }

export interface CompiledCondition {
  readonly source: string
  evaluate(input: ConditionInput): ConditionOutcome
}

export type ConditionCompilation =
  | { readonly ok: true; readonly condition: CompiledCondition }
  | { readonly ok: false; readonly issues: readonly ConditionIssue[] }

/** The longest condition accepted, in characters. */
export const MAX_CONDITION_LENGTH = 4096

const environment = celEnv({
  variables: { subject: CelScalar.DYN, resource: CelScalar.DYN, context: CelScalar.DYN },
})

function positionAt(source: string, offset: number): SourcePosition {
  const before = source.slice(0, offset)
  const line = before.split('\n').length
  const column = offset - before.lastIndexOf('\n')
  return { line, column, offset }
}

/** The CEL type of an evaluation result, for the reason a condition denied. */
function typeName(value: unknown): string {
  try {
    return `a value of type ${celType(value as CelValue).name}`
  } catch {
    return `a ${typeof value}`
  }
}

/** The parser reports `<input>:LINE:COLUMN: message`. */
function parseIssue(source: string, error: unknown): ConditionIssue {
  const text = error instanceof Error ? error.message : String(error)
  const match = /^<input>:(\d+):(\d+): (.*)$/s.exec(text)
  if (match === null) return { reason: 'invalid', message: text }
  const line = Number(match[1])
  const column = Number(match[2])
  const lines = source.split('\n').slice(0, line - 1)
  const offset = lines.reduce((sum, part) => sum + part.length + 1, 0) + column - 1
  return { reason: 'invalid', message: match[3] ?? text, position: { line, column, offset } }
}

/**
 * Compiles a condition, or reports every problem found with its position.
 *
 * @example
 * const compiled = compileCondition('resource.ownerId == subject.id')
 * if (!compiled.ok) throw new Error(compiled.issues[0]?.message)
 */
export function compileCondition(source: string): ConditionCompilation {
  if (source.trim() === '') {
    return { ok: false, issues: [{ reason: 'invalid', message: 'the condition is empty' }] }
  }
  if (source.length > MAX_CONDITION_LENGTH) {
    const message = `longer than ${MAX_CONDITION_LENGTH} characters`
    return { ok: false, issues: [{ reason: 'invalid', message }] }
  }

  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(source)
  } catch (error) {
    return { ok: false, issues: [parseIssue(source, error)] }
  }

  const found = checkCondition(parsed.expr)
  if (found.length > 0) {
    const positions = parsed.sourceInfo?.positions ?? {}
    const issues = found.map((issue): ConditionIssue => {
      const reason = issue.reason === 'not_bool' ? 'not_bool' : 'invalid'
      const offset = positions[issue.exprId.toString()]
      return offset === undefined
        ? { reason, message: issue.message }
        : { reason, message: issue.message, position: positionAt(source, offset) }
    })
    return { ok: false, issues }
  }

  const program = plan(environment, parsed)
  const evaluate = (input: ConditionInput): ConditionOutcome => {
    let result: unknown
    try {
      result = program(input as unknown as Parameters<typeof program>[0])
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) }
    }
    if (isCelError(result)) return { ok: false, error: result.message }
    if (typeof result !== 'boolean') {
      return { ok: false, error: `yielded ${typeName(result)}, not a bool` }
    }
    return { ok: true, value: result }
  }
  return { ok: true, condition: { source, evaluate } }
}

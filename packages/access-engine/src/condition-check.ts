/**
 * A static check of a parsed CEL condition against the inputs Rampart provides (`subject`,
 * `resource`, `context`): undeclared names, unknown fields of the fixed inputs, unknown
 * functions, operands of the wrong kind and a result that cannot be a bool. The CEL library's
 * own type checker is not public yet, so this covers the mistakes people make in policies;
 * anything it cannot type is `dyn` and left to evaluation, where an error denies.
 */
import type { parse } from '@bufbuild/cel'

type Expr = ReturnType<typeof parse>['expr']

/** What the check knows of a value's type. */
type Kind =
  | 'bool'
  | 'int'
  | 'uint'
  | 'double'
  | 'string'
  | 'bytes'
  | 'null'
  | 'timestamp'
  | 'duration'
  | 'list'
  | 'map'
  | 'type'
  | 'dyn'
  /** Unknown, but never a bool: arithmetic on a `dyn` operand (`resource.a + 1`). */
  | 'nonbool'
  | 'subject'
  | 'resource'
  | 'context'

/** A problem found, at the id of the expression node it concerns. */
export interface CheckIssue {
  readonly exprId: bigint
  readonly message: string
  /** `not_bool` when the only problem is that the whole condition cannot yield a bool. */
  readonly reason: 'check' | 'not_bool'
}

/** The fields of the fixed inputs; `resource` also carries the caller's attributes. */
const fields: Partial<Record<Kind, Readonly<Record<string, Kind>>>> = {
  subject: { id: 'string', type: 'string', roles: 'list', attributes: 'map' },
  context: { time: 'timestamp', ip: 'string', mfa: 'bool', attributes: 'map' },
  resource: { id: 'string', type: 'string' },
}

const numeric = new Set<Kind>(['int', 'uint', 'double'])
const ordered = new Set<Kind>([...numeric, 'string', 'bytes', 'bool', 'timestamp', 'duration'])

const conversions: Readonly<Record<string, Kind>> = {
  int: 'int',
  uint: 'uint',
  double: 'double',
  string: 'string',
  bytes: 'bytes',
  bool: 'bool',
  dyn: 'dyn',
  type: 'type',
  timestamp: 'timestamp',
  duration: 'duration',
  size: 'int',
  matches: 'bool',
  startsWith: 'bool',
  endsWith: 'bool',
  contains: 'bool',
  '@in': 'bool',
  '@not_strictly_false': 'bool',
  '!_': 'bool',
}

const timeAccessors = [
  'getFullYear',
  'getMonth',
  'getDayOfYear',
  'getDayOfMonth',
  'getDate',
  'getDayOfWeek',
  'getHours',
  'getMinutes',
  'getSeconds',
  'getMilliseconds',
]

const comparisons = ['_<_', '_<=_', '_>_', '_>=_']
const arithmetic = ['_+_', '_-_', '_*_', '_/_', '_%_']

class ConditionChecker {
  readonly issues: CheckIssue[] = []
  readonly #scopes: Map<string, Kind>[] = [
    new Map<string, Kind>([
      ['subject', 'subject'],
      ['resource', 'resource'],
      ['context', 'context'],
    ]),
  ]

  kindOf(expr: Expr): Kind {
    const kind = expr.exprKind
    switch (kind.case) {
      case 'constExpr':
        return constantKind(kind.value.constantKind.case)
      case 'identExpr':
        return this.#ident(expr.id, kind.value.name)
      case 'selectExpr': {
        const { operand, field, testOnly } = kind.value
        const from = operand === undefined ? 'dyn' : this.kindOf(operand)
        const selected = this.#select(expr.id, from, field)
        return testOnly ? 'bool' : selected
      }
      case 'callExpr': {
        const { target, args } = kind.value
        const targetKind = target === undefined ? undefined : this.kindOf(target)
        const argKinds = args.map((arg) => this.kindOf(arg))
        const argIds = args.map((arg) => arg.id)
        return this.#call(expr.id, kind.value.function, targetKind, argKinds, argIds)
      }
      case 'listExpr':
        for (const element of kind.value.elements) this.kindOf(element)
        return 'list'
      case 'structExpr':
        for (const entry of kind.value.entries) {
          if (entry.value !== undefined) this.kindOf(entry.value)
        }
        return kind.value.messageName === '' ? 'map' : 'dyn'
      case 'comprehensionExpr': {
        const value = kind.value
        if (value.iterRange !== undefined) this.kindOf(value.iterRange)
        const accumulator = value.accuInit === undefined ? 'dyn' : this.kindOf(value.accuInit)
        // Macros start the accumulator as what they yield: `false` for exists, `[]` for map
        // and filter; the element variable is not typed here.
        this.#scopes.push(
          new Map<string, Kind>([
            [value.iterVar, 'dyn'],
            [value.accuVar, accumulator],
          ]),
        )
        for (const part of [value.loopCondition, value.loopStep]) {
          if (part !== undefined) this.kindOf(part)
        }
        const result = value.result === undefined ? 'dyn' : this.kindOf(value.result)
        this.#scopes.pop()
        return result
      }
      default:
        return 'dyn'
    }
  }

  #ident(id: bigint, name: string): Kind {
    for (let index = this.#scopes.length - 1; index >= 0; index -= 1) {
      const kind = this.#scopes[index]?.get(name)
      if (kind !== undefined) return kind
    }
    this.#report(id, `undeclared reference to '${name}' (use subject, resource or context)`)
    return 'dyn'
  }

  #select(id: bigint, from: Kind, field: string): Kind {
    const known = fields[from]
    if (known !== undefined) {
      const kind = known[field]
      if (kind !== undefined) return kind
      if (from === 'resource') return 'dyn'
      this.#report(id, `${from} has no field '${field}' (it has ${Object.keys(known).join(', ')})`)
      return 'dyn'
    }
    if (from === 'map' || from === 'dyn' || from === 'nonbool') return 'dyn'
    this.#report(id, `cannot select '${field}' from a ${from}`)
    return 'dyn'
  }

  #call(id: bigint, name: string, target: Kind | undefined, args: Kind[], argIds: bigint[]) {
    const [left = 'dyn', right = 'dyn'] = args
    if (name === '_&&_' || name === '_||_') {
      // Reported at the operand, which is where the mistake is.
      args.forEach((arg, index) => {
        this.#expect(argIds[index] ?? id, arg, ['bool'], `operands of ${symbol(name)}`)
      })
      return 'bool'
    }
    if (name === '!_') this.#expect(id, left, ['bool'], 'the operand of !')
    if (name === '_?_:_') {
      this.#expect(id, left, ['bool'], 'the condition of ?:')
      const [, whenTrue = 'dyn', whenFalse = 'dyn'] = args
      if (whenTrue === whenFalse) return whenTrue
      return neverBool(whenTrue) && neverBool(whenFalse) ? 'nonbool' : 'dyn'
    }
    if (name === '_==_' || name === '_!=_') {
      if (!comparable(left, right)) {
        this.#report(id, `${symbol(name)} compares a ${left} with a ${right}`)
      }
      return 'bool'
    }
    if (comparisons.includes(name)) {
      const unknown = left === 'dyn' || left === 'nonbool'
      if (!comparable(left, right) || (!ordered.has(left) && !unknown)) {
        this.#report(id, `${symbol(name)} cannot order a ${left} and a ${right}`)
      }
      return 'bool'
    }
    if (arithmetic.includes(name)) return this.#arithmetic(id, name, left, right)
    if (name === '-_') {
      this.#expect(id, left, ['int', 'double', 'duration'], 'the operand of unary -')
      return left === 'dyn' ? 'nonbool' : left
    }
    if (name === '_[_]') {
      this.#expect(id, left, ['list', 'map'], 'an indexed value')
      return 'dyn'
    }
    if (timeAccessors.includes(name)) {
      if (target !== undefined) this.#expect(id, target, ['timestamp', 'duration'], name)
      return 'int'
    }
    const result = conversions[name]
    if (result === undefined) {
      this.#report(id, `unknown function '${name}'`)
      return 'dyn'
    }
    if (['matches', 'startsWith', 'endsWith'].includes(name) && target !== undefined) {
      this.#expect(id, target, ['string'], `the target of ${name}`)
    }
    return result
  }

  #arithmetic(id: bigint, name: string, left: Kind, right: Kind): Kind {
    // No arithmetic overload yields a bool, whatever a `dyn` operand turns out to be.
    const unknown = (kind: Kind) => kind === 'dyn' || kind === 'nonbool'
    if (unknown(left) && unknown(right)) return 'nonbool'
    if (unknown(left) || unknown(right)) {
      const known = unknown(left) ? right : left
      return known === 'timestamp' || known === 'duration' ? 'nonbool' : known
    }
    const sameNumber = left === right && numeric.has(left)
    const allowed =
      sameNumber ||
      (name === '_+_' &&
        left === right &&
        ['string', 'bytes', 'list', 'duration'].includes(left)) ||
      (name === '_-_' && left === right && ['duration', 'timestamp'].includes(left)) ||
      (['_+_', '_-_'].includes(name) && left === 'timestamp' && right === 'duration')
    if (!allowed) this.#report(id, `${symbol(name)} is not defined for a ${left} and a ${right}`)
    if (left === 'timestamp' && right === 'timestamp') return 'duration'
    return left
  }

  #expect(id: bigint, kind: Kind, allowed: readonly Kind[], what: string): void {
    if (kind === 'dyn' || allowed.includes(kind)) return
    if (kind === 'nonbool' && allowed.some((other) => other !== 'bool')) return
    const actual = kind === 'nonbool' ? describe(kind) : kind
    this.#report(id, `${what} must be ${allowed.join(' or ')}, not ${actual}`)
  }

  #report(exprId: bigint, message: string): void {
    this.issues.push({ exprId, message, reason: 'check' })
  }
}

function constantKind(name: string | undefined): Kind {
  switch (name) {
    case 'boolValue':
      return 'bool'
    case 'int64Value':
      return 'int'
    case 'uint64Value':
      return 'uint'
    case 'doubleValue':
      return 'double'
    case 'stringValue':
      return 'string'
    case 'bytesValue':
      return 'bytes'
    case 'nullValue':
      return 'null'
    default:
      return 'dyn'
  }
}

/** Whether a value of this kind can never be a bool. */
function neverBool(kind: Kind): boolean {
  return kind !== 'bool' && kind !== 'dyn'
}

function describe(kind: Kind): string {
  if (kind === 'nonbool') return 'a number, string or other non-bool value'
  if (kind === 'null') return 'null'
  return kind === 'int' ? 'an int' : `a ${kind}`
}

/** CEL compares numbers across int, uint and double; other kinds only with themselves. */
function comparable(left: Kind, right: Kind): boolean {
  if (left === 'dyn' || right === 'dyn' || left === 'null' || right === 'null') return true
  if (left === 'nonbool' || right === 'nonbool') return left !== 'bool' && right !== 'bool'
  if (numeric.has(left) && numeric.has(right)) return true
  return left === right
}

function symbol(name: string): string {
  return name === '@in' ? 'in' : name.replaceAll('_', '')
}

/** Checks a parsed condition; the issues found, empty when it is fine. */
export function checkCondition(expr: Expr): readonly CheckIssue[] {
  const checker = new ConditionChecker()
  const result = checker.kindOf(expr)
  if (checker.issues.length === 0 && neverBool(result)) {
    const message = `a condition must yield a bool, not ${describe(result)}`
    checker.issues.push({ exprId: expr.id, message, reason: 'not_bool' })
  }
  return checker.issues
}

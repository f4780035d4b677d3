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
  | 'subject'
  | 'resource'
  | 'context'

/** A problem found, at the id of the expression node it concerns. */
export interface CheckIssue {
  readonly exprId: bigint
  readonly message: string
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
  readonly #scopes: Set<string>[] = [new Set(['subject', 'resource', 'context'])]

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
        return this.#call(expr.id, kind.value.function, targetKind, argKinds)
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
        if (value.accuInit !== undefined) this.kindOf(value.accuInit)
        this.#scopes.push(new Set([value.iterVar, value.accuVar]))
        for (const part of [value.loopCondition, value.loopStep, value.result]) {
          if (part !== undefined) this.kindOf(part)
        }
        this.#scopes.pop()
        return 'dyn'
      }
      default:
        return 'dyn'
    }
  }

  #ident(id: bigint, name: string): Kind {
    for (let index = this.#scopes.length - 1; index >= 0; index -= 1) {
      if (!(this.#scopes[index]?.has(name) ?? false)) continue
      // Comprehension variables (`x` in `list.exists(x, ...)`) are not typed here.
      return index > 0 ? 'dyn' : (name as Kind)
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
    if (from === 'map' || from === 'dyn') return 'dyn'
    this.#report(id, `cannot select '${field}' from a ${from}`)
    return 'dyn'
  }

  #call(id: bigint, name: string, target: Kind | undefined, args: Kind[]): Kind {
    const [left = 'dyn', right = 'dyn'] = args
    if (name === '_&&_' || name === '_||_') {
      for (const arg of args) this.#expect(id, arg, ['bool'], `operands of ${symbol(name)}`)
      return 'bool'
    }
    if (name === '!_') this.#expect(id, left, ['bool'], 'the operand of !')
    if (name === '_?_:_') {
      this.#expect(id, left, ['bool'], 'the condition of ?:')
      const [, whenTrue = 'dyn', whenFalse = 'dyn'] = args
      return whenTrue === whenFalse ? whenTrue : 'dyn'
    }
    if (name === '_==_' || name === '_!=_') {
      if (!comparable(left, right)) {
        this.#report(id, `${symbol(name)} compares a ${left} with a ${right}`)
      }
      return 'bool'
    }
    if (comparisons.includes(name)) {
      if (!comparable(left, right) || (!ordered.has(left) && left !== 'dyn')) {
        this.#report(id, `${symbol(name)} cannot order a ${left} and a ${right}`)
      }
      return 'bool'
    }
    if (arithmetic.includes(name)) return this.#arithmetic(id, name, left, right)
    if (name === '-_') {
      this.#expect(id, left, ['int', 'double', 'duration'], 'the operand of unary -')
      return left
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
    if (left === 'dyn' || right === 'dyn') return 'dyn'
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
    this.#report(id, `${what} must be ${allowed.join(' or ')}, not ${kind}`)
  }

  #report(exprId: bigint, message: string): void {
    this.issues.push({ exprId, message })
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

/** CEL compares numbers across int, uint and double; other kinds only with themselves. */
function comparable(left: Kind, right: Kind): boolean {
  if (left === 'dyn' || right === 'dyn' || left === 'null' || right === 'null') return true
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
  if (checker.issues.length === 0 && result !== 'bool' && result !== 'dyn') {
    checker.issues.push({ exprId: expr.id, message: `a condition must be a bool, not a ${result}` })
  }
  return checker.issues
}

/**
 * Executes a parsed template against data, with Go text/template's semantics for the
 * subset parsed: missing map keys print as empty (Prometheus's `missingkey=zero`), `if`
 * follows Go truthiness, `range` walks arrays and maps in key order.
 */
import type { TemplateFunction } from './functions.js'
import { truthy } from './functions.js'
import { formatGoValue } from './go-format.js'
import type { Command, Node, Operand, Pipeline } from './syntax.js'
import { TemplateError } from './syntax.js'

/** Longest text a template may produce, so a runaway `range` cannot exhaust memory. */
const maxOutputChars = 1_000_000

interface State {
  readonly functions: Readonly<Record<string, TemplateFunction>>
  readonly variables: Map<string, unknown>
  output: string
}

function field(value: unknown, name: string): unknown {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'object') {
    throw new TemplateError(`can't evaluate field ${name} in type ${typeof value}`)
  }
  const record = value as Record<string, unknown>
  return Object.hasOwn(record, name) ? record[name] : ''
}

function walk(value: unknown, path: readonly string[]): unknown {
  return path.reduce(field, value)
}

function operandValue(operand: Operand, dot: unknown, state: State, piped: unknown[]): unknown {
  switch (operand.kind) {
    case 'field': {
      const root = operand.root === 'dot' ? dot : state.variables.get(operand.root)
      return walk(root, operand.path)
    }
    case 'string':
    case 'number':
    case 'bool':
      return operand.value
    case 'nil':
      return undefined
    case 'pipeline':
      return walk(runPipeline(operand.pipeline, dot, state), operand.path)
    case 'function': {
      const fn = state.functions[operand.name]
      if (fn === undefined) throw new TemplateError(`function "${operand.name}" not defined`)
      return fn(...piped)
    }
  }
}

function runCommand(command: Command, dot: unknown, state: State, input: unknown[]): unknown {
  const [head, ...rest] = command.operands
  if (head === undefined) throw new TemplateError('empty command')
  if (head.kind !== 'function') {
    if (input.length > 0) throw new TemplateError('cannot pipe a value into a non-function')
    return operandValue(head, dot, state, [])
  }
  const args = rest.map((operand) => operandValue(operand, dot, state, []))
  return operandValue(head, dot, state, [...args, ...input])
}

function runPipeline(pipeline: Pipeline, dot: unknown, state: State): unknown {
  let value: unknown
  pipeline.commands.forEach((command, index) => {
    value = runCommand(command, dot, state, index === 0 ? [] : [value])
  })
  const [name] = pipeline.declare
  if (name !== undefined && pipeline.declare.length === 1) state.variables.set(name, value)
  return value
}

function write(state: State, text: string): void {
  state.output += text
  if (state.output.length > maxOutputChars) {
    throw new TemplateError(`output exceeds ${maxOutputChars} characters`)
  }
}

function rangeItems(value: unknown): [unknown, unknown][] {
  if (value === undefined || value === null) return []
  if (Array.isArray(value)) return value.map((item, index) => [index, item as unknown])
  if (typeof value === 'number') {
    return Array.from({ length: Math.max(0, Math.trunc(value)) }, (_, index) => [index, index])
  }
  if (typeof value === 'object') {
    return Object.keys(value)
      .sort()
      .map((key) => [key, (value as Record<string, unknown>)[key]])
  }
  throw new TemplateError(`range can't iterate over ${formatGoValue(value)}`)
}

function runNodes(nodes: readonly Node[], dot: unknown, state: State): void {
  for (const node of nodes) {
    switch (node.kind) {
      case 'text':
        write(state, node.text)
        break
      case 'action': {
        const value = runPipeline(node.pipeline, dot, state)
        if (node.pipeline.declare.length === 0) write(state, formatGoValue(value))
        break
      }
      case 'if':
      case 'with': {
        const value = runPipeline(node.pipeline, dot, state)
        if (truthy(value)) runNodes(node.body, node.kind === 'with' ? value : dot, state)
        else runNodes(node.otherwise, dot, state)
        break
      }
      case 'range': {
        const items = rangeItems(runPipeline({ ...node.pipeline, declare: [] }, dot, state))
        if (items.length === 0) runNodes(node.otherwise, dot, state)
        const [first, second] = node.pipeline.declare
        for (const [key, item] of items) {
          if (second !== undefined && first !== undefined) {
            state.variables.set(first, key)
            state.variables.set(second, item)
          } else if (first !== undefined) state.variables.set(first, item)
          runNodes(node.body, item, state)
        }
        break
      }
    }
  }
}

/** Runs `nodes` with `.` = `data` and the given variables; `$` is `data`. */
export function executeTemplate(
  nodes: readonly Node[],
  data: unknown,
  variables: Readonly<Record<string, unknown>>,
  functions: Readonly<Record<string, TemplateFunction>>,
): string {
  const state: State = {
    functions,
    variables: new Map<string, unknown>([['$', data], ...Object.entries(variables)]),
    output: '',
  }
  runNodes(nodes, data, state)
  return state.output
}

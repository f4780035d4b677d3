/**
 * A parser for the Go text/template subset of Prometheus rule templates. It reports what Go's
 * parser would reject at load time: unclosed actions, unknown functions, undefined variables,
 * unbalanced `if`/`range`/`with`/`end`.
 */
import type { Command, Node, Operand, Pipeline } from './syntax.js'
import { TemplateError } from './syntax.js'

const keywords = new Set(['if', 'else', 'end', 'range', 'with'])

interface Action {
  readonly text: string
  readonly line: number
}

/** Splits template text into text pieces and action bodies, applying `{{-` and `-}}`. */
function splitActions(source: string): (string | Action)[] {
  const pieces: (string | Action)[] = []
  let position = 0
  let trimNext = false
  while (position < source.length) {
    const open = source.indexOf('{{', position)
    let text = source.slice(position, open < 0 ? source.length : open)
    if (trimNext) text = text.replace(/^\s+/, '')
    trimNext = false
    if (open < 0) {
      if (text !== '') pieces.push(text)
      break
    }
    const line = source.slice(0, open).split('\n').length
    let start = open + 2
    if (source.startsWith('- ', start) || /^-[\t\n\r]/.test(source.slice(start, start + 2))) {
      text = text.replace(/\s+$/, '')
      start += 1
    }
    if (text !== '') pieces.push(text)
    const close = findClose(source, start)
    if (close < 0) throw new TemplateError(`${line}: unclosed action`)
    let end = close
    if (close >= 2 && /\s-$/.test(source.slice(close - 2, close))) {
      end = close - 1
      trimNext = true
    }
    pieces.push({ text: source.slice(start, end).trim(), line })
    position = close + 2
  }
  return pieces
}

/** The `}}` closing the action at `start`, skipping quoted strings and comments. */
function findClose(source: string, start: number): number {
  for (let index = start; index < source.length; index++) {
    const char = source[index]
    if (source.startsWith('/*', index)) {
      const end = source.indexOf('*/', index + 2)
      if (end < 0) return -1
      index = end + 1
    } else if (char === '"') {
      for (index++; index < source.length && source[index] !== '"'; index++) {
        if (source[index] === '\\') index++
      }
    } else if (char === '`') {
      index = source.indexOf('`', index + 1)
      if (index < 0) return -1
    } else if (source.startsWith('}}', index)) return index
  }
  return -1
}

const tokenPattern =
  /\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|('(?:[^'\\]|\\.)')|(:=|=|,|\||\(|\))|([-+]?(?:0x[0-9a-fA-F]+|\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+))|((?:\$[A-Za-z0-9_]*|[A-Za-z_][A-Za-z0-9_]*)?(?:\.[A-Za-z0-9_]+)*\.?))/y

function tokenize(text: string, line: number): string[] {
  const tokens: string[] = []
  tokenPattern.lastIndex = 0
  while (tokenPattern.lastIndex < text.length) {
    const before = tokenPattern.lastIndex
    const match = tokenPattern.exec(text)
    const token = match?.[0].trim() ?? ''
    if (match === null || (token === '' && text.slice(before).trim() !== '')) {
      throw new TemplateError(`${line}: unexpected "${text.slice(before).trim()}" in action`)
    }
    if (token === '') break
    tokens.push(token)
  }
  return tokens
}

function unquote(token: string, line: number): string {
  if (token.startsWith('`')) return token.slice(1, -1)
  try {
    return JSON.parse(token.replace(/\\'/g, "'")) as string
  } catch {
    throw new TemplateError(`${line}: bad string ${token}`)
  }
}

class ActionParser {
  #index = 0
  readonly #tokens: readonly string[]
  readonly #line: number
  readonly #scope: Set<string>
  readonly #functions: ReadonlySet<string>

  constructor(action: Action, scope: Set<string>, functions: ReadonlySet<string>) {
    this.#tokens = tokenize(action.text, action.line)
    this.#line = action.line
    this.#scope = scope
    this.#functions = functions
  }

  get done(): boolean {
    return this.#index >= this.#tokens.length
  }

  fail(message: string): never {
    throw new TemplateError(`${this.#line}: ${message}`)
  }

  peek(): string | undefined {
    return this.#tokens[this.#index]
  }

  next(): string | undefined {
    return this.#tokens[this.#index++]
  }

  pipeline(allowDeclare: boolean, end?: string): Pipeline {
    const declare: string[] = []
    let assign = false
    const first = this.#tokens[this.#index]
    const second = this.#tokens[this.#index + 1]
    if (allowDeclare && first?.startsWith('$') === true) {
      const third = this.#tokens[this.#index + 2]
      if (second === ':=' || second === '=') {
        declare.push(first)
        assign = second === '='
        this.#index += 2
      } else if (second === ',' && third?.startsWith('$') === true) {
        if (this.#tokens[this.#index + 3] !== ':=') this.fail('expected := after $k, $v')
        declare.push(first, third)
        this.#index += 4
      }
    }
    const commands: Command[] = []
    for (;;) {
      commands.push(this.command(end))
      if (this.peek() !== '|') break
      this.next()
    }
    if (assign && !this.#scope.has(declare[0] ?? '')) {
      this.fail(`undefined variable "${declare[0]}"`)
    }
    for (const name of declare) this.#scope.add(name)
    return { declare, assign, commands }
  }

  command(end?: string): Command {
    const operands: Operand[] = []
    while (!this.done && this.peek() !== '|' && this.peek() !== end) {
      operands.push(this.operand())
    }
    if (operands.length === 0) this.fail('missing value for command')
    const [head, ...rest] = operands
    if (rest.length > 0 && head?.kind !== 'function') {
      this.fail('can only call functions with arguments')
    }
    return { operands }
  }

  operand(): Operand {
    const token = this.next() ?? this.fail('unexpected end of action')
    if (token === '(') {
      const pipeline = this.pipeline(false, ')')
      if (this.next() !== ')') this.fail('unclosed left paren')
      const path = this.peek()?.startsWith('.') === true ? this.#fieldPath(this.next() ?? '') : []
      return { kind: 'pipeline', pipeline, path }
    }
    if (token.startsWith('"') || token.startsWith('`')) {
      return { kind: 'string', value: unquote(token, this.#line) }
    }
    if (token.startsWith("'")) return { kind: 'number', value: token.codePointAt(1) ?? 0 }
    if (/^[-+]?(0x|\d|\.\d)/.test(token)) return { kind: 'number', value: Number(token) }
    if (token === 'true' || token === 'false') return { kind: 'bool', value: token === 'true' }
    if (token === 'nil') return { kind: 'nil' }
    if (token.startsWith('$')) {
      const dot = token.indexOf('.')
      const name = dot < 0 ? token : token.slice(0, dot)
      if (!this.#scope.has(name)) this.fail(`undefined variable "${name}"`)
      return { kind: 'field', root: name, path: dot < 0 ? [] : this.#fieldPath(token.slice(dot)) }
    }
    if (token.startsWith('.')) return { kind: 'field', root: 'dot', path: this.#fieldPath(token) }
    if (keywords.has(token)) this.fail(`unexpected keyword ${token} in command`)
    if (!this.#functions.has(token)) this.fail(`function "${token}" not defined`)
    return { kind: 'function', name: token }
  }

  #fieldPath(text: string): string[] {
    return text === '.' ? [] : text.slice(1).split('.')
  }
}

interface Frame {
  readonly kind: 'if' | 'with' | 'range' | 'root'
  readonly pipeline?: Pipeline
  readonly body: Node[]
  otherwise: Node[] | undefined
  /** `else if` chains close together with one `end`. */
  readonly chained: boolean
}

/**
 * Parses a template into its tree.
 *
 * @param functions names callable from the template; others are rejected, as in Go.
 * @param variables variables defined before the template (`$labels`, `$value`...).
 */
export function parseTemplate(
  source: string,
  functions: ReadonlySet<string>,
  variables: readonly string[] = [],
): Node[] {
  const scope = new Set(['$', ...variables])
  const root: Frame = { kind: 'root', body: [], otherwise: undefined, chained: false }
  const stack: Frame[] = [root]
  const current = (): Node[] => {
    const frame = stack[stack.length - 1] ?? root
    return frame.otherwise ?? frame.body
  }

  for (const piece of splitActions(source)) {
    if (typeof piece === 'string') {
      current().push({ kind: 'text', text: piece })
      continue
    }
    if (piece.text.startsWith('/*')) {
      if (!piece.text.endsWith('*/')) throw new TemplateError(`${piece.line}: unclosed comment`)
      continue
    }
    // Annotated so that `parser.fail` (returning never) narrows like a throw.
    const parser: ActionParser = new ActionParser(piece, scope, functions)
    const word = parser.peek()
    if (word === 'if' || word === 'with' || word === 'range') {
      parser.next()
      const pipeline = parseBlockPipeline(parser, word)
      stack.push({ kind: word, pipeline, body: [], otherwise: undefined, chained: false })
    } else if (word === 'else') {
      parser.next()
      const frame = stack[stack.length - 1]
      if (frame === undefined || frame.kind === 'root' || frame.otherwise !== undefined) {
        parser.fail('unexpected {{else}}')
      }
      frame.otherwise = []
      if (!parser.done) {
        const chained = parser.next()
        if (chained !== 'if' && chained !== 'with') parser.fail('unexpected token after else')
        const pipeline = parseBlockPipeline(parser, chained)
        stack.push({ kind: chained, pipeline, body: [], otherwise: undefined, chained: true })
      }
    } else if (word === 'end') {
      parser.next()
      if (!parser.done) parser.fail('unexpected token after end')
      closeFrames(stack, parser)
    } else if (word !== undefined && ['define', 'template', 'block'].includes(word)) {
      parser.fail(`{{${word}}} is not supported in rule templates`)
    } else {
      const pipeline = parser.pipeline(true)
      if (!parser.done) parser.fail(`unexpected "${parser.peek()}" in operand`)
      current().push({ kind: 'action', pipeline })
    }
  }
  if (stack.length > 1) throw new TemplateError(`unexpected EOF: missing {{end}}`)
  return root.body
}

function parseBlockPipeline(parser: ActionParser, word: string): Pipeline {
  if (parser.done) parser.fail(`missing value for ${word}`)
  const pipeline = parser.pipeline(true)
  if (!parser.done) parser.fail(`unexpected "${parser.peek()}" in ${word}`)
  return pipeline
}

function closeFrames(stack: Frame[], parser: ActionParser): void {
  for (;;) {
    const frame = stack.pop()
    if (frame === undefined || frame.kind === 'root' || frame.pipeline === undefined) {
      parser.fail('unexpected {{end}}')
    }
    const parent = stack[stack.length - 1]
    const target = parent === undefined ? [] : (parent.otherwise ?? parent.body)
    target.push({
      kind: frame.kind,
      pipeline: frame.pipeline,
      body: frame.body,
      otherwise: frame.otherwise ?? [],
    })
    if (!frame.chained) return
  }
}

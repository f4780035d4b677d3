/**
 * The syntax tree of the Go text/template subset that Prometheus rule templates use:
 * text, `{{ pipeline }}`, `if`/`else if`/`else`, `range`, `with`, variables and pipes.
 */

export type Operand =
  | {
      readonly kind: 'field' /** `dot` for `.x`, else a variable such as `$labels`. */
      readonly root: string
      readonly path: readonly string[]
    }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'nil' }
  | { readonly kind: 'function'; readonly name: string }
  | { readonly kind: 'pipeline'; readonly pipeline: Pipeline; readonly path: readonly string[] }

/** `name arg arg...`: a function call, or one operand alone. */
export interface Command {
  readonly operands: readonly Operand[]
}

export interface Pipeline {
  /** `$x := ...` declares, `$x = ...` assigns; a range may declare two. */
  readonly declare: readonly string[]
  readonly assign: boolean
  readonly commands: readonly Command[]
}

export type Node =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'action'; readonly pipeline: Pipeline }
  | {
      readonly kind: 'if' | 'with' | 'range'
      readonly pipeline: Pipeline
      readonly body: readonly Node[]
      readonly otherwise: readonly Node[]
    }

/** A template that does not parse or fails while executing; the message says where. */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TemplateError'
  }
}

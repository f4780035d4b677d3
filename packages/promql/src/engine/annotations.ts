/**
 * Warnings and infos collected while a query runs, in Prometheus's wording so clients and
 * tests that match on the text keep working.
 */
import type { SourceRange } from '../parser/ast.js'
import { positionOf } from '../parser/syntax-error.js'

/** Warnings and infos, each already formatted with the position it refers to. */
export interface Annotations {
  readonly warnings: readonly string[]
  readonly infos: readonly string[]
}

/** Collects annotations for one query, without duplicates. */
export class AnnotationCollector {
  readonly #query: string
  readonly #warnings = new Set<string>()
  readonly #infos = new Set<string>()

  constructor(query: string) {
    this.#query = query
  }

  /** Adds `PromQL warning: <message> (line:column)`. */
  warn(message: string, range: SourceRange): void {
    this.#warnings.add(`PromQL warning: ${message}${this.#where(range)}`)
  }

  /** Adds `PromQL info: <message> (line:column)`. */
  info(message: string, range: SourceRange): void {
    this.#infos.add(`PromQL info: ${message}${this.#where(range)}`)
  }

  toJSON(): Annotations {
    return { warnings: [...this.#warnings], infos: [...this.#infos] }
  }

  #where(range: SourceRange): string {
    const position = positionOf(this.#query, range.start)
    return ` (${position.line}:${position.column})`
  }
}

/**
 * The inverted index of the head: series refs by label-set key, and postings lists of refs per
 * label name and value for matcher lookup.
 */

import type { Labels } from '../model/series.js'
import type { CompiledMatcher } from './label-matcher.js'
import { matchesAll } from './label-matcher.js'
import { insertPosting, intersectPostings, removePosting, unionPostings } from './postings.js'

export class SeriesIndex {
  readonly #refByKey = new Map<string, number>()
  readonly #labelsByRef: (Labels | undefined)[] = []
  readonly #postings = new Map<string, Map<string, number[]>>()
  /** Every ref, sorted; the starting set when no matcher narrows the search. */
  readonly #allRefs: number[] = []

  get size(): number {
    return this.#refByKey.size
  }

  refOf(key: string): number | undefined {
    return this.#refByKey.get(key)
  }

  labelsOf(ref: number): Labels | undefined {
    return this.#labelsByRef[ref]
  }

  /** Adds a series. Refs usually arrive in increasing order, which appends to postings. */
  add(ref: number, key: string, labels: Labels): void {
    this.#refByKey.set(key, ref)
    this.#labelsByRef[ref] = labels
    insertPosting(this.#allRefs, ref)

    for (const name of Object.keys(labels)) {
      const value = labels[name]!
      let values = this.#postings.get(name)
      if (values === undefined) {
        values = new Map()
        this.#postings.set(name, values)
      }

      const list = values.get(value)
      if (list === undefined) values.set(value, [ref])
      else insertPosting(list, ref)
    }
  }

  remove(ref: number, key: string): void {
    const labels = this.#labelsByRef[ref]
    if (labels === undefined) return

    this.#refByKey.delete(key)
    this.#labelsByRef[ref] = undefined
    removePosting(this.#allRefs, ref)

    for (const name of Object.keys(labels)) {
      const values = this.#postings.get(name)
      const list = values?.get(labels[name]!)
      if (values === undefined || list === undefined) continue

      removePosting(list, ref)
      if (list.length === 0) values.delete(labels[name]!)
      if (values.size === 0) this.#postings.delete(name)
    }
  }

  /**
   * Refs of the series matching every matcher, sorted. Matchers that reject the empty value
   * narrow the search through postings (`=` by direct lookup, the others by testing each value
   * of the label); the candidates are then checked against every matcher.
   */
  select(matchers: readonly CompiledMatcher[]): number[] {
    let candidates: number[] | undefined
    for (const matcher of matchers) {
      if (matcher.matchesEmpty) continue

      const postings = this.#postingsFor(matcher)
      candidates = candidates === undefined ? postings : intersectPostings(candidates, postings)
      if (candidates.length === 0) return candidates
    }

    const refs = candidates ?? this.#allRefs
    const result: number[] = []
    for (const ref of refs) {
      const labels = this.#labelsByRef[ref]
      if (labels !== undefined && matchesAll(labels, matchers)) result.push(ref)
    }

    return result
  }

  /** Sorted label names used by the given series, or by all series. */
  labelNames(refs?: readonly number[]): string[] {
    if (refs === undefined) return [...this.#postings.keys()].sort()

    const names = new Set<string>()
    for (const ref of refs) {
      const labels = this.#labelsByRef[ref]
      if (labels !== undefined) for (const name of Object.keys(labels)) names.add(name)
    }
    return [...names].sort()
  }

  /** Sorted values of one label among the given series, or among all series. */
  labelValues(name: string, refs?: readonly number[]): string[] {
    if (refs === undefined) return [...(this.#postings.get(name)?.keys() ?? [])].sort()

    const values = new Set<string>()
    for (const ref of refs) {
      const value = this.#labelsByRef[ref]?.[name]
      if (value !== undefined) values.add(value)
    }
    return [...values].sort()
  }

  #postingsFor(matcher: CompiledMatcher): number[] {
    const values = this.#postings.get(matcher.name)
    if (values === undefined) return []

    if (matcher.equals !== undefined) return values.get(matcher.equals) ?? []

    const lists: number[][] = []
    for (const [value, list] of values) if (matcher.matches(value)) lists.push(list)
    return unionPostings(lists)
  }
}

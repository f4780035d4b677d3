/**
 * A sync or async iterable read one item at a time with one item of lookahead.
 */

/** Returned by `next` and `peek` when the source is exhausted. */
export const END: unique symbol = Symbol('end')

/** Returned by `nextSync` when the next item can only be had by awaiting `next`. */
export const PENDING: unique symbol = Symbol('pending')

export class Peekable<T> {
  readonly #iterator: AsyncIterator<T> | Iterator<T>
  readonly #sync: boolean
  #buffered: { value: T | typeof END } | undefined

  constructor(source: AsyncIterable<T> | Iterable<T>) {
    this.#sync = !(Symbol.asyncIterator in source)
    this.#iterator =
      Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]()
  }

  /**
   * The next item, consumed, without a promise when the source is synchronous (or the item is
   * already buffered); `PENDING` otherwise. A walk over an array then skips a promise per item.
   */
  nextSync(): T | typeof END | typeof PENDING {
    const buffered = this.#buffered
    if (buffered !== undefined) {
      this.#buffered = undefined
      return buffered.value
    }
    if (!this.#sync) return PENDING
    const result = (this.#iterator as Iterator<T>).next()
    return result.done === true ? END : result.value
  }

  /** The next item, consumed. */
  async next(): Promise<T | typeof END> {
    const buffered = this.#buffered
    if (buffered !== undefined) {
      this.#buffered = undefined
      return buffered.value
    }
    return this.#read()
  }

  /** The next item, left in place. */
  async peek(): Promise<T | typeof END> {
    this.#buffered ??= { value: await this.#read() }
    return this.#buffered.value
  }

  async #read(): Promise<T | typeof END> {
    const result = await this.#iterator.next()
    return result.done === true ? END : result.value
  }
}

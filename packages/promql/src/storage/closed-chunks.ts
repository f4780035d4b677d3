/**
 * The complete chunks of one series, oldest first, packed into one growing byte buffer.
 *
 * Keeping a series' chunks in a single buffer, with their bounds in one Float64Array, costs a
 * few objects per series instead of a few per chunk; with about 120 samples in a chunk that
 * overhead would otherwise be larger than the compressed samples themselves.
 */

/** Numbers kept per chunk in the metadata array. */
const FIELDS = 4
const MIN_TIME = 0
const MAX_TIME = 1
const END_OFFSET = 2
const COUNT = 3

/** Growth factor for the buffers: small, since a series' history grows steadily. */
const GROWTH = 1.25

export interface ChunkView {
  readonly minTimeMs: number
  readonly maxTimeMs: number
  readonly count: number
  readonly bytes: Uint8Array
}

export class ClosedChunks {
  #bytes = new Uint8Array(0)
  #meta = new Float64Array(0)
  /** Index of the oldest live chunk in `#meta`, and byte offset where it starts. */
  #first = 0
  #startOffset = 0
  /** Chunks in `#meta`, live or dropped but not yet compacted away. */
  #length = 0
  /** How many of the newest chunks are not yet in a chunk file. */
  #unpersisted = 0

  /** Live chunks. */
  get count(): number {
    return this.#length - this.#first
  }

  /** Bytes of live chunk data. */
  get byteLength(): number {
    return this.#endOffset(this.#length - 1) - this.#startOffset
  }

  /** Bytes reserved by the buffers. */
  get capacityBytes(): number {
    return this.#bytes.length + this.#meta.byteLength
  }

  get unpersistedCount(): number {
    return this.#unpersisted
  }

  get minTimeMs(): number {
    return this.count === 0 ? Infinity : this.#meta[this.#first * FIELDS + MIN_TIME]!
  }

  get maxTimeMs(): number {
    return this.count === 0 ? -Infinity : this.#meta[(this.#length - 1) * FIELDS + MAX_TIME]!
  }

  /** Max time of the oldest live chunk. */
  get oldestMaxTimeMs(): number {
    return this.count === 0 ? Infinity : this.#meta[this.#first * FIELDS + MAX_TIME]!
  }

  /** Appends a complete chunk, newer than every chunk already held. */
  push(bytes: Uint8Array, minTimeMs: number, maxTimeMs: number, count: number, persisted = false) {
    const start = this.#endOffset(this.#length - 1)
    const end = start + bytes.length
    if (end > this.#bytes.length) this.#bytes = grow(this.#bytes, end)
    if ((this.#length + 1) * FIELDS > this.#meta.length) {
      this.#meta = grow(this.#meta, (this.#length + 1) * FIELDS)
    }

    this.#bytes.set(bytes, start)
    const base = this.#length * FIELDS
    this.#meta[base + MIN_TIME] = minTimeMs
    this.#meta[base + MAX_TIME] = maxTimeMs
    this.#meta[base + END_OFFSET] = end
    this.#meta[base + COUNT] = count
    this.#length++
    this.#unpersisted = persisted ? 0 : this.#unpersisted + 1
  }

  /** The live chunk at `index` (0 is the oldest); its bytes are a view, valid until a push. */
  at(index: number): ChunkView {
    const position = this.#first + index
    const base = position * FIELDS
    const start = this.#endOffset(position - 1)
    const end = this.#meta[base + END_OFFSET]!
    return {
      minTimeMs: this.#meta[base + MIN_TIME]!,
      maxTimeMs: this.#meta[base + MAX_TIME]!,
      count: this.#meta[base + COUNT]!,
      bytes: this.#bytes.subarray(start, end),
    }
  }

  /** The buffer all chunks live in, valid until the next push or drop. */
  get buffer(): Uint8Array {
    return this.#bytes
  }

  /** Where the live chunk at `index` starts in {@link buffer}. */
  byteOffsetAt(index: number): number {
    return this.#endOffset(this.#first + index - 1)
  }

  /** Sample count of the live chunk at `index`. */
  countAt(index: number): number {
    return this.#meta[(this.#first + index) * FIELDS + COUNT]!
  }

  /** Max time of the live chunk at `index` (0 is the oldest). */
  maxTimeAt(index: number): number {
    return this.#meta[(this.#first + index) * FIELDS + MAX_TIME]!
  }

  /** Min time of the live chunk at `index` (0 is the oldest). */
  minTimeAt(index: number): number {
    return this.#meta[(this.#first + index) * FIELDS + MIN_TIME]!
  }

  /** Index of the oldest live chunk whose newest sample is at or after `timeMs`. */
  firstEndingAtOrAfter(timeMs: number): number {
    let low = 0
    let high = this.count
    while (low < high) {
      const middle = (low + high) >>> 1
      if (this.#meta[(this.#first + middle) * FIELDS + MAX_TIME]! < timeMs) low = middle + 1
      else high = middle
    }
    return low
  }

  /** Marks every chunk as written to a chunk file. */
  markPersisted(): void {
    this.#unpersisted = 0
  }

  /**
   * Drops chunks whose newest sample is older than `cutoffMs`; returns bytes freed. The
   * buffers shrink once half the chunks are dropped, or at once with `shrink`.
   */
  dropBefore(cutoffMs: number, shrink = false): number {
    const before = this.byteLength
    while (this.count > 0 && this.oldestMaxTimeMs < cutoffMs) {
      this.#startOffset = this.#meta[this.#first * FIELDS + END_OFFSET]!
      this.#first++
    }

    if (this.#unpersisted > this.count) this.#unpersisted = this.count
    if (this.#first > 0 && (shrink || this.#first * 2 >= this.#length)) this.#compact()
    return before - this.byteLength
  }

  #endOffset(position: number): number {
    return position < 0 ? 0 : this.#meta[position * FIELDS + END_OFFSET]!
  }

  /** Moves live chunks to the front once at least half of the held chunks are dropped. */
  #compact(): void {
    const shift = this.#startOffset
    const liveBytes = this.byteLength
    const liveChunks = this.count

    const bytes = new Uint8Array(Math.ceil(liveBytes * GROWTH))
    bytes.set(this.#bytes.subarray(shift, shift + liveBytes))
    const meta = new Float64Array(Math.ceil(liveChunks * GROWTH) * FIELDS)
    meta.set(this.#meta.subarray(this.#first * FIELDS, this.#length * FIELDS))
    for (let i = 0; i < liveChunks; i++) meta[i * FIELDS + END_OFFSET]! -= shift

    this.#bytes = bytes
    this.#meta = meta
    this.#first = 0
    this.#startOffset = 0
    this.#length = liveChunks
  }
}

function grow<T extends Uint8Array | Float64Array>(array: T, needed: number): T {
  const capacity = Math.max(needed, Math.ceil(array.length * GROWTH), 64)
  const next = (
    array instanceof Uint8Array ? new Uint8Array(capacity) : new Float64Array(capacity)
  ) as T
  next.set(array)
  return next
}

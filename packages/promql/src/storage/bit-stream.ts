/**
 * Bit-level writing and reading over a Uint8Array, most significant bit first.
 *
 * JavaScript bitwise operators work on 32-bit integers, so every call moves at most 32 bits;
 * 64-bit quantities are written as a high and a low word.
 */

const INITIAL_CAPACITY_BYTES = 16

/** An append-only bit stream whose buffer grows as needed. */
export class BitWriter {
  #bytes: Uint8Array
  #bitLength = 0

  constructor(initialCapacityBytes = INITIAL_CAPACITY_BYTES) {
    this.#bytes = new Uint8Array(initialCapacityBytes)
  }

  /** Number of bits written so far. */
  get bitLength(): number {
    return this.#bitLength
  }

  /** Number of bytes the written bits occupy. */
  get byteLength(): number {
    return (this.#bitLength + 7) >>> 3
  }

  /** Bytes reserved by the buffer, written or not. */
  get capacityBytes(): number {
    return this.#bytes.length
  }

  /** The live buffer; bytes past `byteLength` are zero. Valid until the next write. */
  get bytes(): Uint8Array {
    return this.#bytes
  }

  writeBit(bit: number): void {
    const position = this.#bitLength
    if (position >>> 3 >= this.#bytes.length) this.#grow(1)

    if (bit !== 0) this.#bytes[position >>> 3]! |= 0x80 >>> (position & 7)
    this.#bitLength = position + 1
  }

  /** Writes the low `count` bits of `value` (0 ≤ count ≤ 32), high bit first. */
  writeBits(value: number, count: number): void {
    if (count === 0) return
    if ((this.#bitLength + count + 7) >>> 3 > this.#bytes.length) this.#grow(4)

    const position = this.#bitLength
    const offset = position & 7
    if (offset + count > 32) {
      // The bits straddle five bytes: write the high part, then the rest.
      const low = offset + count - 32
      this.#writeWindow(value >>> low, count - low)
      this.#writeWindow(value, low)
      return
    }

    this.#writeWindow(value, count)
  }

  /** Writes `count` bits that, with the current bit offset, fit one 32-bit window. */
  #writeWindow(value: number, count: number): void {
    const bytes = this.#bytes
    const position = this.#bitLength
    const index = position >>> 3
    const offset = position & 7
    // Bits aligned to the top of a 32-bit window starting at the current byte.
    const window = ((value << (32 - count)) >>> offset) >>> 0
    const touched = (offset + count + 7) >>> 3

    bytes[index]! |= window >>> 24
    if (touched > 1) bytes[index + 1] = (window >>> 16) & 0xff
    if (touched > 2) bytes[index + 2] = (window >>> 8) & 0xff
    if (touched > 3) bytes[index + 3] = window & 0xff
    this.#bitLength = position + count
  }

  /** A copy of exactly the written bytes. */
  finish(): Uint8Array {
    return this.#bytes.slice(0, this.byteLength)
  }

  #grow(minimumExtraBytes: number): void {
    const needed = this.byteLength + minimumExtraBytes
    let capacity = this.#bytes.length * 2
    while (capacity < needed) capacity *= 2

    const next = new Uint8Array(capacity)
    next.set(this.#bytes)
    this.#bytes = next
  }
}

/** Reads bits written by {@link BitWriter}. Reading past the end yields zero bits. */
export class BitReader {
  #bytes: Uint8Array
  #position: number

  constructor(bytes: Uint8Array, startBit = 0) {
    this.#bytes = bytes
    this.#position = startBit
  }

  /** Starts over on other bytes, so one reader can serve many chunks without allocating. */
  reset(bytes: Uint8Array, startBit = 0): void {
    this.#bytes = bytes
    this.#position = startBit
  }

  get position(): number {
    return this.#position
  }

  readBit(): number {
    const position = this.#position
    this.#position = position + 1
    // Past the end the byte is undefined, which shifts as 0: missing bits read as zeros.
    return (this.#bytes[position >>> 3]! >>> (7 - (position & 7))) & 1
  }

  /** Reads `count` bits (0 ≤ count ≤ 32) as an unsigned integer. */
  readBits(count: number): number {
    if (count === 0) return 0

    const offset = this.#position & 7
    if (offset + count > 32) {
      // The bits straddle five bytes: read the high part, then the rest.
      const low = offset + count - 32
      const high = this.#readWindow(count - low)
      return high * (1 << low) + this.#readWindow(low)
    }

    return this.#readWindow(count)
  }

  /** Reads `count` (≥ 1) bits that, with the current bit offset, lie in one 32-bit window. */
  #readWindow(count: number): number {
    const bytes = this.#bytes
    const position = this.#position
    const index = position >>> 3
    // As in readBit, bytes past the end are undefined and contribute zeros.
    const window =
      (bytes[index]! << 24) |
      (bytes[index + 1]! << 16) |
      (bytes[index + 2]! << 8) |
      bytes[index + 3]!
    this.#position = position + count
    return ((window << (position & 7)) >>> (32 - count)) >>> 0
  }
}

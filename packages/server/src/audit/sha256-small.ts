/**
 * SHA-256 (FIPS 180-4) in plain JavaScript for the two tiny messages a Merkle tree hashes: a
 * 33-byte leaf (`0x00 ‖ 32 bytes`) and a 65-byte node (`0x01 ‖ 32 ‖ 32`). For inputs this
 * small, `node:crypto` spends most of its time crossing into OpenSSL rather than hashing;
 * compressing one or two blocks here is faster. Checked against `node:crypto` in the tests.
 */

// First 32 bits of the fractional parts of the cube roots of the first 64 primes.
const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])

// First 32 bits of the fractional parts of the square roots of the first 8 primes.
const INITIAL = Int32Array.from([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
])

const state = new Int32Array(8)
const schedule = new Int32Array(64)
const message = new Uint8Array(128)

/** SHA-256(prefix ‖ left) for a 32-byte `left`: the RFC 6962 leaf hash of a 32-byte input. */
export function sha256PrefixedOne(prefix: number, left: Uint8Array): Buffer {
  message[0] = prefix
  message.set(left, 1)
  // Padding: 0x80, zeros, then the length in bits (33 * 8 = 264) in the last 8 bytes.
  message[33] = 0x80
  message.fill(0, 34, 62)
  message[62] = 0x01
  message[63] = 0x08
  return digest(1)
}

/** SHA-256(prefix ‖ left ‖ right) for 32-byte halves: the RFC 6962 node hash. */
export function sha256PrefixedTwo(prefix: number, left: Uint8Array, right: Uint8Array): Buffer {
  message[0] = prefix
  message.set(left, 1)
  message.set(right, 33)
  // Padding: 0x80, zeros, then the length in bits (65 * 8 = 520) in the last 8 bytes.
  message[65] = 0x80
  message.fill(0, 66, 126)
  message[126] = 0x02
  message[127] = 0x08
  return digest(2)
}

function digest(blocks: number): Buffer {
  state.set(INITIAL)
  for (let block = 0; block < blocks; block++) compress(block * 64)

  const out = Buffer.allocUnsafe(32)
  for (let index = 0; index < 8; index++) out.writeInt32BE(state[index] as number, index * 4)
  return out
}

function compress(offset: number): void {
  const w = schedule
  for (let index = 0; index < 16; index++) {
    const at = offset + index * 4
    w[index] =
      ((message[at] as number) << 24) |
      ((message[at + 1] as number) << 16) |
      ((message[at + 2] as number) << 8) |
      (message[at + 3] as number)
  }
  for (let index = 16; index < 64; index++) {
    const x = w[index - 15] as number
    const y = w[index - 2] as number
    const sigma0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)
    const sigma1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)
    w[index] = ((w[index - 16] as number) + sigma0 + (w[index - 7] as number) + sigma1) | 0
  }

  let a = state[0] as number
  let b = state[1] as number
  let c = state[2] as number
  let d = state[3] as number
  let e = state[4] as number
  let f = state[5] as number
  let g = state[6] as number
  let h = state[7] as number
  for (let index = 0; index < 64; index++) {
    const sum1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
    const choose = (e & f) ^ (~e & g)
    const t1 = (h + sum1 + choose + (K[index] as number) + (w[index] as number)) | 0
    const sum0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
    const majority = (a & b) ^ (a & c) ^ (b & c)
    const t2 = (sum0 + majority) | 0
    h = g
    g = f
    f = e
    e = (d + t1) | 0
    d = c
    c = b
    b = a
    a = (t1 + t2) | 0
  }

  state[0] = ((state[0] as number) + a) | 0
  state[1] = ((state[1] as number) + b) | 0
  state[2] = ((state[2] as number) + c) | 0
  state[3] = ((state[3] as number) + d) | 0
  state[4] = ((state[4] as number) + e) | 0
  state[5] = ((state[5] as number) + f) | 0
  state[6] = ((state[6] as number) + g) | 0
  state[7] = ((state[7] as number) + h) | 0
}

/**
 * TOTP codes against RFC 6238 Appendix B and HOTP against RFC 4226 Appendix D (the HOTP
 * value is TOTP with a 1-second period at epoch = counter), from ../shared/testdata/otp/.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { findTestdata } from '../../test-support/testdata.js'
import { totpCode } from './totp.js'

interface TotpVector {
  time: number
  algorithm: 'SHA1' | 'SHA256' | 'SHA512'
  digits: 6 | 8
  period: number
  secret_base32: string
  expected: string
}

const directory = findTestdata('otp')

describe.skipIf(directory === undefined)('RFC 6238 test vectors', () => {
  const file = join(directory ?? '', 'rfc6238-totp.json')
  const vectors = (JSON.parse(readFileSync(file, 'utf8')) as { vectors: TotpVector[] }).vectors

  it('has the 18 vectors of Appendix B', () => {
    expect(vectors).toHaveLength(18)
  })

  it.each(vectors)('$algorithm at $time gives $expected', async (vector) => {
    const code = await totpCode(vector.secret_base32, vector.time, {
      algorithm: vector.algorithm.toLowerCase() as 'sha1' | 'sha256' | 'sha512',
      digits: vector.digits,
      period: vector.period,
    })
    expect(code).toBe(vector.expected)
  })
})

describe.skipIf(directory === undefined)('RFC 4226 test vectors', () => {
  const file = join(directory ?? '', 'rfc4226-hotp.json')
  const data = JSON.parse(readFileSync(file, 'utf8')) as {
    secret_base32: string
    vectors: { counter: number; expected: string }[]
  }

  it.each(data.vectors)('counter $counter gives $expected', async (vector) => {
    // TOTP is HOTP of floor(time / period): a 1-second period at time = counter is HOTP.
    const code = await totpCode(data.secret_base32, vector.counter, { period: 1 })
    expect(code).toBe(vector.expected)
  })
})

import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { findTestdata } from '../test-support/testdata.js'
import { importPublicKey, verifyEd25519 } from './signing-key.js'

interface WycheproofEddsa {
  numberOfTests: number
  testGroups: {
    publicKey: { pk: string }
    publicKeyPem: string
    publicKeyJwk: { kty: string; crv: string; x: string }
    tests: { tcId: number; comment: string; msg: string; sig: string; result: string }[]
  }[]
}

const directory = findTestdata('wycheproof')

describe.skipIf(directory === undefined)('verifyEd25519 on Wycheproof ed25519_test.json', () => {
  const suite = JSON.parse(
    readFileSync(join(directory ?? '', 'ed25519_test.json'), 'utf8'),
  ) as WycheproofEddsa
  const cases = suite.testGroups.flatMap((group) => group.tests.map((test) => ({ ...test, group })))

  it('covers every test in the file', () => {
    expect(cases).toHaveLength(suite.numberOfTests)
  })

  it.each(cases)('tcId $tcId $comment → $result', ({ group, msg, sig, result }) => {
    const message = Buffer.from(msg, 'hex')
    const signature = Buffer.from(sig, 'hex')
    const expected = result === 'valid'

    // The same answer whichever published form the verifier was given.
    const forms = [
      { rawBase64: Buffer.from(group.publicKey.pk, 'hex').toString('base64') },
      { spkiPem: group.publicKeyPem },
      { jwk: group.publicKeyJwk },
    ]
    for (const form of forms) {
      expect(verifyEd25519(importPublicKey(form), message, signature)).toBe(expected)
    }
  })
})

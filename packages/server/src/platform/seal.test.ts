import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createSealer } from './seal.js'

const masterKey = randomBytes(32)
const sealer = createSealer('rampart test purpose v1')
const secret = Buffer.from('a secret worth keeping')
const sealed = sealer.seal(masterKey, 'owner-1', secret)

function flipped(value: string): string {
  const bytes = Buffer.from(value, 'base64')
  bytes[14] = (bytes[14] ?? 0) ^ 1
  return bytes.toString('base64')
}

describe('createSealer', () => {
  it('opens what it sealed, and seals the same value differently each time', () => {
    expect(sealer.open(masterKey, 'owner-1', sealed)).toEqual(secret)
    expect(sealer.seal(masterKey, 'owner-1', secret)).not.toBe(sealed)
    expect(Buffer.from(sealed, 'base64').length).toBe(12 + secret.length + 16)
  })

  it.each([
    ['another owner', () => sealer.open(masterKey, 'owner-2', sealed)],
    ['another master key', () => sealer.open(randomBytes(32), 'owner-1', sealed)],
    ['another purpose', () => createSealer('other v1').open(masterKey, 'owner-1', sealed)],
    ['a flipped bit', () => sealer.open(masterKey, 'owner-1', flipped(sealed))],
    ['truncated bytes', () => sealer.open(masterKey, 'owner-1', sealed.slice(0, 20))],
  ])('refuses to open with %s', (_name, open) => {
    expect(open).toThrow()
  })
})

/**
 * Sealing of secrets at rest under the master key. Each use names its purpose, from which
 * HKDF-SHA256 derives a key used for nothing else; AES-256-GCM encrypts with the secret's
 * owner (a key id, `totp:<user id>`) as associated data, so a sealed value moved onto
 * another row fails to open. A sealed value is base64 of nonce ‖ ciphertext ‖ tag.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

const nonceBytes = 12
const tagBytes = 16

export interface Sealer {
  seal(masterKey: Buffer, owner: string, plaintext: Buffer): string
  /** Throws when the master key, the owner or the bytes differ from the sealing. */
  open(masterKey: Buffer, owner: string, sealed: string): Buffer
}

export function createSealer(purpose: string): Sealer {
  const sealingKey = (masterKey: Buffer): Buffer =>
    Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), purpose, 32))

  return {
    seal(masterKey, owner, plaintext) {
      const nonce = randomBytes(nonceBytes)
      const cipher = createCipheriv('aes-256-gcm', sealingKey(masterKey), nonce)
      cipher.setAAD(Buffer.from(owner, 'utf8'))
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
      return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64')
    },
    open(masterKey, owner, sealed) {
      const bytes = Buffer.from(sealed, 'base64')
      if (bytes.length < nonceBytes + tagBytes) {
        throw new Error(`sealed value of ${owner} is truncated`)
      }
      const nonce = bytes.subarray(0, nonceBytes)
      const decipher = createDecipheriv('aes-256-gcm', sealingKey(masterKey), nonce)
      decipher.setAAD(Buffer.from(owner, 'utf8'))
      decipher.setAuthTag(bytes.subarray(bytes.length - tagBytes))
      const body = bytes.subarray(nonceBytes, bytes.length - tagBytes)
      return Buffer.concat([decipher.update(body), decipher.final()])
    },
  }
}

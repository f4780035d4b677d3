/**
 * Sealing of identity secrets (private signing keys, TOTP seeds) under the master key:
 * HKDF-SHA256 derives a key used for nothing else, and AES-256-GCM encrypts with the owner's
 * name (`kid`, `totp:<user id>`) as associated data, so a sealed value cannot be moved onto
 * another row unnoticed.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

const purpose = 'rampart identity secrets v1'
const nonceBytes = 12
const tagBytes = 16

function sealingKey(masterKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), purpose, 32))
}

/** Encrypts `plaintext` for `owner`: base64 of nonce ‖ ciphertext ‖ tag. */
export function seal(masterKey: Buffer, owner: string, plaintext: string): string {
  const nonce = randomBytes(nonceBytes)
  const cipher = createCipheriv('aes-256-gcm', sealingKey(masterKey), nonce)
  cipher.setAAD(Buffer.from(owner, 'utf8'))
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64')
}

/** Decrypts what `seal` made; throws when the master key, the owner or the bytes differ. */
export function unseal(masterKey: Buffer, owner: string, sealed: string): string {
  const bytes = Buffer.from(sealed, 'base64')
  if (bytes.length < nonceBytes + tagBytes) throw new Error(`sealed value of ${owner} is truncated`)

  const nonce = bytes.subarray(0, nonceBytes)
  const decipher = createDecipheriv('aes-256-gcm', sealingKey(masterKey), nonce)
  decipher.setAAD(Buffer.from(owner, 'utf8'))
  decipher.setAuthTag(bytes.subarray(bytes.length - tagBytes))
  const body = bytes.subarray(nonceBytes, bytes.length - tagBytes)
  return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8')
}

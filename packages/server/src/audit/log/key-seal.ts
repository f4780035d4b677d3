/**
 * Sealing of the checkpoint signing key under the master key: HKDF-SHA256 derives a key used
 * only for this purpose, and AES-256-GCM encrypts the PKCS#8 private key with the key id as
 * associated data, so a sealed key cannot be swapped onto another key's row unnoticed.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

const info = 'rampart audit signing key v1'
const nonceBytes = 12
const tagBytes = 16

function sealingKey(masterKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), info, 32))
}

/** Encrypts `plaintext`; the result is base64 of nonce ‖ ciphertext ‖ tag. */
export function sealPrivateKey(masterKey: Buffer, keyId: string, plaintext: Buffer): string {
  const nonce = randomBytes(nonceBytes)
  const cipher = createCipheriv('aes-256-gcm', sealingKey(masterKey), nonce)
  cipher.setAAD(Buffer.from(keyId, 'utf8'))
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]).toString('base64')
}

/** Decrypts what `sealPrivateKey` made; throws when the key, id or bytes do not match. */
export function openPrivateKey(masterKey: Buffer, keyId: string, sealed: string): Buffer {
  const bytes = Buffer.from(sealed, 'base64')
  if (bytes.length < nonceBytes + tagBytes) throw new Error('sealed key is truncated')

  const decipher = createDecipheriv(
    'aes-256-gcm',
    sealingKey(masterKey),
    bytes.subarray(0, nonceBytes),
  )
  decipher.setAAD(Buffer.from(keyId, 'utf8'))
  decipher.setAuthTag(bytes.subarray(bytes.length - tagBytes))
  return Buffer.concat([
    decipher.update(bytes.subarray(nonceBytes, bytes.length - tagBytes)),
    decipher.final(),
  ])
}

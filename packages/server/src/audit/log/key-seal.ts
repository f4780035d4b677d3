/**
 * Sealing of the checkpoint signing key under the master key, with the key id as the owner,
 * so a sealed key cannot be swapped onto another key's row unnoticed.
 */
import { createSealer } from '../../platform/seal.js'

const sealer = createSealer('rampart audit signing key v1')

/** Encrypts the PKCS#8 private key `plaintext` of `keyId`. */
export function sealPrivateKey(masterKey: Buffer, keyId: string, plaintext: Buffer): string {
  return sealer.seal(masterKey, keyId, plaintext)
}

/** Decrypts what `sealPrivateKey` made; throws when the key, id or bytes do not match. */
export function openPrivateKey(masterKey: Buffer, keyId: string, sealed: string): Buffer {
  return sealer.open(masterKey, keyId, sealed)
}

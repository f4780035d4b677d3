/**
 * Sealing of identity secrets (private signing keys, TOTP seeds) under the master key, with
 * the owner's name (`kid`, `totp:<user id>`) as associated data.
 */
import { createSealer } from '../platform/seal.js'

const sealer = createSealer('rampart identity secrets v1')

/** Encrypts `plaintext` for `owner`. */
export function seal(masterKey: Buffer, owner: string, plaintext: string): string {
  return sealer.seal(masterKey, owner, Buffer.from(plaintext, 'utf8'))
}

/** Decrypts what `seal` made; throws when the master key, the owner or the bytes differ. */
export function unseal(masterKey: Buffer, owner: string, sealed: string): string {
  return sealer.open(masterKey, owner, sealed).toString('utf8')
}

/**
 * SHA-256 and the hex form hashes take in events, checkpoints and exports.
 */
import { hash } from 'node:crypto'

import { AuditCoreError } from './errors.js'

/** Bytes in a SHA-256 digest. */
export const HASH_BYTES = 32

/** The `prevHash` of the first event in a log: 32 zero bytes, in hex. */
export const GENESIS_HASH = '0'.repeat(HASH_BYTES * 2)

const HEX_HASH = /^[0-9a-f]{64}$/

/** SHA-256 of bytes, as a Buffer. Uses the one-shot `crypto.hash` (Node 20.12+). */
export function sha256(data: Uint8Array): Buffer {
  return hash('sha256', data, 'buffer')
}

/** True for a lowercase hex SHA-256 digest. */
export function isHexHash(value: unknown): value is string {
  return typeof value === 'string' && HEX_HASH.test(value)
}

/** Decodes a lowercase hex SHA-256 digest; `what` names it in the error. */
export function hashFromHex(value: string, what: string): Buffer {
  if (!isHexHash(value)) {
    throw new AuditCoreError(
      'AUDIT_ENCODING_INVALID',
      `${what} must be 64 lowercase hex digits (a SHA-256 digest)`,
    )
  }
  return Buffer.from(value, 'hex')
}

/**
 * Client secrets: 256 random bits shown once, stored as a SHA-256 digest. A secret this long
 * cannot be guessed offline, so a fast digest protects it as well as a slow password hash
 * would, and keeps client authentication cheap on the token endpoint.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

const prefix = 'sha256:'

export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url')
}

export function hashClientSecret(secret: string): string {
  return prefix + createHash('sha256').update(secret, 'utf8').digest('base64url')
}

/** Compares a presented secret with the stored digest in constant time. */
export function clientSecretMatches(stored: string | undefined, presented: string): boolean {
  if (stored === undefined || !stored.startsWith(prefix)) return false
  const expected = Buffer.from(stored.slice(prefix.length), 'base64url')
  const actual = createHash('sha256').update(presented, 'utf8').digest()
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}

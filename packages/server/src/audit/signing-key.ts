/**
 * Ed25519 keys for signing checkpoints, and the forms the public key is published in: SPKI
 * PEM, raw 32 bytes in base64, and a JWK. The key id is the key's RFC 7638 JWK thumbprint, so
 * anyone holding the public key can compute it.
 */
import type { JsonWebKey, KeyObject } from 'node:crypto'
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto'

import { canonicalize } from './canonical-json.js'
import { AuditCoreError } from './errors.js'
import { sha256 } from './hashing.js'

/** A checkpoint signing key. Keep `privateKey` encrypted at rest (under the master key). */
export interface AuditSigningKey {
  readonly keyId: string
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
}

/** An Ed25519 public key as a JWK (RFC 8037). */
export interface Ed25519PublicJwk {
  readonly kty: 'OKP'
  readonly crv: 'Ed25519'
  readonly x: string
  readonly kid: string
  readonly alg: 'EdDSA'
  readonly use: 'sig'
}

/** The published forms of a public key, e.g. for `GET /v1/audit/keys`. */
export interface ExportedPublicKey {
  readonly keyId: string
  readonly spkiPem: string
  /** The 32-byte key, standard base64. */
  readonly rawBase64: string
  readonly jwk: Ed25519PublicJwk
}

/** A public key in any published form, or a KeyObject. */
export type PublicKeyInput =
  | KeyObject
  | { readonly spkiPem: string }
  | { readonly rawBase64: string }
  | { readonly jwk: JsonWebKey }

const ED25519_BYTES = 32
const SIGNATURE_BYTES = 64

/** A fresh Ed25519 key pair. */
export function generateSigningKey(): AuditSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  return { keyId: computeKeyId(publicKey), privateKey, publicKey }
}

/** Rebuilds a signing key from its private key (PKCS#8 PEM or KeyObject). */
export function loadSigningKey(privateKey: KeyObject | string): AuditSigningKey {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') {
    throw new AuditCoreError('AUDIT_KEY_INVALID', 'expected an Ed25519 private key')
  }
  const publicKey = createPublicKey(key)
  return { keyId: computeKeyId(publicKey), privateKey: key, publicKey }
}

/** Reads a public key from any published form; throws `AUDIT_KEY_INVALID` if it is not Ed25519. */
export function importPublicKey(input: PublicKeyInput): KeyObject {
  let key: KeyObject
  try {
    key = toKeyObject(input)
  } catch (cause) {
    throw new AuditCoreError('AUDIT_KEY_INVALID', 'unreadable Ed25519 public key', { cause })
  }
  if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') {
    throw new AuditCoreError('AUDIT_KEY_INVALID', 'expected an Ed25519 public key')
  }
  return key
}

/** The published forms of a public key. */
export function exportPublicKey(publicKey: KeyObject): ExportedPublicKey {
  const keyId = computeKeyId(publicKey)
  const x = rawPublicKey(publicKey).toString('base64url')
  return {
    keyId,
    spkiPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    rawBase64: Buffer.from(x, 'base64url').toString('base64'),
    jwk: { kty: 'OKP', crv: 'Ed25519', x, kid: keyId, alg: 'EdDSA', use: 'sig' },
  }
}

/** RFC 7638 thumbprint: base64url SHA-256 of `{"crv":"Ed25519","kty":"OKP","x":...}`. */
export function computeKeyId(publicKey: KeyObject): string {
  const x = rawPublicKey(publicKey).toString('base64url')
  const members = canonicalize({ crv: 'Ed25519', kty: 'OKP', x })
  return sha256(Buffer.from(members, 'utf8')).toString('base64url')
}

/** Ed25519 signature (64 bytes) over `message`. */
export function signEd25519(privateKey: KeyObject, message: Uint8Array): Buffer {
  return sign(null, message, privateKey)
}

/**
 * Ed25519 verification (RFC 8032, as OpenSSL implements it: canonical S and point encodings
 * required). Any malformed input is simply "does not verify".
 */
export function verifyEd25519(
  publicKey: KeyObject,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (signature.length !== SIGNATURE_BYTES) return false
  try {
    return verify(null, message, publicKey, signature)
  } catch {
    return false
  }
}

function toKeyObject(input: PublicKeyInput): KeyObject {
  if ('spkiPem' in input) return createPublicKey(input.spkiPem)
  if ('jwk' in input) return createPublicKey({ key: input.jwk, format: 'jwk' })
  if ('rawBase64' in input) {
    const raw = Buffer.from(input.rawBase64, 'base64')
    if (raw.length !== ED25519_BYTES) throw new Error('an Ed25519 key is 32 bytes')
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }
    return createPublicKey({ key: jwk, format: 'jwk' })
  }
  return input
}

function rawPublicKey(publicKey: KeyObject): Buffer {
  const { x } = publicKey.export({ format: 'jwk' })
  if (typeof x !== 'string') throw new AuditCoreError('AUDIT_KEY_INVALID', 'not an Ed25519 key')
  return Buffer.from(x, 'base64url')
}

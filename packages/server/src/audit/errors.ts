/**
 * Errors raised by the audit core. Each carries a stable `code` that callers switch on and the
 * platform's error registry maps to an HTTP status; a code, once retired, is never reused.
 */

/** Every code the pure audit core can raise. */
export type AuditErrorCode =
  /** A value handed to the canonical encoder is not representable in RFC 8785 JSON. */
  | 'AUDIT_CANONICAL_JSON_INVALID'
  /** A hash, key or signature argument is malformed (wrong length, not hex). */
  | 'AUDIT_ENCODING_INVALID'
  /** A Merkle tree operation was asked for an index or size it cannot serve. */
  | 'AUDIT_MERKLE_RANGE_INVALID'
  /** A proof source returned data of the wrong shape (count or length of hashes). */
  | 'AUDIT_MERKLE_SOURCE_INVALID'
  /** A checkpoint does not have the checkpoint shape. */
  | 'AUDIT_CHECKPOINT_INVALID'
  /** A signing or verification key is unusable for Ed25519. */
  | 'AUDIT_KEY_INVALID'
  /** The offline verifier was started with options it cannot use (a bad start point). */
  | 'AUDIT_VERIFY_OPTIONS_INVALID'

/** An error from the audit core; `code` is stable, `message` is for people. */
export class AuditCoreError extends Error {
  override readonly name = 'AuditCoreError'
  readonly code: AuditErrorCode

  constructor(code: AuditErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

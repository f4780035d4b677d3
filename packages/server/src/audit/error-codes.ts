/**
 * The audit core's error codes as the platform registry knows them, so an `AuditCoreError`
 * reaching a client becomes problem+json with a stable code and the registry's status.
 */
import type { AuditErrorCode } from './errors.js'
import { AuditCoreError } from './errors.js'
import type { ErrorCode } from '../platform/errors.js'
import { RampartError } from '../platform/errors.js'

/** Each core code and its registry code; the Record type keeps the two lists in step. */
export const AUDIT_ERROR_CODES: Readonly<Record<AuditErrorCode, ErrorCode>> = {
  AUDIT_CANONICAL_JSON_INVALID: 'audit_canonical_json_invalid',
  AUDIT_ENCODING_INVALID: 'audit_encoding_invalid',
  AUDIT_MERKLE_RANGE_INVALID: 'audit_merkle_range_invalid',
  AUDIT_MERKLE_SOURCE_INVALID: 'audit_merkle_source_invalid',
  AUDIT_CHECKPOINT_INVALID: 'audit_checkpoint_invalid',
  AUDIT_KEY_INVALID: 'audit_key_invalid',
  AUDIT_VERIFY_OPTIONS_INVALID: 'audit_verify_options_invalid',
}

/** Rethrows an `AuditCoreError` as the `RampartError` of its registered code. */
export function toRampartError(error: unknown): unknown {
  if (!(error instanceof AuditCoreError)) return error
  return new RampartError(AUDIT_ERROR_CODES[error.code], error.message, { cause: error })
}

/** Runs `work`, turning audit core errors into registered platform errors. */
export async function withRegisteredErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    throw toRampartError(error)
  }
}

/**
 * The registry of stable error codes. Each code maps to one HTTP status and a short title;
 * clients switch on `code`, so a code is never renamed or reused once released.
 */
export const errorRegistry = {
  bad_request: { status: 400, title: 'Bad request' },
  validation_failed: { status: 400, title: 'Request validation failed' },
  malformed_json: { status: 400, title: 'Malformed JSON body' },
  unauthorized: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal server error' },
  service_unavailable: { status: 503, title: 'Service unavailable' },
  invalid_cursor: { status: 400, title: 'Invalid pagination cursor' },
  audit_range_invalid: { status: 400, title: 'Sequence or tree size outside the audit log' },
  audit_batch_too_large: { status: 413, title: 'Audit event batch too large' },
  audit_event_invalid: { status: 400, title: 'Invalid audit event' },
  audit_range_archived: { status: 410, title: 'Audit events archived' },
  audit_canonical_json_invalid: { status: 400, title: 'Value has no canonical JSON form' },
  audit_encoding_invalid: { status: 400, title: 'Malformed hash, key or signature' },
  audit_merkle_range_invalid: { status: 400, title: 'Merkle tree index or size out of range' },
  audit_merkle_source_invalid: { status: 500, title: 'Stored Merkle hashes are inconsistent' },
  audit_checkpoint_invalid: { status: 400, title: 'Malformed audit checkpoint' },
  audit_key_invalid: { status: 400, title: 'Unusable Ed25519 key' },
  audit_verify_options_invalid: { status: 400, title: 'Unusable verification options' },
  access_permission_invalid: { status: 400, title: 'Malformed permission' },
  access_subject_invalid: { status: 400, title: 'Malformed subject id' },
  access_subject_unknown: { status: 400, title: 'Unknown subject' },
  access_role_unknown: { status: 400, title: 'Unknown role' },
  access_condition_invalid: { status: 400, title: 'Invalid condition' },
  access_condition_not_bool: { status: 400, title: 'Condition does not yield a bool' },
  access_scope_invalid: { status: 400, title: 'Invalid tenant or resource scope' },
  access_role_cycle: { status: 409, title: 'Role inheritance cycle' },
  access_in_use: { status: 409, title: 'Still referenced by the policy' },
  access_batch_too_large: { status: 413, title: 'Too many checks in one batch' },
  access_version_unavailable: { status: 409, title: 'Policy version not reached' },
  access_policy_invalid: { status: 400, title: 'Invalid policy document' },
  access_role_builtin: { status: 409, title: 'Built-in role' },
  access_permission_missing: { status: 403, title: 'Permission missing' },
  access_policy_changed: { status: 412, title: 'Policy changed since that version' },
  identity_password_rejected: { status: 400, title: 'Password refused by the password policy' },
  identity_client_invalid: { status: 400, title: 'Invalid OAuth client metadata' },
  identity_provider_unavailable: { status: 503, title: 'Identity provider not started' },
  identity_webauthn_failed: { status: 400, title: 'Passkey verification failed' },
  alerting_rules_invalid: { status: 400, title: 'Invalid rule file' },
  alerting_silence_invalid: { status: 400, title: 'Invalid silence' },
  alerting_silence_not_found: { status: 404, title: 'Silence not found' },
  alerting_slo_not_found: { status: 404, title: 'SLO not found' },
  alerting_matcher_invalid: { status: 400, title: 'Invalid label matcher' },
  alerting_rule_group_not_found: { status: 404, title: 'Rule group not found' },
} as const satisfies Record<string, { status: number; title: string }>

export type ErrorCode = keyof typeof errorRegistry

/** One offending input field of a validation error. */
export interface FieldError {
  readonly field: string
  readonly message: string
}

export interface RampartErrorOptions {
  readonly cause?: unknown
  readonly errors?: readonly FieldError[]
}

/**
 * An error meant for a client: its `code` decides the HTTP status and its `detail` is safe to
 * show. Anything not safe to show (driver errors, the real reason a login failed) goes in
 * `cause`, which is logged but never sent.
 */
export class RampartError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly errors: readonly FieldError[] | undefined

  constructor(code: ErrorCode, detail: string, options: RampartErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'RampartError'
    this.code = code
    this.status = errorRegistry[code].status
    this.errors = options.errors
  }
}

/** A mistake in configuration or wiring, found at start-up rather than per request. */
export class ConfigurationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ConfigurationError'
  }
}

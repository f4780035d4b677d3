/**
 * The storage-independent core of the tamper-evident audit log: canonical encoding, the event
 * schema, the hash chain, RFC 6962 Merkle trees and proofs, signed checkpoints and the offline
 * verifier. Nothing here touches a database or the clock; the audit module composes it with
 * storage, routes and consumers.
 */
export type { JsonObject, JsonValue } from './canonical-json.js'
export { canonicalBytes, canonicalize, canonicalizeWithout } from './canonical-json.js'

export type { AuditErrorCode } from './errors.js'
export { AuditCoreError } from './errors.js'

export type {
  AuditActor,
  AuditEventInput,
  AuditOutcome,
  AuditSeverity,
  AuditSource,
  AuditTarget,
  ChainedAuditEvent,
  DataClass,
  EventValidation,
  EventValidationOptions,
  OutcomeStatus,
  RecordContext,
  RecordedAuditEvent,
} from './event.js'
export {
  DEFAULT_MAX_FUTURE_SKEW_MS,
  toRecordedEvent,
  validateEventInput,
  validateRecordedEvent,
} from './event.js'
export type { FieldLimits } from './event-fields.js'
export { DEFAULT_FIELD_LIMITS } from './event-fields.js'
export type { EventIssue, EventIssueCode } from './event-issues.js'
export { DATA_CLASSES, OUTCOME_STATUSES, SEVERITIES } from './event-schema.js'
export { isSecretFieldName, isSecretFieldValue } from './secret-fields.js'

export { GENESIS_HASH, HASH_BYTES, isHexHash, sha256 } from './hashing.js'
export {
  CHAIN_MEMBERS,
  ChainHasher,
  chainEvent,
  chainEvents,
  computeEventHash,
  hashedEventText,
} from './chain.js'

export { EMPTY_TREE_ROOT, MerkleFrontier, computeRoot, hashChildren, hashLeaf } from './merkle.js'
export type { ProofCheck } from './merkle-proofs.js'
export { rootFromInclusionProof, verifyConsistency, verifyInclusion } from './merkle-proofs.js'
export type { LeafRange, MerkleHashSource } from './merkle-proof-builder.js'
export {
  buildConsistencyProof,
  buildInclusionProof,
  consistencyProofRanges,
  createMemoryHashSource,
  inclusionProofRanges,
  readRangeHash,
} from './merkle-proof-builder.js'

export type { CheckpointBody, CheckpointInput, SignedCheckpoint } from './checkpoint.js'
export {
  CHECKPOINT_FORMAT,
  checkpointSigningBytes,
  createCheckpoint,
  hashCheckpoint,
  parseCheckpoint,
  verifyCheckpointSignature,
} from './checkpoint.js'
export type {
  AuditSigningKey,
  Ed25519PublicJwk,
  ExportedPublicKey,
  PublicKeyInput,
} from './signing-key.js'
export {
  computeKeyId,
  exportPublicKey,
  generateSigningKey,
  importPublicKey,
  loadSigningKey,
  signEd25519,
  verifyEd25519,
} from './signing-key.js'

export type { VerifyOptions, VerifyStart } from './verify.js'
export { verifyLog } from './verify.js'
export type { TamperKind, VerifyFailure, VerifyReport } from './verify-report.js'

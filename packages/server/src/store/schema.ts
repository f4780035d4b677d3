import type { Generated } from 'kysely'

/**
 * The tables, as Kysely sees them. Times are integers of milliseconds since the epoch on both
 * dialects, so comparisons and arithmetic behave the same on SQLite and PostgreSQL.
 */
export interface Database {
  meta: MetaTable
  jobs: JobsTable
  leases: LeasesTable
  audit_events: AuditEventsTable
  audit_head: AuditHeadTable
  audit_checkpoints: AuditCheckpointsTable
  audit_subtrees: AuditSubtreesTable
  audit_signing_keys: AuditSigningKeysTable
  audit_consumers: AuditConsumersTable
  audit_ingest_keys: AuditIngestKeysTable
}

export interface MetaTable {
  key: string
  value: string
}

export type JobStatus = 'pending' | 'running' | 'done' | 'failed'

export interface JobsTable {
  id: string
  kind: string
  payload: string
  status: JobStatus
  due_at: number
  attempts: Generated<number>
  max_attempts: number
  dedup_key: string | null
  claimed_by: string | null
  claim_expires_at: number | null
  last_error: string | null
  created_at: number
  updated_at: number
}

export interface LeasesTable {
  name: string
  holder: string
  expires_at: number
  /** Bumped whenever the lease changes hands: a fencing token for the holder's writes. */
  epoch: number
}

/**
 * One chained audit event. `body` is the canonical (RFC 8785) text that was hashed; the other
 * columns copy members of it for filtering, and verification checks that they still agree.
 */
export interface AuditEventsTable {
  seq: number
  id: string
  type: string
  tenant: string
  occurred_at: number
  recorded_at: number
  actor_id: string | null
  target_id: string | null
  outcome: string
  request_id: string | null
  body: string
  /** Lowercase hex SHA-256 chain hash, and the previous event's. */
  hash: string
  prev_hash: string
}

/** The single row writers lock to extend the chain: the last seq and its hash. */
export interface AuditHeadTable {
  id: number
  seq: number
  hash: string
}

export interface AuditCheckpointsTable {
  tree_size: number
  /** The signed checkpoint as JSON. */
  body: string
  /** JSON array of the Merkle frontier hashes (hex) at `tree_size`, to resume the tree. */
  frontier: string
  created_at: number
}

/** The head of a perfect subtree of the audit Merkle tree (see the 0008 migration). */
export interface AuditSubtreesTable {
  level: number
  subtree_index: number
  /** Lowercase hex SHA-256. */
  hash: string
}

export type AuditSigningKeyStatus = 'active' | 'retired'

export interface AuditSigningKeysTable {
  key_id: string
  /** SPKI PEM. */
  public_key: string
  /** PKCS#8 DER sealed with AES-256-GCM under a key derived from the master key. */
  sealed_private_key: string
  status: AuditSigningKeyStatus
  created_at: number
}

export interface AuditConsumersTable {
  name: string
  /** The last seq the consumer has handled. */
  position: number
  attempts: number
  last_error: string | null
  updated_at: number
}

export interface AuditIngestKeysTable {
  key: string
  /** Null only inside the transaction that claims the key. */
  seq: number | null
  created_at: number
}

import type { Generated } from 'kysely'

/**
 * The tables, as Kysely sees them. Times are integers of milliseconds since the epoch on both
 * dialects, so comparisons and arithmetic behave the same on SQLite and PostgreSQL.
 */
export interface Database {
  meta: MetaTable
  jobs: JobsTable
  leases: LeasesTable
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

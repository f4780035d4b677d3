/**
 * Verification of the log as stored: the rows are read in seq order and handed to the offline
 * verifier exactly as an export would present them, so the database and its exports are
 * checked by the same code.
 */
import type { Kysely } from 'kysely'

import type { ChainedAuditEvent } from '../event.js'
import type { PublicKeyInput } from '../signing-key.js'
import { importPublicKey } from '../signing-key.js'
import type { VerifyStart } from '../verify.js'
import { verifyLog } from '../verify.js'
import type { VerifyReport } from '../verify-report.js'
import type { Database } from '../../store/schema.js'
import { checkpointAtOrBelow, readCheckpointBodies } from './checkpoint-store.js'
import { archivedThrough } from './archive-boundary.js'
import { eventFromRow } from './event-rows.js'

const pageSize = 5000

/** Events from `fromSeq` on, by the seq column, as chained events (see `eventFromRow`). */
export async function* streamStoredEvents(
  db: Kysely<Database>,
  fromSeq = 1,
  toSeq = Number.MAX_SAFE_INTEGER,
): AsyncGenerator<ChainedAuditEvent> {
  let after = fromSeq - 1
  for (;;) {
    const rows = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>', after)
      .where('seq', '<=', toSeq)
      .orderBy('seq')
      .limit(pageSize)
      .execute()
    for (const row of rows) yield eventFromRow(row)
    const last = rows.at(-1)
    if (last === undefined || rows.length < pageSize) return
    after = Number(last.seq)
  }
}

/**
 * Where to start for `--from`: just after the last checkpoint at or before `fromSeq - 1`, from
 * its trusted last event hash and frontier. Seq 1 when there is none.
 */
export async function startFor(
  db: Kysely<Database>,
  fromSeq: number,
): Promise<VerifyStart | undefined> {
  if (fromSeq <= 1) return undefined
  const stored = await checkpointAtOrBelow(db, fromSeq - 1)
  if (stored === undefined || stored.checkpoint.treeSize === 0) return undefined
  return {
    seq: stored.checkpoint.treeSize + 1,
    prevHash: stored.checkpoint.lastEventHash,
    frontier: stored.frontier,
  }
}

export interface DatabaseVerifyOptions {
  /** Keys to trust; defaults to the keys stored in the database (weaker: say so). */
  readonly publicKeys?: readonly PublicKeyInput[]
  /** Checkpoints to check against; defaults to those stored in the database. */
  readonly checkpoints?: readonly unknown[]
  readonly fromSeq?: number
}

/** Verifies the stored log: chain, Merkle heads at each checkpoint and their signatures. */
export async function verifyDatabase(
  db: Kysely<Database>,
  options: DatabaseVerifyOptions = {},
): Promise<VerifyReport> {
  const publicKeys = options.publicKeys ?? (await storedPublicKeys(db))
  const checkpoints = options.checkpoints ?? (await readCheckpointBodies(db))
  // After retention archived a prefix, the stored log begins after the archive's checkpoint.
  const fromSeq = Math.max(options.fromSeq ?? 1, (await archivedThrough(db)) + 1)
  const start = await startFor(db, fromSeq)
  return verifyLog(streamStoredEvents(db, start?.seq ?? 1), {
    publicKeys,
    checkpoints,
    ...(start === undefined ? {} : { start }),
  })
}

/** The public keys stored beside the log. */
export async function storedPublicKeys(db: Kysely<Database>): Promise<PublicKeyInput[]> {
  const rows = await db.selectFrom('audit_signing_keys').select('public_key').execute()
  return rows.map((row) => importPublicKey({ spkiPem: row.public_key }))
}

/**
 * Retention: events older than the configured period leave the database in whole ranges that
 * end at a signed checkpoint. Each range is written to a JSONL file in the export format (header
 * with the trusted start, events, every checkpoint up to the range's end), the file is verified
 * as an auditor would verify it, and only then are the events deleted, in the same transaction
 * that appends an `audit.log.archived` event naming the range, the file and its digest.
 *
 * The remaining log still verifies: it starts after the archive's checkpoint, whose signed
 * root and stored frontier let the verifier continue the chain and the Merkle tree. A prefix
 * deleted without that event in the chain is reported as missing events, not as an archive.
 */
import { createHash } from 'node:crypto'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import { basename, join } from 'node:path'

import type { Kysely } from 'kysely'

import type { AuditEventInput } from '../event.js'
import { verifyLog } from '../verify.js'
import type { VerifyStart } from '../verify.js'
import type { Clock } from '../../platform/clock.js'
import type { Database } from '../../store/schema.js'
import { checkpointAtOrBelow, listCheckpoints } from './checkpoint-store.js'
import { storedPublicKeys, streamStoredEvents } from './database-verify.js'
import type { EventLog } from './event-log.js'
import {
  checkpointLine,
  EXPORT_VERSION,
  eventLine,
  headerLine,
  readExport,
} from './export-format.js'
import { ARCHIVED_EVENT_TYPE, firstStoredSeq } from './archive-boundary.js'
import { listPublishedKeys } from './signing-keys.js'

/** Job kind the lease holder enqueues to archive events past retention. */
export const ARCHIVE_JOB = 'audit.archive'

export interface ArchiveOptions {
  readonly db: Kysely<Database>
  readonly log: EventLog
  readonly clock: Clock
  readonly retentionMs: number
  readonly archiveDir: string
  /** Who archives (the instance id), for the archive event's actor. */
  readonly instanceId: string
}

/** One archived range. */
export interface ArchivedRange {
  readonly fromSeq: number
  readonly toSeq: number
  readonly file: string
  /** SHA-256 of the file, hex. */
  readonly sha256: string
  readonly rootHash: string
}

/**
 * Archives the oldest events recorded before `now - retentionMs`, up to the newest checkpoint
 * among them that every durable consumer has passed. Returns undefined when nothing is due.
 */
export async function archiveExpiredEvents(
  options: ArchiveOptions,
): Promise<ArchivedRange | undefined> {
  const { db } = options
  const firstSeq = await firstStoredSeq(db)
  if (firstSeq === undefined) return undefined

  const end = await archivableEnd(options)
  const boundary = await checkpointAtOrBelow(db, end)
  const toSeq = boundary?.checkpoint.treeSize ?? 0
  if (boundary === undefined || toSeq < firstSeq) return undefined

  const start = await archiveStart(db, firstSeq)
  await mkdir(options.archiveDir, { recursive: true, mode: 0o700 })
  const file = join(options.archiveDir, `audit-${pad(firstSeq)}-${pad(toSeq)}.jsonl`)
  // Written and verified under a temporary name: a file with the final name always verifies.
  const partial = `${file}.partial`
  let sha256: string
  try {
    sha256 = await writeArchiveFile(db, partial, start, firstSeq, toSeq)
    await checkArchiveFile(db, partial, toSeq)
  } catch (error) {
    await rm(partial, { force: true })
    throw error
  }
  await rename(partial, file)

  const range = { fromSeq: firstSeq, toSeq, file, sha256, rootHash: boundary.checkpoint.rootHash }
  await options.db.transaction().execute(async (tx) => {
    await tx.deleteFrom('audit_events').where('seq', '<=', toSeq).execute()
    await options.log.appendValidated(tx, [validArchivedEvent(range, options)])
  })
  return range
}

/** The newest seq that is past retention and already delivered to every consumer. */
async function archivableEnd({ db, clock, retentionMs }: ArchiveOptions): Promise<number> {
  const cutoff = clock.now() - retentionMs
  const [fresh, head, slowest] = await Promise.all([
    db
      .selectFrom('audit_events')
      .select('seq')
      .where('recorded_at', '>=', cutoff)
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst(),
    db.selectFrom('audit_head').select('seq').where('id', '=', 1).executeTakeFirstOrThrow(),
    db
      .selectFrom('audit_consumers')
      .select((eb) => eb.fn.min('position').as('position'))
      .executeTakeFirst(),
  ])
  const expired = fresh === undefined ? Number(head.seq) : Number(fresh.seq) - 1
  const consumed = slowest?.position == null ? Infinity : Number(slowest.position)
  return Math.min(expired, consumed)
}

/** Where the archived range's chain begins: the previous archive's checkpoint, or genesis. */
async function archiveStart(
  db: Kysely<Database>,
  firstSeq: number,
): Promise<VerifyStart | undefined> {
  if (firstSeq === 1) return undefined
  const previous = await checkpointAtOrBelow(db, firstSeq - 1)
  if (previous?.checkpoint.treeSize !== firstSeq - 1) {
    throw new Error(`no checkpoint at seq ${firstSeq - 1}, where the stored log begins`)
  }
  return {
    seq: firstSeq,
    prevHash: previous.checkpoint.lastEventHash,
    frontier: previous.frontier,
  }
}

/** Writes the range as a JSONL export, fsynced; returns the file's SHA-256. */
async function writeArchiveFile(
  db: Kysely<Database>,
  file: string,
  start: VerifyStart | undefined,
  firstSeq: number,
  toSeq: number,
): Promise<string> {
  const digest = createHash('sha256')
  const handle = await open(file, 'w', 0o600)
  try {
    const write = async (text: string) => {
      digest.update(text)
      await handle.write(text)
    }
    const publicKeys = (await listPublishedKeys(db)).map(({ keyId, spkiPem, rawBase64, jwk }) => ({
      keyId,
      spkiPem,
      rawBase64,
      jwk,
    }))
    await write(
      headerLine({
        version: EXPORT_VERSION,
        exportedAt: new Date().toISOString(),
        ...(start === undefined ? {} : { start }),
        publicKeys,
      }),
    )
    let lines: string[] = []
    for await (const event of streamStoredEvents(db, firstSeq, toSeq)) {
      lines.push(eventLine(event))
      if (lines.length >= 1000) {
        await write(lines.join(''))
        lines = []
      }
    }
    await write(lines.join(''))
    for (const stored of await listCheckpoints(db, 0, Number.MAX_SAFE_INTEGER)) {
      if (stored.checkpoint.treeSize > toSeq) break
      await write(checkpointLine(stored.checkpoint))
    }
    // The file must be on disk before the rows it replaces are deleted.
    await handle.sync()
  } finally {
    await handle.close()
  }
  return digest.digest('hex')
}

/** Verifies the written file offline, with the stored keys, before anything is deleted. */
async function checkArchiveFile(db: Kysely<Database>, file: string, toSeq: number): Promise<void> {
  const archive = await readExport(file)
  const start = archive.header?.start
  const report = await verifyLog(archive.events(), {
    publicKeys: await storedPublicKeys(db),
    checkpoints: archive.checkpoints,
    ...(start === undefined ? {} : { start }),
  })
  if (!report.ok || report.lastVerifiedSeq !== toSeq) {
    const reason = report.failure?.message ?? `it ends at seq ${report.lastVerifiedSeq}`
    const name = basename(file, '.partial')
    throw new Error(`archive ${name} does not verify, nothing deleted: ${reason}`)
  }
}

function validArchivedEvent(range: ArchivedRange, options: ArchiveOptions): AuditEventInput {
  const validation = options.log.validate(archivedEvent(range, options))
  if (!validation.ok) throw new Error(`archive event invalid: ${validation.issues[0]?.message}`)
  return validation.event
}

function archivedEvent(range: ArchivedRange, options: ArchiveOptions): AuditEventInput {
  return {
    type: ARCHIVED_EVENT_TYPE,
    action: 'archive',
    occurredAt: new Date(options.clock.now()).toISOString(),
    actor: { type: 'system', id: options.instanceId, name: 'rampart' },
    target: { type: 'audit_archive', id: basename(range.file) },
    outcome: { status: 'success' },
    fields: {
      fromSeq: range.fromSeq,
      toSeq: range.toSeq,
      rootHash: range.rootHash,
      sha256: range.sha256,
    },
  }
}

function pad(seq: number): string {
  return String(seq).padStart(12, '0')
}

/**
 * Replaces the whole policy with a document, in one transaction: one version bump, one audit
 * event per entry added, removed or changed. A dry run computes the same diff and changes
 * nothing. Bindings and grants that stay keep their ids.
 */
import type { FieldError } from '../../platform/errors.js'
import { RampartError } from '../../platform/errors.js'
import type { DocumentBinding, DocumentGrant } from '../policy-document/document.js'
import type { PolicyDiff } from '../policy-document/diff-document.js'
import { countChanges, diffPolicy } from '../policy-document/diff-document.js'
import type { ReadDocument } from '../policy-document/read-document.js'
import { throwIfAny } from '../policy-document/read-document.js'
import type { ChangeActor, PolicyChanges } from './policy-changes.js'
import { changePolicy } from './policy-changes.js'
import { readSnapshot, readSnapshotIn } from './read-snapshot.js'
import { epochMs, writeDiff } from './write-policy-diff.js'

export interface ImportOptions {
  readonly dryRun: boolean
  /** Which stored roles the document speaks for; the others (built-in ones) stay as they are. */
  readonly include: (role: string) => boolean
  /** Refuse unless the policy is still at this version (the one the document was read at). */
  readonly expectedVersion?: number | undefined
}

/** A reviewed diff is only what gets applied if nothing changed the policy since. */
function assertVersion(options: ImportOptions, current: number): void {
  const expected = options.expectedVersion
  if (expected === undefined || expected === current) return
  throw new RampartError(
    'access_policy_changed',
    `the policy is at version ${current}, not ${expected}; export it again and review the diff`,
  )
}

export interface ImportResult {
  readonly dryRun: boolean
  /** The version the diff was computed at, or the one the import committed as. */
  readonly version: number
  readonly applied: boolean
  readonly changes: number
  readonly diff: PolicyDiff
}

/** Thrown inside the transaction when there is nothing to do, so the bump rolls back. */
class NothingToApply extends Error {
  constructor(
    readonly version: number,
    readonly diff: PolicyDiff,
  ) {
    super('the policy already matches the document')
  }
}

/** An added or changed binding or grant must not have lapsed already; kept ones may have. */
function assertNotLapsed(diff: PolicyDiff, read: ReadDocument, now: number): void {
  const errors: FieldError[] = []
  const check = (kind: 'bindings' | 'grants', entry: DocumentBinding | DocumentGrant) => {
    const at = epochMs(entry.expiresAt)
    if (at !== null && at <= now) {
      errors.push({ field: `${read.pathOf(kind, entry)}.expiresAt`, message: 'lies in the past' })
    }
  }
  for (const kind of ['bindings', 'grants'] as const) {
    for (const entry of diff[kind].added) check(kind, entry)
    for (const { after } of diff[kind].changed) check(kind, after)
  }
  throwIfAny(errors)
}

/** Applies a document (or, with `dryRun`, only says what it would change). */
export async function importPolicy(
  changes: PolicyChanges,
  who: ChangeActor,
  read: ReadDocument,
  options: ImportOptions,
): Promise<ImportResult> {
  if (options.dryRun) {
    const snapshot = await readSnapshot(changes.db, changes.dialect)
    assertVersion(options, snapshot.version)
    const diff = diffPolicy(snapshot, read.document, options.include)
    assertNotLapsed(diff, read, changes.clock.now())
    const count = countChanges(diff)
    return { dryRun: true, version: snapshot.version, applied: false, changes: count, diff }
  }
  try {
    const { result, version } = await changePolicy(changes, who, async (trx, version) => {
      // Read after the bump: the bump makes concurrent writers wait, so this is current.
      const snapshot = await readSnapshotIn(trx)
      assertVersion(options, version - 1)
      const diff = diffPolicy(snapshot, read.document, options.include)
      assertNotLapsed(diff, read, changes.clock.now())
      if (countChanges(diff) === 0) throw new NothingToApply(version - 1, diff)
      const records = await writeDiff(trx, diff, snapshot, changes.clock.now())
      return { result: diff, records }
    })
    return { dryRun: false, version, applied: true, changes: countChanges(result), diff: result }
  } catch (error) {
    if (!(error instanceof NothingToApply)) throw error
    return { dryRun: false, version: error.version, applied: false, changes: 0, diff: error.diff }
  }
}

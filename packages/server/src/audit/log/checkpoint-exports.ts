/**
 * Copies of checkpoints outside the database: appended to a JSONL file, and POSTed to an HTTP
 * witness through the durable job queue (so a witness that is down gets it later).
 */
import { appendFile } from 'node:fs/promises'

import type { Kysely } from 'kysely'

import type { Database } from '../../store/schema.js'
import { listCheckpoints } from './checkpoint-store.js'

const fileProgressKey = 'audit.checkpoint_file.tree_size'
const witnessTimeoutMs = 10_000

/**
 * Appends to `path` every checkpoint not written yet, one JSON line each; progress is kept in
 * `meta`, so a crash between the two may write a line twice (readers drop repeated lines).
 */
export async function syncCheckpointFile(db: Kysely<Database>, path: string): Promise<number> {
  const progress = await db
    .selectFrom('meta')
    .select('value')
    .where('key', '=', fileProgressKey)
    .executeTakeFirst()
  const written = progress === undefined ? 0 : Number(progress.value)
  const pending = await listCheckpoints(db, written)
  if (pending.length === 0) return 0

  const lines = pending.map((stored) => `${JSON.stringify(stored.checkpoint)}\n`).join('')
  await appendFile(path, lines, { mode: 0o644 })
  const last = String(pending.at(-1)?.checkpoint.treeSize ?? written)
  await db
    .insertInto('meta')
    .values({ key: fileProgressKey, value: last })
    .onConflict((conflict) => conflict.column('key').doUpdateSet({ value: last }))
    .execute()
  return pending.length
}

/** Job handler body: POSTs the checkpoint at `treeSize` to the witness; throws to retry. */
export async function deliverToWitness(
  db: Kysely<Database>,
  url: string,
  payload: unknown,
): Promise<void> {
  const treeSize = (payload as { treeSize?: unknown } | null)?.treeSize
  if (typeof treeSize !== 'number') throw new Error('witness job without a tree size')

  const row = await db
    .selectFrom('audit_checkpoints')
    .select('body')
    .where('tree_size', '=', treeSize)
    .executeTakeFirst()
  if (row === undefined) throw new Error(`no checkpoint at tree size ${treeSize}`)

  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: row.body,
    signal: AbortSignal.timeout(witnessTimeoutMs),
  })
  if (!response.ok) throw new Error(`witness answered ${response.status}`)
}

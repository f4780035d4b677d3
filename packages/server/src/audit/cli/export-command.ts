/**
 * `rampart audit export`: writes the log as JSONL (verifiable offline: header, events,
 * checkpoints) or CSV (events only, for reading).
 */
import { createWriteStream } from 'node:fs'
import type { Writable } from 'node:stream'
import { once } from 'node:events'

import { loadConfig } from '../../config/load.js'
import { openStore } from '../../store/database.js'
import { listCheckpoints } from '../log/checkpoint-store.js'
import { streamStoredEvents } from '../log/database-verify.js'
import {
  checkpointLine,
  csvHeaderLine,
  csvLine,
  EXPORT_VERSION,
  eventLine,
  headerLine,
} from '../log/export-format.js'
import { listPublishedKeys } from '../log/signing-keys.js'

export interface ExportFlags {
  config?: string
  dataDir?: string
  format?: 'jsonl' | 'csv'
  out?: string
}

async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain')
}

/** Exports the log up to its head at the start of the export; returns the event count. */
export async function runExport(flags: ExportFlags, stdout: Writable = process.stdout) {
  const { config } = loadConfig({ file: flags.config, overrides: { dataDir: flags.dataDir } })
  const store = openStore({ url: config.database.url, dataDir: config.data_dir })
  const out = flags.out === undefined ? stdout : createWriteStream(flags.out, { mode: 0o600 })
  const format = flags.format ?? 'jsonl'
  let count = 0
  try {
    const head = await store.db
      .selectFrom('audit_head')
      .select('seq')
      .where('id', '=', 1)
      .executeTakeFirstOrThrow()
    const headSeq = Number(head.seq)

    if (format === 'jsonl') {
      const publicKeys = (await listPublishedKeys(store.db)).map(
        ({ keyId, spkiPem, rawBase64, jwk }) => ({
          keyId,
          spkiPem,
          rawBase64,
          jwk,
        }),
      )
      await write(
        out,
        headerLine({ version: EXPORT_VERSION, exportedAt: new Date().toISOString(), publicKeys }),
      )
    } else {
      await write(out, csvHeaderLine)
    }

    for await (const event of streamStoredEvents(store.db, 1, headSeq)) {
      await write(out, format === 'jsonl' ? eventLine(event) : csvLine(event))
      count++
    }

    if (format === 'jsonl') {
      for (const stored of await listCheckpoints(store.db)) {
        if (stored.checkpoint.treeSize > headSeq) break
        await write(out, checkpointLine(stored.checkpoint))
      }
    }
  } finally {
    await store.close()
    if (out !== stdout) {
      out.end()
      await once(out, 'finish')
    }
  }
  return count
}

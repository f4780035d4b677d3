/**
 * `rampart audit verify`: checks the database, or an exported file offline, and exits 1
 * naming the first bad seq and the kind of damage.
 */
import { loadConfig } from '../../config/load.js'
import { openStore } from '../../store/database.js'
import type { PublicKeyInput } from '../signing-key.js'
import { verifyLog } from '../verify.js'
import type { VerifyStart } from '../verify.js'
import type { VerifyReport } from '../verify-report.js'
import { storedPublicKeys, verifyDatabase } from '../log/database-verify.js'
import { readCheckpointsFile, readExport } from '../log/export-format.js'
import { readPublicKeyFile } from './public-key-file.js'

export interface VerifyFlags {
  config?: string
  dataDir?: string
  from?: number
  checkpoints?: string
  publicKey?: string
  export?: string
  json?: boolean
}

/** Output lines and the exit code, so tests can call it without a process. */
export interface CommandOutcome {
  readonly exitCode: number
  readonly stdout: string[]
  readonly stderr: string[]
}

export async function runVerify(flags: VerifyFlags): Promise<CommandOutcome> {
  const stderr: string[] = []
  const pinned = flags.publicKey === undefined ? undefined : readPublicKeyFile(flags.publicKey)
  const externalCheckpoints =
    flags.checkpoints === undefined ? undefined : await readCheckpointsFile(flags.checkpoints)

  const report =
    flags.export === undefined
      ? await verifyStored(flags, pinned, externalCheckpoints, stderr)
      : await verifyExport(flags.export, flags.from, pinned, externalCheckpoints, stderr)
  return describe(report, flags.json === true, stderr)
}

async function verifyStored(
  flags: VerifyFlags,
  pinned: PublicKeyInput[] | undefined,
  checkpoints: unknown[] | undefined,
  stderr: string[],
): Promise<VerifyReport> {
  const { config } = loadConfig({ file: flags.config, overrides: { dataDir: flags.dataDir } })
  const store = openStore({ url: config.database.url, dataDir: config.data_dir })
  try {
    if (pinned === undefined) {
      stderr.push(
        'warning: trusting the public keys stored in the database; pin one with --public-key',
      )
    }
    const publicKeys = pinned ?? (await storedPublicKeys(store.db))
    return await verifyDatabase(store.db, {
      publicKeys,
      ...(checkpoints === undefined ? {} : { checkpoints }),
      ...(flags.from === undefined ? {} : { fromSeq: flags.from }),
    })
  } finally {
    await store.close()
  }
}

async function verifyExport(
  path: string,
  fromSeq: number | undefined,
  pinned: PublicKeyInput[] | undefined,
  externalCheckpoints: unknown[] | undefined,
  stderr: string[],
): Promise<VerifyReport> {
  const file = await readExport(path)
  if (pinned === undefined) {
    stderr.push('warning: trusting the public keys inside the export; pin one with --public-key')
  }
  const publicKeys =
    pinned ?? (file.header?.publicKeys ?? []).map((key) => ({ spkiPem: key.spkiPem }))
  const checkpoints = externalCheckpoints ?? file.checkpoints
  const start = startInExport(file.header?.start, checkpoints, fromSeq)

  async function* events(): AsyncGenerator<unknown> {
    for await (const event of file.events()) {
      const seq = (event as { seq?: unknown } | null)?.seq
      if (start !== undefined && typeof seq === 'number' && seq < start.seq) continue
      yield event
    }
  }
  return verifyLog(events(), { publicKeys, checkpoints, ...(start === undefined ? {} : { start }) })
}

/** `--from` on an export starts after the last checkpoint before it, trusting its hash. */
function startInExport(
  headerStart: VerifyStart | undefined,
  checkpoints: readonly unknown[],
  fromSeq: number | undefined,
): VerifyStart | undefined {
  if (fromSeq === undefined || fromSeq <= (headerStart?.seq ?? 1)) return headerStart
  let best: { treeSize: number; lastEventHash: string } | undefined
  for (const value of checkpoints) {
    const checkpoint = value as { treeSize?: unknown; lastEventHash?: unknown }
    if (typeof checkpoint.treeSize !== 'number' || typeof checkpoint.lastEventHash !== 'string') {
      continue
    }
    if (checkpoint.treeSize <= fromSeq - 1 && checkpoint.treeSize > (best?.treeSize ?? 0)) {
      best = { treeSize: checkpoint.treeSize, lastEventHash: checkpoint.lastEventHash }
    }
  }
  if (best === undefined) return headerStart
  return { seq: best.treeSize + 1, prevHash: best.lastEventHash }
}

function describe(report: VerifyReport, json: boolean, stderr: string[]): CommandOutcome {
  if (json) {
    return { exitCode: report.ok ? 0 : 1, stdout: [JSON.stringify(report)], stderr }
  }
  if (report.ok) {
    const line =
      `ok: ${report.eventsVerified} events verified up to seq ${report.lastVerifiedSeq}, ` +
      `${report.checkpointsVerified} checkpoints verified` +
      (report.checkpointsSignatureOnly > 0
        ? ` (${report.checkpointsSignatureOnly} by signature only)`
        : '') +
      `; head ${report.headHash}`
    return { exitCode: 0, stdout: [line], stderr }
  }
  const failure = report.failure
  const line =
    failure === undefined
      ? 'verification failed'
      : `verification failed at seq ${failure.seq}: ${failure.kind}: ${failure.message}`
  return { exitCode: 1, stdout: [], stderr: [...stderr, line] }
}

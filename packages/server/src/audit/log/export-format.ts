/**
 * The export formats. JSONL is what an auditor verifies offline:
 *
 *     {"rampartAuditExport":{"version":1,"exportedAt":…,"start":{…},"publicKeys":[…]}}
 *     {"seq":1,"id":…,"type":…,…,"prevHash":…,"hash":…}       one line per event, seq order
 *     {"checkpoint":{"format":"rampart.audit.checkpoint.v1",…}}  every checkpoint, oldest first
 *
 * Event lines are the chained events exactly as hashed (plus `prevHash` and `hash`), so any
 * RFC 8785 encoder and SHA-256 recompute the chain. The header's public keys are a
 * convenience: a verifier should pin the key it obtained independently (`--public-key`).
 * CSV is for reading in a spreadsheet; it carries the same events but cannot be verified.
 */
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'

import type { SignedCheckpoint } from '../checkpoint.js'
import type { ChainedAuditEvent } from '../event.js'
import type { ExportedPublicKey } from '../signing-key.js'
import type { VerifyStart } from '../verify.js'

export const EXPORT_VERSION = 1

export interface ExportHeader {
  readonly version: number
  readonly exportedAt: string
  /** Present when the export begins after seq 1 (an archived prefix). */
  readonly start?: VerifyStart
  readonly publicKeys: readonly ExportedPublicKey[]
}

export function headerLine(header: ExportHeader): string {
  return `${JSON.stringify({ rampartAuditExport: header })}\n`
}

export function eventLine(event: ChainedAuditEvent): string {
  return `${JSON.stringify(event)}\n`
}

export function checkpointLine(checkpoint: SignedCheckpoint): string {
  return `${JSON.stringify({ checkpoint })}\n`
}

const csvColumns = [
  'seq',
  'id',
  'type',
  'occurredAt',
  'recordedAt',
  'tenant',
  'actorType',
  'actorId',
  'action',
  'targetType',
  'targetId',
  'outcome',
  'severity',
  'requestId',
  'hash',
  'event',
] as const

export const csvHeaderLine = `${csvColumns.join(',')}\r\n`

function csvField(value: string | number | undefined): string {
  const text = value === undefined ? '' : String(value)
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** One RFC 4180 record; the last column is the whole event as JSON. */
export function csvLine(event: ChainedAuditEvent): string {
  const values = [
    event.seq,
    event.id,
    event.type,
    event.occurredAt,
    event.recordedAt,
    event.tenant,
    event.actor.type,
    event.actor.id,
    event.action,
    event.target?.type,
    event.target?.id,
    event.outcome.status,
    event.severity,
    event.requestId,
    event.hash,
    JSON.stringify(event),
  ]
  return `${values.map(csvField).join(',')}\r\n`
}

/** What a JSONL export holds, read back: header, checkpoints, and the events as a stream. */
export interface ReadExport {
  readonly header: ExportHeader | undefined
  readonly checkpoints: unknown[]
  /** Event lines as parsed JSON (unparseable lines as the raw text, which fails to verify). */
  readonly events: () => AsyncIterable<unknown>
}

async function* readLines(path: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity })
  for await (const line of lines) if (line.trim() !== '') yield line
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line) as unknown
  } catch {
    return line
  }
}

function isWrapped(value: unknown, member: string): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && member in value
}

/** Reads a JSONL export in two passes: header and checkpoints first, then events on demand. */
export async function readExport(path: string): Promise<ReadExport> {
  let header: ExportHeader | undefined
  const checkpoints: unknown[] = []
  for await (const line of readLines(path)) {
    const value = parseLine(line)
    if (isWrapped(value, 'rampartAuditExport')) header = value.rampartAuditExport as ExportHeader
    else if (isWrapped(value, 'checkpoint')) checkpoints.push(value.checkpoint)
  }

  async function* events(): AsyncGenerator<unknown> {
    for await (const line of readLines(path)) {
      const value = parseLine(line)
      if (isWrapped(value, 'rampartAuditExport') || isWrapped(value, 'checkpoint')) continue
      yield value
    }
  }
  return { header, checkpoints, events }
}

/**
 * Reads a checkpoints file: JSON lines of checkpoints (as the checkpoint file export writes)
 * or `{"checkpoint":…}` lines. A line repeating the one before (a re-sync after a crash) is
 * dropped.
 */
export async function readCheckpointsFile(path: string): Promise<unknown[]> {
  const checkpoints: unknown[] = []
  let previousLine = ''
  for await (const line of readLines(path)) {
    if (line === previousLine) continue
    previousLine = line
    const value = parseLine(line)
    checkpoints.push(isWrapped(value, 'checkpoint') ? value.checkpoint : value)
  }
  return checkpoints
}

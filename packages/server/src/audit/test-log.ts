/**
 * A deterministic audit log for tests and benchmarks: realistic events (~600 bytes each),
 * chained, with signed checkpoints, exported as an auditor would receive it. Left out of the
 * build (see tsconfig.build.json), like `log/fixture.ts`: only tests and benchmarks use it.
 */
import { chainEvents } from './chain.js'
import type { SignedCheckpoint } from './checkpoint.js'
import { createCheckpoint } from './checkpoint.js'
import type { ChainedAuditEvent, RecordedAuditEvent } from './event.js'
import { GENESIS_HASH } from './hashing.js'
import { MerkleFrontier } from './merkle.js'
import type { AuditSigningKey } from './signing-key.js'
import { generateSigningKey } from './signing-key.js'

const BASE_MS = Date.parse('2024-05-01T00:00:00.000Z')

/** Event `seq` of a deterministic log; the same seq always gives the same event. */
export function makeTestEvent(seq: number): RecordedAuditEvent {
  const failed = seq % 7 === 0
  const at = new Date(BASE_MS + seq * 10).toISOString()
  return {
    id: `018f3c4e-7a00-7${hex(seq >> 12, 3)}-8${hex(seq, 3)}-${hex(seq, 12)}`,
    seq,
    type: failed ? 'auth.login.failed' : 'auth.login.succeeded',
    occurredAt: at,
    recordedAt: at,
    tenant: 'default',
    actor: { type: 'user', id: `user-${seq % 97}`, name: 'Ada Lovelace', authMethod: 'password' },
    source: { ip: `10.0.${(seq >> 8) & 255}.${seq & 255}`, userAgent: 'Mozilla/5.0 (X11; Linux)' },
    target: { type: 'session', id: `session-${seq}` },
    action: 'login',
    outcome: failed ? { status: 'failure', reason: 'bad password' } : { status: 'success' },
    severity: failed ? 'medium' : 'info',
    dataClasses: ['pii'],
    requestId: `req-${seq}`,
    traceId: hex(seq, 32),
    fields: { attempt: seq % 5, mfa: seq % 2 === 0, client: { name: 'console', version: '1.2.3' } },
  }
}

function hex(value: number, width: number): string {
  return (value % 16 ** Math.min(width, 12)).toString(16).padStart(width, '0')
}

export interface TestLog {
  /** Chained events as parsed JSON lines (plain objects, safe to edit). */
  readonly events: ChainedAuditEvent[]
  readonly checkpoints: SignedCheckpoint[]
  readonly key: AuditSigningKey
  /** Merkle frontier (hex) after each seq, index = tree size. */
  readonly frontiers: string[][]
}

/** `size` events with a checkpoint after every `every` events (and at the end). */
export function buildTestLog(
  size: number,
  every: number,
  key: AuditSigningKey = generateSigningKey(),
): TestLog {
  const recorded = Array.from({ length: size }, (_, index) => makeTestEvent(index + 1))
  const events = chainEvents(recorded, GENESIS_HASH)
  const tree = new MerkleFrontier()
  const checkpoints: SignedCheckpoint[] = []
  const frontiers: string[][] = [[]]

  for (const event of events) {
    tree.appendLeafInput(Buffer.from(event.hash, 'hex'))
    frontiers.push(tree.hashes.map((hash) => hash.toString('hex')))
    if (tree.size % every !== 0 && tree.size !== size) continue

    const input = {
      treeSize: tree.size,
      rootHash: tree.root().toString('hex'),
      lastEventHash: event.hash,
      timestamp: new Date(Date.parse(event.recordedAt) + 1),
    }
    const previous = checkpoints.at(-1)
    checkpoints.push(createCheckpoint(previous ? { ...input, previous } : input, key))
  }
  return {
    events: JSON.parse(JSON.stringify(events)) as ChainedAuditEvent[],
    checkpoints,
    key,
    frontiers,
  }
}

import { describe, expect, it } from 'vitest'

import { chainEvents } from './chain.js'
import { createCheckpoint } from './checkpoint.js'
import type { SignedCheckpoint } from './checkpoint.js'
import type { ChainedAuditEvent } from './event.js'
import { generateSigningKey } from './signing-key.js'
import { buildTestLog } from './test-log.js'
import type { TestLog } from './test-log.js'
import { verifyLog } from './verify.js'
import type { VerifyOptions } from './verify.js'

/** 50 events with a checkpoint after every 10; each case edits a fresh copy. */
function freshLog(): TestLog {
  return buildTestLog(50, 10, key)
}

const key = generateSigningKey()
const otherKey = generateSigningKey()

interface Tampered {
  events: unknown[]
  checkpoints: unknown[]
}

/** A log to tamper with: events loosely typed, as edited JSON lines are. */
interface Editable {
  events: any[]
  checkpoints: SignedCheckpoint[]
}

function rechain(events: ChainedAuditEvent[], from: number): ChainedAuditEvent[] {
  const kept = events.slice(0, from)
  // chainEvents ignores the old hash members and overwrites them.
  const rest = events.slice(from).map((event, offset) => ({ ...event, seq: from + offset + 1 }))
  return [...kept, ...chainEvents(rest, kept.at(-1)?.hash ?? '')]
}

const cases: [string, (log: Editable) => Tampered, { seq: number; kind: string }][] = [
  [
    'edit a field',
    ({ events, checkpoints }) => {
      events[24].fields.attempt = 99
      return { events, checkpoints }
    },
    { seq: 25, kind: 'modified' },
  ],
  [
    'edit the first event',
    ({ events, checkpoints }) => {
      events[0] = { ...events[0], action: 'logout' } as ChainedAuditEvent
      return { events, checkpoints }
    },
    { seq: 1, kind: 'modified' },
  ],
  [
    'edit a field and re-hash that event',
    ({ events, checkpoints }) => {
      const edited = { ...events[24], actor: { type: 'user', id: 'mallory' } }
      const [rehashed] = chainEvents([edited as ChainedAuditEvent], events[23]?.hash ?? '')
      events[24] = { ...edited, hash: rehashed?.hash ?? '' } as ChainedAuditEvent
      return { events, checkpoints }
    },
    { seq: 25, kind: 'modified' },
  ],
  [
    'edit only the prevHash member',
    ({ events, checkpoints }) => {
      events[30] = { ...events[30], prevHash: 'f'.repeat(64) } as ChainedAuditEvent
      return { events, checkpoints }
    },
    { seq: 31, kind: 'modified' },
  ],
  [
    'corrupt a hash member',
    ({ events, checkpoints }) => {
      events[5].hash = 'not hex'
      return { events, checkpoints }
    },
    { seq: 6, kind: 'modified' },
  ],
  [
    'replace a line with garbage',
    ({ events, checkpoints }) => ({ events: events.with(10, 'garbage'), checkpoints }),
    { seq: 11, kind: 'modified' },
  ],
  [
    'delete a line',
    ({ events, checkpoints }) => ({ events: events.toSpliced(24, 1), checkpoints }),
    { seq: 25, kind: 'missing' },
  ],
  [
    'delete the last lines',
    ({ events, checkpoints }) => ({ events: events.slice(0, 47), checkpoints }),
    { seq: 48, kind: 'missing' },
  ],
  [
    'delete a line, renumber and re-chain the rest',
    ({ events, checkpoints }) => ({ events: rechain(events.toSpliced(24, 1), 24), checkpoints }),
    { seq: 30, kind: 'checkpoint_mismatch' },
  ],
  [
    'insert a duplicate line',
    ({ events, checkpoints }) => ({ events: events.toSpliced(25, 0, events[24]), checkpoints }),
    { seq: 25, kind: 'inserted' },
  ],
  [
    'insert a forged line in front of its seq',
    ({ events, checkpoints }) => {
      const forged = { ...events[24], action: 'grant', hash: 'a'.repeat(64) }
      return { events: events.toSpliced(24, 0, forged), checkpoints }
    },
    { seq: 25, kind: 'inserted' },
  ],
  [
    'swap two lines',
    ({ events, checkpoints }) => {
      const [a, b] = [events[24], events[25]] as ChainedAuditEvent[]
      return {
        events: events.with(24, b).with(25, a),
        checkpoints,
      }
    },
    { seq: 25, kind: 'reordered' },
  ],
  [
    'move a line far later',
    ({ events, checkpoints }) => {
      const moved = events[24] as ChainedAuditEvent
      return { events: events.toSpliced(24, 1).toSpliced(40, 0, moved), checkpoints }
    },
    { seq: 25, kind: 'reordered' },
  ],
  [
    'forge a checkpoint signature',
    ({ events, checkpoints }) => {
      const forged = createCheckpoint(
        {
          ...checkpoints[2]!,
          timestamp: new Date(checkpoints[2]!.timestamp),
          previous: checkpoints[1]!,
        },
        otherKey,
      )
      checkpoints[2] = { ...checkpoints[2]!, signature: forged.signature }
      return { events, checkpoints }
    },
    { seq: 30, kind: 'bad_signature' },
  ],
  [
    'sign a checkpoint with an unknown key',
    ({ events, checkpoints }) => {
      const cp = checkpoints[2]!
      checkpoints[2] = createCheckpoint(
        { ...cp, timestamp: new Date(cp.timestamp), previous: checkpoints[1]! },
        otherKey,
      )
      return { events, checkpoints }
    },
    { seq: 30, kind: 'bad_signature' },
  ],
  [
    'change a checkpoint root',
    ({ events, checkpoints }) => {
      checkpoints[2] = { ...checkpoints[2]!, rootHash: checkpoints[1]!.rootHash }
      return { events, checkpoints }
    },
    { seq: 30, kind: 'checkpoint_mismatch' },
  ],
  [
    'change a checkpoint root and re-sign it with the real key',
    ({ events, checkpoints }) => {
      const cp = checkpoints[2]!
      const input = { ...cp, rootHash: 'b'.repeat(64), timestamp: new Date(cp.timestamp) }
      checkpoints[2] = createCheckpoint({ ...input, previous: checkpoints[1]! }, key)
      return { events, checkpoints }
    },
    { seq: 30, kind: 'checkpoint_mismatch' },
  ],
  [
    'replace a checkpoint with garbage',
    ({ events, checkpoints }) => ({
      events,
      checkpoints: [
        ...checkpoints.slice(0, 1),
        { treeSize: 20, rootHash: 'nope' },
        ...checkpoints.slice(2),
      ],
    }),
    { seq: 20, kind: 'bad_signature' },
  ],
  [
    'swap two checkpoints',
    ({ events, checkpoints }) => {
      const [a, b] = [checkpoints[1]!, checkpoints[2]!]
      return { events, checkpoints: checkpoints.with(1, b).with(2, a) }
    },
    { seq: 20, kind: 'checkpoint_mismatch' },
  ],
  [
    'remove a checkpoint',
    ({ events, checkpoints }) => ({ events, checkpoints: checkpoints.toSpliced(2, 1) }),
    { seq: 40, kind: 'checkpoint_mismatch' },
  ],
  [
    'break a checkpoint beyond the first bad event',
    ({ events, checkpoints }) => {
      events[12].requestId = 'req-x'
      checkpoints[3] = { ...checkpoints[3]!, signature: checkpoints[2]!.signature }
      return { events, checkpoints }
    },
    { seq: 13, kind: 'modified' },
  ],
  [
    'break a checkpoint before the first bad event',
    ({ events, checkpoints }) => {
      events[42].requestId = 'req-x'
      checkpoints[0] = { ...checkpoints[0]!, signature: checkpoints[1]!.signature }
      return { events, checkpoints }
    },
    { seq: 10, kind: 'bad_signature' },
  ],
]

describe('verifyLog', () => {
  it('passes an untouched log and reports its head', async () => {
    const log = freshLog()
    const report = await verifyLog(log.events, {
      checkpoints: log.checkpoints,
      publicKeys: log.key.publicKey,
    })

    expect(report).toEqual({
      ok: true,
      eventsVerified: 50,
      lastVerifiedSeq: 50,
      headHash: log.events[49]?.hash,
      rootHash: log.checkpoints[4]?.rootHash,
      checkpointsVerified: 5,
      checkpointsSignatureOnly: 0,
    })
  })

  it.each(cases)('detects and locates: %s', async (_name, tamper, expected) => {
    const log = freshLog()
    const { events, checkpoints } = tamper({ events: log.events, checkpoints: log.checkpoints })
    const report = await verifyLog(events, { checkpoints, publicKeys: log.key.publicKey })

    expect(report.ok).toBe(false)
    expect({ seq: report.failure?.seq, kind: report.failure?.kind }).toEqual(expected)
    expect(report.failure?.message).toMatch(
      new RegExp(`seq ${expected.seq}|tree size ${expected.seq}`),
    )
  })

  it('reads an async iterable, as from a JSONL file', async () => {
    const log = freshLog()
    async function* lines() {
      for (const event of log.events) yield await Promise.resolve(structuredClone(event))
    }

    const report = await verifyLog(lines(), { publicKeys: log.key.publicKey })

    expect(report).toMatchObject({ ok: true, eventsVerified: 50, checkpointsVerified: 0 })
  })

  describe('from a trusted point after an archived prefix', () => {
    const log = freshLog()
    const options = (start: VerifyOptions['start']): VerifyOptions => ({
      checkpoints: log.checkpoints,
      publicKeys: [otherKey.publicKey, log.key.publicKey],
      start,
    })
    const prevHash = log.events[19]?.hash ?? ''

    it('verifies the chain and every later root given the frontier', async () => {
      const start = { seq: 21, prevHash, frontier: log.frontiers[20] }
      const report = await verifyLog(log.events.slice(20), options(start))

      expect(report).toMatchObject({
        ok: true,
        eventsVerified: 30,
        lastVerifiedSeq: 50,
        checkpointsVerified: 4,
        checkpointsSignatureOnly: 1,
      })
    })

    it('checks signatures and last event hashes only without the frontier', async () => {
      const report = await verifyLog(log.events.slice(20), options({ seq: 21, prevHash }))

      expect(report).toMatchObject({
        ok: true,
        checkpointsVerified: 0,
        checkpointsSignatureOnly: 5,
      })
      expect(report.rootHash).toBeUndefined()
    })

    it('rejects a frontier that disagrees with the archived checkpoint', async () => {
      const start = {
        seq: 21,
        prevHash,
        frontier: ['0'.repeat(64), ...(log.frontiers[20] ?? []).slice(1)],
      }
      const report = await verifyLog(log.events.slice(20), options(start))

      expect(report.failure).toMatchObject({ seq: 20, kind: 'checkpoint_mismatch' })
    })

    it('reports a range that does not chain to the trusted hash', async () => {
      const start = { seq: 21, prevHash: log.events[18]?.hash ?? '' }
      const report = await verifyLog(log.events.slice(20), options(start))

      expect(report.failure).toMatchObject({ seq: 20, kind: 'checkpoint_mismatch' })
      const bare = await verifyLog(log.events.slice(20), { ...options(start), checkpoints: [] })
      expect(bare.failure).toMatchObject({ seq: 21, kind: 'modified' })
    })

    it('refuses a malformed start as misuse', async () => {
      await expect(verifyLog([], options({ seq: 0, prevHash }))).rejects.toMatchObject({
        code: 'AUDIT_VERIFY_OPTIONS_INVALID',
        message: 'start seq 0 is not a positive integer',
      })
      await expect(verifyLog([], options({ seq: 2, prevHash: 'x' }))).rejects.toMatchObject({
        code: 'AUDIT_ENCODING_INVALID',
      })
    })
  })
})

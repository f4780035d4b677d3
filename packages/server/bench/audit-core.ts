/**
 * Throughput of the audit core, each figure beside an anchor measured in the same run.
 *
 *   node --import tsx packages/server/bench/audit-core.ts [events, default 50000]
 *
 * Each figure is the fastest of a few repetitions (the machines are shared). Prints one JSON
 * object per line:
 * - `chain`: canonicalise + chain events/s; anchors: plain SHA-256 of the same canonical bytes,
 *   and plain `JSON.stringify` of the same events (the cheapest serialisation there is).
 * - `verify`: offline verification events/s (chain, Merkle heads, a checkpoint every 1,000).
 * - `merkle-root`: tree head of 1,000,000 leaves in ms, anchor: 2,000,000 plain SHA-256 calls
 *   on inputs of the same sizes (one leaf and one node hash per leaf).
 * - `validate`: event input validation events/s.
 */
import { hash } from 'node:crypto'

import {
  GENESIS_HASH,
  MerkleFrontier,
  canonicalize,
  chainEvents,
  validateEventInput,
  verifyLog,
} from '../src/audit/core.js'
import { buildTestLog, makeTestEvent } from '../src/audit/test-log.js'

const EVENTS = Number(process.argv[2] ?? 50_000)
const MERKLE_LEAVES = 1_000_000

/** Repetitions of each measurement; the fastest counts, as the least disturbed by others. */
const REPEATS = 3

function time(run: () => void, repeats = REPEATS): number {
  let best = Infinity
  for (let round = 0; round < repeats; round++) {
    const started = performance.now()
    run()
    best = Math.min(best, performance.now() - started)
  }
  return best
}

async function timeAsync(run: () => Promise<unknown>): Promise<number> {
  let best = Infinity
  for (let round = 0; round < REPEATS; round++) {
    const started = performance.now()
    await run()
    best = Math.min(best, performance.now() - started)
  }
  return best
}

function print(record: Record<string, unknown>): void {
  console.log(JSON.stringify(record))
}

const perSecond = (count: number, ms: number) => Math.round((count / ms) * 1000)

function benchChain(): void {
  const events = Array.from({ length: EVENTS }, (_, index) => makeTestEvent(index + 1))
  const bytes = events.map((event) => Buffer.from(canonicalize(event), 'utf8'))
  chainEvents(events.slice(0, 1000), GENESIS_HASH) // warm up

  const anchorMs = time(() => {
    for (const data of bytes) hash('sha256', data, 'buffer')
  })
  const stringifyMs = time(() => {
    for (const event of events) JSON.stringify(event)
  })
  const chainMs = time(() => chainEvents(events, GENESIS_HASH))
  const averageBytes = Math.round(bytes.reduce((sum, data) => sum + data.length, 0) / EVENTS)

  print({
    bench: 'chain',
    events: EVENTS,
    averageEventBytes: averageBytes,
    eventsPerSecond: perSecond(EVENTS, chainMs),
    anchor: 'sha256 of the same canonical bytes',
    anchorPerSecond: perSecond(EVENTS, anchorMs),
    ratio: Number((anchorMs / chainMs).toFixed(3)),
    stringifyPerSecond: perSecond(EVENTS, stringifyMs),
    stringifyRatio: Number((stringifyMs / chainMs).toFixed(3)),
  })
}

async function benchVerify(): Promise<void> {
  const log = buildTestLog(EVENTS, 1000)
  const options = { checkpoints: log.checkpoints, publicKeys: log.key.publicKey }
  await verifyLog(log.events.slice(0, 1000), options) // warm up

  // The hashing floor: the three SHA-256 calls verification makes per event (chain, leaf, node).
  const bytes = log.events.map((event) => Buffer.from(JSON.stringify(event), 'utf8'))
  const leafInput = Buffer.alloc(33)
  const nodeInput = Buffer.alloc(65)
  const anchorMs = time(() => {
    for (const data of bytes) {
      hash('sha256', data, 'buffer')
      hash('sha256', leafInput, 'buffer')
      hash('sha256', nodeInput, 'buffer')
    }
  })

  let report: Awaited<ReturnType<typeof verifyLog>> | undefined
  const verifyMs = await timeAsync(async () => {
    report = await verifyLog(log.events, options)
  })
  if (report?.ok !== true) throw new Error(`the benchmark log failed: ${JSON.stringify(report)}`)

  print({
    bench: 'verify',
    events: EVENTS,
    checkpoints: log.checkpoints.length,
    eventsPerSecond: perSecond(EVENTS, verifyMs),
    target: 200_000,
    anchor: '3 sha256 calls per event (the event bytes, 33 and 65 bytes)',
    anchorPerSecond: perSecond(EVENTS, anchorMs),
    ratio: Number((anchorMs / verifyMs).toFixed(3)),
  })
}

function benchMerkle(): void {
  const leafInput = Buffer.alloc(33)
  const nodeInput = Buffer.alloc(65)
  const anchorMs = time(() => {
    for (let index = 0; index < MERKLE_LEAVES; index++) {
      hash('sha256', leafInput, 'buffer')
      hash('sha256', nodeInput, 'buffer')
    }
  }, 1)

  const leaf = Buffer.alloc(32)
  let root = ''
  const rootMs = time(() => {
    const tree = new MerkleFrontier()
    for (let index = 0; index < MERKLE_LEAVES; index++) {
      leaf.writeUInt32BE(index, 0)
      tree.appendLeafInput(leaf)
    }
    root = tree.root().toString('hex')
  }, 2)

  print({
    bench: 'merkle-root',
    leaves: MERKLE_LEAVES,
    ms: Math.round(rootMs),
    root,
    target: '< 5000 ms',
    anchor: '2,000,000 sha256 calls on 33- and 65-byte inputs',
    anchorMs: Math.round(anchorMs),
    ratio: Number((anchorMs / rootMs).toFixed(3)),
  })
}

function benchValidate(): void {
  const count = Math.min(EVENTS, 20_000)
  const now = () => new Date('2030-01-01T00:00:00.000Z')
  const inputs = Array.from({ length: count }, (_, index) => {
    const input: Record<string, unknown> = { ...makeTestEvent(index + 1) }
    delete input.seq
    delete input.recordedAt
    return input
  })

  const validateMs = time(() => {
    for (const input of inputs) {
      if (!validateEventInput(input, { now }).ok) throw new Error('benchmark event is invalid')
    }
  })
  print({ bench: 'validate', events: count, eventsPerSecond: perSecond(count, validateMs) })
}

benchChain()
await benchVerify()
benchMerkle()
benchValidate()

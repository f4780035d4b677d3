/**
 * The offline verifier: given an exported log (parsed JSONL lines, each a chained event), the
 * checkpoints and the public key, it recomputes the hash chain, the Merkle head at every
 * checkpoint and the signatures, and names the first bad sequence number and what is wrong.
 * It needs no database; an auditor runs it on files.
 *
 * @example
 * const report = await verifyLog(readJsonLines('audit.jsonl'), {
 *   checkpoints: JSON.parse(await readFile('checkpoints.json', 'utf8')),
 *   publicKeys: { spkiPem: await readFile('audit-key.pem', 'utf8') },
 * })
 * if (!report.ok) console.error(`seq ${report.failure?.seq}: ${report.failure?.kind}`)
 */
import type { KeyObject } from 'node:crypto'

import { ChainHasher, hashedEventText } from './chain.js'
import { AuditCoreError } from './errors.js'
import { GENESIS_HASH, hashFromHex, isHexHash } from './hashing.js'
import { MerkleFrontier } from './merkle.js'
import { END, PENDING, Peekable } from './peekable.js'
import type { PublicKeyInput } from './signing-key.js'
import { computeKeyId, importPublicKey } from './signing-key.js'
import type { InspectedCheckpoint } from './verify-checkpoints.js'
import { compareCheckpoint, inspectCheckpoints, signatureFailure } from './verify-checkpoints.js'
import type { VerifyFailure, VerifyReport } from './verify-report.js'

/** Where verification of a range that does not begin at seq 1 starts (an archived prefix). */
export interface VerifyStart {
  /** The first seq the stream holds. */
  readonly seq: number
  /** Trusted chain hash of event `seq - 1`, e.g. an archived checkpoint's `lastEventHash`. */
  readonly prevHash: string
  /**
   * Merkle frontier (hex, largest subtree first) of the tree of `seq - 1` leaves. Without it,
   * checkpoints in the range are checked by signature and last event hash but not by root.
   */
  readonly frontier?: readonly string[]
}

export interface VerifyOptions {
  /** The key or keys checkpoints may be signed with, matched by key id. */
  readonly publicKeys: PublicKeyInput | readonly PublicKeyInput[]
  /** Checkpoints as parsed JSON, oldest first. */
  readonly checkpoints?: readonly unknown[]
  /** Start after an archived prefix; defaults to seq 1 and the genesis hash. */
  readonly start?: VerifyStart
}

/**
 * Verifies an exported log; never throws on bad data, only on bad options.
 *
 * TODO(#3): this runs short of the 200,000 events/s target on the shared two-core machines
 * (bench/audit-core.ts). Worker threads do not help with records already parsed in memory:
 * copying one to a worker (v8 serialize, 2.8–6.4 µs) costs the main thread as much as
 * encoding it (4.0–4.6 µs). They would pay where records arrive as text (export lines,
 * database rows): workers parse, encode and hash each against its own prevHash, and the walk
 * takes that hash when the prevHash is the chain's, computing it itself otherwise, so every
 * outcome stays the same. That needs the walk to accept lazily parsed records.
 */
export async function verifyLog(
  events: AsyncIterable<unknown> | Iterable<unknown>,
  options: VerifyOptions,
): Promise<VerifyReport> {
  const keys = importKeys(options.publicKeys)
  const { inspected, failures } = inspectCheckpoints(options.checkpoints ?? [], keys)
  const walk = new ChainWalk(options.start, inspected)

  walk.checkBoundary()
  const streamFailure = await walk.run(new Peekable(events))
  const tail = streamFailure === undefined ? walk.checkTail() : walk.checkUnreached()

  const candidates = [...(streamFailure ? [streamFailure] : []), ...walk.failures, ...failures]
  const failure = candidates.reduce<VerifyFailure | undefined>(
    (first, next) => (first === undefined || next.seq < first.seq ? next : first),
    undefined,
  )
  return {
    ok: failure === undefined,
    ...(failure ? { failure } : {}),
    eventsVerified: walk.eventsVerified,
    lastVerifiedSeq: walk.expected - 1,
    headHash: walk.headHex,
    ...(walk.frontier ? { rootHash: walk.frontier.root().toString('hex') } : {}),
    checkpointsVerified: walk.checkpointsVerified,
    checkpointsSignatureOnly: walk.checkpointsSignatureOnly + tail,
  }
}

const ACCEPTED = 0
const GAP = 1
const MISMATCH = 2
type StepOutcome = typeof ACCEPTED | typeof GAP | typeof MISMATCH | VerifyFailure

interface Link {
  readonly seq: number
  readonly hash: string
  readonly prevHash: string
}

/** The running state of a pass over the event stream. */
class ChainWalk {
  expected: number
  headHex: string
  readonly frontier: MerkleFrontier | undefined
  readonly failures: VerifyFailure[] = []
  eventsVerified = 0
  checkpointsVerified = 0
  checkpointsSignatureOnly = 0

  readonly #hasher: ChainHasher
  readonly #firstSeq: number
  readonly #bySize = new Map<number, InspectedCheckpoint[]>()
  readonly #checkpoints: readonly InspectedCheckpoint[]

  constructor(start: VerifyStart | undefined, checkpoints: readonly InspectedCheckpoint[]) {
    this.#firstSeq = start?.seq ?? 1
    if (!Number.isSafeInteger(this.#firstSeq) || this.#firstSeq < 1) {
      const message = `start seq ${this.#firstSeq} is not a positive integer`
      throw new AuditCoreError('AUDIT_VERIFY_OPTIONS_INVALID', message)
    }
    this.expected = this.#firstSeq
    this.headHex = start?.prevHash ?? GENESIS_HASH
    this.#hasher = new ChainHasher(hashFromHex(this.headHex, 'start.prevHash'))
    this.frontier = startFrontier(this.#firstSeq, start?.frontier)

    this.#checkpoints = checkpoints
    for (const inspected of checkpoints) {
      const size = inspected.checkpoint.treeSize
      this.#bySize.set(size, [...(this.#bySize.get(size) ?? []), inspected])
    }
  }

  /** Checkpoints before the range are checked by signature; the one at its edge fully. */
  checkBoundary(): void {
    for (const inspected of this.#checkpoints) {
      const size = inspected.checkpoint.treeSize
      if (size < this.#firstSeq - 1) this.#checkSignatureOnly(inspected)
    }
    this.#compareAt(this.#firstSeq - 1)
  }

  /** Walks the stream until the first failure or its end. */
  async run(stream: Peekable<unknown>): Promise<VerifyFailure | undefined> {
    for (;;) {
      const ready = stream.nextSync()
      const record = ready === PENDING ? await stream.next() : ready
      if (record === END) break
      const outcome = this.#step(record)
      if (outcome === ACCEPTED) continue
      if (outcome === GAP) return this.#classifyGap(readSeq(record) ?? 0, stream)
      if (outcome === MISMATCH) return this.#classifyMismatch(record as object, stream)
      return outcome
    }
    return undefined
  }

  /** After a clean stream: checkpoints beyond its end prove events are missing. */
  checkTail(): number {
    let signatureOnly = 0
    for (const inspected of this.#checkpoints) {
      if (inspected.checkpoint.treeSize < this.expected) continue
      signatureOnly++
      const failure = signatureFailure(inspected)
      if (failure !== undefined) this.failures.push(failure)
      this.failures.push({
        seq: this.expected,
        kind: 'missing',
        message:
          `seq ${this.expected} is absent: the log ends at seq ${this.expected - 1}` +
          ` but checkpoint ${inspected.index} covers ${inspected.checkpoint.treeSize} events`,
        checkpointIndex: inspected.index,
      })
    }
    return signatureOnly
  }

  /** After a broken stream: checkpoints not reached can still be checked by signature. */
  checkUnreached(): number {
    const unreached = this.#checkpoints.filter((item) => item.checkpoint.treeSize >= this.expected)
    for (const inspected of unreached) {
      const failure = signatureFailure(inspected)
      if (failure !== undefined) this.failures.push(failure)
    }
    return unreached.length
  }

  /** Checks one record; the slower classification of a gap or a mismatch is left to `run`. */
  #step(record: unknown): StepOutcome {
    const seq = readSeq(record)
    if (seq === undefined) return this.#fail('modified', 'is not a chained event (no valid seq)')
    if (seq < this.expected) {
      const message = `seq ${seq} appears again after seq ${this.expected - 1}`
      return { seq, kind: 'inserted', message }
    }
    if (seq > this.expected) return GAP

    const link = readLink(record)
    const computed = link && this.#hash(record as object, this.#hasher.head)
    if (link === undefined || computed === undefined) {
      return this.#fail('modified', 'is not a chained event (bad hash members or content)')
    }
    const computedHex = computed.toString('hex')
    if (computedHex !== link.hash) return MISMATCH
    if (link.prevHash !== this.headHex) {
      return this.#fail('modified', 'has a prevHash member that differs from the chain')
    }

    this.#accept(computed, computedHex)
    return ACCEPTED
  }

  #accept(hash: Buffer, hashHex: string): void {
    this.#hasher.reset(hash)
    this.headHex = hashHex
    this.frontier?.appendLeafInput(hash)
    this.eventsVerified++
    this.#compareAt(this.expected)
    this.expected++
  }

  /**
   * A hash mismatch at the expected seq: a forgery in front of the genuine event, a re-hashed
   * predecessor, or an edit of this event.
   */
  async #classifyMismatch(record: object, stream: Peekable<unknown>): Promise<VerifyFailure> {
    const link = readLink(record) as Link
    const next = await stream.peek()
    const nextLink = next === END ? undefined : readLink(next)
    if (
      nextLink?.seq === this.expected &&
      this.#hash(next as object, this.#hasher.head)?.toString('hex') === nextLink.hash
    ) {
      return this.#fail('inserted', 'is an extra line in front of the genuine event')
    }

    const selfConsistent =
      link.prevHash !== this.headHex &&
      isHexHash(link.prevHash) &&
      this.#hash(record, Buffer.from(link.prevHash, 'hex'))?.toString('hex') === link.hash
    if (selfConsistent && this.expected > this.#firstSeq) {
      return {
        seq: this.expected - 1,
        kind: 'modified',
        message:
          `seq ${this.expected - 1} was edited and re-hashed:` +
          ` seq ${this.expected} chains to its original hash`,
      }
    }
    return this.#fail('modified', 'does not match its hash')
  }

  /** The expected seq is not next: moved later in the stream, or gone. */
  async #classifyGap(seen: number, stream: Peekable<unknown>): Promise<VerifyFailure> {
    for (let record = await stream.next(); record !== END; record = await stream.next()) {
      if (readSeq(record) === this.expected) {
        return this.#fail('reordered', `appears after seq ${seen} instead of in its place`)
      }
    }
    return this.#fail('missing', `is absent: seq ${seen} follows seq ${this.expected - 1}`)
  }

  #hash(record: object, prevHash: Buffer): Buffer | undefined {
    try {
      return this.#hasher.peek(hashedEventText(record), prevHash)
    } catch {
      return undefined
    }
  }

  #compareAt(treeSize: number): void {
    for (const inspected of this.#bySize.get(treeSize) ?? []) {
      const root = this.frontier?.root().toString('hex')
      const failure = compareCheckpoint(inspected, root, this.headHex)
      if (failure !== undefined) this.failures.push(failure)
      else if (root === undefined) this.checkpointsSignatureOnly++
      else if (inspected.failure === undefined) this.checkpointsVerified++
    }
  }

  #checkSignatureOnly(inspected: InspectedCheckpoint): void {
    const failure = signatureFailure(inspected)
    if (failure !== undefined) this.failures.push(failure)
    this.checkpointsSignatureOnly++
  }

  #fail(kind: VerifyFailure['kind'], what: string): VerifyFailure {
    return { seq: this.expected, kind, message: `seq ${this.expected} ${what}` }
  }
}

function startFrontier(
  firstSeq: number,
  frontier: readonly string[] | undefined,
): MerkleFrontier | undefined {
  if (firstSeq === 1) return new MerkleFrontier()
  if (frontier === undefined) return undefined
  const hashes = frontier.map((hash, index) => hashFromHex(hash, `start.frontier[${index}]`))
  return MerkleFrontier.restore(firstSeq - 1, hashes)
}

function importKeys(input: VerifyOptions['publicKeys']): Map<string, KeyObject> {
  const list = Array.isArray(input)
    ? (input as readonly PublicKeyInput[])
    : [input as PublicKeyInput]
  const keys = list.map((key) => importPublicKey(key))
  return new Map(keys.map((key) => [computeKeyId(key), key]))
}

function readSeq(record: unknown): number | undefined {
  if (typeof record !== 'object' || record === null) return undefined
  const seq = (record as { seq?: unknown }).seq
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 1 ? seq : undefined
}

/**
 * The chain members of a record. Their hex form is not checked here: `hash` is compared with a
 * computed hex digest and `prevHash` with the previous one, so anything malformed mismatches.
 */
function readLink(record: unknown): Link | undefined {
  const seq = readSeq(record)
  const { hash, prevHash } = record as { hash?: unknown; prevHash?: unknown }
  if (seq === undefined || typeof hash !== 'string' || typeof prevHash !== 'string')
    return undefined
  return { seq, hash, prevHash }
}

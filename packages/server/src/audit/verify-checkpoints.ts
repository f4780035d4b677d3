/**
 * The checkpoint half of offline verification: signatures and the checkpoint chain, which need
 * no events, and the comparison with the events once the stream reaches a checkpoint's size.
 */
import type { KeyObject } from 'node:crypto'

import type { SignedCheckpoint } from './checkpoint.js'
import { hashCheckpoint, parseCheckpoint, verifyCheckpointSignature } from './checkpoint.js'
import type { VerifyFailure } from './verify-report.js'

/** A supplied checkpoint after the checks that need no events. */
export interface InspectedCheckpoint {
  readonly index: number
  readonly checkpoint: SignedCheckpoint
  readonly signatureValid: boolean
  /** A malformed checkpoint, an unknown key or a broken link to the previous checkpoint. */
  readonly failure?: VerifyFailure
}

/**
 * Parses, authenticates and links the checkpoints in the order given. A checkpoint that cannot
 * be parsed is reported and left out; the next one is then linked to the last readable one.
 */
export function inspectCheckpoints(
  values: readonly unknown[],
  keys: ReadonlyMap<string, KeyObject>,
): { inspected: InspectedCheckpoint[]; failures: VerifyFailure[] } {
  const inspected: InspectedCheckpoint[] = []
  const failures: VerifyFailure[] = []
  let previous: SignedCheckpoint | undefined

  values.forEach((value, index) => {
    let checkpoint: SignedCheckpoint
    try {
      checkpoint = parseCheckpoint(value)
    } catch (error) {
      const seq = readTreeSize(value)
      const reason = error instanceof Error ? error.message : String(error)
      const message = `checkpoint ${index} at tree size ${seq} is unreadable: ${reason}`
      failures.push({ seq, kind: 'bad_signature', message, checkpointIndex: index })
      return
    }

    const key = keys.get(checkpoint.keyId)
    const signatureValid = key !== undefined && verifyCheckpointSignature(checkpoint, key)
    const failure =
      key === undefined
        ? checkpointFailure(checkpoint, index, 'bad_signature', 'is signed by an unknown key')
        : linkFailure(checkpoint, index, previous)

    if (failure !== undefined) failures.push(failure)
    inspected.push({ index, checkpoint, signatureValid, ...(failure ? { failure } : {}) })
    previous = checkpoint
  })
  return { inspected, failures }
}

/**
 * Compares a checkpoint with the log at its tree size. Content first: a validly signed
 * checkpoint that disagrees with the events means the events were rewritten, and an edited
 * checkpoint disagrees too; only when the content agrees is a bad signature the finding.
 */
export function compareCheckpoint(
  inspected: InspectedCheckpoint,
  rootHash: string | undefined,
  lastEventHash: string,
): VerifyFailure | undefined {
  const { checkpoint, index, signatureValid } = inspected
  const signed = signatureValid ? 'validly signed' : 'also badly signed'

  if (rootHash !== undefined && checkpoint.rootHash !== rootHash) {
    const message = `root ${checkpoint.rootHash} (${signed}) but the events give ${rootHash}`
    return checkpointFailure(checkpoint, index, 'checkpoint_mismatch', message)
  }
  if (checkpoint.lastEventHash !== lastEventHash) {
    const message = `last event hash (${signed}) differs from the event's hash ${lastEventHash}`
    return checkpointFailure(checkpoint, index, 'checkpoint_mismatch', message)
  }
  return signatureFailure(inspected)
}

/** The bad-signature finding for a checkpoint, if its signature failed. */
export function signatureFailure(inspected: InspectedCheckpoint): VerifyFailure | undefined {
  if (inspected.signatureValid) return undefined
  const { checkpoint, index } = inspected
  return checkpointFailure(
    checkpoint,
    index,
    'bad_signature',
    'has a signature that does not verify',
  )
}

function linkFailure(
  checkpoint: SignedCheckpoint,
  index: number,
  previous: SignedCheckpoint | undefined,
): VerifyFailure | undefined {
  if (previous === undefined) return undefined

  if (checkpoint.previousCheckpointHash !== hashCheckpoint(previous)) {
    const message = `does not chain to the checkpoint at tree size ${previous.treeSize}`
    return checkpointFailure(checkpoint, index, 'checkpoint_mismatch', message)
  }
  if (checkpoint.treeSize < previous.treeSize) {
    return checkpointFailure(checkpoint, index, 'checkpoint_mismatch', 'shrinks the tree')
  }
  return undefined
}

function checkpointFailure(
  checkpoint: SignedCheckpoint,
  index: number,
  kind: VerifyFailure['kind'],
  what: string,
): VerifyFailure {
  const message = `checkpoint ${index} at tree size ${checkpoint.treeSize} ${what}`
  return { seq: checkpoint.treeSize, kind, message, checkpointIndex: index }
}

function readTreeSize(value: unknown): number {
  const size: unknown =
    typeof value === 'object' && value !== null ? Reflect.get(value, 'treeSize') : 0
  return typeof size === 'number' && Number.isSafeInteger(size) ? size : 0
}

/**
 * Signed checkpoints: the Merkle tree head of the log at a size, chained to the previous
 * checkpoint and signed with Ed25519, so a copy held outside the database pins the log.
 *
 * The signature is over the RFC 8785 encoding of every member except `signature`; the
 * checkpoint's own hash (what the next one chains to) is SHA-256 of those same bytes. Hashes
 * are lowercase hex, the signature base64url, so a verifier needs only a JCS encoder, SHA-256,
 * an Ed25519 implementation and the public key.
 *
 * @example
 * const checkpoint = createCheckpoint(
 *   { treeSize: tree.size, rootHash, lastEventHash, previous, timestamp: clock.now() },
 *   signingKey,
 * )
 */
import type { KeyObject } from 'node:crypto'

import { z } from 'zod'

import { canonicalize } from './canonical-json.js'
import { AuditCoreError } from './errors.js'
import { GENESIS_HASH, hashFromHex, sha256 } from './hashing.js'
import type { AuditSigningKey } from './signing-key.js'
import { signEd25519, verifyEd25519 } from './signing-key.js'

/** Names the format so a signature over one kind of document is never valid for another. */
export const CHECKPOINT_FORMAT = 'rampart.audit.checkpoint.v1'

/** What a checkpoint states; every member is signed. */
export interface CheckpointBody {
  readonly format: typeof CHECKPOINT_FORMAT
  /** Events covered: seq 1 to `treeSize`. */
  readonly treeSize: number
  /** RFC 6962 tree head over the chain hashes of those events. */
  readonly rootHash: string
  /** Chain hash of event `treeSize` (the genesis hash for an empty log). */
  readonly lastEventHash: string
  /** Hash of the previous checkpoint (the genesis hash for the first). */
  readonly previousCheckpointHash: string
  /** When it was made, UTC with milliseconds. */
  readonly timestamp: string
  /** RFC 7638 thumbprint of the signing key. */
  readonly keyId: string
}

export interface SignedCheckpoint extends CheckpointBody {
  /** Ed25519 over `checkpointSigningBytes(body)`, base64url. */
  readonly signature: string
}

export interface CheckpointInput {
  readonly treeSize: number
  readonly rootHash: string
  readonly lastEventHash: string
  /** The checkpoint before this one; absent for the first. */
  readonly previous?: CheckpointBody
  readonly timestamp: Date
}

const hexHash = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits')

const checkpointSchema = z.strictObject({
  format: z.literal(CHECKPOINT_FORMAT),
  treeSize: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  rootHash: hexHash,
  lastEventHash: hexHash,
  previousCheckpointHash: hexHash,
  timestamp: z.iso.datetime({ precision: 3 }),
  keyId: z.string().regex(/^[\w-]{43}$/, 'expected a base64url SHA-256 thumbprint'),
  signature: z.string().regex(/^[\w-]{86}$/, 'expected a base64url Ed25519 signature'),
})

/** Builds and signs a checkpoint. */
export function createCheckpoint(input: CheckpointInput, key: AuditSigningKey): SignedCheckpoint {
  hashFromHex(input.rootHash, 'rootHash')
  hashFromHex(input.lastEventHash, 'lastEventHash')
  if (input.previous !== undefined && input.previous.treeSize > input.treeSize) {
    throw new AuditCoreError('AUDIT_CHECKPOINT_INVALID', 'a checkpoint cannot shrink the tree')
  }

  const body: CheckpointBody = {
    format: CHECKPOINT_FORMAT,
    treeSize: input.treeSize,
    rootHash: input.rootHash,
    lastEventHash: input.lastEventHash,
    previousCheckpointHash:
      input.previous === undefined ? GENESIS_HASH : hashCheckpoint(input.previous),
    timestamp: input.timestamp.toISOString(),
    keyId: key.keyId,
  }
  const signature = signEd25519(key.privateKey, checkpointSigningBytes(body))
  return { ...body, signature: signature.toString('base64url') }
}

/** The bytes that are signed and hashed: JCS of the checkpoint without `signature`. */
export function checkpointSigningBytes(checkpoint: CheckpointBody): Buffer {
  const body: CheckpointBody = {
    format: checkpoint.format,
    treeSize: checkpoint.treeSize,
    rootHash: checkpoint.rootHash,
    lastEventHash: checkpoint.lastEventHash,
    previousCheckpointHash: checkpoint.previousCheckpointHash,
    timestamp: checkpoint.timestamp,
    keyId: checkpoint.keyId,
  }
  return Buffer.from(canonicalize(body), 'utf8')
}

/** The checkpoint's hash, which the next checkpoint records as `previousCheckpointHash`. */
export function hashCheckpoint(checkpoint: CheckpointBody): string {
  return sha256(checkpointSigningBytes(checkpoint)).toString('hex')
}

/** True when the signature is valid for `publicKey`. Does not check `keyId`. */
export function verifyCheckpointSignature(
  checkpoint: SignedCheckpoint,
  publicKey: KeyObject,
): boolean {
  const signature = Buffer.from(checkpoint.signature, 'base64url')
  return verifyEd25519(publicKey, checkpointSigningBytes(checkpoint), signature)
}

/** Reads a checkpoint from parsed JSON; throws `AUDIT_CHECKPOINT_INVALID` naming the fields. */
export function parseCheckpoint(value: unknown): SignedCheckpoint {
  const parsed = checkpointSchema.safeParse(value)
  if (parsed.success) return parsed.data

  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)
  throw new AuditCoreError('AUDIT_CHECKPOINT_INVALID', `not a checkpoint (${problems.join('; ')})`)
}

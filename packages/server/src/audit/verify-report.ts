/**
 * What the offline verifier reports.
 */

/**
 * The kinds of damage the verifier names. How each is told apart:
 *
 * - `modified`: an event's content (or its `prevHash` member) no longer gives its `hash`; or an
 *   event was edited and re-hashed, which the next event exposes because it chained to the
 *   original hash. Also a line that is not a well-formed chained event.
 * - `missing`: the next seq expected never appears (a gap), or the export ends before a
 *   signed checkpoint's tree size.
 * - `inserted`: a seq that was already seen appears again, or a line that does not chain sits
 *   in front of the genuine event with the same seq.
 * - `reordered`: the expected seq is not next but does appear later in the stream.
 * - `bad_signature`: a checkpoint's Ed25519 signature does not verify, it names a key that was
 *   not supplied, or it is not a well-formed checkpoint.
 * - `checkpoint_mismatch`: a checkpoint's root or last event hash disagrees with the events
 *   (even if validly signed: the events were rewritten and re-chained), or checkpoints do not
 *   chain to each other (one was removed or replaced).
 */
export type TamperKind =
  'modified' | 'missing' | 'inserted' | 'reordered' | 'bad_signature' | 'checkpoint_mismatch'

/** The first problem found, located by sequence number. */
export interface VerifyFailure {
  /** The first bad seq; for a checkpoint problem, the checkpoint's tree size. */
  readonly seq: number
  readonly kind: TamperKind
  readonly message: string
  /** Position in the supplied checkpoint list, for checkpoint problems. */
  readonly checkpointIndex?: number
}

export interface VerifyReport {
  readonly ok: boolean
  /** The failure with the lowest seq; absent when `ok`. */
  readonly failure?: VerifyFailure
  /** Events whose chain hash verified, counted before the first failure. */
  readonly eventsVerified: number
  /** Seq of the last event that verified (the start seq minus one if none did). */
  readonly lastVerifiedSeq: number
  /** Chain hash of that event: the trusted `prevHash` to resume from. */
  readonly headHash: string
  /** Tree head at `lastVerifiedSeq`, when the tree could be computed. */
  readonly rootHash?: string
  /** Checkpoints whose signature, chaining, root and last event hash all checked out. */
  readonly checkpointsVerified: number
  /**
   * Checkpoints checked by signature and chaining only: before the verified range, or inside it
   * when no frontier was given for a range starting after seq 1 (so no root could be computed).
   */
  readonly checkpointsSignatureOnly: number
}

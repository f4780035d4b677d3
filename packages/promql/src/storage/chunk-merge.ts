/**
 * Merging chunk files: each compaction writes one file, so a long retention would leave many
 * small files to read at start-up. Runs of the oldest files are rewritten as one file.
 *
 * The merged file replaces the newest file of the run (same number, atomic rename), and only
 * then are the others deleted. Loading still sees every chunk in time order, and a crash
 * between the rename and the deletes leaves chunks twice on disk, which loading tolerates: a
 * chunk at or before a series' last loaded sample only contributes newer samples.
 */
import { rmSync, statSync } from 'node:fs'

import type { Labels } from '../model/series.js'
import type { ChunkFileInfo, ChunkRecord } from './chunk-file.js'
import { ChunkFileBuilder, readChunkFile } from './chunk-file.js'

export interface MergePolicy {
  /** Merge once there are more files than this. */
  readonly maxFiles: number
  /** A merged file covers at most this span of time, so retention can still drop it early. */
  readonly maxSpanMs: number
  /** A merged file holds at most this many bytes (it is built in memory). */
  readonly maxBytes: number
}

/**
 * Merges the oldest run of files allowed by `policy`; returns the new list of files (oldest
 * first), or the same list when there is nothing to merge.
 */
export function mergeOldestChunkFiles(
  dir: string,
  files: readonly ChunkFileInfo[],
  policy: MergePolicy,
): ChunkFileInfo[] {
  if (files.length <= policy.maxFiles) return [...files]

  const run = oldestRun(files, policy)
  if (run.length < 2) return [...files]

  const builder = new ChunkFileBuilder()
  const seen = new Set<number>()
  const chunks: ChunkRecord[] = []
  for (const file of run) {
    const { problem } = readChunkFile(
      dir,
      file.number,
      (ref: number, labels: Labels) => {
        if (seen.has(ref)) return
        seen.add(ref)
        builder.addSeries(ref, labels)
      },
      (chunk) => chunks.push(chunk),
    )
    // A damaged file is left alone: loading reports it, and merging would hide where.
    if (problem !== undefined) return [...files]
  }
  for (const chunk of chunks) builder.addChunk(chunk)

  const last = run.at(-1) as ChunkFileInfo
  const merged = builder.write(dir, last.number)
  for (const file of run.slice(0, -1)) rmSync(file.path, { force: true })
  return [merged, ...files.slice(run.length)]
}

/** The oldest files that fit the policy's span and size together. */
function oldestRun(files: readonly ChunkFileInfo[], policy: MergePolicy): ChunkFileInfo[] {
  const run: ChunkFileInfo[] = []
  let bytes = 0
  // Files are written in time order, so the first file's newest sample bounds the run's start.
  const startMs = (files[0] as ChunkFileInfo).maxTimeMs
  for (const file of files) {
    bytes += statSync(file.path).size
    if (
      run.length > 0 &&
      (bytes > policy.maxBytes || file.maxTimeMs - startMs > policy.maxSpanMs)
    ) {
      break
    }
    run.push(file)
  }
  return run
}

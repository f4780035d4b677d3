/**
 * A lock file that keeps two processes from writing the same data directory: two logs
 * appending to one directory would interleave segments and lose data on replay.
 */

import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const LOCK_FILE = 'LOCK'

/** Thrown at start-up when another live process holds the directory. */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError'
  readonly code = 'data_dir_locked'

  constructor(dir: string, pid: number) {
    super(`metric data directory ${dir} is in use by process ${pid}`)
  }
}

/**
 * Takes the lock for this process, replacing a lock left by a process that no longer runs.
 * Returns a function that releases it.
 */
export function lockDataDir(dir: string): () => void {
  const path = join(dir, LOCK_FILE)
  const holder = readHolder(path)
  if (holder !== undefined && holder !== process.pid && isRunning(holder)) {
    throw new DataDirLockedError(dir, holder)
  }

  writeFileSync(path, `${process.pid}\n`)
  return () => {
    if (readHolder(path) === process.pid) rmSync(path, { force: true })
  }
}

function readHolder(path: string): number | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }

  const pid = Number.parseInt(text, 10)
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

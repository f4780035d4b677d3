import { appendFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { PendingEvent } from './types.js'

/**
 * Undelivered audit events on disk, one JSON line each, oldest first. Appends are chained so
 * lines never interleave; removing delivered events rewrites the file through a temporary
 * file and a rename, so a crash leaves either the old or the new file, never half of one.
 */
export class SpillFile {
  readonly path: string
  #chain: Promise<unknown> = Promise.resolve()

  constructor(path: string) {
    this.path = path
  }

  /** Runs file operations one at a time, in call order. */
  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#chain.then(operation)
    this.#chain = result.catch(() => undefined)
    return result
  }

  append(events: readonly PendingEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve()
    const text = events.map((event) => JSON.stringify(event)).join('\n') + '\n'
    return this.#serial(async () => {
      await mkdir(dirname(this.path), { recursive: true })
      await appendFile(this.path, text, { mode: 0o600 })
    })
  }

  /** Every event in the file; a torn last line (a crash during an append) is skipped. */
  readAll(): Promise<PendingEvent[]> {
    return this.#serial(async () => {
      let text: string
      try {
        text = await readFile(this.path, 'utf8')
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
        throw error
      }
      const events: PendingEvent[] = []
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue
        try {
          events.push(JSON.parse(line) as PendingEvent)
        } catch {
          // Only the last line can be torn; anything unparseable is not an event we wrote.
        }
      }
      return events
    })
  }

  /** Drops the first `count` events, keeping any appended since they were read. */
  removeFirst(count: number): Promise<void> {
    return this.#serial(async () => {
      const text = await readFile(this.path, 'utf8').catch(() => '')
      const lines = text.split('\n').filter((line) => line.trim() !== '')
      const rest = lines.slice(count)
      if (rest.length === 0) {
        await rm(this.path, { force: true })
        return
      }
      const temporary = `${this.path}.tmp`
      await writeFile(temporary, rest.join('\n') + '\n', { mode: 0o600 })
      await rename(temporary, this.path)
    })
  }
}

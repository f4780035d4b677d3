import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterEach, expect, it } from 'vitest'

import { Head } from './head.js'
import type { MemSeries } from './mem-series.js'
import { replayWal } from './wal-replay.js'
import { listSegments, WriteAheadLog } from './write-ahead-log.js'

let dir: string | undefined
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

it('keeps every flushed record across flushes, background fsyncs and segment cuts', async () => {
  dir = mkdtempSync(join(tmpdir(), 'rampart-wal-'))
  const errors: Error[] = []
  const wal = new WriteAheadLog(dir, {
    flushBytes: 1 << 20,
    segmentBytes: 2048,
    onSyncError: (error) => errors.push(error),
  })

  wal.logSeries(1, { __name__: 'up', job: 'a' })
  // Many small flushes, so fsyncs overlap flushes and segment cuts happen while one runs.
  for (let index = 0; index < 1000; index++) {
    wal.logSample(1, index * 1000, index, false)
    if (index % 10 === 9) wal.flush()
  }
  await wal.synced()
  wal.close()
  await wal.synced()

  expect(errors).toEqual([])
  expect(listSegments(dir).length).toBeGreaterThan(3)
  const report = replayWal(dir, new Head(), new Map<number, MemSeries>())
  expect(report).toMatchObject({ series: 1, samples: 1000, orphanSamples: 0 })
  expect(report.corruption).toBeUndefined()
})

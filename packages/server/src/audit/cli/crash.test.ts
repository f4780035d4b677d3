import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'

import { afterEach, expect, it } from 'vitest'

import { openStore } from '../../store/database.js'
import { sampleEvent } from '../log/fixture.js'

const mainPath = resolve(import.meta.dirname, '../../main.ts')
const token = 'crash-test-ingest-token'
const children: ChildProcess[] = []
let dataDir: string | undefined

afterEach(() => {
  for (const child of children) child.kill('SIGKILL')
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true })
})

/** Starts the real CLI and resolves to its URL once it listens. */
async function startServer(directory: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      mainPath,
      'start',
      '--port',
      '0',
      '--data-dir',
      directory,
    ],
    {
      env: { ...process.env, RAMPART_AUDIT_INGEST_TOKEN: token, RAMPART_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  children.push(child)
  const lines = createInterface({ input: child.stdout })
  for await (const line of lines) {
    const entry = JSON.parse(line) as { url?: string; msg?: string }
    if (entry.url !== undefined && entry.msg?.startsWith('listening') === true) {
      return { child, url: entry.url }
    }
  }
  throw new Error('the server exited before listening')
}

it('keeps every acknowledged event through kill -9 and leaves a log that verifies', async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'rampart-crash-'))
  const { child, url } = await startServer(dataDir)

  const acknowledged = new Map<string, number>()
  let sent = 0
  let stop = false
  const stream = (async () => {
    while (!stop) {
      const items = Array.from({ length: 50 }, () => {
        sent++
        return { idempotencyKey: `key-${sent}`, event: sampleEvent(sent, new Date().toISOString()) }
      })
      try {
        const response = await fetch(`${url}/v1/audit/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ events: items }),
        })
        const body = (await response.json()) as { results: { status: string; seq: number }[] }
        body.results.forEach((result, index) => {
          if (result.status === 'accepted')
            acknowledged.set(items[index]!.idempotencyKey, result.seq)
        })
      } catch {
        return // The server died mid-request: that batch was never acknowledged.
      }
    }
  })()

  while (acknowledged.size < 500) await new Promise((resolve) => setTimeout(resolve, 20))
  child.kill('SIGKILL')
  stop = true
  await stream
  expect(acknowledged.size).toBeGreaterThanOrEqual(500)

  const restarted = await startServer(dataDir)
  restarted.child.kill('SIGTERM')
  await new Promise((resolve) => restarted.child.once('exit', resolve))

  const store = openStore({ dataDir })
  try {
    const rows = await store.db.selectFrom('audit_ingest_keys').select(['key', 'seq']).execute()
    const stored = new Map(rows.map((row) => [row.key, Number(row.seq)]))
    for (const [key, seq] of acknowledged) expect(stored.get(key)).toBe(seq)
    const types = await store.db
      .selectFrom('audit_events')
      .select('type')
      .where('type', 'like', 'platform.%')
      .execute()
    expect(types.map((row) => row.type)).toContain('platform.stopped')
  } finally {
    await store.close()
  }

  const verify = spawnSync(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', mainPath, 'audit', 'verify', '--data-dir', dataDir],
    { encoding: 'utf8' },
  )
  expect(verify.stdout).toMatch(/^ok: \d+ events verified/)
  expect(verify.status).toBe(0)
}, 60_000)

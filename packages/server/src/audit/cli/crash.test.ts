import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'

import { randomBytes } from 'node:crypto'

import pg from 'pg'
import { afterEach, expect, it } from 'vitest'

import { openStore } from '../../store/database.js'
import type { Dialect } from '../../store/database.js'
import { testDatabaseUrl } from '../../test-support/postgres.js'
import { describeEachDialect } from '../../test-support/stores.js'
import { sampleEvent } from '../log/fixture.js'

const mainPath = resolve(import.meta.dirname, '../../main.ts')
const token = 'crash-test-ingest-token'
const children: ChildProcess[] = []
let dataDir: string | undefined
let dropDatabase: (() => Promise<void>) | undefined

afterEach(async () => {
  for (const child of children) child.kill('SIGKILL')
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true })
  await dropDatabase?.()
  dropDatabase = undefined
})

/**
 * The database the server process uses: SQLite in the data directory, or a PostgreSQL
 * database of its own (a schema cannot be handed to the CLI), dropped after the test.
 */
async function databaseUrlFor(dialect: Dialect): Promise<string | undefined> {
  if (dialect === 'sqlite') return undefined
  const name = `rampart_crash_${randomBytes(5).toString('hex')}`
  const admin = new pg.Client({ connectionString: testDatabaseUrl })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  dropDatabase = async () => {
    const client = new pg.Client({ connectionString: testDatabaseUrl })
    await client.connect()
    await client.query(`drop database if exists ${name} with (force)`)
    await client.end()
  }
  const url = new URL(testDatabaseUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/** Starts the real CLI and resolves to its URL once it listens. */
async function startServer(
  directory: string,
  databaseUrl: string | undefined,
): Promise<{ child: ChildProcess; url: string }> {
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
      env: {
        ...process.env,
        RAMPART_AUDIT_INGEST_TOKEN: token,
        RAMPART_LOG_LEVEL: 'info',
        ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }),
      },
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

describeEachDialect('audit durability', (dialect) => {
  it('keeps every acknowledged event through kill -9 and leaves a log that verifies', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'rampart-crash-'))
    const databaseUrl = await databaseUrlFor(dialect)
    const { child, url } = await startServer(dataDir, databaseUrl)

    const acknowledged = new Map<string, number>()
    let sent = 0
    let stop = false
    const stream = (async () => {
      while (!stop) {
        const items = Array.from({ length: 50 }, () => {
          sent++
          return {
            idempotencyKey: `key-${sent}`,
            event: sampleEvent(sent, new Date().toISOString()),
          }
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

    const restarted = await startServer(dataDir, databaseUrl)
    restarted.child.kill('SIGTERM')
    await new Promise((resolve) => restarted.child.once('exit', resolve))

    const store = openStore({ dataDir, url: databaseUrl })
    try {
      const rows = await store.db.selectFrom('audit_ingest_keys').select(['key', 'seq']).execute()
      const stored = new Map(rows.map((row) => [row.key, Number(row.seq)]))
      // Keys are stored scoped to the event's tenant.
      for (const [key, seq] of acknowledged) {
        expect(stored.get(JSON.stringify(['default', key]))).toBe(seq)
      }
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
      [
        '--conditions=source',
        '--import',
        'tsx',
        mainPath,
        'audit',
        'verify',
        '--data-dir',
        dataDir,
      ],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }),
        },
      },
    )
    expect(verify.stdout).toMatch(/^ok: \d+ events verified/)
    expect(verify.status).toBe(0)
  }, 90_000)
})

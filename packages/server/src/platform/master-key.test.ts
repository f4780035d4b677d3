import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { describeEachDialect } from '../test-support/stores.js'
import type { TestDatabase } from '../test-support/stores.js'
import { createTestDatabase } from '../test-support/stores.js'
import { ConfigurationError } from './errors.js'
import { loadMasterKey, verifyMasterKey } from './master-key.js'

const dataDir = (): string => mkdtempSync(join(tmpdir(), 'rampart-key-'))

describe('loadMasterKey', () => {
  it('generates a 256-bit key with mode 0600 on first start and reuses it', () => {
    const directory = dataDir()
    const first = loadMasterKey({ dataDir: directory })
    expect(first.source).toBe('generated')
    expect(first.key).toHaveLength(32)
    expect(statSync(join(directory, 'master.key')).mode & 0o777).toBe(0o600)

    const second = loadMasterKey({ dataDir: directory })
    expect(second.source).toBe('file')
    expect(second.key.equals(first.key)).toBe(true)
  })

  it('takes a configured key in hex or base64', () => {
    const key = Buffer.alloc(32, 7)
    expect(loadMasterKey({ dataDir: dataDir(), configured: key.toString('hex') }).key).toEqual(key)
    expect(loadMasterKey({ dataDir: dataDir(), configured: key.toString('base64') }).key).toEqual(
      key,
    )
  })

  it.each([
    ['too short', 'abcd'],
    ['33 bytes', Buffer.alloc(33).toString('base64')],
  ])('rejects a configured key that is %s', (_name, configured) => {
    expect(() => loadMasterKey({ dataDir: dataDir(), configured })).toThrow(/must be 32 bytes/)
  })

  it('refuses to generate a key for a database that already has one', () => {
    expect(() => loadMasterKey({ dataDir: dataDir(), boundFingerprint: 'abc123def456' })).toThrow(
      /master\.key is missing, but the database was initialised with a master key \(fingerprint abc123def456\)/,
    )
  })

  it('refuses a key file other users can read', () => {
    const directory = dataDir()
    const path = join(directory, 'master.key')
    writeFileSync(path, Buffer.alloc(32, 1).toString('hex'))
    chmodSync(path, 0o644)
    expect(() => loadMasterKey({ dataDir: directory })).toThrow(/readable by other users/)
    expect(readFileSync(path, 'utf8')).toBe(Buffer.alloc(32, 1).toString('hex'))
  })
})

describeEachDialect('verifyMasterKey', (dialect) => {
  let database: TestDatabase | undefined
  afterEach(() => database?.dispose())

  it('binds the first key and refuses another one', async () => {
    database = await createTestDatabase(dialect)
    const store = await database.open()
    const original = Buffer.alloc(32, 1)

    expect(await verifyMasterKey(store.db, original)).toBe('bound')
    expect(await verifyMasterKey(store.db, original)).toBe('matched')
    const other = verifyMasterKey(store.db, Buffer.alloc(32, 2))
    await expect(other).rejects.toThrow(ConfigurationError)
    await expect(verifyMasterKey(store.db, Buffer.alloc(32, 2))).rejects.toThrow(
      /is not the one this database was initialised with/,
    )
  })
})

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Kysely } from 'kysely'
import type { Database } from '../store/schema.js'
import { ConfigurationError } from './errors.js'

const keyBytes = 32
const checkKey = 'master_key_check'

/** How the master key came to be: generated now, read from a file, or given directly. */
export type MasterKeySource = 'generated' | 'file' | 'configured'

export interface MasterKey {
  /** The 256-bit key. Never logged; modules derive their own keys from it. */
  readonly key: Buffer
  readonly source: MasterKeySource
  readonly path: string | undefined
}

function decodeKey(text: string, origin: string): Buffer {
  const trimmed = text.trim()
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64')
  if (key.length !== keyBytes) {
    throw new ConfigurationError(
      `the master key from ${origin} must be 32 bytes as 64 hex characters or base64`,
    )
  }
  return key
}

function readKeyFile(path: string): Buffer {
  const mode = statSync(path).mode & 0o777
  if ((mode & 0o077) !== 0) {
    throw new ConfigurationError(
      `${path} is readable by other users (mode ${mode.toString(8)}); run chmod 600 ${path}`,
    )
  }
  return decodeKey(readFileSync(path, 'utf8'), path)
}

export interface LoadMasterKeyOptions {
  readonly dataDir: string
  readonly configured?: string | undefined
  readonly file?: string | undefined
  /** Set when the database is already bound to a key: then none may be generated. */
  readonly boundFingerprint?: string | undefined
}

/**
 * The master key: given in configuration, read from its file, or, on first start, generated
 * into `<data_dir>/master.key` with mode 0600. A key file others can read is refused.
 */
export function loadMasterKey(options: LoadMasterKeyOptions): MasterKey {
  if (options.configured !== undefined) {
    return {
      key: decodeKey(options.configured, 'configuration'),
      source: 'configured',
      path: undefined,
    }
  }
  if (options.file !== undefined) {
    return { key: readKeyFile(options.file), source: 'file', path: options.file }
  }

  const path = join(options.dataDir, 'master.key')
  try {
    return { key: readKeyFile(path), source: 'file', path }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }

  if (options.boundFingerprint !== undefined) {
    throw new ConfigurationError(
      `${path} is missing, but the database was initialised with a master key (fingerprint ` +
        `${options.boundFingerprint}); restore the key file from backup or set RAMPART_MASTER_KEY`,
    )
  }
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 })
  const key = randomBytes(keyBytes)
  // 'wx' fails if another process created the file in between: never overwrite a key.
  writeFileSync(path, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' })
  return { key, source: 'generated', path }
}

function checkValue(key: Buffer): string {
  return createHmac('sha256', key).update('rampart master key check v1').digest('hex')
}

/** A short, non-secret name for a key, safe to print when telling keys apart. */
export function keyFingerprint(key: Buffer): string {
  return checkValue(key).slice(0, 12)
}

/**
 * The key check value the database was bound with, or undefined for a new database (no row,
 * or no tables yet).
 */
export async function readMasterKeyCheck(db: Kysely<Database>): Promise<string | undefined> {
  try {
    const row = await db
      .selectFrom('meta')
      .select('value')
      .where('key', '=', checkKey)
      .executeTakeFirst()
    return row?.value
  } catch (error) {
    if (/no such table|does not exist/.test(String(error))) return undefined
    throw error
  }
}

/**
 * Binds the database to the master key on first use and refuses a different key later: data
 * sealed under one key is unreadable under another, so starting would only hide the mistake.
 */
export async function verifyMasterKey(
  db: Kysely<Database>,
  key: Buffer,
): Promise<'bound' | 'matched'> {
  const expected = checkValue(key)
  const row = await db
    .selectFrom('meta')
    .select('value')
    .where('key', '=', checkKey)
    .executeTakeFirst()

  if (row === undefined) {
    await db
      .insertInto('meta')
      .values({ key: checkKey, value: expected })
      .onConflict((conflict) => conflict.column('key').doNothing())
      .execute()
    return verifyMasterKey(db, key).then(() => 'bound')
  }

  const matches =
    row.value.length === expected.length &&
    timingSafeEqual(Buffer.from(row.value), Buffer.from(expected))
  if (!matches) {
    throw new ConfigurationError(
      `the master key (fingerprint ${keyFingerprint(key)}) is not the one this database was ` +
        `initialised with (fingerprint ${row.value.slice(0, 12)}); ` +
        'restore the original key file or RAMPART_MASTER_KEY',
    )
  }
  return 'matched'
}

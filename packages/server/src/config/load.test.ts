import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigurationError } from '../platform/errors.js'
import { loadConfig } from './load.js'

function workspace(files: Record<string, string> = {}): string {
  const directory = mkdtempSync(join(tmpdir(), 'rampart-config-'))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(directory, name), text)
  return directory
}

describe('loadConfig', () => {
  it('applies the defaults with no file and no environment', () => {
    const cwd = workspace()
    const { config, file } = loadConfig({ cwd, environment: {} })
    expect(file).toBeUndefined()
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 8080 })
    expect(config.data_dir).toBe(join(cwd, 'data'))
    expect(config.database.url).toBeUndefined()
  })

  it('reads ./rampart.yaml when present', () => {
    const cwd = workspace({ 'rampart.yaml': 'server:\n  port: 9090\nlog:\n  level: warn\n' })
    const { config, file } = loadConfig({ cwd, environment: {} })
    expect(file).toBe(join(cwd, 'rampart.yaml'))
    expect(config.server.port).toBe(9090)
    expect(config.log.level).toBe('warn')
  })

  it('lays environment over the file and flags over both', () => {
    const cwd = workspace({ 'rampart.yaml': 'server:\n  port: 9090\n  host: 0.0.0.0\n' })
    const environment = {
      RAMPART_SERVER_PORT: '7070',
      RAMPART_SERVER_BODY_LIMIT_BYTES: '2048',
      RAMPART_SERVER_TRUST_PROXY: 'true',
      RAMPART_DATA_DIR: '/var/lib/rampart',
      DATABASE_URL: 'postgres://db.internal/rampart',
    }
    const { config } = loadConfig({ cwd, environment, overrides: { host: '::1' } })
    expect(config.server).toMatchObject({
      port: 7070,
      host: '::1',
      body_limit_bytes: 2048,
      trust_proxy: true,
    })
    expect(config.data_dir).toBe('/var/lib/rampart')
    expect(config.database.url).toBe('postgres://db.internal/rampart')
  })

  it('prefers RAMPART_DATABASE_URL over DATABASE_URL', () => {
    const { config } = loadConfig({
      cwd: workspace(),
      environment: { DATABASE_URL: 'postgres://a/x', RAMPART_DATABASE_URL: 'postgres://b/y' },
    })
    expect(config.database.url).toBe('postgres://b/y')
  })

  it('reads secrets from *_file settings', () => {
    const cwd = workspace({ 'db-url': 'postgres://secret@db/rampart\n' })
    const { config } = loadConfig({ cwd, environment: { RAMPART_DATABASE_URL_FILE: 'db-url' } })
    expect(config.database.url).toBe('postgres://secret@db/rampart')
  })

  it('reads the Redis URL from RAMPART_REDIS_URL or a file', () => {
    const direct = loadConfig({
      cwd: workspace(),
      environment: { RAMPART_REDIS_URL: 'redis://cache:6379/2' },
    })
    expect(direct.config.redis).toMatchObject({
      url: 'redis://cache:6379/2',
      key_prefix: 'rampart',
    })
    const cwd = workspace({ 'redis-url': 'rediss://:secret@cache:6380\n' })
    const { config } = loadConfig({ cwd, environment: { RAMPART_REDIS_URL_FILE: 'redis-url' } })
    expect(config.redis.url).toBe('rediss://:secret@cache:6380')
  })

  interface FailureCase {
    name: string
    files: Record<string, string>
    environment: Record<string, string>
    message: RegExp
  }

  const failures: FailureCase[] = [
    {
      name: 'unknown key in the file',
      files: { 'rampart.yaml': 'server:\n  prot: 80\n' },
      environment: {},
      message: /server: Unrecognized key: "prot"/,
    },
    {
      name: 'wrong type in the file',
      files: { 'rampart.yaml': 'server:\n  port: eighty\n' },
      environment: {},
      message: /server\.port: .*number/,
    },
    {
      name: 'port out of range from the environment',
      files: {},
      environment: { RAMPART_SERVER_PORT: '70000' },
      message: /server\.port: .*65535/,
    },
    {
      name: 'misspelt environment variable',
      files: {},
      environment: { RAMPART_SERVR_PORT: '80' },
      message: /RAMPART_SERVR_PORT is not a configuration setting/,
    },
    {
      name: 'a database URL that is not PostgreSQL',
      files: {},
      environment: { RAMPART_DATABASE_URL: 'mysql://db/x' },
      message: /database\.url: must be a postgres/,
    },
    {
      name: 'a Redis URL of another scheme',
      files: {},
      environment: { RAMPART_REDIS_URL: 'http://cache:6379' },
      message: /redis\.url: must be a redis:\/\/ or rediss:\/\/ URL/,
    },
    {
      name: 'YAML syntax error',
      files: { 'rampart.yaml': 'server:\n  port: [1, 2\n' },
      environment: {},
      message: /rampart\.yaml at line \d+:\d+: [^\n]*[^:]$/,
    },
    {
      name: 'a scalar where a section belongs',
      files: { 'rampart.yaml': 'server: abc\n' },
      environment: {},
      message: /server: must be a mapping/,
    },
    {
      name: 'a list where settings belong',
      files: { 'rampart.yaml': '- a\n- b\n' },
      environment: {},
      message: /top level must be a mapping/,
    },
    {
      name: 'duplicate keys',
      files: { 'rampart.yaml': 'log:\n  level: info\nlog:\n  level: debug\n' },
      environment: {},
      message: /unique|duplicate/i,
    },
  ]

  it.each(failures)('rejects $name, naming the key', ({ files, environment, message }) => {
    const cwd = workspace(files)
    expect(() => loadConfig({ cwd, environment })).toThrow(ConfigurationError)
    expect(() => loadConfig({ cwd, environment })).toThrow(message)
  })

  it('fails when an explicit file is missing', () => {
    expect(() => loadConfig({ cwd: workspace(), file: 'nope.yaml', environment: {} })).toThrow(
      /cannot read configuration file .*nope\.yaml/,
    )
  })
})

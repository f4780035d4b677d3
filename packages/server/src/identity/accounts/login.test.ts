import type { Algorithm } from '@node-rs/argon2'
import { hash } from '@node-rs/argon2'
import bcrypt from 'bcryptjs'
import { afterAll, beforeAll, expect, it } from 'vitest'

import { describeEachDialect } from '../../test-support/stores.js'
import type { IdentityTestApp } from '../test-support/identity-app.js'
import { startIdentityApp } from '../test-support/identity-app.js'

const origin = { ip: '127.0.0.1' }

describeEachDialect('password login', (dialect) => {
  let app: IdentityTestApp

  beforeAll(async () => {
    app = await startIdentityApp(dialect, {
      identity: { password: { argon2_memory_kib: 19_456, argon2_iterations: 3 } },
    })
  })

  afterAll(async () => {
    await app?.dispose()
  })

  it('accepts an imported bcrypt hash once, then stores argon2id', async () => {
    const imported = await app.adminJson<{ id: string }>('POST', '/users', {
      email: 'legacy@example.com',
      passwordHash: bcrypt.hashSync('an old but long password', 8),
    })
    const { login, accounts } = app.identity.services

    expect(await login.authenticate('legacy@example.com', 'wrong', origin)).toEqual({
      ok: false,
      reason: 'wrong_password',
    })
    const result = await login.authenticate(
      'legacy@example.com',
      'an old but long password',
      origin,
    )
    expect(result.ok).toBe(true)
    const stored = (await accounts.get(imported.id)).password_hash ?? ''
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=3,p=1\$/)
    expect(
      (await login.authenticate('LEGACY@example.com', 'an old but long password', origin)).ok,
    ).toBe(true)
  })

  it('re-hashes an argon2id hash made with weaker parameters', async () => {
    const { accounts, login } = app.identity.services
    // Imported at t=2; this server is configured with t=3.
    const older = await hash('a password to upgrade', {
      algorithm: 2 as Algorithm,
      memoryCost: 19_456,
      timeCost: 2,
      parallelism: 1,
    })
    const created = await app.adminJson<{ id: string }>('POST', '/users', {
      email: 'weak@example.com',
      passwordHash: older,
    })
    const result = await login.authenticate('weak@example.com', 'a password to upgrade', origin)
    expect(result.ok).toBe(true)
    expect((await accounts.get(created.id)).password_hash).toMatch(
      /^\$argon2id\$v=19\$m=19456,t=3,/,
    )
  })

  it('refuses a hash it cannot import', async () => {
    const response = await app.admin('POST', '/users', {
      email: 'md5@example.com',
      passwordHash: '5f4dcc3b5aa765d61d8327deb882cf99',
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({
      code: 'validation_failed',
      errors: [{ field: 'body.passwordHash', message: 'is not a bcrypt or argon2id hash' }],
    })
  })
})

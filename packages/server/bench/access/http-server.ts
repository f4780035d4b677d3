/**
 * The HTTP side of the access benchmark, in its own process: a Rampart app on SQLite holding
 * the benchmark policy. The policy rows are written straight into the tables in one
 * transaction (11,000 audited changes one by one would only slow the set-up), then the
 * version is bumped so the app loads it. Sends its port to the parent over IPC.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { createApp } from '../../src/app.js'
import { configSchema } from '../../src/config/schema.js'
import type { AccessModule } from '../../src/access/module.js'
import { accessDb } from '../../src/access/store/tables.js'
import { buildBenchPolicy } from './policy-shape.js'

export const benchCheckToken = 'bench-check-token-0123456789'

const config = configSchema.parse({
  data_dir: mkdtempSync(join(tmpdir(), 'rampart-access-bench-')),
  server: { port: 0 },
  log: { level: 'warn' },
  access: { check_token: benchCheckToken },
})
const app = await createApp({ config })
const { snapshot } = buildBenchPolicy()
const db = accessDb(app.store.db)

await db.transaction().execute(async (trx) => {
  const now = Date.now()
  for (const role of snapshot.roles) {
    await trx
      .insertInto('access_roles')
      .values({
        name: role.name,
        description: '',
        tenant: null,
        active: 1,
        created_at: now,
        updated_at: now,
      })
      .execute()
    for (const parent of role.parents) {
      await trx.insertInto('access_role_parents').values({ role: role.name, parent }).execute()
    }
    for (const held of role.permissions) {
      await trx
        .insertInto('access_role_permissions')
        .values({ role: role.name, permission: held.permission, condition: held.condition ?? null })
        .execute()
    }
  }
  for (const binding of snapshot.bindings) {
    await trx
      .insertInto('access_bindings')
      .values({
        id: binding.id,
        subject: binding.subject,
        role: binding.role,
        tenant: null,
        resource: null,
        expires_at: null,
        created_at: now,
      })
      .execute()
  }
  await trx.updateTable('access_policy').set({ version: 1, updated_at: now }).execute()
})

const url = await app.start()
const access = app.modules.find((mod) => mod.name === 'access') as AccessModule
await access.access.check({ subject: 'user:0', permission: 'res0:act0' }, { atLeastVersion: 1 })
process.send?.({ port: Number(new URL(url).port) })
process.on('SIGINT', () => void app.stop().then(() => process.exit(0)))

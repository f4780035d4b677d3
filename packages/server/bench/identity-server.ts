/**
 * The Rampart process the identity benchmark loads: SQLite in a temporary directory, one
 * confidential client, one resource server and users with passwords at the default argon2id
 * parameters. Reports its port and credentials over IPC; on `{ flood }` it runs that many
 * password logins at once and reports the event-loop delay while they ran.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'

import { createApp } from '../src/app.js'
import { configSchema } from '../src/config/schema.js'
import type { IdentityModule } from '../src/identity/module.js'
import { createLogger } from '../src/platform/logger.js'

const dataDir = mkdtempSync(join(tmpdir(), 'rampart-identity-bench-'))
const config = configSchema.parse({ data_dir: dataDir, server: { port: 0 } })
const app = await createApp({ config, logger: createLogger({ level: 'info' }) })
const url = await app.start()
const identity = app.modules.find((mod) => mod.name === 'identity') as IdentityModule
const { services } = identity

await services.resourceServers.create({
  audience: 'https://api.example.com',
  name: 'API',
  scopes: ['read'],
})
const client = await services.clients.create({
  name: 'bench',
  grant_types: ['client_credentials'],
  scope: 'read',
})
const users = 32
const password = 'bench password long enough 1'
for (let index = 0; index < users; index++) {
  await services.accounts.create({ email: `user${index}@example.com`, password })
}

process.on('message', (message: { flood?: number }) => {
  if (message.flood === undefined) return
  const count = message.flood
  const delay = monitorEventLoopDelay({ resolution: 5 })
  delay.enable()
  const started = performance.now()
  const logins = Array.from({ length: count }, (_, index) =>
    services.login.authenticate(`user${index % users}@example.com`, password, { ip: '127.0.0.1' }),
  )
  void Promise.all(logins).then((results) => {
    delay.disable()
    process.send?.({
      flood: {
        logins: count,
        succeeded: results.filter((result) => result.ok).length,
        durationMs: Math.round(performance.now() - started),
        lagP99Ms: Math.round(delay.percentile(99) / 1e4) / 100,
        lagMaxMs: Math.round(delay.max / 1e4) / 100,
      },
    })
  })
})

process.on('SIGTERM', () => {
  void app.stop().finally(() => {
    rmSync(dataDir, { recursive: true, force: true })
    process.exit(0)
  })
})

process.send?.({ url, clientId: client.clientId, clientSecret: client.clientSecret })

/**
 * A running Rampart on a throwaway database for identity tests, with an admin token and
 * helpers to create users, clients and resource servers through the admin API.
 */
import * as oidc from 'openid-client'
import type { ConfigInput } from '../../config/schema.js'
import type { Dialect } from '../../store/database.js'
import type { TestApp, TestAppOptions } from '../../test-support/test-app.js'
import { createTestApp } from '../../test-support/test-app.js'
import type { IdentityModule } from '../module.js'

export const adminToken = 'test-admin-token-0123456789'
export const testPassword = 'correct horse battery staple 42'

export interface IdentityTestApp {
  readonly test: TestApp
  readonly url: string
  readonly identity: IdentityModule
  admin(method: string, path: string, body?: unknown): Promise<Response>
  adminJson<T>(method: string, path: string, body?: unknown): Promise<T>
  createUser(email: string, password?: string): Promise<{ id: string; email: string }>
  /** Registers a public (PKCE) client and returns openid-client's view of it. */
  publicClient(name: string, redirectUri: string): Promise<oidc.Configuration>
  dispose(): Promise<void>
}

export async function startIdentityApp(
  dialect: Dialect,
  config: ConfigInput = {},
  options: TestAppOptions = {},
): Promise<IdentityTestApp> {
  const test = await createTestApp(
    dialect,
    {
      ...config,
      // Tests hash many passwords: the OWASP minimum keeps them quick; the benchmark uses
      // defaults.
      identity: { admin_token: adminToken, ...config.identity },
    },
    options,
  )
  const url = await test.app.start()
  const identity = test.app.modules.find((mod) => mod.name === 'identity') as IdentityModule
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${url}/v1/identity${path}`, {
      method,
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
  const adminJson = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await admin(method, path, body)
    const text = await response.text()
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`)
    return JSON.parse(text) as T
  }
  return {
    test,
    url,
    identity,
    admin,
    adminJson,
    createUser: (email, password = testPassword) =>
      adminJson('POST', '/users', { email, password }),
    publicClient: async (name, redirectUri) => {
      const client = await adminJson<{ clientId: string }>('POST', '/clients', {
        name,
        type: 'public',
        redirect_uris: [redirectUri],
      })
      return oidc.discovery(new URL(url), client.clientId, undefined, oidc.None(), {
        execute: [oidc.allowInsecureRequests],
      })
    },
    dispose: () => test.dispose(),
  }
}

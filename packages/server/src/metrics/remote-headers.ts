import type { MetricsConfig } from './config.js'
import { authorizationHeader } from './scrape/http-fetch.js'

/**
 * The headers every request to the remote backend carries: the configured ones (e.g. a
 * tenant's X-Scope-OrgID) and the Authorization header of `metrics.remote`'s credentials.
 * Secrets in files are read once, here.
 */
export function remoteHeaders(config: MetricsConfig): Record<string, string> {
  const headers: Record<string, string> = { ...config.remote.headers }
  const authorization = authorizationHeader(config.remote)
  if (authorization !== undefined) headers.authorization = authorization
  return headers
}

/** The remote-write endpoint: `metrics.remote.write_url`, else `<remote_url>/api/v1/write`. */
export function remoteWriteUrl(config: MetricsConfig): string {
  if (config.remote.write_url !== undefined) return config.remote.write_url
  const base = config.remote_url ?? ''
  return new URL('api/v1/write', base.endsWith('/') ? base : `${base}/`).toString()
}

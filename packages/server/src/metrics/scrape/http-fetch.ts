import { readFileSync } from 'node:fs'
import type { HttpCredentials, ScrapeConfig } from '../config.js'
import type { FetchExposition } from './scrape-target.js'

const acceptHeader =
  'application/openmetrics-text;version=1.0.0;q=0.9,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'

function readSecret(value: string | undefined, file: string | undefined): string | undefined {
  if (value !== undefined) return value
  return file === undefined ? undefined : readFileSync(file, 'utf8').trim()
}

/** The Authorization header the credentials ask for, with secrets read from files once. */
export function authorizationHeader(config: HttpCredentials): string | undefined {
  if (config.basic_auth !== undefined) {
    const { username, password, password_file: passwordFile } = config.basic_auth
    const secret = readSecret(password, passwordFile) ?? ''
    return `Basic ${Buffer.from(`${username}:${secret}`).toString('base64')}`
  }
  if (config.authorization !== undefined) {
    const { type, credentials, credentials_file: credentialsFile } = config.authorization
    const secret = readSecret(credentials, credentialsFile)
    return secret === undefined ? undefined : `${type} ${secret}`
  }
  const bearer = readSecret(config.bearer_token, config.bearer_token_file)
  return bearer === undefined ? undefined : `Bearer ${bearer}`
}

export function scrapeUrlOf(config: ScrapeConfig, target: string): string {
  const url = new URL(`${config.scheme}://${target}${config.metrics_path}`)
  for (const [name, values] of Object.entries(config.params ?? {})) {
    for (const value of values) url.searchParams.append(name, value)
  }
  return url.toString()
}

/** Fetches a target's exposition over HTTP; a non-2xx answer fails the scrape. */
export function httpFetcher(url: string, authorization: string | undefined): FetchExposition {
  const headers: Record<string, string> = { accept: acceptHeader }
  if (authorization !== undefined) headers.authorization = authorization
  return async (signal) => {
    let response: Response
    try {
      response = await fetch(url, { headers, signal, redirect: 'error' })
    } catch (error) {
      throw new Error(`GET ${url}`, { cause: error })
    }
    if (!response.ok) {
      await response.body?.cancel()
      throw new Error(`server returned HTTP status ${response.status}`)
    }
    return { text: await response.text(), contentType: response.headers.get('content-type') ?? '' }
  }
}

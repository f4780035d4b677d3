/**
 * Recognises secrets in free-form event `fields` so they are never written to the audit log.
 *
 * A key names a secret when its last word is a secret noun: `password`, `newPassword`,
 * `client_secret`, `refresh-token`, `Authorization`, `Set-Cookie`, `x-api-key`, `privateKey`.
 * Keys that merely mention one, such as `passwordChanged`, `tokenCount` or `secretName`, are
 * descriptions of the secret rather than the secret, and pass. A string value that is itself an
 * HTTP credential (`Bearer ...`, `Basic ...`) or a JWT is caught whatever its key.
 */

/** Last words that are a secret in themselves when they end a key (`accesstoken` included). */
const SECRET_SUFFIXES = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'tokens',
  'authorization',
  'cookie',
  'cookies',
  'apikey',
  'privatekey',
  'credential',
  'credentials',
]

/** Short words that are only a secret when they are the whole last word. */
const SECRET_WORDS = new Set(['pwd', 'pass', 'jwt', 'otp', 'bearer'])

/** Two-word endings: `api key`, `private key`, `secret access key` and the like. */
const SECRET_KEY_QUALIFIERS = new Set(['api', 'private', 'secret', 'access', 'signing', 'master'])

const HTTP_CREDENTIAL = /^(?:bearer|basic|digest)\s+\S/i
const JSON_WEB_TOKEN = /^eyJ[\w-]{2,}\.eyJ[\w-]*\.[\w-]*$/

/** True when a `fields` key names a secret (see the module comment for the rule). */
export function isSecretFieldName(name: string): boolean {
  const words = splitWords(name)
  const last = words.at(-1)
  if (last === undefined) return false

  if (SECRET_WORDS.has(last)) return true
  if (SECRET_SUFFIXES.some((suffix) => last.endsWith(suffix))) return true

  const beforeLast = words.at(-2)
  return last === 'key' && beforeLast !== undefined && SECRET_KEY_QUALIFIERS.has(beforeLast)
}

/** True when a string value is an HTTP credential or a JSON Web Token. */
export function isSecretFieldValue(value: string): boolean {
  return HTTP_CREDENTIAL.test(value) || JSON_WEB_TOKEN.test(value)
}

/** `newPassword`, `new_password`, `new-password` and `NEW PASSWORD` become `new`, `password`. */
function splitWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '')
}

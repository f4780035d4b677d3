/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): one byte sequence for one JSON value, so that
 * hashes and signatures over events and checkpoints are reproducible by anyone.
 *
 * The scheme leans on ECMAScript itself: strings are escaped as `JSON.stringify` escapes them,
 * numbers are written as `Number.prototype.toString` writes them, and object members are sorted
 * by their names compared as UTF-16 code units (the default order of `Array.prototype.sort`).
 * What the encoder adds is refusal: anything that is not I-JSON (RFC 7493) fails with a JSON
 * Pointer to the offending place instead of being silently coerced.
 *
 * @example
 * canonicalize({ b: [1e21, -0], a: 'é' }) // '{"a":"é","b":[1e+21,0]}'
 */
import { AuditCoreError } from './errors.js'

/** A JSON value as JSON.parse returns it; the domain of `canonicalize`. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject

/** A JSON object. */
export interface JsonObject {
  [name: string]: JsonValue
}

/** Deep enough for any event; a cycle fails here instead of overflowing the stack. */
const MAX_NESTING = 256

/** A lone surrogate (half of a UTF-16 pair without its partner): not valid Unicode. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/**
 * Encodes a JSON value canonically.
 *
 * Accepted: `null`, booleans, finite numbers, well-formed strings, arrays and plain objects of
 * those. Object members whose value is `undefined` are left out, as `JSON.stringify` does, so a
 * value and its JSON round trip encode the same. Everything else (NaN, Infinity, bigint,
 * functions, symbols, `undefined` outside an object member, Dates, Maps, class instances, lone
 * surrogates, cycles) throws `AUDIT_CANONICAL_JSON_INVALID`. `toJSON` methods are not called.
 */
export function canonicalize(value: unknown): string {
  return encodeTopLevel(() => encodeValue(value, 0))
}

/**
 * Encodes a plain object canonically as if the top-level members named in `omit` were absent.
 * Lets the chain hash a recorded event without its own `hash` and `prevHash` without copying it.
 */
export function canonicalizeWithout(value: object, omit: ReadonlySet<string>): string {
  if (!isPlainObject(value)) throw invalidError('expected a plain object', [])
  return encodeTopLevel(() => encodeObject(value, 0, omit))
}

/**
 * Encodes a value as it would be encoded as a member of a top-level object (one level deep,
 * which counts toward the nesting limit). For encoders that build the outer object themselves.
 */
export function canonicalizeMemberValue(value: unknown): string {
  return encodeTopLevel(() => encodeValue(value, 1))
}

/**
 * A string in its canonical quoted form, or undefined if it holds a lone surrogate (which
 * `canonicalize` refuses).
 */
export function quoteJsonString(text: string): string | undefined {
  // Most strings in events are plain; quoting them directly is several times faster.
  if (!NEEDS_CARE.test(text)) return '"' + text + '"'
  return LONE_SURROGATE.test(text) ? undefined : JSON.stringify(text)
}

/** The canonical encoding as UTF-8 bytes, which is what gets hashed and signed. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalize(value), 'utf8')
}

/** Raised inside the encoder; turned into an AuditCoreError with a path by `encodeTopLevel`. */
class InvalidValue extends Error {}

/**
 * Where the encoder is, kept only while re-running an encoding that failed: the fast pass
 * tracks nothing, and the rare failing value is encoded a second time to name its location.
 */
let trackedPath: string[] | undefined

function encodeTopLevel(encode: () => string): string {
  try {
    return encode()
  } catch (error) {
    if (!(error instanceof InvalidValue)) throw error
    trackedPath = []
    try {
      encode()
    } catch (located) {
      if (located instanceof InvalidValue) throw invalidError(located.message, trackedPath)
      throw located
    } finally {
      trackedPath = undefined
    }
    throw invalidError(error.message, [])
  }
}

function encodeValue(value: unknown, depth: number): string {
  switch (typeof value) {
    case 'string':
      return encodeString(value)
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidValue(`number ${value} has no JSON form`)
      // ECMAScript's Number::toString is exactly RFC 8785 §3.2.2.3; it also turns -0 into "0".
      return String(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'object':
      if (value === null) return 'null'
      if (depth >= MAX_NESTING)
        throw new InvalidValue(`nesting deeper than ${MAX_NESTING} (a cycle?)`)
      if (Array.isArray(value)) return encodeArray(value, depth)
      if (isPlainObject(value)) return encodeObject(value, depth, undefined)
      throw new InvalidValue(`${describeObject(value)} is not a plain JSON object`)
    default:
      throw new InvalidValue(`${typeof value} is not a JSON value`)
  }
}

function encodeArray(items: readonly unknown[], depth: number): string {
  let out = '['
  for (let index = 0; index < items.length; index++) {
    if (index > 0) out += ','
    trackedPath?.push(String(index))
    out += encodeValue(items[index], depth + 1)
    trackedPath?.pop()
  }
  return out + ']'
}

function encodeObject(
  record: object,
  depth: number,
  omit: ReadonlySet<string> | undefined,
): string {
  const members = record as Record<string, unknown>
  const names = Object.keys(members).sort()

  let out = '{'
  for (const name of names) {
    if (omit?.has(name) === true) continue
    const member = members[name]
    if (member === undefined) continue

    trackedPath?.push(name)
    out += (out.length > 1 ? ',' : '') + encodeString(name) + ':' + encodeValue(member, depth + 1)
    trackedPath?.pop()
  }
  return out + '}'
}

/** Characters that JSON.stringify escapes, and surrogates, which need the well-formed check. */
// eslint-disable-next-line no-control-regex -- JSON must escape exactly these control characters
const NEEDS_CARE = /["\\\u0000-\u001f\ud800-\udfff]/

function encodeString(text: string): string {
  const quoted = quoteJsonString(text)
  if (quoted === undefined) throw new InvalidValue('string contains a lone UTF-16 surrogate')
  return quoted
}

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

function describeObject(value: object): string {
  const name = (value.constructor as { name?: unknown } | undefined)?.name
  return typeof name === 'string' && name !== '' ? name : 'object'
}

function invalidError(reason: string, path: readonly string[]): AuditCoreError {
  const pointer = path.map((part) => '/' + part.replace(/~/g, '~0').replace(/\//g, '~1')).join('')
  return new AuditCoreError(
    'AUDIT_CANONICAL_JSON_INVALID',
    `cannot canonicalize: ${reason} at "${pointer}"`,
  )
}

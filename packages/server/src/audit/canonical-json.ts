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
  return encodeValue(value, [], 0)
}

/**
 * Encodes a plain object canonically as if the top-level members named in `omit` were absent.
 * Lets the chain hash a recorded event without its own `hash` and `prevHash` without copying it.
 */
export function canonicalizeWithout(value: object, omit: ReadonlySet<string>): string {
  if (!isPlainObject(value)) fail('expected a plain object', [])
  return encodeObject(value, [], 0, omit)
}

/** The canonical encoding as UTF-8 bytes, which is what gets hashed and signed. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalize(value), 'utf8')
}

function encodeValue(value: unknown, path: string[], depth: number): string {
  switch (typeof value) {
    case 'string':
      return encodeString(value, path)
    case 'number':
      if (!Number.isFinite(value)) fail(`number ${String(value)} has no JSON form`, path)
      // ECMAScript's Number::toString is exactly RFC 8785 §3.2.2.3; it also turns -0 into "0".
      return String(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'object':
      if (value === null) return 'null'
      if (depth >= MAX_NESTING) fail(`nesting deeper than ${MAX_NESTING} (a cycle?)`, path)
      if (Array.isArray(value)) return encodeArray(value, path, depth)
      if (isPlainObject(value)) return encodeObject(value, path, depth, undefined)
      fail(`${describeObject(value)} is not a plain JSON object`, path)
    // falls through: fail never returns
    default:
      return fail(`${typeof value} is not a JSON value`, path)
  }
}

function encodeArray(items: readonly unknown[], path: string[], depth: number): string {
  let out = '['
  for (let index = 0; index < items.length; index++) {
    if (index > 0) out += ','
    path.push(String(index))
    out += encodeValue(items[index], path, depth + 1)
    path.pop()
  }
  return out + ']'
}

function encodeObject(
  record: object,
  path: string[],
  depth: number,
  omit: ReadonlySet<string> | undefined,
): string {
  const members = record as Record<string, unknown>
  const names = Object.keys(members).sort()

  let out = '{'
  let first = true
  for (const name of names) {
    if (omit?.has(name) === true) continue
    const member = members[name]
    if (member === undefined) continue

    path.push(name)
    const encodedName = encodeString(name, path)
    out += (first ? '' : ',') + encodedName + ':' + encodeValue(member, path, depth + 1)
    path.pop()
    first = false
  }
  return out + '}'
}

function encodeString(text: string, path: readonly string[]): string {
  const quoted = JSON.stringify(text)

  // Well-formed JSON.stringify writes a lone surrogate as an escape starting "\ud"; only then is
  // the slower exact check worth running.
  if (quoted.includes('\\ud') && LONE_SURROGATE.test(text)) {
    fail('string contains a lone UTF-16 surrogate', path)
  }
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

function fail(reason: string, path: readonly string[]): never {
  const pointer = path.map((part) => '/' + part.replace(/~/g, '~0').replace(/\//g, '~1')).join('')
  throw new AuditCoreError(
    'AUDIT_CANONICAL_JSON_INVALID',
    `cannot canonicalize: ${reason} at "${pointer}"`,
  )
}

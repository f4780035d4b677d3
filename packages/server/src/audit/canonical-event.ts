/**
 * RFC 8785 encoding specialised to the audit event's known shape: the member names of the
 * event and of its actor, source, target and outcome are known, so their order is sorted once
 * here instead of once per object, and their quoted names are built once. `fields` (free-form
 * JSON) goes through the general encoder.
 *
 * Anything outside that shape (an unknown member, a value of an unexpected type, a string
 * needing a closer look that turns out ill-formed) sends the whole event to the general
 * encoder, which then yields the same bytes or the same located error. So for every input
 * `canonicalizeEvent(event) === canonicalizeWithout(event, CHAIN_MEMBERS)`, or both throw
 * the same error; the tests compare the two over many varied events.
 */
import { canonicalizeMemberValue, canonicalizeWithout, quoteJsonString } from './canonical-json.js'

/** The members of a chained event that are not part of its hashed content. */
export const CHAIN_MEMBERS: ReadonlySet<string> = new Set(['hash', 'prevHash'])

type Kind = 'string' | 'seq' | 'flat' | 'strings' | 'json' | 'skip'

interface Shape {
  /** Members sorted by name as RFC 8785 orders them. */
  readonly members: readonly Member[]
  /** Position of each member in `members`. */
  readonly positions: ReadonlyMap<string, number>
}

interface Member {
  readonly name: string
  /** `"name":`, built once. */
  readonly prefix: string
  readonly kind: Kind
  /** For `flat` members, whose own members are all strings: their shape. */
  readonly shape?: Shape
}

function describe(kinds: Record<string, Kind | readonly string[]>): Shape {
  const members = Object.keys(kinds)
    .sort()
    .map((name): Member => {
      const kind = kinds[name] as Kind | readonly string[]
      const prefix = JSON.stringify(name) + ':'
      if (typeof kind === 'string') return { name, prefix, kind }
      const inner = describe(Object.fromEntries(kind.map((key) => [key, 'string'])))
      return { name, prefix, kind: 'flat', shape: inner }
    })
  return { members, positions: new Map(members.map((member, index) => [member.name, index])) }
}

const EVENT_SHAPE = describe({
  id: 'string',
  seq: 'seq',
  type: 'string',
  occurredAt: 'string',
  recordedAt: 'string',
  tenant: 'string',
  actor: ['type', 'id', 'name', 'sessionId', 'authMethod'],
  source: ['ip', 'userAgent'],
  target: ['type', 'id', 'name'],
  action: 'string',
  outcome: ['status', 'reason'],
  severity: 'string',
  dataClasses: 'strings',
  requestId: 'string',
  traceId: 'string',
  fields: 'json',
  hash: 'skip',
  prevHash: 'skip',
})

/**
 * The canonical text of an event without its chain members: what the chain hashes. Same
 * result as `canonicalizeWithout(event, CHAIN_MEMBERS)`, faster for events of the known shape.
 */
export function canonicalizeEvent(event: object): string {
  return encodeShaped(EVENT_SHAPE, event) ?? canonicalizeWithout(event, CHAIN_MEMBERS)
}

/** The encoding of an object of `shape`, or undefined when it is not of that shape. */
function encodeShaped(shape: Shape, value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || !isPlainObject(value)) return undefined

  // The members present, as the general encoder sees them: own enumerable string keys.
  const names = Object.keys(value)
  let present = 0
  for (const name of names) {
    const position = shape.positions.get(name)
    if (position === undefined) return undefined
    present |= 1 << position
  }

  const record = value as Record<string, unknown>
  let out = ''
  for (let index = 0; index < shape.members.length; index++) {
    if ((present & (1 << index)) === 0) continue
    const member = shape.members[index] as Member
    const memberValue = record[member.name]
    if (memberValue === undefined || member.kind === 'skip') continue

    const encoded = encodeMember(member, memberValue)
    if (encoded === undefined) return undefined
    out += (out === '' ? '{' : ',') + member.prefix + encoded
  }
  return out === '' ? '{}' : out + '}'
}

function encodeMember(member: Member, value: unknown): string | undefined {
  switch (member.kind) {
    case 'string':
      return typeof value === 'string' ? quoteJsonString(value) : undefined
    case 'seq':
      // Safe integers only: their text is plain digits, as Number::toString writes them.
      return Number.isSafeInteger(value) ? String(value) : undefined
    case 'flat':
      return encodeShaped(member.shape as Shape, value)
    case 'strings':
      return encodeStrings(value)
    default:
      return encodeJson(value)
  }
}

function encodeStrings(value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined
  let out = '['
  for (let index = 0; index < value.length; index++) {
    const item: unknown = value[index]
    const quoted = typeof item === 'string' ? quoteJsonString(item) : undefined
    if (quoted === undefined) return undefined
    out += (index === 0 ? '' : ',') + quoted
  }
  return out + ']'
}

/** Free-form JSON; on failure the general encoder re-raises the error with its full path. */
function encodeJson(value: unknown): string | undefined {
  try {
    return canonicalizeMemberValue(value)
  } catch {
    return undefined
  }
}

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

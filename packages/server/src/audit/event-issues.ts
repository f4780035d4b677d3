/**
 * The per-field reasons an event is rejected, shaped for a per-event rejection list.
 */

/** Why one field of an event was rejected. Stable: clients may switch on these. */
export type EventIssueCode =
  | 'required'
  | 'invalid_type'
  | 'invalid_format'
  | 'invalid_value'
  | 'unknown_field'
  | 'too_large'
  | 'too_deep'
  | 'too_many_keys'
  | 'future_timestamp'
  | 'secret_field'

/** One rejected field: where (`actor.id`, `fields.card["x.y"]`, `dataClasses[2]`) and why. */
export interface EventIssue {
  readonly path: string
  readonly code: EventIssueCode
  readonly message: string
}

const PLAIN_NAME = /^[A-Za-z_$][\w$]*$/

/** Writes a path as a reader would: dots between names, brackets for indexes and odd names. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else if (typeof part === 'symbol') out += `[${part.toString()}]`
    else if (PLAIN_NAME.test(part)) out += out === '' ? part : `.${part}`
    else out += `[${JSON.stringify(part)}]`
  }
  return out
}

import { describe, expect, it } from 'vitest'

import type { ConditionInput } from './condition.js'
import { compileCondition } from './condition.js'

/** [source, message, line, column]: well formed, but its type is known and not a bool. */
const notBool: readonly (readonly [string, string, number, number])[] = [
  ['"x"', 'not a string', 1, 1],
  ['1 + 2', 'not an int', 1, 2],
  ['1.5', 'not a double', 1, 1],
  ['1u', 'not a uint', 1, 1],
  ['null', 'not null', 1, 1],
  ['b"x"', 'not a bytes', 1, 1],
  ['[true]', 'not a list', 1, 1],
  ['{"a": true}', 'not a map', 1, 1],
  ['subject.id', 'not a string', 1, 8],
  ['subject.roles', 'not a list', 1, 8],
  ['context.time', 'not a timestamp', 1, 8],
  ['size(subject.roles)', 'not an int', 1, 1],
  ['subject.id + "x"', 'not a string', 1, 12],
  ['resource.amount + 1', 'not an int', 1, 17],
  ['resource.a + resource.b', 'not a number, string or other non-bool value', 1, 12],
  ['-resource.amount', 'not a number, string or other non-bool value', 1, 1],
  ['resource.a ? 1 : "one"', 'not a number, string or other non-bool value', 1, 1],
  ['subject.roles.map(r, r + "!")', 'not a list', 1, 14],
  ['subject.roles.filter(r, r == "a")', 'not a list', 1, 14],
  ['duration("1h")', 'not a duration', 1, 1],
  ['context.time.getHours()', 'not an int', 1, 13],
  ['\n  "two lines"', 'not a string', 2, 3],
]

/** Conditions whose type is a bool or unknown (`dyn`) until evaluation. */
const accepted: readonly string[] = [
  'true',
  'resource.ownerId == subject.id',
  'resource.amount + 1 > 3',
  'subject.roles.exists(r, r == "admin")',
  'subject.roles.all(r, r != "")',
  'subject.roles.exists_one(r, r == "admin")',
  'has(resource.ownerId)',
  // `dyn`: the caller's attributes have no declared type; evaluation decides.
  'resource.published',
  'subject.attributes.enabled',
  'resource.flags[0]',
]

describe('compileCondition', () => {
  it.each(notBool)('refuses %j as not a bool', (source, message, line, column) => {
    const compiled = compileCondition(source)
    expect(compiled.ok).toBe(false)
    if (compiled.ok) return
    expect(compiled.issues).toEqual([
      {
        reason: 'not_bool',
        message: `a condition must yield a bool, ${message}`,
        position: expect.objectContaining({ line, column }),
      },
    ])
  })

  it.each(accepted)('accepts %j', (source) => {
    expect(compileCondition(source)).toMatchObject({ ok: true })
  })

  it.each([
    ['!(resource.amount + 1)', 'the operand of ! must be bool, not int'],
    ['owner == 1', "undeclared reference to 'owner'"],
    ['resource.a ==', 'expecting end of input'],
  ])('reports %j as invalid, not as not_bool', (source, message) => {
    const compiled = compileCondition(source)
    expect(compiled.ok).toBe(false)
    if (compiled.ok) return
    expect(compiled.issues[0]).toMatchObject({ reason: 'invalid' })
    expect(compiled.issues[0]?.message).toContain(message)
  })
})

describe('a dyn condition at evaluation', () => {
  const input = (published: unknown): ConditionInput => ({
    subject: { id: '1', type: 'user', roles: [], attributes: {} },
    resource: { type: 'post', id: '7', published },
    context: {},
  })

  it.each([
    ['yes', 'string'],
    [1, 'double'],
    [[true], 'list'],
    [{ value: true }, 'map'],
    [null, 'null_type'],
  ])('denies with the reason when resource.published is %j', (published, type) => {
    const compiled = compileCondition('resource.published')
    if (!compiled.ok) throw new Error('should compile')
    expect(compiled.condition.evaluate(input(published))).toEqual({
      ok: false,
      error: `yielded a value of type ${type}, not a bool`,
    })
  })

  it('yields the bool when it is one', () => {
    const compiled = compileCondition('resource.published')
    if (!compiled.ok) throw new Error('should compile')
    expect(compiled.condition.evaluate(input(true))).toEqual({ ok: true, value: true })
    expect(compiled.condition.evaluate(input(false))).toEqual({ ok: true, value: false })
  })
})

import { describe, expect, it } from 'vitest'

import { canonicalBytes, canonicalize, canonicalizeWithout } from './canonical-json.js'
import { AuditCoreError } from './errors.js'

/** A float64 from its IEEE 754 bit pattern, as RFC 8785 Appendix B lists them. */
function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8))
  view.setBigUint64(0, BigInt('0x' + hex))
  return view.getFloat64(0)
}

describe('canonicalize', () => {
  it('reproduces the RFC 8785 §3.2.2 serialization example', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        ' "literals": [null, true, false]}',
    ) as unknown

    expect(canonicalize(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    )
  })

  it('sorts members by UTF-16 code units as in the RFC 8785 §3.2.3 example', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    }

    expect(canonicalize(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control",' +
        '"ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign",' +
        '"😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    )
  })

  it('encodes the §3.2.3 example to the UTF-8 bytes the RFC shows', () => {
    const bytes = canonicalBytes({ '\u20ac': 'x', '\ud83d\ude00': 'y', '\ufb33': 'z' })

    // € is E2 82 AC; the emoji (a surrogate pair, sorting before U+FB33) is F0 9F 98 80.
    expect(bytes.toString('hex')).toBe(
      '7b22e282ac223a2278222c22f09f9880223a2279222c22efacb3223a227a227d',
    )
  })

  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('writes the number with bits %s as %s (RFC 8785 Appendix B)', (bits, expected) => {
    expect(canonicalize(fromBits(bits))).toBe(expected)
  })

  it.each([
    ['negative zero', -0, '0'],
    ['1e21 switches to exponent form', 1e21, '1e+21'],
    ['1e20 stays integral', 1e20, '100000000000000000000'],
    ['nested arrays', [[], [[1, [2]]], {}], '[[],[[1,[2]]],{}]'],
    ['empty string key', { '': 1, a: { '': [] } }, '{"":1,"a":{"":[]}}'],
    ['control characters', '\u0000\u001f\u007f\b\t\n\f\r', '"\\u0000\\u001f\u007f\\b\\t\\n\\f\\r"'],
    ['undefined members dropped', { a: undefined, b: null }, '{"b":null}'],
    [
      'null-prototype object',
      Object.assign(Object.create(null) as object, { z: 1, y: 2 }),
      '{"y":2,"z":1}',
    ],
    ['astral key before BMP private use', { '\ue000': 1, '\ud800\udc00': 2 }, '{"𐀀":2,"\ue000":1}'],
  ])('%s', (_name, input, expected) => {
    expect(canonicalize(input)).toBe(expected)
  })

  it.each([
    ['NaN', { a: [NaN] }, 'number NaN has no JSON form at "/a/0"'],
    ['Infinity', { a: { b: Infinity } }, 'number Infinity has no JSON form at "/a/b"'],
    ['-Infinity', -Infinity, 'number -Infinity has no JSON form at ""'],
    ['bigint', { n: 1n }, 'bigint is not a JSON value at "/n"'],
    ['function', [() => 1], 'function is not a JSON value at "/0"'],
    ['undefined in an array', [undefined], 'undefined is not a JSON value at "/0"'],
    ['top-level undefined', undefined, 'undefined is not a JSON value at ""'],
    ['symbol', { s: Symbol('x') }, 'symbol is not a JSON value at "/s"'],
    ['Date', { when: new Date(0) }, 'Date is not a plain JSON object at "/when"'],
    ['Map', new Map(), 'Map is not a plain JSON object at ""'],
    ['lone high surrogate', { 'a/b~': '\ud800x' }, 'lone UTF-16 surrogate at "/a~1b~0"'],
    ['lone low surrogate key', { '\udc00': 1 }, 'lone UTF-16 surrogate at "/\udc00"'],
  ])('rejects %s', (_name, input, message) => {
    expect(() => canonicalize(input)).toThrowError(message)
    try {
      canonicalize(input)
    } catch (error) {
      expect(error).toBeInstanceOf(AuditCoreError)
      expect((error as AuditCoreError).code).toBe('AUDIT_CANONICAL_JSON_INVALID')
    }
  })

  it('rejects a cycle instead of overflowing the stack', () => {
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle

    expect(() => canonicalize(cycle)).toThrowError(/nesting deeper than 256/)
  })

  it('keeps an escaped backslash-u sequence that is not a surrogate', () => {
    expect(canonicalize('\\ud800')).toBe('"\\\\ud800"')
  })

  it('encodes a value and its JSON round trip identically', () => {
    const value = { b: 1.5, a: [true, null, 'x'], c: { e: -0, d: 'é😀' }, u: undefined }

    expect(canonicalize(JSON.parse(JSON.stringify(value)))).toBe(canonicalize(value))
  })
})

describe('canonicalizeWithout', () => {
  it('leaves out top-level members only', () => {
    const value = { hash: 'h', seq: 1, nested: { hash: 'kept' } }

    expect(canonicalizeWithout(value, new Set(['hash']))).toBe('{"nested":{"hash":"kept"},"seq":1}')
  })
})

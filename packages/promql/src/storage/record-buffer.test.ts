import { describe, expect, it } from 'vitest'

import { RecordBuffer, RecordType } from './record-buffer.js'
import { PayloadReader, RecordReader } from './record-reader.js'

const UNSIGNED = [0, 1, 127, 128, 300, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER]
const SIGNED = [0, -1, 1, -64, 64, -(2 ** 31), 2 ** 31, -(2 ** 52) + 1, 2 ** 52 - 1, 1.7e12]

describe('records', () => {
  it('round-trips every field type through a checksummed record', () => {
    const buffer = new RecordBuffer(16)
    buffer.open(RecordType.samples)
    for (const value of UNSIGNED) buffer.writeUvarint(value)
    for (const value of SIGNED) buffer.writeVarint(value)
    buffer.writeFloat64(-0)
    buffer.writeString('zürich ✓')
    buffer.writeLabels({ __name__: 'up', job: 'a"b' })
    buffer.close()

    const reader = new RecordReader(buffer.bytes.slice())
    const [record, ...rest] = [...reader.records()]
    const payload = new PayloadReader(record!.payload)

    expect(rest).toEqual([])
    expect(record!.type).toBe(RecordType.samples)
    expect(UNSIGNED.map(() => payload.readUvarint())).toEqual(UNSIGNED)
    expect(SIGNED.map(() => payload.readVarint())).toEqual(SIGNED)
    expect(Object.is(payload.readFloat64(), -0)).toBe(true)
    expect(payload.readString()).toBe('zürich ✓')
    expect(payload.readLabels()).toEqual({ __name__: 'up', job: 'a"b' })
    expect(payload.done).toBe(true)
    expect(reader.problem).toBeUndefined()
  })

  it('reports a payload that ends early as a RangeError', () => {
    const buffer = new RecordBuffer()
    buffer.open(RecordType.series)
    buffer.writeUvarint(300)
    buffer.close()
    const [record] = [...new RecordReader(buffer.bytes.slice()).records()]
    const payload = new PayloadReader(record!.payload)
    payload.readUvarint()

    expect(() => payload.readFloat64()).toThrow(new RangeError('record payload ended early'))
  })
})

import protobuf from 'protobufjs'
import snappy from 'snappyjs'

/**
 * Prometheus remote write 1.0: a snappy-compressed (block format) protobuf `WriteRequest`.
 * The message definitions are the subset of prometheus/prompb that carries float samples;
 * exemplars, native histograms and metadata fields are skipped by the decoder.
 */
const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: {
          fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 } },
        },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
          },
        },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: {
          fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } },
        },
      },
    },
  },
})
const writeRequestType = root.lookupType('prometheus.WriteRequest')

export interface WriteSeries {
  readonly labels: Record<string, string>
  readonly samples: readonly WriteSample[]
}

export interface WriteSample {
  readonly value: number
  readonly timestampMs: number
  /** Sent as Prometheus's staleness marker instead of `value` (encoder only). */
  readonly stale?: boolean
}

interface DecodedRequest {
  timeseries?: {
    labels?: { name?: string; value?: string }[]
    samples?: { value?: number; timestamp?: number }[]
  }[]
}

/** Largest uncompressed request accepted, against decompression bombs. */
export const maxUncompressedBytes = 64 * 1024 * 1024

/** Decodes a remote-write body; throws with a reason on bad snappy or protobuf. */
export function decodeWriteRequest(body: Uint8Array): WriteSeries[] {
  let raw: Uint8Array
  try {
    raw = snappy.uncompress(body, maxUncompressedBytes)
  } catch (error) {
    throw new Error('body is not snappy-compressed', { cause: error })
  }

  let decoded: DecodedRequest
  try {
    const message = writeRequestType.decode(raw)
    decoded = writeRequestType.toObject(message, {
      longs: Number,
      defaults: true,
    })
  } catch (error) {
    throw new Error('body is not a protobuf WriteRequest', { cause: error })
  }

  return (decoded.timeseries ?? []).map((series) => ({
    labels: Object.fromEntries((series.labels ?? []).map((l) => [l.name ?? '', l.value ?? ''])),
    samples: (series.samples ?? []).map((s) => ({
      value: s.value ?? 0,
      timestampMs: s.timestamp ?? 0,
    })),
  }))
}

const labelType = root.lookupType('prometheus.Label')

// Wire tags (field number << 3 | wire type) of the messages above.
const timeseriesTag = (1 << 3) | 2
const labelTag = (1 << 3) | 2
const sampleTag = (2 << 3) | 2
const valueTag = (1 << 3) | 1
const timestampTag = (2 << 3) | 0

/** Words of Prometheus's staleness marker, the NaN 0x7ff0000000000002. */
const staleHighWord = 0x7ff00000
const staleLowWord = 0x00000002
const scratch = new DataView(new ArrayBuffer(8))

/**
 * Encodes series as a remote-write body (tests, and rule results written to a remote
 * backend). Values are written as raw words rather than through protobufjs's double, because
 * a NaN passing through JavaScript numbers may lose its payload and the staleness marker is
 * one particular NaN: a sample with `stale: true` carries that exact bit pattern.
 */
export function encodeWriteRequest(series: readonly WriteSeries[]): Uint8Array {
  const writer = protobuf.Writer.create()
  for (const item of series) {
    writer.uint32(timeseriesTag).fork()

    const labels = Object.entries(item.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    for (const [name, value] of labels) {
      labelType.encode({ name, value }, writer.uint32(labelTag).fork()).ldelim()
    }

    for (const sample of item.samples) {
      writer.uint32(sampleTag).fork().uint32(valueTag)
      if (sample.stale === true) writer.fixed32(staleLowWord).fixed32(staleHighWord)
      else {
        scratch.setFloat64(0, sample.value, true)
        writer.fixed32(scratch.getUint32(0, true)).fixed32(scratch.getUint32(4, true))
      }
      writer.uint32(timestampTag).int64(sample.timestampMs).ldelim()
    }

    writer.ldelim()
  }
  return snappy.compress(writer.finish())
}

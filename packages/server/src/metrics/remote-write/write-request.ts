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
  readonly samples: readonly { readonly value: number; readonly timestampMs: number }[]
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

/** Encodes series as a remote-write body (used by tests and by pushing to a peer). */
export function encodeWriteRequest(series: readonly WriteSeries[]): Uint8Array {
  const message = writeRequestType.fromObject({
    timeseries: series.map((item) => ({
      labels: Object.entries(item.labels)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, value]) => ({ name, value })),
      samples: item.samples.map((sample) => ({
        value: sample.value,
        timestamp: sample.timestampMs,
      })),
    })),
  })
  return snappy.compress(writeRequestType.encode(message).finish())
}

/**
 * The values the evaluator passes between nodes. Every expression is evaluated for all steps
 * of a timeline at once: an instant vector is a list of series with one slot per step, so
 * label work happens once per series and only arithmetic happens per step.
 */
import type { Labels } from '../model/series.js'

/** Evaluation times `startMs + i * stepMs` for `i < count`. */
export interface Timeline {
  readonly startMs: number
  readonly stepMs: number
  readonly count: number
}

/** One series of an instant vector across the steps of a timeline. */
export interface StepSeries {
  labels: Labels
  readonly values: Float64Array
  /** 1 where the series has a value at that step. */
  readonly present: Uint8Array
  /** The metric name is to be removed before the result leaves the engine. */
  dropName: boolean
}

/** One series of a range vector: its raw samples, oldest first, staleness markers removed. */
export interface RangeSeries {
  readonly labels: Labels
  readonly timestampsMs: Float64Array
  readonly values: Float64Array
  readonly dropName: boolean
}

export interface ScalarValue {
  readonly kind: 'scalar'
  readonly values: Float64Array
}

export interface StringValue {
  readonly kind: 'string'
  readonly value: string
}

export interface VectorValue {
  readonly kind: 'vector'
  readonly series: StepSeries[]
}

/**
 * A range vector seen from each step: step `i` covers samples in the left-open window
 * `(windowEndsMs[i] - rangeMs, windowEndsMs[i]]`.
 */
export interface MatrixValue {
  readonly kind: 'matrix'
  readonly series: RangeSeries[]
  readonly windowEndsMs: Float64Array
  readonly rangeMs: number
  /**
   * Set for `anchored` and `smoothed` selectors, whose series also hold the samples just
   * outside the windows (up to a lookback delta away).
   */
  readonly edges?: 'anchored' | 'smoothed'
}

export type EvalValue = ScalarValue | StringValue | VectorValue | MatrixValue

/** A series with no values yet, sized for `count` steps. */
export function emptyStepSeries(labels: Labels, count: number, dropName = false): StepSeries {
  return { labels, values: new Float64Array(count), present: new Uint8Array(count), dropName }
}

/** The evaluation time of step `index`. */
export function stepTime(timeline: Timeline, index: number): number {
  return timeline.startMs + index * timeline.stepMs
}

/**
 * Hands out step series whose arrays are views into two shared buffers: allocating one
 * backing store per node instead of two per series keeps wide queries light on the GC.
 */
export class StepSeriesBlock {
  readonly #count: number
  readonly #values: Float64Array
  readonly #present: Uint8Array
  #used = 0

  constructor(capacity: number, count: number) {
    this.#count = count
    this.#values = new Float64Array(capacity * count)
    this.#present = new Uint8Array(capacity * count)
  }

  /** A fresh series; throws past the capacity given at construction. */
  next(labels: Labels, dropName: boolean): StepSeries {
    const start = this.#used * this.#count
    const end = start + this.#count
    if (end > this.#values.length) throw new RangeError('step series block is full')
    this.#used++
    return {
      labels,
      values: this.#values.subarray(start, end),
      present: this.#present.subarray(start, end),
      dropName,
    }
  }

  /** Gives back the series handed out last (it produced no values). */
  release(): void {
    this.#used--
    const start = this.#used * this.#count
    this.#present.fill(0, start, start + this.#count)
  }
}

/**
 * The error a malformed exposition line produces. A scrape containing one is a failed scrape;
 * the caller decides what happens to it.
 */

/** Stable codes callers can switch on; a retired code is never reused. */
export type ExpositionErrorCode =
  | 'invalid_metric_name'
  | 'invalid_label_name'
  | 'invalid_label_set'
  | 'invalid_escape'
  | 'unterminated_label_value'
  | 'duplicate_label'
  | 'missing_value'
  | 'invalid_value'
  | 'invalid_timestamp'
  | 'unexpected_content'
  | 'invalid_comment'
  | 'invalid_type'
  | 'duplicate_type'
  | 'duplicate_help'
  | 'duplicate_unit'
  | 'invalid_unit'
  | 'missing_eof'
  | 'content_after_eof'

export class ExpositionError extends Error {
  override readonly name = 'ExpositionError'
  readonly code: ExpositionErrorCode
  /** 1-based line number in the scraped text. */
  readonly line: number
  /** The reason alone, without the line number. */
  readonly reason: string

  constructor(code: ExpositionErrorCode, line: number, reason: string) {
    super(`line ${line}: ${reason}`)
    this.code = code
    this.line = line
    this.reason = reason
  }
}

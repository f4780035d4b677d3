/** Errors the access engine raises for requests it cannot evaluate; `code` is stable. */
export type AccessEngineErrorCode = 'ACCESS_PERMISSION_INVALID' | 'ACCESS_SUBJECT_INVALID'

export class AccessEngineError extends Error {
  override readonly name = 'AccessEngineError'
  readonly code: AccessEngineErrorCode

  constructor(code: AccessEngineErrorCode, message: string) {
    super(message)
    this.code = code
  }
}

import { RequestRefusal } from '../errors.js'

export function isRefusal(error: unknown): error is RequestRefusal {
  return error instanceof RequestRefusal
}

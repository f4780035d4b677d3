import { expect, it } from 'vitest'

import { AUDIT_ERROR_CODES, toRampartError } from './error-codes.js'
import { AuditCoreError } from './errors.js'
import { errorRegistry, RampartError } from '../platform/errors.js'

it.each(Object.entries(AUDIT_ERROR_CODES))('registers %s as %s', (coreCode, registryCode) => {
  expect(errorRegistry).toHaveProperty(registryCode)
  const error = toRampartError(new AuditCoreError(coreCode as never, 'detail'))
  expect(error).toBeInstanceOf(RampartError)
  expect(error).toMatchObject({ code: registryCode, message: 'detail' })
})

it('passes other errors through unchanged', () => {
  const error = new Error('other')
  expect(toRampartError(error)).toBe(error)
})

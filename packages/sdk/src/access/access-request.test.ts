import { describe, expect, it } from 'vitest'

import { accessRequestOf } from './access-request.js'

describe('the access request, asked locally or sent to POST /v1/access/check', () => {
  it('names a client acting for itself as a client subject', () => {
    const body = accessRequestOf({
      subject: { id: 'billing', clientId: 'billing' },
      resource: { type: 'invoice' },
      action: 'read',
      permission: 'invoice:read',
    })
    expect(body).toEqual({ subject: 'client:billing', permission: 'invoice:read' })
  })

  it('names a user, and carries the resource and the caller attributes', () => {
    const body = accessRequestOf({
      subject: { id: '42', clientId: 'shop-web' },
      resource: { type: 'order', id: '7', attributes: { ownerId: '42' } },
      action: 'edit',
      permission: 'order:edit',
      context: { department: 'sales' },
    })
    expect(body).toEqual({
      subject: 'user:42',
      permission: 'order:edit',
      resource: { type: 'order', id: '7', attributes: { ownerId: '42' } },
      context: { attributes: { department: 'sales' } },
    })
  })
})

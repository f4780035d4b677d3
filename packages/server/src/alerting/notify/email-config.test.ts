import { describe, expect, it } from 'vitest'
import { emailConfigSchema } from './email-config.js'

const minimal = { to: 'ops@example.org', from: 'rampart@example.org', smarthost: 'mx:587' }

describe('email_configs', () => {
  it('fills in the defaults', () => {
    const config = emailConfigSchema.parse(minimal)
    expect(config).toMatchObject({
      hello: 'localhost',
      require_tls: true,
      send_resolved: false,
      timeout: 10_000,
      headers: {},
      tls_config: { insecure_skip_verify: false },
    })
    expect(config.subject).toContain('{{ .Status | toUpper }}')
  })

  it('takes the subject from headers whatever its case', () => {
    const config = emailConfigSchema.parse({ ...minimal, headers: { SUBJECT: 'x', 'X-A': 'y' } })
    expect([config.subject, config.headers]).toEqual(['x', { 'X-A': 'y' }])
  })

  it.each([
    ['a smarthost without port', { smarthost: 'smtp.example.org' }, 'must be host:port'],
    ['a port that is not a number', { smarthost: 'mx:smtp' }, 'must be host:port'],
    [
      'a password twice',
      { auth_password: 'a', auth_password_file: '/run/secrets/p' },
      'at most one of auth_password and auth_password_file',
    ],
    ['a bad template', { html: '{{ .Status ' }, 'invalid template'],
    ['a bad header template', { headers: { Subject: '{{ end }}' } }, 'invalid template'],
    ['an empty recipient', { to: '' }, 'Too small'],
    ['an unknown field', { auth_secret: 'x' }, 'auth_secret'],
  ])('refuses %s', (_name, change, message) => {
    const result = emailConfigSchema.safeParse({ ...minimal, ...change })
    expect(result.success).toBe(false)
    expect(JSON.stringify(result.error?.issues)).toContain(message)
  })

  it('gives a malformed smarthost one message, not a port complaint too', () => {
    const result = emailConfigSchema.safeParse({ ...minimal, smarthost: 'mx:smtp' })
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([
      'must be host:port, like smtp.example.org:587',
    ])
  })

  it.each(['mx:99999', 'mx:0', '[::1]:65536'])('refuses the smarthost %s by its port', (host) => {
    const result = emailConfigSchema.safeParse({ ...minimal, smarthost: host })
    expect(result.error?.issues).toMatchObject([
      { path: ['smarthost'], message: 'port must be between 1 and 65535' },
    ])
  })

  it('accepts an IPv6 smarthost in brackets', () => {
    expect(emailConfigSchema.parse({ ...minimal, smarthost: '[::1]:25' }).smarthost).toBe(
      '[::1]:25',
    )
  })
})

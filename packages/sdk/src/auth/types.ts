/** Who made a request, as `authenticate()` established it; `req.auth` / `request.auth`. */
export interface RampartAuth {
  /** The `sub` claim: a user id, or the client id for a service's own token. */
  readonly subject: string
  /** The OAuth client the token was issued to (`client_id`), when the token says. */
  readonly clientId: string | undefined
  readonly scopes: readonly string[]
  readonly expiresAt: Date
  /** `jwt` when verified locally against the JWKS, `opaque` when introspected. */
  readonly tokenKind: 'jwt' | 'opaque'
  /** Every claim of the token (or field of the introspection answer). */
  readonly claims: Readonly<Record<string, unknown>>
}

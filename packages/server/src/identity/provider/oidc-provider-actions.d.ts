/**
 * Two middleware chains inside `oidc-provider` that `structured-tokens.ts` adjusts; the
 * package ships no types for them.
 */
declare module 'oidc-provider/lib/actions/introspection.js' {
  import type { KoaContextWithOIDC } from 'oidc-provider'

  const chain: ((ctx: KoaContextWithOIDC, next: () => Promise<void>) => unknown)[]
  export default chain
}

declare module 'oidc-provider/lib/actions/revocation.js' {
  import type { KoaContextWithOIDC } from 'oidc-provider'

  const chain: ((ctx: KoaContextWithOIDC, next: () => Promise<void>) => unknown)[]
  export default chain
}

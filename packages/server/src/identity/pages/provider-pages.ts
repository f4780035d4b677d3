/**
 * Pages the OIDC provider renders itself: its error page and the RP-initiated logout
 * confirmation. The provider hands the logout form (with its own CSRF value) as HTML.
 */
import { escapeHtml, layout } from './html.js'

export function renderProviderError(out: {
  readonly error?: unknown
  readonly error_description?: unknown
}): string {
  const error = typeof out.error === 'string' ? out.error : 'server_error'
  const description =
    typeof out.error_description === 'string' ? out.error_description : 'the request failed'
  return layout(
    'Sign-in failed',
    `<p role="alert"><strong>${escapeHtml(error)}</strong>: ${escapeHtml(description)}</p>`,
  )
}

/** `form` is the provider's own `<form id="op.logoutForm">` with its CSRF field. */
export function renderLogout(form: string): string {
  return layout(
    'Sign out',
    `${form}
<p>Do you want to sign out of Rampart?</p>
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Sign out</button>
<button type="submit" form="op.logoutForm" class="secondary">Stay signed in</button>`,
  )
}

export function renderLoggedOut(): string {
  return layout('Signed out', '<p>You have signed out.</p>')
}

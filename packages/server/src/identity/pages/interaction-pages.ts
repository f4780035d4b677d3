/**
 * The sign-in, MFA and consent pages of an authorization request. Each is a plain form with
 * labelled fields, a CSRF field and an error announced to screen readers.
 */
import { webauthnScriptPath } from '../mfa/webauthn-script.js'
import { alert, escapeHtml, layout } from './html.js'

export interface LoginPage {
  readonly action: string
  readonly csrf: string
  readonly clientName: string
  readonly email?: string
  readonly error?: string
}

export function renderLogin(page: LoginPage): string {
  const described = page.error === undefined ? '' : ' aria-describedby="form-error"'
  return layout(
    'Sign in',
    `<p>to continue to <strong>${escapeHtml(page.clientName)}</strong></p>
${alert(page.error)}<form method="post" action="${escapeHtml(page.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(page.csrf)}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required autofocus${described}
 value="${escapeHtml(page.email ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password"
 required${described}>
<button type="submit">Sign in</button>
</form>`,
  )
}

export const tooManyAttempts = 'Too many attempts; sign in again.'

export interface MfaPage {
  readonly action: string
  readonly csrf: string
  readonly error?: string
  /** Whether the account has TOTP (the code form); true unless said otherwise. */
  readonly totp?: boolean
  /** Where the passkey script gets its options and posts the answer, when it has one. */
  readonly passkey?: { readonly optionsUrl: string; readonly action: string }
}

function passkeySection(page: MfaPage): string {
  if (page.passkey === undefined) return ''
  return `<div class="separator" data-webauthn="login" data-csrf="${escapeHtml(page.csrf)}"
 data-options-url="${escapeHtml(page.passkey.optionsUrl)}">
<form method="post" action="${escapeHtml(page.passkey.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(page.csrf)}">
<input type="hidden" name="response" value="">
<button type="button" data-start hidden>Use a passkey</button>
</form>
<p role="status"></p>
</div>
<script src="${webauthnScriptPath}" defer></script>`
}

export function renderMfa(page: MfaPage): string {
  const described = page.error === undefined ? '' : ' aria-describedby="form-error"'
  const totp =
    page.totp === false
      ? ''
      : `<form method="post" action="${escapeHtml(page.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(page.csrf)}">
<label for="code">Verification code</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
 required autofocus${described}>
<button type="submit">Verify</button>
</form>`
  const intro =
    page.totp === false
      ? 'Confirm it is you with your passkey.'
      : 'Enter the 6-digit code from your authenticator app, or one of your recovery codes.'
  return layout(
    'Two-step verification',
    `<p>${intro}</p>
${alert(page.error)}${totp}
${passkeySection(page)}`,
  )
}

export interface ConsentPage {
  readonly action: string
  readonly abortAction: string
  readonly csrf: string
  readonly clientName: string
  readonly scopes: readonly string[]
}

export function renderConsent(page: ConsentPage): string {
  const items = page.scopes.map((scope) => `<li>${escapeHtml(scope)}</li>`).join('')
  return layout(
    'Allow access',
    `<p><strong>${escapeHtml(page.clientName)}</strong> asks for:</p>
<ul>${items || '<li>your identity</li>'}</ul>
<form method="post" action="${escapeHtml(page.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(page.csrf)}">
<button type="submit" autofocus>Allow</button>
</form>
<form method="post" action="${escapeHtml(page.abortAction)}">
<input type="hidden" name="csrf" value="${escapeHtml(page.csrf)}">
<button type="submit" class="secondary">Deny</button>
</form>`,
  )
}

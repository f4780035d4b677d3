/**
 * The pages of self-service TOTP enrolment at `/account/mfa`: the start form, the setup page
 * with the otpauth URI as a QR code (inline SVG made on the server, since the page policy
 * allows no script) and as text, and the recovery codes, shown once. Plain forms throughout.
 */
import QRCode from 'qrcode'

import { alert, escapeHtml } from '../pages/html.js'
import type { TotpEnrolment } from './totp.js'

export const mfaPagePath = '/account/mfa'
export const startPath = '/account/mfa/start'
export const confirmPath = '/account/mfa/confirm'

/** The seed in groups of four, easier to type into an app than one run of 32 letters. */
function grouped(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ')
}

/** The otpauth URI as an SVG QR code with a text alternative. */
async function qrCode(uri: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
  return svg.replace(
    '<svg ',
    '<svg role="img" aria-label="QR code of the setup key" width="200" height="200" ',
  )
}

function csrfField(csrf: string): string {
  return `<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">`
}

export function renderEnrolled(): string {
  return `<p>Your account has an authenticator app: sign-in asks for its code after your
password.</p>
<p>To replace it, ask an administrator to remove the current one first.</p>`
}

export function renderStart(csrf: string, error?: string): string {
  return `${alert(error)}<p>An authenticator app on your phone adds a second step to sign-in: a
six-digit code that changes every 30 seconds.</p>
<form method="post" action="${startPath}">
${csrfField(csrf)}
<button type="submit">Set up an authenticator app</button>
</form>`
}

export async function renderSetup(
  enrolment: TotpEnrolment,
  csrf: string,
  error?: string,
): Promise<string> {
  const invalid = error === undefined ? '' : ' aria-invalid="true"'
  const described = error === undefined ? 'code-hint' : 'code-hint form-error'
  return `${alert(error)}<ol>
<li>Scan this QR code with your authenticator app:
<p>${await qrCode(enrolment.uri)}</p>
<p>No camera? Enter the setup key <code>${escapeHtml(grouped(enrolment.secret))}</code>, or
open <a href="${escapeHtml(enrolment.uri)}">the setup link</a>:</p>
<p><code>${escapeHtml(enrolment.uri)}</code></p></li>
<li>Type the code the app shows to confirm.</li>
</ol>
<form method="post" action="${confirmPath}">
${csrfField(csrf)}
<label for="code">Code from the app</label>
<p id="code-hint">Six digits, without spaces.</p>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code"
 pattern="[0-9]{6}" maxlength="6" required aria-describedby="${described}"${invalid} autofocus>
<button type="submit">Confirm</button>
</form>`
}

export function renderRecoveryCodes(codes: readonly string[]): string {
  const items = codes.map((code) => `<li><code>${escapeHtml(code)}</code></li>`).join('\n')
  return `<p role="status">Your authenticator app is set up.</p>
<p>Keep these recovery codes somewhere safe. Each signs you in once if you lose the app.
They are shown only now.</p>
<ul aria-label="Recovery codes">
${items}
</ul>
<p><a href="${mfaPagePath}">Done</a></p>`
}

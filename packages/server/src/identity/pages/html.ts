/**
 * The small HTML kit of the identity pages: escaping, one layout, and the headers that go
 * with it. Pages are plain forms that work without JavaScript; the policy allows no script
 * at all, and styles only from Rampart's own stylesheet.
 */

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Escapes text for an HTML element or a quoted attribute. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => entities[character] ?? character)
}

/**
 * No scripts, no plugins, no framing, styles from this origin. `form-action` is left open:
 * browsers apply it to the redirect after a form post, which leads to the client's callback.
 */
export const pageSecurityPolicy =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; " +
  "frame-ancestors 'none'"

export const pageHeaders: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': pageSecurityPolicy,
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
}

/** The policy of the pages that use WebAuthn: scripts and fetches from this origin only. */
export const scriptPageHeaders: Readonly<Record<string, string>> = {
  ...pageHeaders,
  'content-security-policy':
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; " +
    "img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'",
}

export const stylesheetPath = '/identity/assets/pages.css'

/** A whole page: `body` is trusted HTML built with `escapeHtml` for every value. */
export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Rampart</title>
<link rel="stylesheet" href="${stylesheetPath}">
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`
}

/** An error summary screen readers announce (role=alert), or nothing. */
export function alert(message: string | undefined): string {
  if (message === undefined) return ''
  return `<p class="error" role="alert" id="form-error">${escapeHtml(message)}</p>\n`
}

export const stylesheet = [
  'body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1b1d21}',
  'main{max-width:24rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:8px}',
  'h1{font-size:1.4rem;margin-top:0}',
  'label{display:block;margin:1rem 0 .25rem;font-weight:600}',
  'input{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem}',
  'input{border:1px solid #8a8f98;border-radius:4px}',
  'input:focus,button:focus{outline:3px solid #2f6fed;outline-offset:2px}',
  'button{margin-top:1.25rem;padding:.6rem 1.2rem;font-size:1rem;border-radius:4px;border:0}',
  'button{background:#2f6fed;color:#fff}',
  'button.secondary{background:#e4e6ea;color:#1b1d21}',
  '.error{color:#b00020;font-weight:600}',
  'ul{padding-left:1.2rem}',
  '.separator{margin-top:1.5rem;border-top:1px solid #e4e6ea;padding-top:1rem}',
].join('\n')

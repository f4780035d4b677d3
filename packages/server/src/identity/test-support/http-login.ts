/**
 * Drives the sign-in pages over real HTTP the way a browser without JavaScript does: follows
 * redirects by hand, keeps cookies, reads the CSRF field out of each form and submits it.
 */

/** A cookie jar for one origin; enough for the provider's and Rampart's cookies. */
export class CookieJar {
  readonly #cookies = new Map<string, string>()

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const index = pair?.indexOf('=') ?? -1
      if (pair === undefined || index <= 0) continue
      const name = pair.slice(0, index).trim()
      const value = pair.slice(index + 1).trim()
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') {
        this.#cookies.delete(name)
      } else {
        this.#cookies.set(name, value)
      }
    }
  }

  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  has(name: string): boolean {
    return this.#cookies.has(name)
  }
}

export interface Step {
  readonly status: number
  readonly location: string | undefined
  readonly body: string
  readonly url: string
}

export async function request(
  jar: CookieJar,
  url: string,
  form?: Record<string, string>,
): Promise<Step> {
  const response = await fetch(url, {
    method: form === undefined ? 'GET' : 'POST',
    redirect: 'manual',
    headers: {
      cookie: jar.header(),
      accept: 'text/html',
      ...(form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    ...(form === undefined ? {} : { body: new URLSearchParams(form).toString() }),
  })
  jar.store(response)
  const location = response.headers.get('location') ?? undefined
  return {
    status: response.status,
    location: location === undefined ? undefined : new URL(location, url).href,
    body: await response.text(),
    url,
  }
}

/** Follows redirects until a page, or until the redirect leaves `origin` (the callback). */
export async function follow(jar: CookieJar, start: Step, origin: string): Promise<Step> {
  let step = start
  for (let hops = 0; hops < 10; hops += 1) {
    if (step.location === undefined || !step.location.startsWith(origin)) return step
    step = await request(jar, step.location)
  }
  throw new Error('too many redirects')
}

export function csrfOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html)
  if (match?.[1] === undefined) throw new Error('no CSRF field in the page')
  return match[1]
}

export function formActionOf(html: string, index = 0): string {
  const actions = [...html.matchAll(/<form method="post" action="([^"]+)"/g)]
  const action = actions[index]?.[1]
  if (action === undefined) throw new Error('no form in the page')
  return action.replaceAll('&amp;', '&')
}

export interface SignInOptions {
  readonly origin: string
  readonly authorizationUrl: string
  readonly email: string
  readonly password: string
  /** Called for the MFA page when it appears; returns the code to submit. */
  readonly mfaCode?: () => Promise<string>
}

/**
 * Runs an authorization request through login (and MFA) and consent; resolves to the
 * callback URL the provider redirected to, with the cookie jar (the browser's state).
 */
export async function signIn(options: SignInOptions, jar = new CookieJar()): Promise<URL> {
  const { origin } = options
  let step = await follow(jar, await request(jar, options.authorizationUrl), origin)
  for (let pages = 0; pages < 5; pages += 1) {
    if (step.location !== undefined) return new URL(step.location)
    if (step.status !== 200) {
      throw new Error(`unexpected ${step.status} at ${step.url}: ${step.body.slice(0, 300)}`)
    }
    const csrf = csrfOf(step.body)
    const action = new URL(formActionOf(step.body), origin).href
    let form: Record<string, string>
    if (action.endsWith('/login')) {
      form = { csrf, email: options.email, password: options.password }
    } else if (action.endsWith('/mfa')) {
      if (options.mfaCode === undefined) throw new Error('MFA asked for, but no code given')
      form = { csrf, code: await options.mfaCode() }
    } else {
      form = { csrf }
    }
    step = await follow(jar, await request(jar, action, form), origin)
  }
  throw new Error('sign-in did not finish')
}

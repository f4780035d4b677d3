/**
 * Sends a stored email through the receiver's SMTP smarthost with nodemailer. STARTTLS is used
 * when offered and required with `require_tls`; port 465 speaks TLS from the start. SMTP 5xx
 * replies are permanent, 4xx replies, timeouts and connection failures worth retrying.
 */
import { readFileSync } from 'node:fs'
import { createTransport } from 'nodemailer'
import type { EmailConfig } from './email-config.js'
import type { EmailMessage } from './email-message.js'
import type { Sent } from './http-transport.js'

interface SmtpFailure {
  readonly responseCode?: unknown
  readonly code?: unknown
  readonly message?: unknown
}

function hostAndPort(smarthost: string): { host: string; port: number } {
  const colon = smarthost.lastIndexOf(':')
  const host = smarthost.slice(0, colon).replace(/^\[(.*)\]$/, '$1')
  return { host, port: Number(smarthost.slice(colon + 1)) }
}

/** The reply code at the start of an SMTP response line (`250 2.0.0 OK`). */
function replyCode(response: string): number | undefined {
  const match = /^(\d{3})[ -]/.exec(response)
  return match === null ? undefined : Number(match[1])
}

function failure(error: unknown): Sent {
  const smtp = (typeof error === 'object' && error !== null ? error : {}) as SmtpFailure
  const code = typeof smtp.responseCode === 'number' ? smtp.responseCode : undefined
  const message = typeof smtp.message === 'string' ? smtp.message : String(error)
  const kind = typeof smtp.code === 'string' ? `${smtp.code}: ` : ''
  return {
    statusCode: code,
    error: `${kind}${message}`.slice(0, 500),
    permanent: code !== undefined && code >= 500,
  }
}

/** Sends one message; never throws. The password is read here and goes nowhere else. */
export async function sendEmail(config: EmailConfig, message: EmailMessage): Promise<Sent> {
  const { host, port } = hostAndPort(config.smarthost)
  const tls = config.tls_config
  let password: string | undefined
  let ca: Buffer | undefined
  try {
    password =
      config.auth_password ??
      (config.auth_password_file === undefined
        ? undefined
        : readFileSync(config.auth_password_file, 'utf8').trim())
    ca = tls.ca_file === undefined ? undefined : readFileSync(tls.ca_file)
  } catch (error) {
    // The message names the file, never its content.
    return failure(error)
  }
  const transport = createTransport({
    host,
    port,
    secure: port === 465,
    requireTLS: config.require_tls,
    name: config.hello,
    ...(config.auth_username === undefined
      ? {}
      : { auth: { user: config.auth_username, pass: password ?? '' } }),
    tls: {
      rejectUnauthorized: !tls.insecure_skip_verify,
      ...(tls.server_name === undefined ? {} : { servername: tls.server_name }),
      ...(ca === undefined ? {} : { ca }),
    },
    connectionTimeout: config.timeout,
    greetingTimeout: config.timeout,
    socketTimeout: config.timeout,
    // nodemailer's own logging would print the SMTP dialogue, AUTH included.
    logger: false,
    debug: false,
  })
  try {
    const info = await transport.sendMail({
      from: message.displayFrom ?? message.from,
      to: message.displayTo ?? [...message.to],
      envelope: { from: message.from, to: [...message.to] },
      subject: message.subject,
      headers: { ...message.headers },
      ...(message.text === undefined ? {} : { text: message.text }),
      ...(message.html === undefined ? {} : { html: message.html }),
      disableFileAccess: true,
      disableUrlAccess: true,
    })
    // TODO(#8): a message some recipients rejected counts as delivered to the rest; the
    // rejected addresses are not recorded with the attempt yet.
    return { statusCode: replyCode(info.response), error: undefined, permanent: false }
  } catch (error) {
    return failure(error)
  } finally {
    transport.close()
  }
}

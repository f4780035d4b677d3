/**
 * For tests: a real SMTP server on loopback (the `smtp-server` package) that records each
 * message it accepts and can answer DATA with chosen reply codes first.
 */
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

export interface ReceivedEmail {
  readonly mailFrom: string
  readonly recipients: readonly string[]
  /** Whether the session was upgraded with STARTTLS. */
  readonly secure: boolean
  /** The authenticated user, if the client logged in. */
  readonly user: string | undefined
  /** Header name (lower case) to its unfolded value. */
  readonly headers: ReadonlyMap<string, string>
  /** The message after the headers, quoted-printable soft breaks and escapes decoded. */
  readonly body: string
}

export interface SmtpReceiver {
  readonly smarthost: string
  readonly received: ReceivedEmail[]
  /** Reply codes to refuse DATA with, in order (451, 550...); accepted once they run out. */
  readonly answers: number[]
  /** Credentials offered to AUTH, to check what the client sent. */
  readonly logins: { username: string; password: string }[]
  close(): Promise<void>
}

function decodeQuotedPrintable(text: string): string {
  const joined = text.replace(/=\r?\n/g, '')
  const bytes = joined.replace(/=([0-9A-F]{2})/g, (_all, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  )
  return Buffer.from(bytes, 'latin1').toString('utf8')
}

function parseMessage(raw: string): { headers: Map<string, string>; body: string } {
  const split = raw.indexOf('\r\n\r\n')
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ')
  const headers = new Map<string, string>()
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':')
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim())
  }
  return { headers, body: decodeQuotedPrintable(raw.slice(split + 4)) }
}

export interface SmtpReceiverOptions {
  /** Required of clients, over plain text: the server is on loopback. */
  readonly credentials?: { readonly username: string; readonly password: string }
  /** A key and certificate (PEM) to offer STARTTLS with; without, STARTTLS is not offered. */
  readonly tls?: { readonly key: string; readonly cert: string }
}

export async function startSmtpReceiver(options: SmtpReceiverOptions = {}): Promise<SmtpReceiver> {
  const { credentials, tls } = options
  const received: ReceivedEmail[] = []
  const answers: number[] = []
  const logins: { username: string; password: string }[] = []
  const server = new SMTPServer({
    logger: false,
    disabledCommands: tls === undefined ? ['STARTTLS'] : [],
    ...(tls === undefined ? {} : { key: tls.key, cert: tls.cert }),
    authOptional: credentials === undefined,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      const login = { username: auth.username ?? '', password: auth.password ?? '' }
      logins.push(login)
      const ok = login.username === credentials?.username && login.password === credentials.password
      callback(ok ? null : new Error('bad credentials'), ok ? { user: login.username } : {})
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const code = answers.shift()
        if (code !== undefined) {
          callback(Object.assign(new Error(`refused for the test`), { responseCode: code }))
          return
        }
        const mailFrom = session.envelope.mailFrom
        received.push({
          mailFrom: mailFrom === false ? '' : mailFrom.address,
          recipients: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : undefined,
          ...parseMessage(Buffer.concat(chunks).toString('utf8')),
        })
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.server.address() as AddressInfo
  return {
    smarthost: `127.0.0.1:${port}`,
    received,
    answers,
    logins,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

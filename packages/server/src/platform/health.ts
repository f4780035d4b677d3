import type { FastifyBaseLogger, FastifyInstance } from 'fastify'

/** A dependency the process needs to serve traffic, checked on every `/readyz`. */
export interface ReadinessCheck {
  readonly name: string
  /** Resolves when healthy; rejects with the reason otherwise. Must honour the signal. */
  check(signal: AbortSignal): Promise<void>
}

export interface CheckResult {
  readonly name: string
  readonly status: 'pass' | 'fail'
  readonly durationMs: number
  readonly error?: string
}

/**
 * What a failed check says to callers of the unauthenticated `/readyz`: a timeout or a
 * generic failure, never the driver's message (it names hosts and ports). The log has it.
 */
function publicReason(error: unknown): string {
  return error instanceof CheckTimeout ? error.message : 'failed'
}

class CheckTimeout extends Error {}

async function runCheck(
  check: ReadinessCheck,
  timeoutMs: number,
  logger: FastifyBaseLogger,
): Promise<CheckResult> {
  const started = performance.now()
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort()
      reject(new CheckTimeout(`timed out after ${timeoutMs} ms`))
    }, timeoutMs)
  })

  try {
    await Promise.race([check.check(controller.signal), timeout])
    return { name: check.name, status: 'pass', durationMs: elapsedMs(started) }
  } catch (error) {
    logger.warn({ err: error, check: check.name }, 'readiness check failed')
    const durationMs = elapsedMs(started)
    return { name: check.name, status: 'fail', durationMs, error: publicReason(error) }
  } finally {
    clearTimeout(timer)
  }
}

function elapsedMs(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 1000) / 1000
}

const checkSchema = {
  type: 'object',
  required: ['name', 'status', 'durationMs'],
  properties: {
    name: { type: 'string' },
    status: { type: 'string', enum: ['pass', 'fail'] },
    durationMs: { type: 'number' },
    error: { type: 'string' },
  },
} as const

const readinessSchema = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { type: 'string', enum: ['ready', 'not_ready'] },
    checks: { type: 'array', items: checkSchema },
  },
} as const

/**
 * `/healthz` answers while the process can answer at all; `/readyz` runs every readiness
 * check in parallel, each under its own timeout, and answers 503 when any fails.
 */
export function registerHealthRoutes(
  server: FastifyInstance,
  checks: readonly ReadinessCheck[],
  checkTimeoutMs: number,
): void {
  server.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness: the process is up and answering',
        tags: ['platform'],
        response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
      },
    },
    () => ({ status: 'ok' }),
  )

  server.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: every dependency check passes',
        tags: ['platform'],
        response: { 200: readinessSchema, 503: readinessSchema },
      },
    },
    async (request, reply) => {
      const results = await Promise.all(
        checks.map((check) => runCheck(check, checkTimeoutMs, request.log)),
      )
      const ready = results.every((result) => result.status === 'pass')
      void reply.status(ready ? 200 : 503).header('cache-control', 'no-store')
      return { status: ready ? 'ready' : 'not_ready', checks: results }
    },
  )
}

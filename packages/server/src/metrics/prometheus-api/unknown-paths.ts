import type { FastifyInstance, FastifyReply } from 'fastify'

/** The body Prometheus's API answers an endpoint it does not have with. */
export function sendNotFound(reply: FastifyReply, path: string): FastifyReply {
  return reply.status(404).send({
    status: 'error',
    errorType: 'not_found',
    error: `unknown API endpoint ${path}`,
  })
}

/**
 * Answers paths and methods under the API prefix that no route serves in Prometheus's error
 * shape, so data-source clients can parse the answer, instead of the platform's problem+json.
 */
export function answerUnknownPaths(scope: FastifyInstance): void {
  scope.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0] ?? ''
    return sendNotFound(reply, `${request.method} ${path}`)
  })
}

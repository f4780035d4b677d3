import type { Span, Tracer } from '@opentelemetry/api'
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions'
import type { IncomingTrace, RequestContext } from './context.js'
import { currentContext, newSpanId, newTraceId } from './context.js'

/** The handling of one request, as a span when tracing is on. */
export interface RequestSpan {
  readonly traceId: string
  readonly spanId: string
  readonly traceFlags: string
  end(route: string, statusCode: number): void
}

/** A timed unit of work inside a request (a database query, for example). */
export interface WorkSpan {
  end(error?: unknown): void
}

const noWork: WorkSpan = { end: () => undefined }
const endNothing = (): void => undefined

/**
 * Request spans and their ids. Without an exporter it only mints W3C ids, so logs and
 * outgoing calls still correlate; with one it records OpenTelemetry spans and sends them.
 */
export interface Tracing {
  readonly enabled: boolean
  startRequest(method: string, incoming: IncomingTrace | undefined): RequestSpan
  startWork(name: string, attributes: Record<string, string>): WorkSpan
  shutdown(): Promise<void>
}

/** Ids only: continues the caller's trace or starts one, records nothing. */
class IdOnlyTracing implements Tracing {
  readonly enabled = false

  startRequest(_method: string, incoming: IncomingTrace | undefined): RequestSpan {
    return {
      traceId: incoming?.traceId ?? newTraceId(),
      spanId: newSpanId(),
      // Nothing is recorded here, so a trace started here is not marked sampled.
      traceFlags: incoming?.traceFlags ?? '00',
      end: endNothing,
    }
  }

  startWork(): WorkSpan {
    return noWork
  }

  async shutdown(): Promise<void> {}
}

function flagsHex(flags: number): string {
  return (flags & 0xff).toString(16).padStart(2, '0')
}

function parentOf(context: RequestContext | IncomingTrace | undefined, remote: boolean) {
  if (context === undefined) return ROOT_CONTEXT
  const spanId = 'spanId' in context ? context.spanId : context.parentSpanId
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: context.traceId,
    spanId,
    traceFlags: Number.parseInt(context.traceFlags, 16) & TraceFlags.SAMPLED,
    isRemote: remote,
  })
}

/** OpenTelemetry spans exported over OTLP/HTTP, configured by the standard OTEL_* variables. */
class OpenTelemetryTracing implements Tracing {
  readonly enabled = true
  readonly #provider: NodeTracerProvider
  readonly #tracer: Tracer

  constructor(service: string, env: NodeJS.ProcessEnv) {
    // The exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, _HEADERS and _TIMEOUT itself,
    // and the provider reads OTEL_TRACES_SAMPLER; the service name is the SDK's unless
    // OTEL_SERVICE_NAME says otherwise.
    this.#provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME ?? service }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
    })
    this.#tracer = this.#provider.getTracer('@rampart/sdk')
  }

  startRequest(method: string, incoming: IncomingTrace | undefined): RequestSpan {
    const span = this.#tracer.startSpan(
      method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } },
      parentOf(incoming, true),
    )
    const { traceId, spanId, traceFlags } = span.spanContext()
    return {
      traceId,
      spanId,
      traceFlags: flagsHex(traceFlags),
      end: (route, statusCode) => endRequestSpan(span, method, route, statusCode),
    }
  }

  startWork(name: string, attributes: Record<string, string>): WorkSpan {
    const span = this.#tracer.startSpan(
      name,
      { kind: SpanKind.CLIENT, attributes },
      parentOf(currentContext(), false),
    )
    return {
      end: (error) => {
        if (error !== undefined) {
          span.setStatus({ code: SpanStatusCode.ERROR })
          if (error instanceof Error) span.recordException(error)
        }
        span.end()
      },
    }
  }

  async shutdown(): Promise<void> {
    await this.#provider.shutdown()
  }
}

function endRequestSpan(span: Span, method: string, route: string, statusCode: number): void {
  span.updateName(`${method} ${route}`)
  span.setAttribute('http.route', route)
  span.setAttribute('http.response.status_code', statusCode)
  if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
  span.end()
}

/**
 * OpenTelemetry tracing when `OTEL_EXPORTER_OTLP_ENDPOINT` (or its traces-only variant) is
 * set and `OTEL_SDK_DISABLED` is not `true`; id propagation only otherwise.
 */
export function createTracing(service: string, env: NodeJS.ProcessEnv = process.env): Tracing {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true'
  if (endpoint === undefined || endpoint.trim() === '' || disabled) return new IdOnlyTracing()
  return new OpenTelemetryTracing(service, env)
}

/**
 * OpenTelemetry for the host: a tracer provider set up from configuration, and the few helpers
 * the HTTP front door and the engine use to make spans (`HTTP <method> <route>`,
 * `orchestration <name>`, `activity <name>`) and to carry W3C trace context.
 *
 *   SIGNOFF_OTEL_EXPORTER=none|console|otlp   default none; console prints one JSON line a span,
 *                                              otlp sends to OTEL_EXPORTER_OTLP_ENDPOINT
 *   APPLICATIONINSIGHTS_CONNECTION_STRING      Azure Monitor through `useAzureMonitor()`
 *
 * With neither, nothing is registered and {@link activeTracer} is undefined: callers then make no
 * span objects at all, so telemetry that is off costs a property read.
 */
import {
  type Context,
  context,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { HostError } from './errors';

export class TelemetryConfigError extends HostError {
  readonly code = 'TELEMETRY_CONFIG';
  readonly retryable = false;
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

export const EXPORTERS = ['none', 'console', 'otlp'] as const;
export type ExporterKind = (typeof EXPORTERS)[number];

export interface TelemetryConfig {
  exporter: ExporterKind;
  /** Only for otlp: where the OTLP/HTTP exporter sends (it also reads the variable itself). */
  otlpEndpoint?: string;
  azureMonitorConnectionString?: string;
  serviceName: string;
}

/** Which setup {@link startTelemetry} runs for a configuration. */
export type SetupPath = 'off' | 'sdk' | 'azure-monitor';

export function setupPath(config: TelemetryConfig): SetupPath {
  if (config.azureMonitorConnectionString) return 'azure-monitor';
  return config.exporter === 'none' ? 'off' : 'sdk';
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Checks the shape of an Application Insights connection string
 * (`InstrumentationKey=<guid>;IngestionEndpoint=https://...;...`), naming what is wrong.
 */
export function validateConnectionString(text: string): void {
  const variable = 'APPLICATIONINSIGHTS_CONNECTION_STRING';
  const fields = new Map<string, string>();
  for (const part of text.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) {
      throw new TelemetryConfigError(
        variable,
        `"${part}" is not a Key=Value pair; expected "InstrumentationKey=<guid>;IngestionEndpoint=https://..."`,
      );
    }
    fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  const key = fields.get('instrumentationkey');
  if (!key) throw new TelemetryConfigError(variable, 'has no InstrumentationKey');
  if (!GUID.test(key)) throw new TelemetryConfigError(variable, 'InstrumentationKey must be a GUID');
  for (const name of ['IngestionEndpoint', 'LiveEndpoint']) {
    const value = fields.get(name.toLowerCase());
    if (value === undefined) continue;
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw new TelemetryConfigError(variable, `${name} must be an http(s) URL, got "${value}"`);
    }
  }
}

export function readTelemetryConfig(env: NodeJS.ProcessEnv = process.env): TelemetryConfig {
  const raw = env.SIGNOFF_OTEL_EXPORTER?.trim().toLowerCase() || 'none';
  const exporter = EXPORTERS.find((e) => e === raw);
  if (!exporter) {
    throw new TelemetryConfigError(
      'SIGNOFF_OTEL_EXPORTER',
      `"${env.SIGNOFF_OTEL_EXPORTER}" is not one of ${EXPORTERS.join(', ')}`,
    );
  }
  const otlpEndpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || undefined;
  if (exporter === 'otlp' && !otlpEndpoint) {
    throw new TelemetryConfigError(
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'is required with SIGNOFF_OTEL_EXPORTER=otlp (e.g. http://localhost:4318)',
    );
  }
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim() || undefined;
  if (connectionString) validateConnectionString(connectionString);
  return {
    exporter,
    otlpEndpoint: exporter === 'otlp' ? otlpEndpoint : undefined,
    azureMonitorConnectionString: connectionString,
    serviceName: env.OTEL_SERVICE_NAME?.trim() || 'signoff',
  };
}

/** Writes each ended span as one JSON line on stdout, like every other log line of the host. */
export class JsonLineSpanExporter implements SpanExporter {
  constructor(private readonly write: (line: string) => void = (l) => process.stdout.write(l)) {}

  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    for (const s of spans) {
      const ctx = s.spanContext();
      const [sec, nanos] = s.startTime;
      this.write(
        `${JSON.stringify({
          span: s.name,
          traceId: ctx.traceId,
          spanId: ctx.spanId,
          parentSpanId: s.parentSpanContext?.spanId,
          kind: s.kind,
          start: new Date(sec * 1000 + nanos / 1e6).toISOString(),
          durationMs: s.duration[0] * 1000 + s.duration[1] / 1e6,
          status: s.status.code === SpanStatusCode.ERROR ? 'error' : 'ok',
          attributes: s.attributes,
        })}\n`,
      );
    }
    done({ code: 0 });
  }

  async shutdown(): Promise<void> {}
}

export interface Telemetry {
  path: SetupPath;
  shutdown(): Promise<void>;
}

/** What {@link startTelemetry} calls to set up Azure Monitor (tests pass a stand-in). */
export interface TelemetryDeps {
  useAzureMonitor(options: Record<string, unknown>): void;
  shutdownAzureMonitor(): Promise<void>;
}

let tracer: Tracer | undefined;

/** The host's tracer while telemetry is on; undefined when it is off (make no spans then). */
export function activeTracer(): Tracer | undefined {
  return tracer;
}

/** Sets up tracing for `config`. The SDK packages are loaded only when they are needed. */
export async function startTelemetry(config: TelemetryConfig, deps?: TelemetryDeps): Promise<Telemetry> {
  const path = setupPath(config);
  if (path === 'off') {
    tracer = undefined;
    return { path, shutdown: async () => undefined };
  }
  const processors = await spanProcessors(config);
  if (path === 'azure-monitor') {
    const azure = deps ?? (await import('@azure/monitor-opentelemetry'));
    const { resourceFromAttributes } = await import('@opentelemetry/resources');
    azure.useAzureMonitor({
      azureMonitorExporterOptions: { connectionString: config.azureMonitorConnectionString },
      resource: resourceFromAttributes({ 'service.name': config.serviceName }),
      // The host makes its own HTTP server spans; the http instrumentation would double them.
      instrumentationOptions: { http: { enabled: false } },
      spanProcessors: processors,
    });
    tracer = trace.getTracer('signoff-host');
    return {
      path,
      shutdown: async () => {
        tracer = undefined;
        await azure.shutdownAzureMonitor();
      },
    };
  }
  const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    spanProcessors: processors,
  });
  // Registers the W3C propagator and the AsyncLocalStorage context manager, which the
  // durable-functions client uses to put `traceparent` on its calls from inside a function.
  provider.register();
  tracer = provider.getTracer('signoff-host');
  return {
    path,
    shutdown: async () => {
      tracer = undefined;
      await provider.shutdown();
    },
  };
}

async function spanProcessors(config: TelemetryConfig): Promise<SpanProcessor[]> {
  if (config.exporter === 'none') return [];
  const { SimpleSpanProcessor, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  if (config.exporter === 'console') return [new SimpleSpanProcessor(new JsonLineSpanExporter())];
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  const base = (config.otlpEndpoint ?? '').replace(/\/+$/, '');
  return [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces` }))];
}

// ---- W3C trace context --------------------------------------------------------------------

/** DTFx's `ParentTraceContext` of an ExecutionStarted event. */
export interface TraceContextField {
  TraceParent: string;
  TraceState?: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

function spanContextOf(traceParent: string, traceState?: string): SpanContext | undefined {
  const m = TRACEPARENT.exec(traceParent.trim().toLowerCase());
  if (!m || m[1] === 'ff' || /^0+$/.test(m[2] as string) || /^0+$/.test(m[3] as string)) return undefined;
  const ctx: SpanContext = {
    traceId: m[2] as string,
    spanId: m[3] as string,
    traceFlags: Number.parseInt(m[4] as string, 16) & 1,
    isRemote: true,
  };
  return traceState ? { ...ctx, traceState: parseTraceState(traceState) } : ctx;
}

function parseTraceState(text: string): NonNullable<SpanContext['traceState']> {
  const entries = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) entries.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const state = {
    set: (k: string, v: string) => {
      const next = new Map(entries);
      next.delete(k);
      return parseTraceState([`${k}=${v}`, ...[...next].map(([a, b]) => `${a}=${b}`)].join(','));
    },
    unset: (k: string) => {
      const next = new Map(entries);
      next.delete(k);
      return parseTraceState([...next].map(([a, b]) => `${a}=${b}`).join(','));
    },
    get: (k: string) => entries.get(k),
    serialize: () => [...entries].map(([a, b]) => `${a}=${b}`).join(','),
  };
  return state;
}

/** Whether a `traceparent` header value is well formed. */
export function isTraceParent(value: string | undefined): value is string {
  return value !== undefined && spanContextOf(value) !== undefined;
}

/** A context whose parent is the span a `traceparent` names (the root context if it names none). */
export function contextFrom(trace_: TraceContextField | undefined): Context {
  const sc = trace_ ? spanContextOf(trace_.TraceParent, trace_.TraceState) : undefined;
  return sc ? trace.setSpanContext(ROOT_CONTEXT, sc) : ROOT_CONTEXT;
}

/** The `traceparent` of a span, for the invocation context of the function it wraps. */
export function traceParentOf(span: Span): string {
  const sc = span.spanContext();
  return `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags & 1}`;
}

/** The trace context of the active span, if any (for what a request starts). */
export function activeTraceContext(): TraceContextField | undefined {
  const span = trace.getSpan(context.active());
  if (!span) return undefined;
  const state = span.spanContext().traceState?.serialize();
  return { TraceParent: traceParentOf(span), ...(state ? { TraceState: state } : {}) };
}

/** Ends a span with an outcome attribute, marking errors. */
export function endSpan(span: Span, outcome: string, error?: unknown): void {
  span.setAttribute('signoff.outcome', outcome);
  if (error !== undefined) {
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
  }
  span.end();
}

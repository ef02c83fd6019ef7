/**
 * Telemetry configuration: which setup runs for which settings, and the connection string check.
 * Azure Monitor cannot be reached from here, so the Azure path is checked by the options it hands
 * to `useAzureMonitor()` (a stand-in records them), not by anything arriving in Azure.
 */
import { describe, expect, it } from 'vitest';
import {
  activeTracer,
  readTelemetryConfig,
  setupPath,
  startTelemetry,
  TelemetryConfigError,
  validateConnectionString,
} from './telemetry';

const CONNECTION =
  'InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;LiveEndpoint=https://westeurope.livediagnostics.monitor.azure.com/';

describe('readTelemetryConfig', () => {
  it('is off by default', () => {
    const config = readTelemetryConfig({});
    expect(config).toMatchObject({ exporter: 'none', serviceName: 'signoff' });
    expect(setupPath(config)).toBe('off');
  });

  it('console and otlp use the OpenTelemetry SDK; otlp needs its endpoint', () => {
    expect(setupPath(readTelemetryConfig({ SIGNOFF_OTEL_EXPORTER: 'console' }))).toBe('sdk');
    const otlp = readTelemetryConfig({
      SIGNOFF_OTEL_EXPORTER: 'OTLP',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318',
    });
    expect(otlp).toMatchObject({ exporter: 'otlp', otlpEndpoint: 'http://localhost:4318' });
    expect(setupPath(otlp)).toBe('sdk');
    expect(() => readTelemetryConfig({ SIGNOFF_OTEL_EXPORTER: 'otlp' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT: is required/,
    );
    expect(() => readTelemetryConfig({ SIGNOFF_OTEL_EXPORTER: 'jaeger' })).toThrow(
      'SIGNOFF_OTEL_EXPORTER: "jaeger" is not one of none, console, otlp',
    );
  });

  it('a connection string chooses Azure Monitor, whatever the exporter', () => {
    expect(setupPath(readTelemetryConfig({ APPLICATIONINSIGHTS_CONNECTION_STRING: CONNECTION }))).toBe(
      'azure-monitor',
    );
    expect(
      setupPath(
        readTelemetryConfig({
          APPLICATIONINSIGHTS_CONNECTION_STRING: CONNECTION,
          SIGNOFF_OTEL_EXPORTER: 'console',
        }),
      ),
    ).toBe('azure-monitor');
  });

  it('refuses a malformed connection string, naming the problem', () => {
    const bad = (text: string) => () => validateConnectionString(text);
    expect(bad('not a connection string')).toThrow(TelemetryConfigError);
    expect(bad('not a connection string')).toThrow(
      /APPLICATIONINSIGHTS_CONNECTION_STRING: .* not a Key=Value pair/,
    );
    expect(bad('IngestionEndpoint=https://x.example/')).toThrow(/has no InstrumentationKey/);
    expect(bad('InstrumentationKey=abc')).toThrow(/InstrumentationKey must be a GUID/);
    expect(
      bad('InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=westeurope'),
    ).toThrow(/IngestionEndpoint must be an http\(s\) URL/);
    expect(() =>
      readTelemetryConfig({ APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=nope' }),
    ).toThrow(/GUID/);
    expect(bad(CONNECTION)).not.toThrow();
  });
});

describe('startTelemetry', () => {
  it('sets up Azure Monitor through useAzureMonitor with the connection string', async () => {
    const calls: Array<Record<string, unknown>> = [];
    let shutDown = false;
    const telemetry = await startTelemetry(
      readTelemetryConfig({
        APPLICATIONINSIGHTS_CONNECTION_STRING: CONNECTION,
        SIGNOFF_OTEL_EXPORTER: 'console',
      }),
      {
        useAzureMonitor: (options) => calls.push(options),
        shutdownAzureMonitor: async () => {
          shutDown = true;
        },
      },
    );
    expect(telemetry.path).toBe('azure-monitor');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      azureMonitorExporterOptions: { connectionString: CONNECTION },
      instrumentationOptions: { http: { enabled: false } },
    });
    // The console exporter is added beside Azure Monitor's own.
    expect(calls[0]?.spanProcessors).toHaveLength(1);
    expect(activeTracer()).toBeDefined();
    await telemetry.shutdown();
    expect(shutDown).toBe(true);
    expect(activeTracer()).toBeUndefined();
  });

  it('off: no tracer, so callers make no spans', async () => {
    const telemetry = await startTelemetry(readTelemetryConfig({}));
    expect(telemetry.path).toBe('off');
    expect(activeTracer()).toBeUndefined();
  });
});

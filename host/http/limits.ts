/**
 * The host's limits on requests, from the environment: how large one request's body may be, how
 * many bytes of request bodies the host buffers at once, and how long a request may take to
 * arrive. A bad value stops the host at start, naming the setting.
 */
import type http from 'node:http';
import { HostError } from '../common/errors';
import { parseDuration } from '../durable/duration';

export interface RequestLimits {
  /** `SIGNOFF_MAX_REQUEST_BYTES`: one request's body; larger ones are answered 413. */
  maxRequestBytes: number;
  /** `SIGNOFF_MAX_BUFFERED_BYTES`: all bodies being read or held at once; beyond, 503. */
  maxBufferedBytes: number;
  /** `SIGNOFF_REQUEST_TIMEOUT`: the whole request (headers and body) must arrive in this; 0 is none. */
  requestTimeoutMs: number;
  /** `SIGNOFF_HEADERS_TIMEOUT`: the headers must arrive in this; 0 is none. */
  headersTimeoutMs: number;
}

/** Azure's own cap on an HTTP trigger's request: 100 MB (104,857,600 bytes). */
const AZURE_MAX_REQUEST_BYTES = 104_857_600;
/** Node's own defaults, which the host had before these were settings. */
const NODE_REQUEST_TIMEOUT_MS = 300_000;
const NODE_HEADERS_TIMEOUT_MS = 60_000;

export const DEFAULT_REQUEST_LIMITS: RequestLimits = {
  maxRequestBytes: AZURE_MAX_REQUEST_BYTES,
  maxBufferedBytes: 256 * 1024 * 1024,
  requestTimeoutMs: NODE_REQUEST_TIMEOUT_MS,
  headersTimeoutMs: NODE_HEADERS_TIMEOUT_MS,
};

export class RequestLimitsError extends HostError {
  readonly code = 'REQUEST_LIMITS_CONFIG';
  readonly retryable = false;

  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

export function readRequestLimits(env: NodeJS.ProcessEnv = process.env): RequestLimits {
  const maxRequestBytes = bytesSetting(
    env,
    'SIGNOFF_MAX_REQUEST_BYTES',
    DEFAULT_REQUEST_LIMITS.maxRequestBytes,
  );
  const maxBufferedBytes = bytesSetting(
    env,
    'SIGNOFF_MAX_BUFFERED_BYTES',
    DEFAULT_REQUEST_LIMITS.maxBufferedBytes,
  );
  if (maxBufferedBytes < maxRequestBytes) {
    throw new RequestLimitsError(
      'SIGNOFF_MAX_BUFFERED_BYTES',
      `${maxBufferedBytes} bytes is less than SIGNOFF_MAX_REQUEST_BYTES (${maxRequestBytes}): a request of the largest size allowed could never be read`,
    );
  }
  const requestTimeoutMs = durationSetting(env, 'SIGNOFF_REQUEST_TIMEOUT', NODE_REQUEST_TIMEOUT_MS);
  // As Node does: the headers' default is never longer than the whole request's.
  const headersTimeoutMs = durationSetting(
    env,
    'SIGNOFF_HEADERS_TIMEOUT',
    requestTimeoutMs > 0 ? Math.min(NODE_HEADERS_TIMEOUT_MS, requestTimeoutMs) : NODE_HEADERS_TIMEOUT_MS,
  );
  if (requestTimeoutMs > 0 && headersTimeoutMs > requestTimeoutMs) {
    throw new RequestLimitsError(
      'SIGNOFF_HEADERS_TIMEOUT',
      `${headersTimeoutMs / 1000} s is longer than SIGNOFF_REQUEST_TIMEOUT (${requestTimeoutMs / 1000} s), which the headers are part of`,
    );
  }
  return { maxRequestBytes, maxBufferedBytes, requestTimeoutMs, headersTimeoutMs };
}

/** The Node HTTP server's options for these limits. */
export function serverOptions(limits: RequestLimits): http.ServerOptions {
  const shortest = Math.min(
    ...[limits.requestTimeoutMs, limits.headersTimeoutMs].filter((ms) => ms > 0),
    Number.POSITIVE_INFINITY,
  );
  return {
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    // Node looks for late requests only this often (30 s by default), so a 1 s timeout would
    // take up to 31 s to act: look every second, or more often for shorter timeouts.
    ...(shortest === Number.POSITIVE_INFINITY
      ? {}
      : { connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(shortest / 4))) }),
  };
}

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

function bytesSetting(env: NodeJS.ProcessEnv, variable: string, fallback: number): number {
  const text = env[variable]?.trim();
  if (!text) return fallback;
  const m = /^(\d+)\s*([a-z]*)$/i.exec(text);
  const unit = m ? UNITS[(m[2] || 'b').toLowerCase()] : undefined;
  const value = m && unit ? Number(m[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RequestLimitsError(
      variable,
      `"${text}" is not a size in bytes; use a whole number of bytes, or one with a unit such as 100MB or 256MiB`,
    );
  }
  return value;
}

function durationSetting(env: NodeJS.ProcessEnv, variable: string, fallback: number): number {
  const text = env[variable]?.trim();
  if (!text) return fallback;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(text)) ms = Math.round(Number(text) * 1000);
  else {
    try {
      ms = parseDuration(text);
    } catch (error) {
      throw new RequestLimitsError(variable, `${(error as Error).message}, or a number of seconds`);
    }
  }
  if (!Number.isSafeInteger(ms)) throw new RequestLimitsError(variable, `"${text}" is too long`);
  return ms;
}

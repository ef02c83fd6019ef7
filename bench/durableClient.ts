/**
 * The driver's side of the documented Durable Functions HTTP API: start, status, raise event
 * and paged queries, over keep-alive connections (node:http, which costs the driver less CPU
 * per request than fetch).
 */
import http from 'node:http';
import { SYSTEM_KEY } from './hostProcess';
import { sleep } from './sleep';

const API = '/runtime/webhooks/durabletask';

export class BenchHttpError extends Error {
  readonly code = 'BENCH_HTTP';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface InstanceStatus {
  instanceId: string;
  runtimeStatus: string;
  customStatus: unknown;
  output: unknown;
}

export class DurableClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly origin: URL;

  /**
   * `systemKey` goes with every request: the management API and /admin need it. `null` sends
   * none, for the app's own routes called as a signed-in user or as the Bot Connector.
   */
  constructor(
    baseUrl: string,
    private readonly systemKey: string | null = SYSTEM_KEY,
  ) {
    this.origin = new URL(baseUrl);
  }

  close(): void {
    this.agent.destroy();
  }

  request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.origin.hostname,
          port: this.origin.port,
          method,
          path,
          agent: this.agent,
          headers: {
            ...(this.systemKey === null ? {} : { 'x-functions-key': this.systemKey }),
            ...(payload
              ? { 'content-type': 'application/json', 'content-length': String(payload.length) }
              : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            if (text && String(res.headers['content-type'] ?? '').includes('json')) parsed = JSON.parse(text);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Starts and waits for the end (the documented create-and-wait), returning the output. */
  async startAndWait(
    name: string,
    instanceId: string,
    input: unknown,
    timeoutSeconds = 120,
  ): Promise<unknown> {
    const res = await this.request(
      'POST',
      `${API}/orchestrators/${name}/${encodeURIComponent(instanceId)}?timeout=${timeoutSeconds}&pollingInterval=1`,
      input,
    );
    if (res.status !== 200) throw unexpected(`start-and-wait ${name}/${instanceId}`, res);
    return res.body;
  }

  async start(name: string, instanceId: string, input: unknown): Promise<void> {
    const res = await this.request(
      'POST',
      `${API}/orchestrators/${name}/${encodeURIComponent(instanceId)}`,
      input,
    );
    if (res.status !== 202) throw unexpected(`start ${name}/${instanceId}`, res);
  }

  async status(instanceId: string): Promise<InstanceStatus> {
    const res = await this.request(
      'GET',
      `${API}/instances/${encodeURIComponent(instanceId)}?showInput=false`,
    );
    if (res.status !== 200 && res.status !== 202) throw unexpected(`status ${instanceId}`, res);
    return res.body as InstanceStatus;
  }

  async raiseEvent(instanceId: string, event: string, data: unknown): Promise<void> {
    const res = await this.request(
      'POST',
      `${API}/instances/${encodeURIComponent(instanceId)}/raiseEvent/${event}`,
      data,
    );
    if (res.status !== 202) throw unexpected(`raise ${event} on ${instanceId}`, res);
  }

  /** Polls one instance until it reaches `runtimeStatus`; fails fast if it ends otherwise. */
  async waitFor(instanceId: string, runtimeStatus: string, pollMs: number): Promise<InstanceStatus> {
    for (;;) {
      const s = await this.status(instanceId);
      if (s.runtimeStatus === runtimeStatus) return s;
      if (['Completed', 'Failed', 'Terminated', 'Canceled'].includes(s.runtimeStatus)) {
        throw new BenchHttpError(
          200,
          `instance ${instanceId} ended ${s.runtimeStatus}: ${JSON.stringify(s.output)}`,
        );
      }
      if (pollMs > 0) await sleep(pollMs);
    }
  }

  /** Every instance matching the query, page by page through continuation tokens. */
  async query(params: Record<string, string>, pageSize = 1000): Promise<InstanceStatus[]> {
    const search = new URLSearchParams({ ...params, top: String(pageSize), showInput: 'false' });
    const all: InstanceStatus[] = [];
    let token: string | undefined;
    do {
      const res = await this.request(
        'GET',
        `${API}/instances/?${search}`,
        undefined,
        token ? { 'x-ms-continuation-token': token } : {},
      );
      if (res.status !== 200) throw unexpected('query', res);
      all.push(...(res.body as InstanceStatus[]));
      const next = res.headers['x-ms-continuation-token'];
      token = typeof next === 'string' && next !== '' ? next : undefined;
    } while (token);
    return all;
  }

  /** How answering the host is: 200 from its admin status endpoint. */
  async hostStatus(): Promise<boolean> {
    try {
      return (await this.request('GET', '/admin/host/status')).status === 200;
    } catch {
      return false;
    }
  }
}

function unexpected(what: string, res: Response): BenchHttpError {
  return new BenchHttpError(res.status, `${what}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
}

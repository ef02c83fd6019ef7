/**
 * A counting HTTP proxy in front of Azurite's Table endpoint: the app's table client talks to it
 * (its connection string's TableEndpoint points here), it forwards each request unchanged and
 * counts round trips and operations (each sub-request of a `$batch` transaction is one
 * operation, the batch one round trip).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TableCounts {
  /** HTTP requests to the table endpoint. */
  requests: number;
  /** Table operations: a plain request is one, a `$batch` counts its sub-requests. */
  operations: number;
  /** `$batch` requests (entity group transactions). */
  batches: number;
}

const SUB_REQUEST = /^(GET|POST|PUT|PATCH|MERGE|DELETE) https?:\/\//gm;

export class CountingTableProxy {
  readonly counts: TableCounts = { requests: 0, operations: 0, batches: 0 };
  /** Requests by method and table (`GET approvalaudit()`), for finding out where they go. */
  readonly byKind = new Map<string, number>();
  private server: http.Server | undefined;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  port = 0;

  constructor(private readonly targetPort: number) {}

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        this.count(req.method ?? '', req.url ?? '', body);
        const upstream = http.request(
          {
            host: '127.0.0.1',
            port: this.targetPort,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, host: `127.0.0.1:${this.targetPort}` },
            agent: this.agent,
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', (error) => {
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(String(error));
        });
        upstream.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server?.address() as AddressInfo).port;
  }

  private count(method: string, url: string, body: Buffer): void {
    this.counts.requests++;
    const what = /^\/[^/]+\/([^?(]*)(\(\)|\([^)]*\))?/.exec(url);
    const kind = `${method} ${what?.[1] ?? url}${what?.[2] === '()' ? '()' : what?.[2] ? '(key)' : ''}`;
    this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + 1);
    if (/\/\$batch(\?|$)/.test(url)) {
      this.counts.batches++;
      this.counts.operations += Math.max(1, body.toString('utf8').match(SUB_REQUEST)?.length ?? 0);
    } else {
      this.counts.operations++;
    }
  }

  snapshot(): TableCounts {
    return { ...this.counts };
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

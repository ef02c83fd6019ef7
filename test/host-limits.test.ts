/**
 * The host's limits on requests (host/http/limits.ts, host/http/body.ts): the size of one body
 * (413, from Content-Length before reading, or as soon as a chunked body goes over), the bytes
 * all requests hold at once (503 with Retry-After), and how long a request may take to arrive.
 * Clients here see the answer, never a reset, and the host goes on serving.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../host/testing';

const APP = 'test/fixtures/basic-app';
const MIB = 1024 * 1024;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** Megabytes of status fields of the host process (VmRSS, VmHWM). */
function memoryMiB(host: TestHost, field: 'VmRSS' | 'VmHWM'): number {
  const status = fs.readFileSync(`/proc/${host.pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1]) / 1024;
}

/**
 * POSTs `size` bytes to `path` with Node's client, with a Content-Length or chunked, writing as
 * the socket takes it; `hold` keeps the last byte back until it resolves (a body in flight).
 */
function post(
  base: string,
  path: string,
  size: number,
  options: { chunked?: boolean; hold?: Promise<unknown>; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { ...(options.chunked ? {} : { 'content-length': String(size) }), ...options.headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode as number,
            headers: res.headers,
            body: text ? JSON.parse(text) : {},
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    const chunk = Buffer.alloc(64 * 1024, 120);
    let sent = 0;
    const write = () => {
      while (sent < size - 1) {
        const n = Math.min(chunk.length, size - 1 - sent);
        sent += n;
        if (!req.write(chunk.subarray(0, n))) return void req.once('drain', write);
      }
      void Promise.resolve(options.hold).then(() => req.end(size > 0 ? 'x' : undefined));
    };
    if (options.headers?.expect) req.once('continue', write);
    else write();
  });
}

describe('the size of one request', () => {
  let host: TestHost;
  beforeAll(async () => {
    // The default limit: Azure's 100 MB.
    host = await startTestHost({ app: APP });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('answers 413 naming the limit to a Content-Length over it, before reading the body', async () => {
    const before = memoryMiB(host, 'VmHWM');
    const answer = await post(host.url, '/api/whoami', 300_000_000);
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    expect(answer.body).toEqual({
      error: 'Request body too large: the limit is 104857600 bytes (SIGNOFF_MAX_REQUEST_BYTES)',
      maxRequestBytes: 104_857_600,
    });
    // Nothing of it was kept.
    expect(memoryMiB(host, 'VmHWM') - before).toBeLessThan(50);
  });

  it('answers 413 to a client that asks first (Expect: 100-continue) before it sends anything', async () => {
    let continued = false;
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(new URL('/api/whoami', host.url), {
        method: 'POST',
        agent: false,
        headers: { 'content-length': '200000000', expect: '100-continue' },
      });
      req.on('continue', () => {
        continued = true;
        req.destroy();
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode as number);
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(status).toBe(413);
    expect(continued).toBe(false);
  });

  it('answers 413 to a chunked body as soon as it goes over, and the client gets the answer', async () => {
    for (let i = 0; i < 3; i++) {
      const answer = await post(host.url, '/api/whoami', 150_000_000, { chunked: true });
      expect(answer.status).toBe(413);
      expect(answer.body.maxRequestBytes).toBe(104_857_600);
    }
    // With fetch too (undici), streaming a body of unknown length.
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 150_000_000) return controller.close();
        sent += 1 << 20;
        controller.enqueue(new Uint8Array(1 << 20));
      },
    });
    const res = await fetch(`${host.url}/api/whoami`, {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(sent).toBeLessThan(150_000_000);
  });

  it('keeps serving, within a sane footprint', async () => {
    expect((await host.get('/api/hello/still')).status).toBe(200);
    const answer = await post(host.url, '/api/echo?code=x', 10 * MIB);
    expect(answer.status).toBe(401);
    const whoami = await post(host.url, '/api/whoami', 90_000_000);
    expect(whoami.status).toBe(200);
    // Over-limit bodies were dropped as they came; one of 100 MB read whole, then let go.
    expect(memoryMiB(host, 'VmRSS')).toBeLessThan(600);
  });
});

describe('the bytes all requests hold at once', () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost({
      app: APP,
      env: { SIGNOFF_MAX_REQUEST_BYTES: '16MiB', SIGNOFF_MAX_BUFFERED_BYTES: '40MiB' },
    });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('answers 503 with Retry-After beyond the cap instead of buffering, and takes bodies again once they are done', async () => {
    const baseline = memoryMiB(host, 'VmRSS');
    let finish: () => void = () => undefined;
    const hold = new Promise<void>((resolve) => {
      finish = resolve;
    });
    // Six bodies of 15 MiB at once, each kept from finishing: two fit in 40 MiB, and the other
    // four are answered while those two are still in flight.
    const inFlight = Array.from({ length: 6 }, () => post(host.url, '/api/whoami', 15 * MIB, { hold }));
    const refused: Answer[] = [];
    for (const answer of inFlight) {
      void answer.then((a) => {
        if (a.status === 503) refused.push(a);
      });
    }
    const deadline = Date.now() + 20_000;
    while (refused.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(refused).toHaveLength(4);
    for (const answer of refused) {
      expect(answer.headers['retry-after']).toBe('1');
      expect(answer.headers.connection).toBe('close');
      expect(answer.body).toEqual({
        error:
          'The host is holding as many request bytes as it may (41943040 bytes, SIGNOFF_MAX_BUFFERED_BYTES); retry later',
        maxBufferedBytes: 41_943_040,
      });
    }
    // A chunked body is refused too, once it would go over.
    const chunked = await post(host.url, '/api/whoami', 15 * MIB, { chunked: true });
    expect(chunked.status).toBe(503);
    const peak = memoryMiB(host, 'VmHWM');

    finish();
    const statuses = (await Promise.all(inFlight)).map((a) => a.status).sort();
    expect(statuses).toEqual([200, 200, 503, 503, 503, 503]);
    // Their room is free again.
    expect((await post(host.url, '/api/whoami', 15 * MIB)).status).toBe(200);
    expect((await post(host.url, '/api/whoami', 15 * MIB, { chunked: true })).status).toBe(200);
    expect(peak - baseline).toBeLessThan(200);
  });
});

describe('how long a request may take to arrive', () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost({
      app: APP,
      env: { SIGNOFF_HEADERS_TIMEOUT: '1', SIGNOFF_REQUEST_TIMEOUT: 'PT3S' },
    });
  });
  afterAll(async () => {
    await host?.stop();
  });

  /**
   * Sends `text` on a raw connection (then `trickle` every 200 ms) and resolves with what came
   * back when it closed, when, and the error the client saw, if any.
   */
  function rawRequest(
    text: string,
    trickle?: string,
  ): Promise<{ reply: string; ms: number; error?: string }> {
    const url = new URL(host.url);
    return new Promise((resolve) => {
      const started = Date.now();
      const socket = net.connect(Number(url.port), url.hostname, () => socket.write(text));
      let reply = '';
      let timer: NodeJS.Timeout | undefined;
      if (trickle) timer = setInterval(() => socket.writable && socket.write(trickle), 200);
      socket.on('data', (d) => {
        reply += d.toString();
      });
      let error: string | undefined;
      socket.on('error', (e: NodeJS.ErrnoException) => {
        error = e.code;
      });
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ reply, ms: Date.now() - started, error });
      });
    });
  }

  it('cuts off a request whose headers never finish', async () => {
    const { reply, ms, error } = await rawRequest('GET /api/hello/slow HTTP/1.1\r\nHost: x\r\nX-Never: ends');
    expect(error).toBeUndefined();
    expect(reply).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(3000);
  });

  it('cuts off a request whose body comes too slowly', async () => {
    const { reply, ms, error } = await rawRequest(
      'POST /api/whoami HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n',
      'x',
    );
    // Node answers 408 and closes at once; a client caught writing its next byte may see the
    // reset instead (Node's own timeout handling, not the host's refusals).
    if (error === undefined) expect(reply).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
    else expect(['ECONNRESET', 'EPIPE']).toContain(error);
    expect(ms).toBeGreaterThanOrEqual(2900);
    expect(ms).toBeLessThan(6000);
  });

  it('does not limit how long the answer takes', async () => {
    // A start that waits for the instance's end, which comes after the request timeout.
    const started = Date.now();
    const answer = host.system.post(
      '/runtime/webhooks/durabletask/orchestrators/status/late-answer?timeout=20',
    );
    await new Promise((r) => setTimeout(r, 3500));
    expect((await host.client.raiseEvent('late-answer', 'go', 'worth the wait')).status).toBe(202);
    const res = await answer;
    expect(res.status).toBe(200);
    expect(res.body).toBe('worth the wait');
    expect(Date.now() - started).toBeGreaterThan(3500);
  });
});

describe('bad settings', () => {
  it.each([
    ['SIGNOFF_MAX_REQUEST_BYTES', 'a lot'],
    ['SIGNOFF_MAX_BUFFERED_BYTES', '10'],
    ['SIGNOFF_REQUEST_TIMEOUT', 'soon'],
    ['SIGNOFF_HEADERS_TIMEOUT', 'PT10M'],
  ])('%s=%s stops the host at start, naming it', async (name, value) => {
    await expect(startTestHost({ app: APP, env: { [name]: value } })).rejects.toThrow(
      new RegExp(`host exited with 1 before listening:[\\s\\S]*${name}: `),
    );
  });
});

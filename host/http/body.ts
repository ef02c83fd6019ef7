/**
 * The bytes of a request and of an answer: reading a body within the host's limits (limits.ts),
 * writing JSON or text.
 *
 * Two limits hold while a body is read: its own size (`maxRequestBytes`: 413, from Content-Length
 * before a byte of it is read, else as soon as a chunked body goes over), and the bytes all
 * requests hold at once (`maxBufferedBytes`: 503 with Retry-After rather than buffering more). A
 * body counts against the second from its first byte (all of its Content-Length at once) until
 * its response is done. A refused request is answered, and its connection closed without a reset:
 * the client is still sending, so the host half-closes and drops what still arrives for a moment
 * before it lets the socket go (a socket closed with unread bytes is reset by the kernel, and the
 * client would see the reset instead of the answer).
 */
import type http from 'node:http';
import type { Socket } from 'node:net';
import { HostError } from '../common/errors';
import { DEFAULT_REQUEST_LIMITS, type RequestLimits } from './limits';

/** A body the host would not read. `answered` when the reader had the response to answer it. */
export class BodyRefusedError extends HostError {
  readonly code: 'BODY_TOO_LARGE' | 'HOST_BUSY';
  readonly retryable: boolean;
  answered = false;

  constructor(
    readonly status: 413 | 503,
    message: string,
    readonly details: Record<string, number>,
  ) {
    super(message);
    this.code = status === 413 ? 'BODY_TOO_LARGE' : 'HOST_BUSY';
    this.retryable = status === 503;
  }
}

/** How long a refused request's connection may go on sending (dropped) before it is closed. */
const LINGER_MS = 3000;
/** Seconds a client is told to wait before it retries a request refused for lack of room. */
const RETRY_AFTER_SECONDS = 1;

let limits: RequestLimits = DEFAULT_REQUEST_LIMITS;
let buffered = 0;

/** The limits every body is read within, from the host's settings (one host per process). */
export function useRequestLimits(value: RequestLimits): void {
  limits = value;
}

/** Bytes of request bodies being read or held right now. */
export function bufferedBodyBytes(): number {
  return buffered;
}

export function send(
  res: http.ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type':
      typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    ...headers,
  });
  res.end(text);
}

/**
 * At the front door, before routing or authentication: a request whose Content-Length is over
 * the limit is answered 413 without reading its body. True when it was.
 */
export function refuseOversized(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const declared = contentLength(req);
  if (declared === undefined || declared <= limits.maxRequestBytes) return false;
  answerRefusal(req, res, tooLarge());
  return true;
}

/**
 * The request's body, whole. With `res`, a body over a limit is answered here (413 or 503, the
 * connection closed cleanly) and the promise rejects with {@link BodyRefusedError} `answered`;
 * without it, the caller answers.
 */
export function readBody(req: http.IncomingMessage, res?: http.ServerResponse): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    // With a Content-Length the body is written into one buffer as it comes (no second copy).
    let whole: Buffer | undefined;
    let size = 0;
    let held = 0;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      buffered -= held;
      held = 0;
    };
    const take = (bytes: number): boolean => {
      if (buffered + bytes > limits.maxBufferedBytes) return false;
      buffered += bytes;
      held += bytes;
      return true;
    };
    const stop = () => {
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
      chunks = [];
      whole = undefined;
    };
    const refuse = (error: BodyRefusedError) => {
      stop();
      release();
      if (res && answerable) {
        answerRefusal(req, res, error);
        error.answered = true;
      } else {
        req.resume();
      }
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      if (released) return;
      size += chunk.length;
      if (size > limits.maxRequestBytes) return refuse(tooLarge());
      if (size > held && !take(size - held)) return refuse(busy());
      if (whole && size > whole.length) {
        // More than it declared (the HTTP parser does not let that happen): gather it instead.
        chunks = [whole.subarray(0, size - chunk.length)];
        whole = undefined;
      }
      if (whole) chunk.copy(whole, size - chunk.length);
      else chunks.push(chunk);
    };
    const onEnd = () => {
      const body = whole ? whole.subarray(0, size) : Buffer.concat(chunks);
      stop();
      if (!answerable) release();
      resolve(body);
    };
    const onError = (error: Error) => {
      stop();
      release();
      reject(error);
    };

    // The body counts until its response is done (the app holds it meanwhile), or until the
    // connection closes before it has all come.
    const answerable = res !== undefined && !res.closed;
    res?.once('close', () => {
      release();
      stop();
      reject(new Error('the connection closed before the request body had come'));
    });
    const declared = contentLength(req);
    if (declared !== undefined) {
      if (declared > limits.maxRequestBytes) return refuse(tooLarge());
      if (!take(declared)) return refuse(busy());
      whole = Buffer.allocUnsafe(declared);
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function contentLength(req: http.IncomingMessage): number | undefined {
  const text = req.headers['content-length'];
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

function tooLarge(): BodyRefusedError {
  const max = limits.maxRequestBytes;
  return new BodyRefusedError(
    413,
    `Request body too large: the limit is ${max} bytes (SIGNOFF_MAX_REQUEST_BYTES)`,
    { maxRequestBytes: max },
  );
}

function busy(): BodyRefusedError {
  const max = limits.maxBufferedBytes;
  return new BodyRefusedError(
    503,
    `The host is holding as many request bytes as it may (${max} bytes, SIGNOFF_MAX_BUFFERED_BYTES); retry later`,
    { maxBufferedBytes: max },
  );
}

function answerRefusal(req: http.IncomingMessage, res: http.ServerResponse, error: BodyRefusedError): void {
  // What the client still sends is read and dropped: nothing of it is kept.
  req.resume();
  if (res.headersSent) {
    req.socket.destroy();
    return;
  }
  closeGently(req.socket);
  send(
    res,
    error.status,
    { error: error.message, ...error.details },
    {
      Connection: 'close',
      ...(error.status === 503 ? { 'Retry-After': String(RETRY_AFTER_SECONDS) } : {}),
    },
  );
}

/**
 * The HTTP server ends a `Connection: close` response with `socket.destroySoon()`: FIN, then the
 * socket closed as soon as the answer is written, which resets the connection when the client is
 * still sending (an early answer: a refusal, a 401 to a large body). Here it half-closes instead,
 * drops what still arrives, and closes when the client does (having read the answer), or after
 * LINGER_MS. The host does this on every connection.
 */
export function closeGently(socket: Socket): void {
  socket.destroySoon = () => {
    if (socket.writable) socket.end();
    if (socket.destroyed) return;
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };
}

/**
 * A minimal WebSocket client (RFC 6455: text frames, fragmentation, ping/pong, close; no
 * extensions), enough to follow the Agents Playground's two streams. Node 20 has no WebSocket
 * global without a flag, and the project has no direct WebSocket dependency.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { Duplex } from 'node:stream';

const ACCEPT_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export class WebSocketClient {
  private buffer: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private closed = false;
  private readonly closeListeners: Array<() => void> = [];

  private constructor(
    private readonly socket: Duplex,
    private readonly onText: (text: string) => void,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => this.markClosed());
    socket.on('error', () => this.markClosed());
  }

  /** Opens `url` (ws://host:port/path); `onText` gets every text message, in order. */
  static connect(url: string, onText: (text: string) => void, timeoutMs = 5_000): Promise<WebSocketClient> {
    const target = new URL(url);
    const key = crypto.randomBytes(16).toString('base64');
    const expected = crypto
      .createHash('sha1')
      .update(key + ACCEPT_GUID)
      .digest('base64');
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        timeout: timeoutMs,
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': key,
        },
      });
      req.once('upgrade', (res, socket, head) => {
        if (res.headers['sec-websocket-accept'] !== expected) {
          socket.destroy();
          reject(new Error(`WebSocket handshake with ${url} failed: bad Sec-WebSocket-Accept`));
          return;
        }
        const client = new WebSocketClient(socket, onText);
        if (head.length > 0) client.receive(head);
        resolve(client);
      });
      req.once('response', (res) => {
        res.resume();
        reject(new Error(`WebSocket handshake with ${url} answered HTTP ${res.statusCode}`));
      });
      req.once('timeout', () => req.destroy(new Error(`WebSocket handshake with ${url} timed out`)));
      req.once('error', reject);
      req.end();
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  close(): void {
    if (this.closed) return;
    this.send(0x8, Buffer.from([0x03, 0xe8])); // 1000: normal closure
    this.socket.end();
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.closeListeners.splice(0)) listener();
  }

  /** Client frames are always masked (RFC 6455 5.3). */
  private send(opcode: number, payload: Buffer): void {
    if (this.socket.destroyed) return;
    const mask = crypto.randomBytes(4);
    const length = payload.length;
    const header =
      length < 126
        ? Buffer.from([0x80 | opcode, 0x80 | length])
        : Buffer.from([0x80 | opcode, 0x80 | 126, length >> 8, length & 0xff]);
    const masked = Buffer.alloc(length);
    for (let i = 0; i < length; i++) masked[i] = (payload[i] as number) ^ (mask[i % 4] as number);
    this.socket.write(Buffer.concat([header, mask, masked]));
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const frame = this.readFrame();
      if (!frame) return;
      this.handle(frame.fin, frame.opcode, frame.payload);
    }
  }

  private readFrame(): { fin: boolean; opcode: number; payload: Buffer } | undefined {
    const b = this.buffer;
    if (b.length < 2) return undefined;
    const first = b[0] as number;
    const second = b[1] as number;
    let offset = 2;
    let length = second & 0x7f;
    if (length === 126) {
      if (b.length < 4) return undefined;
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return undefined;
      length = Number(b.readBigUInt64BE(2));
      offset = 10;
    }
    const masked = (second & 0x80) !== 0;
    const maskKey = masked ? b.subarray(offset, offset + 4) : undefined;
    if (masked) offset += 4;
    if (b.length < offset + length) return undefined;
    let payload = b.subarray(offset, offset + length);
    if (maskKey) {
      payload = Buffer.from(payload);
      for (let i = 0; i < payload.length; i++)
        payload[i] = (payload[i] as number) ^ (maskKey[i % 4] as number);
    }
    this.buffer = b.subarray(offset + length);
    return { fin: (first & 0x80) !== 0, opcode: first & 0x0f, payload };
  }

  private handle(fin: boolean, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case 0x0: // continuation
      case 0x1: // text
      case 0x2: // binary (not used by the Playground; treated as text)
        this.fragments.push(payload);
        if (fin) {
          const text = Buffer.concat(this.fragments).toString('utf8');
          this.fragments = [];
          this.onText(text);
        }
        return;
      case 0x8:
        this.close();
        return;
      case 0x9:
        this.send(0xa, payload);
        return;
      default:
        return;
    }
  }
}

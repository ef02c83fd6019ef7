/**
 * One worker process, from the host's side: forked with the app directory, its IPC channel
 * (V8 serialization), its stdout and stderr passed on to the host's own line by line (so the
 * host's log stays one JSON object a line), and a lifeline: a pipe whose other end is the
 * worker's descriptor 4, which the worker's watchdog reads (worker.ts) to end with the host.
 *
 * Calls (an invocation, the app's hooks) are matched to their answers by id; when the process
 * ends, every call still waiting is rejected with a {@link WorkerGoneError}.
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { AppRegistrations } from './core';
import { type HostMessage, LIFELINE_FD, type Thrown, type WorkerMessage } from './protocol';

/** Why the process ended, for logs and for the calls it leaves unanswered. */
export class WorkerGoneError extends Error {
  constructor(
    readonly pid: number | undefined,
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
  ) {
    super(signal ? `was killed (${signal})` : `exited with code ${code}`);
    this.name = 'WorkerGoneError';
  }
}

export type LoadOutcome =
  | { ok: true; registrations: AppRegistrations }
  | { ok: false; error?: Thrown; gone?: WorkerGoneError };

export type HostCall = HostMessage extends infer M
  ? M extends { id: number }
    ? Omit<M, 'id'>
    : never
  : never;
export type CallAnswer = Exclude<WorkerMessage, { type: 'loaded' | 'loadFailed' | 'pong' }>;

const ENTRY = path.join(__dirname, `worker${path.extname(__filename)}`);

/**
 * V8's young generation of a worker process: semi-spaces of 4 MiB instead of Node's 16 MiB. A
 * worker's garbage is short-lived (an invocation's payloads), so the smaller nursery costs little
 * CPU, and it keeps 24 MiB of young generation out of every worker's resident set. The app's own
 * `languageWorkers__node__arguments` come after it, so that a `--max-semi-space-size` there wins.
 */
export const WORKER_V8_DEFAULTS = ['--max-semi-space-size=4'];

export interface WorkerProcessOptions {
  appDir: string;
  /** The host's log level, for the worker's own logger. */
  logLevel: string;
  /** Extra node options (`languageWorkers__node__arguments`). */
  nodeArguments: string[];
}

export class WorkerProcess {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<number, { resolve(m: CallAnswer): void; reject(e: Error): void }>();
  private nextId = 1;
  readonly startedAt = Date.now();
  /** Resolves once the app is loaded (or failed to load, or the process ended first). */
  readonly loaded: Promise<LoadOutcome>;
  /** Resolves when the process has ended, with how it ended. */
  readonly exited: Promise<WorkerGoneError>;
  /** Set once the host asked it to end (a restart, a timeout, shutdown). */
  stopping = false;
  /** When the ping it has not answered yet was sent (it answers when its event loop is free). */
  private pingSentAt: number | undefined;

  constructor(options: WorkerProcessOptions) {
    this.child = fork(ENTRY, [options.appDir], {
      // TypeScript support first, as the host's own bin does: the app may be TypeScript.
      execArgv: [...WORKER_V8_DEFAULTS, ...options.nodeArguments, '--require', require.resolve('tsx/cjs')],
      env: { ...process.env, SIGNOFF_LOG_LEVEL: options.logLevel },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc', 'pipe'],
      serialization: 'advanced',
    });
    // Never written or read here: it only has to stay open while this process lives.
    const lifeline = this.child.stdio[LIFELINE_FD] as (Readable & { unref?(): void }) | null;
    lifeline?.on('error', () => undefined);
    lifeline?.unref?.();
    passLines(this.child.stdout, process.stdout);
    passLines(this.child.stderr, process.stderr);
    this.child.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        const gone = new WorkerGoneError(this.child.pid, code, signal);
        for (const call of this.waiting.values()) call.reject(gone);
        this.waiting.clear();
        resolve(gone);
      });
    });
    this.loaded = new Promise((resolve) => {
      const onMessage = (message: WorkerMessage) => {
        if (message.type === 'loaded') resolve({ ok: true, registrations: message.registrations });
        else if (message.type === 'loadFailed') resolve({ ok: false, error: message.error });
      };
      this.child.on('message', onMessage);
      void this.exited.then((gone) => resolve({ ok: false, gone }));
    });
    this.child.on('message', (message: WorkerMessage) => {
      // Anything it says shows its event loop is free.
      this.pingSentAt = undefined;
      if (message.type === 'loaded' || message.type === 'loadFailed' || message.type === 'pong') return;
      const call = this.waiting.get(message.id);
      if (!call) return;
      this.waiting.delete(message.id);
      call.resolve(message);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Calls in flight: invocations and hooks sent and not yet answered. */
  get busy(): number {
    return this.waiting.size;
  }

  /**
   * How long its event loop has been busy, as far as the host can tell: the time since a ping it
   * has not answered (0 when it has answered every ping).
   */
  stalledFor(now: number): number {
    return this.pingSentAt === undefined ? 0 : now - this.pingSentAt;
  }

  /** Asks the worker to show its event loop is free, unless a question is already out. */
  ping(now: number): void {
    if (this.pingSentAt !== undefined) return;
    this.pingSentAt = now;
    this.post({ type: 'ping' });
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends a call; its answer, or a {@link WorkerGoneError} if the process ends first. */
  call(message: HostCall): Promise<CallAnswer> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!this.alive) {
        reject(new WorkerGoneError(this.pid, this.child.exitCode, this.child.signalCode));
        return;
      }
      // Rejected with the others when the process ends, however far the message got.
      this.waiting.set(id, { resolve, reject });
      this.post({ ...message, id } as HostMessage);
    });
  }

  /** Sends a message that has no answer. */
  post(message: HostMessage): void {
    if (!this.child.connected) return;
    // A failed send means the process is ending: its exit rejects what waits.
    this.child.send(message, (error) => {
      if (error) this.kill();
    });
  }

  /** Ends the process at once (it may be stuck in a function that never yields). */
  kill(): void {
    this.stopping = true;
    if (this.alive) this.child.kill('SIGKILL');
  }

  /** Ends the process: the channel closes and the worker exits; killed after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (!this.alive) return;
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Passes a child's output on in whole lines, so that its lines and the host's never interleave. */
function passLines(from: Readable | null, to: Writable): void {
  if (!from) return;
  let partial = '';
  from.setEncoding('utf8');
  from.on('data', (chunk: string) => {
    const end = chunk.lastIndexOf('\n');
    if (end < 0) {
      partial += chunk;
      return;
    }
    to.write(partial + chunk.slice(0, end + 1));
    partial = chunk.slice(end + 1);
  });
  from.on('end', () => {
    if (partial) to.write(`${partial}\n`);
    partial = '';
  });
}

/**
 * The host under benchmark: a real `signoff-host` child process (durable mode, the store's
 * default `synchronous=FULL`) on its own data directory, with its memory (and its worker
 * processes') read from /proc.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The checkout whose host and apps are measured: this one, or BENCH_TREE (compare mode runs this
 * driver against another commit's worktree, so both sides are measured by the same code).
 */
export const BENCH_TREE = path.resolve(process.env.BENCH_TREE || path.join(__dirname, '..'));
const BIN = path.join(BENCH_TREE, 'host', 'bin', 'signoff-host.cjs');
export const BENCH_APP = path.join(BENCH_TREE, 'bench', 'app');
const STORE_FILES = ['signoff.db', 'signoff.db-wal', 'signoff.db-shm'];

/** The system key of every host this run starts: the management API needs it. */
export const SYSTEM_KEY = randomBytes(24).toString('base64url');

export class HostStartError extends Error {
  readonly code = 'HOST_START';
}

export interface HostMemory {
  /** Resident set now, bytes: the host and its worker processes. */
  rss: number;
  /**
   * Peak resident set (VmHWM), bytes: the host's own peak plus each live worker's (the sum of
   * peaks, which may have come at different moments).
   */
  peakRss: number;
}

/** How to start a host beyond the defaults: extra CLI arguments and environment. */
export interface HostVariant {
  /** The function app to run (default the bench app, bench/app). */
  app?: string;
  args?: string[];
  env?: Record<string, string>;
}

export function tempDataDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `signoff-bench-${label}-`));
}

/** Bytes of the SQLite store (database, WAL and shared-memory index) in a data directory. */
export function storeBytes(dataDir: string): number {
  let total = 0;
  for (const name of STORE_FILES) {
    const file = path.join(dataDir, name);
    if (fs.existsSync(file)) total += fs.statSync(file).size;
  }
  return total;
}

/** A loopback port that was free a moment ago, for a restart whose listening time we measure ourselves. */
export { freePort } from '../host/azurite';

export class BenchHost {
  private output = '';
  private exited: Promise<number | null>;
  readonly url: string;

  private constructor(
    private readonly child: ChildProcess,
    url: string,
    exited: Promise<number | null>,
  ) {
    this.url = url;
    this.exited = exited;
  }

  /**
   * Spawns the host. With `port` 0 it resolves once the host prints its banner; with a fixed
   * port it resolves at once and the caller polls for readiness.
   */
  static async spawn(dataDir: string, port = 0, variant: HostVariant = {}): Promise<BenchHost> {
    const nodeArgs = (process.env.BENCH_HOST_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    // e.g. BENCH_HOST_ARGS=--in-process: the app on the host's event loop, as before workers.
    const hostArgs = (process.env.BENCH_HOST_ARGS ?? '').split(/\s+/).filter(Boolean);
    const args = [
      ...nodeArgs,
      BIN,
      'start',
      '--app',
      variant.app ?? BENCH_APP,
      '--port',
      String(port),
      '--data',
      dataDir,
      '--log-level',
      'warn',
      ...hostArgs,
      ...(variant.args ?? []),
    ];
    const child = spawn(process.execPath, args, {
      env: { ...process.env, SIGNOFF_LOG_LEVEL: 'warn', SIGNOFF_SYSTEM_KEY: SYSTEM_KEY, ...variant.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-20_000);
        if (port !== 0) return;
        const m = /listening on (http:\/\/\S+)/.exec(output);
        if (m) resolve(m[1] as string);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => reject(new HostStartError(`host exited with ${code}:\n${output}`)));
      if (port !== 0) resolve(`http://127.0.0.1:${port}`);
    });
    const host = new BenchHost(child, url, exited);
    host.output = output;
    child.stdout?.on('data', (c: Buffer) => host.keep(c));
    child.stderr?.on('data', (c: Buffer) => host.keep(c));
    return host;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** The last lines the host printed (warnings and errors only, at log level warn). */
  get recentOutput(): string {
    return this.output;
  }

  private keep(chunk: Buffer): void {
    this.output = (this.output + chunk.toString()).slice(-20_000);
  }

  memory(): HostMemory {
    return processTreeMemory(this.pid);
  }

  /** SIGTERM, and waits for the host's clean shutdown (it closes the store); SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 60_000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * A process's memory with its children's (worker processes): resident set now, and the sum of
 * each process's own peak (VmHWM).
 */
export function processTreeMemory(root: number): HostMemory {
  let rss = 0;
  let peakRss = 0;
  for (const pid of [root, ...childrenOf(root)]) {
    const status = readStatus(pid);
    if (status === undefined) continue;
    const kib = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    rss += kib('VmRSS') * 1024;
    peakRss += kib('VmHWM') * 1024;
  }
  return { rss, peakRss };
}

const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, ms) used so far by a process and its live children (the host and its
 * worker processes), from /proc/<pid>/stat. Less sensitive than wall time to a shared machine's
 * load: the figure to compare work per request with.
 */
export function processTreeCpuMs(root: number): number {
  let ticks = 0;
  for (const pid of [root, ...childrenOf(root)]) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command (which may hold spaces) in parentheses; utime and stime are 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

function readStatus(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
}

/** The PIDs of a process's children (its worker processes), from /proc. */
function childrenOf(parent: number): number[] {
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const status = readStatus(Number(name));
    if (status && Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) === parent) found.push(Number(name));
  }
  return found;
}

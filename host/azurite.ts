/**
 * Azurite, the Azure Storage emulator, as a child process: `npm start` and the test setup use it
 * for `AzureWebJobsStorage`. Its Blob, Queue and Table services run in one process, each on its
 * own port, and the connection string names all three endpoints (the app's tables, and the
 * storage bindings and triggers, host/bindings/).
 *
 * It ends with the process that started it, however that one ends (lifeline.ts). As a second line
 * of defence, with a `pidFile` its PID is written there, and the next start stops an Azurite the
 * file names (when it is this Azurite on this data, not some other process that got the PID).
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { isPortFree, portInUseMessage } from './common/ports';
import { spawnTiedNode } from './lifeline';

export interface AzuriteHandle {
  blobPort: number;
  queuePort: number;
  tablePort: number;
  /** Default ports that were taken, each as "port 10002 is in use by PID …", with its stand-in. */
  moved: Array<{ service: 'Blob' | 'Queue' | 'Table'; from: number; to: number; why: string }>;
  /** Names the three endpoints, with the emulator's well-known account and key. */
  connectionString: string;
  stop(): Promise<void>;
}

export interface AzuriteOptions {
  /** The Table service's port; a free one when not given (or 0). */
  port?: number;
  /** The Blob service's port; a free one when not given (or 0). */
  blobPort?: number;
  /** The Queue service's port; a free one when not given (or 0). */
  queuePort?: number;
  /**
   * The ports are Azurite's own defaults, not asked for: one that is taken (another Azurite, a
   * test run) is replaced by a free port, and the handle's `moved` says so. Without it a taken
   * port stops the start with an error naming the port and what holds it.
   */
  portsMovable?: boolean;
  /** Where Azurite keeps its data; in memory when not given. */
  dataDir?: string;
  /** Where its PID is kept, so that a later start can stop an Azurite left running on `dataDir`. */
  pidFile?: string;
}

/** Where the CLI keeps the PID of its Azurite, in the data directory. */
export const AZURITE_PID_FILE = 'azurite.pid';

const ACCOUNT = 'devstoreaccount1';
/** How long Azurite gets to close cleanly (SIGINT, it saves its data) before SIGKILL. */
const STOP_GRACE_MS = 5000;
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Azurite's own ports, which tools such as Storage Explorer expect of a local emulator. */
const DEFAULT_PORTS = { blobPort: 10000, queuePort: 10001, port: 10002 } as const;
const PORT_SETTINGS = {
  blobPort: 'AZURITE_BLOB_PORT',
  queuePort: 'AZURITE_QUEUE_PORT',
  port: 'AZURITE_TABLE_PORT',
} as const;

/**
 * The ports `--azurite` asks for, from AZURITE_BLOB_PORT, AZURITE_QUEUE_PORT and
 * AZURITE_TABLE_PORT: with none of them set, Azurite's own 10000, 10001 and 10002; once any is
 * set, the others are free ports, as is any set to 0. A bad value throws, naming the setting.
 * Defaults are movable (a taken one becomes a free port); ports that were set are not.
 */
export function azuritePortsFrom(
  env: Record<string, string | undefined>,
): Pick<AzuriteOptions, 'blobPort' | 'queuePort' | 'port' | 'portsMovable'> {
  const anySet = Object.values(PORT_SETTINGS).some((name) => env[name] !== undefined);
  const ports: Pick<AzuriteOptions, 'blobPort' | 'queuePort' | 'port' | 'portsMovable'> = {
    portsMovable: !anySet,
  };
  for (const [key, name] of Object.entries(PORT_SETTINGS) as Array<[keyof typeof PORT_SETTINGS, string]>) {
    const text = env[name];
    if (text === undefined) {
      ports[key] = anySet ? 0 : DEFAULT_PORTS[key];
      continue;
    }
    const port = Number(text);
    if (!/^\d+$/.test(text) || port > 65535)
      throw new RangeError(`${name} must be a port 0-65535, got "${text}"`);
    ports[key] = port;
  }
  return ports;
}

/** Azurite's compiled sources: every entry point (all services, or one) is under it. */
const DIST = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src');
/** The entry point that runs the Blob, Queue and Table services together. */
const BIN = path.join(DIST, 'azurite.js');
const SERVICES = ['Blob', 'Queue', 'Table'] as const;

/**
 * Starts Azurite's Blob, Queue and Table services; `dataDir` undefined keeps everything in memory.
 * With `pidFile`, an Azurite left running on the same `dataDir` by an earlier process (its PID in
 * that file) is stopped first, and this one's PID is written there.
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<AzuriteHandle> {
  const { pidFile } = options;
  // First: a leftover Azurite on this data holds the ports this one wants.
  if (pidFile) await stopLeftover(pidFile, options.dataDir);
  const moved: AzuriteHandle['moved'] = [];
  const portFor = async (
    service: 'Blob' | 'Queue' | 'Table',
    wanted: number | undefined,
    setting: string,
  ) => {
    if (!wanted) return freePort();
    if (await isPortFree(wanted)) return wanted;
    const why = portInUseMessage(wanted);
    if (!options.portsMovable) throw new Error(`the ${service} service's ${why} (${setting})`);
    const to = await freePort();
    moved.push({ service, from: wanted, to, why });
    return to;
  };
  const tablePort = await portFor('Table', options.port, PORT_SETTINGS.port);
  const blobPort = await portFor('Blob', options.blobPort, PORT_SETTINGS.blobPort);
  const queuePort = await portFor('Queue', options.queuePort, PORT_SETTINGS.queuePort);
  const args = [
    BIN,
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    String(blobPort),
    '--queueHost',
    '127.0.0.1',
    '--queuePort',
    String(queuePort),
    '--tableHost',
    '127.0.0.1',
    '--tablePort',
    String(tablePort),
    '--skipApiVersionCheck',
    '--disableTelemetry',
    // No access log: a line per request that nobody reads.
    '--silent',
  ];
  if (options.dataDir) {
    fs.mkdirSync(options.dataDir, { recursive: true });
    args.push('--location', options.dataDir);
  } else {
    args.push('--inMemoryPersistence');
  }
  const child: ChildProcess = spawnTiedNode(args);
  const pid = child.pid;
  if (pidFile && pid !== undefined) {
    fs.writeFileSync(pidFile, `${pid}\n`);
    child.once('exit', () => {
      if (readPid(pidFile) === pid) fs.rmSync(pidFile, { force: true });
    });
  }
  let output = '';
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  await new Promise<void>((resolve, reject) => {
    // Each service says so when it listens; the three start one after the other.
    child.stdout?.on('data', () => {
      if (SERVICES.every((s) => output.includes(`Azurite ${s} service is successfully listening`))) resolve();
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      // Its last words say why (a port in use: "listen EADDRINUSE ... 127.0.0.1:10000").
      const lines = output.split('\n').filter((l) => l.trim());
      const why = lines.findLast((l) => /error|EADDRINUSE|EACCES/i.test(l)) ?? lines.at(-1) ?? '';
      reject(new Error(`Azurite exited with ${signal ?? code}: ${why.trim()}\n${output}`));
    });
  });
  // From here on its output (an access log line a request) is read and dropped, not kept.
  child.stdout?.removeAllListeners('data').resume();
  child.stderr?.removeListener('data', onData).resume();
  output = '';
  const endpoint = (port: number) => `http://127.0.0.1:${port}/${ACCOUNT}`;
  return {
    blobPort,
    queuePort,
    tablePort,
    moved,
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};` +
      `BlobEndpoint=${endpoint(blobPort)};QueueEndpoint=${endpoint(queuePort)};TableEndpoint=${endpoint(tablePort)};`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const hard = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        child.once('exit', () => {
          clearTimeout(hard);
          resolve();
        });
        // Azurite closes cleanly on SIGINT (on SIGTERM it dies at once, its last writes unsaved).
        child.kill('SIGINT');
      }),
  };
}

/**
 * Stops the Azurite that `pidFile` names, if it still runs on `dataDir` (an earlier host's, left
 * behind by a crash that its lifeline did not cover), and removes the file.
 */
async function stopLeftover(pidFile: string, dataDir: string | undefined): Promise<void> {
  const pid = readPid(pidFile);
  if (pid !== undefined && pid !== process.pid && isAzuriteOn(pid, dataDir)) {
    signal(pid, 'SIGINT');
    if (!(await exited(pid, STOP_GRACE_MS))) {
      signal(pid, 'SIGKILL');
      await exited(pid, STOP_GRACE_MS);
    }
  }
  fs.rmSync(pidFile, { force: true });
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` is Azurite on `dataDir`, by its command line: any of its entry points (all
 * services, or the Table service alone, as hosts before this one ran it).
 */
function isAzuriteOn(pid: number, dataDir: string | undefined): boolean {
  const command = commandLine(pid);
  if (command === undefined || !command.includes(DIST)) return false;
  return dataDir === undefined || command.includes(`--location ${dataDir}`);
}

function commandLine(pid: number): string | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return text ? text.split('\0').join(' ') : undefined;
  } catch {
    if (fs.existsSync('/proc/self')) return undefined;
  }
  try {
    // Where there is no /proc (macOS).
    return (
      execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Gone already.
  }
}

/** Whether `pid` is gone within `ms` (a zombie, dead but not yet reaped, counts as gone). */
async function exited(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (!isRunning(pid)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // Field 3 of /proc/<pid>/stat is the state; Z is a zombie.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

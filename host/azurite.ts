/**
 * Azurite, the Azure Storage emulator, as a child process: `npm start` and the test setup use it
 * for `AzureWebJobsStorage`. Only the Table service is started: it is what the app uses.
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
import { spawnTiedNode } from './lifeline';

export interface AzuriteHandle {
  tablePort: number;
  connectionString: string;
  stop(): Promise<void>;
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

const BIN = path.join(
  path.dirname(require.resolve('azurite/package.json')),
  'dist',
  'src',
  'table',
  'main.js',
);

/**
 * Starts Azurite's Table service; `dataDir` undefined keeps everything in memory. With `pidFile`,
 * an Azurite left running on the same `dataDir` by an earlier process (its PID in that file) is
 * stopped first, and this one's PID is written there.
 */
export async function startAzurite(
  options: { port?: number; dataDir?: string; pidFile?: string } = {},
): Promise<AzuriteHandle> {
  const tablePort = options.port ?? (await freePort());
  const bin = BIN;
  const args = [
    bin,
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
  const { pidFile } = options;
  if (pidFile) await stopLeftover(pidFile, options.dataDir);
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
    child.stdout?.on('data', () => {
      if (output.includes('successfully started')) resolve();
    });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      reject(new Error(`Azurite exited with ${signal ?? code}: ${output}`)),
    );
  });
  // From here on its output (an access log line a request) is read and dropped, not kept.
  child.stdout?.removeAllListeners('data').resume();
  child.stderr?.removeListener('data', onData).resume();
  output = '';
  return {
    tablePort,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};TableEndpoint=http://127.0.0.1:${tablePort}/${ACCOUNT};`,
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

/** Whether `pid` is Azurite's Table service on `dataDir`, by its command line. */
function isAzuriteOn(pid: number, dataDir: string | undefined): boolean {
  const command = commandLine(pid);
  if (command === undefined || !command.includes(BIN)) return false;
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

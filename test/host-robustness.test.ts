/**
 * The host and its data directory: one host per directory (host/dataLock.ts), and the processes a
 * host starts end with it, even when it is killed with SIGKILL (host/lifeline.ts, host/azurite.ts).
 * Real `signoff-host` processes throughout.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, isRunning, startAzurite } from '../host/azurite';
import { startTestHost, type TestHost } from '../host/testing';

const BIN = path.resolve('host/bin/signoff-host.cjs');
const APP = path.resolve('test/fixtures/basic-app');
const BINDINGS_APP = path.resolve('test/fixtures/bindings-app');
const AZURITE_MAIN = path.join(
  path.dirname(require.resolve('azurite/package.json')),
  'dist',
  'src',
  'table',
  'main.js',
);

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-robust-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A `signoff-host start` process, and what it printed. */
interface CliHost {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the URL once it listens; rejects with its output if it exits first. */
  listening: Promise<string>;
  /** Resolves with the exit code (or signal) when it exits. */
  exited: Promise<number | string>;
}

function startCli(args: string[], env: Record<string, string> = {}, app = APP): CliHost {
  const base = { ...process.env };
  for (const name of ['AZURITE_BLOB_PORT', 'AZURITE_QUEUE_PORT', 'AZURITE_TABLE_PORT']) delete base[name];
  const child = spawn(process.execPath, [BIN, 'start', '--app', app, '--port', '0', ...args], {
    env: { ...base, SIGNOFF_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? (code as number))),
  );
  const listening = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) resolve(m[1] as string);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => reject(new Error(`host exited (${code}) before listening:\n${output}`)));
  });
  listening.catch(() => undefined);
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  });
  return { child, output: () => output, listening, exited };
}

async function until(what: string, check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function readPid(file: string): number {
  return Number(fs.readFileSync(file, 'utf8').trim());
}

describe('one host per data directory', () => {
  let first: TestHost | undefined;
  afterEach(async () => {
    await first?.stop();
    first = undefined;
  });

  it('refuses a second host on the same directory at once, naming it and the first host’s PID', async () => {
    first = await startTestHost({ app: APP });
    const { id } = await first.client.start('status');
    await first.client.waitFor(
      id,
      ['Running'],
      (s) => (s.customStatus as { stage?: string })?.stage === 'two',
    );

    const started = Date.now();
    const second = startCli(['--data', first.options.dataDir]);
    const code = await second.exited;
    expect(code).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(second.output()).not.toMatch(/listening on/);
    expect(second.output()).toContain(
      `the data directory ${first.options.dataDir} is in use by another signoff-host (PID ${first.pid})`,
    );

    // The first host and its instance are untouched: the second one recovered nothing.
    expect((await first.client.raiseEvent(id, 'go', 'still mine')).status).toBe(202);
    const done = await first.client.waitFor(id, ['Completed']);
    expect(done.output).toBe('still mine');
  });

  it('is free again the moment its host is killed with SIGKILL', async () => {
    first = await startTestHost({ app: APP });
    const { id } = await first.client.start('status');
    await first.client.waitFor(
      id,
      ['Running'],
      (s) => (s.customStatus as { stage?: string })?.stage === 'two',
    );
    const killed = first.pid;
    await first.kill();
    await first.restart();
    expect(first.pid).not.toBe(killed);
    expect(fs.readFileSync(path.join(first.options.dataDir, 'host.pid'), 'utf8').trim()).toBe(
      String(first.pid),
    );
    expect((await first.client.raiseEvent(id, 'go', 'after the crash')).status).toBe(202);
    expect((await first.client.waitFor(id, ['Completed'])).output).toBe('after the crash');
  });

  it('lets the directory go when its host stops cleanly', async () => {
    first = await startTestHost({ app: APP });
    expect(await first.stop()).toBe(0);
    expect(fs.existsSync(path.join(first.options.dataDir, 'host.pid'))).toBe(false);
    await first.restart();
    expect((await first.get('/api/hello/again')).status).toBe(200);
  });
});

describe('Azurite ends with its host', () => {
  it('is gone within seconds of a SIGKILL of the host, and a restart on the same data and port serves', async () => {
    const data = tempDir();
    const port = await freePort();
    const env = { AZURITE_TABLE_PORT: String(port) };
    const host = startCli(['--azurite', '--data', data], env);
    await host.listening;
    const azurite = readPid(path.join(data, 'azurite.pid'));
    expect(isRunning(azurite)).toBe(true);

    host.child.kill('SIGKILL');
    await host.exited;
    await until(`Azurite (PID ${azurite}) ends after its host was killed`, () => !isRunning(azurite), 5000);

    const again = startCli(['--azurite', '--data', data], env);
    const url = await again.listening;
    expect(again.output()).toContain(`Azurite (Table) on http://127.0.0.1:${port}`);
    expect((await fetch(`${url}/api/hello/back`)).status).toBe(200);
    const tables = await fetch(`http://127.0.0.1:${port}/devstoreaccount1/Tables`);
    expect(tables.status).toBeLessThan(500);
    const second = readPid(path.join(data, 'azurite.pid'));
    expect(second).not.toBe(azurite);

    // A clean stop takes Azurite down too, and its PID file with it.
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
    expect(isRunning(second)).toBe(false);
    expect(fs.existsSync(path.join(data, 'azurite.pid'))).toBe(false);
  });

  it('keeps every write it acknowledged when its host is killed in the middle of writing', async () => {
    // Azurite saves its tables every 5 s, and on a clean close; a host's death must be a clean close.
    const data = path.join(tempDir(), 'azurite');
    const port = await freePort();
    const writer = spawn(
      process.execPath,
      ['--import', 'tsx', path.resolve('test/fixtures/azurite-writer/main.ts'), data, String(port)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let acked = 0;
    writer.stdout?.on('data', (chunk: Buffer) => {
      const all = [...chunk.toString().matchAll(/ACKED (\d+)/g)];
      if (all.length > 0) acked = Number(all.at(-1)?.[1]);
    });
    const exited = new Promise((resolve) => writer.once('exit', resolve));
    cleanups.push(async () => {
      writer.kill('SIGKILL');
      await exited;
    });
    await until('the writer has 1000 acknowledged writes', () => acked >= 1000, 30_000);
    writer.kill('SIGKILL');
    await exited;
    const ackedBeforeKill = acked;
    const azurite = readPid(`${data}.pid`);
    await until(`Azurite (PID ${azurite}) ends after its parent was killed`, () => !isRunning(azurite), 6000);

    const again = await startAzurite({ port, dataDir: data });
    cleanups.push(() => again.stop());
    const table = TableClient.fromConnectionString(again.connectionString, 'writes', {
      allowInsecureConnection: true,
    });
    let rows = 0;
    for await (const _ of table.listEntities()) rows++;
    expect(rows).toBeGreaterThanOrEqual(ackedBeforeKill);
  });

  it('stops an Azurite left running on its data (named by the PID file) before it starts its own', async () => {
    const data = tempDir();
    const port = await freePort();
    // An Azurite on this data and port that no lifeline ties to anything: as if the host that
    // started it had died in a way its lifeline did not cover.
    const location = path.join(data, 'azurite');
    fs.mkdirSync(location, { recursive: true });
    const leftover = spawn(
      process.execPath,
      [AZURITE_MAIN, '--tableHost', '127.0.0.1', '--tablePort', String(port), '--location', location],
      { stdio: 'ignore', detached: true },
    );
    cleanups.push(() => isRunning(leftover.pid as number) && leftover.kill('SIGKILL'));
    await waitForPort(port);
    fs.writeFileSync(path.join(data, 'azurite.pid'), `${leftover.pid}\n`);

    const host = startCli(['--azurite', '--data', data], { AZURITE_TABLE_PORT: String(port) });
    const url = await host.listening;
    expect(isRunning(leftover.pid as number)).toBe(false);
    expect(readPid(path.join(data, 'azurite.pid'))).not.toBe(leftover.pid);
    expect((await fetch(`${url}/api/hello/x`)).status).toBe(200);
  });

  it('leaves the Azurite of the host that holds the directory alone', async () => {
    const data = tempDir();
    const port = await freePort();
    const env = { AZURITE_TABLE_PORT: String(port) };
    const holder = startCli(['--azurite', '--data', data], env);
    await holder.listening;
    const azurite = readPid(path.join(data, 'azurite.pid'));

    const second = startCli(['--azurite', '--data', data], env);
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`is in use by another signoff-host (PID ${holder.child.pid})`);
    expect(isRunning(azurite)).toBe(true);
    expect(readPid(path.join(data, 'azurite.pid'))).toBe(azurite);
  });
});

describe("Azurite's ports", () => {
  /** Holds `port` on 127.0.0.1 for the test; false when something else holds it already. */
  async function hold(port: number): Promise<boolean> {
    const server = net.createServer();
    const held = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (held) cleanups.push(() => new Promise((r) => server.close(r)));
    return held;
  }

  it('moves off its default ports when they are taken, and the app follows it there', async () => {
    // 10000-10002 taken, by this test or by whatever else already holds them.
    const held = [];
    for (const port of [10000, 10001, 10002]) held.push(await hold(port));
    const host = startCli(['--azurite', '--data', tempDir()], {}, BINDINGS_APP);
    const url = await host.listening;
    const table = /Azurite \(Table\) on http:\/\/127\.0\.0\.1:(\d+)/.exec(host.output())?.[1];
    expect(Number(table)).not.toBe(10002);
    expect(host.output()).toMatch(
      /Azurite's Table service: port 10002 is in use by (PID \d+ \(.+\)|another process), so it listens on free port \d+ instead of 10002; AzureWebJobsStorage follows/,
    );
    if (held[2]) expect(host.output()).toContain(`port 10002 is in use by PID ${process.pid} (`);
    // The app's storage bindings reach the moved Azurite.
    expect((await fetch(`${url}/api/files/moved.txt`, { method: 'PUT', body: 'here' })).status).toBe(201);
    const read = await fetch(`${url}/api/files/moved.txt`);
    expect(await read.json()).toEqual({ isBuffer: true, text: 'here' });
  });

  it('stops, naming the port and its holder, when a port that was asked for is taken', async () => {
    const port = await freePort();
    expect(await hold(port)).toBe(true);
    const host = startCli(['--azurite', '--data', tempDir()], { AZURITE_TABLE_PORT: String(port) });
    expect(await host.exited).toBe(1);
    expect(host.output()).toContain(
      `could not start Azurite: the Table service's port ${port} is in use by PID ${process.pid} (`,
    );
    expect(host.output()).toContain('(AZURITE_TABLE_PORT)');
  });
});

async function waitForPort(port: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

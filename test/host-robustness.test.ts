/**
 * The host and its data directory: one host per directory (host/dataLock.ts). Real
 * `signoff-host` processes throughout.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../host/testing';

const BIN = path.resolve('host/bin/signoff-host.cjs');
const APP = path.resolve('test/fixtures/basic-app');

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A `signoff-host start` process, and what it printed. */
interface CliHost {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the URL once it listens; rejects with its output if it exits first. */
  listening: Promise<string>;
  /** Resolves with the exit code (or signal) when it exits. */
  exited: Promise<number | string>;
}

function startCli(args: string[], env: Record<string, string> = {}): CliHost {
  const child = spawn(process.execPath, [BIN, 'start', '--app', APP, '--port', '0', ...args], {
    env: { ...process.env, SIGNOFF_LOG_LEVEL: 'warn', ...env },
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

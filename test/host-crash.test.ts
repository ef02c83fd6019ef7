/**
 * Crash safety: a host child process is killed with SIGKILL in the middle of an orchestration,
 * restarted on the same data directory, and the instance completes with the right output,
 * without running again an activity whose result had been recorded.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../host/testing';

let host: TestHost | undefined;

afterAll(async () => {
  await host?.stop();
});

function ranLines(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

it('resumes after kill -9 mid-orchestration with no completed activity run twice', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-crash-'));
  const ranFile = path.join(dir, 'ran.txt');
  host = await startTestHost({ app: 'test/fixtures/basic-app', env: { BASIC_APP_RAN_FILE: ranFile } });
  const { id } = await host.client.start('recording');

  // Wait until the slow second activity has started: the first one has then completed.
  const deadline = Date.now() + 15_000;
  while (!ranLines(ranFile).includes('slow')) {
    if (Date.now() > deadline) throw new Error(`slow activity never started: ${ranLines(ranFile)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  await host.kill();
  expect(ranLines(ranFile)).toEqual(['first', 'slow']);

  await host.restart();
  const done = await host.client.waitFor(id, ['Completed']);
  expect(done.output).toEqual(['recorded first', 'recorded slow', 'recorded third']);
  const ran = ranLines(ranFile);
  expect(ran.filter((l) => l === 'first')).toHaveLength(1);
  expect(ran.filter((l) => l === 'third')).toHaveLength(1);
  // The interrupted activity had not completed, so it runs again (at-least-once, as in Azure).
  expect(ran.filter((l) => l === 'slow').length).toBeGreaterThanOrEqual(1);
  const completions = done.historyEvents?.filter((e) => e.EventType === 'TaskCompleted') ?? [];
  expect(completions).toHaveLength(3);
});

it('keeps a started instance that was acknowledged just before the crash', async () => {
  await host?.stop();
  host = await startTestHost({ app: 'test/fixtures/basic-app' });
  const ids = await Promise.all(Array.from({ length: 20 }, () => host?.client.start('chain')));
  await host.kill();
  await host.restart();
  for (const started of ids) {
    const done = await host.client.waitFor(started?.id as string, ['Completed']);
    expect(done.output).toEqual(['Hello Tokyo', 'Hello Seattle', 'Hello London']);
  }
});

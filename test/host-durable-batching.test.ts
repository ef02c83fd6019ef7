/**
 * An activity's result reaches its orchestrator as soon as it is committed, even while many of
 * its siblings are still running and the history is long: the host folds a fan-out's results
 * into shared episodes only for as long as one episode of the instance takes (host/README.md).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../host/testing';
import { eventsOf, RawType, rawHistory } from './support/workflowHost';

describe('results of a fan-out', () => {
  let host: TestHost;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-app-'));
    host = await startTestHost({
      app: 'test/fixtures/durable-app',
      clock: 'virtual',
      env: { DURABLE_APP_DIR: dir },
    });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('answer Task.any with the first result while the other activities still run', async () => {
    const flag = 'release-slow';
    const { id } = await host.client.start('firstOfMany', { flag, slow: 60 });
    // The 60 others only return once the flag exists, so the race can only be decided by the one
    // quick activity, while all of them are still running.
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toEqual({ winner: 'quick' });
    expect(eventsOf(done, 'TaskScheduled')).toHaveLength(60);
    expect(eventsOf(done, 'TaskCompleted').map((e) => e.FunctionName)).toEqual(['echo']);

    fs.writeFileSync(path.join(dir, flag), 'go');
    await host.idle();
    // The late results went nowhere: the instance had ended.
    const after = (await host.client.status(id)).body;
    expect(after.runtimeStatus).toBe('Completed');
    expect(eventsOf(after, 'TaskCompleted')).toHaveLength(1);
  });

  it('fold into one episode under Task.all: nothing reaches the orchestrator before the last', async () => {
    const { id } = await host.client.start('allOfMany', { n: 200 });
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toEqual({ sum: (199 * 200) / 2 });
    const raw = rawHistory(host, id);
    const episodes = raw.filter((e) => e.EventType === RawType.OrchestratorStarted).length;
    // one to schedule the 200 activities, one with all their results
    expect(episodes).toBe(2);
    expect(raw.filter((e) => e.EventType === RawType.TaskCompleted)).toHaveLength(200);
  });

  it('keep folding under Task.all after the host is killed and restarted', async () => {
    const flag = 'restart-hold';
    const { id } = await host.client.start('allOfMany', { n: 30, slow: 3, flag });
    await until(() => pendingResults(host, id) === 30);
    await host.kill();
    await host.restart();
    // the first episode after the restart takes the 30 results; the instance still waits
    await until(() => count(host, id, RawType.TaskCompleted) === 30);
    expect(count(host, id, RawType.OrchestratorStarted)).toBe(2);

    // two of the three slow activities finish: their results wait, no episode runs
    for (const i of [0, 1]) fs.writeFileSync(path.join(dir, `${flag}.${i}`), 'go');
    await until(() => pendingResults(host, id) === 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(count(host, id, RawType.OrchestratorStarted)).toBe(2);

    fs.writeFileSync(path.join(dir, `${flag}.2`), 'go');
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toEqual({ sum: (29 * 30) / 2 });
    expect(count(host, id, RawType.OrchestratorStarted)).toBe(3);
  });

  it('deliver a failure under Task.all at once, while the other activities still run', async () => {
    const flag = 'release-after-failure';
    const { id } = await host.client.start('allOfMany', { n: 20, slow: 20, flag, explode: 'one broke' });
    const done = await host.client.waitFor(id, ['Completed']);
    expect((done.output as { caught: string }).caught).toContain('one broke');
    expect(eventsOf(done, 'TaskFailed')).toHaveLength(1);
    fs.writeFileSync(path.join(dir, flag), 'go');
    await host.idle();
  });
});

/** Reads the host's store without writing: activity results waiting in an instance's mailbox. */
function pendingResults(host: TestHost, instanceId: string): number {
  const db = new Database(path.join(host.options.dataDir, 'signoff.db'), {
    readonly: true,
    fileMustExist: true,
  });
  try {
    const rows = db.prepare('SELECT event FROM messages WHERE instance_id = ?').all(instanceId) as Array<{
      event: string;
    }>;
    return rows.filter(
      (r) => (JSON.parse(r.event) as { EventType: number }).EventType === RawType.TaskCompleted,
    ).length;
  } finally {
    db.close();
  }
}

function count(host: TestHost, instanceId: string, type: number): number {
  return rawHistory(host, instanceId).filter((e) => e.EventType === type).length;
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

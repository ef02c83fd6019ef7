import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, eventsOf, recorded, shape, startWorkflowHost, type WorkflowHost } from './support/workflowHost';

describe('instance lifecycle over the Durable HTTP API', () => {
  let w: WorkflowHost;
  beforeAll(async () => {
    w = await startWorkflowHost();
  });
  afterAll(async () => {
    await w?.host.stop();
  });

  it('suspends and resumes; an event raised while suspended is delivered on resume', async () => {
    const { host } = w;
    const { id } = await host.client.start('waitEvent');
    await host.client.waitFor(id, ['Running']);

    expect((await host.client.operation(id, 'suspend', 'reason=lunch')).status).toBe(202);
    await host.client.waitFor(id, ['Suspended']);
    const suspended = await host.client.status(id);
    expect(suspended.status).toBe(202);
    expect(suspended.body.runtimeStatus).toBe('Suspended');

    expect((await host.client.raiseEvent(id, 'go', 'while away')).status).toBe(202);
    await host.idle();
    const still = (await host.client.status(id)).body;
    expect(still.runtimeStatus).toBe('Suspended');
    expect(eventsOf(still, 'EventRaised')).toHaveLength(0);

    expect((await host.client.operation(id, 'resume', 'reason=back')).status).toBe(202);
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toEqual({ value: 'while away' });
    expect(shape(done)).toEqual([
      'ExecutionStarted',
      'ExecutionSuspended',
      'ExecutionResumed',
      'EventRaised',
      'ExecutionCompleted',
    ]);
    expect(eventsOf(done, 'ExecutionSuspended')[0]).toMatchObject({ Reason: 'lunch' });
    expect(eventsOf(done, 'EventRaised')).toHaveLength(1);
  });

  it('terminates a running instance, and then refuses further operations with 410', async () => {
    const { host } = w;
    const { id } = await host.client.start('waitEvent');
    await host.client.waitFor(id, ['Running']);
    expect((await host.client.operation(id, 'terminate', 'reason=no%20longer%20needed')).status).toBe(202);
    const done = await host.client.waitFor(id, ['Terminated']);
    expect(done.output).toBe('no longer needed');
    expect(shape(done)).toEqual(['ExecutionStarted', 'ExecutionTerminated']);
    const status = await host.client.status(id);
    expect(status.status).toBe(200);

    expect((await host.client.raiseEvent(id, 'go', 1)).status).toBe(410);
    for (const op of ['terminate', 'suspend', 'resume'] as const) {
      expect((await host.client.operation(id, op)).status, op).toBe(410);
    }
    // rewind refuses every status but Failed with 412, as the current extension does
    expect((await host.client.operation(id, 'rewind')).status).toBe(412);
  });

  it('answers 404 for every operation on an unknown instance', async () => {
    const { host } = w;
    expect((await host.client.status('nobody')).status).toBe(404);
    expect((await host.client.raiseEvent('nobody', 'go')).status).toBe(404);
    for (const op of ['terminate', 'suspend', 'resume', 'rewind'] as const) {
      expect((await host.client.operation('nobody', op)).status, op).toBe(404);
    }
    expect((await host.client.purge('nobody')).status).toBe(404);
  });

  it('answers 400 for a malformed start body or an unknown orchestrator, and starts nothing', async () => {
    const { host } = w;
    const before = (await host.client.query('')).body.length;
    const bad = await host.system.post(`${API}/orchestrators/echoInput`, '{"amount": 5', {
      'content-type': 'application/json',
    });
    expect(bad.status).toBe(400);
    const unknown = await host.system.post(`${API}/orchestrators/noSuchOrchestrator`, { amount: 5 });
    expect(unknown.status).toBe(400);
    const badId = await host.system.post(`${API}/orchestrators/echoInput/@entity-like`, 1);
    expect(badId.status).toBe(400);
    expect((await host.client.query('')).body.length).toBe(before);
  });

  it('reports 202 while running and 200 once completed, and purges a completed instance', async () => {
    const { host } = w;
    const { id, response } = await host.client.start('waitEvent');
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toContain(`/instances/${id}`);
    await host.client.waitFor(id, ['Running']);
    expect((await host.client.status(id)).status).toBe(202);
    await host.client.raiseEvent(id, 'go', 1);
    await host.client.waitFor(id, ['Completed']);
    expect((await host.client.status(id)).status).toBe(200);

    const purged = await host.client.purge(id);
    expect(purged).toMatchObject({ status: 200, body: { instancesDeleted: 1 } });
    expect((await host.client.status(id)).status).toBe(404);
    expect((await host.client.purge(id)).status).toBe(404);
  });

  it('rewinds a failed instance: the failed activity runs again and the instance completes', async () => {
    const { host, dir } = w;
    const flag = 'rewind-flag';
    const { id } = await host.client.start('rewindable', { flag });
    const failed = await host.client.waitFor(id, ['Failed']);
    expect(String(failed.output)).toContain(`flag ${flag} is not set`);
    expect((await host.client.status(id)).status).toBe(200);

    fs.writeFileSync(path.join(dir, flag), 'set');
    expect((await host.client.operation(id, 'rewind', 'reason=flag%20set')).status).toBe(202);
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toEqual({ before: 42, flag: `flag ${flag} found` });
    // the activity that had succeeded was not run again
    expect(eventsOf(done, 'TaskCompleted').map((e) => e.FunctionName)).toEqual(['double', 'failUntilFlag']);
    expect(eventsOf(done, 'TaskFailed')).toHaveLength(0);
  });

  it('refuses to rewind a running instance or a completed one (412)', async () => {
    const { host } = w;
    const { id } = await host.client.start('waitEvent');
    await host.client.waitFor(id, ['Running']);
    expect((await host.client.operation(id, 'rewind')).status).toBe(412);
    await host.client.raiseEvent(id, 'go', 1);
    await host.client.waitFor(id, ['Completed']);
    expect((await host.client.operation(id, 'rewind')).status).toBe(412);
  });

  it('restarts under a new id by default, and under the same id with restartWithNewInstanceId=false', async () => {
    const { host } = w;
    const { id } = await host.client.start('echoInput', { order: 7 });
    await host.client.waitFor(id, ['Completed']);

    const fresh = await host.client.operation(id, 'restart', '');
    expect(fresh.status).toBe(202);
    const newId = (fresh.body as { id: string }).id;
    expect(newId).not.toBe(id);
    expect((await host.client.waitFor(newId, ['Completed'])).output).toEqual({ order: 7 });

    const first = (await host.client.status(id)).body;
    const same = await host.client.operation(id, 'restart', 'restartWithNewInstanceId=false');
    expect(same.status).toBe(202);
    expect((same.body as { id: string }).id).toBe(id);
    const again = await host.client.waitFor(
      id,
      ['Completed'],
      (s) => s.lastUpdatedTime >= first.lastUpdatedTime && shape(s).length === 3,
    );
    expect(again.output).toEqual({ order: 7 });
    expect(eventsOf(again, 'ExecutionStarted')).toHaveLength(1);
  });

  it('restarting an unknown instance is a 400, as in the extension', async () => {
    expect((await w.host.client.operation('nobody', 'restart', '')).status).toBe(400);
  });

  it('keeps no record of an activity run for a terminated instance', async () => {
    // a terminated instance's pending work is dropped
    const { host, dir } = w;
    const { id } = await host.client.start('crashWaiter', { waitFor: 'timer' });
    await host.client.waitFor(id, ['Running'], (s) => shape(s).includes('TimerCreated'));
    await host.client.operation(id, 'terminate');
    await host.client.waitFor(id, ['Terminated']);
    await host.clock.advance('PT4H');
    expect(recorded(dir, 'crash')).not.toContain(id);
    expect(eventsOf((await host.client.status(id)).body, 'TimerFired')).toHaveLength(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsOf, RawType, rawHistory, startWorkflowHost, type WorkflowHost } from './support/workflowHost';

describe('many instances at once', () => {
  let w: WorkflowHost;
  beforeAll(async () => {
    w = await startWorkflowHost();
  });
  afterAll(async () => {
    await w?.host.stop();
  });

  it('runs 50 instances in parallel, each with its own consistent history', async () => {
    const { host } = w;
    const ids = await Promise.all(
      Array.from(
        { length: 50 },
        async (_, i) => (await host.client.start('fanOut', { n: 5, wait: true }, `par-${i}`)).id,
      ),
    );
    // events race the fan-outs: some arrive before the orchestrator listens, some after
    const raised = await Promise.all(ids.map((id, i) => host.client.raiseEvent(id, 'go', i)));
    expect(raised.map((r) => r.status)).toEqual(ids.map(() => 202));

    const done = await Promise.all(ids.map((id) => host.client.waitFor(id, ['Completed'])));
    done.forEach((s, i) => {
      expect(s.output).toMatchObject({ sum: 20, go: i });
      expect(eventsOf(s, 'TaskCompleted')).toHaveLength(5);
      expect(eventsOf(s, 'EventRaised')).toHaveLength(1);
      expect(eventsOf(s, 'ExecutionCompleted')).toHaveLength(1);
    });
    for (const id of ids) {
      const raw = rawHistory(host, id);
      const scheduled = raw.filter((e) => e.EventType === RawType.TaskScheduled).map((e) => e.EventId);
      expect(scheduled).toEqual([0, 1, 2, 3, 4]);
      const completed = raw
        .filter((e) => e.EventType === RawType.TaskCompleted)
        .map((e) => e.TaskScheduledId);
      expect([...completed].sort()).toEqual([0, 1, 2, 3, 4]);
      // episodes never interleave: every OrchestratorStarted is closed before the next opens
      const markers = raw
        .filter(
          (e) => e.EventType === RawType.OrchestratorStarted || e.EventType === RawType.OrchestratorCompleted,
        )
        .map((e) => e.EventType);
      for (let k = 0; k < markers.length; k += 2) {
        expect(markers.slice(k, k + 2)).toEqual([RawType.OrchestratorStarted, RawType.OrchestratorCompleted]);
      }
    }
  });

  it('folds results that arrive together into one episode', async () => {
    const { host } = w;
    const { id } = await host.client.start('fanOut', { n: 20, wait: false });
    const done = await host.client.waitFor(id, ['Completed']);
    const out = done.output as { sum: number; episodes: number };
    expect(out.sum).toBe(380);
    const raw = rawHistory(host, id);
    const episodes = raw.filter((e) => e.EventType === RawType.OrchestratorStarted).length;
    // 20 results, far fewer episodes; the orchestrator itself counted as many runs
    expect(episodes).toBeLessThan(20);
    expect(episodes).toBeGreaterThanOrEqual(2);
    expect(out.episodes).toBe(episodes);
    // some episode received several completions
    let most = 0;
    let run = 0;
    for (const e of raw) {
      if (e.EventType === RawType.OrchestratorStarted) run = 0;
      if (e.EventType === RawType.TaskCompleted) most = Math.max(most, ++run);
    }
    expect(most).toBeGreaterThan(1);
  });
});

describe('determinism guard (always replaying)', () => {
  let w: WorkflowHost;
  beforeAll(async () => {
    w = await startWorkflowHost({ alwaysReplay: true, autoSkip: true });
  });
  afterAll(async () => {
    await w?.host.stop();
  });

  for (const name of ['usesRandom', 'usesDateNow']) {
    it(`fails ${name} with an error naming the orchestrator and the step`, async () => {
      const { host } = w;
      const { id } = await host.client.start(name);
      const failed = await host.client.waitFor(id, ['Failed']);
      const output = String(failed.output);
      expect(output).toContain(`Orchestrator function '${name}' failed`);
      expect(output).toContain('Non-deterministic');
      expect(output).toMatch(/step \d+/);
      expect(output).toContain(name);

      // the instance stays readable: status and history
      const res = await host.client.status(id);
      expect(res.status).toBe(200);
      expect(res.body.runtimeStatus).toBe('Failed');
      const completed = eventsOf(res.body, 'ExecutionCompleted');
      expect(completed).toHaveLength(1);
      expect(completed[0]).toMatchObject({ OrchestrationStatus: 'Failed' });
      expect(res.body.historyEvents?.[0]).toMatchObject({
        EventType: 'ExecutionStarted',
        FunctionName: name,
      });
      // and a failed instance takes no more events
      expect((await host.client.raiseEvent(id, 'go', 1)).status).toBe(410);
    });
  }
});

/**
 * Critical sections (`context.df.lock`) on the host, as an app written for Azure uses them
 * (test/fixtures/entity-app): 50 concurrent transfers between two accounts that never lose or
 * make money and never withdraw what is not there; other senders queued while a lock is held,
 * and let through when it is released, by the orchestrator or by its end (failed, terminated);
 * the SDK's locking rules. Also with every episode replayed from a cold load.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../host/testing';

const API = '/runtime/webhooks/durabletask';

describe.each([false, true])('critical sections (always replaying: %s)', (alwaysReplay) => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost({ app: 'test/fixtures/entity-app', clock: 'virtual', alwaysReplay });
  });
  afterAll(async () => {
    await host?.stop();
  });

  const state = async (name: string, key: string) => {
    const res = await host.system.get(`${API}/entities/${name}/${key}`);
    return res.status === 200 ? res.body : undefined;
  };
  const signal = async (name: string, key: string, op: string, input?: unknown) => {
    const res = await host.system.post(
      `${API}/entities/${name}/${key}?op=${op}`,
      input === undefined ? undefined : JSON.stringify(input),
    );
    expect(res.status).toBe(202);
  };

  it('moves money between two accounts in 50 concurrent transfers without losing any', async () => {
    await signal('Account', 'a', 'deposit', 100);
    await host.idle();
    // 25 transfers of 30 each way: without the lock, a balance checked before another transfer's
    // withdrawal would make a withdrawal throw, and its orchestration fail
    const started = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        host.client.start(
          'transfer',
          i % 2 === 0 ? { from: 'a', to: 'b', amount: 30 } : { from: 'b', to: 'a', amount: 30 },
        ),
      ),
    );
    const outputs: Array<{ moved: boolean }> = [];
    for (const { id } of started) {
      const done = await host.client.waitFor(id, ['Completed', 'Failed'], undefined, 60_000);
      expect(done.runtimeStatus, JSON.stringify(done.output)).toBe('Completed');
      outputs.push(done.output as { moved: boolean });
    }
    const a = (await state('Account', 'a')) as number;
    const b = (await state('Account', 'b')) as number;
    expect(a + b).toBe(100);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(b).toBeGreaterThanOrEqual(0);
    const movedToB = started.filter((_, i) => i % 2 === 0 && outputs[i]?.moved).length;
    const movedToA = started.filter((_, i) => i % 2 === 1 && outputs[i]?.moved).length;
    expect(b).toBe(30 * (movedToB - movedToA));
    expect(movedToB).toBeGreaterThan(0);
    // no lock is left behind
    await signal('Account', 'a', 'deposit', 1);
    await host.idle();
    expect(await state('Account', 'a')).toBe(a + 1);
  });

  it('queues other senders while a lock is held and lets them through once it is released', async () => {
    const { id } = await host.client.start('holdUntilEvent', 'held');
    await host.client.waitFor(id, ['Running'], (s) =>
      (s.historyEvents ?? []).some((e) => e.EventType === 'EventRaised'),
    );
    await signal('Counter', 'held', 'add', 1);
    await host.idle();
    // the holder's own call ran; the signal waits behind the lock
    expect(await state('Counter', 'held')).toBe(1000);
    expect((await host.client.raiseEvent(id, 'go')).status).toBe(202);
    await host.client.waitFor(id, ['Completed']);
    await host.idle();
    expect(await state('Counter', 'held')).toBe(1001);
  });

  it('releases the locks of an orchestration that fails inside its critical section', async () => {
    const { id } = await host.client.start('holdAndFail', 'failing');
    const failed = await host.client.waitFor(id, ['Failed']);
    expect(JSON.stringify(failed.output)).toContain('failed inside the critical section');
    await signal('Counter', 'failing', 'add', 5);
    await host.idle();
    expect(await state('Counter', 'failing')).toBe(6);
  });

  it('releases the locks of an orchestration terminated while it holds them', async () => {
    const { id } = await host.client.start('holdUntilEvent', 'terminated');
    await host.client.waitFor(id, ['Running'], (s) =>
      (s.historyEvents ?? []).some((e) => e.EventType === 'EventRaised'),
    );
    await signal('Counter', 'terminated', 'add', 1);
    await host.idle();
    expect(await state('Counter', 'terminated')).toBe(1000);
    expect((await host.client.operation(id, 'terminate')).status).toBe(202);
    await host.client.waitFor(id, ['Terminated']);
    await host.idle();
    expect(await state('Counter', 'terminated')).toBe(1001);
  });

  it("enforces the SDK's locking rules inside a critical section", async () => {
    const { id } = await host.client.start('lockRules');
    const done = await host.client.waitFor(id, ['Completed']);
    const violation = (message: string) => ({ name: 'LockingRulesViolationError', message });
    expect(done.output).toEqual({
      broken: [
        violation(
          'Cannot signal an entity from within a critical section if the entity is one of the locked entities.',
        ),
        violation(
          'Cannot call an entity from within a critical section unless it is one of the locked entities.',
        ),
        violation('Cannot acquire more locks when already holding some locks.'),
        violation('Cannot invoke sub-orchestrations from within a critical section.'),
      ],
      locked: { isLocked: true, owned: ['rules-a'] },
    });
  });
});

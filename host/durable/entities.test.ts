import { describe, expect, it } from 'vitest';
import { planBatch } from './entities';
import { operationEvent, type RequestMessage, releaseEvent } from './entityMessages';
import type { PendingMessage } from './outcome';
import type { EntityRow } from './rows';

let nextRow = 1;
const msg = (event: ReturnType<typeof operationEvent>): PendingMessage => ({
  source: 'message',
  rowId: nextRow++,
  executionId: null,
  event,
});
const op = (id: string, parent?: string): PendingMessage =>
  msg(operationEvent({ op: 'add', signal: true, input: '1', id, ...(parent ? { parent } : {}) }, 0));
const lock = (id: string, parent: string, execution = 'e1'): PendingMessage =>
  msg(
    operationEvent({ id, parent, parentExecution: execution, lockset: [{ name: 'c', key: 'k' }], pos: 0 }, 0),
  );
const release = (parent: string): PendingMessage => msg(releaseEvent({ parent, id: 'l' }, 0));

const row = (lockedBy: string | null = null): EntityRow => ({
  entityId: '@c@k',
  name: 'c',
  key: 'k',
  exists: true,
  state: '0',
  lockedBy,
  lockId: lockedBy ? 'l' : null,
  lastOperationAt: 0,
});
const live = () => true;
const ids = (ops: RequestMessage[]) => ops.map((o) => o.id);

describe('an entity batch', () => {
  it('takes every operation while the entity is unlocked, in order', () => {
    const plan = planBatch(row(), [op('a', 'o1'), op('b'), op('c', '@x@y')], live);
    expect(ids(plan.ops)).toEqual(['a', 'b', 'c']);
    expect(plan.lock).toBeUndefined();
  });

  it('ends with a lock request, which it grants; what follows waits for the next batch', () => {
    const messages = [op('a'), lock('l', 'o1'), op('b')];
    const plan = planBatch(row(), messages, live);
    expect(ids(plan.ops)).toEqual(['a']);
    expect(plan.lock?.id).toBe('l');
    expect(plan.lockedBy).toBe('o1');
    expect(plan.consumed).toEqual(messages.slice(0, 2));
  });

  it("takes only the holder's operations while locked; the others wait, nothing consumed", () => {
    const waiting = [op('a'), op('b', 'o2'), lock('m', 'o2')];
    const plan = planBatch(row('o1'), [...waiting, op('mine', 'o1')], live);
    expect(ids(plan.ops)).toEqual(['mine']);
    expect(plan.consumed.every((m) => !waiting.includes(m))).toBe(true);
    expect(planBatch(row('o1'), waiting, live).consumed).toEqual([]);
  });

  it("ends at the holder's release, so what waited goes first in the next batch", () => {
    const messages = [op('a'), op('mine', 'o1'), release('o1'), op('b')];
    const plan = planBatch(row('o1'), messages, live);
    expect(ids(plan.ops)).toEqual(['mine']);
    expect(plan.lockedBy).toBeNull();
    const next = planBatch(row(), [messages[0] as PendingMessage, messages[3] as PendingMessage], live);
    expect(ids(next.ops)).toEqual(['a', 'b']);
  });

  it("ignores another instance's release, and does not grant a lock to an instance that ended", () => {
    const plan = planBatch(row('o1'), [release('o2')], live);
    expect(plan.lockedBy).toBe('o1');
    expect(plan.consumed).toHaveLength(1);
    const ended = planBatch(row(), [lock('l', 'o3'), op('a')], () => false);
    expect(ended.lock).toBeUndefined();
    expect(ended.lockedBy).toBeNull();
    expect(ids(ended.ops)).toEqual(['a']);
  });
});

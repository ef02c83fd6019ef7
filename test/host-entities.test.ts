/**
 * Durable entities on the host, as an app written for Azure uses them (test/fixtures/entity-app):
 * a counter called, signalled and read from an orchestrator, through the durable client in an
 * HTTP trigger and through the documented HTTP API; a failing operation's error reaching its
 * caller, its state change kept as Azure keeps it for a JavaScript app; entity-to-entity signals; the list query; cleaning
 * entity storage of a lock whose holder is gone.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../host/testing';

const API = '/runtime/webhooks/durabletask';

describe('entities', () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost({ app: 'test/fixtures/entity-app', clock: 'virtual' });
  });
  afterAll(async () => {
    await host?.stop();
  });

  const readCounter = async (key: string) =>
    host.system.get(`${API}/entities/counter/${encodeURIComponent(key)}`);

  it('calls, signals and reads a counter from an orchestrator; each operation in order', async () => {
    const { id } = await host.client.start('counterCaller', 'orch');
    const done = await host.client.waitFor(id, ['Completed']);
    // add 5 (called), add 10 (signalled, so before the next call), get, reset, get
    expect(done.output).toEqual({ afterSignal: 15, afterReset: 0 });
    const read = await readCounter('orch');
    expect(read.status).toBe(200);
    expect(read.body).toBe(0);
    const sent = done.historyEvents?.filter((e) => e.EventType === 'EventSent') ?? [];
    expect(sent).toHaveLength(5);
  });

  it('signals over the HTTP API (202) and reads the state (200), 404 for an entity that does not exist', async () => {
    expect((await readCounter('http')).status).toBe(404);
    for (const n of [1, 2, 3]) {
      const res = await host.system.post(`${API}/entities/Counter/http?op=add`, JSON.stringify(n));
      expect(res.status).toBe(202);
    }
    await host.idle();
    const read = await readCounter('http');
    expect(read).toMatchObject({ status: 200, body: 6 });

    expect((await host.system.post(`${API}/entities/Counter/http?op=delete`)).status).toBe(202);
    await host.idle();
    expect((await readCounter('http')).status).toBe(404);
  });

  it('signals and reads through the SDK client in an HTTP trigger', async () => {
    expect((await host.get('/api/counters/sdk')).body).toEqual({ entityExists: false });
    expect((await host.post('/api/counters/sdk/add', JSON.stringify(7))).status).toBe(202);
    expect((await host.post('/api/counters/sdk/add', JSON.stringify(8))).status).toBe(202);
    await host.idle();
    expect((await host.get('/api/counters/sdk')).body).toEqual({ entityExists: true, entityState: 15 });
  });

  it("returns a failed operation's error to its caller and keeps the state the batch left, as Azure does", async () => {
    const { id } = await host.client.start('failingCall', 'fails');
    const done = await host.client.waitFor(id, ['Completed']);
    // The SDK serializes the thrown Error as JSON ({}), which is what the caller gets in Azure too.
    // The extension takes an out-of-process batch's state whole: the change made before the throw stays.
    expect(done.output).toEqual({ caught: { isError: true, message: '[object Object]' }, after: 101 });
    expect((await readCounter('fails')).body).toBe(101);
  });

  it('runs the other operations of a batch in which some fail', async () => {
    const signals = [
      ['add', 1],
      ['addThenFail', 50],
      ['add', 2],
      ['nonsense', 0],
      ['add', 3],
    ] as const;
    for (const [op, n] of signals) {
      expect(
        (await host.system.post(`${API}/entities/Counter/batch?op=${op}`, JSON.stringify(n))).status,
      ).toBe(202);
    }
    await host.idle();
    // 1 + 50 (set before addThenFail threw) + 2 + 3; the unknown operation changed nothing
    expect((await readCounter('batch')).body).toBe(56);
  });

  it('delivers signals an entity sends to another entity', async () => {
    await host.system.post(
      `${API}/entities/Counter/from?op=forward`,
      JSON.stringify({ key: 'to', amount: 42 }),
    );
    await host.idle();
    expect((await readCounter('from')).body).toBe(1);
    expect((await readCounter('to')).body).toBe(42);
  });

  it('applies the signals of one orchestration in the order it sent them', async () => {
    // a log entity appends each input as its operation runs, so its state is the order applied
    const { id } = await host.client.start('signalMany', { key: 'ordered', n: 30 });
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toBe(30);
    const log = await host.system.get(`${API}/entities/Log/ordered`);
    expect(log.body).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('gives a caller of an entity the app does not have an error naming it', async () => {
    const { id } = await host.client.start('callGhost');
    const done = await host.client.waitFor(id, ['Completed']);
    expect(done.output).toBe("No entity function named 'ghost' is registered in the app");
  });

  it('answers 400 naming the problem for bad input, and needs the system key', async () => {
    const unknown = await host.system.post(`${API}/entities/Nobody/k?op=add`, '1');
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain("No entity function named 'Nobody'");
    const badJson = await host.system.post(`${API}/entities/Counter/k?op=add`, '{not json');
    expect(badJson.status).toBe(400);
    expect(JSON.stringify(badJson.body)).toContain('Invalid JSON');
    const badTop = await host.system.get(`${API}/entities?top=0`);
    expect(badTop.status).toBe(400);
    const anonymous = await fetch(`${host.url}${API}/entities/counter/orch`);
    expect(anonymous.status).toBe(401);
    // entities are not instances
    expect((await host.system.get(`${API}/instances/@counter@orch`)).status).toBe(404);
    expect((await host.system.delete(`${API}/instances/@counter@orch`)).status).toBe(404);
    expect((await readCounter('orch')).status).toBe(200);
  });

  it('lists entities by name with state on request, in pages with a continuation token', async () => {
    for (const key of ['p1', 'p2', 'p3']) {
      await host.system.post(`${API}/entities/Counter/${key}?op=add`, '1');
    }
    await host.idle();
    const all = await host.system.get<Array<{ entityId: { name: string; key: string }; state?: unknown }>>(
      `${API}/entities/Counter?fetchState=true&top=1000`,
    );
    expect(all.status).toBe(200);
    const keys = all.body.map((e) => e.entityId.key);
    expect(keys).toEqual(expect.arrayContaining(['p1', 'p2', 'p3', 'orch', 'batch']));
    expect(all.body.find((e) => e.entityId.key === 'p2')).toMatchObject({
      entityId: { name: 'counter', key: 'p2' },
      state: 1,
    });
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await host.system.get<Array<{ entityId: { key: string }; state?: unknown }>>(
        `${API}/entities/counter?top=2`,
        token ? { 'x-ms-continuation-token': token } : {},
      );
      expect(page.body.length).toBeLessThanOrEqual(2);
      expect(page.body.every((e) => e.state === undefined)).toBe(true);
      seen.push(...page.body.map((e) => e.entityId.key));
      token = String(page.headers.get('x-ms-continuation-token') ?? '') || undefined;
    } while (token);
    expect(seen).toEqual(keys);
    const accounts = await host.system.get<unknown[]>(`${API}/entities/Account`);
    expect(accounts.body).toEqual([]);
  });

  it('releases a lock whose holder is gone when entity storage is cleaned', async () => {
    // a lock left by an instance that no longer exists (written as another process may write
    // the store, which is not locked exclusively)
    const db = new Database(path.join(host.options.dataDir, 'signoff.db'));
    db.prepare(
      "INSERT INTO entities (entity_id, name, key, present, state, locked_by, lock_id, last_op_at) VALUES ('@counter@orphan', 'counter', 'orphan', 1, '7', 'gone', 'x', 0)",
    ).run();
    db.close();
    await host.system.post(`${API}/entities/Counter/orphan?op=add`, '1');
    await host.idle();
    expect((await readCounter('orphan')).body).toBe(7);
    const listed = await host.system.get<Array<{ lockedBy: string; backlogQueueSize: number }>>(
      `${API}/entities/counter?top=1000`,
    );
    expect(listed.body.find((e) => e.lockedBy === 'gone')).toMatchObject({ backlogQueueSize: 1 });
    const clean = await host.system.post(`${API}/entities`);
    expect(clean).toMatchObject({
      status: 200,
      body: { numberOfOrphanedLocksRemoved: 1, numberOfEmptyEntitiesRemoved: 0 },
    });
    await host.idle();
    expect((await readCounter('orphan')).body).toBe(8);
    const again = await host.system.post(`${API}/entities?releaseOrphanedLocks=true`);
    expect(again.body).toEqual({ numberOfOrphanedLocksRemoved: 0, numberOfEmptyEntitiesRemoved: 0 });
  });

  it('fails the operations of a batch that overruns functionTimeout, leaving the state as it was', async () => {
    await host.system.post(`${API}/entities/Counter/spinning?op=add`, '1');
    await host.idle();
    await host.system.post(`${API}/entities/Counter/spinning?op=spin`);
    await host.idle();
    await host.system.post(`${API}/entities/Counter/spinning?op=add`, '1');
    await host.idle();
    expect((await readCounter('spinning')).body).toBe(2);
    const listed = await host.system.get<
      Array<{ entityId: { key: string }; recentOperations: Array<{ operation: string; error?: string }> }>
    >(`${API}/entities/counter?showOperations=true&top=1000`);
    const spin = listed.body
      .find((e) => e.entityId.key === 'spinning')
      ?.recentOperations.find((o) => o.operation === 'spin');
    expect(spin?.error).toContain('Timeout value of 00:00:03 exceeded');
  });
});

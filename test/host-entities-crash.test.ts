/**
 * Entities across kill -9: a host child process is killed with SIGKILL in the middle of a burst
 * of signals (four clients signalling over the HTTP API, and an orchestration that sent 200
 * signals in one episode), restarted on the same data directory, and every log entity holds each
 * acknowledged signal exactly once, in the order its sender sent them. A signal whose answer was
 * lost with the host may or may not have been committed: it is applied at most once either way.
 * Also killed in the middle of 50 transfers in critical sections: after the restart every
 * transfer completes, and no money is lost or made.
 */
import { afterAll, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../host/testing';

const API = '/runtime/webhooks/durabletask';
const SENDERS = 4;
const PER_SENDER = 150;

let host: TestHost | undefined;

afterAll(async () => {
  await host?.stop();
});

const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('loses no acknowledged signal and applies none twice across kill -9 in the middle of a burst', async () => {
  const h = await startTestHost({ app: 'test/fixtures/entity-app', clock: 'virtual' });
  host = h;
  const append = (key: string, n: number) =>
    h.system.post(`${API}/entities/Log/${key}?op=append`, JSON.stringify(n));
  const acked = new Array<number>(SENDERS).fill(0);
  let killed = false;
  const sender = async (s: number) => {
    for (let i = 1; i <= PER_SENDER && !killed; i++) {
      try {
        const res = await append(`burst-${s}`, i);
        if (res.status !== 202) return;
        acked[s] = i;
      } catch {
        return; // the host is gone
      }
    }
  };
  const orchestration = await h.client.start('signalMany', { key: 'from-orchestration', n: 200 });
  const senders = Array.from({ length: SENDERS }, (_, s) => sender(s));
  const total = () => acked.reduce((a, b) => a + b, 0);
  const deadline = Date.now() + 30_000;
  while (total() < (SENDERS * PER_SENDER) / 2) {
    if (Date.now() > deadline) throw new Error(`the burst did not get going: ${acked}`);
    await sleep(2);
  }
  await h.kill();
  killed = true;
  await Promise.all(senders);
  expect(total()).toBeLessThan(SENDERS * PER_SENDER);

  await h.restart();
  await h.idle();
  for (let s = 0; s < SENDERS; s++) {
    const log = (await h.system.get<number[]>(`${API}/entities/Log/burst-${s}`)).body;
    // every acknowledged signal once and in order; at most the one in flight beyond them
    expect(log).toEqual(upTo(log.length));
    expect(log.length).toBeGreaterThanOrEqual(acked[s] as number);
    expect(log.length).toBeLessThanOrEqual((acked[s] as number) + 1);
    // the sender goes on where the entity's state says it stopped
    for (let i = log.length + 1; i <= PER_SENDER; i++)
      expect((await append(`burst-${s}`, i)).status).toBe(202);
  }
  await h.idle();
  for (let s = 0; s < SENDERS; s++) {
    expect((await h.system.get(`${API}/entities/Log/burst-${s}`)).body).toEqual(upTo(PER_SENDER));
  }
  const done = await h.client.waitFor(orchestration.id, ['Completed']);
  expect(done.output).toBe(200);
  expect((await h.system.get(`${API}/entities/Log/from-orchestration`)).body).toEqual(upTo(200));
});

it('completes every transfer and keeps the money after kill -9 in the middle of 50 critical sections', async () => {
  await host?.stop();
  const h = await startTestHost({ app: 'test/fixtures/entity-app', clock: 'virtual' });
  host = h;
  expect((await h.system.post(`${API}/entities/Account/a?op=deposit`, '100')).status).toBe(202);
  await h.idle();
  const started = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      h.client.start(
        'transfer',
        i % 2 === 0 ? { from: 'a', to: 'b', amount: 30 } : { from: 'b', to: 'a', amount: 30 },
      ),
    ),
  );
  // kill once some have completed and others are still in or waiting for their critical section
  const deadline = Date.now() + 30_000;
  for (;;) {
    const done = await h.client.query('runtimeStatus=Completed&top=1000');
    if (done.body.length >= 5) break;
    if (Date.now() > deadline) throw new Error('no transfer completed');
    await sleep(5);
  }
  await h.kill();
  await h.restart();
  for (const { id } of started) {
    const done = await h.client.waitFor(id, ['Completed', 'Failed'], undefined, 60_000);
    expect(done.runtimeStatus, JSON.stringify(done.output)).toBe('Completed');
  }
  await h.idle();
  const a = (await h.system.get<number>(`${API}/entities/Account/a`)).body;
  const b = (await h.system.get<number>(`${API}/entities/Account/b`)).body ?? 0;
  expect(a + b).toBe(100);
  expect(Math.min(a, b)).toBeGreaterThanOrEqual(0);
});

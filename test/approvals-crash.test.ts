/**
 * kill -9 of the host while an approval waits for its second stage: after a restart on the same
 * data the request completes, with exactly one audit row per decision.
 */
import { afterAll, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../host/testing';

const MEGAN = '00000000-0000-0000-0000-00000000a001';
const DIEGO = '00000000-0000-0000-0000-00000000a004';
let host: TestHost | undefined;

afterAll(async () => {
  await host?.stop();
});

it('completes an approval after the host is killed while it waits', async () => {
  host = await startTestHost({ app: '.', clock: 'virtual' });
  const start = await host.as('patti').post<{ id: string }>('/api/approvals/loan', {
    details: {
      applicant: 'Crash Tester',
      amount: 45_000,
      currency: 'EUR',
      purpose: 'server',
      termMonths: 12,
    },
  });
  const id = start.body.id;
  await host.idle();
  expect((await host.as('megan').post(`/api/approvals/${id}/decision`, { decision: 'approve' })).status).toBe(
    202,
  );
  await host.idle();
  await host.kill();

  await host.restart();
  // The dev issuer's key is in the data directory: the same tokens work after the restart.
  expect(
    (await host.as('patti').get<{ stage: { title: string } }>(`/api/approvals/${id}`)).body.stage.title,
  ).toBe('Risk review');
  // A reminder comes due across the restart and fires once.
  await host.clock.advance('PT25H');
  expect((await host.as('diego').post(`/api/approvals/${id}/decision`, { decision: 'approve' })).status).toBe(
    202,
  );
  await host.idle();
  const done = await host
    .as('patti')
    .get<{ state: string; audit: Array<{ type: string; actor: string }> }>(`/api/approvals/${id}`);
  expect(done.body.state).toBe('Approved');
  const decisions = done.body.audit.filter((a) => a.type === 'decision').map((a) => a.actor);
  expect(decisions).toEqual([MEGAN, DIEGO]);
  expect(done.body.audit.filter((a) => a.type === 'outcome')).toHaveLength(1);
  expect(done.body.audit.filter((a) => a.type === 'reminder')).toHaveLength(1);
});

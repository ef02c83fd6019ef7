/**
 * The crash soak's small version (test/soak/crash.ts): a few dozen approvals, decisions in flight
 * while the host is killed with SIGKILL at random moments and restarted on its data. The full run
 * is `npm run soak -- crash --n 1000 --rounds 20`.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../host/testing';
import { crashSoak } from './soak/crash';

let host: TestHost;

beforeAll(async () => {
  // The host runs its own Azurite, which dies with it: kills land while Azurite writes too.
  host = await startTestHost({ app: '.', clock: 'virtual', azurite: true });
});

afterAll(async () => {
  await host?.stop();
});

it('loses, doubles and strands nothing when the host is killed under load', async () => {
  const report = await crashSoak(host, { n: 24, rounds: 3, inFlight: 12 });
  expect(report).toMatchObject({
    approvals: 24,
    kills: 3,
    lost: 0,
    lostDecisions: 0,
    duplicated: 0,
    stuck: 0,
    auditMismatches: 0,
    indexMismatches: 0,
    problems: [],
  });
  expect(report.acknowledged).toBe(report.decisions);
}, 300_000);

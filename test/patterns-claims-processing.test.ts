/**
 * Claims processing on the embedded host: payouts by deductible and coverage limit, and the
 * customer record in Azurite's "customers" table, added to once per claim id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClaimResult, recordClaimPayment } from '../functions/patterns/claimsProcessing';
import { table } from '../functions/storage/tables';
import { startTestHost, type TestHost } from '../host/testing';
import { activitiesRun, finished, run, unique } from './support/patterns';

const policy = { deductible: 500, coverageLimit: 20_000, coveredTypes: ['auto', 'home'] };

let host: TestHost;
let today: string;
beforeAll(async () => {
  host = await startTestHost({ app: '.', clock: 'virtual' });
  today = (await host.clock.now()).toISOString().slice(0, 10);
});
afterAll(async () => {
  await host?.stop();
});

const daysAgo = (n: number) => new Date(Date.parse(today) - n * 86_400_000).toISOString().slice(0, 10);

/** The customer's row, read back from Azurite. */
async function customerRow(customerId: string): Promise<Record<string, unknown>> {
  const row = await (await table('customers')).getEntity<Record<string, unknown>>(customerId, 'profile');
  return { totalPaid: row.totalPaid, claimCount: row.claimCount, lastClaimId: row.lastClaimId };
}

describe('claims processing', () => {
  it('pays claimed minus deductible, capped at the coverage limit, and adds each claim once', async () => {
    const customerId = unique('cust');
    const first = {
      claimId: unique('clm'),
      customerId,
      type: 'auto',
      amount: 1500.5,
      incidentDate: daysAgo(3),
      policy,
    };
    const one = await run<ClaimResult>(host, 'claims-processing', first);
    expect(one.output).toMatchObject({
      status: 'settled',
      claimId: first.claimId,
      payout: 1000.5,
      calculation: { claimed: 1500.5, deductible: 500, coverageLimit: 20_000, payout: 1000.5, capped: false },
      duplicate: false,
      customer: { customerId, totalPaid: 1000.5, claimCount: 1, lastClaimId: first.claimId },
    });
    expect(await customerRow(customerId)).toEqual({
      totalPaid: 1000.5,
      claimCount: 1,
      lastClaimId: first.claimId,
    });
    expect(activitiesRun(await finished(host, one.id))).toEqual([
      'claimValidate',
      'claimCalculatePayout',
      'claimRecordPayment',
    ]);

    const big = { ...first, claimId: unique('clm'), type: 'home', amount: 50_000 };
    const two = await run<ClaimResult>(host, 'claims-processing', big);
    expect(two.output).toMatchObject({ status: 'settled', payout: 20_000, calculation: { capped: true } });
    expect(await customerRow(customerId)).toEqual({
      totalPaid: 21_000.5,
      claimCount: 2,
      lastClaimId: big.claimId,
    });

    // the first claim filed again: settled as a duplicate, the record does not change
    const again = await run<ClaimResult>(host, 'claims-processing', first);
    expect(again.output).toMatchObject({
      status: 'settled',
      duplicate: true,
      customer: { totalPaid: 21_000.5 },
    });
    expect(await customerRow(customerId)).toEqual({
      totalPaid: 21_000.5,
      claimCount: 2,
      lastClaimId: big.claimId,
    });
  });

  it('pays nothing below the deductible', async () => {
    const customerId = unique('cust');
    const { output } = await run<ClaimResult>(host, 'claims-processing', {
      claimId: unique('clm'),
      customerId,
      type: 'home',
      amount: 300,
      incidentDate: daysAgo(1),
      policy,
    });
    expect(output).toMatchObject({ status: 'settled', payout: 0 });
    expect(await customerRow(customerId)).toMatchObject({ totalPaid: 0, claimCount: 1 });
  });

  it('rejects a claim that breaks the rules and leaves the record alone', async () => {
    const customerId = unique('cust');
    const { id, output } = await run<ClaimResult>(host, 'claims-processing', {
      claimId: unique('clm'),
      customerId,
      type: 'travel',
      amount: 900,
      incidentDate: daysAgo(-2),
      policy,
    });
    expect(output).toMatchObject({
      status: 'rejected',
      reasons: ['type "travel" is not covered by the policy', 'incidentDate is after the filing date'],
    });
    expect(activitiesRun(await finished(host, id))).toEqual(['claimValidate']);
    await expect((await table('customers')).getEntity(customerId, 'profile')).rejects.toMatchObject({
      statusCode: 404,
    });

    const late = await run<ClaimResult>(host, 'claims-processing', {
      claimId: unique('clm'),
      customerId,
      type: 'auto',
      amount: 900,
      incidentDate: daysAgo(400),
      policy,
    });
    expect(late.output).toMatchObject({
      status: 'rejected',
      reasons: ['filed more than 365 days after the incident'],
    });
  });

  it('recording the same payment twice (an activity retry) adds it once', async () => {
    const customerId = unique('cust');
    const payment = {
      claimId: 'retried',
      customerId,
      payout: 250.25,
      paidAt: `${today}T00:00:00.000Z`,
      instanceId: 'i',
    };
    expect(await recordClaimPayment(payment)).toMatchObject({
      duplicate: false,
      customer: { totalPaid: 250.25 },
    });
    expect(await recordClaimPayment(payment)).toMatchObject({
      duplicate: true,
      customer: { totalPaid: 250.25 },
    });
    expect(await customerRow(customerId)).toEqual({
      totalPaid: 250.25,
      claimCount: 1,
      lastClaimId: 'retried',
    });
  });

  it('answers 400 naming the field and the rule', async () => {
    const res = await host
      .as('patti')
      .post<{ problems: Array<{ field: string; rule: string }> }>('/api/patterns/claims-processing', {
        claimId: 'c 1',
        customerId: 'ok',
        type: 'auto',
        amount: 10.001,
        incidentDate: today,
        policy: { ...policy, deductible: -1 },
      });
    expect(res.status).toBe(400);
    expect(res.body.problems).toEqual(
      expect.arrayContaining([
        { field: 'claimId', rule: 'must be 1-63 letters, digits, "-" or "_"' },
        { field: 'amount', rule: 'must have at most 2 decimals' },
        { field: 'policy.deductible', rule: 'must not be negative' },
      ]),
    );
  });
});

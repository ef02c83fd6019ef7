/**
 * Claims processing: validate the claim → calculate the payout (deductible, coverage limit) →
 * update the customer record.
 *
 * The customer record is the row "profile" of the customer's partition in the Azure Table
 * "customers" ({totalPaid, claimCount, lastClaimId, lastPaidAt}). Beside it, each paid claim
 * leaves a row "claim-<claimId>", written in the same entity-group transaction as the profile
 * change: the claim id is the guard, so an activity that runs twice (or a claim filed twice)
 * adds to the totals once.
 *
 *   POST /api/patterns/claims-processing   → 202 | 400
 */
import * as df from 'durable-functions';
import { z } from 'zod/v4';
import { settled, terminalAsResult } from '../platform/retry';
import { isConflict, readRow, StorageContentionError, table } from '../storage/tables';
import { parseInput, registerStarter } from './starter';

export const CLAIMS_ORCHESTRATOR = 'claimsProcessing';
const CUSTOMERS = 'customers';
const PROFILE_ROW = 'profile';

export const CLAIM_TYPES = ['auto', 'home', 'health', 'travel'] as const;
/** Claims must be filed within this many days of the incident. */
export const FILING_WINDOW_DAYS = 365;

// ---- input and rules (pure) ------------------------------------------------------------

const id = z
  .string('must be a string')
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'must be 1-63 letters, digits, "-" or "_"');
const money = z
  .number('must be a number')
  .nonnegative('must not be negative')
  .max(1e9, 'is too large')
  .refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, 'must have at most 2 decimals');
const isoDate = z.iso.date('must be a date such as 2025-06-01');

export const claimSchema = z.object({
  claimId: id,
  customerId: id,
  type: z.enum(CLAIM_TYPES, `must be one of ${CLAIM_TYPES.join(', ')}`),
  amount: money.refine((n) => n > 0, 'must be greater than 0'),
  incidentDate: isoDate,
  description: z.string('must be a string').trim().max(2000).default(''),
  policy: z.object(
    {
      deductible: money,
      coverageLimit: money.refine((n) => n > 0, 'must be greater than 0'),
      coveredTypes: z
        .array(z.enum(CLAIM_TYPES, `must be one of ${CLAIM_TYPES.join(', ')}`))
        .min(1, 'must not be empty'),
      startsOn: isoDate.optional(),
      endsOn: isoDate.optional(),
    },
    'must be an object {deductible, coverageLimit, coveredTypes}',
  ),
});
export type Claim = z.infer<typeof claimSchema>;

export type ClaimValidation = { valid: true } | { valid: false; reasons: string[] };

/** The business rules a claim must meet, at the time it was filed (`filedAt`, ISO). */
export function validateClaim(claim: Claim, filedAt: string): ClaimValidation {
  const reasons: string[] = [];
  const filedOn = filedAt.slice(0, 10);
  if (!claim.policy.coveredTypes.includes(claim.type))
    reasons.push(`type "${claim.type}" is not covered by the policy`);
  if (claim.incidentDate > filedOn) reasons.push('incidentDate is after the filing date');
  const ageDays = (Date.parse(filedOn) - Date.parse(claim.incidentDate)) / 86_400_000;
  if (ageDays > FILING_WINDOW_DAYS)
    reasons.push(`filed more than ${FILING_WINDOW_DAYS} days after the incident`);
  if (claim.policy.startsOn && claim.incidentDate < claim.policy.startsOn)
    reasons.push('incident before the policy started');
  if (claim.policy.endsOn && claim.incidentDate > claim.policy.endsOn)
    reasons.push('incident after the policy ended');
  return reasons.length ? { valid: false, reasons } : { valid: true };
}

export interface PayoutCalculation {
  claimed: number;
  deductible: number;
  coverageLimit: number;
  payout: number;
  /** True when the coverage limit cut the payout. */
  capped: boolean;
}

const cents = (n: number) => Math.round(n * 100);

/** payout = min(max(0, claimed − deductible), coverage limit), in whole cents. */
export function calculatePayout(claim: Claim): PayoutCalculation {
  const afterDeductible = Math.max(0, cents(claim.amount) - cents(claim.policy.deductible));
  const payout = Math.min(afterDeductible, cents(claim.policy.coverageLimit));
  return {
    claimed: claim.amount,
    deductible: claim.policy.deductible,
    coverageLimit: claim.policy.coverageLimit,
    payout: payout / 100,
    capped: payout < afterDeductible,
  };
}

// ---- the customer record (Azure Table) -------------------------------------------------

interface ProfileRow {
  totalPaidCents: number;
  totalPaid: number;
  claimCount: number;
  lastClaimId: string;
  lastPaidAt: string;
}

export interface CustomerRecord {
  customerId: string;
  totalPaid: number;
  claimCount: number;
  lastClaimId: string;
  lastPaidAt: string;
}

export interface RecordPayment {
  claimId: string;
  customerId: string;
  payout: number;
  paidAt: string;
  instanceId: string;
}

export interface RecordResult {
  /** True when this claim had already been added to the record (a retry or a second filing). */
  duplicate: boolean;
  customer: CustomerRecord;
}

const claimRow = (claimId: string) => `claim-${claimId}`;

export async function customerRecord(customerId: string): Promise<CustomerRecord | undefined> {
  const row = await readRow<ProfileRow>(await table(CUSTOMERS), customerId, PROFILE_ROW);
  return row && toRecord(customerId, row);
}

function toRecord(customerId: string, row: ProfileRow): CustomerRecord {
  return {
    customerId,
    totalPaid: row.totalPaid,
    claimCount: row.claimCount,
    lastClaimId: row.lastClaimId,
    lastPaidAt: row.lastPaidAt,
  };
}

/** Adds a paid claim to the customer's totals, once per claim id. */
export async function recordClaimPayment(p: RecordPayment): Promise<RecordResult> {
  const t = await table(CUSTOMERS);
  for (let attempt = 0; attempt < 20; attempt++) {
    // the claim row and the profile change commit together, so a claim row means it was added
    if (await readRow(t, p.customerId, claimRow(p.claimId))) {
      const current = await readRow<ProfileRow>(t, p.customerId, PROFILE_ROW);
      if (current) return { duplicate: true, customer: toRecord(p.customerId, current) };
    }
    const profile = await readRow<ProfileRow>(t, p.customerId, PROFILE_ROW);
    const totalPaidCents = (profile?.totalPaidCents ?? 0) + cents(p.payout);
    const next: ProfileRow = {
      totalPaidCents,
      totalPaid: totalPaidCents / 100,
      claimCount: (profile?.claimCount ?? 0) + 1,
      lastClaimId: p.claimId,
      lastPaidAt: p.paidAt,
    };
    const entity = { partitionKey: p.customerId, rowKey: PROFILE_ROW, ...next };
    try {
      await t.submitTransaction([
        [
          'create',
          {
            partitionKey: p.customerId,
            rowKey: claimRow(p.claimId),
            payout: p.payout,
            paidAt: p.paidAt,
            instanceId: p.instanceId,
          },
        ],
        profile ? ['update', entity, 'Replace', { etag: profile.etag }] : ['create', entity],
      ]);
      return { duplicate: false, customer: toRecord(p.customerId, next) };
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
  }
  throw new StorageContentionError(`customer ${p.customerId}`);
}

// ---- activities ------------------------------------------------------------------------

df.app.activity('claimValidate', {
  handler: (input: { claim: Claim; filedAt: string }): ClaimValidation =>
    validateClaim(input.claim, input.filedAt),
});

df.app.activity('claimCalculatePayout', {
  handler: (input: { claim: Claim }): PayoutCalculation => calculatePayout(input.claim),
});

df.app.activity('claimRecordPayment', {
  handler: terminalAsResult('claimRecordPayment', (input: RecordPayment) => recordClaimPayment(input)),
});

// ---- orchestrator (deterministic) ------------------------------------------------------

export type ClaimResult =
  | { status: 'rejected'; claimId: string; reasons: string[] }
  | {
      status: 'settled';
      claimId: string;
      payout: number;
      calculation: PayoutCalculation;
      duplicate: boolean;
      customer: CustomerRecord;
    };

df.app.orchestration(CLAIMS_ORCHESTRATOR, function* (context) {
  const claim = parseInput(claimSchema, context.df.getInput());
  const now = context.df.currentUtcDateTime.toISOString();
  const retry = new df.RetryOptions(5_000, 5);
  retry.backoffCoefficient = 2;

  context.df.setCustomStatus({ step: 'validate' });
  const validation: ClaimValidation = yield context.df.callActivity('claimValidate', { claim, filedAt: now });
  if (!validation.valid) {
    context.df.setCustomStatus({ step: 'done' });
    return { status: 'rejected', claimId: claim.claimId, reasons: validation.reasons } satisfies ClaimResult;
  }

  context.df.setCustomStatus({ step: 'calculate' });
  const calculation: PayoutCalculation = yield context.df.callActivity('claimCalculatePayout', { claim });

  context.df.setCustomStatus({ step: 'update-customer', payout: calculation.payout });
  const recorded: RecordResult = settled(
    yield context.df.callActivityWithRetry('claimRecordPayment', retry, {
      claimId: claim.claimId,
      customerId: claim.customerId,
      payout: calculation.payout,
      paidAt: now,
      instanceId: context.df.instanceId,
    } satisfies RecordPayment),
  );

  context.df.setCustomStatus({ step: 'done', payout: calculation.payout });
  return {
    status: 'settled',
    claimId: claim.claimId,
    payout: calculation.payout,
    calculation,
    duplicate: recorded.duplicate,
    customer: recorded.customer,
  } satisfies ClaimResult;
});

registerStarter({ route: 'claims-processing', orchestrator: CLAIMS_ORCHESTRATOR, schema: claimSchema });

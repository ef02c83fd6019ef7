/**
 * Subscription onboarding (monitor): create the account, provision the mailbox, assign the
 * licence, send the welcome mail, one step after the other, each retried with exponential
 * backoff. The custom status shows progress ({step, completed, attempts, alerts}).
 *
 * Each step has an SLA: a durable timer races the step (`Task.any`). When the timer wins, the
 * workflow raises a "step-sla" alert and keeps waiting for the step. A step that exhausts its
 * retries raises a "step-failed" alert and ends the run as failed. Alerts are the app's one
 * alert record (functions/alerts): a log line, a row of the Azure Table "alerts", and a message
 * to the ops channel when one is configured.
 *
 * Flakiness is deterministic from the input: `failFirst: {provisionMailbox: 2}` makes the
 * first two attempts of that step fail. Attempts are counted in the Azure Table
 * "onboardingSteps" (partition: the instance, row: the step), because an activity keeps no
 * memory between attempts.
 *
 *   POST /api/patterns/subscription-onboarding   → 202 | 400
 */
import { createHash } from 'node:crypto';
import * as df from 'durable-functions';
import { z } from 'zod/v4';
import type { AlertRecord } from '../../domain/alerts';
import { RetryableError, TerminalError } from '../../domain/errors';
import type { Log } from '../../domain/log';
import { ALERTS_TABLE, raiseAlert as raise } from '../alerts/record';
import { invocationLog } from '../platform/log';
import { settled, TerminalActivityError, terminalAsResult } from '../platform/retry';
import { isConflict, readRow, StorageContentionError, table } from '../storage/tables';
import { parseInput, registerStarter } from './starter';

export const ONBOARDING_ORCHESTRATOR = 'subscriptionOnboarding';
const STEPS_TABLE = 'onboardingSteps';
export { ALERTS_TABLE };

export const ONBOARDING_STEPS = [
  'createAccount',
  'provisionMailbox',
  'assignLicence',
  'sendWelcome',
] as const;
export type OnboardingStep = (typeof ONBOARDING_STEPS)[number];

/** How long each step may take, retries included, before an alert is raised. */
export const STEP_SLA_MS: Record<OnboardingStep, number> = {
  createAccount: 2 * 60_000,
  provisionMailbox: 2 * 60_000,
  assignLicence: 2 * 60_000,
  sendWelcome: 2 * 60_000,
};

/** Attempts 1 min apart, then 2, 4, 8 (coefficient 2, capped at 10 min), five attempts in all. */
export const STEP_RETRY = {
  firstIntervalMs: 60_000,
  backoffCoefficient: 2,
  maxIntervalMs: 10 * 60_000,
  maxAttempts: 5,
};

/** A step failed; retryable (the workflow's retry policy decides). */
export class OnboardingStepError extends RetryableError {
  readonly code = 'ONBOARDING_STEP_FAILED';
  constructor(
    readonly step: OnboardingStep,
    readonly attempt: number,
    detail: string,
  ) {
    super(`${step} failed on attempt ${attempt}: ${detail}`);
  }
}

// ---- input (pure) ----------------------------------------------------------------------

const failures = z
  .number('must be a number')
  .int('must be a whole number')
  .min(0)
  .max(20, 'must be at most 20');

export const onboardingSchema = z.object({
  customer: z.object(
    {
      name: z.string('must be a string').trim().min(1, 'must not be empty').max(200),
      email: z.email('must be an email address'),
    },
    'must be an object {name, email}',
  ),
  plan: z.enum(['basic', 'business', 'enterprise'], 'must be "basic", "business" or "enterprise"'),
  /** Demo and test knob: the first N attempts of these steps fail. */
  failFirst: z
    .object({
      createAccount: failures.optional(),
      provisionMailbox: failures.optional(),
      assignLicence: failures.optional(),
      sendWelcome: failures.optional(),
    })
    .strict()
    .default({}),
});
export type Onboarding = z.infer<typeof onboardingSchema>;

export interface StepInput {
  subscriptionId: string;
  onboarding: Onboarding;
}

export interface StepResult {
  step: OnboardingStep;
  attempt: number;
  detail: string;
}

const activityOf = (step: OnboardingStep) => `onboarding${step[0]?.toUpperCase()}${step.slice(1)}`;

// ---- steps (Azure Table for attempts) --------------------------------------------------

interface StepRow {
  attempts: number;
  state: 'failed' | 'done';
  result?: string;
}

/** Mail to a reserved `.invalid` domain (RFC 2606) can never be delivered: no attempt can fix it. */
export class UndeliverableEmailError extends TerminalError {
  readonly code = 'UNDELIVERABLE_EMAIL';
  constructor(email: string) {
    super(`${email} can never receive mail (its domain is reserved as invalid)`);
  }
}

function perform(
  step: OnboardingStep,
  { subscriptionId, onboarding }: StepInput,
  attempt: number,
): StepResult {
  const { customer, plan } = onboarding;
  if (step === 'sendWelcome' && /\.invalid$/i.test(customer.email))
    throw new UndeliverableEmailError(customer.email);
  const tag = createHash('sha256').update(subscriptionId).digest('hex').slice(0, 8);
  const detail = {
    createAccount: `account acc-${tag} for ${customer.name}`,
    provisionMailbox: `mailbox ${customer.email.split('@')[0]}-${tag}@mail.signoff.example`,
    assignLicence: `${plan} licence assigned`,
    sendWelcome: `welcome mail sent to ${customer.email}`,
  }[step];
  return { step, attempt, detail };
}

/** One attempt of `step`: counted, then failed (as the input asks) or done. Done stays done. */
export async function runStep(step: OnboardingStep, input: StepInput): Promise<StepResult> {
  const t = await table(STEPS_TABLE);
  for (let tries = 0; tries < 20; tries++) {
    const row = await readRow<StepRow>(t, input.subscriptionId, step);
    if (row?.state === 'done' && row.result) return JSON.parse(row.result) as StepResult;
    const attempt = (row?.attempts ?? 0) + 1;
    const failing = attempt <= (input.onboarding.failFirst[step] ?? 0);
    const result = failing ? undefined : perform(step, input, attempt);
    const entity = {
      partitionKey: input.subscriptionId,
      rowKey: step,
      attempts: attempt,
      state: failing ? 'failed' : 'done',
      result: result ? JSON.stringify(result) : '',
    };
    try {
      if (row) await t.updateEntity(entity, 'Replace', { etag: row.etag });
      else await t.createEntity(entity);
    } catch (error) {
      if (isConflict(error)) continue;
      throw error;
    }
    if (!result) throw new OnboardingStepError(step, attempt, 'the service is unavailable (simulated)');
    return result;
  }
  throw new StorageContentionError(`onboarding step ${step}`);
}

// ---- alerts ----------------------------------------------------------------------------

export interface OnboardingAlert {
  kind: 'sla-breach' | 'step-failed';
  instanceId: string;
  step: OnboardingStep;
  /** Orchestration time of the breach or failure. */
  at: string;
  message: string;
  customer: string;
}

/** The onboarding alert as the app's alert record (its kind, step and customer as details). */
export function alertRecord(alert: OnboardingAlert): AlertRecord {
  return {
    alert: alert.kind === 'sla-breach' ? 'step-sla' : 'step-failed',
    instanceId: alert.instanceId,
    name: alert.step,
    at: alert.at,
    message: alert.message,
    source: ONBOARDING_ORCHESTRATOR,
    key: `${alert.kind}-${alert.step}`,
    details: { kind: alert.kind, step: alert.step, customer: alert.customer },
  };
}

/** Logs, stores and posts the alert (once: a repeated run finds the row). */
export async function raiseAlert(alert: OnboardingAlert, log: Log): Promise<void> {
  await raise(alertRecord(alert), log);
}

// ---- activities ------------------------------------------------------------------------

for (const step of ONBOARDING_STEPS) {
  df.app.activity(activityOf(step), {
    handler: terminalAsResult(activityOf(step), (input: StepInput) => runStep(step, input)),
  });
}

df.app.activity('onboardingAlert', {
  handler: terminalAsResult('onboardingAlert', (alert: OnboardingAlert, context) =>
    raiseAlert(alert, invocationLog(context)),
  ),
});

// ---- orchestrator (deterministic) ------------------------------------------------------

export interface OnboardingProgress {
  step: OnboardingStep | 'done' | 'failed';
  completed: OnboardingStep[];
  attempts: Partial<Record<OnboardingStep, number>>;
  alerts: Array<{ kind: OnboardingAlert['kind']; step: OnboardingStep; at: string }>;
}

export type OnboardingResult = OnboardingProgress &
  (
    | { status: 'completed'; details: string[] }
    | { status: 'failed'; failedStep: OnboardingStep; reason: string }
  );

df.app.orchestration(ONBOARDING_ORCHESTRATOR, function* (context) {
  const onboarding = parseInput(onboardingSchema, context.df.getInput());
  const instanceId = context.df.instanceId;
  const retry = new df.RetryOptions(STEP_RETRY.firstIntervalMs, STEP_RETRY.maxAttempts);
  retry.backoffCoefficient = STEP_RETRY.backoffCoefficient;
  retry.maxRetryIntervalInMilliseconds = STEP_RETRY.maxIntervalMs;
  const alertRetry = new df.RetryOptions(5_000, 5);

  const progress: OnboardingProgress = { step: ONBOARDING_STEPS[0], completed: [], attempts: {}, alerts: [] };
  const details: string[] = [];
  const alert = function* (kind: OnboardingAlert['kind'], step: OnboardingStep, message: string) {
    const at = context.df.currentUtcDateTime.toISOString();
    const record: OnboardingAlert = {
      kind,
      instanceId,
      step,
      at,
      message,
      customer: onboarding.customer.email,
    };
    const raised: unknown = yield context.df.callActivityWithRetry('onboardingAlert', alertRetry, record);
    settled(raised);
    progress.alerts.push({ kind, step, at });
  };

  for (const step of ONBOARDING_STEPS) {
    progress.step = step;
    context.df.setCustomStatus(progress);
    const task = context.df.callActivityWithRetry(activityOf(step), retry, {
      subscriptionId: instanceId,
      onboarding,
    } satisfies StepInput);
    const sla = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + STEP_SLA_MS[step]));
    const first = yield context.df.Task.any([task, sla]);
    if (first === sla) {
      yield* alert(
        'sla-breach',
        step,
        `${step} has exceeded its SLA of ${STEP_SLA_MS[step] / 60_000} minutes`,
      );
      context.df.setCustomStatus(progress);
    } else {
      sla.cancel();
    }
    try {
      const result = settled<StepResult>(yield task);
      progress.completed.push(step);
      progress.attempts[step] = result.attempt;
      details.push(result.detail);
    } catch (error) {
      const reason = (error as Error).message;
      // A step that cannot succeed was tried once; any other failure used up every retry.
      const attempts = error instanceof TerminalActivityError ? 1 : STEP_RETRY.maxAttempts;
      progress.attempts[step] = attempts;
      yield* alert(
        'step-failed',
        step,
        `${step} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`,
      );
      progress.step = 'failed';
      context.df.setCustomStatus(progress);
      return { ...progress, status: 'failed', failedStep: step, reason } satisfies OnboardingResult;
    }
  }
  progress.step = 'done';
  context.df.setCustomStatus(progress);
  return { ...progress, status: 'completed', details } satisfies OnboardingResult;
});

registerStarter({
  route: 'subscription-onboarding',
  orchestrator: ONBOARDING_ORCHESTRATOR,
  schema: onboardingSchema,
});

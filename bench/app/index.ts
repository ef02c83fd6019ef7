/**
 * The benchmark function app: exactly the workloads of BENCH.md, written with the public
 * `durable-functions` API as any app would be, so the figures measure the host and nothing else.
 *
 * - `approval` takes `{id, amount}`: validate, wait for `decision` raced against a 1 hour timer,
 *   record, and return `{id, decision}` (`'expired'` when the timer wins).
 * - `fanout` takes N, calls `index` N times at once and returns the sum of the results.
 * - `chain` takes N (default 100) and calls `step` N times one after another.
 *
 * For `worker-cost` (the price of running the app in worker processes):
 * - `timers` takes N and waits for N timers one after another, each due at once: N episodes and
 *   no activity, the cost of an episode alone.
 * - `measure` returns the length of the text it is given: the invocation round trip alone.
 * - `burn` spends its input in milliseconds of CPU and returns its process id; `burnFanout` takes
 *   `{n, ms}` and runs n of them at once, returning their process ids.
 */

import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import * as df from 'durable-functions';

const HOUR_MS = 3_600_000;

interface ApprovalInput {
  id: string;
  amount: number;
}

interface Decision {
  approved: boolean;
  by: string;
}

df.app.activity('validate', { handler: (input: ApprovalInput) => input });
df.app.activity('record', {
  handler: (input: { id: string; decision: Decision | 'expired' }) =>
    `recorded ${input.id}: ${typeof input.decision === 'string' ? input.decision : input.decision.approved}`,
});
df.app.activity('index', { handler: (i: number) => i });
df.app.activity('step', { handler: (i: number) => i + 1 });
df.app.activity('measure', { handler: (text: string) => text.length });
df.app.activity('burn', {
  handler: (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      // the CPU is the point
    }
    return process.pid;
  },
});

const approval: OrchestrationHandler = function* (context: OrchestrationContext) {
  const request = (yield context.df.callActivity('validate', context.df.getInput())) as ApprovalInput;
  const deadline = new Date(context.df.currentUtcDateTime.getTime() + HOUR_MS);
  const timer = context.df.createTimer(deadline);
  const event = context.df.waitForExternalEvent('decision');
  // The benchmark driver counts an instance as parked once it shows this status.
  context.df.setCustomStatus('waiting');
  const winner = yield context.df.Task.any([event, timer]);
  let decision: Decision | 'expired';
  if (winner === timer) {
    decision = 'expired';
  } else {
    timer.cancel();
    decision = event.result as Decision;
  }
  yield context.df.callActivity('record', { id: request.id, decision });
  return { id: request.id, decision };
};
df.app.orchestration('approval', approval);

const fanout: OrchestrationHandler = function* (context: OrchestrationContext) {
  const n = Number(context.df.getInput() ?? 1000);
  const tasks = [];
  for (let i = 0; i < n; i++) tasks.push(context.df.callActivity('index', i));
  const results = (yield context.df.Task.all(tasks)) as number[];
  return results.reduce((sum, v) => sum + v, 0);
};
df.app.orchestration('fanout', fanout);

const chain: OrchestrationHandler = function* (context: OrchestrationContext) {
  const n = Number(context.df.getInput() ?? 100);
  let value = 0;
  for (let i = 0; i < n; i++) value = (yield context.df.callActivity('step', value)) as number;
  return value;
};
df.app.orchestration('chain', chain);

const timers: OrchestrationHandler = function* (context: OrchestrationContext) {
  const n = Number(context.df.getInput() ?? 100);
  for (let i = 0; i < n; i++) yield context.df.createTimer(context.df.currentUtcDateTime);
  return n;
};
df.app.orchestration('timers', timers);

const burnFanout: OrchestrationHandler = function* (context: OrchestrationContext) {
  const { n, ms } = context.df.getInput() as { n: number; ms: number };
  const tasks = [];
  for (let i = 0; i < n; i++) tasks.push(context.df.callActivity('burn', ms));
  const pids = (yield context.df.Task.all(tasks)) as number[];
  return new Set(pids).size;
};
df.app.orchestration('burnFanout', burnFanout);
